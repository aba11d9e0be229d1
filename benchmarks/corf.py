"""Push-pull CORF: v1pushpull against a direct implementation with the released code's structure.

Workload: one 512×512 float32 image (``skimage.data.camera``), 24 orientations (15° steps),
push-pull CORF with the defaults of [A14] (σ = 2.2, β = 4, k = 1.8), NumPy.

The direct competitor follows the released MATLAB code: DoG responses once, then for every
orientation and every subunit of the push and the pull cell a Gaussian blur of the LGN map
(``scipy.ndimage.gaussian_filter``) and a shift (``np.roll``), no reuse, and the weighted
product of powers. It uses the same padding, LGN floor and rounded shifts, so its response is
the same function; the script prints the largest difference.

Peak memory is measured with :mod:`tracemalloc` (NumPy buffers; SciPy's FFT work buffers are
not seen) and reported in image-sized buffers beyond the output array, against the target
"number of unique blurred maps + 6".

Run: ``python benchmarks/corf.py`` (add ``--repeats N``).
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc

import numpy as np
import scipy.ndimage as ndi
import skimage.data

from v1pushpull.cells import CORFCell, PushPullCell
from v1pushpull.cells.corf import _FLOOR_EPS
from v1pushpull.kernels import dog_kernel


def direct_push_pull(image: np.ndarray, orientations: np.ndarray, cell: PushPullCell) -> np.ndarray:
    """Push-pull CORF the way the released code computes it: blur and roll per subunit."""
    height, width = image.shape
    cells = [cell.push, cell.pull]
    shifts = [c.subunit_set.shifts(orientations) for c in cells]
    # largest shift + blur radius + DoG radius: the DoG is read only where it depends on the
    # reflect-extended image, as in the library
    pad = max(
        int(max(np.abs(dx).max(), np.abs(dy).max()))
        + max(c.blur_radius(r) for r in c.subunit_set.rhos)
        for c, (dx, dy) in zip(cells, shifts, strict=True)
    ) + int(3.0 * cell.push.sigma + 0.5)
    padded = np.pad(image, pad, mode="reflect")
    floor = _FLOOR_EPS * np.finfo(image.dtype).eps * np.abs(image).max()
    linear = ndi.correlate(padded, dog_kernel(cell.push.sigma).astype(image.dtype), mode="mirror")
    lgn = {
        "on": np.where(linear > floor, linear, 0).astype(image.dtype),
        "off": np.where(-linear > floor, -linear, 0).astype(image.dtype),
    }
    out = np.empty((orientations.size, height, width), dtype=image.dtype)
    for i in range(orientations.size):
        responses = []
        for c, (dx, dy) in zip(cells, shifts, strict=True):
            product = np.ones((height, width), dtype=image.dtype)
            for j, (unit, weight) in enumerate(
                zip(c.subunit_set, c.subunit_set.weights, strict=True)
            ):
                radius = c.blur_radius(unit.rho)
                blurred = ndi.gaussian_filter(
                    lgn[unit.polarity], radius / 3.0, truncate=3.0, mode="mirror"
                )
                shifted = np.roll(blurred, (-int(dy[i, j]), -int(dx[i, j])), axis=(0, 1))
                product *= shifted[pad : pad + height, pad : pad + width] ** np.float32(weight)
            responses.append(product)
        out[i] = np.maximum(responses[0] - cell.inhibition_strength * responses[1], 0)
    return out


def measure(function, repeats: int) -> tuple[float, int, np.ndarray]:
    """Best wall time over ``repeats`` runs, and the tracemalloc peak of one run (bytes)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        del result
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak, result


def unique_maps(cell: PushPullCell) -> int:
    return len(
        {(0, u.polarity, u.sigma, u.rho) for u in cell.push.subunit_set}
        | {(1, u.polarity, u.sigma, u.rho) for u in cell.pull.subunit_set}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    image = skimage.data.camera().astype(np.float32) / 255.0
    orientations = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
    cell = PushPullCell(CORFCell(sigma=2.2), inhibition_strength=1.8, pull_shift=4.0)
    n_subunits = len(cell.push.subunit_set) + len(cell.pull.subunit_set)
    buffer = image.nbytes

    ours_time, ours_peak, ours = measure(lambda: cell.response(image, orientations), args.repeats)
    direct_time, direct_peak, direct = measure(
        lambda: direct_push_pull(image, orientations, cell), max(1, args.repeats - 1)
    )
    difference = np.abs(ours - direct)
    maps = unique_maps(cell)
    output = ours.nbytes

    print(f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}")
    print(
        f"push-pull CORF, {image.shape[0]}×{image.shape[1]} float32, {orientations.size} "
        f"orientations, {n_subunits} subunits (push + pull), {maps} unique blurred maps"
    )
    print(
        f"max |ours − direct| = {difference.max():.3g} (response max {ours.max():.3g}); "
        f"pixels differing by > 1e-5: {int((difference > 1e-5).sum())}"
    )
    print()
    print(f"{'implementation':<30}{'time (s)':>10}{'peak (MiB)':>12}{'extra buffers':>15}")
    for name, seconds, peak in (
        ("v1pushpull PushPullCell", ours_time, ours_peak),
        ("direct (blur + roll per unit)", direct_time, direct_peak),
    ):
        extra = (peak - output) / buffer
        print(f"{name:<30}{seconds:>10.3f}{peak / 2**20:>12.1f}{extra:>15.1f}")
    print()
    print(f"speed-up: {direct_time / ours_time:.1f}× (target ≥ 10×)")
    print(
        f"v1pushpull extra memory: {(ours_peak - output) / buffer:.1f} image buffers beyond the "
        f"output (target < {maps} unique maps + 6 = {maps + 6})"
    )


if __name__ == "__main__":
    main()
