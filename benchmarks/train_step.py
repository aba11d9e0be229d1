"""One SGD training step of ResNet-20: v1pushpull's models against the released code's structure.

Usage::

    python benchmarks/train_step.py [--rounds 12] [--threads 2] [--batch 128] [--device cpu]

Competitors, timed side by side in one process (rounds interleaved, minimum and median over
rounds, so that load from other processes on a shared machine inflates every competitor
alike); every step is forward, cross-entropy, backward and an SGD update (lr 0.1, Nesterov
momentum 0.9, weight decay 1e-4) on a batch of 3×32×32 images:

- ``ours plain`` / ``ours pp``: :func:`v1pushpull.torch.build_model` ``("resnet20")`` with
  ``pushpull="none"`` / ``"first"`` (the published setting: a push-pull first layer);
- ``released plain`` / ``released pp``: the structure of the authors' release
  (nicstrisc/Push-Pull-CNN-layer, ``resnet/resnetcifar.py`` and ``pushpull/PPmodule2d.py``),
  written again here: BasicBlocks with ``nn.ReLU(inplace=True)`` modules and ``out +=
  residual``, ``nn.AvgPool2d(8)`` and ``view`` before the classifier, and a first-layer
  ``PPmodule2d`` that upsamples the push kernel with ``nn.Upsample`` on every call and returns
  ``relu(push) - alpha * relu(pull)`` with out-of-place ReLUs.

Both networks have the same parameters (272,474) and load each other's state dicts; the
script checks that they compute the same logits before timing.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from v1pushpull.torch import build_model


class ReleasedPushPull(nn.Module):
    """The first layer of the release: push conv, pull conv of the upsampled kernel."""

    def __init__(self, in_channels: int, out_channels: int, scale: float = 2.0) -> None:
        super().__init__()
        self.push = nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False)
        size = math.floor(3 * scale)
        size += 1 - size % 2
        self.pull_padding = size // 2 - 1 + 1
        self.up_sampler = nn.Upsample(size=(size, size), mode="bilinear", align_corners=True)
        self.relu = nn.ReLU()
        self.alpha = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pull_weights = self.up_sampler(self.push.weight)
        push = self.relu(self.push(x))
        pull = self.relu(F.conv2d(x, -pull_weights, None, 1, self.pull_padding))
        return push - self.alpha * pull


class ReleasedBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        out += residual
        return self.relu(out)


class ReleasedResNet20(nn.Module):
    def __init__(self, pushpull: bool) -> None:
        super().__init__()
        self.conv1 = ReleasedPushPull(3, 16) if pushpull else nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        stages, inplanes = [], 16
        for index, planes in enumerate((16, 32, 64)):
            blocks = []
            for block in range(3):
                stride = 2 if index > 0 and block == 0 else 1
                blocks.append(ReleasedBlock(inplanes, planes, stride))
                inplanes = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.avgpool = nn.AvgPool2d(8, stride=1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.avgpool(x)
        return self.fc(x.view(x.size(0), -1))


def _optimizer(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(
        model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4
    )


def _step(model, optimizer, images, labels) -> None:
    loss = F.cross_entropy(model(images), labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def _competitors(device: torch.device) -> dict[str, tuple[nn.Module, torch.optim.Optimizer]]:
    torch.manual_seed(0)
    models = {
        "ours plain": build_model("resnet20"),
        "released plain": ReleasedResNet20(pushpull=False),
        "ours pp": build_model("resnet20", pushpull="first"),
        "released pp": ReleasedResNet20(pushpull=True),
    }
    # the same weights in both structures (the state-dict keys are the release's)
    models["released plain"].load_state_dict(models["ours plain"].state_dict())
    models["released pp"].load_state_dict(models["ours pp"].state_dict())
    return {name: (m.to(device).train(), _optimizer(m)) for name, m in models.items()}


def _check_same_logits(competitors, images) -> None:
    with torch.no_grad():
        for ours, theirs in (("ours plain", "released plain"), ("ours pp", "released pp")):
            a, b = competitors[ours][0].eval()(images), competitors[theirs][0].eval()(images)
            error = float((a - b).abs().max() / b.abs().max())
            assert error < 1e-4, (ours, error)
            competitors[ours][0].train()
            competitors[theirs][0].train()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run(rounds: int, batch: int, device: torch.device) -> dict[str, list[float]]:
    competitors = _competitors(device)
    generator = torch.Generator().manual_seed(1)
    images = torch.randn(batch, 3, 32, 32, generator=generator).to(device)
    labels = torch.randint(0, 10, (batch,), generator=generator).to(device)
    _check_same_logits(competitors, images)
    for model, optimizer in competitors.values():  # warm-up (oneDNN primitives, allocator)
        for _ in range(3):
            _step(model, optimizer, images, labels)
    times: dict[str, list[float]] = {name: [] for name in competitors}
    for _ in range(rounds):
        for name, (model, optimizer) in competitors.items():
            _sync(device)
            start = time.perf_counter()
            _step(model, optimizer, images, labels)
            _sync(device)
            times[name].append(time.perf_counter() - start)
    return times


def report(times: dict[str, list[float]]) -> None:
    best = {name: min(values) for name, values in times.items()}
    median = {name: statistics.median(values) for name, values in times.items()}
    print("| competitor | min (ms) | median (ms) |")
    print("|---|---|---|")
    for name in times:
        print(f"| {name} | {best[name] * 1e3:.1f} | {median[name] * 1e3:.1f} |")
    print()
    print("| ratio | of minima | of medians |")
    print("|---|---|---|")
    for label, a, b in (
        ("ours plain / released plain (target ≤ 1)", "ours plain", "released plain"),
        ("ours pp / ours plain (target ≤ 1.03)", "ours pp", "ours plain"),
        ("ours pp / released pp", "ours pp", "released pp"),
        ("released pp / released plain", "released pp", "released plain"),
    ):
        print(f"| {label} | {best[a] / best[b]:.3f} | {median[a] / median[b]:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"torch {torch.__version__}, {device}, {args.threads} threads, batch {args.batch}, "
        f"{platform.machine()}, load {load}"
    )
    times = run(args.rounds, args.batch, device)
    report(times)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average after the run: {load}")


if __name__ == "__main__":
    main()
