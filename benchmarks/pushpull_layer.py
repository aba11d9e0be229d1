"""Forward + backward time of PushPullConv2d against a plain convolution and the released code.

Usage::

    python benchmarks/pushpull_layer.py [--rounds 15] [--threads 2] [--quick]

Competitors, timed side by side in one process (rounds interleaved, minimum over rounds, so
that load from other processes on a shared machine inflates every competitor alike):

- ``conv``: :class:`torch.nn.Conv2d` with the same push kernel (no push-pull);
- ``released``: the straightforward two-convolution formulation of the authors' code
  (push conv + a separately upsampled pull conv, ``F.interpolate`` on every call);
- ``direct`` / ``basis``: :class:`v1pushpull.torch.PushPullConv2d` with
  ``pull_method="direct"`` (ŝ×ŝ pull convolution) or ``"basis"`` (the separable-basis identity
  ``k↑ ⋆ I = Σ_ab k[a,b]·(I ⋆ A[:,a] A[:,b]ᵀ)``), on NCHW and on ``channels_last`` (CL)
  inputs. ``auto picks`` is the method the layer chooses by default.

float32, CPU. Backward: weight gradients always; input gradient only when ``C_in > 3`` (a
first layer's input, the image, needs none).
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import time

import torch
import torch.nn.functional as F

from v1pushpull.torch import PushPullConv2d, pull_kernel_size

# (batch, C_in, C_out, size, kernel, stride)
SHAPES = [
    (128, 3, 16, 32, 3, 1),
    (64, 64, 64, 16, 3, 1),
    (32, 16, 16, 32, 3, 1),
    (16, 3, 64, 112, 7, 2),
]


def released_forward(x, weight, stride, padding, pull_size, pull_padding, alpha=1.0):
    """The authors' formulation: two convolutions, the pull kernel upsampled each call."""
    pull_weight = F.interpolate(weight, size=pull_size, mode="bilinear", align_corners=True)
    push = F.relu(F.conv2d(x, weight, None, stride, padding))
    pull = F.relu(F.conv2d(x, -pull_weight, None, stride, pull_padding))
    return push - alpha * pull


def _step(fn, x):
    out = fn(x)
    out.sum().backward()


def run(rounds: int, quick: bool) -> list[dict]:
    rows = []
    for batch, c_in, c_out, size, kernel, stride in SHAPES:
        if quick:
            batch = max(1, batch // 8)
        torch.manual_seed(0)
        padding = kernel // 2
        layers = {
            method: PushPullConv2d(
                c_in, c_out, kernel, stride=stride, padding=padding, pull_method=method
            )
            for method in ("auto", "direct", "basis")
        }
        weight = layers["auto"].push.weight
        conv = torch.nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False)
        with torch.no_grad():
            for module in (conv.weight, layers["direct"].push.weight, layers["basis"].push.weight):
                module.copy_(weight)
        pull = pull_kernel_size(kernel, 2.0)
        pull_padding = pull // 2 - kernel // 2 + padding
        x = torch.randn(batch, c_in, size, size).requires_grad_(c_in > 3)
        x_cl = x.detach().contiguous(memory_format=torch.channels_last).requires_grad_(c_in > 3)

        released = functools.partial(
            released_forward,
            weight=weight,
            stride=stride,
            padding=padding,
            pull_size=(pull, pull),
            pull_padding=pull_padding,
        )

        competitors = {
            "conv": (conv, x),
            "released": (released, x),
            "direct": (layers["direct"], x),
            "basis": (layers["basis"], x),
            "direct_cl": (layers["direct"], x_cl),
            "basis_cl": (layers["basis"], x_cl),
        }
        with torch.no_grad():
            reference = released(x)
            for name in ("direct", "basis", "direct_cl", "basis_cl"):
                fn, inp = competitors[name]
                error = (fn(inp) - reference).abs().max() / reference.abs().max()
                assert error < 1e-5, (name, float(error))
        for fn, inp in competitors.values():  # warm-up (oneDNN primitive creation)
            for _ in range(2):
                _step(fn, inp)
        times: dict[str, list[float]] = {name: [] for name in competitors}
        for _ in range(rounds):
            for name, (fn, inp) in competitors.items():
                for module in (conv, *layers.values()):
                    module.zero_grad(set_to_none=True)
                start = time.perf_counter()
                _step(fn, inp)
                times[name].append(time.perf_counter() - start)
        best = {name: min(values) for name, values in times.items()}
        label = f"({batch}, {c_in}→{c_out}, {size}², {kernel}"
        label += f", stride {stride})" if stride > 1 else ")"
        rows.append({"shape": label, "auto": layers["auto"].pull_method, **best})
        print(_format_row(rows[-1]), flush=True)
    return rows


HEADER = (
    "| shape (batch, C_in→C_out, size, kernel) | conv | released | direct | basis | direct CL "
    "| basis CL | auto picks | auto/conv | auto/released | best/conv |"
)


def _format_row(row: dict) -> str:
    conv, released = row["conv"], row["released"]
    auto = row[row["auto"]]
    best = min(row[name] for name in ("direct", "basis", "direct_cl", "basis_cl"))
    times = " | ".join(
        f"{row[name] * 1e3:.1f}"
        for name in ("conv", "released", "direct", "basis", "direct_cl", "basis_cl")
    )
    return (
        f"| {row['shape']} | {times} | {row['auto']} | {auto / conv:.2f} | "
        f"{auto / released:.2f} | {best / conv:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="batch ÷ 8, for a smoke run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"torch {torch.__version__}, {args.threads} threads, {platform.machine()}, load {load}")
    print("times in ms (minimum over rounds); CL = channels_last input")
    print(HEADER)
    print("|" + "---|" * 11)
    run(args.rounds, args.quick)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average after the run: {load}")


if __name__ == "__main__":
    main()
