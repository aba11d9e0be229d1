"""Bad arguments to training, the loaders and the checkpoint readers: each error names the
argument, or the file and what a checkpoint holds."""

from __future__ import annotations

import atexit
import pickle
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _battery import Case, assert_clear, params  # noqa: E402

from v1pushpull.torch.checkpoints import load_checkpoint, load_model  # noqa: E402
from v1pushpull.torch.data import array_loader, make_loaders  # noqa: E402
from v1pushpull.torch.models import build_model  # noqa: E402
from v1pushpull.torch.training import Recipe, recipe_for, seed_everything, train  # noqa: E402

_ROOT = Path(tempfile.mkdtemp(prefix="v1pushpull-bad-training-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
FILE_ERRORS = (ValueError, OSError)
_DATA = [(torch.rand(4, 4), torch.randint(0, 2, (4,)))]


def _file(name: str, content: bytes) -> Path:
    path = _ROOT / name
    path.write_bytes(content)
    return path


def _saved(name: str, obj: object) -> Path:
    path = _ROOT / name
    torch.save(obj, path)
    return path


def _model() -> torch.nn.Module:
    return torch.nn.Linear(4, 2)


def _recipe(**changes: object) -> Recipe:
    fields = {"epochs": 2, "lr": 0.1, "milestones": (1,), "batch_size": 4, "weight_decay": 0.0}
    return Recipe(**{**fields, **changes})


CASES = [
    # checkpoints: foreign pickles and garbage files
    Case(
        "checkpoint-foreign-dict",
        lambda: load_checkpoint(_saved("foreign.pt", {"foo": 1})),
        ["foreign.pt", "model", "metadata"],
        FILE_ERRORS,
    ),
    Case(
        "checkpoint-a-tensor",
        lambda: load_checkpoint(_saved("tensor.pt", torch.zeros(3))),
        ["tensor.pt", "model"],
        FILE_ERRORS,
    ),
    Case(
        "checkpoint-garbage",
        lambda: load_checkpoint(_file("garbage.pt", b"not a torch file at all" * 4)),
        ["garbage.pt", "checkpoint"],
        FILE_ERRORS,
    ),
    Case(
        "checkpoint-empty",
        lambda: load_checkpoint(_file("empty.pt", b"")),
        ["empty.pt", "checkpoint"],
        FILE_ERRORS,
    ),
    Case(
        "checkpoint-plain-pickle",
        lambda: load_checkpoint(_file("pickled.pt", pickle.dumps({"model": 1}))),
        ["pickled.pt"],
        FILE_ERRORS,
    ),
    Case(
        "checkpoint-truncated",
        lambda: load_checkpoint(
            _file("cut.pt", (_saved("whole.pt", {"model": {}, "metadata": {}})).read_bytes()[:60])
        ),
        ["cut.pt"],
        FILE_ERRORS,
    ),
    Case(
        "checkpoint-missing",
        lambda: load_checkpoint(_ROOT / "absent.pt"),
        ["absent.pt"],
        FILE_ERRORS,
    ),
    Case(
        "model-garbage",
        lambda: load_model(_file("garbage-model.pt", b"\x00\x01garbage" * 10)),
        ["garbage-model.pt"],
        FILE_ERRORS,
    ),
    Case(
        "model-foreign-dict",
        lambda: load_model(_saved("foreign-model.pt", {"foo": 1})),
        ["foreign-model.pt"],
        FILE_ERRORS,
    ),
    Case(
        "model-arch-unknown",
        lambda: load_model(_saved("arch.pt", {"model": {}, "metadata": {"arch": "vgg"}})),
        ["arch", "vgg"],
    ),
    Case(
        "model-arch-missing",
        lambda: load_model(_saved("noarch.pt", {"model": {}, "metadata": {}})),
        ["noarch.pt", "arch"],
    ),
    Case(
        "model-weights-mismatch",
        lambda: load_model(
            _saved(
                "mismatch.pt",
                {"model": build_model("lenet-a").state_dict(), "metadata": {"arch": "lenet-b"}},
            ),
            pushpull="none",
        ),
        ["mismatch.pt", "lenet-b"],
    ),
    # training arguments
    Case("train-recipe-unknown", lambda: train(_model(), _DATA, recipe="vgg"), ["recipe"]),
    Case("train-recipe-type", lambda: train(_model(), _DATA, recipe=3), ["recipe"]),
    Case("train-epochs-zero", lambda: train(_model(), _DATA, recipe="lenet", epochs=0), ["epochs"]),
    Case(
        "train-epochs-float", lambda: train(_model(), _DATA, recipe="lenet", epochs=2.5), ["epochs"]
    ),
    Case("train-lr-zero", lambda: train(_model(), _DATA, recipe="lenet", lr=0.0), ["lr"]),
    Case("train-lr-nan", lambda: train(_model(), _DATA, recipe="lenet", lr=float("nan")), ["lr"]),
    Case(
        "train-momentum-one",
        lambda: train(_model(), _DATA, recipe="lenet", momentum=1.0),
        ["momentum"],
    ),
    Case(
        "train-weight-decay-negative",
        lambda: train(_model(), _DATA, recipe="lenet", weight_decay=-1.0),
        ["weight_decay"],
    ),
    Case(
        "train-milestones-past-end",
        lambda: train(_model(), _DATA, recipe="lenet", epochs=2, milestones=[5]),
        ["milestones"],
    ),
    Case("train-seed-negative", lambda: train(_model(), _DATA, recipe="lenet", seed=-1), ["seed"]),
    Case(
        "train-device-bogus",
        lambda: train(_model(), _DATA, recipe="lenet", device="gpu9"),
        ["device"],
    ),
    Case(
        "train-out-dir-a-file",
        lambda: train(
            _model(), _DATA, recipe="lenet", epochs=1, out_dir=_file("a-file", b"x"), progress=False
        ),
        ["out_dir", "a-file"],
        FILE_ERRORS,
    ),
    Case(
        "train-out-dir-unwritable",
        lambda: train(
            _model(),
            _DATA,
            recipe="lenet",
            epochs=1,
            out_dir="/proc/v1pushpull-run",
            progress=False,
        ),
        ["out_dir", "/proc/v1pushpull-run"],
        FILE_ERRORS,
    ),
    Case("recipe-gamma-zero", lambda: _recipe(gamma=0.0), ["gamma"]),
    Case("recipe-batch-zero", lambda: _recipe(batch_size=0), ["batch_size"]),
    Case(
        "recipe-milestones-unsorted", lambda: _recipe(epochs=5, milestones=(3, 2)), ["milestones"]
    ),
    Case("recipe-for-family", lambda: recipe_for("vgg", "digits"), ["family"]),
    Case("recipe-for-dataset", lambda: recipe_for("lenet", "imagenet"), ["dataset"]),
    Case("seed-everything-float", lambda: seed_everything(1.5), ["seed"]),
    # loaders
    Case(
        "loaders-workers-negative",
        lambda: make_loaders("digits", num_workers=-1),
        ["num_workers"],
    ),
    Case(
        "loaders-workers-float",
        lambda: make_loaders("digits", num_workers=1.5),
        ["num_workers"],
    ),
    Case("loaders-dataset-unknown", lambda: make_loaders("svhn"), ["dataset", "svhn"]),
    Case("loaders-batch-zero", lambda: make_loaders("digits", batch_size=0), ["batch_size"]),
    Case(
        "loaders-digits-option-elsewhere",
        lambda: make_loaders("mnist", root=_ROOT, size=28),
        ["size", "digits"],
    ),
    Case(
        "array-loader-length",
        lambda: array_loader(np.zeros((3, 1, 4, 4), np.float32), np.arange(2)),
        ["images", "labels"],
    ),
    Case(
        "array-loader-3d",
        lambda: array_loader(np.zeros((3, 4, 4), np.float32), np.arange(3)),
        ["images", "(N, C, H, W)"],
    ),
    Case(
        "array-loader-workers",
        lambda: array_loader(np.zeros((3, 1, 4, 4), np.float32), np.arange(3), num_workers=-2),
        ["num_workers"],
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_training_input(case: Case) -> None:
    assert_clear(case)
