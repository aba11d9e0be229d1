"""Compiled CPU kernel of the CORF engine's last step (Numba), with NumPy as the fallback.

Per orientation, a CORF cell's log response is a sum of shifted views of its stored log
maps, and the output is ``exp`` of it, or ``[exp(push) − k·exp(pull)]₊`` for a push-pull pair.
NumPy needs one pass over memory per term and keeps the sums in work buffers; this kernel
reads every term once per output row, keeps the row's sums in cache and computes ``exp`` only
where the push-pull difference can be positive. It releases the GIL, so the engine runs it on
the shared thread pool, one share of the orientations per thread. The sums are added in the
same order as the NumPy path (the same bits) and the arithmetic is in the images' dtype; only
``exp`` is LLVM's instead of NumPy's, which the push-pull difference can amplify: outputs agree
to a few eps of the peak.

Numba is imported on first use (the kernel lives in :mod:`._corf_numba`), so that importing
:mod:`v1pushpull` stays fast, and the engine falls back to NumPy when it is missing
(``V1PUSHPULL_NUMBA=0`` forces the fallback).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

__all__ = ["geometric_mean_kernel"]


@functools.cache
def _load() -> Callable[..., None] | None:
    try:
        from ._corf_numba import kernel
    except ImportError:
        return None
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
    return _load()
