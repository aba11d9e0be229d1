"""Truncated, corrupt and mislabelled data files: every loader names the file and what it
expected (plus the argument checks of the loaders)."""

from __future__ import annotations

import atexit
import gzip
import pickle
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from _battery import Case, assert_clear, params

from v1pushpull.contours import read_bsds_ground_truth
from v1pushpull.datasets import (
    load_cifar10,
    load_cifar10c,
    load_digits,
    load_mnist,
    load_mnistc,
    read_idx,
)

_ROOT = Path(tempfile.mkdtemp(prefix="v1pushpull-bad-files-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
FILE_ERRORS = (ValueError, OSError)


def _folder(name: str) -> Path:
    folder = _ROOT / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _idx(data: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, data.ndim]) + np.asarray(data.shape, ">i4").tobytes()
    return header + data.astype(np.uint8).tobytes()


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _mnist(name: str, labels=(1, 2), images=None, gz: bool = False) -> Path:
    """An MNIST test split with the given labels (and images), plain or gzipped."""
    folder = _folder(name)
    images = np.zeros((len(labels), 28, 28)) if images is None else images
    for stem, data in (
        ("t10k-images-idx3-ubyte", images),
        ("t10k-labels-idx1-ubyte", np.array(labels)),
    ):
        content = _idx(np.asarray(data))
        if gz:
            _write(folder / (stem + ".gz"), gzip.compress(content))
        else:
            _write(folder / stem, content)
    return folder


def _cifar(name: str, batch: object | None = None, raw: bytes | None = None) -> Path:
    folder = _folder(name) / "cifar-10-batches-py"
    folder.mkdir(exist_ok=True)
    content = raw if raw is not None else pickle.dumps(batch)
    _write(folder / "test_batch", content)
    return folder.parent


def _cifar10c(name: str, images=None, labels=None, raw: bytes | None = None) -> Path:
    folder = _folder(name)
    images = np.zeros((5, 32, 32, 3), np.uint8) if images is None else images
    labels = np.arange(5) if labels is None else labels
    if raw is not None:
        _write(folder / "fog.npy", raw)
    else:
        np.save(folder / "fog.npy", images)
    np.save(folder / "labels.npy", labels)
    return folder


def _truncated_npy(name: str) -> Path:
    folder = _cifar10c(name)
    content = (folder / "fog.npy").read_bytes()
    _write(folder / "fog.npy", content[: len(content) // 2])
    return folder


def _mnistc(name: str, images=None, labels=None) -> Path:
    folder = _folder(name) / "shot_noise"
    folder.mkdir(exist_ok=True)
    images = np.zeros((2, 28, 28, 1), np.uint8) if images is None else images
    np.save(folder / "test_images.npy", images)
    np.save(folder / "test_labels.npy", np.array([0, 1]) if labels is None else labels)
    return folder.parent


def _mat(name: str, content: bytes) -> Path:
    return _write(_folder("bsds") / name, content)


def _valid_mat() -> bytes:
    import io

    import scipy.io

    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = {
        "Segmentation": np.ones((4, 6), np.uint16),
        "Boundaries": np.zeros((4, 6), np.uint8),
    }
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, {"groundTruth": cell})
    return buffer.getvalue()


CASES = [
    # IDX
    Case(
        "idx-short-header",
        lambda: read_idx(_write(_folder("idx") / "short-idx3-ubyte", bytes([0, 0, 8, 3, 0, 0]))),
        ["short-idx3-ubyte", "header"],
        FILE_ERRORS,
    ),
    Case(
        "idx-empty-file",
        lambda: read_idx(_write(_folder("idx") / "empty-idx1-ubyte", b"")),
        ["empty-idx1-ubyte", "IDX file"],
        FILE_ERRORS,
    ),
    Case(
        "idx-gz-truncated",
        lambda: read_idx(
            _write(_folder("idx") / "cut-idx1-ubyte.gz", gzip.compress(_idx(np.arange(100)))[:30])
        ),
        ["cut-idx1-ubyte.gz", "gzip"],
        FILE_ERRORS,
    ),
    Case(
        "idx-gz-not-gzip",
        lambda: read_idx(_write(_folder("idx") / "plain-idx1-ubyte.gz", _idx(np.arange(3)))),
        ["plain-idx1-ubyte.gz", "gzip"],
        FILE_ERRORS,
    ),
    Case(
        "idx-size-mismatch",
        lambda: read_idx(_write(_folder("idx") / "long-idx1-ubyte", _idx(np.arange(3)) + b"\0")),
        ["long-idx1-ubyte", "header"],
        FILE_ERRORS,
    ),
    Case(
        "idx-a-directory",
        lambda: read_idx(_folder("idx-dir")),
        ["idx-dir", "IDX file"],
        FILE_ERRORS,
    ),
    Case(
        "idx-missing",
        lambda: read_idx(_ROOT / "nothing-idx1-ubyte"),
        ["nothing-idx1-ubyte"],
        FILE_ERRORS,
    ),
    # MNIST
    Case(
        "mnist-label-200",
        lambda: load_mnist(_mnist("mnist-200", labels=(1, 200)), "test"),
        ["t10k-labels-idx1-ubyte", "200"],
    ),
    Case(
        "mnist-label-200-gz",
        lambda: load_mnist(_mnist("mnist-200-gz", labels=(1, 200), gz=True), "test"),
        ["t10k-labels-idx1-ubyte.gz", "200"],
    ),
    Case(
        "mnist-images-wrong-size",
        lambda: load_mnist(_mnist("mnist-size", images=np.zeros((2, 20, 20))), "test"),
        ["t10k-images-idx3-ubyte", "28"],
    ),
    Case(
        "mnist-count-mismatch",
        lambda: load_mnist(
            _mnist("mnist-count", labels=(1, 2, 3), images=np.zeros((2, 28, 28))), "test"
        ),
        ["mnist"],
    ),
    Case(
        "mnist-missing-root",
        lambda: load_mnist(_ROOT / "no-mnist", "test"),
        ["no-mnist"],
        (OSError,),
    ),
    Case("mnist-split", lambda: load_mnist(_ROOT, "validation"), ["split"]),
    # CIFAR-10
    Case(
        "cifar-truncated-pickle",
        lambda: load_cifar10(
            _cifar("cifar-cut", raw=pickle.dumps({b"data": b"x" * 100})[:20]), "test"
        ),
        ["test_batch", "CIFAR-10 batch"],
        FILE_ERRORS,
    ),
    Case(
        "cifar-not-a-pickle",
        lambda: load_cifar10(_cifar("cifar-text", raw=b"hello, this is not a pickle"), "test"),
        ["test_batch", "CIFAR-10 batch"],
        FILE_ERRORS,
    ),
    Case(
        "cifar-not-a-dict",
        lambda: load_cifar10(_cifar("cifar-list", batch=[1, 2, 3]), "test"),
        ["test_batch", "CIFAR-10 batch"],
        FILE_ERRORS,
    ),
    Case(
        "cifar-label-12",
        lambda: load_cifar10(
            _cifar("cifar-12", batch={b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 12]}),
            "test",
        ),
        ["test_batch", "12"],
    ),
    Case(
        "cifar-data-shape",
        lambda: load_cifar10(
            _cifar("cifar-shape", batch={b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]}),
            "test",
        ),
        ["test_batch", "3072"],
    ),
    Case(
        "cifar-missing", lambda: load_cifar10(_ROOT / "no-cifar", "test"), ["no-cifar"], (OSError,)
    ),
    Case("cifar-split", lambda: load_cifar10(_ROOT, "dev"), ["split"]),
    # CIFAR-10-C
    Case(
        "cifar10c-truncated-npy",
        lambda: load_cifar10c(_truncated_npy("c10c-cut"), "fog"),
        ["fog.npy", "NumPy .npy"],
        FILE_ERRORS,
    ),
    Case(
        "cifar10c-not-npy",
        lambda: load_cifar10c(_cifar10c("c10c-text", raw=b"not a numpy file at all"), "fog"),
        ["fog.npy", "NumPy .npy"],
        FILE_ERRORS,
    ),
    Case(
        "cifar10c-float-images",
        lambda: load_cifar10c(_cifar10c("c10c-float", images=np.zeros((5, 32, 32, 3))), "fog"),
        ["fog.npy", "uint8"],
    ),
    Case(
        "cifar10c-label-10",
        lambda: load_cifar10c(_cifar10c("c10c-label", labels=np.array([0, 1, 2, 3, 10])), "fog"),
        ["labels.npy", "10"],
    ),
    Case(
        "cifar10c-rows-not-5",
        lambda: load_cifar10c(
            _cifar10c("c10c-rows", images=np.zeros((4, 32, 32, 3), np.uint8), labels=np.arange(4)),
            "fog",
        ),
        ["fog.npy", "5"],
    ),
    Case("cifar10c-severity-0", lambda: load_cifar10c(_ROOT, "fog", severity=0), ["severity"]),
    Case("cifar10c-corruption", lambda: load_cifar10c(_ROOT, "rain"), ["corruption"]),
    Case("cifar10c-missing", lambda: load_cifar10c(_ROOT / "none", "fog"), ["fog.npy"], (OSError,)),
    # MNIST-C
    Case(
        "mnistc-label-11",
        lambda: load_mnistc(_mnistc("mnistc-label", labels=np.array([0, 11])), "shot_noise"),
        ["test_labels.npy", "11"],
    ),
    Case(
        "mnistc-shape",
        lambda: load_mnistc(
            _mnistc("mnistc-shape", images=np.zeros((2, 28, 28), np.uint8)), "shot_noise"
        ),
        ["test_images.npy"],
    ),
    Case("mnistc-corruption", lambda: load_mnistc(_ROOT, "fog_blur"), ["corruption"]),
    # digits
    Case("digits-size", lambda: load_digits(size=4), ["size"]),
    Case("digits-test-fraction", lambda: load_digits(test_fraction=1.5), ["test_fraction"]),
    # BSDS ground truth (.mat)
    Case(
        "bsds-truncated-mat",
        lambda: read_bsds_ground_truth(_mat("cut.mat", _valid_mat()[:200])),
        ["cut.mat", "MATLAB"],
        FILE_ERRORS,
    ),
    Case(
        "bsds-not-mat",
        lambda: read_bsds_ground_truth(_mat("text.mat", b"this is no MATLAB file" * 10)),
        ["text.mat", "MATLAB"],
        FILE_ERRORS,
    ),
    Case(
        "bsds-a-directory",
        lambda: read_bsds_ground_truth(_folder("bsds-dir")),
        ["bsds-dir", "MATLAB"],
        FILE_ERRORS,
    ),
    Case("bsds-missing", lambda: read_bsds_ground_truth(_ROOT / "no.mat"), ["no.mat"], FILE_ERRORS),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_data_file(case: Case) -> None:
    assert_clear(case)
