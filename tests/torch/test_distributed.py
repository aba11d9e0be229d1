"""v1pushpull.torch.distributed (and train under it): two gloo processes equal one process
with the double batch; no torchrun means one process."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader, TensorDataset  # noqa: E402
from torch_helpers import TOY_DATA, env_with_tested_code, state_equal  # noqa: E402

from v1pushpull.torch.checkpoints import CHECKPOINT_NAME, load_checkpoint  # noqa: E402
from v1pushpull.torch.distributed import init_distributed  # noqa: E402
from v1pushpull.torch.models import build_model  # noqa: E402
from v1pushpull.torch.training import seed_everything, train  # noqa: E402

# --- distributed data parallel ----------------------------------------------------------------

DDP_SCRIPT = (
    TOY_DATA.format(n=96)
    + """
from torch.utils.data.distributed import DistributedSampler

out = sys.argv[1]
rank, world_size, _ = init_distributed()
assert world_size == 2 and torch.distributed.get_backend() == "gloo"
seed_everything(11)
model = build_model("lenet-d", pushpull="first")
sampler = DistributedSampler(TensorDataset(images, labels), shuffle=False)
loader = DataLoader(TensorDataset(images, labels), batch_size=8, sampler=sampler)
test_set = TensorDataset(images[:50], labels[:50])
test_sampler = DistributedSampler(test_set, shuffle=False)
test_loader = DataLoader(test_set, batch_size=10, sampler=test_sampler)
history = train(model, loader, recipe="lenet", epochs=1, out_dir=out, seed=0, progress=False,
                test_loader=test_loader)
torch.save({"model": model.state_dict(), "loss": history.train_loss.values.tolist(),
            "test_error": history.test_error.values.tolist()}, f"{out}/rank{rank}.pt")
torch.distributed.destroy_process_group()
"""
)


def test_ddp_on_two_gloo_processes_equals_one_process_with_the_double_batch(tmp_path):
    script = tmp_path / "ddp.py"
    script.write_text(DDP_SCRIPT)
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            str(script),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env_with_tested_code(),
    )
    assert process.returncode == 0, process.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert state_equal(ranks[0]["model"], ranks[1]["model"])
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["metadata"]["world_size"] == 2

    # DDP averages the two ranks' gradients: each step equals one step on the union of their
    # batches (the sampler deals indices round-robin), so one process with batch 16 matches.
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(96, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (96,), generator=generator)
    seed_everything(11)
    model = build_model("lenet-d", pushpull="first")
    loader = DataLoader(TensorDataset(images, labels), batch_size=16, shuffle=False)
    test_loader = DataLoader(TensorDataset(images[:50], labels[:50]), batch_size=50)
    history = train(
        model, loader, recipe="lenet", epochs=1, seed=0, progress=False, test_loader=test_loader
    )
    single = model.state_dict()
    for key, value in ranks[0]["model"].items():
        torch.testing.assert_close(value, single[key], rtol=1e-5, atol=1e-6)
    # the reported loss is the mean over all 96 samples on every rank
    np.testing.assert_allclose(ranks[1]["loss"], history.train_loss.values, rtol=1e-5)
    # each rank tested 25 of the 50 test images; the reported error is over all 50
    assert ranks[0]["test_error"] == ranks[1]["test_error"] == history.test_error.values.tolist()
    # …and the run really moved the weights (a no-op would also agree)
    seed_everything(11)
    untrained = build_model("lenet-d", pushpull="first").state_dict()
    assert not torch.allclose(untrained["fc3.weight"], single["fc3.weight"], atol=1e-4)


def test_init_distributed_without_torchrun_is_single_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert init_distributed() == (0, 1, 0)
    with pytest.raises(ValueError, match="backend='mpi'"):
        init_distributed("mpi")
