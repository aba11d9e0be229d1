"""The Numba kernel of the CORF engine's last step (see :mod:`._corf_kernels`).

Imported only when the engine first needs it: this module imports Numba. The functions are
module-level dispatchers, so that Numba's on-disk cache finds them again in later processes.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

__all__ = ["kernel"]


def _jit(function: Callable) -> Callable:
    """``numba.njit``, nogil, IEEE arithmetic, cached on disk where a cache can be written."""
    try:
        return numba.njit(cache=True, fastmath=False, nogil=True)(function)
    except RuntimeError:  # no writable cache location (a read-only install and home)
        return numba.njit(cache=False, fastmath=False, nogil=True)(function)


@_jit
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


@_jit
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
