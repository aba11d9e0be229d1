"""Generate a CIFAR-10-C test set [H19] from the CIFAR-10 test batch, in the release's layout.

:func:`make_cifar10c` corrupts the 10,000 CIFAR-10 test images with every corruption at the
five severities of the released generator (:func:`v1pushpull.corruptions.corrupt`, bit-exact
with ``make_cifar_c.py`` given the same random draws) and writes, like the released
CIFAR-10-C, ``<corruption>.npy`` (uint8, ``(5·N, 32, 32, 3)``, severity 1 first) and
``labels.npy`` (``(5·N,)``), which :func:`v1pushpull.datasets.load_cifar10c` reads. Each file
is written to a temporary name and renamed when complete, so an interrupted run resumes with
the next missing file. Frost needs the release's frost photographs (``frost1.png`` …
``frost6.jpg`` of github.com/hendrycks/robustness, ``ImageNet-C/create_c/``); without them it
is skipped with a message.

The random draws come from ``numpy.random.default_rng`` seeded per corruption and severity
(from ``seed``), so each file is reproducible on its own. These are not the published
CIFAR-10-C arrays, whose generator was not seeded.

Command line: ``python -m v1pushpull.cifar10c --cifar DIR --out DIR [--frost DIR]``.

References
----------
.. [H19] D. Hendrycks, T. Dietterich. Benchmarking neural network robustness to common
   corruptions and perturbations. ICLR 2019.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .corruptions import CIFAR10C_CORRUPTIONS, corrupt_uint8
from .datasets import load_cifar10

__all__ = ["FROST_FILES", "load_frost_images", "main", "make_cifar10c"]

#: The release's frost photographs, in its order. Its ``np.random.randint(5)`` picks among the
#: first five only, so ``frost6.jpg`` is never used; :func:`load_frost_images` keeps that.
FROST_FILES: tuple[str, ...] = (
    "frost1.png",
    "frost2.png",
    "frost3.png",
    "frost4.jpg",
    "frost5.jpg",
    "frost6.jpg",
)


#: One line on what the command line does.
DESCRIPTION = "Generate CIFAR-10-C (release layout) from the CIFAR-10 test batch."


def load_frost_images(folder: str | os.PathLike) -> list[np.ndarray]:
    """The frost pictures as the release used them, for ``corrupt(..., frost_images=)``.

    The release reads each photograph with OpenCV, shrinks it to 20 % (``cv2.resize``,
    bilinear) and picks one of the first five at random. Without OpenCV, Pillow's bilinear
    resize stands in (not bit-exact).

    Parameters
    ----------
    folder : str or path-like
        Folder holding ``frost1.png`` … ``frost5.jpg`` (:data:`FROST_FILES`).

    Returns
    -------
    list of numpy.ndarray
        Five float64 arrays ``(3, h, w)`` in [0, 1], RGB, on the 8-bit grid.

    Raises
    ------
    FileNotFoundError
        If the folder or one of the five photographs is missing.

    Examples
    --------
    >>> from v1pushpull.cifar10c import load_frost_images
    >>> frost = load_frost_images("robustness/ImageNet-C/create_c")  # doctest: +SKIP
    """
    folder = Path(folder)
    pictures = []
    for name in FROST_FILES[:5]:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(
                f"frost photograph {path} not found; the release's frost1.png ... frost6.jpg "
                "are in github.com/hendrycks/robustness, folder ImageNet-C/create_c"
            )
        try:
            import cv2

            bgr = cv2.imread(str(path))
            rgb = cv2.resize(bgr, (0, 0), fx=0.2, fy=0.2)[..., ::-1]
        except ImportError:
            from PIL import Image

            with Image.open(path) as picture:
                picture = picture.convert("RGB")
                size = (round(picture.width * 0.2), round(picture.height * 0.2))
                rgb = np.asarray(picture.resize(size, Image.Resampling.BILINEAR))
        pictures.append(np.ascontiguousarray(rgb.transpose(2, 0, 1)) / 255.0)
    return pictures


def _cifar10_test_uint8(root: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_cifar10(root, "test")
    levels = np.rint(images * 255).astype(np.uint8)  # the batches' bytes, exactly
    return np.ascontiguousarray(levels.transpose(0, 2, 3, 1)), labels


def _complete(path: Path, shape: tuple[int, ...]) -> bool:
    """Whether ``path`` is a finished array of ``shape`` (header check, no full read)."""
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return False
    return array.shape == shape and array.dtype == np.uint8


def _save_atomic(path: Path, array: np.ndarray) -> None:
    temporary = path.with_name(f".{path.stem}.partial.npy")
    with open(temporary, "wb") as handle:
        np.save(handle, array, allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def make_cifar10c(
    cifar_root: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    frost_dir: str | os.PathLike | None = None,
    corruptions: Sequence[str] | None = None,
    seed: int = 0,
    n_images: int | None = None,
    block: int = 1000,
    progress: bool = True,
) -> dict[str, Path]:
    """Write a CIFAR-10-C set: ``<corruption>.npy`` for 5 severities and ``labels.npy``.

    Parameters
    ----------
    cifar_root : str or path-like
        Folder holding ``cifar-10-batches-py/test_batch`` (or that folder itself), the
        CIFAR-10 python batch format (:func:`v1pushpull.datasets.load_cifar10`).
    out_dir : str or path-like
        Output folder (created). Existing complete files are kept (resume).
    frost_dir : str or path-like, optional
        Folder with the release's frost photographs; without it frost is skipped.
    corruptions : sequence of str, optional
        Subset of :data:`v1pushpull.corruptions.CIFAR10C_CORRUPTIONS` (default: all 19).
    seed : int
        Seed of the draws; corruption ``c`` at severity ``s`` draws from
        ``numpy.random.default_rng([seed, index of c, s])``.
    n_images : int, optional
        Use only the first ``n_images`` test images (default: all 10,000).
    block : int
        Images corrupted per call (memory; the result does not depend on it).
    progress : bool
        Show a tqdm progress bar (default True).

    Returns
    -------
    dict
        Corruption name → path of its file (the corruptions done or already present).

    Raises
    ------
    ValueError
        If a corruption name is unknown or ``n_images``/``block`` is not positive.
    FileNotFoundError
        If the CIFAR-10 test batch (or a requested frost photograph) is missing.

    Examples
    --------
    >>> from v1pushpull.cifar10c import make_cifar10c
    >>> make_cifar10c("data", "data/CIFAR-10-C", frost_dir="frost")  # doctest: +SKIP
    """
    names = list(CIFAR10C_CORRUPTIONS if corruptions is None else corruptions)
    unknown = [name for name in names if name not in CIFAR10C_CORRUPTIONS]
    if unknown:
        raise ValueError(f"unknown corruptions {unknown}; choose from {CIFAR10C_CORRUPTIONS}")
    for label, value in (("n_images", n_images), ("block", block)):
        if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
            raise ValueError(f"{label} must be a positive int, got {value!r}")
    images, labels = _cifar10_test_uint8(cifar_root)
    if n_images is not None:
        images, labels = images[:n_images], labels[:n_images]
    n = len(images)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frost = None
    if "frost" in names:
        if frost_dir is None:
            print(
                "frost skipped: pass the folder of the release's frost photographs "
                "(frost1.png ... frost6.jpg, github.com/hendrycks/robustness, "
                "ImageNet-C/create_c) as frost_dir / --frost",
                file=sys.stderr,
            )
            names.remove("frost")
        else:
            frost = load_frost_images(frost_dir)
    labels_path = out / "labels.npy"
    all_labels = np.tile(labels.astype(np.int64), 5)
    if not (labels_path.is_file() and np.array_equal(np.load(labels_path), all_labels)):
        _save_atomic(labels_path, all_labels)
    shape = (5 * n, *images.shape[1:])
    todo = [name for name in names if not _complete(out / f"{name}.npy", shape)]
    blocks = [slice(start, min(start + block, n)) for start in range(0, n, block)]
    from tqdm.auto import tqdm

    bar = tqdm(
        total=len(todo) * 5 * n,
        unit="img",
        unit_scale=True,
        disable=not progress,
        desc="CIFAR-10-C",
    )
    done = {name: out / f"{name}.npy" for name in names if name not in todo}
    try:
        for name in todo:
            array = np.empty(shape, dtype=np.uint8)
            index = CIFAR10C_CORRUPTIONS.index(name)
            for severity in range(1, 6):
                bar.set_postfix_str(f"{name} {severity}")
                rng = np.random.default_rng([seed, index, severity])
                for part in blocks:
                    rows = slice((severity - 1) * n + part.start, (severity - 1) * n + part.stop)
                    array[rows] = corrupt_uint8(
                        images[part], name, severity, seed=rng,
                        frost_images=frost if name == "frost" else None,
                    )  # fmt: skip
                    bar.update(part.stop - part.start)
            _save_atomic(out / f"{name}.npy", array)
            done[name] = out / f"{name}.npy"
    finally:
        bar.close()
    return done


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the generator's command line (``main`` and ``v1pushpull make-cifar10c``)."""
    parser.add_argument("--cifar", required=True, help="folder with cifar-10-batches-py/")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--frost", default=None, help="folder with frost1.png ... frost6.jpg")
    parser.add_argument("--corruptions", nargs="*", default=None, help="subset (default all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", type=int, default=None, help="first N test images only")
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    """Generate the set for parsed :func:`add_arguments` options and print what was written."""
    start = time.perf_counter()
    written = make_cifar10c(
        args.cifar,
        args.out,
        frost_dir=args.frost,
        corruptions=args.corruptions,
        seed=args.seed,
        n_images=args.images,
        progress=not args.no_progress,
    )
    print(
        f"{len(written)} corruption files and labels.npy in {args.out} "
        f"({time.perf_counter() - start:.1f} s)"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m v1pushpull.cifar10c --cifar DIR --out DIR [--frost DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m v1pushpull.cifar10c",
        description=DESCRIPTION,
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
