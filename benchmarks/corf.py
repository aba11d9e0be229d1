"""Push-pull CORF: v1pushpull against a direct port of the released code's structure.

Workload: one 256×256 image (``skimage.data.camera`` resized), 16 orientations (22.5°
steps), push-pull CORF with the defaults of [A14] (σ = 2.2, β = 4, k = 1.8), NumPy, float64
(and float32 for v1pushpull), in both conventions.

The direct port follows the released MATLAB code's structure (``getSimpleCellResponse``):

1. ``computeBlurredResponse``: the image padded symmetrically by ``params.radius``, its DoG
   by a full-size FFT (``fftshift(ifft2(fft2(G) .* fft2(img)))``), both rectified maps, then
   one blurred map per unique (δ, σ, ρ rounded to 3 decimals) over push and pull — a 2-D
   convolution with the (2r+1)² Gaussian filled with zeros (``conv2(..., 'same')``) — raised
   to its weight ``exp(−ρ²/(2σ̂²))`` and kept in a table;
2. ``getResponse`` per orientation and cell: every subunit's map shifted by ``imshift`` (a new
   zero-filled array, ``fix()`` shifts) and multiplied into the product, raised to
   ``1/Σw`` and cropped; then ``[push − k·pull]₊``.

For the corrected convention the port keeps this structure with the corrected choices
(reflect padding as wide as needed, a finite DoG correlation, the LGN floor, rounded shifts,
ρ as configured). Each port computes the same function as the library in its convention; the
script prints the largest difference.

Times: "interleaved" is the best of N rounds in which every implementation runs once per
round, so each call follows another one (cold caches and freshly mapped memory, as in a
program that does other work between calls): this is the column the targets are checked
on. "back-to-back" is the best of N consecutive calls of one implementation (warm). The
library uses the cores of the process (``V1PUSHPULL_NUM_THREADS`` caps them; ``taskset -c 0``
measures one core).

Peak memory is measured with :mod:`tracemalloc` (NumPy buffers; SciPy's FFT work buffers are
not seen) and reported in image-sized buffers beyond the output array, against the target
"number of unique blurred maps + 6".

Run: ``python benchmarks/corf.py`` (add ``--repeats N``; default 11: the interleaved minimum
needs them on a noisy machine).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
import tracemalloc

import numpy as np
import scipy.ndimage as ndi
import skimage.data
import skimage.transform

from v1pushpull._threads import thread_count
from v1pushpull.cells import CORFCell, PushPullCell
from v1pushpull.cells.corf import _FLOOR_EPS, _gaussian_taps
from v1pushpull.kernels import dog_kernel


def fspecial_gaussian(shape: tuple[int, int], sigma: float) -> np.ndarray:
    """MATLAB/Octave ``fspecial('gaussian', shape, sigma)`` (Octave: no eps zeroing)."""
    rows = np.arange(shape[0]) - (shape[0] - 1) / 2.0
    cols = np.arange(shape[1]) - (shape[1] - 1) / 2.0
    values = np.exp(-(rows[:, None] ** 2 + cols[None, :] ** 2) / (2.0 * sigma**2))
    return values / values.sum()


def imshift(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """The released ``imshift``: ``out(i, j) = image(i − rows, j − cols)``, zeros elsewhere."""
    out = np.zeros_like(image)
    height, width = image.shape
    out[max(rows, 0) : height + min(rows, 0), max(cols, 0) : width + min(cols, 0)] = image[
        max(-rows, 0) : height + min(-rows, 0), max(-cols, 0) : width + min(-cols, 0)
    ]
    return out


def direct_port(image: np.ndarray, orientations: np.ndarray, cell: PushPullCell) -> np.ndarray:
    """Push-pull CORF with the released code's structure (see the module notes)."""
    height, width = image.shape
    push, pull = cell.push, cell.pull
    released = push.convention == "released"
    shifts = [c._shifts(orientations) for c in (push, pull)]
    if released:
        pad = push.model_radius
        padded = np.pad(image, pad, mode="symmetric")
        kernel = fspecial_gaussian(padded.shape, push.sigma) - fspecial_gaussian(
            padded.shape, 0.5 * push.sigma
        )
        off = np.fft.fftshift(np.real(np.fft.ifft2(np.fft.fft2(kernel) * np.fft.fft2(padded))))
        lgn = {"off": off * (off > 0), "on": -off * (-off > 0)}
    else:
        # as far as the largest shift + blur radius + DoG radius, as the library
        pad = max(
            int(max(np.abs(dx).max(), np.abs(dy).max()))
            + max(c.blur_radius(r) for r in c.subunit_set.rhos)
            for c, (dx, dy) in zip((push, pull), shifts, strict=True)
        ) + int(3.0 * push.sigma + 0.5)
        padded = np.pad(image, pad, mode="reflect")
        floor = _FLOOR_EPS * np.finfo(image.dtype).eps * np.abs(image).max()
        linear = ndi.correlate(padded, dog_kernel(push.sigma), mode="mirror")
        lgn = {
            "on": np.where(linear > floor, linear, 0),
            "off": np.where(-linear > floor, -linear, 0),
        }
    # computeBlurredResponse: one blurred, weighted map per unique (δ, σ, ρ)
    weight_sigma = pull.subunit_set.weight_sigma  # released: shared; corrected: the push's
    table: dict[tuple[str, float, float], np.ndarray] = {}
    cells = []
    for c, (dx, dy) in zip((push, pull), shifts, strict=True):
        keys, weights = [], []
        for unit, rho in zip(c.subunit_set, c._applied_rhos(), strict=True):
            key = (unit.polarity, unit.sigma, float(rho))
            weight = float(np.exp(-(rho**2) / (2.0 * weight_sigma**2)))
            if key not in table:
                taps = np.array(_gaussian_taps(c.blur_radius(float(rho))))
                blurred = ndi.convolve(lgn[unit.polarity], np.outer(taps, taps), mode="constant")
                table[key] = blurred**weight
            keys.append(key)
            weights.append(weight)
        cells.append((keys, sum(weights), dx, dy))
    # getResponse per orientation and cell
    out = np.empty((orientations.size, height, width), dtype=image.dtype)
    for i in range(orientations.size):
        responses = []
        for keys, total, dx, dy in cells:
            product = np.ones_like(padded)
            for j, key in enumerate(keys):
                product *= imshift(table[key], -int(dy[i, j]), -int(dx[i, j]))
            product **= 1.0 / total
            responses.append(product[pad : pad + height, pad : pad + width])
        net = responses[0] - cell.inhibition_strength * responses[1]
        out[i] = net * (net > 0)
    return out


def peak_memory(function) -> tuple[int, np.ndarray]:
    """The tracemalloc peak of one run (bytes), and its result."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, result


def unique_maps(cell: PushPullCell) -> int:
    return len(
        {(c, u.polarity, u.sigma, float(r))
         for c, cc in enumerate((cell.push, cell.pull))
         for u, r in zip(cc.subunit_set, cc._applied_rhos(), strict=True)}
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()

    image = skimage.transform.resize(
        skimage.data.camera() / 255.0, (256, 256), order=1, anti_aliasing=True
    )
    orientations = np.linspace(0.0, 2.0 * np.pi, 16, endpoint=False)
    cells = {c: PushPullCell(CORFCell(convention=c), inhibition_strength=1.8)
             for c in ("corrected", "released")}  # fmt: skip
    runs = {}
    for convention, cell in cells.items():
        for dtype in (np.float64, np.float32):
            x = image.astype(dtype)
            runs[convention, f"v1pushpull {np.dtype(dtype).name}"] = lambda x=x, cell=cell: (
                cell.response(x, orientations)
            )
        runs[convention, "direct port (float64)"] = lambda cell=cell: direct_port(
            image, orientations, cell
        )
    # every implementation once per round, rounds interleaved: the best of each over the
    # rounds, so that the load of a shared machine hits all of them alike
    best = dict.fromkeys(runs, math.inf)
    for _ in range(args.repeats):
        for key, function in runs.items():
            start = time.perf_counter()
            function()
            best[key] = min(best[key], time.perf_counter() - start)
    warm = dict.fromkeys(runs, math.inf)
    for key, function in runs.items():
        for _ in range(args.repeats):
            start = time.perf_counter()
            function()
            warm[key] = min(warm[key], time.perf_counter() - start)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
        f"({len(os.sched_getaffinity(0))} usable, v1pushpull threads {thread_count()}), "
        f"load average {os.getloadavg()[0]:.1f}, numpy {np.__version__}, "
        f"best of {args.repeats} interleaved rounds and of {args.repeats} back-to-back calls"
    )
    print(f"push-pull CORF, {image.shape[0]}×{image.shape[1]}, {orientations.size} orientations")
    print()
    header = f"{'convention':<11}{'implementation':<26}{'time (s)':>10}{'peak (MiB)':>12}"
    print(header + f"{'extra buffers':>15}{'port / this':>13}{'back-to-back (s)':>18}{'ratio':>8}")
    for convention, cell in cells.items():
        results = {}
        for (c, name), function in runs.items():
            if c != convention:
                continue
            peak, results[name] = peak_memory(function)
            result = results[name]
            extra = (peak - result.nbytes) / (result[0].size * result.itemsize)
            ratio = best[convention, "direct port (float64)"] / best[c, name]
            warm_ratio = warm[convention, "direct port (float64)"] / warm[c, name]
            print(f"{convention:<11}{name:<26}{best[c, name]:>10.3f}{peak / 2**20:>12.1f}"
                  f"{extra:>15.1f}{ratio:>12.1f}×"
                  f"{warm[c, name]:>18.3f}{warm_ratio:>7.1f}×")  # fmt: skip
        maps = unique_maps(cell)
        difference = np.abs(results["v1pushpull float64"] - results["direct port (float64)"])
        print(
            f"{'':<11}{maps} unique blurred maps; max |v1pushpull − port| = "
            f"{difference.max():.3g} (response max {results['direct port (float64)'].max():.3g})"
            f"; memory target < {maps} + 6 buffers"
        )
    print()
    for convention in cells:
        ratio = best[convention, "direct port (float64)"] / best[convention, "v1pushpull float64"]
        warm_ratio = (
            warm[convention, "direct port (float64)"] / warm[convention, "v1pushpull float64"]
        )
        print(
            f"speed-up over the port, {convention}, float64: {ratio:.1f}× interleaved "
            f"(target ≥ 10×), {warm_ratio:.1f}× back-to-back"
        )
    ratio = best["released", "v1pushpull float64"] / best["corrected", "v1pushpull float64"]
    print(f"released / corrected time, float64: {ratio:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
