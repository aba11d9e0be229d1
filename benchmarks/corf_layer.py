"""Forward + backward time and peak memory of CORFConv2d against the core cell and convolutions.

Usage::

    python benchmarks/corf_layer.py [--rounds 3] [--threads 2] [--quick] [--device cpu]

Competitors, per input shape, 16 orientations (16 output channels; RGB inputs are mapped to
luminance first, ``color="luminance"``), float32:

- ``corf layer`` / ``push-pull corf layer``: :class:`v1pushpull.torch.corf_layer.CORFConv2d`
  of ``CORFCell()`` / ``PushPullCell(CORFCell())`` (σ = 2.2 px, corrected convention),
  forward + backward (gradients of every parameter; the image needs none);
- ``core CORFCell`` / ``core PushPullCell``: the core's ``response`` on NumPy, forward only
  (the core has no backward);
- ``PushPullConv2d``: :class:`v1pushpull.torch.PushPullConv2d` with 16 output channels and
  the 11 px kernel of ``to_torch_layer("corf")``, forward + backward (weight gradients);
- ``nn.Conv2d``: a plain convolution of the same shape, forward + backward.

Time: rounds interleaved, minimum over rounds (load from other processes inflates every
competitor alike). Peak memory: each competitor runs once more in a fresh subprocess; on the
CPU the peak is the rise of the process's maximum resident set size during that one step
(``resource.getrusage``), on CUDA ``torch.cuda.max_memory_allocated`` above the inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

SHAPES = [(128, 1, 32, 32), (16, 3, 224, 224)]
COMPETITORS = [
    "corf layer",
    "push-pull corf layer",
    "core CORFCell",
    "core PushPullCell",
    "PushPullConv2d",
    "nn.Conv2d",
]
ORIENTATIONS = 16
KERNEL = 11


def _make(name: str, shape: tuple[int, ...], device: str):
    """A zero-argument step function for one competitor."""
    import numpy as np
    import torch

    from v1pushpull.cells import CORFCell, PushPullCell
    from v1pushpull.torch import PushPullConv2d
    from v1pushpull.torch.corf_layer import CORFConv2d

    channels = shape[1]
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(shape, generator=generator).to(device)
    theta = np.arange(ORIENTATIONS) * 2 * np.pi / ORIENTATIONS
    color = "luminance" if channels == 3 else "per_channel"
    if name.startswith("core"):
        cell = CORFCell() if name == "core CORFCell" else PushPullCell(CORFCell())
        luma = np.asarray([0.299, 0.587, 0.114], dtype=np.float32)
        images = x.cpu().numpy()
        images = (images * luma[None, :, None, None]).sum(1) if channels == 3 else images[:, 0]

        def step() -> None:
            cell.response(images, theta)

        return step
    if name.endswith("corf layer"):
        cell = CORFCell() if name == "corf layer" else PushPullCell(CORFCell())
        layer = CORFConv2d.from_cell(cell, channels, theta, color=color, device=device)
    elif name == "PushPullConv2d":
        layer = PushPullConv2d(channels, ORIENTATIONS, KERNEL, padding=KERNEL // 2).to(device)
    else:
        layer = torch.nn.Conv2d(channels, ORIENTATIONS, KERNEL, padding=KERNEL // 2).to(device)
    params = [p for p in layer.parameters() if p.requires_grad]

    def step() -> None:
        out = layer(x)
        torch.autograd.grad(out.sum(), params)

    return step


def _sync(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def _peak_memory(name: str, shape: tuple[int, ...], device: str, threads: int) -> float:
    """Peak extra memory (MiB) of one step, measured in a fresh process."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = (
        f"import json, sys; sys.path.insert(0, {root!r}); import benchmarks.corf_layer as b; "
        f"print(json.dumps(b._measure_peak({name!r}, {tuple(shape)!r}, {device!r}, {threads})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(json.loads(result.stdout.strip().splitlines()[-1]))


def _measure_peak(name: str, shape: tuple[int, ...], device: str, threads: int) -> float:
    import resource

    import torch

    torch.set_num_threads(threads)
    step = _make(name, shape, device)
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        step()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    step()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (after - before) / 1024.0  # ru_maxrss is in KiB on Linux


def run(rounds: int, quick: bool, device: str, threads: int) -> list[dict]:
    import torch

    torch.set_num_threads(threads)
    shapes = SHAPES[:1] if quick else SHAPES
    rows = []
    for shape in shapes:
        steps = {name: _make(name, shape, device) for name in COMPETITORS}
        for step in steps.values():  # warm-up
            step()
        times = {name: [] for name in COMPETITORS}
        for _ in range(rounds):
            for name, step in steps.items():
                _sync(device)
                start = time.perf_counter()
                step()
                _sync(device)
                times[name].append(time.perf_counter() - start)
        del steps
        for name in COMPETITORS:
            rows.append(
                {
                    "shape": shape,
                    "name": name,
                    "seconds": min(times[name]),
                    "peak_mib": _peak_memory(name, shape, device, threads),
                }
            )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| input (B, C, H, W) | competitor | pass | time (s) | × push-pull corf layer "
        "| peak extra memory (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        reference = next(
            r for r in rows if r["shape"] == row["shape"] and r["name"] == "push-pull corf layer"
        )
        kind = "forward" if row["name"].startswith("core") else "forward + backward"
        lines.append(
            f"| {row['shape']} | {row['name']} | {kind} | {row['seconds']:.4f} | "
            f"{row['seconds'] / reference['seconds']:.3f} | {row['peak_mib']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="the small shape only, 1 round")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    import torch

    rounds = 1 if args.quick else args.rounds
    rows = run(rounds, args.quick, args.device, args.threads)
    print(
        f"# CORFConv2d benchmark: {args.device}, {args.threads} threads, torch "
        f"{torch.__version__}, {platform.processor() or platform.machine()}, "
        f"{ORIENTATIONS} orientations, float32, min over {rounds} round(s)\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
