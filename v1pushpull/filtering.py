"""Batched correlation of image stacks with filter banks, through the FFT of the array backend.

Filtering in v1pushpull is *correlation* (the kernel is not flipped) with a "same"-size output
and an explicit padding mode. The kernel origin is at ``(h // 2, w // 2)``, as in
:func:`scipy.ndimage.correlate`, also for even sizes.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Literal

import numpy as np
import scipy.fft

from ._backend import (
    as_float_images,
    asarray_on,
    check_all_finite,
    check_same_backend,
    device_of,
    is_numpy,
)

__all__ = ["PADDING_MODES", "SCIPY_MODES", "filter_bank", "pad_images"]

Padding = Literal["reflect", "symmetric", "constant", "wrap"]
PADDING_MODES: tuple[str, ...] = ("reflect", "symmetric", "constant", "wrap")

#: The :mod:`scipy.ndimage` name of each padding mode. The names follow NumPy's ``np.pad``:
#: ``"reflect"`` mirrors about the edge pixel without repeating it (``d c b | a b c d | c b a``,
#: SciPy's ``"mirror"``); ``"symmetric"`` repeats the edge pixel (``c b a | a b c d | d c b``,
#: SciPy's ``"reflect"``); ``"wrap"`` is periodic (SciPy's ``"grid-wrap"``); ``"constant"``
#: pads with zeros.
SCIPY_MODES: dict[str, str] = {
    "reflect": "mirror",
    "symmetric": "reflect",
    "constant": "constant",
    "wrap": "grid-wrap",
}


def _source_indices(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Indices into an axis of length ``n`` that realise ``mode`` padding (not constant)."""
    positions = np.arange(-before, n + after)
    if mode == "wrap":
        return np.mod(positions, n)
    if mode == "symmetric":
        period = 2 * n
        folded = np.mod(positions, period)
        return np.where(folded < n, folded, period - 1 - folded)
    # reflect: mirror about the edge pixels, period 2(n - 1); a single pixel repeats itself
    if n == 1:
        return np.zeros_like(positions)
    period = 2 * (n - 1)
    folded = np.mod(positions, period)
    return np.where(folded < n, folded, period - folded)


def _pad_axis(xp: ModuleType, x: Any, axis: int, before: int, after: int, mode: str) -> Any:
    if before == 0 and after == 0:
        return x
    n = x.shape[axis]
    if mode == "constant":
        parts = []
        for width in (before, after):
            shape = list(x.shape)
            shape[axis] = width
            parts.append(xp.zeros(tuple(shape), dtype=x.dtype, device=device_of(x)))
        return xp.concat([parts[0], x, parts[1]], axis=axis)
    indices = asarray_on(
        xp, _source_indices(n, before, after, mode), device=device_of(x), dtype=xp.int64
    )
    return xp.take(x, indices, axis=axis)


def pad_images(
    images: Any,
    pad_width: tuple[tuple[int, int], tuple[int, int]],
    mode: Padding = "reflect",
) -> Any:
    """Pad the last two axes of an image batch, on any array backend.

    The Array API standard has no ``pad``; this builds padding from ``take`` and ``concat``, and
    supports pads wider than the image (the pattern repeats, as in :func:`numpy.pad`).

    Parameters
    ----------
    images : array, shape (..., H, W)
        Real floating images.
    pad_width : ((top, bottom), (left, right))
        Number of pixels to add on each side, each ≥ 0.
    mode : {"reflect", "symmetric", "constant", "wrap"}, optional
        See :data:`SCIPY_MODES`; default ``"reflect"``.

    Returns
    -------
    array, shape (..., H + top + bottom, W + left + right)

    Raises
    ------
    TypeError
        If ``pad_width`` is not two pairs of integers.
    ValueError
        If ``mode`` is unknown or a width is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.filtering import pad_images
    >>> row = np.array([[1.0, 2.0, 3.0]])
    >>> pad_images(row, ((0, 0), (2, 2)), "reflect")
    array([[3., 2., 1., 2., 3., 2., 1.]])
    """
    images, xp = as_float_images(images, check_finite=False)
    if mode not in PADDING_MODES:
        raise ValueError(f"mode must be one of {PADDING_MODES}, got {mode!r}")
    try:
        (top, bottom), (left, right) = pad_width
    except (TypeError, ValueError):
        raise TypeError(
            f"pad_width must be ((top, bottom), (left, right)) in px, got {pad_width!r}"
        ) from None
    widths = (top, bottom, left, right)
    if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) for n in widths):
        raise TypeError(f"pad_width must hold integers (px), got {pad_width!r}")
    if min(widths) < 0:
        raise ValueError(f"pad_width must be non-negative, got {pad_width!r}")
    return _pad(xp, images, pad_width, mode)


def _pad(xp: ModuleType, images: Any, pad_width: tuple[tuple[int, int], ...], mode: str) -> Any:
    """:func:`pad_images` for arguments the caller has validated."""
    (top, bottom), (left, right) = pad_width
    if is_numpy(xp):
        # NumPy's own pad: the same values (NumPy's mode names are this module's), 2× faster
        widths = [(0, 0)] * (images.ndim - 2) + [(int(top), int(bottom)), (int(left), int(right))]
        return np.pad(images, widths, mode=mode)
    padded = _pad_axis(xp, images, -2, int(top), int(bottom), mode)
    return _pad_axis(xp, padded, -1, int(left), int(right), mode)


# Spectra processed per inverse FFT call on the CPU. One 288 × 145 complex64 spectrum is
# 0.33 MB: a few of them stay in the cache, whereas one call over the whole batch streams
# hundreds of MB through memory and was measured 1.8× slower (benchmarks/filter_bank.py).
_CPU_CHUNK_BYTES = 4 * 2**20


def _correlate_numpy(padded: Any, spectra: Any, shape: tuple[int, int], out_hw: tuple[int, int]):
    """FFT correlation on NumPy with SciPy's pocketfft, in cache-sized chunks; ``spectra`` are
    the kernels' conjugated spectra, (K, shape[0], shape[1] // 2 + 1)."""
    height, width = out_hw
    batch = padded.shape[:-2]
    flat = np.reshape(padded, (-1, *padded.shape[-2:]))
    image_spectra = scipy.fft.rfftn(flat, s=shape, axes=(-2, -1), workers=-1)
    count, kernels = flat.shape[0], spectra.shape[0]
    out = np.empty((count, kernels, height, width), dtype=padded.dtype)
    chunk = max(1, _CPU_CHUNK_BYTES // spectra[0].nbytes)  # spectra per inverse FFT call
    if kernels <= chunk:
        # few kernels: several images per call (one call per image was mostly call overhead
        # for small images; each transform is computed alike, so the bits are the same)
        group = chunk // kernels
        for start in range(0, count, group):
            product = image_spectra[start : start + group, None] * spectra[None]
            full = scipy.fft.irfftn(product, s=shape, axes=(-2, -1), workers=-1)
            out[start : start + group] = full[..., :height, :width]
    else:
        for index, spectrum in enumerate(image_spectra):
            for start in range(0, kernels, chunk):
                product = spectrum * spectra[start : start + chunk]
                full = scipy.fft.irfftn(product, s=shape, axes=(-2, -1), workers=-1)
                out[index, start : start + chunk] = full[..., :height, :width]
    return np.reshape(out, (*batch, kernels, height, width))


def _correlate_xp(xp: ModuleType, padded: Any, spectra: Any, shape: tuple[int, int], out_hw):
    """FFT correlation with the backend's own FFT, in one batched call (GPU friendly)."""
    height, width = out_hw
    image_spectra = xp.expand_dims(xp.fft.rfftn(padded, s=shape, axes=(-2, -1)), axis=-3)
    full = xp.fft.irfftn(image_spectra * spectra, s=shape, axes=(-2, -1))
    return xp.astype(full[..., :height, :width], padded.dtype, copy=False)


def filter_bank(
    images: Any,
    kernels: Any,
    padding: Padding = "reflect",
    *,
    check_finite: bool = True,
) -> Any:
    """Correlate a batch of images with a bank of kernels, via the FFT.

    ``out[..., k, i, j] = Σ_ab kernels[k, a, b] · padded[..., i + a − h//2, j + b − w//2]``:
    the same as :func:`scipy.ndimage.correlate` with the mode in :data:`SCIPY_MODES`, for every
    image and kernel, in one batched FFT.

    Parameters
    ----------
    images : array, shape (..., H, W)
        Real floating images (float32 or float64) of any supported backend.
    kernels : array, shape (K, h, w) or (h, w)
        Kernel bank of the same array library and device. It is cast to the images' dtype.
        Kernels may be larger than the images.
    padding : {"reflect", "symmetric", "constant", "wrap"}, optional
        How the images are extended beyond their borders (default ``"reflect"``, mirror without
        repeating the edge pixel); see :data:`SCIPY_MODES`.
    check_finite : bool, optional
        Reject images with NaN or inf (default True).

    Returns
    -------
    array, shape (..., K, H, W) or (..., H, W) for a single 2-D kernel
        Responses, same library, device and dtype as ``images``.

    Raises
    ------
    TypeError
        If ``images`` or ``kernels`` are not real floating arrays, or come from different
        array libraries.
    ValueError
        If ``images`` has fewer than 2 dimensions, ``kernels`` is not 2-D or 3-D, they are on
        different devices, the padding mode is unknown, or the images contain NaN or inf.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull import filter_bank, gabor_bank
    >>> images = np.random.default_rng(0).random((4, 64, 64))
    >>> bank = gabor_bank(8.0, np.linspace(0, np.pi, 6, endpoint=False))
    >>> filter_bank(images, bank).shape
    (4, 6, 64, 64)
    """
    images, xp = as_float_images(images, check_finite=False)
    kernels, _ = as_float_images(kernels, "kernels", check_finite=False)
    check_same_backend(images, kernels, ("images", "kernels"))
    if check_finite:
        check_all_finite(images, xp, "images")
    check_all_finite(kernels, xp, "kernels")
    if kernels.ndim not in (2, 3):
        raise ValueError(
            f"kernels must have shape (K, h, w) or (h, w), got shape {tuple(kernels.shape)}"
        )
    if padding not in PADDING_MODES:
        raise ValueError(f"padding must be one of {PADDING_MODES}, got {padding!r}")
    single = kernels.ndim == 2
    if single:
        kernels = kernels[None, ...]
    responses = _filter_bank(xp, images, xp.astype(kernels, images.dtype), padding)
    return responses[..., 0, :, :] if single else responses


def _filter_bank(xp: ModuleType, images: Any, kernels: Any, padding: str) -> Any:
    """:func:`filter_bank` for validated arguments: ``kernels`` of shape (K, h, w), finite and
    of the images' dtype, on their device. Returns shape (..., K, H, W)."""

    def spectra(shape: tuple[int, int]) -> Any:
        if is_numpy(xp):
            return np.conj(scipy.fft.rfftn(kernels, s=shape, axes=(-2, -1), workers=-1))
        return xp.conj(xp.fft.rfftn(kernels, s=shape, axes=(-2, -1)))

    return _correlate(xp, images, tuple(int(n) for n in kernels.shape[-2:]), padding, spectra)


def _correlate_separable(
    xp: ModuleType, images: Any, terms: list[tuple[np.ndarray, np.ndarray]], padding: str
) -> Any:
    """Correlate validated images (..., H, W) with one kernel given as a sum of separable
    terms ``Σ outer(rows, cols)`` (1-D float64 host arrays, origin at ``len // 2`` as in
    :func:`filter_bank`). The result is :func:`filter_bank`'s with that kernel, to rounding;
    its spectrum is the sum of outer products of 1-D FFTs, not a 2-D FFT of the kernel."""

    def spectra(shape: tuple[int, int]) -> Any:
        spectrum = sum(
            np.outer(scipy.fft.fft(rows, n=shape[0]), scipy.fft.rfft(cols, n=shape[1]))
            for rows, cols in terms
        )
        complex_dtype = np.complex64 if images.dtype == xp.float32 else np.complex128
        spectrum = np.conj(spectrum)[None, ...].astype(complex_dtype)
        if is_numpy(xp):
            return spectrum
        return asarray_on(xp, spectrum, device=device_of(images))

    kernel_shape = (int(terms[0][0].size), int(terms[0][1].size))
    return _correlate(xp, images, kernel_shape, padding, spectra)[..., 0, :, :]


def _correlate(xp: ModuleType, images: Any, kernel_shape: tuple[int, int], padding: str, spectra):
    """Pad, then correlate by the FFT with ``spectra(fft_shape)``, the conjugated spectra of
    K kernels of ``kernel_shape``. Returns shape (..., K, H, W)."""
    height, width = images.shape[-2:]
    kh, kw = kernel_shape
    padded = _pad(xp, images, ((kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2)), padding)
    # Circular correlation over at least the padded size has no wrap-around in the first
    # H × W outputs; a 5-smooth FFT size is much faster than an arbitrary one.
    shape = (
        scipy.fft.next_fast_len(height + kh - 1, real=True),
        scipy.fft.next_fast_len(width + kw - 1, real=True),
    )
    if is_numpy(xp):
        return _correlate_numpy(padded, spectra(shape), shape, (height, width))
    return _correlate_xp(xp, padded, spectra(shape), shape, (height, width))
