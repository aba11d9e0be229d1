"""The Python part of ``benchmarks/gpu_check.sh``: training steps and GPU timings.

Usage::

    python benchmarks/gpu_check.py --out FILE [--quick]

Appends to ``FILE`` (Markdown):

1. a few training steps of ResNet-20 (batch 128, SGD) with and without a push-pull first
   layer, in float32, with AMP (float16 autocast + GradScaler) and with channels_last inputs
   and weights: the loss must stay finite and fall over the steps; the time per step
   (median) is recorded;
2. forward + backward of :class:`~v1pushpull.torch.PushPullConv2d` (direct and basis pull)
   against cuDNN's plain ``nn.Conv2d`` of the same shape, float32 and AMP;
3. the push-pull CORF cell (:class:`~v1pushpull.cells.CORFCell` inside
   :class:`~v1pushpull.cells.PushPullCell`) on a 512×512 image, 24 orientations, on torch-CUDA
   against NumPy on the CPU, with the largest difference between the two.

Without CUDA it writes that the GPU parts were skipped and exits with status 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def _timed(fn, repeats: int, sync) -> float:
    """Median seconds of ``fn()`` after two warm-up calls."""
    for _ in range(2):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def training_steps(torch, lines: list[str], steps: int) -> bool:
    from v1pushpull.torch import build_model

    device = torch.device("cuda")
    ok = True
    lines += ["## ResNet-20 training steps (batch 128, SGD lr 0.05, Nesterov 0.9)", ""]
    lines += ["| push-pull | mode | first loss | last loss | finite | falls | ms/step |"]
    lines += ["|---|---|---|---|---|---|---|"]
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(128, 3, 32, 32, generator=generator).to(device)
    labels = torch.randint(0, 10, (128,), generator=generator).to(device)
    for placement in ("none", "first"):
        for mode in ("float32", "amp", "channels_last+amp"):
            torch.manual_seed(0)
            model = build_model("resnet20", pushpull=placement).to(device)
            x = images
            if "channels_last" in mode:
                model = model.to(memory_format=torch.channels_last)
                x = images.contiguous(memory_format=torch.channels_last)
            amp = "amp" in mode
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
            scaler = torch.amp.GradScaler("cuda", enabled=amp)
            losses, times = [], []
            for _ in range(steps):
                torch.cuda.synchronize()
                start = time.perf_counter()
                with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
                    loss = torch.nn.functional.cross_entropy(model(x), labels)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                torch.cuda.synchronize()
                times.append(time.perf_counter() - start)
                losses.append(float(loss))
            finite = all(map(lambda v: v == v and abs(v) != float("inf"), losses))
            falls = losses[-1] < losses[0]
            ok = ok and finite and falls
            ms = statistics.median(times[2:] or times) * 1e3
            lines.append(
                f"| {placement} | {mode} | {losses[0]:.3f} | {losses[-1]:.3f} | {finite} | "
                f"{falls} | {ms:.2f} |"
            )
    return ok


def layer_timings(torch, lines: list[str], repeats: int) -> None:
    from v1pushpull.torch import PushPullConv2d

    device = torch.device("cuda")
    shapes = [(128, 3, 16, 32, 3, 1), (64, 64, 64, 16, 3, 1), (16, 3, 64, 112, 7, 2)]
    lines += ["", "## PushPullConv2d vs cuDNN nn.Conv2d (forward + backward, ms, median)", ""]
    lines += ["| shape | dtype | conv | direct | basis | direct/conv | basis/conv |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for batch, c_in, c_out, size, kernel, stride in shapes:
        padding = kernel // 2
        conv = torch.nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=False).to(device)
        layers = {
            m: PushPullConv2d(c_in, c_out, kernel, stride, padding, pull_method=m).to(device)
            for m in ("direct", "basis")
        }
        x = torch.randn(batch, c_in, size, size, device=device).requires_grad_(c_in > 3)
        for amp in (False, True):

            def step(module, amp=amp, x=x):
                with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
                    out = module(x)
                out.float().sum().backward()

            row = {
                name: _timed(lambda m=m: step(m), repeats, torch.cuda.synchronize) * 1e3
                for name, m in (("conv", conv), *layers.items())
            }
            lines.append(
                f"| ({batch}, {c_in}→{c_out}, {size}², {kernel}, s{stride}) | "
                f"{'amp fp16' if amp else 'float32'} | {row['conv']:.3f} | "
                f"{row['direct']:.3f} | {row['basis']:.3f} | {row['direct'] / row['conv']:.2f} | "
                f"{row['basis'] / row['conv']:.2f} |"
            )


def corf_timings(torch, lines: list[str], repeats: int) -> None:
    import numpy as np
    from skimage import data

    from v1pushpull.cells import CORFCell, PushPullCell

    image = data.camera().astype(np.float32) / 255
    orientations = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
    cell = PushPullCell(CORFCell(sigma=2.2), inhibition_strength=1.8, pull_shift=4.0)
    on_gpu = torch.as_tensor(image, device="cuda")
    cpu_time = _timed(
        lambda: cell.response(image, orientations), max(1, repeats // 3), lambda: None
    )
    gpu_time = _timed(lambda: cell.response(on_gpu, orientations), repeats, torch.cuda.synchronize)
    reference = cell.response(image, orientations)
    gpu = cell.response(on_gpu, orientations).cpu().numpy()
    difference = float(np.abs(gpu - reference).max() / np.abs(reference).max())
    lines += ["", "## Push-pull CORF, 512×512 float32, 24 orientations", ""]
    lines += ["| engine | time (ms, median) |", "|---|---|"]
    lines += [f"| NumPy (CPU) | {cpu_time * 1e3:.1f} |", f"| torch CUDA | {gpu_time * 1e3:.1f} |"]
    lines += ["", f"speed-up {cpu_time / gpu_time:.1f}×; max relative difference {difference:.2e}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args()
    lines: list[str] = []
    try:
        import torch
    except ImportError:
        lines.append("SKIPPED (GPU parts): this python has no torch")
        torch = None
    if torch is not None and not torch.cuda.is_available():
        lines.append(f"SKIPPED (GPU parts): torch {torch.__version__} sees no CUDA device")
        torch = None
    ok = True
    if torch is not None:
        torch.backends.cudnn.benchmark = True
        name = torch.cuda.get_device_name(0)
        lines += [f"GPU: {name}; torch {torch.__version__}, CUDA {torch.version.cuda}", ""]
        steps, repeats = (6, 5) if args.quick else (12, 20)
        ok = training_steps(torch, lines, steps)
        layer_timings(torch, lines, repeats)
        corf_timings(torch, lines, repeats)
    with args.out.open("a") as stream:
        stream.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
