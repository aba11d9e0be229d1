"""Tests of v1pushpull.torch.training: recipes, checkpoints, resume after SIGKILL, DDP with gloo,
and the corruption evaluation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from v1pushpull.robustness import ALEXNET_ERRORS  # noqa: E402
from v1pushpull.torch.models import build_model  # noqa: E402
from v1pushpull.torch.training import (  # noqa: E402
    CHECKPOINT_NAME,
    MNIST_PROTOCOL,
    RECIPES,
    Recipe,
    _atomic_write,
    error_rate,
    evaluate,
    init_distributed,
    load_checkpoint,
    seed_everything,
    train,
)

# The subprocess scripts use one thread: CPU kernels are then bit-for-bit reproducible.
TOY_DATA = """
import sys
import torch
from torch.utils.data import DataLoader, TensorDataset
from v1pushpull.torch.models import build_model
from v1pushpull.torch.training import seed_everything, train, init_distributed

torch.set_num_threads(1)
generator = torch.Generator().manual_seed(0)
images = torch.rand({n}, 1, 28, 28, generator=generator)
labels = torch.randint(0, 10, ({n},), generator=generator)
"""


def run_python(code: str, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def tiny_loader(n=64, batch_size=16, shuffle=True, seed=0):
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(n, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (n,), generator=generator)
    return DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=shuffle)


def state_equal(a, b) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# --- recipes --------------------------------------------------------------------------------


def test_recipes_are_the_papers():
    resnet, densenet, lenet = RECIPES["resnet"], RECIPES["densenet"], RECIPES["lenet"]
    assert (resnet.epochs, resnet.milestones, resnet.batch_size) == (200, (80, 120, 160), 128)
    assert (densenet.epochs, densenet.milestones, densenet.batch_size) == (350, (150, 225, 300), 64)
    assert (lenet.epochs, lenet.milestones, lenet.weight_decay) == (90, (30, 60), 5e-4)
    for recipe in RECIPES.values():
        assert (recipe.lr, recipe.momentum, recipe.nesterov, recipe.gamma) == (0.1, 0.9, True, 0.1)
    assert resnet.weight_decay == densenet.weight_decay == 1e-4


def test_scaled_recipe_keeps_the_milestones_at_the_same_fractions():
    assert RECIPES["resnet"].scaled(10).milestones == (4, 6, 8)
    assert RECIPES["lenet"].scaled(9).milestones == (3, 6)
    assert RECIPES["lenet"].scaled(1).milestones == ()  # nothing left to decay within 1 epoch


def test_digits_recipe_is_the_studies_lr_and_batch_the_others_the_papers():
    from v1pushpull.torch.training import recipe_for

    digits = recipe_for("lenet", "digits")
    assert (digits.lr, digits.batch_size) == (0.02, 32)
    assert digits.milestones == RECIPES["lenet"].milestones
    assert recipe_for("resnet", "cifar10") == RECIPES["resnet"]
    assert recipe_for("lenet", "mnist") == RECIPES["lenet"]
    with pytest.raises(ValueError, match="family='vgg'"):
        recipe_for("vgg", "digits")


def test_learning_rate_follows_the_step_schedule():
    model = build_model("lenet-d")
    history = train(
        model, tiny_loader(32), recipe="lenet", epochs=6, lr=0.05, progress=False, seed=1
    )
    # lenet milestones 30, 60 of 90 → 2, 4 of 6
    np.testing.assert_allclose(history.lr.values, [0.05, 0.05, 0.005, 0.005, 5e-4, 5e-4])


def test_resuming_with_more_epochs_follows_the_longer_schedule(tmp_path):
    common = {"recipe": "lenet", "progress": False, "seed": 1}
    fresh = train(build_model("lenet-d"), tiny_loader(16), epochs=6, **common)
    train(build_model("lenet-d"), tiny_loader(16), epochs=3, out_dir=tmp_path, **common)
    grown = train(build_model("lenet-d"), tiny_loader(16), epochs=6, out_dir=tmp_path, **common)
    # epochs 0-2 ran under the 3-epoch schedule (milestones 1, 2), epochs 3-5 under the 6-epoch
    # one (milestones 2, 4), at the rates a fresh 6-epoch run has there
    np.testing.assert_allclose(grown.lr.values[:3], [0.1, 0.01, 0.001])
    np.testing.assert_allclose(grown.lr.values[3:], fresh.lr.values[3:])
    np.testing.assert_allclose(fresh.lr.values, [0.1, 0.1, 0.01, 0.01, 0.001, 0.001])


def test_resuming_with_fewer_epochs_than_the_checkpoint_is_refused(tmp_path):
    common = {"recipe": "lenet", "progress": False, "out_dir": tmp_path}
    train(build_model("lenet-d"), tiny_loader(16), epochs=3, **common)
    with pytest.raises(ValueError, match="already at epoch 3; pass epochs >= 3"):
        train(build_model("lenet-d"), tiny_loader(16), epochs=2, **common)
    from v1pushpull.torch.training import load_checkpoint

    assert load_checkpoint(tmp_path)["metadata"]["epochs"] == 3  # model.pt left as it was


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs=0"),
        ({"milestones": (5, 3)}, r"milestones=\(5, 3\)"),
        ({"lr": -1.0}, "lr=-1.0"),
        ({"momentum": 1.0}, "momentum=1.0"),
        ({"seed": -1}, "seed=-1"),
        ({"recipe": "vgg"}, "recipe='vgg'"),
        ({"device": "cuda:7"} if not torch.cuda.is_available() else {"device": "tpu"}, "device="),
    ],
)
def test_bad_training_arguments_raise_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train(torch.nn.Linear(2, 2), [], progress=False, **kwargs)


def test_recipe_validates_its_fields():
    with pytest.raises(ValueError, match="batch_size=0"):
        Recipe(10, 0.1, (5,), batch_size=0, weight_decay=0)
    with pytest.raises(TypeError, match="recipe must be"):
        train(torch.nn.Linear(2, 2), [], recipe=3, progress=False)


# --- training, checkpoints, resume ------------------------------------------------------------


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


class Crash(Exception):
    pass


class CrashingLoader:
    """Yields a loader's batches but raises in the middle of epoch ``crash_epoch`` (1-based)."""

    def __init__(self, loader, crash_epoch):
        self.loader, self.crash_epoch, self.epoch = loader, crash_epoch, 0

    def __iter__(self):
        self.epoch += 1
        for index, batch in enumerate(self.loader):
            if self.epoch == self.crash_epoch and index == 2:
                raise Crash
            yield batch


def test_resume_after_a_crash_in_process_ends_with_the_uninterrupted_weights(tmp_path):
    seed_everything(0)
    reference = build_model("lenet-b")
    full = train(reference, tiny_loader(), recipe="lenet", epochs=4, seed=7, progress=False)

    seed_everything(0)
    model = build_model("lenet-b")
    with pytest.raises(Crash):
        train(
            model,
            CrashingLoader(tiny_loader(), 3),
            recipe="lenet",
            epochs=4,
            out_dir=tmp_path,
            seed=7,
            progress=False,
        )
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"] == 2
    resumed = train(
        model, tiny_loader(), recipe="lenet", epochs=4, out_dir=tmp_path, seed=7, progress=False
    )
    assert state_equal(model.state_dict(), reference.state_dict())
    np.testing.assert_array_equal(resumed.train_loss.values, full.train_loss.values)
    np.testing.assert_array_equal(resumed.lr.values, full.lr.values)


def test_every_epoch_tells_loader_parts_with_set_epoch_which_epoch_it_is():
    class EpochAwareDataset(TensorDataset):
        def set_epoch(self, epoch):
            self.epochs.append(epoch)

    dataset = EpochAwareDataset(torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,)))
    dataset.epochs = []
    loader = DataLoader(dataset, batch_size=4)
    train(build_model("lenet-d"), loader, recipe="lenet", epochs=3, progress=False)
    assert dataset.epochs == [0, 1, 2]


def test_resuming_into_another_runs_folder_is_refused(tmp_path):
    common = {"recipe": "lenet", "epochs": 1, "out_dir": tmp_path, "progress": False}
    train(build_model("lenet-d"), tiny_loader(16), metadata={"arch": "lenet-d"}, **common)
    with pytest.raises(ValueError, match="checkpoint of another run"):
        train(build_model("lenet-b"), tiny_loader(16), metadata={"arch": "lenet-b"}, **common)
    with pytest.raises(ValueError, match="'seed': \\(0, 1\\)"):
        train(
            build_model("lenet-d"), tiny_loader(16), metadata={"arch": "lenet-d"}, seed=1, **common
        )


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "results.nc"
    target.write_bytes(b"old")

    def failing(path):
        Path(path).write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _atomic_write(target, failing)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.nc"]


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


# --- evaluation -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_lenet():
    """LeNet-C trained for 4 epochs on the digits, and its training history."""
    from v1pushpull.datasets import load_digits

    images, labels = load_digits("train")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model trains much faster on one thread of a busy machine
    seed_everything(0)
    model = build_model("lenet-c")
    loader = DataLoader(
        TensorDataset(torch.tensor(images), torch.tensor(labels)), batch_size=32, shuffle=True
    )
    history = train(model, loader, recipe="lenet", epochs=4, lr=0.05, milestones=(), progress=False)
    torch.set_num_threads(threads)
    return model, history


def test_training_learns_the_digits(trained_lenet):
    from v1pushpull.datasets import load_digits

    model, history = trained_lenet
    assert history.train_loss.values[-1] < 0.5 * history.train_loss.values[0]
    assert error_rate(model, *load_digits("test")) < 25  # chance is 90 %


def test_evaluate_digits_protocol_shapes_levels_and_monotonic_noise(trained_lenet, tmp_path):
    results = evaluate(trained_lenet[0], "digits", out=tmp_path / "r.nc", progress=False)
    assert results.error.dims == ("corruption", "severity")
    assert list(results.corruption.values) == list(MNIST_PROTOCOL)
    np.testing.assert_allclose(
        results.level.sel(corruption="additive_gaussian_noise"), [0.01, 0.1, 0.3, 0.5]
    )
    noise = results.error.sel(corruption="additive_gaussian_noise").values
    # stronger noise, more errors (variance 0.01 → 0.5 is a large step on digits)
    assert noise[-1] > noise[0] > 0.5 * float(results.clean_error)
    assert float(results.clean_error) < 25
    # the file holds the same numbers, with their units
    import xarray as xr

    with xr.open_dataset(tmp_path / "r.nc") as stored:
        xr.testing.assert_allclose(stored.error, results.error)
        assert stored.error.attrs["units"] == "%"
    # no AlexNet normalisation outside CIFAR-10-C
    assert "mCE" not in results


def test_evaluate_names_of_the_mnist_protocol_take_the_papers_levels(trained_lenet):
    results = evaluate(trained_lenet[0], "digits", ["contrast_poisson"], progress=False)
    np.testing.assert_allclose(results.level.values, [MNIST_PROTOCOL["contrast_poisson"]])
    with pytest.raises(ValueError, match="same, non-zero number of levels"):
        evaluate(trained_lenet[0], "digits", ["contrast_poisson", "fog"], progress=False)


def test_evaluate_resumes_per_corruption(trained_lenet, tmp_path):
    out = tmp_path / "r.nc"
    full = evaluate(trained_lenet[0], "digits", out=out, progress=False)
    # an interrupted run that had stored only the first corruption, with a marker value
    partial = full.isel(corruption=[0]).copy(deep=True)
    partial["error"][:] = 42.0
    partial.to_netcdf(out)
    resumed = evaluate(trained_lenet[0], "digits", out=out, progress=False)
    np.testing.assert_array_equal(resumed.error.isel(corruption=0), 42.0)  # not recomputed
    np.testing.assert_array_equal(resumed.error.isel(corruption=1), full.error.isel(corruption=1))
    with pytest.raises(ValueError, match="different evaluation"):
        evaluate(trained_lenet[0], "digits", out=out, seed=1, progress=False)


class _Brightness(torch.nn.Module):
    """Class 0 for images brighter than 0.5 on average, class 1 otherwise."""

    def forward(self, x):
        m = x.mean(dim=(1, 2, 3))
        return torch.stack([m - 0.5, 0.5 - m], dim=1)


def _fake_cifar10(root, names):
    """10 bright test images of class 0; at severity s the first s corrupted images stay bright."""
    import pickle

    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    bright = np.full((10, 3 * 32 * 32), 200, dtype=np.uint8)
    with open(folder / "test_batch", "wb") as handle:
        pickle.dump({b"data": bright, b"labels": [0] * 10}, handle)
    corrupted = np.full((5, 10, 32, 32, 3), 20, dtype=np.uint8)
    for s in range(1, 6):
        corrupted[s - 1, :s] = 200
    (root / "CIFAR-10-C").mkdir()
    for name in names:
        np.save(root / "CIFAR-10-C" / f"{name}.npy", corrupted.reshape(50, 32, 32, 3))
    np.save(root / "CIFAR-10-C" / "labels.npy", np.zeros(50, dtype=np.uint8))


def test_evaluate_adds_the_alexnet_metrics_for_cifar10c_at_five_severities(tmp_path):
    _fake_cifar10(tmp_path, ["contrast", "fog"])
    kwargs = {"data_root": tmp_path, "progress": False, "normalization": ((0, 0, 0), (1, 1, 1))}
    # each corruption lists its severities in its own order; errors follow the levels
    levels = {"contrast": (5, 4, 3, 2, 1), "fog": (1, 2, 3, 4, 5)}
    results = evaluate(_Brightness(), "cifar10", levels, **kwargs)
    by_severity = [90.0, 80.0, 70.0, 60.0, 50.0]  # (10 - s) wrong of 10 at severity s
    np.testing.assert_allclose(results.error.sel(corruption="contrast"), by_severity[::-1])
    np.testing.assert_allclose(results.error.sel(corruption="fog"), by_severity)
    assert float(results.clean_error) == 0.0
    expected_ce = [100 * sum(by_severity) / (5 * ALEXNET_ERRORS[n]) for n in levels]
    np.testing.assert_allclose(results.CE.sel(corruption=list(levels)), expected_ce)
    np.testing.assert_allclose(float(results.mCE), np.mean(expected_ce))
    # a subset of the severities is not the CE of [H19]: no AlexNet scores
    subset = evaluate(_Brightness(), "cifar10", ["fog"], [1, 2], **kwargs)
    np.testing.assert_allclose(subset.error.values, [[90.0, 80.0]])
    assert "mCE" not in subset


def test_evaluate_adds_no_alexnet_metrics_outside_cifar10():
    # CIFAR-10-C names applied to other images: the AlexNet errors of [H19] do not apply
    rng = np.random.default_rng(0)
    images = rng.random((20, 3, 32, 32), dtype=np.float32)
    labels = np.repeat(np.arange(2), 10)
    results = evaluate(_Brightness(), (images, labels), ["contrast"], progress=False)
    assert results.error.shape == (1, 5)
    assert "mCE" not in results and "CE" not in results


def test_severities_of_the_mnist_protocol_index_its_levels():
    images = np.full((4, 1, 8, 8), 0.8, dtype=np.float32)
    data = (images, np.zeros(4, dtype=np.int64))
    noise = evaluate(_Brightness(), data, ["additive_gaussian_noise"], [2], progress=False)
    np.testing.assert_allclose(noise.level, [[MNIST_PROTOCOL["additive_gaussian_noise"][1]]])
    contrast = evaluate(_Brightness(), data, ["contrast_poisson", "fog"], [1, 3], progress=False)
    np.testing.assert_allclose(contrast.level.sel(corruption="contrast_poisson"), [0.5, 0.3])
    np.testing.assert_allclose(contrast.level.sel(corruption="fog"), [1, 3])
    with pytest.raises(ValueError, match=r"severities \[5\] are not valid.*1\.\.4"):
        evaluate(_Brightness(), data, ["contrast_poisson"], [1, 5], progress=False)
    with pytest.raises(ValueError, match="additive_gaussian_noise"):
        evaluate(_Brightness(), data, ["gausian_noise"], progress=False)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dataset": "svhn"}, "dataset='svhn'"),
        ({"dataset": "mnist"}, "data_root"),
        ({"dataset": "digits", "corruptions": {"a": (1,), "b": (1, 2)}}, "same, non-zero"),
        ({"dataset": "digits", "corruptions": []}, "empty"),
        ({"dataset": "digits", "seed": -2}, "seed=-2"),
        ({"dataset": "cifar10", "corruptions": ["fog"], "severities": [6]}, "severities"),
    ],
)
def test_bad_evaluation_arguments_raise_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluate(torch.nn.Identity(), progress=False, **kwargs)


def test_error_rate_checks_shapes():
    with pytest.raises(ValueError, match="do not match"):
        error_rate(torch.nn.Identity(), np.zeros((3, 1, 4, 4)), np.zeros(2))
    with pytest.raises(ValueError, match="batch_size=0"):
        error_rate(torch.nn.Identity(), np.zeros((3, 1, 4, 4)), np.zeros(3), batch_size=0)


def test_evaluate_discards_cached_results_of_other_weights(trained_lenet, tmp_path, capsys):
    import copy

    out = tmp_path / "r.nc"
    first = evaluate(trained_lenet[0], "digits", out=out, epoch=4, progress=False)
    assert first.attrs["epoch"] == 4 and len(first.attrs["weights_sha256"]) == 64
    # the "same run trained further": other weights, same architecture and settings
    changed = copy.deepcopy(trained_lenet[0])
    with torch.no_grad():
        for parameter in changed.parameters():
            parameter.mul_(0.5)
    fresh = evaluate(changed, "digits", progress=False)
    cached = evaluate(changed, "digits", out=out, epoch=5, progress=True)
    assert "other weights (epoch 4)" in capsys.readouterr().err
    assert float(cached.clean_error) == float(fresh.clean_error)
    np.testing.assert_array_equal(cached.error, fresh.error)
    assert cached.attrs["epoch"] == 5
    import xarray as xr

    assert xr.open_dataset(out).attrs["weights_sha256"] == fresh.attrs["weights_sha256"]
    assert fresh.attrs["weights_sha256"] != first.attrs["weights_sha256"]
