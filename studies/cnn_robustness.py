"""
CNN robustness with a push-pull first layer
===========================================

Strisciuglio, Lopez-Antequera & Petkov (2020) replaced the first convolution of LeNets by a
push-pull layer, trained on clean MNIST and tested on images with additive Gaussian noise
(variance 0.01 to 0.5) and with reduced contrast followed by Poisson noise (contrast 0.5 to
0.2). The push-pull LeNets kept more accuracy, dramatically so under low contrast (e.g.
LeNet-B: 41.5 % → 75.7 % at contrast 0.2, their Figure 5).

MNIST cannot be downloaded here, so this study runs the same protocol on scikit-learn's 1,797
handwritten digits, laid out like MNIST (28×28 px, 20×20 px digit box): 1,347 training and
450 test images. LeNet-A and LeNet-B (5×5 kernels, 2×2 max pooling, ReLU — the paper does not
state these), with and without a push-pull first layer (scale 2, α = 1), are trained on the
clean digits with the paper's recipe shortened to fit a few CPU minutes (24 epochs, SGD with
lr 0.02, batch 32, Nesterov momentum 0.9, weight decay 5e-4, lr ÷10 at one and two thirds of
the epochs), from five seeds each, and tested under the paper's corruptions. The figure shows
accuracy against corruption level, mean ± standard deviation over the seeds.

With 450 test images one image is 0.22 %, and different seeds of the same network differ by
a few %, so only differences larger than that spread mean anything; the summary prints the
push-pull gain with its spread over seeds next to the paper's MNIST numbers. On these digits
we found no gain larger than that spread: under Gaussian noise plain and push-pull LeNets
are within 1.5 % of each other, and under low contrast the sign of the gain depends on the
seed (LeNet-A +11 %, LeNet-B −13 % at contrast 0.2, both ± 17–22 %).

Run it with ``python studies/cnn_robustness.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
import xarray as xr
from _common import run_study, study_attrs

from v1pushpull.datasets import load_digits
from v1pushpull.plotting import plot_comparison
from v1pushpull.robustness import MNIST_PROTOCOL
from v1pushpull.torch.data import make_loaders
from v1pushpull.torch.evaluation import evaluate
from v1pushpull.torch.models import build_model
from v1pushpull.torch.training import seed_everything, train

PLACEMENTS = ("none", "first")
#: Accuracy (%) of [S20] on MNIST (Figures 4 and 5): variant → placement → clean and levels.
PAPER_ACCURACY = {
    "additive_gaussian_noise": {
        ("A", "none"): (98.93, 98.73, 94.61, 76.83, 61.60),
        ("A", "first"): (99.11, 98.93, 95.27, 78.38, 62.80),
        ("B", "none"): (98.85, 98.64, 90.24, 62.62, 45.67),
        ("B", "first"): (98.74, 98.66, 95.24, 78.72, 63.10),
    },
    "contrast_poisson": {
        ("A", "none"): (98.93, 80.36, 69.07, 52.79, 30.80),
        ("A", "first"): (99.11, 97.53, 95.09, 89.10, 62.84),
        ("B", "none"): (98.85, 96.65, 91.37, 72.88, 41.52),
        ("B", "first"): (98.74, 97.10, 94.87, 91.01, 75.70),
    },
}


def settings(quick: bool) -> dict:
    """Variants, seeds and schedule: the full study fits ~3 CPU minutes, --quick ~30 s."""
    if quick:
        return {"variants": ("A",), "seeds": (0, 1), "epochs": 12, "lr": 0.02, "batch_size": 32}
    return {
        "variants": ("A", "B"),
        "seeds": tuple(range(5)),
        "epochs": 24,
        "lr": 0.02,
        "batch_size": 32,
    }


def mnist_like_test_set() -> tuple[np.ndarray, np.ndarray]:
    """The 450 test digits stored, like MNIST, as 8-bit grey levels.

    The Poisson noise of the contrast corruption counts photons by the number of distinct
    grey levels in each image (128 or 256 for MNIST); quantising gives the digits the same
    count, where their interpolated float values would give 256 or 512, i.e. weaker noise.
    """
    images, labels = load_digits("test")
    return np.round(images * 255) / 255, labels


def train_and_test(variant: str, placement: str, seed: int, setup: dict) -> xr.Dataset:
    """Train one LeNet on the clean digits; its errors under the MNIST protocol of [S20]."""
    train_loader, _ = make_loaders("digits", batch_size=setup["batch_size"], seed=seed)
    seed_everything(seed)
    model = build_model(f"lenet-{variant.lower()}", pushpull=placement)
    train(
        model,
        train_loader,
        recipe="lenet",
        epochs=setup["epochs"],
        lr=setup["lr"],
        seed=seed,
        progress=False,
    )
    return evaluate(model, mnist_like_test_set(), MNIST_PROTOCOL, seed=seed, progress=False)


def run(quick: bool) -> xr.Dataset:
    """Accuracy (%) by variant, placement, seed, corruption and severity, and clean."""
    setup = settings(quick)
    # tiny networks: one thread avoids the overhead of splitting small convolutions
    torch.set_num_threads(1)
    rows = []
    for variant in setup["variants"]:
        for placement in PLACEMENTS:
            for seed in setup["seeds"]:
                result = train_and_test(variant, placement, seed, setup)
                rows.append(
                    xr.Dataset(
                        {
                            "accuracy": 100.0 - result["error"],
                            "clean_accuracy": 100.0 - result["clean_error"],
                        }
                    ).expand_dims(variant=[variant], pushpull=[placement], seed=[seed])
                )
                print(
                    f"LeNet-{variant} push-pull={placement} seed {seed}: clean "
                    f"{100 - float(result.clean_error):.2f} %",
                    flush=True,
                )
    dataset = xr.combine_by_coords(rows)
    dataset["accuracy"].attrs = {"units": "%", "long_name": "top-1 accuracy, corrupted digits"}
    dataset["clean_accuracy"].attrs = {"units": "%", "long_name": "top-1 accuracy, clean"}
    dataset["pushpull"].attrs["description"] = "none: plain LeNet; first: push-pull conv1"
    dataset.attrs = study_attrs(
        "cnn_robustness",
        "LeNets with and without a push-pull first layer on corrupted digits",
        quick,
        data="scikit-learn digits at 28×28 px (1,347 train / 450 test, 8-bit test images)",
        architecture="LeNet: 5×5 conv, ReLU, 2×2 max pool (×2), FC, FC, FC",
        pushpull_layer="scale 2, alpha 1, no learned alpha",
        recipe=(
            f"SGD lr {setup['lr']}, Nesterov 0.9, weight decay 5e-4, batch "
            f"{setup['batch_size']}, {setup['epochs']} epochs, lr ÷10 at 1/3 and 2/3"
        ),
    )
    return dataset


def plot(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    """Accuracy against corruption level per corruption, mean ± std over seeds."""
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    runs, labels, solid, run_colors = [], [], [], []
    for number, variant in enumerate(dataset["variant"].values.tolist()):
        for placement in PLACEMENTS:
            runs.append(dataset.sel(variant=variant, pushpull=placement))
            labels.append(f"LeNet {'P' if placement == 'first' else ''}{variant}")
            solid.append(placement == "first")
            run_colors.append(colors[number % len(colors)])
    fig = plot_comparison(
        runs,
        labels,
        variable="accuracy",
        clean="clean_accuracy",
        spread="seed",
        solid=solid,
        colors=run_colors,
        titles={
            "additive_gaussian_noise": ("Additive Gaussian noise", "noise variance σ²"),
            "contrast_poisson": ("Contrast reduction + Poisson noise", "contrast C"),
        },
        ylabel="accuracy (%)",
        panel_size=(5.0, 3.8),
    )
    n_seeds = dataset.sizes["seed"]
    fig.suptitle(f"Digits: plain (dashed) vs push-pull first layer (solid), {n_seeds} seeds")
    fig.tight_layout()
    return {"cnn_robustness": fig}


def summary(dataset: xr.Dataset) -> str:
    """Mean accuracy per network and level, the push-pull gain, and the paper's MNIST values."""
    lines = []
    for corruption in dataset["corruption"].values.tolist():
        levels = dataset["level"].sel(corruption=corruption).values
        header = ["clean", *(f"{v:g}" for v in levels)]
        lines.append(f"\n{corruption} — accuracy (%), mean ± std over seeds [paper, MNIST]")
        lines.append(f"{'':12}" + "".join(f"{h:>22}" for h in header))
        for variant in dataset["variant"].values.tolist():
            means = {}
            for placement in PLACEMENTS:
                runs = dataset.sel(variant=variant, pushpull=placement)
                values = np.concatenate(
                    [
                        runs["clean_accuracy"].values[:, None],
                        runs["accuracy"].sel(corruption=corruption).values,
                    ],
                    axis=1,
                )
                means[placement] = values
                paper = PAPER_ACCURACY.get(corruption, {}).get((variant, placement))
                cells = [
                    f"{m:6.2f} ± {s:4.2f}" + (f" [{p:5.1f}]" if paper else "")
                    for m, s, p in zip(
                        values.mean(0),
                        values.std(0),
                        paper or [None] * values.shape[1],
                        strict=True,
                    )
                ]
                name = f"{'P' if placement == 'first' else ' '}{variant}"
                lines.append(f"LeNet {name:6}" + "".join(f"{c:>22}" for c in cells))
            gain = means["first"] - means["none"]  # paired by seed
            cells = [
                f"{m:+6.2f} ± {s:4.2f}" for m, s in zip(gain.mean(0), gain.std(0), strict=True)
            ]
            lines.append(f"{'gain ' + variant:12}" + "".join(f"{c:>22}" for c in cells))
    n = dataset.sizes["seed"]
    lines.append(
        f"\n(gain = push-pull minus plain, paired by seed, mean ± std over {n} seeds; "
        "bracketed: [S20] on MNIST, Figures 4-5)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``cnn_robustness.nc`` and ``cnn_robustness.png`` in ``--out``."""
    return run_study("cnn_robustness", __doc__, argv, run, plot, summary)


if __name__ == "__main__":
    main()
