"""
Spatial-frequency tuning, push versus push-pull
===============================================

V1 simple cells are band-pass in spatial frequency: the full bandwidth at half height is
0.8–3 octaves, on average about 1.4 octaves in the fovea and 1.8 in the parafovea (Foster,
Gaska, Nagler & Pollen 1985). Azzopardi et al. (2014) report that push-pull inhibition makes
the CORF cell's spatial-frequency and orientation tuning separable and its spatial-frequency
tuning contrast dependent.

This study measures, for the Gabor and CORF cells with and without push-pull inhibition:

* the spatial-frequency tuning at orientation 0 at three contrasts, its peak frequency and its
  bandwidth in octaves (:func:`v1pushpull.analysis.spatial_frequency_bandwidth`);
* the orientation × spatial-frequency response surface at full contrast and its separability
  index ``s₁²/Σsᵢ²`` (1: the orientation tuning has the same shape at every frequency).

Responses are centre responses maximised over the grating phase.

Run it with ``python studies/spatial_frequency_tuning.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import matplotlib.ticker as ticker
import numpy as np
import xarray as xr
from _common import image_size, make_models, model_attrs, run_study, study_attrs

from v1pushpull.analysis import (
    centre_responses,
    separability_index,
    spatial_frequency_bandwidth,
)
from v1pushpull.plotting import curve_grid, model_label
from v1pushpull.stimuli import grating

MODELS = (
    "gabor",
    "pushpull_gabor",
    "corf",
    "pushpull_corf",
    "corf_corrected",
    "pushpull_corf_corrected",
)
FOSTER_BANDWIDTH = (0.8, 3.0)  # octaves, range in macaque V1 (Foster et al. 1985)


def stimulus_grid(quick: bool) -> dict[str, np.ndarray]:
    """Contrasts, spatial frequencies (cycles/px), orientations and phases (rad)."""
    return {
        "contrast": np.array([0.1, 1.0] if quick else [0.1, 0.3, 1.0]),
        "spatial_frequency": 1.0 / np.geomspace(64.0, 3.0, 13 if quick else 25),
        "orientation": np.linspace(0.0, math.pi, 8 if quick else 12, endpoint=False),
        "phase": np.linspace(0.0, 2 * math.pi, 8 if quick else 12, endpoint=False),
    }


def _measure(cell, coords: dict[str, np.ndarray], **fixed) -> xr.DataArray:
    """Centre responses over a grid in which spatial frequency replaces wavelength."""
    grid = {("wavelength" if k == "spatial_frequency" else k): v for k, v in coords.items()}
    grid["wavelength"] = 1.0 / grid["wavelength"]
    curve = centre_responses(
        cell, grating, grid, size=image_size(cell), dtype=np.float32, **fixed
    ).max("phase")
    return (
        curve.rename(wavelength="spatial_frequency")
        .assign_coords(spatial_frequency=coords["spatial_frequency"])
        .assign_coords(wavelength=("spatial_frequency", 1.0 / coords["spatial_frequency"]))
    )


def run(quick: bool = False) -> xr.Dataset:
    """SF tuning at several contrasts and the orientation × SF surface of each model."""
    grid = stimulus_grid(quick)
    models = make_models(MODELS)
    model_dim = xr.DataArray(list(models), dims="model", name="model")
    sf_curves = xr.concat(
        [
            _measure(
                cell,
                {k: grid[k] for k in ("contrast", "spatial_frequency", "phase")},
                orientation=0.0,
            )
            for cell in models.values()
        ],
        dim=model_dim,
    )
    surface_frequencies = grid["spatial_frequency"][:: 2 if not quick else 1]
    surfaces = xr.concat(
        [
            _measure(
                cell,
                {
                    "orientation": grid["orientation"],
                    "spatial_frequency": surface_frequencies,
                    "phase": grid["phase"][::2],
                },
                contrast=1.0,
            )
            for cell in models.values()
        ],
        dim=model_dim,
    )
    for curve in (sf_curves, surfaces):
        curve["spatial_frequency"].attrs.update(units="cycles/px", long_name="spatial frequency")
        curve.attrs.update(units="a.u.", long_name="centre response, maximum over phase")
    bandwidth = spatial_frequency_bandwidth(sf_curves)
    return xr.Dataset(
        {
            "sf_response": sf_curves,
            "bandwidth": bandwidth.bandwidth,
            "peak_frequency": bandwidth.peak_frequency,
            "centre_frequency": bandwidth.centre_frequency,
            "orientation_sf_response": surfaces.drop_vars("wavelength").rename(
                spatial_frequency="surface_frequency"
            ),
            "separability_index": separability_index(
                surfaces, ("orientation", "spatial_frequency")
            ),
        },
        attrs=study_attrs(
            "spatial_frequency_tuning",
            "Spatial-frequency tuning and bandwidth of push and push-pull cells",
            quick,
            grating_phases_rad=grid["phase"],
            foster_bandwidth_range_octaves=list(FOSTER_BANDWIDTH),
            **model_attrs(models),
        ),
    )


def summary(dataset: xr.Dataset) -> str:
    """Bandwidth (octaves) and peak wavelength per model and contrast; separability."""
    bandwidth = dataset.bandwidth.to_pandas().round(2)
    bandwidth.columns = [f"c={c:g}" for c in bandwidth.columns]
    peak = (1.0 / dataset.peak_frequency).to_pandas().round(1)
    peak.columns = [f"c={c:g}" for c in peak.columns]
    separability = dataset.separability_index.to_pandas().round(4).to_string()
    return (
        "SF bandwidth (octaves; macaque V1 0.8-3, mean ~1.4-1.8)\n"
        + bandwidth.to_string()
        + "\n\npeak wavelength (px)\n"
        + peak.to_string()
        + "\n\norientation x SF separability index (1 = separable)\n"
        + separability
    )


def _frequency_axis(ax: plt.Axes, frequencies: np.ndarray) -> None:
    """Log frequency axis with a few readable labels: powers of two written as 1/λ.

    Matplotlib labels the minor ticks of a log axis that spans less than a decade, and
    those labels run into each other; octave steps are the natural unit here.
    """
    ax.set_xscale("log")
    low, high = float(np.min(frequencies)), float(np.max(frequencies))
    octaves = 2.0 ** np.arange(np.floor(np.log2(low)), np.ceil(np.log2(high)) + 1)
    ax.xaxis.set_major_locator(ticker.FixedLocator(octaves))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda f, _: f"1/{1 / f:g}"))
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    ax.set_xlim(low / 1.1, high * 1.1)


def plot(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    """SF tuning per model and contrast; orientation × SF surfaces."""
    curves = curve_grid(
        dataset.sf_response, col="model", x="spatial_frequency", hue="contrast", normalise=True
    )
    for ax in curves.axes[: dataset.sizes["model"]]:
        _frequency_axis(ax, dataset.spatial_frequency.values)
    curves.suptitle("Spatial-frequency tuning, normalised to the peak")
    surface = dataset.orientation_sf_response
    fig, axes = plt.subplots(
        1,
        surface.sizes["model"],
        figsize=(2.8 * surface.sizes["model"], 2.9),
        layout="constrained",
        squeeze=False,
    )
    for ax, model in zip(axes[0], surface.model.values, strict=True):
        data = surface.sel(model=model).transpose("orientation", "surface_frequency")
        image = ax.pcolormesh(
            data.surface_frequency,
            np.degrees(data.orientation),
            data / data.max(),
            shading="nearest",
            cmap="magma",
            vmin=0.0,
            vmax=1.0,
        )
        _frequency_axis(ax, data.surface_frequency.values)
        separability = float(dataset.separability_index.sel(model=model))
        ax.set_title(f"{model_label(model)}\nseparability {separability:.3f}", fontsize="small")
        ax.set_xlabel("spatial frequency (cycles/px)")
    axes[0, 0].set_ylabel("orientation (deg)")
    fig.colorbar(image, ax=axes, shrink=0.85, label="response / its maximum")
    fig.suptitle("Orientation x spatial frequency (normalised response)")
    return {"spatial_frequency_tuning": curves, "orientation_sf_surface": fig}


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``spatial_frequency_tuning.nc`` and the figures in ``--out``."""
    return run_study("spatial_frequency_tuning", __doc__, argv, run, plot, summary)


# each figure on its own row in the documentation gallery
# sphinx_gallery_multi_image = "single"

if __name__ == "__main__":
    main()
