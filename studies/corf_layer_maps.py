"""
The CORF cell as a learnable layer
==================================

:class:`v1pushpull.torch.corf_layer.CORFConv2d` computes the push-pull CORF cell [A14] —
rectified LGN subunits, blurred, shifted, combined by a weighted geometric mean, minus k times
the antiphase pull cell — as a differentiable torch layer. This study shows two things:

1. on a natural image (the camera man of scikit-image), the layer's orientation maps are the
   core cell's (``PushPullCell.response``), number for number;
2. in front of a small CNN trained for a few steps on the scikit-learn digits, what the
   training does to the cell's own parameters: the inhibition strength k of each orientation,
   the width σ̂ of the subunit weights and the DoG σ of the LGN stage.

Run it with ``python studies/corf_layer_maps.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
import xarray as xr
from _common import run_study, study_attrs
from torch import nn

from v1pushpull.cells import CORFCell, PushPullCell
from v1pushpull.datasets import load_digits
from v1pushpull.plotting.cells import plot_response_maps
from v1pushpull.torch.corf_layer import CORFConv2d

#: The cell of the maps: the released push-pull example (σ = 2.2 px, k = 1.8, β = 4 px).
MAP_CELL = PushPullCell(CORFCell(sigma=2.2))
#: The cell in front of the CNN: σ = 1 px and the first three radii of its ρ list, so that its
#: support (23 px with the pull) fits the 28 px digits.
TRAIN_CELL = PushPullCell(CORFCell(sigma=1.0, rho=(1.4135, 3.031, 6.9796)))
SEED = 0


# %%
# The maps: core cell and layer
# -----------------------------
# The layer is built from the cell with one call, ``CORFConv2d.from_cell(cell)``; its output
# channel o is the cell's response at orientation o.


def camera(size: int) -> np.ndarray:
    """The camera image of scikit-image, resized to ``size`` px, in [0, 1]."""
    from skimage import data
    from skimage.transform import resize

    return resize(data.camera() / 255.0, (size, size), anti_aliasing=True)


def maps(quick: bool) -> xr.Dataset:
    image = camera(96 if quick else 160)
    theta = np.arange(8) * 2 * np.pi / 8
    core = MAP_CELL.response(image, theta)
    layer = CORFConv2d.from_cell(MAP_CELL, orientations=theta, dtype=torch.float64)
    with torch.no_grad():
        ours = layer(torch.as_tensor(image)[None, None])[0].numpy()
    dims = ("orientation", "row", "col")
    coords = {"orientation": ("orientation", theta, {"units": "rad"})}
    return xr.Dataset(
        {
            "image": (("row", "col"), image),
            "core_response": (dims, core, {"long_name": "PushPullCell.response"}),
            "layer_response": (dims, ours, {"long_name": "CORFConv2d output"}),
        },
        coords=coords,
        attrs={"max_error_over_peak": float(np.abs(ours - core).max() / core.max())},
    )


# %%
# A few training steps in front of a small CNN
# --------------------------------------------
# The CORF layer (8 orientations, all its parameters learnable) feeds a batch normalisation
# and a two-layer head; Adam trains everything on the digits (28×28). The CORF parameters get a
# larger learning rate, so that a few steps show where they go.


def train(quick: bool) -> xr.Dataset:
    torch.manual_seed(SEED)
    images, labels = load_digits("train")
    steps, batch = (15, 32) if quick else (150, 64)
    layer = CORFConv2d.from_cell(TRAIN_CELL, orientations=8)
    model = nn.Sequential(
        layer,
        nn.BatchNorm2d(8),
        nn.MaxPool2d(4),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(64, 10),
    )
    corf = list(layer.parameters())
    head = [p for p in model.parameters() if all(p is not q for q in corf)]
    optimizer = torch.optim.Adam([{"params": corf, "lr": 0.05}, {"params": head, "lr": 3e-3}])
    before = {name: p.detach().clone().numpy() for name, p in layer.named_parameters()}
    x_all = torch.as_tensor(images, dtype=torch.float32)
    y_all = torch.as_tensor(labels)
    generator = torch.Generator().manual_seed(SEED)
    losses = []
    for _ in range(steps):
        index = torch.randint(0, len(y_all), (batch,), generator=generator)
        loss = nn.functional.cross_entropy(model(x_all[index]), y_all[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    after = {name: p.detach().clone().numpy() for name, p in layer.named_parameters()}
    theta = np.asarray(layer.orientations)
    stage = ("stage", ["initial", "trained"])
    return xr.Dataset(
        {
            "loss": ("step", np.asarray(losses), {"long_name": "training cross-entropy"}),
            "inhibition_strength": (
                ("stage", "orientation"),
                np.stack([before["inhibition_strength"], after["inhibition_strength"]]),
            ),
            "weight_sigma": (
                "stage",
                [float(before["weight_sigma"]), float(after["weight_sigma"])],
                {"units": "px"},
            ),
            "dog_sigma": (
                "stage",
                [float(before["dog_sigma"][0]), float(after["dog_sigma"][0])],
                {"units": "px"},
            ),
        },
        coords={
            "stage": stage[1],
            "step": np.arange(steps),
            "orientation": ("orientation", theta, {"units": "rad"}),
        },
        attrs={"steps": steps, "batch_size": batch, "seed": SEED},
    )


def run(quick: bool = False) -> xr.Dataset:
    dataset = xr.merge([maps(quick), train(quick)], combine_attrs="drop_conflicts")
    dataset.attrs.update(
        study_attrs(
            "corf_layer_maps",
            "CORFConv2d: maps on a natural image and what training changes",
            quick,
        )
    )
    return dataset


def summary(dataset: xr.Dataset) -> str:
    k = dataset.inhibition_strength.to_pandas().round(3)
    k.columns = [f"{np.degrees(t):.0f}°" for t in dataset.orientation.values]
    return (
        f"layer vs PushPullCell.response: max |difference| / peak = "
        f"{dataset.attrs['max_error_over_peak']:.2e}\n\n"
        f"training: {dataset.attrs['steps']} steps, loss {dataset.loss.values[0]:.3f} → "
        f"{dataset.loss.values[-1]:.3f}\n"
        f"weight σ̂ (px): {dataset.weight_sigma.values[0]:.3f} → "
        f"{dataset.weight_sigma.values[1]:.3f}\n"
        f"DoG σ (px): {dataset.dog_sigma.values[0]:.3f} → {dataset.dog_sigma.values[1]:.3f}\n"
        f"inhibition strength k per orientation:\n{k.to_string()}"
    )


def plot(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    theta = dataset.orientation.values
    core = plot_response_maps(dataset.core_response.values, theta, ncols=4)
    core.suptitle("PushPullCell.response (core)")
    layer = plot_response_maps(dataset.layer_response.values, theta, ncols=4)
    layer.suptitle("CORFConv2d (torch layer)")
    figure, (loss_ax, k_ax) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    loss_ax.plot(dataset.step, dataset.loss)
    loss_ax.set(xlabel="step", ylabel="cross-entropy", title="training loss")
    degrees = np.degrees(theta)
    for stage in dataset.stage.values:
        k_ax.plot(degrees, dataset.inhibition_strength.sel(stage=stage), "o-", label=stage)
    k_ax.set(xlabel="orientation (deg)", ylabel="k", title="inhibition strength")
    k_ax.legend()
    return {"corf_layer_core_maps": core, "corf_layer_maps": layer, "corf_layer_training": figure}


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``corf_layer_maps.nc`` and the figures in ``--out``."""
    return run_study("corf_layer_maps", __doc__, argv, run, plot, summary)


# sphinx_gallery_multi_image = "single"

if __name__ == "__main__":
    main()
