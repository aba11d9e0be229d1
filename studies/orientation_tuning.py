"""
Orientation tuning at several contrasts
=======================================

A simple cell's response to a sinusoidal grating depends on the grating's orientation: the
*orientation tuning curve*. Its half-width at half-height (HWHH) measures how selective the
cell is; in macaque V1 the median HWHH is about 20° (De Valois, Yund & Hepler 1982), and in
cat and macaque the width hardly changes with contrast (Sclar & Freeman 1982).

This study measures tuning curves of two Gabor simple cells (Grigorescu, Petkov & Westenberg
2003) with the preferred orientation 0 and wavelength 8 px, at contrasts from 5 % to 100 %:

* **Gabor (rectified)**: ``r = [g ⋆ I]₊``. The linear stage scales with contrast and the
  rectification keeps the zero crossings, so the *shape* of the tuning curve cannot depend on
  contrast: its HWHH is contrast-invariant by construction.
* **Gabor + threshold**: ``r = [g ⋆ I − t]₊`` with ``t`` = 3 % of the response to the optimal
  full-contrast grating. At low contrast only the tip of the curve rises above the threshold
  (the "iceberg effect"), so the tuning narrows as contrast falls.

The response of a cell is its response at the image centre, maximised over the phase of the
grating (as the peak response to a drifting grating). Results are saved as an
:class:`xarray.Dataset` (netCDF) with dimensions ``model × contrast × orientation``.

Run it with ``python studies/orientation_tuning.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

import v1pushpull
from v1pushpull import filter_bank, gabor_kernel
from v1pushpull.analysis import (
    circular_variance,
    contrast_invariance_index,
    half_width_at_half_height,
    orientation_selectivity_index,
    preferred_orientation,
    response_at_centre,
    save_netcdf,
    tuning_curve,
)
from v1pushpull.plotting import curve_grid, width_against_contrast
from v1pushpull.stimuli import grating

WAVELENGTH = 8.0  # px, the cells' preferred wavelength; the gratings use the same
PREFERRED_ORIENTATION = 0.0  # rad
THRESHOLD_FRACTION = 0.03  # of the response to the optimal full-contrast grating
IMAGE_SIZE = 64  # px; larger than the 47 px Gabor support, so padding never reaches the centre
PHYSIOLOGY_HWHH = math.radians(20.0)  # macaque V1 median (De Valois, Yund & Hepler 1982)


def stimulus_grid(quick: bool) -> dict[str, np.ndarray]:
    """Contrasts, orientations (rad) and phases (rad) of the gratings."""
    return {
        "contrast": np.array([0.05, 0.1, 0.3, 1.0] if quick else [0.05, 0.1, 0.2, 0.3, 0.5, 1.0]),
        "orientation": np.linspace(0.0, math.pi, 36 if quick else 72, endpoint=False),
        "phase": np.linspace(0.0, 2 * math.pi, 4 if quick else 8, endpoint=False),
    }


def gabor_cell_centre_responses(grid: dict[str, np.ndarray], threshold: float) -> np.ndarray:
    """Responses ``[g ⋆ I − t]₊`` at the image centre, shape (contrast, orientation, phase)."""
    kernel = gabor_kernel(WAVELENGTH, PREFERRED_ORIENTATION, dtype=np.float32)
    responses = []
    for contrast in grid["contrast"]:
        images = grating(
            IMAGE_SIZE,
            WAVELENGTH,
            grid["orientation"][:, None],
            phase=grid["phase"],
            contrast=contrast,
            dtype=np.float32,
        )
        linear = response_at_centre(filter_bank(images, kernel))
        responses.append(np.maximum(linear - threshold, 0.0))
    return np.stack(responses).astype(np.float64)


def run(quick: bool = False) -> xr.Dataset:
    """Compute the tuning curves and their metrics; return them as a Dataset."""
    grid = stimulus_grid(quick)
    optimal = gabor_cell_centre_responses(
        {"contrast": np.array([1.0]), "orientation": np.array([0.0]), "phase": np.array([0.0])},
        threshold=0.0,
    )
    threshold = THRESHOLD_FRACTION * float(optimal.squeeze())
    models = {"gabor": 0.0, "gabor_threshold": threshold}
    by_phase = np.stack([gabor_cell_centre_responses(grid, t) for t in models.values()])
    response = tuning_curve(
        by_phase.max(axis=-1),
        {"model": list(models), "contrast": grid["contrast"], "orientation": grid["orientation"]},
        attrs={"long_name": "response at the image centre, maximum over grating phase"},
    )
    hwhh = half_width_at_half_height(response)
    dataset = xr.Dataset(
        {
            "response": response,
            "hwhh": hwhh,
            "preferred_orientation": preferred_orientation(response),
            "osi": orientation_selectivity_index(response),
            "circular_variance": circular_variance(response),
            "contrast_invariance_index": contrast_invariance_index(hwhh),
            "threshold": ("model", list(models.values()), {"units": "a.u."}),
        },
        attrs={
            "title": "Orientation tuning of Gabor simple cells at several contrasts",
            "study": "orientation_tuning",
            "v1pushpull_version": v1pushpull.__version__,
            "quick": int(quick),
            "wavelength_px": WAVELENGTH,
            "preferred_orientation_rad": PREFERRED_ORIENTATION,
            "bandwidth_octaves": 1.0,
            "aspect_ratio": 0.5,
            "kernel_normalization": "petkov",
            "threshold_fraction_of_optimal_response": THRESHOLD_FRACTION,
            "image_size_px": IMAGE_SIZE,
            "grating_phases_rad": grid["phase"],
            "response_definition": "cell centred on the image; maximum over the grating phases",
        },
    )
    return dataset


def summary(dataset: xr.Dataset) -> str:
    """HWHH (degrees) per model and contrast, and the contrast-invariance index."""
    table = np.degrees(dataset.hwhh).to_pandas()
    table.columns = [f"c={c:g}" for c in table.columns]
    table["CII"] = dataset.contrast_invariance_index.to_pandas()
    return "HWHH (deg) per model and contrast; CII = (max - min)/mean of HWHH\n" + (
        table.round(2).to_string()
    )


def plot(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    """Cartesian and polar tuning curves per model, and HWHH against contrast."""
    curves = curve_grid(dataset.response, col="model", hue="contrast")
    curves.suptitle("Orientation tuning curves")
    polar = curve_grid(dataset.response, col="model", hue="contrast", polar=True, normalise=True)
    polar.suptitle("Normalised polar tuning curves")
    widths, ax = plt.subplots(figsize=(4.5, 3.2), layout="constrained")
    width_against_contrast(dataset.hwhh, ax=ax, reference=(PHYSIOLOGY_HWHH, "macaque V1 median"))
    return {
        "orientation_tuning_curves": curves,
        "orientation_tuning_polar": polar,
        "orientation_tuning_hwhh": widths,
    }


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study, save ``orientation_tuning.nc`` and the figures in ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="coarser sampling, for tests")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    dataset = run(quick=args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    save_netcdf(dataset, args.out / "orientation_tuning.nc")
    for name, figure in plot(dataset).items():
        figure.savefig(args.out / f"{name}.png", dpi=110)
    print(summary(dataset))
    print(f"saved to {args.out}/ in {time.perf_counter() - start:.1f} s")
    return dataset


if __name__ == "__main__":
    main()
