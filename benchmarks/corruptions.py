"""Benchmark: CIFAR-10-C corruptions against the released generator's own timing.

Every corruption but frost at severity 3 on 1000 images: the 16 public reference images
(``../shared/data/cifar10c-reference/inputs.npz``) repeated, as the reference timing of that
folder's README, or random 8-bit images when the folder is absent. Input: one float32 NumPy
batch ``(1000, 3, 32, 32)`` per call of ``v1pushpull.corruptions.corrupt`` (seed 0), run with
the threads this process may use (2 on the development machine). One warm-up, then
``--repeats`` timed calls; the table gives the minimum (median) in seconds per 1000 images and
the ratio reference / ours, so > 1 means faster than the generator (single-thread, load
1.2–1.65; see the README).

Also times ``make_cifar10c``'s corruption step on uint8 images (no float conversions) with
``--uint8``, and with ``--generate`` the whole set: a random CIFAR-10 ``test_batch`` of 10,000
images (python pickle format) in a temporary folder, then ``make_cifar10c`` for the 18
corruptions (no frost photographs) × 5 severities, with the load average before and after.

``--calibrate`` times, on this machine, the generator's own call for JPEG (Pillow encode +
decode per image, quality 58) to compare the machine with the one of the reference timing.

Run: ``python benchmarks/corruptions.py [--repeats 3] [--images 1000] [--only NAME ...]
[--uint8] [--calibrate] [--generate]``.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from v1pushpull.corruptions import CORRUPTIONS, OPENCV, corrupt, corrupt_uint8

REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cifar10c-reference"

#: Seconds per 1000 images at severity 3, minimum of 3, of the released generator
#: (``make_cifar_c.py``, one thread), from the reference folder's README.
GENERATOR_SECONDS = {
    "gaussian_noise": 0.080,
    "shot_noise": 0.188,
    "impulse_noise": 0.093,
    "speckle_noise": 0.082,
    "gaussian_blur": 0.089,
    "elastic_transform": 0.433,
    "glass_blur": 6.447,
    "defocus_blur": 0.168,
    "motion_blur": 1.095,
    "zoom_blur": 2.237,
    "snow": 1.346,
    "fog": 0.334,
    "spatter": 0.257,
    "contrast": 0.060,
    "brightness": 0.368,
    "saturate": 0.366,
    "jpeg_compression": 0.120,
    "pixelate": 0.035,
}


def images_hwc(n: int) -> np.ndarray:
    path = REFERENCE / "inputs.npz"
    if path.is_file():
        base = np.load(path, allow_pickle=False)["images"]
    else:
        base = np.random.default_rng(0).integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)
    return np.ascontiguousarray(np.resize(base, (n, *base.shape[1:])))


def time_calls(function, repeats: int) -> tuple[float, float, float]:
    """(minimum wall time, median wall time, minimum CPU time of all threads), seconds."""
    function()  # warm-up (caches, thread pool start)
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), statistics.median(walls), min(cpus)


def calibrate(hwc: np.ndarray, repeats: int) -> float:
    """Seconds per 1000 images of Pillow's JPEG round trip (the generator's own call)."""
    from PIL import Image

    def loop():
        for image in hwc:
            buffer = io.BytesIO()
            Image.fromarray(image).save(buffer, "JPEG", quality=58)
            np.asarray(Image.open(buffer))

    best, _, cpu = time_calls(loop, repeats)
    return best * 1000 / len(hwc), cpu * 1000 / len(hwc)


def generate(n: int) -> None:
    from v1pushpull.cifar10c import make_cifar10c

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "cifar-10-batches-py"
        root.mkdir()
        batch = {
            b"labels": [int(v) for v in rng.integers(0, 10, n)],
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        }
        with open(root / "test_batch", "wb") as handle:
            pickle.dump(batch, handle)
        print(f"whole set, {n} images; load average before: {os.getloadavg()}", flush=True)
        start, cpu = time.perf_counter(), time.process_time()
        make_cifar10c(folder, Path(folder) / "CIFAR-10-C", corruptions=None, progress=True)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"whole set: {wall:.1f} s wall, {cpu:.1f} s CPU (all threads); "
              f"load average after: {os.getloadavg()}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--severity", type=int, default=3)
    parser.add_argument("--uint8", action="store_true", help="time corrupt_uint8 as well")
    parser.add_argument("--only", nargs="*", default=None, help="corruptions to time")
    parser.add_argument("--calibrate", action="store_true", help="time Pillow's JPEG loop")
    parser.add_argument("--generate", action="store_true", help="time the whole set")
    parser.add_argument("--skip-table", action="store_true", help="no per-corruption table")
    args = parser.parse_args()
    if args.generate:
        generate(10000)
    hwc = images_hwc(args.images)
    source = "the 16 reference images" if (REFERENCE / "inputs.npz").is_file() else "random"
    print(f"images: {source}, repeated to {args.images}")
    batch = np.ascontiguousarray((hwc.transpose(0, 3, 1, 2) / 255.0).astype(np.float32))
    names = [n for n in CORRUPTIONS if n != "frost" and (not args.only or n in args.only)]
    if args.skip_table:
        names = []
    scale = 1000 / args.images
    print(
        f"{platform.processor() or platform.machine()}, {len(os.sched_getaffinity(0))} cores "
        f"usable, OpenCV {'yes' if OPENCV else 'no'}, {args.images} images, severity "
        f"{args.severity}, load average before: {os.getloadavg()}"
    )
    # the generator's own JPEG call, timed before and after the table (the load drifts)
    calibration = [calibrate(hwc, args.repeats)] if args.calibrate else []
    rows = []
    for name in names:
        best, median, cpu = time_calls(
            lambda name=name: corrupt(batch, name, args.severity, seed=0), args.repeats
        )
        best8 = None
        if args.uint8:
            best8, _, _ = time_calls(
                lambda name=name: corrupt_uint8(hwc, name, args.severity, seed=0), args.repeats
            )
        rows.append((name, best, median, cpu, best8))
        print(f"timed {name}", flush=True)
    factor = 1.0
    if args.calibrate:
        if names:
            calibration.append(calibrate(hwc, args.repeats))
        walls = [wall for wall, _ in calibration]
        factor = float(np.mean(walls)) / 0.120
        print(
            "Pillow JPEG loop (the generator's own call, 1 thread), s/1000 wall (CPU): "
            + ", ".join(f"{wall:.3f} ({cpu:.3f})" for wall, cpu in calibration)
            + f" before/after; 0.120 in the reference timing: this machine is {factor:.2f}x "
            f"slower now (calibrated ratio = ratio x {factor:.2f})"
        )
    header = (
        "| corruption | generator s/1000 | ours s/1000 wall min (median) | CPU s/1000 | ratio |"
        " calibrated ratio |"
    )
    if args.uint8:
        header += " uint8 s/1000 | ratio |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for name, best, median, cpu, best8 in rows:
        reference = GENERATOR_SECONDS[name]
        ratio = reference / (best * scale)
        row = (
            f"| {name} | {reference:.3f} | {best * scale:.3f} ({median * scale:.3f}) | "
            f"{cpu * scale:.3f} | {ratio:.1f} | {ratio * factor:.1f} |"
        )
        if best8 is not None:
            row += f" {best8 * scale:.3f} | {reference / (best8 * scale):.1f} |"
        print(row)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
