"""CIFAR-10-P: sequences of gradually perturbed images [H19], generated on the fly or read.

:func:`perturbation_sequence` turns a batch ``(N, C, H, W)`` of images in [0, 1] into
sequences ``(N, T, C, H, W)`` with the frame parameters of the released generator
(``ImageNet-P/create_p/make_cifar_p.py`` of hendrycks/robustness); :func:`load_cifar10p`
reads the released ``.npy`` files. The stability metrics computed on such sequences live in
:mod:`v1pushpull.stability`.

How the release builds each sequence (``T`` frames, frame index ``i`` from 0):

================  ====  ===========================================================================
perturbation      T     frame ``i``
================  ====  ===========================================================================
gaussian_noise    31    0: the clean image; ``i ≥ 1``: clean ``+ σ·N(0, 1)``, σ = 0.02 (0.04, 0.06)
shot_noise        31    0: clean; ``i ≥ 1``: ``Poisson(λ·clean)/λ``, λ = 700 (400, 200)
speckle_noise     31    0: clean; ``i ≥ 1``: ``clean·(1 + σ·N(0, 1))``, σ = 0.05 (0.07, 0.10)
motion_blur       21    ImageMagick motion blur, radius 6, σ 1.8, angle ``9·(i − 20)`` degrees
zoom_blur         31    0: clean; running mean of the clean image zoomed by ``1 + 0.004·k``, k ≤ i
snow              31    one snow layer per image, motion-blurred (radius 10, σ 2) at ``4·i − 150``°
brightness        31    HSV value ``+ 0.015·(i − 15)``
translate         16    horizontal shift by ``i − 7`` px (black fill)
rotate            31    rotation by ``i − 15`` degrees about the centre (bilinear, black fill)
tilt              31    perspective view, both axes tilted by ``0.75·(i − 15)`` degrees
scale             31    zoom by ``(70 + 2·i)/100`` about the centre (bilinear, black fill)
gaussian_blur     31    Gaussian blur, σ = ``0.3 + 0.015·i`` px (truncated at 7 σ)
spatter           31    one water layer per image, dripping down ``0.8`` px per frame
shear             31    shear by ``i − 15`` degrees (bilinear, black fill)
================  ====  ===========================================================================

The noise sequences are not random walks and not independent noisy images: every noisy frame is
an *independent* draw around the *same clean image*, and frame 0 is the clean image itself. That
is why the release compares noise frames with the first frame, and every other perturbation's
frames with the previous one (:data:`NOISE_PERTURBATIONS`, :mod:`v1pushpull.stability`). The
parameters in brackets are the release's harder levels (commented-out blocks of the generator,
``level`` 2 and 3 here); the release's evaluation (``cifar-p-eval.py``) uses level 1.

Faithfulness. Frames are quantised like the release (×255, truncated to a grey level, /255;
ImageMagick's outputs rounded). The affine perturbations use Pillow's own affine transform with
the inverse matrix and centre ``(W/2 + 0.5, H/2 + 0.5)`` of the torchvision of 2018 that made
the files, so they should match to the grey level. Three use stand-ins and agree only to about
a grey level: ``tilt`` (OpenCV's ``warpPerspective``, here SciPy's bilinear ``map_coordinates``,
whose weights are not rounded to 1/32 px), ``motion_blur`` and ``snow`` (ImageMagick's motion
blur, here :mod:`v1pushpull.corruptions`' emulation of it) and ``spatter`` (OpenCV's Canny and
distance transform, here scikit-image and SciPy, as in :mod:`v1pushpull.corruptions`). Random
frames come from ``numpy.random.default_rng(seed)``, not the release's unseeded global state,
so noise, snow and spatter frames match the release in distribution, not value by value.

``saturate`` is a CIFAR-10-C corruption; no CIFAR-10-P (or ImageNet-P) sequence uses it.

References
----------
.. [H19] D. Hendrycks, T. Dietterich. Benchmarking neural network robustness to common
   corruptions and perturbations. ICLR 2019.
"""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path
from typing import Any

import numpy as np

from ._backend import array_namespace, as_float_images, as_generator, to_numpy

# The CIFAR-10-C module already emulates the release's ImageMagick motion blur, its
# clipped_zoom, OpenCV's water-drop shading, the HSV brightness shift and the uint8 truncation;
# CIFAR-10-P reuses them rather than keeping a second copy.
from .corruptions import (
    LUMINANCE_WEIGHTS,
    _brightness,
    _motion_blur_host,
    _to_levels,
    _water_drops,
    _zoom_matrix,
)

__all__ = [
    "EVALUATED_PERTURBATIONS",
    "NOISE_PERTURBATIONS",
    "PERTURBATIONS",
    "SEQUENCE_LENGTHS",
    "frames_to_float",
    "load_cifar10p",
    "perturbation_sequence",
]

#: The 14 CIFAR-10-P perturbations of the release (its generator and the files it wrote).
PERTURBATIONS: tuple[str, ...] = (
    "gaussian_noise",
    "shot_noise",
    "motion_blur",
    "zoom_blur",
    "snow",
    "brightness",
    "translate",
    "rotate",
    "tilt",
    "scale",
    "speckle_noise",
    "gaussian_blur",
    "spatter",
    "shear",
)
#: The 10 perturbations scored by the release's ``cifar-p-eval.py`` (the push-pull release's
#: ``test_perturbation.py`` scores all 14).
EVALUATED_PERTURBATIONS: tuple[str, ...] = (
    "gaussian_noise",
    "shot_noise",
    "motion_blur",
    "zoom_blur",
    "spatter",
    "brightness",
    "translate",
    "rotate",
    "tilt",
    "scale",
)
#: Perturbations whose frames are independent draws around the clean frame 0; the release
#: recognises them by "noise" in the name.
NOISE_PERTURBATIONS: tuple[str, ...] = ("gaussian_noise", "shot_noise", "speckle_noise")
#: Frames per sequence, the clean frame included where there is one.
SEQUENCE_LENGTHS: dict[str, int] = {name: 31 for name in PERTURBATIONS} | {
    "motion_blur": 21,
    "translate": 16,
}
#: Noise parameter per level 1, 2, 3 (level 1 is the released data set).
_NOISE_LEVELS: dict[str, tuple[float, float, float]] = {
    "gaussian_noise": (0.02, 0.04, 0.06),  # σ of the additive noise
    "shot_noise": (700.0, 400.0, 200.0),  # photons at grey level 1
    "speckle_noise": (0.05, 0.07, 0.10),  # σ of the multiplicative noise
}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _levels_to_unit(levels: np.ndarray) -> np.ndarray:
    return levels / 255.0


def _quantise(x: np.ndarray) -> np.ndarray:
    """The release's ``np.uint8(255 · clip(x, 0, 1))``, as floats in [0, 1]."""
    return _levels_to_unit(_to_levels(x))


def _inverse_affine(
    width: int,
    height: int,
    angle: float,
    translate: tuple[float, float],
    scale: float,
    shear: float,
) -> tuple[float, ...]:
    """Pillow's (output → input) affine coefficients for torchvision 0.2's ``affine``.

    The forward map is ``M = T · C · RSS · C⁻¹`` with ``C`` the translation to the centre
    ``(W/2 + 0.5, H/2 + 0.5)`` (that version's choice), ``T`` the translation and
    ``RSS = R(a)·Shear(s)·scale`` with ``R(a)·Shear(s) = [[cos a, −sin(a + s)], [sin a,
    cos(a + s)]]`` in Pillow's (x right, y down) pixel frame. Pillow wants ``M⁻¹``.
    """
    a, s = math.radians(angle), math.radians(shear)
    cx, cy = width * 0.5 + 0.5, height * 0.5 + 0.5
    forward = np.array(
        [[math.cos(a), -math.sin(a + s)], [math.sin(a), math.cos(a + s)]], dtype=np.float64
    )
    inverse = np.linalg.inv(forward * scale)
    shift = np.array([cx + translate[0], cy + translate[1]])
    offset = np.array([cx, cy]) - inverse @ shift
    return (
        inverse[0, 0],
        inverse[0, 1],
        offset[0],
        inverse[1, 0],
        inverse[1, 1],
        offset[1],
    )


def _affine_levels(
    levels: np.ndarray,
    *,
    angle: float = 0.0,
    translate: tuple[float, float] = (0.0, 0.0),
    scale: float = 1.0,
    shear: float = 0.0,
    bilinear: bool = True,
) -> np.ndarray:
    """Affine warp of 8-bit images ``(N, C, H, W)`` with Pillow, black fill."""
    from PIL import Image

    n, channels, height, width = levels.shape
    coefficients = _inverse_affine(width, height, angle, translate, scale, shear)
    resample = Image.Resampling.BILINEAR if bilinear else Image.Resampling.NEAREST
    out = np.empty(levels.shape)
    for k in range(n):
        image = levels[k].astype(np.uint8)
        picture = Image.fromarray(image[0] if channels == 1 else image.transpose(1, 2, 0))
        warped = picture.transform(
            (width, height), Image.Transform.AFFINE, coefficients, resample, fillcolor=0
        )
        array = np.asarray(warped, dtype=np.float64)
        out[k] = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return out


def _tilt_homography(width: int, height: int, degrees: float) -> np.ndarray:
    """The release's 3×3 perspective map: rotate the image plane about x and y, project back."""
    phi = theta = math.radians(degrees)
    focal = math.sqrt(width**2 + height**2)
    to_centre = np.array([[1, 0, -width / 2], [0, 1, -height / 2], [0, 0, 1], [0, 0, 1]])
    rot_x = np.array(
        [
            [1, 0, 0, 0],
            [0, math.cos(theta), -math.sin(theta), 0],
            [0, math.sin(theta), math.cos(theta), 0],
            [0, 0, 0, 1],
        ]
    )
    rot_y = np.array(
        [
            [math.cos(phi), 0, -math.sin(phi), 0],
            [0, 1, 0, 0],
            [math.sin(phi), 0, math.cos(phi), 0],
            [0, 0, 0, 1],
        ]
    )
    away = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, focal], [0, 0, 0, 1]])
    project = np.array([[focal, 0, width / 2, 0], [0, focal, height / 2, 0], [0, 0, 1, 0]])
    return project @ away @ rot_x @ rot_y @ to_centre


def _warp_perspective(levels: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """OpenCV's ``warpPerspective`` (bilinear, black border): ``dst(p) = src(H⁻¹ p)``, rounded."""
    from scipy import ndimage

    n, channels, height, width = levels.shape
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    points = np.stack([cols.ravel(), rows.ravel(), np.ones(rows.size)])
    source = np.linalg.inv(homography) @ points
    src_col = (source[0] / source[2]).reshape(height, width)
    src_row = (source[1] / source[2]).reshape(height, width)
    out = np.empty(levels.shape)
    for k in range(n):
        for c in range(channels):
            out[k, c] = ndimage.map_coordinates(
                levels[k, c], [src_row, src_col], order=1, mode="grid-constant", cval=0.0
            )
    return np.clip(np.round(out), 0, 255)


# --------------------------------------------------------------------------------------------
# the perturbations: each returns frames (T, N, C, H, W) in [0, 1]
# --------------------------------------------------------------------------------------------


def _noise_frames(x: np.ndarray, name: str, level: int, rng: np.random.Generator) -> list:
    parameter = _NOISE_LEVELS[name][level - 1]
    frames = [x]
    for _ in range(SEQUENCE_LENGTHS[name] - 1):
        if name == "gaussian_noise":
            noisy = x + parameter * rng.standard_normal(x.shape)
        elif name == "shot_noise":
            noisy = rng.poisson(x * parameter) / parameter
        else:
            noisy = x + x * rng.normal(0.0, parameter, size=x.shape)
        frames.append(_quantise(noisy))
    return frames


def _motion_blur_frames(x: np.ndarray) -> list:
    levels = _to_levels(x)
    frames = []
    for i in range(SEQUENCE_LENGTHS["motion_blur"]):
        angles = np.full(len(x), 9.0 * (i - 20))
        blurred = _motion_blur_host(levels, 6, 1.8, angles)
        frames.append(_levels_to_unit(np.clip(np.round(blurred), 0, 255)))
    return frames


def _zoom_blur_frames(x: np.ndarray) -> list:
    levels = _to_levels(x)
    frames = [x]
    total = _levels_to_unit(levels)
    for i in range(1, SEQUENCE_LENGTHS["zoom_blur"]):
        zoomed = _affine_levels(levels, scale=1 + 0.004 * i)
        total = total + _levels_to_unit(zoomed)
        frames.append(_quantise(total / (i + 1)))
    return frames


def _snow_frames(x: np.ndarray, rng: np.random.Generator) -> list:
    n, channels, height, width = x.shape
    layer = rng.normal(0.05, 0.3, size=(n, height, width))
    layer = _zoom_matrix(height, 2.0) @ layer @ _zoom_matrix(width, 2.0).T
    layer[layer < 0.5] = 0
    layer_levels = _to_levels(layer)[:, None]  # the 8-bit PNG the release blurred
    if channels == 3:
        grey = np.tensordot(np.asarray(LUMINANCE_WEIGHTS), x, axes=([0], [1]))[:, None]
    else:
        grey = x
    whitened = 0.85 * x + 0.15 * np.maximum(x, grey * 1.5 + 0.5)
    frames = []
    for i in range(SEQUENCE_LENGTHS["snow"]):
        angles = np.full(n, 4.0 * i - 150.0)
        moving = np.round(_motion_blur_host(layer_levels, 10, 2, angles)) / 255.0
        frames.append(_quantise(whitened + moving + moving[:, :, ::-1, ::-1]))
    return frames


def _brightness_frames(x: np.ndarray) -> list:
    xp = array_namespace(x)
    return [
        _quantise(np.asarray(_brightness(x, xp, 0.015 * (i - 15), None)))
        for i in range(SEQUENCE_LENGTHS["brightness"])
    ]


def _affine_frames(x: np.ndarray, name: str) -> list:
    levels = _to_levels(x)
    frames = []
    for i in range(SEQUENCE_LENGTHS[name]):
        if name == "translate":
            warped = _affine_levels(levels, translate=(i - 7, 0), bilinear=False)
        elif name == "rotate":
            warped = _affine_levels(levels, angle=i - 15)
        elif name == "scale":
            warped = _affine_levels(levels, scale=(70 + 2 * i) / 100)
        else:  # shear
            warped = _affine_levels(levels, shear=i - 15)
        frames.append(_levels_to_unit(warped))
    return frames


def _tilt_frames(x: np.ndarray) -> list:
    levels = _to_levels(x)
    height, width = x.shape[-2:]
    return [
        _levels_to_unit(_warp_perspective(levels, _tilt_homography(width, height, 0.75 * (i - 15))))
        for i in range(SEQUENCE_LENGTHS["tilt"])
    ]


def _gaussian_blur_frames(x: np.ndarray) -> list:
    from scipy import ndimage

    # skimage.filters.gaussian (what the release called): nearest-edge borders
    return [
        _quantise(
            ndimage.gaussian_filter(
                x, (0, 0, 0.3 + 0.015 * i, 0.3 + 0.015 * i), mode="nearest", truncate=7.0
            )
        )
        for i in range(SEQUENCE_LENGTHS["gaussian_blur"])
    ]


def _spatter_frames(x: np.ndarray, rng: np.random.Generator) -> list:
    from scipy import ndimage

    n, channels, height, width = x.shape
    liquid = rng.normal(0.6, 0.265, size=(n, height, width))
    liquid = ndimage.gaussian_filter(liquid, (0, 1.75, 1.75), mode="nearest")
    liquid[liquid < 0.7] = 0
    colour = np.array([175.0, 238.0, 238.0]) / 255  # pale turquoise, as in CIFAR-10-C
    if channels == 1:
        colour = np.asarray([np.dot(LUMINANCE_WEIGHTS, colour)])
    colour = colour.reshape(1, channels, 1, 1)
    frames = []
    for _ in range(SEQUENCE_LENGTHS["spatter"]):
        # uint8 conversion as the release: values above 1 wrap around
        levels = np.mod(np.floor(liquid * 255), 256).astype(np.uint8)
        mask = np.stack([levels[k] * _water_drops(levels[k]) for k in range(n)])
        peak = mask.max(axis=(1, 2), keepdims=True)
        mask = 0.6 * mask / np.where(peak > 0, peak, 1.0)
        frames.append(_quantise(x + colour * mask[:, None]))
        # the drops run down: np.convolve(column, [0.2, 0.8], "same") on every column
        shifted = np.zeros_like(liquid)
        shifted[:, 1:] = liquid[:, :-1]
        liquid = 0.2 * liquid + 0.8 * shifted
    return frames


def _check_level(level: Any, perturbation: str) -> int:
    if isinstance(level, bool) or not isinstance(level, numbers.Integral):
        raise TypeError(f"level must be an int, got {level!r}")
    allowed = (1, 2, 3) if perturbation in NOISE_PERTURBATIONS else (1,)
    if int(level) not in allowed:
        raise ValueError(
            f"level={level!r} is not valid for {perturbation!r}; expected one of {allowed} "
            "(only the noise perturbations have the release's harder levels 2 and 3)"
        )
    return int(level)


def perturbation_sequence(
    images: Any,
    perturbation: str,
    *,
    level: int = 1,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Perturbation sequences of CIFAR-10-P [H19] for a batch of images.

    Parameters
    ----------
    images : array
        ``(N, C, H, W)`` floats in [0, 1], C = 3 (RGB) or 1 (grey), any backend (copied to the
        host). The frame parameters are the CIFAR-10 ones in px, used unchanged at other sizes.
    perturbation : str
        One of :data:`PERTURBATIONS`.
    level : int
        1 (default, the released data set), or 2 and 3 for the noise perturbations' harder
        settings (see the module docstring).
    seed : int, numpy.random.Generator or None
        Seed of the noise, snow and spatter draws.

    Returns
    -------
    numpy.ndarray
        ``(N, T, C, H, W)`` in [0, 1] with the dtype of ``images`` (NumPy), ``T =``
        :data:`SEQUENCE_LENGTHS` ``[perturbation]``; frames quantised to grey levels like the
        release. For the noise perturbations and ``zoom_blur`` frame 0 is ``images``.

    Raises
    ------
    ValueError
        For an unknown perturbation or level, or a batch that is not ``(N, C, H, W)`` with
        C = 1 or 3.
    TypeError
        If ``images`` is not a floating array or ``level`` not an int.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.perturbations import perturbation_sequence
    >>> images = np.random.default_rng(0).random((2, 3, 32, 32))
    >>> frames = perturbation_sequence(images, "translate")
    >>> frames.shape
    (2, 16, 3, 32, 32)
    >>> bool(np.all(frames[:, 7] == np.floor(images * 255 + 1e-3) / 255))  # shift 0
    True
    """
    if perturbation not in PERTURBATIONS:
        raise ValueError(
            f"perturbation must be one of the CIFAR-10-P names {PERTURBATIONS}, "
            f"got {perturbation!r}"
        )
    level = _check_level(level, perturbation)
    images, _ = as_float_images(images, "images", min_ndim=4)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"images must be a batch (N, C, H, W) with C = 1 (grey) or 3 (RGB), "
            f"got shape {tuple(images.shape)}"
        )
    dtype = to_numpy(images).dtype
    x = np.array(to_numpy(images), dtype=np.float64)
    if x.min() < 0 or x.max() > 1:
        raise ValueError(f"images must lie in [0, 1], got values in [{x.min():g}, {x.max():g}]")
    rng = as_generator(seed)
    if perturbation in NOISE_PERTURBATIONS:
        frames = _noise_frames(x, perturbation, level, rng)
    elif perturbation == "motion_blur":
        frames = _motion_blur_frames(x)
    elif perturbation == "zoom_blur":
        frames = _zoom_blur_frames(x)
    elif perturbation == "snow":
        frames = _snow_frames(x, rng)
    elif perturbation == "brightness":
        frames = _brightness_frames(x)
    elif perturbation == "tilt":
        frames = _tilt_frames(x)
    elif perturbation == "gaussian_blur":
        frames = _gaussian_blur_frames(x)
    elif perturbation == "spatter":
        frames = _spatter_frames(x, rng)
    else:
        frames = _affine_frames(x, perturbation)
    sequences = np.stack(frames, axis=1)
    if perturbation in NOISE_PERTURBATIONS or perturbation == "zoom_blur":
        sequences[:, 0] = x  # the clean frame, unquantised, as the release stores the image
    return sequences.astype(dtype, copy=False)


def load_cifar10p(
    root: str | os.PathLike, perturbation: str, *, level: int = 1, mmap: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Read one perturbation of the released CIFAR-10-P files [H19].

    The release holds ``<perturbation>.npy``: uint8 ``(N, T, 32, 32, 3)``, N = 10000 sequences
    of the CIFAR-10 test images in order, ``T`` frames each (:data:`SEQUENCE_LENGTHS`, e.g. 31,
    16 for ``translate``), written by ``np.save(np.array(sequences).astype(np.uint8))`` in
    ``make_cifar_p.py``; and ``labels.npy`` (N,). Harder noise levels, where present, are
    ``<perturbation>_2.npy`` and ``_3.npy`` (the naming of the ImageNet-P generator's folders).

    Parameters
    ----------
    root : str or path-like
        Folder holding the ``.npy`` files, or its parent holding ``CIFAR-10-P/``.
    perturbation : str
        One of :data:`PERTURBATIONS`.
    level : int
        1 (default), or 2, 3 for the noise perturbations (file suffix ``_2``, ``_3``).
    mmap : bool
        Return the memory-mapped uint8 array ``(N, T, 32, 32, 3)`` untouched instead of the
        float copy (10000 × 31 frames are 3.8 GB as float32): slice it, then convert a batch
        with :func:`v1pushpull.perturbations.frames_to_float`.

    Returns
    -------
    sequences : numpy.ndarray
        float32 ``(N, T, 3, 32, 32)`` in [0, 1] (or the raw uint8 memory map, see ``mmap``).
    labels : numpy.ndarray
        int64 ``(N,)``.

    Raises
    ------
    ValueError
        For an unknown perturbation or level, or files of unexpected shape.
    FileNotFoundError
        If a file is missing.

    Examples
    --------
    >>> from v1pushpull.perturbations import load_cifar10p
    >>> sequences, labels = load_cifar10p("data", "rotate")  # doctest: +SKIP
    """
    if perturbation not in PERTURBATIONS:
        raise ValueError(
            f"perturbation must be one of the CIFAR-10-P names {PERTURBATIONS}, "
            f"got {perturbation!r}"
        )
    level = _check_level(level, perturbation)
    root = Path(root)
    folder = root / "CIFAR-10-P" if (root / "CIFAR-10-P").is_dir() else root
    stem = perturbation if level == 1 else f"{perturbation}_{level}"
    paths = folder / f"{stem}.npy", folder / "labels.npy"
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found; download CIFAR-10-P from https://zenodo.org/record/2535967 "
                f"and extract it into {root}"
            )
    sequences = np.load(paths[0], mmap_mode="r")
    labels = np.load(paths[1], mmap_mode="r")
    if sequences.ndim != 5 or sequences.shape[-1] != 3 or len(sequences) != len(labels):
        raise ValueError(
            f"{paths[0]} has shape {sequences.shape} for {len(labels)} labels; expected "
            "(N, T, H, W, 3) with one label per sequence"
        )
    labels = np.asarray(labels, dtype=np.int64)
    if mmap:
        return sequences, labels
    return frames_to_float(sequences), labels


def frames_to_float(sequences: np.ndarray) -> np.ndarray:
    """Released uint8 frames ``(..., H, W, 3)`` → float32 ``(..., 3, H, W)`` in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.perturbations import frames_to_float
    >>> frames_to_float(np.full((1, 2, 4, 4, 3), 255, np.uint8)).shape
    (1, 2, 3, 4, 4)
    """
    array = np.asarray(sequences)
    if array.dtype != np.uint8 or array.ndim < 3 or array.shape[-1] not in (1, 3):
        raise ValueError(
            f"sequences must be uint8 (..., H, W, C) with C = 1 or 3, got {array.dtype} "
            f"{array.shape}"
        )
    return np.moveaxis(array, -1, -3).astype(np.float32) / np.float32(255.0)
