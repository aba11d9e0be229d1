"""
Contrast invariance of orientation tuning
=========================================

In cat and macaque V1 the width of orientation tuning hardly changes with stimulus contrast
(Sclar & Freeman 1982; Anderson, Lampl, Gillespie & Ferster 2000; Finn, Priebe & Ferster
2007), although a threshold on a linear receptive field predicts tuning that narrows as
contrast falls (the "iceberg effect"). In marmoset, with brief flashes, the width at low
contrast was about 76 % of the width at high contrast (Nowak & Barone 2009). Azzopardi &
Petkov (2012) report contrast-invariant orientation tuning for the CORF model and not for the
Gabor model.

This study measures the HWHH of each model's orientation tuning at six contrasts from 3 % to
100 %, overlays the curves normalised to their peak (identical shapes mean invariance), and
summarises the spread of the widths by the contrast-invariance index ``(max − min)/mean`` of
the HWHH. The HWHH is measured directly on the curve and, as a check, from von Mises fits.

The thresholded Gabor cell does not respond at all at the lowest contrast (3 %: its optimal
response stays below the threshold of 3 % of the full-contrast response), so its width there
is undefined: the table marks it *silent*, the saved ``hwhh`` holds NaN, and the width ratio
low/high takes the lowest contrast that evokes a response.

Run it with ``python studies/contrast_invariance.py [--out DIR] [--quick]``.
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
    contrast_invariance_index,
    fit_von_mises,
    half_width_at_half_height,
)
from v1pushpull.plotting import curve_grid, width_against_contrast
from v1pushpull.stimuli import grating

#: Mark of a cell that does not respond at a contrast (its HWHH is undefined, NaN).
SILENT = "silent"
NOWAK_BARONE_RATIO = 0.76  # HWHH at low / high contrast, marmoset V1 (Nowak & Barone 2009)


def stimulus_grid(quick: bool) -> dict[str, np.ndarray]:
    """Contrasts, orientations (rad) and grating phases (rad)."""
    return {
        "contrast": np.array([0.03, 0.1, 1.0] if quick else [0.03, 0.06, 0.12, 0.25, 0.5, 1.0]),
        "orientation": np.linspace(0.0, math.pi, 18 if quick else 24, endpoint=False),
        "phase": tuning_phases(quick),
    }


def run(quick: bool = False) -> xr.Dataset:
    """Tuning widths of every model at each contrast."""
    grid = stimulus_grid(quick)
    models = make_models(ALL_MODELS)
    wavelengths = preferred_wavelengths(models, grid["phase"])
    # maximum over the grating phase: the peak response to a drifting grating
    response = model_responses(models, grating, grid, wavelengths).max("phase")
    response.attrs.update(units="a.u.", long_name="centre response, maximum over grating phase")
    hwhh = half_width_at_half_height(response)
    fit = fit_von_mises(response)
    # the width at the lowest contrast that still evokes a response (a thresholded cell may
    # stay silent at the lowest contrasts)
    responding = hwhh.notnull()
    lowest = hwhh.isel(contrast=responding.argmax("contrast"), drop=True)
    return xr.Dataset(
        {
            "response": response,
            "hwhh": hwhh,
            "hwhh_von_mises": fit.hwhh,
            "von_mises_concentration": fit.concentration,
            "von_mises_concentration_stderr": fit.concentration_stderr,
            "contrast_invariance_index": contrast_invariance_index(hwhh),
            "width_ratio_low_high": (lowest / hwhh.sel(contrast=1.0, drop=True)).assign_attrs(
                units="1",
                long_name="HWHH at the lowest contrast with a response / HWHH at contrast 1",
            ),
            "wavelength": ("model", list(wavelengths.values()), {"units": "px"}),
        },
        attrs=study_attrs(
            "contrast_invariance",
            "Contrast invariance of the orientation tuning width",
            quick,
            grating_phases_rad=grid["phase"],
            nowak_barone_ratio=NOWAK_BARONE_RATIO,
            **model_attrs(models),
        ),
    )


def summary(dataset: xr.Dataset) -> str:
    """HWHH per model and contrast, the invariance index and the low/high width ratio."""
    table = degrees_table(dataset.hwhh.rename(contrast="c"), missing=SILENT)
    extra = xr.Dataset(
        {
            "CII": dataset.contrast_invariance_index,
            "HWHH low/high": dataset.width_ratio_low_high,
        }
    ).to_pandas()
    return (
        "HWHH (deg) per model and contrast\n"
        + table
        + f"\n({SILENT}: no response at any orientation, the grating is below the threshold)"
        + "\n\n"
        + extra.round(3).to_string()
        + f"\n(marmoset V1, Nowak & Barone 2009: low/high ratio ≈ {NOWAK_BARONE_RATIO})"
    )


def plot(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    """Normalised tuning curves overlaid per model; HWHH against contrast."""
    overlay = curve_grid(
        dataset.response, col="model", hue="contrast", normalise=True, max_columns=3
    )
    overlay.suptitle("Tuning curves normalised to their peak (overlap = contrast invariance)")
    widths, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    width_against_contrast(dataset.hwhh, ax=ax)
    ax.set_title("Tuning width against contrast", fontsize="medium")
    return {"contrast_invariance_curves": overlay, "contrast_invariance_hwhh": widths}


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``contrast_invariance.nc`` and the figures in ``--out``."""
    return run_study("contrast_invariance", __doc__, argv, run, plot, summary)


# each figure on its own row in the documentation gallery
# sphinx_gallery_multi_image = "single"

if __name__ == "__main__":
    main()
