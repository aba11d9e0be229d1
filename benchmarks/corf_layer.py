"""Forward + backward time and peak memory of CORFConv2d against the core cell and convolutions.

Usage::

    python benchmarks/corf_layer.py [--rounds 3] [--threads 2] [--quick] [--device cpu]

Competitors, per input shape, 16 orientations (16 output channels; RGB inputs are mapped to
luminance first, ``color="luminance"``), float32:

- ``corf layer`` / ``push-pull corf layer``: :class:`v1pushpull.torch.corf_layer.CORFConv2d`
  of a ``CORFCell`` / ``PushPullCell`` of it (corrected convention), forward + backward
  (gradients of every parameter; the image needs none). 224 px images: the default cell
  (σ = 2.2 px, support 49 px with its pull); 32 px images: σ = 1 px with the first three radii
  of its ρ list, ρ ≤ 6.98 px (support 23 px; the full list needs 39 px);
- ``core CORFCell`` / ``core PushPullCell``: the core's ``response`` on NumPy, forward only
  (the core has no backward);
- ``PushPullConv2d``: :class:`v1pushpull.torch.PushPullConv2d` with 16 output channels and
  the 11 px kernel of ``to_torch_layer("corf")``, forward + backward (weight gradients);
- ``nn.Conv2d``: a plain convolution of the same shape, forward + backward.

Time: rounds interleaved, minimum over rounds (load from other processes inflates every
competitor alike). Peak memory: one more step per competitor, the memory allocated during it
above what existed before (the layer's parameters and the input excluded): CPU torch, the torch
profiler's allocation record; the NumPy core, :mod:`tracemalloc`; CUDA,
``torch.cuda.max_memory_allocated``.
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc

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
SMALL_RHO = (1.4135, 3.031, 6.9796)  # the first three radii of the σ = 1 px list


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
    push = CORFCell() if shape[-1] >= 64 else CORFCell(sigma=1.0, rho=SMALL_RHO)
    if name.startswith("core"):
        cell = push if name == "core CORFCell" else PushPullCell(push)
        luma = np.asarray([0.299, 0.587, 0.114], dtype=np.float32)
        images = x.cpu().numpy()
        images = (images * luma[None, :, None, None]).sum(1) if channels == 3 else images[:, 0]

        def step() -> None:
            cell.response(images, theta)

        return step
    if name.endswith("corf layer"):
        cell = push if name == "corf layer" else PushPullCell(push)
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


def _peak_memory(name: str, step, device: str) -> float:
    """Peak memory (MiB) allocated during one step, above what existed before it.

    CUDA: ``torch.cuda.max_memory_allocated``. CPU, torch: the running sum of the allocations
    and frees that the torch profiler records (``profile_memory=True``). CPU, the NumPy core:
    :mod:`tracemalloc`, which NumPy reports its buffers to.
    """
    import torch

    if name.startswith("core"):
        tracemalloc.start()
        step()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak / 2**20
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        step()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    changes = []
    for event in prof.events():
        # "[memory]" events are allocations and frees outside an op; an op's own are its
        # self usage
        change = event.cpu_memory_usage if event.name == "[memory]" else event.self_cpu_memory_usage
        if change:
            changes.append((event.time_range.start, change))
    running = peak = 0
    for _, change in sorted(changes):
        running += change
        peak = max(peak, running)
    return peak / 2**20


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
        peaks = {name: _peak_memory(name, step, device) for name, step in steps.items()}
        del steps
        for name in COMPETITORS:
            rows.append(
                {
                    "shape": shape,
                    "name": name,
                    "seconds": min(times[name]),
                    "peak_mib": peaks[name],
                }
            )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| input (B, C, H, W) | competitor | pass | time (s) | × push-pull corf layer "
        "| peak memory (MiB) |",
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
