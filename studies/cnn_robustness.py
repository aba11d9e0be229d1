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
seed (LeNet-A +11 %, LeNet-B −13 % at contrast 0.2, both ± 17–22 %). The fixed CORF front
ends keep the clean accuracy but lose most of it under noise (LeNet-A behind a push-pull CORF
front end: 13 ± 1 % at noise variance 0.5 against 78 ± 3 % for the plain LeNet-A; see
``docs/robustness_note.md``).

Beside them run LeNet-A behind a fixed CORF front end and behind a fixed push-pull CORF front
end (:mod:`v1pushpull.torch.front_end`: the responses of the σ = 1 px CORF cell with three
rings, which fits 28 px images, at 8 orientations, then a BatchNorm; the LeNet's first
convolution takes the 8 maps), on the same seeds, recipe and corruptions. The CORF layer costs
more CPU time than a convolution, so the default run trains these two networks for variant A
only, and ``--quick`` trains them from one seed for 4 epochs (the plain and push-pull rows: 2
seeds, 12 epochs): quick mode shows the pipeline, not the science.

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

#: The networks: name → (push-pull placement, front end of v1pushpull.torch.front_end).
NETWORKS: dict[str, tuple[str, str]] = {
    "plain": ("none", "none"),
    "pushpull": ("first", "none"),
    "corf": ("none", "corf"),
    "pushpull_corf": ("none", "pushpull_corf"),
}
#: The networks behind a CORF front end (trained for fewer variants / seeds, see settings).
FRONT_END_NETWORKS = ("corf", "pushpull_corf")
_LABELS = {"plain": "", "pushpull": "P", "corf": " + CORF", "pushpull_corf": " + pp-CORF"}
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
    """Variants, seeds and schedule of the plain and push-pull LeNets (the full study's share
    fits ~3 quiet CPU minutes, --quick ~30 s), and of the CORF front-end networks
    (``front_end``: variant A, the same seeds and schedule; --quick: one seed, 4 epochs,
    which took --quick from 28 s to 47 s)."""
    if quick:
        return {
            "variants": ("A",),
            "seeds": (0, 1),
            "epochs": 12,
            "lr": 0.02,
            "batch_size": 32,
            "front_end": {"variants": ("A",), "seeds": (0,), "epochs": 4},
        }
    return {
        "variants": ("A", "B"),
        "seeds": tuple(range(5)),
        "epochs": 24,
        "lr": 0.02,
        "batch_size": 32,
        "front_end": {"variants": ("A",), "seeds": tuple(range(5)), "epochs": 24},
    }


def schedule(setup: dict, network: str) -> tuple[tuple[str, ...], tuple[int, ...], int]:
    """Variants, seeds and epochs of one network."""
    own = setup["front_end"] if network in FRONT_END_NETWORKS else setup
    return own["variants"], own["seeds"], own["epochs"]


def mnist_like_test_set() -> tuple[np.ndarray, np.ndarray]:
    """The 450 test digits stored, like MNIST, as 8-bit grey levels.

    The Poisson noise of the contrast corruption counts photons by the number of distinct
    grey levels in each image (128 or 256 for MNIST); quantising gives the digits the same
    count, where their interpolated float values would give 256 or 512, i.e. weaker noise.
    """
    images, labels = load_digits("test")
    return np.round(images * 255) / 255, labels


def train_and_test(variant: str, network: str, seed: int, setup: dict) -> xr.Dataset:
    """Train one LeNet on the clean digits; its errors under the MNIST protocol of [S20]."""
    train_loader, _ = make_loaders("digits", batch_size=setup["batch_size"], seed=seed)
    seed_everything(seed)
    placement, front_end = NETWORKS[network]
    model = build_model(f"lenet-{variant.lower()}", pushpull=placement, front_end=front_end)
    train(
        model,
        train_loader,
        recipe="lenet",
        epochs=schedule(setup, network)[2],
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
    # variant by variant, so that a run cut short has every network of the first variant
    order = [(v, n) for v in setup["variants"] for n in NETWORKS if v in schedule(setup, n)[0]]
    for variant, network in order:
        for seed in schedule(setup, network)[1]:
            result = train_and_test(variant, network, seed, setup)
            rows.append(
                xr.Dataset(
                    {
                        "accuracy": 100.0 - result["error"],
                        "clean_accuracy": 100.0 - result["clean_error"],
                    }
                ).expand_dims(variant=[variant], network=[network], seed=[seed])
            )
            strongest = (100.0 - result["error"]).isel(severity=-1).values
            print(
                f"LeNet-{variant} {network} seed {seed}: clean "
                f"{100 - float(result.clean_error):.2f} %, strongest level "
                + ", ".join(
                    f"{c} {a:.2f} %"
                    for c, a in zip(result["corruption"].values, strongest, strict=True)
                ),
                flush=True,
            )
    # networks trained for fewer variants or seeds are NaN where they did not run
    dataset = xr.combine_by_coords(rows).reindex(network=list(NETWORKS))
    dataset["accuracy"].attrs = {"units": "%", "long_name": "top-1 accuracy, corrupted digits"}
    dataset["clean_accuracy"].attrs = {"units": "%", "long_name": "top-1 accuracy, clean"}
    dataset["network"].attrs["description"] = (
        "plain: LeNet; pushpull: push-pull conv1; corf / pushpull_corf: LeNet behind a fixed "
        "CORF / push-pull CORF front end (NaN where not trained)"
    )
    dataset.attrs = study_attrs(
        "cnn_robustness",
        "LeNets with and without a push-pull first layer on corrupted digits",
        quick,
        data="scikit-learn digits at 28×28 px (1,347 train / 450 test, 8-bit test images)",
        architecture="LeNet: 5×5 conv, ReLU, 2×2 max pool (×2), FC, FC, FC",
        pushpull_layer="scale 2, alpha 1, no learned alpha",
        front_end=(
            "fixed CORFConv2d of CORFCell(sigma=1.0, rho=(1.4135, 3.031, 6.9796)) (pushpull_corf: "
            "its PushPullCell, k 1.8, beta 4 px), 8 orientations, BatchNorm; "
            f"{setup['front_end']['epochs']} epochs, seeds {list(setup['front_end']['seeds'])}"
        ),
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
        for index, network in enumerate(NETWORKS):
            run = dataset.sel(variant=variant, network=network)
            if bool(run["clean_accuracy"].isnull().all()):
                continue
            runs.append(run.dropna("seed", how="all"))
            label = _LABELS[network]
            labels.append(
                f"LeNet {label}{variant}" if len(label) < 2 else f"LeNet {variant}{label}"
            )
            solid.append(network != "plain")
            shade = number if index < 2 else len(NETWORKS) + index
            run_colors.append(colors[shade % len(colors)])
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
    fig.suptitle(
        f"Digits: plain (dashed), push-pull first layer and CORF front ends (solid), "
        f"up to {n_seeds} seeds"
    )
    fig.tight_layout()
    return {"cnn_robustness": fig}


def summary(dataset: xr.Dataset) -> str:
    """Mean accuracy per network and level, each network's gain over the plain LeNet (paired
    by seed), and the paper's MNIST values."""
    lines = []
    for corruption in dataset["corruption"].values.tolist():
        levels = dataset["level"].sel(corruption=corruption).values
        header = ["clean", *(f"{v:g}" for v in levels)]
        lines.append(f"\n{corruption} — accuracy (%), mean ± std over seeds [paper, MNIST]")
        lines.append(f"{'':22}" + "".join(f"{h:>22}" for h in header))
        for variant in dataset["variant"].values.tolist():
            values = {}
            for network, (placement, _) in NETWORKS.items():
                runs = dataset.sel(variant=variant, network=network)
                table = np.concatenate(
                    [
                        runs["clean_accuracy"].values[:, None],
                        runs["accuracy"].sel(corruption=corruption).values,
                    ],
                    axis=1,
                )
                if np.isnan(table).all():
                    continue
                values[network] = table
                paper = None
                if network in ("plain", "pushpull"):
                    paper = PAPER_ACCURACY.get(corruption, {}).get((variant, placement))
                lines.append(f"LeNet-{variant} {network:14}" + _cells(table, paper, sign=False))
            for network, table in values.items():
                if network != "plain":
                    gain = table - values["plain"]  # paired by seed
                    lines.append(f"{'gain ' + variant + ' ' + network:22}" + _cells(gain))
    n = {
        network: int(dataset["clean_accuracy"].sel(network=network).notnull().sum())
        for network in NETWORKS
    }
    lines.append(
        f"\n(gain = network minus plain LeNet, paired by seed, mean ± std over the seeds both "
        f"ran; trained networks per kind: {n}; bracketed: [S20] on MNIST, Figures 4-5)"
    )
    return "\n".join(lines)


def _cells(table: np.ndarray, paper: tuple | None = None, sign: bool = True) -> str:
    """``mean ± std`` over the seeds (rows) that ran, per column."""
    kept = table[~np.isnan(table).any(axis=1)]
    form = "+6.2f" if sign else "6.2f"
    cells = [
        f"{m:{form}} ± {sd:4.2f}" + (f" [{p:5.1f}]" if paper else "")
        for m, sd, p in zip(kept.mean(0), kept.std(0), paper or [None] * kept.shape[1], strict=True)
    ]
    return "".join(f"{c:>22}" for c in cells)


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``cnn_robustness.nc`` and ``cnn_robustness.png`` in ``--out``."""
    return run_study("cnn_robustness", __doc__, argv, run, plot, summary)


if __name__ == "__main__":
    main()
