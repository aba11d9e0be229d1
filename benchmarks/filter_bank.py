"""Benchmark: batched FFT filter bank against per-pair SciPy loops.

16 images of 256×256 against a bank of 24 kernels of 31×31, float32, NumPy, on this machine:
``v1pushpull.filter_bank`` versus (a) a loop of ``scipy.signal.fftconvolve`` over every
image × kernel pair and (b) a loop of ``scipy.ndimage.correlate``. All three compute the same
correlation with the same boundary handling (checked below before timing), so the ratios
compare equal work.

Run: ``python benchmarks/filter_bank.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import scipy.ndimage as ndi
import scipy.signal

from v1pushpull import filter_bank, gabor_bank
from v1pushpull.filtering import SCIPY_MODES, pad_images


def best_of(function, repeats: int) -> float:
    """Best wall time of ``repeats`` calls, in seconds (the least disturbed run)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def fftconvolve_loop(images: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    # correlation = convolution with the flipped kernel; the same reflect padding first
    kh, kw = kernels.shape[-2:]
    padded = pad_images(images, ((kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2)))
    flipped = kernels[:, ::-1, ::-1]
    return np.stack(
        [[scipy.signal.fftconvolve(image, k, mode="valid") for k in flipped] for image in padded]
    )


def correlate_loop(images: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    mode = SCIPY_MODES["reflect"]
    return np.stack([[ndi.correlate(image, k, mode=mode) for k in kernels] for image in images])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    images = rng.random((16, 256, 256), dtype=np.float32)
    orientations = np.linspace(0, np.pi, 12, endpoint=False)
    kernels = gabor_bank(8.0, orientations, [0.0, np.pi / 2], size=31, dtype="float32")
    assert kernels.shape == (24, 31, 31)

    ours = filter_bank(images, kernels)
    reference = correlate_loop(images, kernels)
    via_fftconvolve = fftconvolve_loop(images, kernels)
    scale = np.abs(reference).max()
    print(
        f"max |filter_bank − ndimage.correlate| / max|ref| = "
        f"{np.abs(ours - reference).max() / scale:.1e}"
    )
    print(
        f"max |fftconvolve loop − ndimage.correlate| / max|ref| = "
        f"{np.abs(via_fftconvolve - reference).max() / scale:.1e}"
    )

    t_ours = best_of(lambda: filter_bank(images, kernels), args.repeats)
    t_fft = best_of(lambda: fftconvolve_loop(images, kernels), args.repeats)
    t_corr = best_of(lambda: correlate_loop(images, kernels), max(1, args.repeats - 2))

    print(
        f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"numpy {np.__version__}"
    )
    print(f"{'method':<34}{'time (s)':>10}{'ratio to filter_bank':>22}")
    for name, seconds in (
        ("v1pushpull.filter_bank", t_ours),
        ("(a) loop of signal.fftconvolve", t_fft),
        ("(b) loop of ndimage.correlate", t_corr),
    ):
        print(f"{name:<34}{seconds:>10.3f}{seconds / t_ours:>21.1f}x")


if __name__ == "__main__":
    main()
