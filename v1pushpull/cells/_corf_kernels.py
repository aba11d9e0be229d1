"""Compiled CPU kernel of the CORF engine's last step (Numba), with NumPy as the fallback.

Per orientation, a CORF cell's log response is a sum of shifted views of its stored log
maps, and the output is ``exp`` of it, or ``[exp(push) − k·exp(pull)]₊`` for a push-pull pair.
NumPy needs one pass over memory per term and keeps the sums in work buffers; this kernel
reads every term once per output row, keeps the row's sums in cache and computes ``exp`` only
where the push-pull difference can be positive. It releases the GIL, so the engine runs it on
the shared thread pool, one share of the orientations per thread. The sums are added in the
same order as the NumPy path (the same bits); ``exp`` is LLVM's (within an ulp of NumPy's).

Numba is imported on first use, so that importing :mod:`v1pushpull` stays fast, and the
engine falls back to NumPy when it is missing (``V1PUSHPULL_NUMBA=0`` forces the fallback).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

__all__ = ["geometric_mean_kernel"]


@functools.cache
def _compile() -> Callable[..., None] | None:
    try:
        import numba
    except ImportError:
        return None
    try:
        return _define(numba, cache=True)
    except RuntimeError:  # no writable cache location (read-only install and home)
        return _define(numba, cache=False)


def _define(numba, cache: bool) -> Callable[..., None]:
    import numpy as np

    @numba.njit(cache=cache, fastmath=False, nogil=True)
    def row_sum(storage, image, offsets, first, total):
        # total[c] = Σ_j storage[image, offsets[j] + first + c], added in the order of j;
        # slices, so that the loops over c carry no index checks and vectorise
        width = total.size
        row = storage[image]
        a = offsets[0] + first
        u = row[a : a + width]
        if offsets.size > 1:
            b = offsets[1] + first
            v = row[b : b + width]
            for c in range(width):
                total[c] = u[c] + v[c]
        else:
            for c in range(width):
                total[c] = u[c]
        for j in range(2, offsets.size):
            o = offsets[j] + first
            v = row[o : o + width]
            for c in range(width):
                total[c] += v[c]

    @numba.njit(cache=cache, fastmath=False, nogil=True)
    def kernel(storage, push, pull, out, stride, strength, threshold, start, stop):
        # storage (count, total): every map of every image; push/pull (n, terms): flat offsets
        # of output pixel (0, 0) per orientation and subunit; out (count, n, H, W): written
        # at orientations start … stop − 1
        count, _, height, width = out.shape
        p = np.empty(width, dtype=storage.dtype)
        q = np.empty(width, dtype=storage.dtype)
        for image in range(count):
            for i in range(start, stop):
                for row in range(height):
                    row_sum(storage, image, push[i], row * stride, p)
                    target = out[image, i, row]
                    if pull.shape[1] == 0:
                        for c in range(width):
                            target[c] = np.exp(p[c])
                        continue
                    row_sum(storage, image, pull[i], row * stride, q)
                    for c in range(width):
                        # NaN (both −inf: silent cells) is not a candidate
                        if p[c] - q[c] > threshold:
                            value = np.exp(p[c]) - strength * np.exp(q[c])
                            target[c] = value if value > 0.0 else 0.0
                        else:
                            target[c] = 0.0

    return kernel


def geometric_mean_kernel() -> Callable[..., None] | None:
    """The compiled kernel, or None when Numba is missing or ``V1PUSHPULL_NUMBA=0``.

    ``kernel(storage, push, pull, out, stride, strength, threshold, start, stop)``:
    ``storage`` (count, total) holds every log map of every image, ``push`` and ``pull``
    (n, terms) the flat offsets of output pixel (0, 0) per orientation and subunit (``pull``
    with no column for a single cell), ``out`` (count, n, H, W) receives the responses at
    orientations ``start`` … ``stop − 1``; a push-pull pixel is computed where
    ``push − pull > threshold``.

    Examples
    --------
    >>> from v1pushpull.cells._corf_kernels import geometric_mean_kernel
    >>> kernel = geometric_mean_kernel()
    >>> kernel is None or callable(kernel)
    True
    """
    if os.environ.get("V1PUSHPULL_NUMBA", "").strip() == "0":
        return None
    return _compile()
