"""v1pushpull.torch.checkpoints: the run folder round trip, and a run killed by SIGKILL that
resumes to the weights of an uninterrupted one."""

from __future__ import annotations

import signal
import time

import pytest

torch = pytest.importorskip("torch")

from torch_helpers import TOY_DATA, run_python, state_equal, tiny_loader  # noqa: E402

from v1pushpull.torch.checkpoints import CHECKPOINT_NAME, load_checkpoint  # noqa: E402
from v1pushpull.torch.models import build_model  # noqa: E402
from v1pushpull.torch.training import seed_everything, train  # noqa: E402


def test_same_seed_same_weights_and_checkpoint_round_trip(tmp_path):
    states = []
    for run in ("a", "b"):
        seed_everything(5)
        model = build_model("lenet-d", pushpull="first")
        train(
            model,
            tiny_loader(),
            recipe="lenet",
            epochs=2,
            out_dir=tmp_path / run,
            seed=2,
            progress=False,
            metadata={"arch": "lenet-d"},
        )
        states.append(model.state_dict())
    assert state_equal(*states)
    saved = load_checkpoint(tmp_path / "a")
    assert state_equal(saved["model"], states[0])
    assert saved["metadata"]["arch"] == "lenet-d" and saved["metadata"]["epochs"] == 2
    assert load_checkpoint(tmp_path / "a" / CHECKPOINT_NAME)["epoch"] == 2
    # a different data-order seed gives different weights
    seed_everything(5)
    other = build_model("lenet-d", pushpull="first")
    train(other, tiny_loader(), recipe="lenet", epochs=2, seed=3, progress=False)
    assert not state_equal(other.state_dict(), states[0])


RESUME_SCRIPT = (
    TOY_DATA.format(n=768)
    + """
out, epochs = sys.argv[1], int(sys.argv[2])
seed_everything(0)
model = build_model("lenet-a", pushpull="first")
loader = DataLoader(TensorDataset(images, labels), batch_size=8, shuffle=True)
train(model, loader, recipe="lenet", epochs=epochs, lr=0.02, out_dir=out, seed=3, progress=False)
"""
)


def test_sigkill_mid_epoch_loses_at_most_that_epoch(tmp_path):
    epochs = 6
    reference = run_python(RESUME_SCRIPT, str(tmp_path / "reference"), str(epochs))
    victim = run_python(RESUME_SCRIPT, str(tmp_path / "victim"), str(epochs))
    checkpoint = tmp_path / "victim" / CHECKPOINT_NAME
    completed = 0
    deadline = time.monotonic() + 120
    while completed < 2 and victim.poll() is None and time.monotonic() < deadline:
        if checkpoint.exists():
            # atomic replacement: whatever we read is a whole checkpoint
            completed = load_checkpoint(checkpoint)["epoch"]
        time.sleep(0.01)
    time.sleep(0.05)  # let it get into the next epoch
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL, victim.stderr.read()
    saved = load_checkpoint(checkpoint)["epoch"]
    assert 2 <= saved < epochs  # killed before the end, with every finished epoch saved

    resumed = run_python(RESUME_SCRIPT, str(tmp_path / "victim"), str(epochs))
    assert resumed.wait() == 0, resumed.stderr.read()
    assert reference.wait() == 0, reference.stderr.read()
    final = load_checkpoint(tmp_path / "victim")
    expected = load_checkpoint(tmp_path / "reference")
    assert state_equal(final["model"], expected["model"])
    history = load_checkpoint(checkpoint)["history"]
    assert len(history["train_loss"]) == epochs
    assert history == load_checkpoint(tmp_path / "reference" / CHECKPOINT_NAME)["history"]
