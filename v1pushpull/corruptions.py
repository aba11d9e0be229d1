"""Image corruptions: the CIFAR-10-C set of [H19] and the MNIST protocol of [S20].

:func:`corrupt` applies one of the CIFAR-10-C corruptions at severity 1–5 to a batch
``(N, C, H, W)`` of images in [0, 1] (C = 3 for colour, 1 for grey), with the CIFAR-specific
constants of the released generator (``make_cifar_c.py`` of Hendrycks & Dietterich; the
ImageNet-C constants of the ``imagecorruptions`` package are different for every corruption).
Results are clipped to [0, 1] and, by default, quantised like the released files (×255,
truncated to an integer grey level, /255).

:func:`additive_gaussian_noise` and :func:`contrast_poisson` are the two test-time corruptions
of the MNIST experiments of [S20].

Backends
--------
NumPy arrays, torch tensors (on any device), CuPy arrays and other Array API arrays go in; the
same kind of array, on the same device and with the same dtype, comes out. Random numbers are
always drawn on the host from ``numpy.random.default_rng(seed)``, so a seed gives the same
corruption on every backend. Then

- the arithmetic runs on the images' device for :data:`DEVICE_CORRUPTIONS` (noise fields,
  contrast, HSV brightness/saturation, Gaussian/defocus/zoom blur and pixelation as small
  linear operators, fog, frost);
- the images make a round trip through host NumPy (``to_numpy``) for
  :data:`HOST_CORRUPTIONS`, which need SciPy, Pillow or a sequential loop (shot noise and
  the Poisson step of :func:`contrast_poisson`, glass and motion blur, snow, spatter, JPEG,
  elastic).

Severity parameters are the CIFAR-10 constants in px, used unchanged at other image sizes.

References
----------
.. [H19] D. Hendrycks, T. Dietterich. Benchmarking neural network robustness to common
   corruptions and perturbations. ICLR 2019.
.. [S20] N. Strisciuglio, M. Lopez-Antequera, N. Petkov. Enhanced robustness of convolutional
   networks with a push-pull inhibition layer. Neural Computing and Applications 32 (2020).
"""

from __future__ import annotations

import io
import math
import numbers
from collections.abc import Sequence
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from ._backend import as_float_images, as_generator, asarray_on, device_of, to_numpy
from .datasets import CIFAR10C_CORRUPTIONS
from .filtering import filter_bank
from .kernels import gaussian_kernel
from .stimuli import gaussian_noise, poisson_noise, salt_and_pepper_noise

__all__ = [
    "CORRUPTIONS",
    "DEVICE_CORRUPTIONS",
    "HOST_CORRUPTIONS",
    "LUMINANCE_WEIGHTS",
    "SEVERITY_PARAMETERS",
    "additive_gaussian_noise",
    "contrast_poisson",
    "corrupt",
]

#: Per-severity parameters (severity 1 … 5) of the CIFAR-10-C generator, in px for 32×32 images.
SEVERITY_PARAMETERS: dict[str, tuple[Any, ...]] = {
    "gaussian_noise": (0.04, 0.06, 0.08, 0.09, 0.10),  # σ
    "shot_noise": (500, 250, 100, 75, 50),  # photons at grey level 1
    "impulse_noise": (0.01, 0.02, 0.03, 0.05, 0.07),  # fraction of values replaced
    "speckle_noise": (0.06, 0.10, 0.12, 0.16, 0.20),  # σ of the multiplicative noise
    "defocus_blur": ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)),  # radius, alias σ
    # σ, max_delta (px), iterations; severity 3 as in make_cifar_c.py, (0.4, 1, 1) (the
    # (0.4, 1, 2) of some transcriptions would make severities 3 and 5 identical)
    "glass_blur": ((0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)),
    "motion_blur": ((6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)),  # radius (px), σ (px)
    "zoom_blur": (1.06, 1.11, 1.16, 1.21, 1.26),  # zooms np.arange(1, end, 0.01)
    "gaussian_blur": (0.4, 0.6, 0.7, 0.8, 1.0),  # σ (px)
    # mean, std, zoom, threshold, motion radius (px), motion σ (px), blend
    "snow": (
        (0.1, 0.2, 1, 0.6, 8, 3, 0.95),
        (0.1, 0.2, 1, 0.5, 10, 4, 0.9),
        (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
        (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85),
        (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8),
    ),
    "frost": ((1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)),  # image, frost weight
    "fog": ((0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)),  # strength, decay
    # mean, std, σ (px), threshold, intensity (water) or mud blur σ (px), mud (1) or water (0)
    "spatter": (
        (0.62, 0.1, 0.7, 0.7, 0.5, 0),
        (0.65, 0.1, 0.8, 0.7, 0.5, 0),
        (0.65, 0.3, 1, 0.69, 0.5, 0),
        (0.65, 0.1, 0.7, 0.69, 0.6, 1),
        (0.65, 0.1, 0.5, 0.68, 0.6, 1),
    ),
    "brightness": (0.05, 0.1, 0.15, 0.2, 0.3),  # added to HSV value
    "contrast": (0.75, 0.5, 0.4, 0.3, 0.15),  # factor on the deviation from the mean
    # displacement α (px), smoothing σ (px), affine range (px)
    "elastic_transform": (
        (0, 0, 2.56),
        (1.6, 6.4, 2.24),
        (2.56, 1.92, 1.92),
        (3.2, 1.28, 1.6),
        (3.2, 0.96, 0.96),
    ),
    "pixelate": (0.95, 0.9, 0.85, 0.75, 0.65),  # size factor
    "jpeg_compression": (80, 65, 58, 50, 40),  # JPEG quality
    "saturate": ((0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)),  # scale, offset of HSV S
}

#: Corruptions computed on the images' device (random fields come from the host).
DEVICE_CORRUPTIONS: tuple[str, ...] = (
    "gaussian_noise",
    "impulse_noise",
    "speckle_noise",
    "defocus_blur",
    "zoom_blur",
    "gaussian_blur",
    "frost",
    "fog",
    "brightness",
    "contrast",
    "pixelate",
    "saturate",
)
#: Corruptions computed on the host with NumPy, SciPy or Pillow.
HOST_CORRUPTIONS: tuple[str, ...] = (
    "shot_noise",
    "glass_blur",
    "motion_blur",
    "snow",
    "spatter",
    "elastic_transform",
    "jpeg_compression",
)
#: The 19 CIFAR-10-C corruptions, in the order of [H19]: :data:`v1pushpull.datasets.
#: CIFAR10C_CORRUPTIONS`, the project's one list of them.
CORRUPTIONS: tuple[str, ...] = CIFAR10C_CORRUPTIONS

#: ITU-R BT.601 luma weights of the R, G, B channels (OpenCV's RGB2GRAY, used by the snow
#: corruption; also the "luminance" colour mode of :func:`v1pushpull.torch.to_torch_layer`).
LUMINANCE_WEIGHTS: tuple[float, float, float] = (0.299, 0.587, 0.114)
# Truncation to grey levels tolerates this much float error (in grey levels), so that float32
# images holding exact multiples of 1/255 stay on their level instead of dropping one.
_LEVEL_TOLERANCE = 1e-3


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------


def _on_device(values: np.ndarray, like: Any, xp: ModuleType) -> Any:
    """Move a host array to the device and dtype of ``like``."""
    return asarray_on(xp, np.ascontiguousarray(values), device=device_of(like), dtype=like.dtype)


def _host(x: Any) -> np.ndarray:
    return np.array(to_numpy(x), dtype=np.float64)


def _to_levels(x: np.ndarray) -> np.ndarray:
    """Grey levels 0–255 (as floats) by truncation, like ``np.uint8(np.clip(x, 0, 1) * 255)``."""
    return np.floor(np.clip(x, 0.0, 1.0) * 255.0 + _LEVEL_TOLERANCE)


def _check_batch(images: Any, name: str = "images") -> tuple[Any, ModuleType]:
    images, xp = as_float_images(images, name, min_ndim=4)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"{name} must be a batch (N, C, H, W) with C = 1 (grey) or 3 (RGB), "
            f"got shape {tuple(images.shape)}"
        )
    return images, xp


def _take_edge(xp: ModuleType, x: Any, axis: int, before: int, after: int) -> Any:
    """Pad one axis by repeating its edge values (scipy mode "nearest")."""
    n = x.shape[axis]
    index = np.clip(np.arange(-before, n + after), 0, n - 1)
    return xp.take(x, asarray_on(xp, index, device=device_of(x), dtype=xp.int64), axis=axis)


def _gaussian_weights(sigma: float) -> np.ndarray:
    """1-D unit-sum Gaussian weights with scipy.ndimage's radius rule (truncate 4).

    The 2-D kernel of :func:`v1pushpull.kernels.gaussian_kernel` is separable with unit sum,
    so its column sums are the 1-D weights.
    """
    return gaussian_kernel(sigma).sum(axis=0)


def _correlate_edge(xp: ModuleType, x: Any, weights: np.ndarray, axis: int) -> Any:
    """Correlate along ``axis`` (-1 or -2) with a short 1-D kernel, edge padding."""
    radius = len(weights) // 2
    padded = _take_edge(xp, x, axis, radius, radius)
    n = x.shape[axis]
    out = None
    for k, weight in enumerate(weights):
        part = padded[..., k : k + n, :] if axis == -2 else padded[..., k : k + n]
        out = float(weight) * part if out is None else out + float(weight) * part
    return out


# --------------------------------------------------------------------------------------------
# noise
# --------------------------------------------------------------------------------------------


# The noise corruptions are the core's noise models (v1pushpull.stimuli) with CIFAR-10-C's
# parameters; they draw from the same generator, so the seeded streams are unchanged.


def _gaussian_noise(x, xp, sigma, rng):
    return gaussian_noise(x, sigma, seed=rng)


def _shot_noise(x, xp, photons, rng):
    return poisson_noise(x, photons, seed=rng)


def _impulse_noise(x, xp, amount, rng):
    # salt-and-pepper as skimage.util.random_noise(mode="s&p"): each value is replaced with
    # probability `amount`, by 1 or 0 with equal probability
    return salt_and_pepper_noise(x, amount, salt_fraction=0.5, seed=rng)


def _speckle_noise(x, xp, sigma, rng):
    return x + x * _on_device(rng.normal(0.0, sigma, size=tuple(x.shape)), x, xp)


# --------------------------------------------------------------------------------------------
# blur
# --------------------------------------------------------------------------------------------


def _gaussian_blur(x, xp, sigma, rng):
    weights = _gaussian_weights(sigma)
    return _correlate_edge(xp, _correlate_edge(xp, x, weights, -2), weights, -1)


@cache
def _defocus_kernel(radius: float, alias_sigma: float) -> np.ndarray:
    """Disk of ``radius`` px on a 17×17 grid, unit sum, then a 3×3 Gaussian of ``alias_sigma``.

    The 3×3 anti-aliasing blur uses reflect-101 borders, as OpenCV's GaussianBlur.
    """
    from scipy import ndimage

    grid = np.arange(-8, 9)
    rows, cols = np.meshgrid(grid, grid, indexing="ij")
    disk = (rows**2 + cols**2 <= radius**2).astype(np.float64)
    disk /= disk.sum()
    alias = np.exp(-0.5 * (np.arange(-1, 2) / alias_sigma) ** 2)
    alias /= alias.sum()
    blurred = ndimage.correlate1d(disk, alias, axis=0, mode="mirror")
    return ndimage.correlate1d(blurred, alias, axis=1, mode="mirror")


def _defocus_blur(x, xp, params, rng):
    kernel = _on_device(_defocus_kernel(*params), x, xp)
    # our "reflect" padding is OpenCV's BORDER_REFLECT_101, the release's filter2D default
    return filter_bank(x, kernel, padding="reflect", check_finite=False)


def _glass_blur(x, xp, params, rng):
    from scipy import ndimage

    sigma, delta, iterations = params
    n, _, height, width = x.shape
    blur = (0, 0, sigma, sigma)
    levels = _to_levels(ndimage.gaussian_filter(_host(x), blur, mode="nearest"))
    rows = np.arange(n)
    for _ in range(iterations):
        for h in range(height - delta, delta, -1):
            shifts = rng.integers(-delta, delta, size=(width - 2 * delta, n, 2))
            for j, w in enumerate(range(width - delta, delta, -1)):
                dx, dy = shifts[j, :, 0], shifts[j, :, 1]
                # The release's tuple "swap" of NumPy views copies the neighbour into (h, w)
                # and leaves the neighbour unchanged; CIFAR-10-C was made that way.
                levels[:, :, h, w] = levels[rows, :, h + dy, w + dx]
    return _on_device(ndimage.gaussian_filter(levels / 255.0, blur, mode="nearest"), x, xp)


def _motion_offsets(radius: float, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Tap offsets (dx, dy) in px of ImageMagick's motion blur: 2·ceil(radius) + 1 taps."""
    taps = np.arange(2 * math.ceil(radius) + 1)
    theta = math.radians(angle)
    dx = np.ceil(taps * math.cos(theta) - 0.5).astype(np.int64)
    dy = np.ceil(taps * math.sin(theta) - 0.5).astype(np.int64)
    return dx, dy


def _motion_blur_host(
    images: np.ndarray, radius: float, sigma: float, angles: np.ndarray
) -> np.ndarray:
    """One-sided line blur of each image at its own angle (degrees), edge padding.

    ``out(y, x) = Σ_i w_i · in(y + dy_i, x + dx_i)`` with ``w_i ∝ exp(−i²/2σ²)`` for taps
    ``i = 0 … 2·ceil(radius)`` along the direction ``angle`` (x to the right, y down), as
    ImageMagick's ``MotionBlurImage``, which made CIFAR-10-C.
    """
    n, channels, height, width = images.shape
    taps = 2 * math.ceil(radius) + 1
    weights = np.exp(-0.5 * (np.arange(taps) / sigma) ** 2)
    weights /= weights.sum()
    pad = taps
    padded = np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="edge")
    offsets = [_motion_offsets(radius, angle) for angle in angles]
    dx = np.stack([o[0] for o in offsets])  # (N, taps)
    dy = np.stack([o[1] for o in offsets])
    out = np.zeros((n, channels, height, width))
    for i, weight in enumerate(weights):
        # images sharing a tap offset are shifted together with one slice
        shifts, group = np.unique(np.stack([dy[:, i], dx[:, i]], 1), axis=0, return_inverse=True)
        group = group.ravel()
        for g, (oy, ox) in enumerate(shifts):
            members = np.flatnonzero(group == g)
            window = padded[members, :, pad + oy : pad + oy + height, pad + ox : pad + ox + width]
            out[members] += weight * window
    return out


def _motion_blur(x, xp, params, rng):
    radius, sigma = params
    angles = rng.uniform(-45.0, 45.0, size=x.shape[0])
    return _on_device(_motion_blur_host(_host(x), radius, sigma, angles), x, xp)


@cache
def _zoom_matrix(n: int, factor: float) -> np.ndarray:
    """``n × n`` matrix of the release's ``clipped_zoom`` along one axis.

    The centre ``ceil(n / factor)`` px are zoomed by ``factor`` with ``scipy.ndimage.zoom``
    (order 1) and the centre ``n`` px of the result kept. Linear interpolation is separable, so
    a 2-D zoom is ``Z_H · X · Z_Wᵀ``.
    """
    from scipy import ndimage

    crop = math.ceil(n / factor)
    top = (n - crop) // 2
    zoomed = ndimage.zoom(np.eye(crop), (factor, 1), order=1)
    trim = (zoomed.shape[0] - n) // 2
    matrix = np.zeros((n, n))
    matrix[:, top : top + crop] = zoomed[trim : trim + n]
    return matrix


def _zoom_factors(end: float) -> np.ndarray:
    # np.arange exactly as the release, including its float end point (1.06 is included)
    return np.arange(1, end, 0.01)


def _zoom_blur(x, xp, end, rng):
    height, width = x.shape[-2:]
    factors = _zoom_factors(end)
    out = x
    for factor in factors:
        rows = _on_device(_zoom_matrix(height, float(factor)), x, xp)
        cols_t = _on_device(_zoom_matrix(width, float(factor)).T, x, xp)
        out = out + xp.matmul(xp.matmul(rows, x), cols_t)
    return out / (len(factors) + 1)


# --------------------------------------------------------------------------------------------
# weather
# --------------------------------------------------------------------------------------------


def _plasma_fractal(rng: np.random.Generator, n: int, size: int, decay: float) -> np.ndarray:
    """``n`` diamond-square height maps of side ``size`` (a power of two), each in [0, 1].

    The algorithm of the CIFAR-10-C fog: the corner starts at 0, each square and diamond
    midpoint is the mean of its 4 neighbours (periodic) plus uniform noise in ±wibble², with
    wibble starting at 100 and divided by ``decay`` at each halving of the step.
    """
    height = np.zeros((n, size, size))
    step = size
    wibble = 100.0

    def noisy_mean(total):
        return total / 4 + wibble * rng.uniform(-wibble, wibble, total.shape)

    while step >= 2:
        half = step // 2
        corners = height[:, 0:size:step, 0:size:step]
        square = corners + np.roll(corners, -1, axis=1)
        square = square + np.roll(square, -1, axis=2)
        height[:, half:size:step, half:size:step] = noisy_mean(square)
        centres = height[:, half:size:step, half:size:step]
        corners = height[:, 0:size:step, 0:size:step]
        left = centres + np.roll(centres, 1, axis=1) + corners + np.roll(corners, -1, axis=2)
        height[:, 0:size:step, half:size:step] = noisy_mean(left)
        top = centres + np.roll(centres, 1, axis=2) + corners + np.roll(corners, -1, axis=1)
        height[:, half:size:step, 0:size:step] = noisy_mean(top)
        step //= 2
        wibble /= decay
    height -= height.min(axis=(1, 2), keepdims=True)
    return height / height.max(axis=(1, 2), keepdims=True)


def _fog(x, xp, params, rng):
    strength, decay = params
    n, _, height, width = x.shape
    # the release draws a 32×32 map; larger images get the next power of two
    size = max(32, 1 << (max(height, width) - 1).bit_length())
    plasma = _plasma_fractal(rng, n, size, decay)[:, None, :height, :width]
    peak = xp.max(x, axis=(1, 2, 3), keepdims=True)
    return (x + strength * _on_device(plasma, x, xp)) * peak / (peak + strength)


def _snow(x, xp, params, rng):
    mean, std, zoom, threshold, radius, sigma, blend = params
    images = _host(x)
    n, channels, height, width = images.shape
    layer = rng.normal(mean, std, size=(n, height, width))
    zoom_h, zoom_w = _zoom_matrix(height, zoom), _zoom_matrix(width, zoom)
    layer = zoom_h @ layer @ zoom_w.T
    layer[layer < threshold] = 0
    # the release blurred the layer as an 8-bit greyscale picture with ImageMagick
    levels = _to_levels(layer)[:, None]
    angles = rng.uniform(-135.0, -45.0, size=n)
    layer = np.round(_motion_blur_host(levels, radius, sigma, angles)) / 255.0
    if channels == 3:
        grey = np.tensordot(np.asarray(LUMINANCE_WEIGHTS), images, axes=([0], [1]))[:, None]
    else:
        grey = images
    images = blend * images + (1 - blend) * np.maximum(images, grey * 1.5 + 0.5)
    return _on_device(images + layer + layer[:, :, ::-1, ::-1], x, xp)


def _frost(x, xp, params, rng, frost_images):
    image_weight, frost_weight = params
    n, channels, height, width = x.shape
    crops = np.empty((n, channels, height, width))
    choice = rng.integers(len(frost_images), size=n)
    for k in range(n):
        frost = frost_images[choice[k]]
        top = rng.integers(frost.shape[-2] - height + 1)
        left = rng.integers(frost.shape[-1] - width + 1)
        crops[k] = frost[:, top : top + height, left : left + width]
    return image_weight * x + frost_weight * _on_device(crops, x, xp)


def _check_frost_images(frost_images: Any, channels: int, height: int, width: int) -> list:
    if frost_images is None:
        raise ValueError(
            "frost needs frost_images: the release blends crops of six frost photographs that "
            "are not part of v1pushpull; pass a sequence of float arrays (C, h, w) in [0, 1] "
            f"with h >= {height} and w >= {width} (the release shrank its photos to 20 %)"
        )
    if not isinstance(frost_images, Sequence) or len(frost_images) == 0:
        raise TypeError(
            f"frost_images must be a non-empty sequence of arrays, got {type(frost_images)}"
        )
    checked = []
    for k, frost in enumerate(frost_images):
        frost = _host(frost)
        if frost.ndim == 2:
            frost = frost[None]
        if frost.ndim != 3 or frost.shape[0] not in (1, channels):
            raise ValueError(
                f"frost_images[{k}] must have shape (C, h, w) with C = 1 or {channels}, "
                f"got {frost.shape}"
            )
        if frost.shape[1] < height or frost.shape[2] < width:
            raise ValueError(
                f"frost_images[{k}] of shape {frost.shape} is smaller than the images "
                f"({height}×{width} px)"
            )
        checked.append(np.broadcast_to(frost, (channels, *frost.shape[1:])))
    return checked


def _equalize_hist_opencv(levels: np.ndarray) -> np.ndarray:
    """Histogram equalisation of one 8-bit image with OpenCV's ``equalizeHist`` mapping.

    The lowest occupied level maps to 0 and level ``i`` above it to
    ``round(255 · #{pixels in (lowest, i]} / #{pixels above the lowest level})``.
    """
    histogram = np.bincount(levels.ravel(), minlength=256)
    lowest = int(np.flatnonzero(histogram)[0])
    above = levels.size - histogram[lowest]
    if above == 0:
        return np.full_like(levels, lowest)
    counts = np.cumsum(histogram) - histogram[: lowest + 1].sum()
    table = np.clip(np.round(counts * (255.0 / above)), 0, 255)
    table[: lowest + 1] = 0
    return table[levels]


def _water_drops(levels: np.ndarray) -> np.ndarray:
    """Shading of the release's water drops for one 8-bit liquid layer (H, W), float.

    The release's OpenCV steps with SciPy/scikit-image stand-ins: Canny edges (thresholds
    50/150 on the unsmoothed image; scikit-image uses the L2 gradient norm where OpenCV's
    default is L1), distance to the nearest edge (exact Euclidean for OpenCV's 5×5 mask)
    truncated at 20 px, 3×3 box blur, histogram equalisation, an oblique emboss kernel and a
    second box blur, all with reflect-101 borders.
    """
    from scipy import ndimage
    from skimage.feature import canny

    edges = canny(levels.astype(np.float64), sigma=0, low_threshold=50, high_threshold=150)
    if edges.any():
        distance = np.minimum(ndimage.distance_transform_edt(~edges), 20.0)
    else:
        distance = np.full(levels.shape, 20.0)
    distance = np.floor(ndimage.uniform_filter(distance, 3, mode="mirror"))
    distance = _equalize_hist_opencv(distance.astype(np.uint8))
    emboss = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.float64)
    distance = np.clip(np.round(ndimage.correlate(distance, emboss, mode="mirror")), 0, 255)
    return ndimage.uniform_filter(distance, 3, mode="mirror")


def _spatter(x, xp, params, rng):
    from scipy import ndimage

    mean, std, sigma, threshold, intensity, mud = params
    images = _host(x)
    n, channels, height, width = images.shape
    liquid = rng.normal(mean, std, size=(n, height, width))
    liquid = ndimage.gaussian_filter(liquid, (0, sigma, sigma), mode="nearest")
    liquid[liquid < threshold] = 0
    if mud:
        mask = ndimage.gaussian_filter(
            (liquid > threshold).astype(np.float64), (0, intensity, intensity), mode="nearest"
        )
        mask[mask < 0.8] = 0
        colour = np.array([63.0, 42.0, 20.0]) / 255  # mud brown
    else:
        # uint8 conversion as the release: values above 1 wrap around
        levels = np.mod(np.floor(liquid * 255), 256).astype(np.uint8)
        mask = np.stack([levels[k] * _water_drops(levels[k]) for k in range(n)])
        peak = mask.max(axis=(1, 2), keepdims=True)
        mask = intensity * mask / np.where(peak > 0, peak, 1.0)
        colour = np.array([175.0, 238.0, 238.0]) / 255  # pale turquoise
    if channels == 1:
        colour = np.asarray([np.dot(LUMINANCE_WEIGHTS, colour)])
    colour = colour.reshape(1, channels, 1, 1)
    mask = mask[:, None]
    out = images * (1 - mask) + colour * mask if mud else images + colour * mask
    return _on_device(out, x, xp)


# --------------------------------------------------------------------------------------------
# digital
# --------------------------------------------------------------------------------------------


def _contrast(x, xp, factor, rng):
    mean = xp.mean(x, axis=(-2, -1), keepdims=True)
    return (x - mean) * factor + mean


def _value(xp, x):
    return x if x.shape[1] == 1 else xp.max(x, axis=1, keepdims=True)


def _brightness(x, xp, shift, rng):
    # With hue and saturation fixed, every RGB channel is proportional to V = max(R, G, B), so
    # the release's HSV round trip is a rescaling by V'/V; black (V = 0, S = 0) becomes grey V'.
    value = _value(xp, x)
    new_value = xp.clip(value + shift, 0.0, 1.0)
    safe = xp.where(value > 0, value, xp.ones_like(value))
    return xp.where(value > 0, x * (new_value / safe), new_value + 0.0 * x)


def _saturate(x, xp, params, rng):
    scale, offset = params
    if x.shape[1] == 1:
        return x  # grey images have no saturation to change
    # With hue and value fixed, V − channel is proportional to S, so S → S' rescales it. Grey
    # pixels (S = 0) have hue 0 in skimage's rgb2hsv, i.e. red: (V, V(1 − S'), V(1 − S')).
    value = xp.max(x, axis=1, keepdims=True)
    minimum = xp.min(x, axis=1, keepdims=True)
    chroma = value - minimum
    saturation = chroma / xp.where(value > 0, value, xp.ones_like(value))
    new_saturation = xp.clip(saturation * scale + offset, 0.0, 1.0)
    ratio = new_saturation / xp.where(saturation > 0, saturation, xp.ones_like(saturation))
    coloured = value - (value - x) * ratio
    red_first = _on_device(np.array([0.0, 1.0, 1.0]).reshape(1, 3, 1, 1), x, xp)
    grey = value - value * new_saturation * red_first
    return xp.where(saturation > 0, coloured, grey)


@cache
def _box_resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``n_out × n_in`` matrix of Pillow's BOX resampling (what the release's pixelate used)."""
    from PIL import Image

    matrix = np.empty((n_out, n_in))
    for j in range(n_in):
        row = np.zeros((1, n_in), dtype=np.float32)
        row[0, j] = 1.0
        resized = Image.fromarray(row).resize((n_out, 1), Image.Resampling.BOX)
        matrix[:, j] = np.asarray(resized, dtype=np.float64)[0]
    return matrix


def _pixelate_matrix(n: int, factor: float) -> np.ndarray:
    small = int(n * factor)
    return _box_resize_matrix(small, n) @ _box_resize_matrix(n, small)


def _pixelate(x, xp, factor, rng):
    height, width = x.shape[-2:]
    rows = _on_device(_pixelate_matrix(height, factor), x, xp)
    cols_t = _on_device(_pixelate_matrix(width, factor).T, x, xp)
    return xp.matmul(xp.matmul(rows, x), cols_t)


def _jpeg_compression(x, xp, quality, rng):
    from PIL import Image

    levels = _to_levels(_host(x)).astype(np.uint8)
    out = np.empty(levels.shape)
    for k, image in enumerate(levels):
        picture = (
            Image.fromarray(image[0])
            if image.shape[0] == 1
            else Image.fromarray(image.transpose(1, 2, 0))
        )
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=int(quality))
        decoded = np.asarray(Image.open(buffer), dtype=np.float64)
        out[k] = decoded[None] if decoded.ndim == 2 else decoded.transpose(2, 0, 1)
    return _on_device(out / 255.0, x, xp)


def _elastic_transform(x, xp, params, rng):
    from scipy import ndimage

    alpha, sigma, affine_range = params
    images = _host(x)
    n, channels, height, width = images.shape
    # a random affine map that moves 3 reference points by up to ±affine_range px, applied as
    # OpenCV's warpAffine (inverse mapping, bilinear, reflect-101 borders)
    centre = np.array([height // 2, width // 2], dtype=np.float64)
    half = min(height, width) // 3
    source = np.array([centre + half, [centre[0] + half, centre[1] - half], centre - half])
    moved = source + rng.uniform(-affine_range, affine_range, size=(n, 3, 2))
    # points are (x, y) for OpenCV; solve for M with [x y 1] · Mᵀ = [x' y']
    homogeneous = np.concatenate([source, np.ones((3, 1))], axis=1)
    forward = np.linalg.solve(homogeneous[None], moved).transpose(0, 2, 1)  # (N, 2, 3)
    inverse = np.linalg.inv(forward[:, :, :2])
    # then a smooth random displacement field of amplitude alpha, sampled with reflection
    fields = rng.uniform(-1, 1, size=(2, n, height, width))
    if sigma > 0:
        fields = ndimage.gaussian_filter(fields, (0, 0, sigma, sigma), mode="reflect", truncate=3)
    shift_x, shift_y = alpha * fields[0], alpha * fields[1]
    row, col = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    out = np.empty_like(images)
    chunk = 256
    for start in range(0, n, chunk):
        part = slice(start, min(start + chunk, n))
        m = part.stop - part.start
        # destination (x, y) = (col, row) → source = A⁻¹ (dst − b)
        dst = np.stack([col - forward[part, 0, 2, None, None], row - forward[part, 1, 2, None,
                        None]], axis=1)  # fmt: skip
        src = np.einsum("nij,njhw->nihw", inverse[part], dst)
        grid = np.broadcast_to(np.arange(m)[:, None, None, None], (m, channels, height, width))
        chan = np.broadcast_to(np.arange(channels)[None, :, None, None], grid.shape)
        src_row = np.broadcast_to(src[:, None, 1], grid.shape)
        src_col = np.broadcast_to(src[:, None, 0], grid.shape)
        warped = ndimage.map_coordinates(
            images[part], [grid, chan, src_row, src_col], order=1, mode="mirror"
        )
        rows = np.broadcast_to((row + shift_y[part])[:, None], grid.shape)
        cols = np.broadcast_to((col + shift_x[part])[:, None], grid.shape)
        out[part] = ndimage.map_coordinates(
            warped, [grid, chan, rows, cols], order=1, mode="reflect"
        )
    return _on_device(out, x, xp)


_FUNCTIONS = {
    "gaussian_noise": _gaussian_noise,
    "shot_noise": _shot_noise,
    "impulse_noise": _impulse_noise,
    "speckle_noise": _speckle_noise,
    "defocus_blur": _defocus_blur,
    "glass_blur": _glass_blur,
    "motion_blur": _motion_blur,
    "zoom_blur": _zoom_blur,
    "gaussian_blur": _gaussian_blur,
    "snow": _snow,
    "fog": _fog,
    "spatter": _spatter,
    "brightness": _brightness,
    "contrast": _contrast,
    "elastic_transform": _elastic_transform,
    "pixelate": _pixelate,
    "jpeg_compression": _jpeg_compression,
    "saturate": _saturate,
}


# Smallest image side (px) each corruption is defined for: pixelate shrinks a side to
# int(side·factor) ≥ 1 px (factor ≥ 0.65), elastic_transform places its 3 affine reference
# points side//3 px from the centre, which must not coincide.
_MIN_SIDE = {"pixelate": 2, "elastic_transform": 3}


def _check_severity(severity: Any) -> int:
    if isinstance(severity, bool) or not isinstance(severity, numbers.Integral):
        raise TypeError(f"severity must be an int in 1..5, got {severity!r}")
    if not 1 <= int(severity) <= 5:
        raise ValueError(f"severity must be an int in 1..5, got {severity!r}")
    return int(severity)


def corrupt(
    images: Any,
    corruption: str,
    severity: int,
    *,
    seed: int | np.random.Generator | None = None,
    quantize: bool = True,
    frost_images: Sequence[Any] | None = None,
) -> Any:
    """Apply a CIFAR-10-C corruption [H19] to a batch of images.

    Parameters
    ----------
    images : array
        Float32/float64 batch ``(N, C, H, W)``, C = 3 (RGB) or 1 (grey), values in [0, 1]
        (values outside are clipped first). NumPy, torch (any device), CuPy, ...
    corruption : str
        One of :data:`CORRUPTIONS`: ``gaussian_noise``, ``shot_noise``, ``impulse_noise``,
        ``speckle_noise``, ``defocus_blur``, ``glass_blur``, ``motion_blur``, ``zoom_blur``,
        ``gaussian_blur``, ``snow``, ``frost``, ``fog``, ``spatter``, ``brightness``, ``contrast``,
        ``elastic_transform``, ``pixelate``, ``jpeg_compression``, ``saturate``.
        Parameters per severity: :data:`SEVERITY_PARAMETERS`.
    severity : int
        1 (mild) to 5 (strong).
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Source of randomness (noise, angles, displacement fields, fractals, crops). An int
        gives the same result on every backend; None draws fresh entropy.
    quantize : bool
        If True (default), truncate the result to 8-bit grey levels like the released files:
        ``floor(clip(x, 0, 1) · 255) / 255``. If False, return the clipped float result
        (JPEG output is always on the 8-bit grid).
    frost_images : sequence of arrays, optional
        Only for ``frost``: frost pictures ``(C, h, w)`` in [0, 1], at least as large as the
        images. The release used six photographs shrunk to 20 %; a random one is cropped at a
        random position for each image.

    Returns
    -------
    array
        The corrupted batch: same library, device, dtype and shape as ``images``.

    Raises
    ------
    TypeError
        If ``images`` is not a float array, or ``severity`` or ``seed`` has the wrong type.
    ValueError
        If the batch is not ``(N, 1|3, H, W)``, the corruption is unknown, the severity is
        not in 1..5, ``frost_images`` is missing (frost) or given for another corruption, or
        the images are too small for the corruption (pixelate needs 2 px a side,
        elastic_transform 3 px).

    Notes
    -----
    Departures from the release: motion blur (and the blur inside snow) re-implements
    ImageMagick's kernel — a one-sided line of ``2·ceil(radius)+1`` taps with Gaussian weights
    of σ px, offsets rounded to whole pixels, edge padding — instead of calling ImageMagick;
    elastic transform's affine step interpolates in float instead of OpenCV's 1/32-px fixed
    point; pixelate resamples in float instead of 8-bit; spatter's water drops use
    scikit-image's Canny (L2 gradient norm) and an exact Euclidean distance for OpenCV's.
    Grey (C = 1) images: brightness adds to the grey value (it is HSV's V), saturate leaves
    them unchanged, snow uses the grey value as luminance, spatter the luminance of its colour.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.corruptions import corrupt
    >>> images = np.full((2, 3, 32, 32), 0.5, dtype=np.float32)
    >>> noisy = corrupt(images, "gaussian_noise", 3, seed=0)
    >>> noisy.shape, noisy.dtype
    ((2, 3, 32, 32), dtype('float32'))
    >>> bool(np.all(np.round(noisy * 255) == noisy * 255))  # 8-bit grey levels
    True
    """
    images, xp = _check_batch(images)
    if corruption not in CORRUPTIONS:
        raise ValueError(f"corruption must be one of {CORRUPTIONS}, got {corruption!r}")
    severity = _check_severity(severity)
    if frost_images is not None and corruption != "frost":
        raise ValueError(f"frost_images is only used by 'frost', not by {corruption!r}")
    side = min(images.shape[-2:])
    if side < _MIN_SIDE.get(corruption, 1):
        raise ValueError(
            f"{corruption!r} needs images of at least {_MIN_SIDE[corruption]}×"
            f"{_MIN_SIDE[corruption]} px, got {images.shape[-2]}×{images.shape[-1]} px"
        )
    rng = as_generator(seed)
    params = SEVERITY_PARAMETERS[corruption][severity - 1]
    x = xp.clip(images, 0.0, 1.0)
    if corruption == "frost":
        _, channels, height, width = images.shape
        frost = _check_frost_images(frost_images, channels, height, width)
        out = _frost(x, xp, params, rng, frost)
    else:
        out = _FUNCTIONS[corruption](x, xp, params, rng)
    out = xp.clip(out, 0.0, 1.0)
    if quantize:
        out = xp.floor(out * 255.0 + _LEVEL_TOLERANCE) / 255.0
    return out


# --------------------------------------------------------------------------------------------
# MNIST protocol of [S20]
# --------------------------------------------------------------------------------------------


def additive_gaussian_noise(
    images: Any,
    variance: float,
    *,
    seed: int | np.random.Generator | None = None,
    clip: bool = False,
) -> Any:
    """Add white Gaussian noise of variance σ² to images in [0, 1] (MNIST protocol of [S20]).

    Parameters
    ----------
    images : array
        Float images ``(..., H, W)`` in [0, 1], any backend.
    variance : float
        Noise variance σ² in (grey level)² for grey levels in [0, 1]; [S20] used 0.01–0.5.
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Noise source (drawn on the host, so identical on every backend).
    clip : bool
        If True, clip the result to [0, 1]. Default False, as the authors' code
        (``clip_noise=False``): the noise then has exactly the stated variance, which clipping
        would shrink at σ² ≥ 0.1.

    Returns
    -------
    array
        ``images + N(0, σ²)``, same library, device, dtype and shape.

    Raises
    ------
    TypeError
        If ``images`` is not a float array or ``variance`` not a real number.
    ValueError
        If ``variance`` is negative or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.corruptions import additive_gaussian_noise
    >>> noisy = additive_gaussian_noise(np.full((1, 1, 100, 100), 0.5), 0.1, seed=0)
    >>> round(float(noisy.var()), 2)
    0.1
    """
    images, _ = as_float_images(images, "images")
    if isinstance(variance, bool) or not isinstance(variance, numbers.Real):
        raise TypeError(f"variance must be a real number, got {variance!r}")
    if not math.isfinite(variance) or variance < 0:
        raise ValueError(f"variance must be a finite number >= 0, got {variance!r}")
    return gaussian_noise(images, math.sqrt(variance), seed=seed, clip=clip)


def contrast_poisson(
    images: Any,
    contrast: float,
    *,
    seed: int | np.random.Generator | None = None,
    scale: float | str = "unique",
    clip: bool = False,
) -> Any:
    """Reduce contrast around 0.5, then add Poisson noise (MNIST protocol of [S20]).

    ``y = (x − 0.5) · contrast + 0.5`` followed, per image, by ``Poisson(y · λ) / λ``.

    Parameters
    ----------
    images : array
        Float images ``(N, ...)`` in [0, 1], any backend; each of the N images gets its own
        Poisson scale.
    contrast : float
        Contrast factor C in [0, 1] ([S20] used 0.5 down to 0.2); 1 leaves the contrast.
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Noise source (on the host).
    scale : "unique" or float
        Photon count λ at grey level 1. ``"unique"`` (default) is the rule of
        ``skimage.util.random_noise(mode="poisson")``, which the authors' code used per image:
        λ = 2^ceil(log2(number of distinct values in the image)), e.g. 256 for an 8-bit MNIST
        digit with more than 128 distinct grey levels. A number fixes λ for every image.
    clip : bool
        If True, clip the result to [0, 1]; default False, as the authors' code.

    Returns
    -------
    array
        Same library, device, dtype and shape as ``images`` (computed on the host: NumPy's
        Poisson sampler).

    Raises
    ------
    TypeError
        If ``images`` is not a float array or ``contrast``/``scale`` has the wrong type.
    ValueError
        If ``contrast`` is outside [0, 1] or ``scale`` is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.corruptions import contrast_poisson
    >>> images = np.linspace(0, 1, 256).reshape(1, 1, 16, 16)
    >>> out = contrast_poisson(images, 0.3, seed=0)
    >>> bool(abs(float(out.mean()) - 0.5) < 0.02)  # unbiased around the reduced image
    True
    """
    images, xp = as_float_images(images, "images")
    if isinstance(contrast, bool) or not isinstance(contrast, numbers.Real):
        raise TypeError(f"contrast must be a real number in [0, 1], got {contrast!r}")
    if not 0 <= contrast <= 1:
        raise ValueError(f"contrast must be in [0, 1], got {contrast!r}")
    if isinstance(scale, str):
        if scale != "unique":
            raise ValueError(f"scale must be 'unique' or a positive number, got {scale!r}")
    elif isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be 'unique' or a positive number, got {scale!r}")
    elif not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be 'unique' or a positive number, got {scale!r}")
    rng = as_generator(seed)
    reduced = (_host(images) - 0.5) * float(contrast) + 0.5
    flat = reduced.reshape(reduced.shape[0], -1) if reduced.ndim > 1 else reduced[None]
    out = np.empty_like(flat)
    for k, image in enumerate(flat):
        photons = (
            2.0 ** np.ceil(np.log2(len(np.unique(image)))) if scale == "unique" else float(scale)
        )
        out[k] = rng.poisson(image * photons) / photons
    out = out.reshape(reduced.shape)
    if clip:
        out = np.clip(out, 0.0, 1.0)
    return _on_device(out, images, xp)
