"""
Orientation tuning at several contrasts
=======================================

A simple cell's response to a sinusoidal grating depends on the grating's orientation: the
*orientation tuning curve*. Its half-width at half-height (HWHH) measures how selective the
cell is; in macaque V1 the median HWHH is about 20° (De Valois, Yund & Hepler 1982), and the
width hardly changes with contrast (Sclar & Freeman 1982).

This study measures the tuning curves of the model cells, all preferring orientation 0, at
contrasts from 5 % to 100 %:

* **Gabor (rectified)**, ``[g ⋆ I]₊`` (Grigorescu, Petkov & Westenberg 2003);
* **Gabor + threshold**, ``[g ⋆ I − t]₊``, ``t`` = 3 % of the response to the optimal
  full-contrast grating;
* **push-pull Gabor**, ``[r_push − k·r_pull]₊`` with an antiphase pull cell twice as large
  (Strisciuglio et al. 2020);
* **CORF**, the weighted geometric mean of rectified, blurred, shifted DoG responses
  (Azzopardi & Petkov 2012), DoG σ = 2.2 px;
* **push-pull CORF**, ``[r_push − 1.8·r_pull]₊`` (Azzopardi et al. 2014).

The two CORF cells are computed as the authors' released code computes them
(``CORFCell(convention="released")``: the published model); the rows ``corf_corrected`` and
``pushpull_corf_corrected`` are the same cells in the corrected convention, the released
code's discretisation quirks fixed (see :doc:`/corf_conventions`).

Each cell is probed with gratings of its own preferred wavelength (found by a scan at full
contrast). The response of a cell is its response at the image centre, maximised over the
grating's phase, as the peak response to a drifting grating. The results are an
:class:`xarray.Dataset` with dimensions ``model × contrast × orientation``, written to
``orientation_tuning.nc``; see :doc:`/reproduction` for what they say about the published
claims.

Run it with ``python studies/orientation_tuning.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from _common import (
    ALL_MODELS,
    degrees_table,
    make_models,
    model_attrs,
    model_responses,
    preferred_wavelengths,
    run_study,
    study_attrs,
    tuning_phases,
)

from v1pushpull.analysis import (
    circular_variance,
    contrast_invariance_index,
    half_width_at_half_height,
    orientation_selectivity_index,
    preferred_orientation,
)
from v1pushpull.plotting import curve_grid, plot_subunits, width_against_contrast
from v1pushpull.stimuli import grating

PHYSIOLOGY_HWHH = math.radians(20.0)  # macaque V1 median (De Valois, Yund & Hepler 1982)


def stimulus_grid(quick: bool) -> dict[str, np.ndarray]:
    """Contrasts, orientations (rad) and grating phases (rad)."""
    return {
        "contrast": np.array([0.05, 0.2, 1.0] if quick else [0.05, 0.1, 0.2, 0.5, 1.0]),
        "orientation": np.linspace(0.0, math.pi, 18 if quick else 30, endpoint=False),
        "phase": tuning_phases(quick),
    }


def run(quick: bool = False) -> xr.Dataset:
    """Measure the tuning curves of every model and their metrics."""
    grid = stimulus_grid(quick)
    models = make_models(ALL_MODELS)
    wavelengths = preferred_wavelengths(models, grid["phase"])
    # maximum over the grating phase: the peak response to a drifting grating
    response = model_responses(models, grating, grid, wavelengths).max("phase")
    response.attrs.update(
        units="a.u.", long_name="response at the image centre, maximum over grating phase"
    )
    hwhh = half_width_at_half_height(response)
    return xr.Dataset(
        {
            "response": response,
            "hwhh": hwhh,
            "preferred_orientation": preferred_orientation(response),
            "osi": orientation_selectivity_index(response),
            "circular_variance": circular_variance(response),
            "contrast_invariance_index": contrast_invariance_index(hwhh),
            "wavelength": ("model", list(wavelengths.values()), {"units": "px"}),
        },
        attrs=study_attrs(
            "orientation_tuning",
            "Orientation tuning of model simple cells at several contrasts",
            quick,
            cell_orientation_rad=0.0,
            grating_phases_rad=grid["phase"],
            response_definition="cell centred on the image; maximum over the grating phases",
            **model_attrs(models),
        ),
    )


def summary(dataset: xr.Dataset) -> str:
    """HWHH (degrees) per model and contrast, and the contrast-invariance index."""
    table = degrees_table(dataset.hwhh.rename(contrast="c"))
    cii = dataset.contrast_invariance_index.to_pandas().round(3).to_string()
    return (
        "HWHH (deg) per model and contrast\n"
        + table
        + "\n\ncontrast-invariance index (max - min)/mean of HWHH\n"
        + cii
    )


def plot_models() -> plt.Figure:
    """The receptive fields compared: Gabor push and pull kernels, CORF subunit layouts."""
    models = make_models(
        (
            "gabor",
            "pushpull_gabor",
            "corf",
            "pushpull_corf",
            "corf_corrected",
            "pushpull_corf_corrected",
        )
    )
    pull = models["pushpull_gabor"].pull
    size = pull.support
    kernels = {
        "Gabor (push) kernel": models["gabor"].linear_receptive_fields(0.0, size)[0],
        "push-pull Gabor: pull kernel": pull.linear_receptive_fields(0.0, size)[0],
    }
    fig, axes = plt.subplots(2, 3, figsize=(10.5, 6.8), layout="constrained")
    axes = axes.ravel()
    # one colour scale for both kernels, so their weights compare
    limit = max(float(np.abs(kernel).max()) for kernel in kernels.values())
    half = size // 2
    for ax, (title, kernel) in zip(axes[:2], kernels.items(), strict=True):
        image = ax.imshow(
            kernel,
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
            extent=(-half - 0.5, half + 0.5, half + 0.5, -half - 0.5),
        )
        ax.set_title(title, fontsize="small")
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")
    fig.colorbar(image, ax=axes[:2], shrink=0.8, pad=0.02, label="kernel weight")
    panels = {
        "corf": "CORF, released: subunits (red on, blue off)",
        "pushpull_corf": "push-pull CORF, released (pull dashed)",
        "corf_corrected": "CORF, corrected convention",
        "pushpull_corf_corrected": "push-pull CORF, corrected (pull dashed)",
    }
    for ax, (name, title) in zip(axes[2:], panels.items(), strict=True):
        plot_subunits(models[name], ax=ax)
        ax.set_title(title, fontsize="small")
    for ax in axes:
        ax.set_xlim(-40, 40)
        ax.set_ylim(40, -40)  # y downwards, as in images
    fig.suptitle("The model cells at orientation 0 (the same pixel scale in every panel)")
    return fig


def plot(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    """The models; tuning curves per model (Cartesian and polar); HWHH against contrast."""
    models = plot_models()
    curves = curve_grid(dataset.response, col="model", hue="contrast", max_columns=3)
    curves.suptitle("Orientation tuning curves")
    polar = curve_grid(
        dataset.response, col="model", hue="contrast", polar=True, normalise=True, max_columns=3
    )
    polar.suptitle("Normalised polar tuning curves")
    widths, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    width_against_contrast(dataset.hwhh, ax=ax, reference=(PHYSIOLOGY_HWHH, "macaque V1 median"))
    return {
        "orientation_tuning_models": models,
        "orientation_tuning_curves": curves,
        "orientation_tuning_polar": polar,
        "orientation_tuning_hwhh": widths,
    }


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``orientation_tuning.nc`` and the figures in ``--out``."""
    return run_study("orientation_tuning", __doc__, argv, run, plot, summary)


# each figure on its own row in the documentation gallery
# sphinx_gallery_multi_image = "single"
# sphinx_gallery_thumbnail_number = 3

if __name__ == "__main__":
    main()
