"""Bad command lines and files given to ``v1pushpull``: one line on stderr, exit status 2,
the message naming the flag or the file, never a traceback (and nothing trained first)."""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from _battery import Case, assert_clear, params

from v1pushpull.cli import main

_ROOT = Path(tempfile.mkdtemp(prefix="v1pushpull-bad-cli-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
_TRAIN = ["train", "--arch", "lenet-d", "--epochs", "1"]


class CommandFailed(Exception):
    """The command printed one line on stderr and exited with status 2 (its message)."""


class CommandMisbehaved(Exception):
    """Another exit status, a multi-line message, or a traceback."""


def _run(*argv: str) -> None:
    """Run the command; raise CommandFailed(its stderr) on a clean usage error."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            main([str(a) for a in argv])
    except SystemExit as exit_info:
        text = stderr.getvalue().strip()
        if exit_info.code == 2 and "Traceback" not in text:
            raise CommandFailed(text.splitlines()[-1] if text else "") from None
        raise CommandMisbehaved(f"exit {exit_info.code}: {text}") from None
    except Exception as error:  # a traceback the user would see
        raise CommandMisbehaved(f"{type(error).__name__}: {error}") from error


def _file(name: str, content: bytes) -> Path:
    path = _ROOT / name
    path.write_bytes(content)
    return path


def _netcdf(name: str, dataset: xr.Dataset) -> Path:
    path = _ROOT / name
    dataset.to_netcdf(path)
    return path


def _out(name: str) -> Path:
    return _ROOT / name


def _foreign_pt(name: str) -> Path:
    torch = pytest.importorskip("torch")
    path = _ROOT / name
    torch.save({"foo": 1}, path)
    return path


def _unwritable() -> Path:
    folder = _ROOT / "read-only"
    folder.mkdir(exist_ok=True)
    folder.chmod(0o500)
    return folder / "run"


_NOT_EVALUATION = xr.Dataset({"temperature": ("x", np.arange(3.0))})
_needs_torch = pytest.mark.skipif(
    __import__("importlib").util.find_spec("torch") is None, reason="torch not installed"
)
_not_root = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write anywhere"
)


def case(id: str, argv: list, names: list[str], **options) -> Case:
    return Case(id, lambda: _run(*argv), names, (CommandFailed,), **options)


CASES = [
    # train: usage errors found before any work
    case("train-workers-negative", [*_TRAIN, "--out", _out("w"), "--workers", "-1"], ["--workers"]),
    case(
        "train-alpha-without-pushpull",
        [*_TRAIN, "--out", _out("a"), "--alpha", "0.5"],
        ["--alpha", "--pushpull"],
    ),
    case(
        "train-scale-without-pushpull",
        [*_TRAIN, "--out", _out("s"), "--scale", "3"],
        ["--scale", "--pushpull"],
    ),
    case(
        "train-trainable-alpha-without-pushpull",
        [*_TRAIN, "--out", _out("t"), "--trainable-alpha"],
        ["--trainable-alpha", "--pushpull"],
    ),
    case(
        "train-pull-without-pushpull",
        [*_TRAIN, "--out", _out("p"), "--pull", "inverted"],
        ["--pull", "--pushpull"],
    ),
    case("train-threads-zero", [*_TRAIN, "--out", _out("th"), "--threads", "0"], ["--threads"]),
    case(
        "train-epochs-zero",
        ["train", "--arch", "lenet-d", "--out", _out("e"), "--epochs", "0"],
        ["--epochs"],
    ),
    case("train-lr-negative", [*_TRAIN, "--out", _out("l"), "--lr", "-0.1"], ["--lr"]),
    case("train-batch-zero", [*_TRAIN, "--out", _out("b"), "--batch-size", "0"], ["--batch-size"]),
    case("train-seed-negative", [*_TRAIN, "--out", _out("sd"), "--seed", "-1"], ["--seed"]),
    case("train-arch-unknown", ["train", "--arch", "vgg", "--out", _out("v")], ["--arch", "vgg"]),
    case(
        "train-alpha-negative",
        [*_TRAIN, "--out", _out("an"), "--pushpull", "first", "--alpha", "-1"],
        ["--alpha"],
    ),
    case(
        "train-scale-below-one",
        [*_TRAIN, "--out", _out("sb"), "--pushpull", "first", "--scale", "0.5"],
        ["--scale"],
    ),
    case("train-device-bogus", [*_TRAIN, "--out", _out("d"), "--device", "gpu7"], ["--device"]),
    case(
        "train-out-a-file",
        [*_TRAIN, "--out", _file("plain-file", b"x")],
        ["--out", "plain-file"],
    ),
    case(
        "train-out-unwritable",
        [*_TRAIN, "--out", _ROOT / "read-only" / "run"],
        ["--out", "read-only"],
        marks=(_not_root,),
    ),
    case(
        "train-out-under-a-file",
        [*_TRAIN, "--out", _file("file-not-folder", b"x") / "run"],
        ["--out", "file-not-folder"],
    ),
    case("train-out-in-proc", [*_TRAIN, "--out", "/proc/v1pushpull-run"], ["--out", "/proc"]),
    case(
        "train-mnist-no-root",
        [*_TRAIN, "--dataset", "mnist", "--out", _out("m")],
        ["--data-root"],
    ),
    # evaluate: files that are not runs
    case(
        "evaluate-garbage-pt",
        ["evaluate", _file("garbage.pt", b"no torch file" * 8), "--out", _out("g.nc")],
        ["garbage.pt"],
        marks=(_needs_torch,),
    ),
    case(
        "evaluate-foreign-pt",
        ["evaluate", _ROOT / "foreign.pt", "--out", _out("f.nc")],
        ["foreign.pt"],
        marks=(_needs_torch,),
    ),
    case("evaluate-missing", ["evaluate", _ROOT / "no-run"], ["no-run"]),
    case(
        "evaluate-file-without-out",
        ["evaluate", _ROOT / "foreign.pt"],
        ["foreign.pt"],
        marks=(_needs_torch,),
    ),
    case(
        "evaluate-batch-zero",
        ["evaluate", _ROOT / "no-run", "--batch-size", "0"],
        ["--batch-size"],
    ),
    # compare: files that are not evaluations
    case(
        "compare-same-file-twice",
        ["compare", _ROOT / "a.nc", _ROOT / "a.nc", "--out", _out("cmp1")],
        ["a.nc", "twice"],
    ),
    case(
        "compare-garbage-nc",
        ["compare", _file("garbage.nc", b"not netCDF" * 20), _ROOT / "a.nc", "--out", _out("c2")],
        ["garbage.nc"],
    ),
    case(
        "compare-foreign-nc",
        ["compare", _ROOT / "foreign.nc", _ROOT / "a.nc", "--out", _out("c3")],
        ["foreign.nc", "error"],
    ),
    case(
        "compare-pt-as-nc",
        ["compare", _ROOT / "foreign.pt", _ROOT / "a.nc", "--out", _out("c4")],
        ["foreign.pt"],
        marks=(_needs_torch,),
    ),
    case(
        "compare-baseline-out-of-range",
        ["compare", _ROOT / "a.nc", _ROOT / "b.nc", "--out", _out("c5"), "--baseline", "5"],
        ["--baseline"],
    ),
    case(
        "compare-labels-count",
        ["compare", _ROOT / "a.nc", _ROOT / "b.nc", "--out", _out("c6"), "--labels", "x"],
        ["--labels"],
    ),
    case(
        "compare-missing",
        ["compare", _ROOT / "a.nc", _ROOT / "none.nc", "--out", _out("c7")],
        ["none.nc"],
    ),
]


def _evaluation(model: str, scale: float) -> xr.Dataset:
    levels = np.array([[0.01, 0.02], [0.5, 0.3]])
    return xr.Dataset(
        {"error": (("corruption", "severity"), scale * np.array([[10.0, 20.0], [15.0, 30.0]]))},
        coords={
            "corruption": ["additive_gaussian_noise", "contrast_poisson"],
            "severity": [1, 2],
            "level": (("corruption", "severity"), levels),
        },
        attrs={"model": model},
    ).assign(clean_error=5.0 * scale)


def _setup() -> None:
    _netcdf("a.nc", _evaluation("a", 1.0))
    _netcdf("b.nc", _evaluation("b", 1.2))
    _netcdf("foreign.nc", _NOT_EVALUATION)
    if __import__("importlib").util.find_spec("torch") is not None:
        _foreign_pt("foreign.pt")
    _unwritable()


_setup()


@pytest.mark.parametrize("case", params(CASES))
def test_bad_command_line(case: Case) -> None:
    assert_clear(case)
