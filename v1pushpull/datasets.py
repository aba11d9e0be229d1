"""Image classification data as NumPy arrays: digits, MNIST, CIFAR-10, CIFAR-10-C, MNIST-C.

Every loader returns ``(images, labels)``: ``images`` float32 in [0, 1] shaped ``(N, C, H, W)``
(C = 1 for digits and MNIST, 3 for CIFAR-10), ``labels`` int64 shaped ``(N,)``. Nothing here
imports torch; :mod:`v1pushpull.torch.data` wraps these arrays in DataLoaders.

- :func:`load_digits` is the embedded default that runs anywhere offline: the 1,797 real
  handwritten digits shipped with scikit-learn, upsampled to MNIST's 28×28 layout.
- :func:`load_mnist` and :func:`load_cifar10` read the official files from a local folder;
  :func:`download_mnist` and :func:`download_cifar10` fetch them (official URLs, MD5 checks,
  atomic writes) when a network is available.
- :func:`load_cifar10c` and :func:`load_mnistc` read the released corrupted test sets of
  Hendrycks & Dietterich (2019) and Mu & Gilmer (2019), memory-mapped so that one severity
  reads only its rows.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

# The CIFAR-10-C names live with the corruptions; re-exported here (the loaders use them).
from .corruptions import CIFAR10C_COMMON, CIFAR10C_CORRUPTIONS, CIFAR10C_EXTRA

__all__ = [
    "CIFAR10C_COMMON",
    "CIFAR10C_CORRUPTIONS",
    "CIFAR10C_EXTRA",
    "CIFAR10_CLASSES",
    "MNISTC_CORRUPTIONS",
    "download_cifar10",
    "download_mnist",
    "load_cifar10",
    "load_cifar10c",
    "load_digits",
    "load_mnist",
    "load_mnistc",
    "read_idx",
]

#: Folder names of the MNIST-C release (one severity each), ``identity`` being clean MNIST.
MNISTC_CORRUPTIONS: tuple[str, ...] = (
    "identity",
    "shot_noise",
    "impulse_noise",
    "glass_blur",
    "motion_blur",
    "shear",
    "scale",
    "rotate",
    "brightness",
    "translate",
    "stripe",
    "fog",
    "spatter",
    "dotted_line",
    "zigzag",
    "canny_edges",
)

#: CIFAR-10 class names in label order.
CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

#: Mirrors of the MNIST files, tried in order (LeCun's page often refuses scripted downloads;
#: the first mirror is the one torchvision uses).
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
#: MD5 checksums of the four gzipped MNIST IDX files.
MNIST_MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
_CIFAR10_FOLDER = "cifar-10-batches-py"
_CIFAR10_BATCHES = {
    "train": tuple(f"data_batch_{i}" for i in range(1, 6)),
    "test": ("test_batch",),
}

# IDX type codes (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT"), big-endian data.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _check_split(split: object) -> str:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return str(split)


def _uint8_to_float(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / np.float32(255.0)


# --------------------------------------------------------------------------------------------
# scikit-learn digits
# --------------------------------------------------------------------------------------------


def load_digits(
    split: str = "train",
    *,
    size: int = 28,
    test_fraction: float = 0.25,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Load scikit-learn's 1,797 handwritten digits laid out like MNIST.

    The 8×8 digits (values 0–16) are scaled to [0, 1], upsampled bilinearly
    (``skimage.transform.resize``, ``order=1``, ``mode="edge"``; no anti-aliasing, which only
    matters when shrinking) into a box of ``round(20 · size / 28)`` px, and centred in a black
    ``size × size`` frame. At the default ``size=28`` this is MNIST's layout: a 20×20 digit box
    with a 4-px border. The split is stratified by class and fixed by ``seed``
    (``sklearn.model_selection.train_test_split``), so the same call always returns the same
    images.

    Parameters
    ----------
    split : {"train", "test"}
        Which part of the split to return.
    size : int
        Output side length in px (default 28, as MNIST); at least 8.
    test_fraction : float
        Fraction of the 1,797 digits in the test split, in (0, 1); default 0.25 (450 images).
    seed : int
        Seed of the stratified split.

    Returns
    -------
    images : numpy.ndarray
        float32 ``(N, 1, size, size)`` in [0, 1], ink bright on a black background as MNIST.
    labels : numpy.ndarray
        int64 ``(N,)`` in 0–9.

    Raises
    ------
    ValueError
        If ``split``, ``size`` or ``test_fraction`` is out of range.
    ImportError
        If scikit-learn is not installed.

    Examples
    --------
    >>> from v1pushpull.datasets import load_digits
    >>> images, labels = load_digits("test")
    >>> images.shape, images.dtype, labels.dtype
    ((450, 1, 28, 28), dtype('float32'), dtype('int64'))
    """
    split = _check_split(split)
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ValueError(f"size must be an int >= 8 (px), got {size!r}")
    if not isinstance(test_fraction, (int, float)) or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}")
    try:
        from sklearn.datasets import load_digits as sklearn_digits
        from sklearn.model_selection import train_test_split
    except ImportError as error:
        raise ImportError("load_digits needs scikit-learn (pip install scikit-learn)") from error
    from skimage.transform import resize

    digits = sklearn_digits()
    small = digits.images.astype(np.float64) / 16.0
    labels = digits.target.astype(np.int64)
    train_index, test_index = train_test_split(
        np.arange(len(labels)), test_size=test_fraction, stratify=labels, random_state=seed
    )
    index = np.sort(train_index if split == "train" else test_index)
    box = max(8, round(20 * size / 28))
    upsampled = resize(
        small[index], (len(index), box, box), order=1, mode="edge", anti_aliasing=False
    )
    images = np.zeros((len(index), 1, size, size), dtype=np.float32)
    top = (size - box) // 2
    images[:, 0, top : top + box, top : top + box] = np.clip(upsampled, 0.0, 1.0)
    return images, labels[index]


# --------------------------------------------------------------------------------------------
# MNIST (IDX files)
# --------------------------------------------------------------------------------------------


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the MNIST format), plain or gzipped.

    Parameters
    ----------
    path : str or path-like
        File name; a ``.gz`` suffix means gzip compression.

    Returns
    -------
    numpy.ndarray
        The array in native byte order with the shape stored in the header.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If ``path`` is a directory, a ``.gz`` file is not complete gzip data, the header is
        not a valid (or is a truncated) IDX header, or the data size does not match it.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from v1pushpull.datasets import read_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
    >>> _ = open(path, "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    import zlib

    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory, not an IDX file")
    if not path.is_file():
        raise FileNotFoundError(f"no IDX file at {path}")
    compressed = path.suffix == ".gz"
    try:
        with (gzip.open if compressed else open)(path, "rb") as handle:
            data = handle.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise ValueError(
            f"{path} is not a complete gzip file ({error}); expected a gzipped IDX file "
            "(a truncated download? delete it and download it again)"
        ) from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {data[:4]!r})")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{path}: the IDX header announces {ndim} dimensions ({header} header bytes) but "
            f"the file holds only {len(data)} bytes; a truncated IDX file?"
        )
    shape = tuple(int(n) for n in np.frombuffer(data, dtype=">i4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(
            f"{path}: header announces shape {shape} ({expected} bytes) but the file holds "
            f"{len(data) - header} bytes of data"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def _find_file(root: Path, name: str) -> Path:
    for candidate in (root / name, root / (name + ".gz")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"neither {name} nor {name}.gz found in {root}; download the official files with "
        "v1pushpull.datasets.download_mnist(root) or copy them there"
    )


def load_mnist(root: str | os.PathLike, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST from the official IDX files in ``root``.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each optionally ``.gz``.
    split : {"train", "test"}
        60,000 training or 10,000 test images.

    Returns
    -------
    images : numpy.ndarray
        float32 ``(N, 1, 28, 28)`` in [0, 1] (grey level / 255).
    labels : numpy.ndarray
        int64 ``(N,)``.

    Raises
    ------
    FileNotFoundError
        If a file is missing.
    ValueError
        If ``split`` is invalid, a file is not a valid IDX file, or the files do not hold
        matching uint8 28 × 28 images and labels in 0..9; the message names the file.

    Examples
    --------
    >>> from v1pushpull.datasets import load_mnist
    >>> images, labels = load_mnist("data/mnist", "test")  # doctest: +SKIP
    """
    split = _check_split(split)
    root = Path(root)
    image_name, label_name = _MNIST_FILES[split]
    image_path, label_path = _find_file(root, image_name), _find_file(root, label_name)
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"MNIST {split} files in {root} hold images of shape {images.shape} and labels of "
            f"shape {labels.shape}; expected (N, 28, 28) and (N,)"
        )
    if images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(
            f"{image_path} holds {images.dtype} images of shape {images.shape[1:]}; expected "
            "MNIST's uint8 28 × 28 grey levels"
        )
    _check_labels(labels, label_path)
    return _uint8_to_float(images[:, None]), labels.astype(np.int64)


def _check_labels(labels: np.ndarray, path: Path, classes: int = 10) -> None:
    """Labels of a 10-class data set are integers in 0..9; name the file that breaks it."""
    values = np.asarray(labels)
    if not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"{path} holds {values.dtype} labels; expected integer class labels")
    bad = values[(values < 0) | (values >= classes)]
    if bad.size:
        raise ValueError(
            f"{path} holds {bad.size} labels outside 0..{classes - 1} (e.g. {int(bad[0])}); "
            f"expected class labels of a {classes}-class data set (a corrupt or foreign file?)"
        )


def _load_npy(path: Path) -> np.ndarray:
    """Memory-map a ``.npy`` file, naming the file when it is not one (or is truncated)."""
    try:
        return np.load(path, mmap_mode="r")
    except (ValueError, OSError, EOFError, pickle.UnpicklingError) as error:
        raise ValueError(
            f"{path} is not a readable NumPy .npy file of uint8 images or labels ({error}); "
            "a truncated download? delete it and download the data set again"
        ) from None


def _check_uint8_images(images: np.ndarray, path: Path) -> None:
    if images.dtype != np.uint8:
        raise ValueError(f"{path} holds {images.dtype} images; expected uint8 grey levels")


# --------------------------------------------------------------------------------------------
# CIFAR-10 (python batches)
# --------------------------------------------------------------------------------------------


def _cifar10_folder(root: Path) -> Path:
    if (root / _CIFAR10_FOLDER).is_dir():
        return root / _CIFAR10_FOLDER
    if (root / "test_batch").is_file():
        return root
    raise FileNotFoundError(
        f"no {_CIFAR10_FOLDER}/ folder in {root}; download it with "
        "v1pushpull.datasets.download_cifar10(root) or extract cifar-10-python.tar.gz there"
    )


def load_cifar10(root: str | os.PathLike, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Load CIFAR-10 from the official python batches.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``cifar-10-batches-py/`` (or that folder itself), with the pickled
        batches ``data_batch_1`` … ``data_batch_5`` and ``test_batch``: dicts with ``b"data"``
        (uint8, (10000, 3072), channel-major RGB rows) and ``b"labels"``.
    split : {"train", "test"}
        50,000 training or 10,000 test images.

    Returns
    -------
    images : numpy.ndarray
        float32 ``(N, 3, 32, 32)`` in [0, 1], RGB.
    labels : numpy.ndarray
        int64 ``(N,)``, class names in :data:`CIFAR10_CLASSES`.

    Raises
    ------
    FileNotFoundError
        If the folder or a batch is missing.
    ValueError
        If ``split`` is invalid or a batch is not a readable pickle, malformed or holds
        labels outside 0..9; the message names the file.

    Examples
    --------
    >>> from v1pushpull.datasets import load_cifar10
    >>> images, labels = load_cifar10("data", "test")  # doctest: +SKIP
    """
    split = _check_split(split)
    folder = _cifar10_folder(Path(root))
    images, labels = [], []
    for name in _CIFAR10_BATCHES[split]:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"CIFAR-10 batch {path} is missing")
        try:
            with open(path, "rb") as handle:
                batch = pickle.load(handle, encoding="bytes")
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as error:
            raise ValueError(
                f"{path} is not a CIFAR-10 batch (a pickled dict with b'data', b'labels'): "
                f"{type(error).__name__}: {error}; a truncated download? extract "
                "cifar-10-python.tar.gz again"
            ) from None
        if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
            raise ValueError(f"{path} is not a CIFAR-10 batch (dict with b'data', b'labels')")
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(data) != len(batch[b"labels"]):
            raise ValueError(
                f"{path}: b'data' has shape {data.shape} for {len(batch[b'labels'])} labels; "
                "expected (N, 3072)"
            )
        batch_labels = np.asarray(batch[b"labels"])
        _check_labels(batch_labels, path)
        images.append(data.reshape(-1, 3, 32, 32))
        labels.append(batch_labels.astype(np.int64))
    return _uint8_to_float(np.concatenate(images)), np.concatenate(labels)


# --------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(url: str, destination: Path, md5: str | None) -> Path:
    """Fetch ``url`` into ``destination`` atomically (temp file, checksum, rename)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=destination.name + ".")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            shutil.copyfileobj(response, out, 1 << 20)
        if md5 is not None and _md5(Path(temporary)) != md5:
            raise OSError(
                f"checksum mismatch for {url}: MD5 {_md5(Path(temporary))}, expected {md5}; "
                "the file was discarded"
            )
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return destination


def download_mnist(
    root: str | os.PathLike,
    *,
    mirrors: Sequence[str] = MNIST_MIRRORS,
    md5: Mapping[str, str] = MNIST_MD5,
) -> Path:
    """Download the four gzipped MNIST IDX files into ``root`` (skipping verified ones).

    Each file is written to a temporary file beside its destination, checked against its MD5
    sum and renamed into place, so an interrupted download never leaves a partial file.

    Parameters
    ----------
    root : str or path-like
        Destination folder (created if needed); :func:`load_mnist` reads it.
    mirrors : sequence of str
        Base URLs tried in order (default :data:`MNIST_MIRRORS`).
    md5 : mapping
        File name → expected MD5 (default :data:`MNIST_MD5`).

    Returns
    -------
    pathlib.Path
        ``root``.

    Raises
    ------
    OSError
        If no mirror delivers a file with the right checksum (for example when offline); the
        message lists each attempt.

    Examples
    --------
    >>> from v1pushpull.datasets import download_mnist
    >>> download_mnist("data/mnist")  # doctest: +SKIP
    """
    root = Path(root)
    for name, checksum in md5.items():
        destination = root / name
        if destination.is_file() and _md5(destination) == checksum:
            continue
        failures = []
        for mirror in mirrors:
            try:
                _download(mirror.rstrip("/") + "/" + name, destination, checksum)
                break
            except (urllib.error.URLError, OSError, ValueError) as error:
                failures.append(f"{mirror}: {error}")
        else:
            raise OSError(
                f"could not download {name} (no network?). Tried:\n  "
                + "\n  ".join(failures)
                + f"\nCopy the official MNIST files into {root} instead."
            )
    return root


def download_cifar10(
    root: str | os.PathLike, *, url: str = CIFAR10_URL, md5: str | None = CIFAR10_MD5
) -> Path:
    """Download and extract CIFAR-10 (python version) into ``root/cifar-10-batches-py``.

    The archive is downloaded to a temporary file, checked against its MD5 sum, extracted into
    a temporary folder inside ``root`` and the batch folder renamed into place, so a failure
    never leaves a partial data set. Nothing is fetched when the folder already holds all
    batches.

    Parameters
    ----------
    root : str or path-like
        Destination folder (created if needed); :func:`load_cifar10` reads it.
    url : str
        Archive URL (default the official ``cifar-10-python.tar.gz``).
    md5 : str or None
        Expected MD5 of the archive; None skips the check.

    Returns
    -------
    pathlib.Path
        The ``cifar-10-batches-py`` folder.

    Raises
    ------
    OSError
        If the download fails (for example when offline), the checksum differs, or the archive
        lacks the batch folder.

    Examples
    --------
    >>> from v1pushpull.datasets import download_cifar10
    >>> download_cifar10("data")  # doctest: +SKIP
    """
    root = Path(root)
    target = root / _CIFAR10_FOLDER
    names = _CIFAR10_BATCHES["train"] + _CIFAR10_BATCHES["test"]
    if all((target / name).is_file() for name in names):
        return target
    root.mkdir(parents=True, exist_ok=True)
    archive = root / "cifar-10-python.tar.gz"
    try:
        _download(url, archive, md5)
    except urllib.error.URLError as error:
        raise OSError(
            f"could not download {url} (no network?): {error.reason}. Extract the official "
            f"cifar-10-python.tar.gz into {root} instead."
        ) from error
    workdir = Path(tempfile.mkdtemp(dir=root, prefix=".extract-"))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
            for member in members:
                # refuse absolute paths and "..": an archive must not write outside workdir
                if Path(member.name).is_absolute() or ".." in Path(member.name).parts:
                    raise OSError(f"unsafe path {member.name!r} in {archive}")
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 / 3.12: refuse odd members
                tar.extractall(workdir, members=members, filter="data")
            else:
                tar.extractall(workdir, members=members)
        extracted = workdir / _CIFAR10_FOLDER
        if not all((extracted / name).is_file() for name in names):
            raise OSError(f"{archive} does not contain {_CIFAR10_FOLDER}/ with all batches")
        if target.exists():
            shutil.rmtree(target)
        os.replace(extracted, target)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        archive.unlink(missing_ok=True)
    return target


# --------------------------------------------------------------------------------------------
# CIFAR-10-C and MNIST-C
# --------------------------------------------------------------------------------------------


def _check_name(corruption: object, allowed: tuple[str, ...], name: str) -> str:
    if corruption not in allowed:
        raise ValueError(
            f"corruption must be one of the {name} names {allowed}, got {corruption!r}"
        )
    return str(corruption)


def load_cifar10c(
    root: str | os.PathLike, corruption: str, severity: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Load one corruption of CIFAR-10-C [H19], optionally one severity.

    The release holds ``<corruption>.npy`` (uint8, (50000, 32, 32, 3)) and ``labels.npy``;
    rows ``[n·(s−1), n·s)`` with ``n = rows / 5`` are severity ``s`` applied to the CIFAR-10
    test set in order. The files are memory-mapped, so selecting a severity reads one fifth.

    Parameters
    ----------
    root : str or path-like
        Folder holding the ``.npy`` files, or its parent holding ``CIFAR-10-C/``.
    corruption : str
        One of :data:`CIFAR10C_CORRUPTIONS`.
    severity : int or None
        1–5, or None (default) for all five severities in order.

    Returns
    -------
    images : numpy.ndarray
        float32 ``(N, 3, 32, 32)`` in [0, 1].
    labels : numpy.ndarray
        int64 ``(N,)``.

    Raises
    ------
    ValueError
        If ``corruption`` or ``severity`` is invalid, a file is not a readable ``.npy`` file,
        the files disagree in length or are not a multiple of 5 rows, the images are not
        uint8 or a label is outside 0..9; the message names the file.
    FileNotFoundError
        If a file is missing.

    Examples
    --------
    >>> from v1pushpull.datasets import load_cifar10c
    >>> images, labels = load_cifar10c("data", "fog", severity=3)  # doctest: +SKIP
    """
    corruption = _check_name(corruption, CIFAR10C_CORRUPTIONS, "CIFAR-10-C")
    if severity is not None and (
        isinstance(severity, bool)
        or not isinstance(severity, (int, np.integer))
        or not 1 <= severity <= 5
    ):
        raise ValueError(f"severity must be None or an int in 1..5, got {severity!r}")
    root = Path(root)
    folder = root / "CIFAR-10-C" if (root / "CIFAR-10-C").is_dir() else root
    paths = folder / f"{corruption}.npy", folder / "labels.npy"
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found; download CIFAR-10-C from https://zenodo.org/record/2535967 "
                f"and extract it into {root}"
            )
    images, labels = _load_npy(paths[0]), _load_npy(paths[1])
    if images.ndim != 4 or images.shape[3] != 3 or len(images) != len(labels):
        raise ValueError(
            f"{paths[0]} has shape {images.shape} for {len(labels)} labels; expected "
            "(N, H, W, 3) with one label per image"
        )
    if len(images) % 5:
        raise ValueError(f"{paths[0]} has {len(images)} rows, not 5 severities of equal size")
    _check_uint8_images(images, paths[0])
    _check_labels(labels, paths[1])
    if severity is not None:
        per_severity = len(images) // 5
        rows = slice(per_severity * (severity - 1), per_severity * severity)
        images, labels = images[rows], labels[rows]
    return _uint8_to_float(np.asarray(images).transpose(0, 3, 1, 2)), np.asarray(
        labels, dtype=np.int64
    )


def load_mnistc(
    root: str | os.PathLike, corruption: str, split: str = "test"
) -> tuple[np.ndarray, np.ndarray]:
    """Load one corruption of MNIST-C (Mu & Gilmer, 2019).

    Parameters
    ----------
    root : str or path-like
        The ``mnist_c`` folder, or its parent. Each corruption is a folder holding
        ``{train,test}_images.npy`` (uint8, (N, 28, 28, 1)) and ``{train,test}_labels.npy``.
    corruption : str
        One of :data:`MNISTC_CORRUPTIONS` (a single severity each).
    split : {"train", "test"}
        Default "test".

    Returns
    -------
    images : numpy.ndarray
        float32 ``(N, 1, 28, 28)`` in [0, 1].
    labels : numpy.ndarray
        int64 ``(N,)``.

    Raises
    ------
    ValueError
        If ``corruption`` or ``split`` is invalid, a file is not a readable ``.npy`` file, the
        arrays have unexpected shapes or dtypes, or a label is outside 0..9; the message names
        the file.
    FileNotFoundError
        If a file is missing.

    Examples
    --------
    >>> from v1pushpull.datasets import load_mnistc
    >>> images, labels = load_mnistc("data", "shot_noise")  # doctest: +SKIP
    """
    corruption = _check_name(corruption, MNISTC_CORRUPTIONS, "MNIST-C")
    split = _check_split(split)
    root = Path(root)
    folder = (root / "mnist_c" if (root / "mnist_c").is_dir() else root) / corruption
    paths = folder / f"{split}_images.npy", folder / f"{split}_labels.npy"
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found; download MNIST-C from https://zenodo.org/record/3239543 "
                f"and extract it into {root}"
            )
    images, labels = _load_npy(paths[0]), _load_npy(paths[1])
    if images.ndim != 4 or images.shape[3] != 1 or len(images) != len(labels):
        raise ValueError(
            f"{paths[0]} has shape {images.shape} for {len(labels)} labels; expected "
            "(N, 28, 28, 1) with one label per image"
        )
    _check_uint8_images(images, paths[0])
    _check_labels(labels, paths[1])
    return _uint8_to_float(np.asarray(images).transpose(0, 3, 1, 2)), np.asarray(
        labels, dtype=np.int64
    )
