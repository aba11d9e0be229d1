"""Image corruptions: the CIFAR-10-C set of [H19] and the MNIST protocol of [S20].

:func:`corrupt` applies one of the CIFAR-10-C corruptions at severity 1–5 to a batch
``(N, C, H, W)`` of images in [0, 1] (C = 3 for colour, 1 for grey), with the CIFAR-specific
constants of the released generator (``make_cifar_c.py`` of Hendrycks & Dietterich; the
ImageNet-C constants of the ``imagecorruptions`` package are different for every corruption).
Results are clipped to [0, 1] and, by default, quantised like the released files (×255,
truncated to an integer grey level, /255).

Bit-exactness
-------------
For 8-bit images (values k/255) every corruption but frost reproduces the generator's uint8
output exactly, given the same random draws: per image, in the image order of the batch,
``corrupt`` makes the generator's calls in its order, with its arguments and its array
layout (``(H, W, C)``, RGB), through the :class:`numpy.random.Generator` methods ``normal``,
``uniform``, ``integers`` (for ``randint``), ``poisson`` and ``random``. A plain Generator
(any int seed) may be asked for several images' draws in one call where NumPy's stream is
the same; a Generator subclass is always called image by image, call by call, so one that
replays recorded draws reproduces the recorded outputs. The steps that the generator did
with OpenCV (defocus filter, elastic affine warp, spatter's water drops, snow's grey image)
call OpenCV (``opencv-python-headless``, the ``opencv`` extra) when it is installed
(:data:`OPENCV`), and otherwise NumPy/SciPy code that reproduces OpenCV 5.0's arithmetic
(bit-exact on the reference data as well, but slower); ``docs/corruptions_note.md`` gives the
status of each corruption.

:func:`additive_gaussian_noise` and :func:`contrast_poisson` are the two test-time corruptions
of the MNIST experiments of [S20].

Backends
--------
NumPy arrays, torch tensors (on any device), CuPy arrays and other Array API arrays go in; the
same kind of array, on the same device and with the same dtype, comes out. The corruptions
are computed on the host in the generator's float64/float32 arithmetic (this is what makes
them bit-exact), so a seed gives the same corruption on every backend; per-image loops
(JPEG, OpenCV steps) and the large gathers run on several threads.

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
import warnings
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np

from ._backend import as_float_images, as_generator, asarray_on, device_of, to_numpy
from ._threads import parallel_map
from .stimuli import gaussian_noise

try:  # OpenCV made several steps of the generator; with it those steps are bit-exact
    import cv2 as _cv2
except ImportError:  # pragma: no cover - depends on the environment
    _cv2 = None

__all__ = [
    "CIFAR10C_COMMON",
    "CIFAR10C_CORRUPTIONS",
    "CIFAR10C_EXTRA",
    "CORRUPTIONS",
    "DEVICE_CORRUPTIONS",
    "HOST_CORRUPTIONS",
    "LUMINANCE_WEIGHTS",
    "OPENCV",
    "SEVERITY_PARAMETERS",
    "additive_gaussian_noise",
    "contrast_poisson",
    "corrupt",
]

#: The 19 CIFAR-10-C corruptions in the order of the release and of the tables of [S20]: the
#: 15 "common" corruptions of [H19] (:data:`CIFAR10C_COMMON`) interleaved with its 4 held-out
#: "extra" ones (:data:`CIFAR10C_EXTRA`: speckle noise, Gaussian blur, spatter, saturate).
CIFAR10C_CORRUPTIONS: tuple[str, ...] = (
    "gaussian_noise",
    "shot_noise",
    "impulse_noise",
    "speckle_noise",
    "defocus_blur",
    "glass_blur",
    "motion_blur",
    "zoom_blur",
    "gaussian_blur",
    "snow",
    "frost",
    "fog",
    "spatter",
    "brightness",
    "contrast",
    "elastic_transform",
    "pixelate",
    "jpeg_compression",
    "saturate",
)
#: The 4 "extra" corruptions of [H19], held out from its 15-corruption benchmark.
CIFAR10C_EXTRA: tuple[str, ...] = ("speckle_noise", "gaussian_blur", "spatter", "saturate")
#: The 15 "common" corruptions of [H19] (noise, blur, weather, digital), in the release order.
CIFAR10C_COMMON: tuple[str, ...] = tuple(
    name for name in CIFAR10C_CORRUPTIONS if name not in CIFAR10C_EXTRA
)

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

#: The 19 CIFAR-10-C corruptions, in the order of [H19] (:data:`CIFAR10C_CORRUPTIONS`).
CORRUPTIONS: tuple[str, ...] = CIFAR10C_CORRUPTIONS
#: Corruptions whose arithmetic runs on the images' device: none since the generator's
#: float64/float32 arithmetic is reproduced exactly on the host (a device would round
#: differently); the results are moved back to the images' device.
DEVICE_CORRUPTIONS: tuple[str, ...] = ()
#: Corruptions computed on the host with NumPy, SciPy, Pillow (and OpenCV where installed).
HOST_CORRUPTIONS: tuple[str, ...] = CORRUPTIONS
#: True when OpenCV is installed, so that defocus blur, elastic transform, spatter (water) and
#: snow use OpenCV's own routines as the generator did.
OPENCV: bool = _cv2 is not None
# corruptions with an OpenCV step (bit-exact with OpenCV; see the note for the other path)
_NEEDS_OPENCV = ("defocus_blur", "snow", "spatter", "elastic_transform")
# corruptions whose release output is 8-bit (a PIL image or ImageMagick's PNG)
_UINT8_RESULTS = ("motion_blur", "pixelate", "jpeg_compression")

#: ITU-R BT.601 luma weights of the R, G, B channels (OpenCV's RGB2GRAY, used by the snow
#: corruption; also the "luminance" colour mode of :func:`v1pushpull.torch.to_torch_layer`).
LUMINANCE_WEIGHTS: tuple[float, float, float] = (0.299, 0.587, 0.114)
# An input value within this many grey levels of k/255 is taken as the 8-bit level k, so that
# float32 images of 8-bit data give the generator's float64 values k/255 exactly.
_GRID_TOLERANCE = 1e-3
# the generator's inputs np.array(x) / 255. and np.array(x, dtype=np.float32) / 255.
_LEVELS64 = np.arange(256, dtype=np.uint8) / 255.0
_LEVELS32 = np.arange(256, dtype=np.uint8).astype(np.float32) / 255.0
# images per block of the vectorised steps (keeps the temporaries in the CPU caches)
_BLOCK = 64
# images per call of a corruption function: a batch is corrupted in consecutive chunks, which
# gives the same result (the draws are per image, in order) with cache-sized temporaries
_CHUNK = 256


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------


def _on_device(values: np.ndarray, like: Any, xp: Any) -> Any:
    """Move a host array to the device and dtype of ``like``."""
    return asarray_on(xp, np.ascontiguousarray(values), device=device_of(like), dtype=like.dtype)


def _host(x: Any) -> np.ndarray:
    return np.array(to_numpy(x), dtype=np.float64)


def _blocks(n: int, block: int = _BLOCK) -> list[slice]:
    return [slice(start, min(start + block, n)) for start in range(0, n, block)]


def _parallel(function: Callable[[slice], None], n: int, block: int = _BLOCK) -> None:
    """Run ``function(block_slice)`` over the image blocks of a batch on the shared pool.

    The functions write into preallocated outputs and release the GIL in NumPy, OpenCV and
    Pillow, so blocks run concurrently.
    """
    parallel_map(function, _blocks(n, block))


class _Batch:
    """A host batch in the generator's layout ``(N, H, W, C)``, RGB, as its three inputs.

    ``u8`` is the 8-bit image the generator receives; ``x64`` is its ``np.array(x) / 255.``
    (float64) and ``f32`` its ``np.array(x, dtype=np.float32) / 255.``. Values that are not
    on the 8-bit grid are kept as they are in ``x64`` and ``f32`` (and truncated in ``u8``).
    """

    def __init__(self, u8: np.ndarray, values: np.ndarray | None = None):
        self.u8 = u8
        self._values = values
        self.n, self.height, self.width, self.channels = u8.shape
        self._x64: np.ndarray | None = None
        self._f32: np.ndarray | None = None

    @classmethod
    def from_float(cls, images_nchw: np.ndarray) -> _Batch:
        x = np.asarray(images_nchw)
        scaled = np.clip(x.transpose(0, 2, 3, 1), 0.0, 1.0) * x.dtype.type(255)
        # nearest level (values ≥ 0), C-contiguous in the (N, H, W, C) layout
        u8 = np.ascontiguousarray((scaled + x.dtype.type(0.5)).astype(np.uint8))
        off = np.abs(scaled - u8) > _GRID_TOLERANCE
        if not off.any():
            return cls(u8)
        u8[off] = np.floor(scaled[off]).astype(np.uint8)
        values = np.clip(x.astype(np.float64), 0.0, 1.0).transpose(0, 2, 3, 1)
        return cls(u8, np.ascontiguousarray(values))

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return self.u8.shape

    @property
    def x64(self) -> np.ndarray:
        if self._x64 is None:
            self._x64 = _LEVELS64[self.u8]  # = u8 / 255.
            if self._values is not None:
                grid = np.abs(self._values * 255.0 - np.rint(self._values * 255.0))
                self._x64 = np.where(grid <= _GRID_TOLERANCE, self._x64, self._values)
        return self._x64

    @property
    def f32(self) -> np.ndarray:
        if self._f32 is None:
            self._f32 = _LEVELS32[self.u8]  # = u8.astype(np.float32) / 255.
            if self._values is not None:
                grid = np.abs(self._values * 255.0 - np.rint(self._values * 255.0))
                self._f32 = np.where(
                    grid <= _GRID_TOLERANCE, self._f32, self._values.astype(np.float32)
                )
        return self._f32

    @property
    def draw_shape(self) -> tuple[int, ...]:
        """Shape of the generator's per-image noise field: ``x.shape`` of its array."""
        h, w, c = self.height, self.width, self.channels
        return (h, w) if c == 1 else (h, w, c)


def _plain(rng: np.random.Generator) -> bool:
    """A plain Generator, whose stream may be drawn for several images in one call."""
    return type(rng) is np.random.Generator


def _per_image(rng: np.random.Generator, n: int, method: str, *args: Any, size: Any) -> np.ndarray:
    """``n`` per-image calls ``rng.method(*args, size=size)``, stacked (one call if plain).

    For ``normal``, ``uniform``, ``random`` and ``integers`` with a small range, NumPy fills an
    array of ``n`` such blocks from the bit stream exactly as ``n`` consecutive calls do
    (checked by the tests).
    """
    if _plain(rng):
        full = (n,) if size is None else (n, *np.atleast_1d(size))
        return np.asarray(getattr(rng, method)(*args, size=full))
    return np.stack([np.asarray(getattr(rng, method)(*args, size=size)) for _ in range(n)])


def _uniform(u: np.ndarray, low: float, high: float) -> np.ndarray:
    """``Generator.uniform(low, high)`` from ``Generator.random()``: low + (high − low)·u."""
    return low + (high - low) * u


def _gaussian(x: np.ndarray, sigma: float, *, mode: str = "nearest", truncate: float = 4.0):
    """``skimage.filters.gaussian`` of each image of a batch ``(N, H, W[, C])`` (spatial axes).

    scikit-image calls ``scipy.ndimage.gaussian_filter`` with σ = 0 on the channel axis; one
    call over the batch with σ = 0 on the batch axis does the same arithmetic per image.
    """
    from scipy import ndimage

    sigmas = (0.0, sigma, sigma) + (0.0,) * (x.ndim - 3)
    return ndimage.gaussian_filter(x, sigmas, mode=mode, truncate=truncate)


def _scale255(x: np.ndarray) -> np.ndarray:
    """``np.clip(x, 0, 1) * 255``, the generator's last step before ``np.uint8``."""
    return np.clip(x, 0, 1) * 255


def _reflect_index(index: np.ndarray, n: int) -> np.ndarray:
    """Half-sample symmetric index (… 1 0 | 0 1 … n−1 | n−1 n−2 …), scipy's "reflect"."""
    period = 2 * n
    index = np.mod(index, period)
    return np.where(index >= n, period - 1 - index, index)


def _bilinear_block(
    flat: np.ndarray, base: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: tuple
) -> np.ndarray:
    """scipy.ndimage's order-1 interpolation at (rows, cols) of each image, float64.

    ``flat`` is ``(N·H·W, C)``, ``base`` the offset ``n·H·W`` of each image, ``rows`` and
    ``cols`` are ``(m, h, w)`` float64 coordinates. The arithmetic is scipy's: weights
    ``w0 = 1 − t``, ``w1 = 1 − w0``, corners summed in the order (y0, x0), (y0, x1),
    (y1, x0), (y1, x1) of ``(value · wy) · wx``, with "reflect" borders.
    """
    height, width = shape
    sy = np.floor(rows)
    wy0 = 1.0 - (rows - sy)
    wy1 = (1.0 - wy0)[..., None]
    wy0 = wy0[..., None]
    sx = np.floor(cols)
    wx0 = 1.0 - (cols - sx)
    wx1 = (1.0 - wx0)[..., None]
    wx0 = wx0[..., None]
    sy = sy.astype(np.intp)
    sx = sx.astype(np.intp)
    r0 = base + _reflect_index(sy, height) * width
    r1 = base + _reflect_index(sy + 1, height) * width
    c0 = _reflect_index(sx, width)
    c1 = _reflect_index(sx + 1, width)
    out = np.multiply(flat[r0 + c0], wy0, dtype=np.float64)
    out *= wx0
    for r, c, wy, wx in ((r0, c1, wy0, wx1), (r1, c0, wy1, wx0), (r1, c1, wy1, wx1)):
        term = np.multiply(flat[r + c], wy, dtype=np.float64)
        term *= wx
        out += term
    return out


@cache
def _zoom_axis(n: int, factor: float) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
    """The release's ``clipped_zoom`` along one axis, as scipy's order-1 zoom computes it.

    Returns the crop start and size, and for the ``n`` kept output samples the index of the
    left input sample (in the crop) and the two weights ``(w0, w1)``; the right neighbour of
    the crop's last sample lies outside (mode "constant", value 0).
    """
    crop = math.ceil(n / factor)
    top = (n - crop) // 2
    zoomed = round(crop * factor)
    ratio = (crop - 1) / (zoomed - 1) if zoomed > 1 else 1.0
    trim = (zoomed - n) // 2
    coordinate = np.arange(trim, trim + n) * ratio
    start = np.floor(coordinate)
    w0 = 1.0 - (coordinate - start)
    w1 = 1.0 - w0
    return top, crop, start.astype(np.intp), w0, w1


def _clipped_zoom(x: np.ndarray, factor: float, out_dtype: Any) -> np.ndarray:
    """The release's ``clipped_zoom`` of ``(H, W, K)`` planes (images × channels), bit for bit.

    scipy's ``zoom(crop, (z, z, 1), order=1)`` in float64, stored as ``out_dtype``; the
    planes last, so that the gathers move contiguous runs.
    """
    height, width, planes = x.shape
    top_y, crop_y, sy, wy0, wy1 = _zoom_axis(height, float(factor))
    top_x, crop_x, sx, wx0, wx1 = _zoom_axis(width, float(factor))
    # the right neighbour beyond the crop has value 0 ("constant" mode) and weight 0
    padded = np.zeros((crop_y + 1, crop_x + 1, planes), dtype=np.float64)
    padded[:crop_y, :crop_x] = x[top_y : top_y + crop_y, top_x : top_x + crop_x]
    wy0, wy1 = wy0[:, None, None], wy1[:, None, None]
    wx0, wx1 = wx0[None, :, None], wx1[None, :, None]
    # (value · wy) · wx per corner, the row factor applied before the column gather
    top = padded[sy]
    top *= wy0
    bottom = padded[sy + 1]
    bottom *= wy1
    out = top[:, sx] * wx0
    out += top[:, sx + 1] * wx1
    out += bottom[:, sx] * wx0
    out += bottom[:, sx + 1] * wx1
    return out.astype(out_dtype)


# --------------------------------------------------------------------------------------------
# noise
# --------------------------------------------------------------------------------------------
# Each function takes the batch, the severity's parameters and the Generator and returns the
# generator's last array, ``np.clip(·, 0, 1) * 255`` (float) or uint8, in (N, H, W, C).


def _gaussian_noise(b: _Batch, sigma, rng):
    noise = _per_image(rng, b.n, "normal", 0.0, sigma, size=b.draw_shape)
    return _scale255(b.x64 + noise.reshape(b.shape))


def _shot_noise(b: _Batch, photons, rng):
    lam = b.x64 * photons
    if _plain(rng):
        counts = rng.poisson(lam)
    else:
        counts = np.stack([rng.poisson(lam[k].reshape(b.draw_shape)) for k in range(b.n)])
    return _scale255(counts.reshape(b.shape) / photons)


def _impulse_noise(b: _Batch, amount, rng):
    # skimage.util.random_noise(mode="s&p", amount, salt_vs_pepper=0.5): two random fields
    if _plain(rng):
        u = rng.random((b.n, 2, *b.draw_shape))
    else:
        u = np.stack([np.stack([rng.random(b.draw_shape) for _ in range(2)]) for _ in range(b.n)])
    u = u.reshape(b.n, 2, *b.shape[1:])
    flipped = u[:, 0] <= amount
    salted = u[:, 1] <= 0.5
    out = b.x64.copy()
    out[flipped & salted] = 1.0
    out[flipped & ~salted] = 0.0
    return _scale255(np.clip(out, 0.0, 1.0))


def _speckle_noise(b: _Batch, sigma, rng):
    noise = _per_image(rng, b.n, "normal", 0.0, sigma, size=b.draw_shape).reshape(b.shape)
    x = b.x64
    return _scale255(x + x * noise)


# --------------------------------------------------------------------------------------------
# blur
# --------------------------------------------------------------------------------------------


def _gaussian_blur(b: _Batch, sigma, rng):
    return _scale255(_gaussian(b.x64, sigma))


@cache
def _defocus_kernel(radius: float, alias_sigma: float, opencv: bool) -> np.ndarray:
    """The release's ``disk``: an aliased disk on the −8…8 grid (float32, unit sum), smoothed
    by OpenCV's 3×3 ``GaussianBlur`` (float32, reflect-101 borders)."""
    grid = np.arange(-8, 8 + 1)
    cols, rows = np.meshgrid(grid, grid)
    disk = np.array((cols**2 + rows**2) <= radius**2, dtype=np.float32)
    disk /= np.sum(disk)
    if opencv:
        return _cv2.GaussianBlur(disk, ksize=(3, 3), sigmaX=alias_sigma)
    from scipy import ndimage

    # OpenCV's 3-tap float32 kernel: exp(−x²/2σ²) normalised in float64, stored as float32
    taps = np.exp(-0.5 * (np.arange(-1.0, 2.0) / alias_sigma) ** 2)
    taps = (taps / taps.sum()).astype(np.float32)
    out = ndimage.correlate1d(disk, taps, axis=1, mode="mirror", output=np.float32)
    return ndimage.correlate1d(out, taps, axis=0, mode="mirror", output=np.float32)


def _defocus_blur(b: _Batch, params, rng):
    kernel = _defocus_kernel(*params, _cv2 is not None)
    x = b.x64
    if _cv2 is None:
        from scipy import ndimage

        # exact correlation; OpenCV's filter2D uses a DFT for this 17×17 kernel
        out = ndimage.correlate(x, kernel.astype(np.float64)[None, :, :, None], mode="mirror")
        return _scale255(out)
    out = np.empty_like(x)
    n, height, width, channels = x.shape
    per_call = max(1, 96 // channels)  # cv2 takes up to ~128 channels; same per channel

    def work(part: slice) -> None:
        block = x[part]
        m = block.shape[0]
        stack = np.ascontiguousarray(block.transpose(1, 2, 0, 3).reshape(height, width, -1))
        result = _cv2.filter2D(stack, -1, kernel)
        out[part] = result.reshape(height, width, m, channels).transpose(2, 0, 1, 3)

    _parallel(work, n, per_call)
    return _scale255(out)


def _glass_blur(b: _Batch, params, rng):
    sigma, delta, iterations = params
    n, height, width, _ = b.shape
    levels = (_gaussian(b.x64, sigma) * 255).astype(np.uint8)
    rows = np.arange(height - delta, delta, -1)
    cols = np.arange(width - delta, delta, -1)
    calls = len(rows) * len(cols)
    # one randint(-delta, delta, size=(2,)) = [dx, dy] per visited pixel, rows then columns
    # from the bottom right, for each iteration, for each image
    if _plain(rng):
        shifts = rng.integers(-delta, delta, size=(n, iterations * calls, 2))
    else:
        shifts = np.stack(
            [
                np.stack(
                    [rng.integers(-delta, delta, size=(2,)) for _ in range(iterations * calls)]
                )
                for _ in range(n)
            ]
        )
    shifts = shifts.reshape(n, iterations, len(rows), len(cols), 2)
    image = np.arange(n)[:, None, None]
    for t in range(iterations):
        dx, dy = shifts[:, t, :, :, 0], shifts[:, t, :, :, 1]
        # The release's tuple "swap" of NumPy views copies pixel (h + dy, w + dx) into (h, w)
        # and leaves the neighbour unchanged. With offsets in {−1, 0} every source is visited
        # after its target (or is the target), so one pass reads only unmodified pixels.
        if delta != 1:  # pragma: no cover - the release uses max_delta = 1 only
            raise NotImplementedError("glass_blur is vectorised for max_delta = 1")
        source = levels[image, rows[None, :, None] + dy, cols[None, None, :] + dx]
        levels[:, rows[:, None], cols[None, :]] = source
    return _scale255(_gaussian(levels / 255.0, sigma))


@cache
def _motion_taps(radius: float, sigma: float) -> np.ndarray:
    """Weights of ImageMagick 6's MotionBlurImage: exp(−i²/2σ²)/(√(2π)σ), i = 0 … 2⌈r⌉, /sum."""
    width = int(2 * math.ceil(radius) + 1)
    kernel = [math.exp(-(i * i) / (2.0 * sigma * sigma)) / (math.sqrt(2 * math.pi) * sigma)
              for i in range(width)]  # fmt: skip
    total = 0.0
    for weight in kernel:
        total += weight
    return np.array([weight / total for weight in kernel])


def _motion_offsets(width: int, angle: float) -> tuple[list[int], list[int]]:
    """ImageMagick's whole-pixel tap offsets (x, y) along ``angle`` degrees."""
    point_x = width * math.sin(math.pi * angle / 180.0)
    point_y = width * math.cos(math.pi * angle / 180.0)
    length = math.hypot(point_x, point_y)
    dx = [math.ceil((i * point_y) / length - 0.5) for i in range(width)]
    dy = [math.ceil((i * point_x) / length - 0.5) for i in range(width)]
    return dx, dy


def _magick_motion_blur(levels: np.ndarray, radius: float, sigma: float, angles) -> np.ndarray:
    """ImageMagick 6 (Q16) ``MotionBlurImage`` of 8-bit images ``(N, H, W, C)``, bit for bit.

    ``out(y, x) = Σ_i w_i · in(y + dy_i, x + dx_i)`` over taps ``i = 0 … 2⌈radius⌉`` with edge
    pixels repeated outside, on 16-bit values (8-bit·257), rounded to 16 bits and written
    back to 8 bits by truncation (value // 257), as the generator's PNG round trip did.
    """
    weights = _motion_taps(radius, sigma)
    taps = len(weights)
    n, height, width, channels = levels.shape
    out = np.empty(levels.shape, dtype=np.uint8)
    flat = levels.reshape(n * height * width, channels)
    offsets = np.array([_motion_offsets(taps, float(angle)) for angle in angles])  # (N, 2, taps)
    row = np.arange(height)[None, :, None]
    col = np.arange(width)[None, None, :]

    def work(part: slice) -> None:
        base = (np.arange(part.start, part.stop) * (height * width))[:, None, None]
        dx, dy = offsets[part, 0], offsets[part, 1]
        total = np.zeros((part.stop - part.start, height, width, channels))
        for i in range(taps):
            index = (base + np.clip(row + dy[:, i, None, None], 0, height - 1) * width
                     + np.clip(col + dx[:, i, None, None], 0, width - 1))  # fmt: skip
            total += weights[i] * (flat[index] * 257.0)
        q16 = np.floor(np.clip(total, 0.0, 65535.0) + 0.5)
        out[part] = q16 // 257

    _parallel(work, n, 32)
    return out


def _motion_blur(b: _Batch, params, rng):
    radius, sigma = params
    angles = _per_image(rng, b.n, "uniform", -45, 45, size=None)
    return _magick_motion_blur(b.u8, radius, sigma, angles)


def _zoom_factors(end: float) -> np.ndarray:
    # np.arange exactly as the release, including its float end point (1.06 is included)
    return np.arange(1, end, 0.01)


def _zoom_blur(b: _Batch, end, rng):
    factors = _zoom_factors(end)
    x = b.x64.astype(np.float32)
    out = np.empty_like(x)
    _, height, width, channels = b.shape

    def work(part: slice) -> None:
        m = part.stop - part.start
        planes = x[part].transpose(1, 2, 0, 3).reshape(height, width, -1)
        total = np.zeros_like(planes)
        for factor in factors:
            total += _clipped_zoom(planes, factor, np.float32)
        blurred = (planes + total) / (len(factors) + 1)
        out[part] = blurred.reshape(height, width, m, channels).transpose(2, 0, 1, 3)

    _parallel(work, b.n, 64)
    return _scale255(out)


# --------------------------------------------------------------------------------------------
# weather
# --------------------------------------------------------------------------------------------


def _plasma_calls(size: int, decay: float) -> list[float]:
    """Wibble of each level of the diamond-square fractal (100, then divided by ``decay``)."""
    wibbles = []
    wibble: float = 100
    step = size
    while step >= 2:
        wibbles.append(wibble)
        step //= 2
        wibble /= decay
    return wibbles


def _plasma_fractal(rng: np.random.Generator, n: int, size: int, decay: float) -> np.ndarray:
    """The release's ``plasma_fractal(mapsize=size, wibbledecay=decay)`` for ``n`` images.

    Per image, per level, 3 calls ``uniform(-wibble, wibble, (k, k))`` (square step, then the
    two diamond steps), with the release's operation order; each map is scaled to [0, 1].
    """
    wibbles = _plasma_calls(size, decay)
    sides = [1 << level for level in range(len(wibbles))]
    if _plain(rng):
        total = sum(3 * side * side for side in sides)
        stream = rng.random((n, total))
        draws, start = [], 0
        for wibble, side in zip(wibbles, sides, strict=True):
            level = []
            for _ in range(3):
                u = stream[:, start : start + side * side].reshape(n, side, side)
                level.append(_uniform(u, -wibble, wibble))
                start += side * side
            draws.append(level)
    else:
        per_image = [
            [
                [rng.uniform(-w, w, (s, s)) for _ in range(3)]
                for w, s in zip(wibbles, sides, strict=True)
            ]
            for _ in range(n)
        ]
        draws = [[np.stack([per_image[k][level][j] for k in range(n)]) for j in range(3)]
                 for level in range(len(wibbles))]  # fmt: skip
    maps = np.empty((n, size, size))
    maps[:, 0, 0] = 0
    step = size
    for wibble, (square, diamond1, diamond2) in zip(wibbles, draws, strict=True):
        half = step // 2
        corner = maps[:, 0:size:step, 0:size:step]
        accum = corner + np.roll(corner, shift=-1, axis=1)
        accum += np.roll(accum, shift=-1, axis=2)
        maps[:, half:size:step, half:size:step] = accum / 4 + wibble * square
        centre = maps[:, half:size:step, half:size:step]
        corner = maps[:, 0:size:step, 0:size:step]
        left = (centre + np.roll(centre, 1, axis=1)) + (corner + np.roll(corner, -1, axis=2))
        maps[:, 0:size:step, half:size:step] = left / 4 + wibble * diamond1
        top = (centre + np.roll(centre, 1, axis=2)) + (corner + np.roll(corner, -1, axis=1))
        maps[:, half:size:step, 0:size:step] = top / 4 + wibble * diamond2
        step //= 2
    maps -= maps.min(axis=(1, 2), keepdims=True)
    return maps / maps.max(axis=(1, 2), keepdims=True)


def _fog(b: _Batch, params, rng):
    strength, decay = params
    n, height, width, _ = b.shape
    # the release draws a 32×32 map; larger images get the next power of two
    size = max(32, 1 << (max(height, width) - 1).bit_length())
    plasma = _plasma_fractal(rng, n, size, decay)[:, :height, :width, None]
    x = b.x64.copy()
    peak = x.max(axis=(1, 2, 3), keepdims=True)
    x += strength * plasma
    return _scale255(x * peak / (peak + strength))


def _grey_f32(x: np.ndarray) -> np.ndarray:
    """OpenCV's float32 RGB2GRAY of ``(N, H, W, 3)``: fma(B, .114, fma(R, .299, G·.587))."""
    if _cv2 is not None:
        n, height, width, _ = x.shape
        return _cv2.cvtColor(x.reshape(n * height, width, 3), _cv2.COLOR_RGB2GRAY).reshape(
            n, height, width
        )
    # float32 fused multiply-adds, each exact in float64 and rounded once to float32
    r, g, b = (x[..., k].astype(np.float64) for k in range(3))
    cr, cg, cb = (np.float64(np.float32(w)) for w in LUMINANCE_WEIGHTS)
    inner = (r * cr + (g * cg).astype(np.float32)).astype(np.float32)
    return (b * cb + inner).astype(np.float32)


# The snow and water-drop steps below are shared with the CIFAR-10-P sequences
# (v1pushpull.perturbations), whose generator repeats them with other parameters.


def _snow_levels(layers: np.ndarray, zoom: float, threshold: float) -> np.ndarray:
    """The release's 8-bit snow layer ``(N, H, W, 1)`` from its normal draws ``(N, H, W)``.

    ``clipped_zoom`` by ``zoom``, values below ``threshold`` set to 0, then
    ``(np.clip(layer, 0, 1) * 255).astype(np.uint8)`` (the PNG given to ImageMagick).
    """
    layer = _clipped_zoom(layers.transpose(1, 2, 0), zoom, np.float64).transpose(2, 0, 1)[..., None]
    layer[layer < threshold] = 0
    return (np.clip(layer, 0, 1) * 255).astype(np.uint8)


def _snow_whiten(x: np.ndarray, blend: float) -> np.ndarray:
    """The release's ``blend·x + (1 − blend)·max(x, 1.5·grey + 0.5)`` of ``(N, H, W, C)``.

    ``grey`` is OpenCV's float32 RGB2GRAY of ``np.float32(x)`` (``x`` itself for C = 1); the
    arithmetic is that of ``x``'s dtype (float32 in CIFAR-10-C, float64 in CIFAR-10-P).
    """
    grey = _grey_f32(x.astype(np.float32, copy=False))[..., None] if x.shape[-1] == 3 else x
    return blend * x + (1 - blend) * np.maximum(x, grey * 1.5 + 0.5)


def _snow(b: _Batch, params, rng):
    mean, std, zoom, threshold, radius, sigma, blend = params
    n, height, width, _ = b.shape
    layers = np.empty((n, height, width))
    angles = np.empty(n)
    for k in range(n):  # per image: the snow layer, then the motion-blur angle
        layers[k] = rng.normal(mean, std, size=(height, width))
        angles[k] = rng.uniform(-135, -45)
    blurred = _magick_motion_blur(_snow_levels(layers, zoom, threshold), radius, sigma, angles)
    blurred = blurred / 255.0
    x = _snow_whiten(b.f32, blend)
    return _scale255(x + blurred + blurred[:, ::-1, ::-1])


def _frost(b: _Batch, params, rng, frost_images: list[np.ndarray]):
    image_weight, frost_weight = params
    n, height, width, _ = b.shape
    crops = np.empty(b.shape)
    for k in range(n):  # the release: randint(5) photo, randint(0, h − 32), randint(0, w − 32)
        frost = frost_images[int(rng.integers(len(frost_images)))]
        top = int(rng.integers(0, frost.shape[0] - height)) if frost.shape[0] > height else 0
        left = int(rng.integers(0, frost.shape[1] - width)) if frost.shape[1] > width else 0
        crops[k] = frost[top : top + height, left : left + width]
    return np.clip(image_weight * b.u8 + frost_weight * crops, 0, 255)


def _water_drops_opencv(liquid: np.ndarray) -> np.ndarray:
    """The release's OpenCV shading of the water drops of one 8-bit liquid layer, float32."""
    cv2 = _cv2
    dist = 255 - cv2.Canny(liquid, 50, 150)
    dist = cv2.distanceTransform(dist, cv2.DIST_L2, 5)
    _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
    dist = cv2.blur(dist, (3, 3)).astype(np.uint8)
    dist = cv2.equalizeHist(dist)
    dist = cv2.filter2D(dist, cv2.CV_8U, _EMBOSS)
    return cv2.blur(dist, (3, 3)).astype(np.float32)


_EMBOSS = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])


def _equalize_hist_opencv(levels: np.ndarray) -> np.ndarray:
    """OpenCV's ``equalizeHist`` of each 8-bit image of ``(N, H, W)`` (or of one ``(H, W)``).

    The lowest occupied level maps to 0 and level ``i`` above it to
    ``cvRound(#{pixels in (lowest, i]} · (255.f / #{pixels above the lowest level}))`` in
    float32; an image of one level is unchanged.
    """
    single = levels.ndim == 2
    images = levels[None] if single else levels
    n = images.shape[0]
    flat = images.reshape(n, -1)
    rows = np.arange(n)
    histogram = np.zeros((n, 256), dtype=np.int64)
    np.add.at(histogram, (rows[:, None], flat), 1)
    lowest = np.argmax(histogram > 0, axis=1)
    above = flat.shape[1] - histogram[rows, lowest]
    cumulative = np.cumsum(histogram, axis=1)
    counts = cumulative - cumulative[rows, lowest][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.float32(255) / above.astype(np.float32)
        table = np.clip(np.rint(counts.astype(np.float32) * scale[:, None]), 0, 255)
    table[np.arange(256)[None, :] <= lowest[:, None]] = 0
    table[above == 0] = np.arange(256)  # one level: unchanged
    out = np.take_along_axis(table, flat.astype(np.intp), axis=1).astype(levels.dtype)
    out = out.reshape(images.shape)
    return out[0] if single else out


def _canny_opencv_numpy(levels: np.ndarray, low: int, high: int) -> np.ndarray:
    """OpenCV's ``Canny(levels, low, high)`` (3×3 Sobel, L1 norm) of ``(N, H, W)`` uint8.

    Sobel with replicated borders, magnitude |dx| + |dy|, OpenCV's integer non-maximum
    suppression (tan 22.5° in 15-bit fixed point, a zero border of magnitudes), thresholds
    ``m > low`` and ``m > high``, 8-connected hysteresis. Returns the edge mask.
    """
    from scipy import ndimage

    p = np.pad(levels.astype(np.int64), ((0, 0), (1, 1), (1, 1)), mode="edge")
    dx = (p[:, :-2, 2:] - p[:, :-2, :-2]) + 2 * (p[:, 1:-1, 2:] - p[:, 1:-1, :-2])
    dx += p[:, 2:, 2:] - p[:, 2:, :-2]
    dy = (p[:, 2:, :-2] - p[:, :-2, :-2]) + 2 * (p[:, 2:, 1:-1] - p[:, :-2, 1:-1])
    dy += p[:, 2:, 2:] - p[:, :-2, 2:]
    magnitude = np.pad(np.abs(dx) + np.abs(dy), ((0, 0), (1, 1), (1, 1)))
    m = magnitude[:, 1:-1, 1:-1]
    tg22 = int(0.4142135623730950488016887242097 * (1 << 15) + 0.5)
    xs, ys = np.abs(dx), np.abs(dy) << 15
    tg22x = xs * tg22
    horizontal = ys < tg22x
    vertical = ~horizontal & (ys > tg22x + (xs << 16))
    diagonal = np.where(
        (dx ^ dy) >= 0,
        (m > magnitude[:, :-2, :-2]) & (m > magnitude[:, 2:, 2:]),
        (m > magnitude[:, :-2, 2:]) & (m > magnitude[:, 2:, :-2]),
    )
    across = (m > magnitude[:, :-2, 1:-1]) & (m >= magnitude[:, 2:, 1:-1])
    along = (m > magnitude[:, 1:-1, :-2]) & (m >= magnitude[:, 1:-1, 2:])
    weak = (m > low) & np.where(horizontal, along, np.where(vertical, across, diagonal))
    edges = weak & (m > high)
    neighbours = np.ones((1, 3, 3), dtype=bool)
    while True:
        grown = (ndimage.binary_dilation(edges, neighbours) & weak) | edges
        if np.array_equal(grown, edges):
            return edges
        edges = grown


def _distance_opencv_numpy(zero: np.ndarray) -> np.ndarray:
    """OpenCV's ``distanceTransform(·, DIST_L2, 5)``: float32 distance to the ``zero`` pixels.

    The 5×5 chamfer mask (1, 1.4, 2.1969) in float32 with OpenCV's forward and backward
    raster scans, vectorised over the images of ``(N, H, W)``.
    """
    hv, diag, far = np.float32(1), np.float32(1.4), np.float32(2.1969)
    n, height, width = zero.shape
    t = np.full((n, height + 4, width + 4), np.finfo(np.float32).max / 4, dtype=np.float32)
    w = width
    for i in range(height):
        r = i + 2
        above = np.minimum.reduce(
            [t[:, r - 2, 1 : w + 1] + far, t[:, r - 2, 3 : w + 3] + far,
             t[:, r - 1, 0:w] + far, t[:, r - 1, 1 : w + 1] + diag, t[:, r - 1, 2 : w + 2] + hv,
             t[:, r - 1, 3 : w + 3] + diag, t[:, r - 1, 4 : w + 4] + far]
        )  # fmt: skip
        row = t[:, r]
        for j in range(w):
            row[:, j + 2] = np.where(zero[:, i, j], 0, np.minimum(above[:, j], row[:, j + 1] + hv))
    for i in range(height - 1, -1, -1):
        r = i + 2
        below = np.minimum.reduce(
            [t[:, r, 2 : w + 2], t[:, r + 2, 3 : w + 3] + far, t[:, r + 2, 1 : w + 1] + far,
             t[:, r + 1, 4 : w + 4] + far, t[:, r + 1, 3 : w + 3] + diag,
             t[:, r + 1, 2 : w + 2] + hv, t[:, r + 1, 1 : w + 1] + diag, t[:, r + 1, 0:w] + far]
        )  # fmt: skip
        row = t[:, r]
        for j in range(w - 1, -1, -1):
            row[:, j + 2] = np.minimum(below[:, j], row[:, j + 3] + hv)
    return t[:, 2 : height + 2, 2 : w + 2].copy()


def _box3(x: np.ndarray) -> np.ndarray:
    """Sums over 3×3 windows with reflect-101 borders (OpenCV's ``blur`` before scaling)."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="reflect")
    rows = padded[:, :, :-2] + padded[:, :, 1:-1] + padded[:, :, 2:]
    return rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]


def _water_drops_numpy(levels: np.ndarray) -> np.ndarray:
    """:func:`_water_drops_opencv` of ``(N, H, W)`` layers in NumPy, in OpenCV's arithmetic.

    Canny (L1, 50/150), the 5×5-mask distance to the edges truncated at 20, 3×3 box blur
    (float64 sums · 1/9, stored float32, truncated to uint8), histogram equalisation, the
    emboss kernel (saturated), 3×3 box blur of the 8-bit result (rounded).
    """
    height, width = levels.shape[1:]
    edges = _canny_opencv_numpy(levels, 50, 150)
    distance = np.minimum(_distance_opencv_numpy(edges), np.float32(20))
    distance = (_box3(distance.astype(np.float64)) * (1.0 / 9)).astype(np.float32)
    distance = _equalize_hist_opencv(distance.astype(np.uint8))
    padded = np.pad(distance.astype(np.int64), ((0, 0), (1, 1), (1, 1)), mode="reflect")
    emboss = sum(
        int(_EMBOSS[a, c]) * padded[:, a : a + height, c : c + width]
        for a in range(3)
        for c in range(3)
        if _EMBOSS[a, c]
    )
    return np.rint(_box3(np.clip(emboss, 0, 255)) / 9.0).astype(np.float32)


def _spatter(b: _Batch, params, rng):
    mean, std, sigma, threshold, intensity, mud = params
    n, height, width, channels = b.shape
    liquid = _per_image(rng, n, "normal", mean, std, size=(height, width))
    liquid = _gaussian(liquid, sigma)
    liquid[liquid < threshold] = 0
    x = b.f32
    if mud:
        mask = _gaussian(np.where(liquid > threshold, 1, 0).astype(np.float32), intensity)
        mask[mask < 0.8] = 0
        colour = np.array([63 / 255.0, 42 / 255.0, 20 / 255.0], dtype=np.float32)
        if channels == 1:
            colour = np.array([np.dot(LUMINANCE_WEIGHTS, colour)], dtype=np.float32)
        mud_layer = colour * mask[..., None]
        return _scale255(x * (1 - mask[..., None]) + mud_layer)
    return _scale255(_add_water(x, liquid, intensity))


def _add_water(x: np.ndarray, liquid: np.ndarray, intensity: float) -> np.ndarray:
    """The release's water drops on float32 images ``x`` ``(N, H, W, C)``, float32.

    ``liquid`` is the thresholded liquid layer ``(N, H, W)`` (float64); its uint8 conversion
    (values above 1 wrap around), the OpenCV shading of the drops (OpenCV's own routines or
    their NumPy emulation), the mask normalised to its peak times ``intensity``, and the pale
    turquoise water added. Shared with the CIFAR-10-P spatter sequence.
    """
    n, height, width = liquid.shape
    with warnings.catch_warnings():  # values above 1 wrap around, as in the release
        warnings.simplefilter("ignore", RuntimeWarning)
        levels = (liquid * 255).astype(np.uint8)
    drops = np.empty((n, height, width), dtype=np.float32)

    def work(part: slice) -> None:
        if _cv2 is None:
            drops[part] = _water_drops_numpy(levels[part])
            return
        for k in range(part.start, part.stop):
            drops[k] = _water_drops_opencv(levels[k])

    _parallel(work, n, 256 if _cv2 is None else _BLOCK)
    # the release multiplies its uint8 liquid layer by the float32 shading: float32 from here
    mask = levels * drops
    peak = mask.max(axis=(1, 2), keepdims=True)
    # an image without drops (peak 0) gets none; the release's 0/0 would make it NaN there
    peak[peak == 0] = 1
    mask = (mask / peak) * np.float32(intensity)
    colour = np.array([175 / 255.0, 238 / 255.0, 238 / 255.0], dtype=np.float32)
    if x.shape[-1] == 1:
        colour = np.array([np.dot(LUMINANCE_WEIGHTS, colour)], dtype=np.float32)
    return x + mask[..., None] * colour


# --------------------------------------------------------------------------------------------
# digital
# --------------------------------------------------------------------------------------------


def _contrast(b: _Batch, factor, rng):
    x = b.x64
    # per image and channel; NumPy sums each image in the same order as the release's
    # np.mean(x, axis=(0, 1)) of one image (checked by the reference tests)
    means = np.mean(x, axis=(1, 2), keepdims=True)
    return _scale255((x - means) * factor + means)


def _rgb2hsv(r: np.ndarray, g: np.ndarray, b: np.ndarray):
    """``skimage.color.rgb2hsv`` on channel planes, with its arithmetic (float64)."""
    v = np.maximum(np.maximum(r, g), b)
    delta = v - np.minimum(np.minimum(r, g), b)
    grey = delta == 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(grey, 0.0, delta / v)
        # skimage assigns red-is-max, then green-is-max, then blue-is-max: the last one wins
        h = np.where(r == v, (g - b) / delta, 0.0)
        h = np.where(g == v, 2.0 + (b - r) / delta, h)
        h = np.where(b == v, 4.0 + (r - g) / delta, h)
        h = (h / 6.0) % 1.0
    h[grey] = 0.0
    s[np.isnan(s)] = 0.0
    return h, s, v


def _hsv2rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray, out: np.ndarray) -> None:
    """``skimage.color.hsv2rgb`` into ``out[..., 0:3]``, with its arithmetic (float64)."""
    h6 = h * 6
    hi = np.floor(h6)
    f = h6 - hi
    p = v * (1 - s)
    q = v * (1 - f * s)
    t = v * (1 - (1 - f) * s)
    sector = hi.astype(np.uint8) % 6
    choices = ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))
    for channel in range(3):
        out[..., channel] = np.choose(sector, [choice[channel] for choice in choices])


def _hsv_change(b: _Batch, channel: int, change: Callable[[np.ndarray], np.ndarray]):
    x = b.x64
    if b.channels == 1:  # a grey image has hue 0, saturation 0 and value = the grey level
        if channel == 1:
            return _scale255(x)
        return _scale255(change(x))
    out = np.empty_like(x)

    def work(part: slice) -> None:
        block = x[part]
        hsv = list(_rgb2hsv(block[..., 0], block[..., 1], block[..., 2]))
        hsv[channel] = change(hsv[channel])
        _hsv2rgb(*hsv, out[part])

    _parallel(work, b.n, 128)
    return _scale255(out)


def _brightness(b: _Batch, shift, rng):
    return _hsv_change(b, 2, lambda v: np.clip(v + shift, 0, 1))


def _saturate(b: _Batch, params, rng):
    scale, offset = params
    return _hsv_change(b, 1, lambda s: np.clip(s * scale + offset, 0, 1))


@cache
def _pillow_box(n_in: int, n_out: int) -> tuple[np.ndarray, int]:
    """Pillow's 8-bit BOX resampling from ``n_in`` to ``n_out`` px: int32 coefficients.

    Pillow's ``precompute_coeffs`` (box filter, support 0.5·scale) in float64, normalised
    per output pixel, then fixed point with 22 fractional bits (``normalize_coeffs_8bpc``).
    """
    precision = 22
    scale = float(np.float32(n_in)) / n_out
    filter_scale = max(scale, 1.0)
    support = 0.5 * filter_scale
    matrix = np.zeros((n_out, n_in), dtype=np.int64)
    for xx in range(n_out):
        centre = (xx + 0.5) * scale
        low = max(int(centre - support + 0.5), 0)
        high = min(int(centre + support + 0.5), n_in)
        weights = []
        reciprocal = 1.0 / filter_scale
        for x in range(high - low):
            position = (x + low - centre + 0.5) * reciprocal
            weights.append(1.0 if -0.5 < position <= 0.5 else 0.0)
        total = sum(weights)
        for x, weight in enumerate(weights):
            weight = weight / total if total != 0.0 else weight
            matrix[xx, low + x] = int(0.5 + weight * (1 << precision))
    return matrix, precision


def _pillow_resample(levels: np.ndarray, axis: int, n_out: int) -> np.ndarray:
    """One 8-bit BOX pass of Pillow along ``axis`` (1: rows, 2: columns) of (N, H, W, C)."""
    matrix, precision = _pillow_box(levels.shape[axis], n_out)
    # integer sums below 2^31, exact in float64 (BLAS) like Pillow's int32 accumulator
    moved = np.moveaxis(levels, axis, -1).astype(np.float64)
    total = (moved @ matrix.T.astype(np.float64)).astype(np.int64) + (1 << (precision - 1))
    return np.moveaxis(np.clip(total >> precision, 0, 255), -1, axis).astype(np.uint8)


@cache
def _mosaic_is_exact(n_in: int, n_out: int, count: int) -> bool:
    """Whether Pillow's BOX coefficients for ``count`` tiles side by side are the tiles' own.

    Then one Pillow resize of a mosaic gives every tile exactly its own resize.
    """
    whole, _ = _pillow_box(n_in * count, n_out * count)
    tile, _ = _pillow_box(n_in, n_out)
    return bool(np.array_equal(whole, np.kron(np.eye(count, dtype=np.int64), tile)))


_MOSAIC_SIDE = 16  # tiles per mosaic row and column


def _pixelate(b: _Batch, factor, rng):
    from PIL import Image

    n, height, width, channels = b.shape
    small_h, small_w = int(height * factor), int(width * factor)
    side = _MOSAIC_SIDE
    exact = all(
        _mosaic_is_exact(*sizes, side)
        for sizes in ((width, small_w), (height, small_h), (small_w, width), (small_h, height))
    )
    if not exact:  # NumPy path: Pillow's two 8-bit passes (horizontal, then vertical), twice
        small = _pillow_resample(_pillow_resample(b.u8, 2, small_w), 1, small_h)
        return _pillow_resample(_pillow_resample(small, 2, width), 1, height)
    out = np.empty(b.shape, dtype=np.uint8)
    levels = b.u8

    def work(part: slice) -> None:
        # up to side × side images as one picture: one Pillow call per block
        block = levels[part]
        m = block.shape[0]
        tiles = np.zeros((side * side, height, width, channels), dtype=np.uint8)
        tiles[:m] = block
        mosaic = tiles.reshape(side, side, height, width, channels).transpose(0, 2, 1, 3, 4)
        mosaic = mosaic.reshape(side * height, side * width, channels)
        picture = Image.fromarray(mosaic[..., 0] if channels == 1 else mosaic)
        picture = picture.resize((side * small_w, side * small_h), Image.Resampling.BOX)
        picture = picture.resize((side * width, side * height), Image.Resampling.BOX)
        result = np.asarray(picture).reshape(side, height, side, width, channels)
        out[part] = result.transpose(0, 2, 1, 3, 4).reshape(side * side, height, width, channels)[
            :m
        ]

    _parallel(work, n, side * side)
    return out


def _jpeg_compression(b: _Batch, quality, rng):
    from PIL import Image

    out = np.empty(b.shape, dtype=np.uint8)
    levels = b.u8

    mode = "L" if b.channels == 1 else "RGB"
    size = (b.width, b.height)

    def work(part: slice) -> None:
        # the release's save / open round trip; Image.frombuffer and a JPEG-only open skip
        # Pillow's conversions and format probing (same encoder, decoder and settings)
        for k in range(part.start, part.stop):
            buffer = io.BytesIO()
            picture = Image.frombuffer(mode, size, levels[k], "raw", mode, 0, 1)
            picture.save(buffer, format="JPEG", quality=int(quality))
            with Image.open(buffer, formats=("JPEG",)) as decoded:
                decoded.load()
                out[k] = np.frombuffer(decoded.tobytes(), np.uint8).reshape(out.shape[1:])

    _parallel(work, b.n)
    return out


def _affine_opencv(images: np.ndarray, source: np.ndarray, moved: np.ndarray) -> np.ndarray:
    out = np.empty_like(images)
    n, height, width, channels = images.shape

    def work(part: slice) -> None:
        for k in range(part.start, part.stop):
            matrix = _cv2.getAffineTransform(source, moved[k])
            warped = _cv2.warpAffine(
                images[k], matrix, (width, height), borderMode=_cv2.BORDER_REFLECT_101
            )
            out[k] = warped.reshape(height, width, channels)

    _parallel(work, n)
    return out


def _affine_transforms(source: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """``cv2.getAffineTransform(source, moved[k])`` for each k: ``(N, 2, 3)`` float64.

    OpenCV solves the 6×6 system of the three point pairs by its own LU decomposition
    (partial pivoting, row updates ``a += α·b``, back substitution dividing by the pivot).
    The matrix depends on ``source`` only, so its elimination is shared by all images.
    """
    n = len(moved)
    a = np.zeros((6, 6))
    b = np.zeros((n, 6))
    for i in range(3):
        a[2 * i, 0:3] = a[2 * i + 1, 3:6] = (float(source[i, 0]), float(source[i, 1]), 1.0)
        b[:, 2 * i] = moved[:, i, 0]
        b[:, 2 * i + 1] = moved[:, i, 1]
    for i in range(6):
        k = i
        for j in range(i + 1, 6):
            if abs(a[j, i]) > abs(a[k, i]):
                k = j
        if k != i:
            a[[i, k]] = a[[k, i]]
            b[:, [i, k]] = b[:, [k, i]]
        d = -1.0 / a[i, i]
        for j in range(i + 1, 6):
            alpha = a[j, i] * d
            for c in range(i + 1, 6):
                a[j, c] += alpha * a[i, c]
            b[:, j] += alpha * b[:, i]
    for i in range(5, -1, -1):
        total = b[:, i].copy()
        for k in range(i + 1, 6):
            total -= a[i, k] * b[:, k]
        b[:, i] = total / a[i, i]
    return b.reshape(n, 2, 3)


def _fma32(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """float32 fused multiply-add: the product of two float32 is exact in float64."""
    return (a.astype(np.float64) * b + c).astype(np.float32)


def _affine_numpy(images: np.ndarray, source: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """OpenCV 5's ``warpAffine`` (bilinear, reflect-101) of float32 ``(N, H, W, C)`` in NumPy.

    The forward map is inverted in float64 and used in float32: source x =
    fma(m₀, x, m₁·y + m₂), likewise y; the four neighbours (reflect-101 indices) are blended
    by two float32 lerps along x, then one along y, each ``fma(t, b − a, a)``. (A float32
    fma is emulated in float64, which could round differently once in ~10⁸.)
    """
    n, height, width, channels = images.shape
    m = _affine_transforms(source, moved).reshape(n, 6)
    det = m[:, 0] * m[:, 4] - m[:, 1] * m[:, 3]
    det = np.where(det != 0, 1.0 / np.where(det != 0, det, 1.0), 0.0)
    inverse = m.copy()
    inverse[:, 0], inverse[:, 4] = m[:, 4] * det, m[:, 0] * det
    inverse[:, 1] = m[:, 1] * -det
    inverse[:, 3] = m[:, 3] * -det
    inverse[:, 2] = -inverse[:, 0] * m[:, 2] - inverse[:, 1] * m[:, 5]
    inverse[:, 5] = -inverse[:, 3] * m[:, 2] - inverse[:, 4] * m[:, 5]
    c = inverse.astype(np.float32)[:, :, None, None]
    x = np.arange(width, dtype=np.float32)[None, None, :]
    y = np.arange(height, dtype=np.float32)[None, :, None]
    source_x = _fma32(c[:, 0], x, (c[:, 1] * y + c[:, 2]).astype(np.float32))
    source_y = _fma32(c[:, 3], x, (c[:, 4] * y + c[:, 5]).astype(np.float32))
    x0, y0 = np.floor(source_x), np.floor(source_y)
    tx = (source_x - x0)[..., None]
    ty = (source_y - y0)[..., None]
    x0, y0 = x0.astype(np.intp), y0.astype(np.intp)

    def reflect101(index: np.ndarray, size: int) -> np.ndarray:
        period = 2 * size - 2
        index = np.abs(np.mod(index, period)) if period else np.zeros_like(index)
        return np.where(index >= size, period - index, index)

    base = (np.arange(n) * (height * width))[:, None, None]
    flat = images.reshape(-1, channels)
    rows0, rows1 = reflect101(y0, height) * width, reflect101(y0 + 1, height) * width
    cols0, cols1 = reflect101(x0, width), reflect101(x0 + 1, width)
    p00, p01 = flat[base + rows0 + cols0], flat[base + rows0 + cols1]
    p10, p11 = flat[base + rows1 + cols0], flat[base + rows1 + cols1]
    top = _fma32(tx, p01 - p00, p00)
    bottom = _fma32(tx, p11 - p10, p10)
    return _fma32(ty, bottom - top, top)


def _elastic_transform(b: _Batch, params, rng):
    alpha, sigma, affine = params
    n, height, width, channels = b.shape
    size = (height, width)
    # per image: the affine jitter (3, 2), then the dx and dy fields (H, W)
    if _plain(rng):
        u = rng.random((n, 6 + 2 * height * width))
        jitter = _uniform(u[:, :6], -affine, affine).reshape(n, 3, 2)
        fields = _uniform(u[:, 6:], -1, 1).reshape(n, 2, height, width)
    else:
        jitter = np.empty((n, 3, 2))
        fields = np.empty((n, 2, height, width))
        for k in range(n):
            jitter[k] = rng.uniform(-affine, affine, size=(3, 2))
            fields[k, 0] = rng.uniform(-1, 1, size=size)
            fields[k, 1] = rng.uniform(-1, 1, size=size)
    centre = np.float32(size) // 2
    half = min(size) // 3
    source = np.float32([centre + half, [centre[0] + half, centre[1] - half], centre - half])
    moved = source + jitter.astype(np.float32)
    warp = _affine_opencv if _cv2 is not None else _affine_numpy
    image = warp(b.f32, source, moved)
    dx = (_gaussian(fields[:, 0], sigma, mode="reflect", truncate=3) * alpha).astype(np.float32)
    dy = (_gaussian(fields[:, 1], sigma, mode="reflect", truncate=3) * alpha).astype(np.float32)
    out = np.empty(b.shape, dtype=np.float32)
    flat = image.reshape(-1, channels)
    row = np.arange(height)[:, None]
    col = np.arange(width)[None, :]

    def work(part: slice) -> None:
        base = (np.arange(part.start, part.stop) * (height * width))[:, None, None]
        rows = row + dy[part].astype(np.float64)
        cols = col + dx[part].astype(np.float64)
        out[part] = _bilinear_block(flat, base, rows, cols, size)

    _parallel(work, n, 32)
    return _scale255(out)


_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
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


def _check_frost_images(frost_images: Any, channels: int, height: int, width: int) -> list:
    """Frost pictures as host ``(h, w, C)`` arrays of grey levels 0–255 (float64)."""
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
        levels = np.round(np.clip(frost, 0.0, 1.0) * 255.0).transpose(1, 2, 0)
        checked.append(np.broadcast_to(levels, (*levels.shape[:2], channels)))
    return checked


def _corrupt_batch(
    batch: _Batch,
    corruption: str,
    severity: int,
    rng: np.random.Generator,
    frost: list[np.ndarray] | None = None,
) -> np.ndarray:
    """The generator's last array ``clip(·)·255`` (float, or uint8) for a host batch."""
    params = SEVERITY_PARAMETERS[corruption][severity - 1]
    if corruption == "frost":
        return _frost(batch, params, rng, frost)
    return _FUNCTIONS[corruption](batch, params, rng)


def corrupt_uint8(
    images: np.ndarray,
    corruption: str,
    severity: int,
    *,
    seed: int | np.random.Generator | None = None,
    frost_images: Sequence[Any] | None = None,
) -> np.ndarray:
    """Corrupt 8-bit images in the release's layout: uint8 ``(N, H, W, C)`` in, uint8 out.

    The same corruption as :func:`corrupt` (same draws for the same seed), without the
    conversions to and from float ``(N, C, H, W)``: what the released generator returns,
    ``np.uint8`` of its result, for each image. Used by :func:`v1pushpull.cifar10c.make_cifar10c`.

    Parameters
    ----------
    images : numpy.ndarray
        uint8 ``(N, H, W, C)``, C = 3 (RGB) or 1.
    corruption, severity, seed, frost_images
        As for :func:`corrupt`.

    Returns
    -------
    numpy.ndarray
        uint8 ``(N, H, W, C)``.

    Raises
    ------
    TypeError, ValueError
        As for :func:`corrupt`, and if ``images`` is not a uint8 array ``(N, H, W, 1 | 3)``.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.corruptions import corrupt_uint8
    >>> images = np.full((2, 32, 32, 3), 128, dtype=np.uint8)
    >>> corrupt_uint8(images, "contrast", 5).dtype
    dtype('uint8')
    """
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        raise TypeError(f"images must be a uint8 NumPy array (N, H, W, C), got {images!r:.80}")
    if images.ndim != 4 or images.shape[3] not in (1, 3) or images.size == 0:
        raise ValueError(f"images must have shape (N, H, W, C) with C = 1 or 3, got {images.shape}")
    severity = _check_arguments(corruption, severity, frost_images, images.shape[1:3])
    frost = None
    if corruption == "frost":
        frost = _check_frost_images(frost_images, images.shape[3], *images.shape[1:3])
    rng = as_generator(seed)
    out = np.empty(images.shape, dtype=np.uint8)
    for part in _blocks(len(images), _CHUNK):
        batch = _Batch(np.ascontiguousarray(images[part]))
        out[part] = _corrupt_batch(batch, corruption, severity, rng, frost)  # truncates
    return out


def _check_arguments(corruption: Any, severity: Any, frost_images: Any, size: Sequence[int]):
    if corruption not in CORRUPTIONS:
        raise ValueError(f"corruption must be one of {CORRUPTIONS}, got {corruption!r}")
    severity = _check_severity(severity)
    if frost_images is not None and corruption != "frost":
        raise ValueError(f"frost_images is only used by 'frost', not by {corruption!r}")
    if min(size) < _MIN_SIDE.get(corruption, 1):
        raise ValueError(
            f"{corruption!r} needs images of at least {_MIN_SIDE[corruption]}×"
            f"{_MIN_SIDE[corruption]} px, got {size[0]}×{size[1]} px"
        )
    return severity


def corrupt(
    images: Any,
    corruption: str,
    severity: int,
    *,
    seed: int | np.random.Generator | None = None,
    quantize: bool = True,
    frost_images: Sequence[Any] | None = None,
) -> Any:
    """Apply a CIFAR-10-C corruption [H19] to a batch of images, as the released generator.

    Parameters
    ----------
    images : array
        Float32/float64 batch ``(N, C, H, W)``, C = 3 (RGB) or 1 (grey), values in [0, 1]
        (values outside are clipped first). NumPy, torch (any device), CuPy, ... Values
        within 10⁻³ grey level of a multiple of 1/255 are taken as that 8-bit level, as the
        generator's uint8 input.
    corruption : str
        One of :data:`CORRUPTIONS`: ``gaussian_noise``, ``shot_noise``, ``impulse_noise``,
        ``speckle_noise``, ``defocus_blur``, ``glass_blur``, ``motion_blur``, ``zoom_blur``,
        ``gaussian_blur``, ``snow``, ``frost``, ``fog``, ``spatter``, ``brightness``, ``contrast``,
        ``elastic_transform``, ``pixelate``, ``jpeg_compression``, ``saturate``.
        Parameters per severity: :data:`SEVERITY_PARAMETERS`.
    severity : int
        1 (mild) to 5 (strong).
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Source of randomness. The images' draws are taken from it one image after another,
        each image's in the generator's order and layout, so an int gives the same result on
        every backend, and a batch gives what its images give one by one from one Generator.
        A Generator subclass is called exactly as the generator called ``np.random`` (see the
        module docstring); None draws fresh entropy.
    quantize : bool
        If True (default), truncate the result to 8-bit grey levels like the released files:
        ``np.uint8(clip(x, 0, 1) · 255) / 255``. If False, return the clipped float result
        (JPEG, pixelate and motion blur are 8-bit in the release and always are here).
    frost_images : sequence of arrays, optional
        Only for ``frost``: frost pictures ``(C, h, w)`` in [0, 1], larger than the images.
        The release used its photographs shrunk to 20 % (:func:`v1pushpull.cifar10c.
        load_frost_images`); per image a random one is cropped at a random position.

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
    Bit-exact with the generator for every corruption but frost (no reference data) on
    8-bit images, with or without OpenCV (:data:`OPENCV`). Grey (C = 1) images: brightness
    adds to the grey value (it is HSV's V), saturate leaves them unchanged, snow uses the
    grey value as luminance, spatter the luminance of its colour; an image without water
    drops (possible on small images) is left as it is where the release would produce NaN.

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
    severity = _check_arguments(corruption, severity, frost_images, tuple(images.shape[-2:]))
    rng = as_generator(seed)
    frost = None
    if corruption == "frost":
        _, channels, height, width = images.shape
        frost = _check_frost_images(frost_images, channels, height, width)
    host = to_numpy(images)
    single = host.dtype == np.float32 and (quantize or corruption in _UINT8_RESULTS)
    out = np.empty(host.shape, dtype=np.float32 if single else np.float64)
    for part in _blocks(len(host), _CHUNK):
        values = _corrupt_batch(_Batch.from_float(host[part]), corruption, severity, rng, frost)
        if quantize or values.dtype == np.uint8:
            levels = values if values.dtype == np.uint8 else values.astype(np.uint8)
            table = _LEVELS32 if single else _LEVELS64
            out[part] = table[levels.transpose(0, 3, 1, 2)]
        else:
            out[part] = np.clip(values.astype(np.float64) / 255.0, 0.0, 1.0).transpose(0, 3, 1, 2)
    return _on_device(out, images, xp)


def _check_batch(images: Any, name: str = "images") -> tuple[Any, Any]:
    images, xp = as_float_images(images, name, min_ndim=4)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"{name} must be a batch (N, C, H, W) with C = 1 (grey) or 3 (RGB), "
            f"got shape {tuple(images.shape)}"
        )
    return images, xp


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
