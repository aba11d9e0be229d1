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
snow              31    a snow layer per image, motion-blurred (radius 10, σ 2), angle ``4·i − 150``
brightness        31    HSV value ``+ 1.5·(i − 15)/100``
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

Faithfulness. Each frame is computed like the release's, from its three inputs (the 8-bit
image and its float64 and float32 ``/255``; see :mod:`v1pushpull.corruptions`), and truncated
to a grey level as the release's ``np.uint8``. Where the generator calls the routines that
made CIFAR-10-C, the frames come from :mod:`v1pushpull.corruptions`' bit-exact reproductions
of them (checked there against the released CIFAR-10-C data): ImageMagick's motion blur
(``motion_blur`` and the snow layer of ``snow``), ``clipped_zoom``, OpenCV's RGB2GRAY and the
whitening of ``snow``, the water-drop shading of ``spatter`` (OpenCV's own routines or their
exact NumPy emulation, :data:`v1pushpull.corruptions.OPENCV`) and scikit-image's HSV shift of
``brightness``. Tested here, frame by frame and bit for bit, against the generator's code run
with the libraries installed: ``spatter`` (OpenCV, scikit-image, ``np.convolve``; identical
without OpenCV), ``brightness`` and ``gaussian_blur`` (scikit-image). There is no CIFAR-10-P
reference data, so no perturbation is checked against the released files; in particular:

* ``motion_blur`` and ``snow`` rest on the CIFAR-10-C check of the motion blur, with other
  radii, σ and angles; ``snow`` is not compared with the generator's code as a whole.
* ``tilt`` calls OpenCV's ``warpPerspective`` with the release's matrix when OpenCV is
  installed; without it a SciPy stand-in (bilinear weights not rounded to 1/32 px) is within
  one grey level of OpenCV, different at about 0.01 % of the values.
* ``translate``, ``rotate``, ``scale``, ``shear`` and the frames of ``zoom_blur`` use Pillow's
  affine transform with the inverse matrix and centre ``(W/2 + 0.5, H/2 + 0.5)`` of the
  torchvision of 2018 that made the files; the coefficients are computed by a matrix
  inverse, not by that version's formula, so they may differ in the last bits.
  ``zoom_blur`` averages in float32 like the release's torch tensors (``ToTensor``, the sum,
  ``/(i + 1)``, ``ToPILImage``'s ``·255`` truncated to a byte), checked only on constant
  images against today's torch.
* The noise frames follow the release's formulas (``gaussian_noise`` in float32 like its
  torch code, ``shot_noise`` and ``speckle_noise`` in NumPy float64 as
  :mod:`v1pushpull.corruptions`), but random frames come from
  ``numpy.random.default_rng(seed)``, not the release's unseeded global NumPy and torch
  state, so noise, snow and spatter frames match the release in distribution, not value by
  value. Snow and spatter draw their layer per image, in image order, as the release.

The truncation is the release's too: a constant image blurred by ``gaussian_blur`` or
``zoom_blur`` loses one grey level in some frames, the middle ``brightness`` frame (shift 0)
is one level darker than the image at some values (the HSV round trip), and ``snow``'s
``0.85·x + (1 − 0.85)·x`` rounds one level below ``x`` for some bright saturated values.

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

# The CIFAR-10-C module already reproduces the release's ImageMagick motion blur, its
# clipped_zoom, OpenCV's water-drop shading and snow brightening, the HSV brightness shift, the
# shot and speckle noises and the uint8 truncation; CIFAR-10-P reuses them rather than keeping
# a second copy.
from . import corruptions as _corruptions
from ._backend import as_float_images, as_generator, to_numpy
from .corruptions import (
    _add_water,
    _Batch,
    _brightness,
    _gaussian,
    _magick_motion_blur,
    _per_image,
    _scale255,
    _shot_noise,
    _snow_levels,
    _snow_whiten,
    _speckle_noise,
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


def _truncate(values: np.ndarray) -> np.ndarray:
    """The release's ``np.uint8(255 · np.clip(values, 0, 1))``: an 8-bit frame."""
    return _scale255(values).astype(np.uint8)


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


def _affine_u8(batch: _Batch, **kwargs: Any) -> np.ndarray:
    """:func:`_affine_levels` of a batch's 8-bit images, as uint8 ``(N, H, W, C)``."""
    warped = _affine_levels(batch.u8.transpose(0, 3, 1, 2), **kwargs)
    return warped.transpose(0, 2, 3, 1).astype(np.uint8)


def _tilt_homography(width: int, height: int, degrees: float) -> np.ndarray:
    """The release's 3×3 perspective map: rotate the image plane about x and y, project back.

    With the release's NumPy calls (``np.deg2rad``, ``np.cos``, ``np.sin``, ``np.sqrt``) and
    its product order, so that OpenCV gets the same matrix.
    """
    phi = theta = np.deg2rad(degrees)
    focal = np.sqrt(width**2 + height**2)
    to_centre = np.array([[1, 0, -width / 2], [0, 1, -height / 2], [0, 0, 1], [0, 0, 1]])
    rot_x = np.array(
        [
            [1, 0, 0, 0],
            [0, np.cos(theta), -np.sin(theta), 0],
            [0, np.sin(theta), np.cos(theta), 0],
            [0, 0, 0, 1],
        ]
    )
    rot_y = np.array(
        [
            [np.cos(phi), 0, -np.sin(phi), 0],
            [0, 1, 0, 0],
            [np.sin(phi), 0, np.cos(phi), 0],
            [0, 0, 0, 1],
        ]
    )
    away = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, focal], [0, 0, 0, 1]])
    project = np.array([[focal, 0, width / 2, 0], [0, focal, height / 2, 0], [0, 0, 1, 0]])
    return project @ away @ rot_x @ rot_y @ to_centre


def _warp_perspective_scipy(levels: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """Stand-in for OpenCV's ``warpPerspective`` (bilinear, black border) of uint8
    ``(N, H, W, C)``: ``dst(p) = src(H⁻¹ p)`` with SciPy's unrounded bilinear weights, rounded.
    """
    from scipy import ndimage

    n, height, width, channels = levels.shape
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    points = np.stack([cols.ravel(), rows.ravel(), np.ones(rows.size)])
    source = np.linalg.inv(homography) @ points
    src_col = (source[0] / source[2]).reshape(height, width)
    src_row = (source[1] / source[2]).reshape(height, width)
    out = np.empty(levels.shape)
    for k in range(n):
        for c in range(channels):
            out[k, ..., c] = ndimage.map_coordinates(
                levels[k, ..., c].astype(np.float64),
                [src_row, src_col],
                order=1,
                mode="grid-constant",
                cval=0.0,
            )
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _warp_perspective(levels: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """The release's ``cv2.warpPerspective(x, mat, (w, h))`` of uint8 ``(N, H, W, C)``.

    OpenCV's own routine (bilinear, black border) when it is installed, else the SciPy
    stand-in :func:`_warp_perspective_scipy`.
    """
    cv2 = _corruptions._cv2  # looked up here, so that one switch selects both paths
    if cv2 is None:
        return _warp_perspective_scipy(levels, homography)
    n, height, width, channels = levels.shape
    out = np.empty_like(levels)
    for k in range(n):
        warped = cv2.warpPerspective(np.ascontiguousarray(levels[k]), homography, (width, height))
        out[k] = warped.reshape(height, width, channels)
    return out


def _drip(liquid: np.ndarray) -> np.ndarray:
    """The release's ``np.convolve(column, [0.2, 0.8], "same")`` down every column of
    ``(N, H, W)`` liquid layers: ``out[r] = 0.2·liquid[r] + 0.8·liquid[r − 1]``.
    """
    shifted = np.zeros_like(liquid)
    shifted[:, 1:] = liquid[:, :-1]
    return 0.2 * liquid + 0.8 * shifted


# --------------------------------------------------------------------------------------------
# the perturbations: each returns the release's 8-bit frames, T arrays uint8 (N, H, W, C)
# --------------------------------------------------------------------------------------------


def _noise_frames(b: _Batch, name: str, level: int, rng: np.random.Generator) -> list:
    parameter = _NOISE_LEVELS[name][level - 1]
    frames = [b.u8]  # frame 0 is replaced by the clean input at the end
    for _ in range(SEQUENCE_LENGTHS[name] - 1):
        if name == "gaussian_noise":
            # torch in the release: clamp(ToTensor(img) + σ·randn_like, 0, 1) in float32
            noise = rng.standard_normal(b.shape, dtype=np.float32)
            frames.append(_truncate(b.f32 + np.float32(parameter) * noise))
        elif name == "shot_noise":
            frames.append(_shot_noise(b, parameter, rng).astype(np.uint8))
        else:
            frames.append(_speckle_noise(b, parameter, rng).astype(np.uint8))
    return frames


def _motion_blur_frames(b: _Batch) -> list:
    return [
        _magick_motion_blur(b.u8, 6, 1.8, np.full(b.n, (i - 20) * 9.0))
        for i in range(SEQUENCE_LENGTHS["motion_blur"])
    ]


def _zoom_blur_frames(b: _Batch) -> list:
    # torch in the release: the running sum of ToTensor frames (float32), ToPILImage(sum / k)
    # truncates ·255 to a byte
    frames = [b.u8]
    total = b.f32.copy()
    for i in range(1, SEQUENCE_LENGTHS["zoom_blur"]):
        zoomed = _affine_u8(b, scale=1 + 0.004 * i)
        total += zoomed.astype(np.float32) / np.float32(255)
        frames.append(((total / np.float32(i + 1)) * np.float32(255)).astype(np.uint8))
    return frames


def _snow_frames(b: _Batch, rng: np.random.Generator) -> list:
    layers = _per_image(rng, b.n, "normal", 0.05, 0.3, size=(b.height, b.width))
    levels = _snow_levels(layers, 2, 0.5)  # the 8-bit PNG the release blurred
    whitened = _snow_whiten(b.x64, 0.85)
    frames = []
    for i in range(SEQUENCE_LENGTHS["snow"]):
        moving = _magick_motion_blur(levels, 10, 2, np.full(b.n, i * 4.0 - 150)) / 255.0
        frames.append(_truncate(whitened + moving + moving[:, ::-1, ::-1]))
    return frames


def _brightness_frames(b: _Batch) -> list:
    return [
        _brightness(b, (i - 15) * 1.5 / 100.0, None).astype(np.uint8)
        for i in range(SEQUENCE_LENGTHS["brightness"])
    ]


def _affine_frames(b: _Batch, name: str) -> list:
    frames = []
    for i in range(SEQUENCE_LENGTHS[name]):
        if name == "translate":
            frames.append(_affine_u8(b, translate=(i - 7, 0), bilinear=False))
        elif name == "rotate":
            frames.append(_affine_u8(b, angle=i - 15))
        elif name == "scale":
            frames.append(_affine_u8(b, scale=(i * 2 + 70) / 100.0))
        else:  # shear
            frames.append(_affine_u8(b, shear=i - 15))
    return frames


def _tilt_frames(b: _Batch) -> list:
    return [
        _warp_perspective(b.u8, _tilt_homography(b.width, b.height, 0.75 * (i - 15)))
        for i in range(SEQUENCE_LENGTHS["tilt"])
    ]


def _gaussian_blur_frames(b: _Batch) -> list:
    # skimage.filters.gaussian(x / 255., sigma, multichannel=True, truncate=7.0)
    return [
        _truncate(_gaussian(b.x64, 0.3 + 0.015 * i, truncate=7.0))
        for i in range(SEQUENCE_LENGTHS["gaussian_blur"])
    ]


def _spatter_frames(b: _Batch, rng: np.random.Generator) -> list:
    liquid = _per_image(rng, b.n, "normal", 0.6, 0.265, size=(b.height, b.width))
    liquid = _gaussian(liquid, 1.75)
    liquid[liquid < 0.7] = 0
    frames = []
    for _ in range(SEQUENCE_LENGTHS["spatter"]):
        frames.append(_truncate(_add_water(b.f32, liquid, 0.6)))
        liquid = _drip(liquid)  # the drops run down
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


def _frames(b: _Batch, perturbation: str, level: int, rng: np.random.Generator) -> list:
    """The 8-bit frames of one perturbation (the generator of its name)."""
    if perturbation in NOISE_PERTURBATIONS:
        return _noise_frames(b, perturbation, level, rng)
    if perturbation in ("snow", "spatter"):
        return (_snow_frames if perturbation == "snow" else _spatter_frames)(b, rng)
    generators = {
        "motion_blur": _motion_blur_frames,
        "zoom_blur": _zoom_blur_frames,
        "brightness": _brightness_frames,
        "tilt": _tilt_frames,
        "gaussian_blur": _gaussian_blur_frames,
    }
    if perturbation in generators:
        return generators[perturbation](b)
    return _affine_frames(b, perturbation)


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
    # the release's inputs: the 8-bit image, its float64 and float32 /255 (values off the
    # 8-bit grid are kept in the float ones)
    frames = _frames(_Batch.from_float(x), perturbation, level, rng)
    table = (np.arange(256) / 255.0).astype(dtype)
    sequences = table[np.stack(frames, axis=1).transpose(0, 1, 4, 2, 3)]
    if perturbation in NOISE_PERTURBATIONS or perturbation == "zoom_blur":
        sequences[:, 0] = x  # the clean frame, unquantised, as the release stores the image
    return sequences


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
