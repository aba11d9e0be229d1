"""
Cross-orientation suppression
=============================

Superimposing an orthogonal grating (the *mask*) on a cell's optimal grating reduces the
response of a V1 simple cell, although the mask alone does not excite it; the suppression
grows with the mask's contrast and originates inside the classical receptive field
(DeAngelis, Robson, Ohzawa & Freeman 1992). A linear-rectified Gabor cell cannot show it: an
orthogonal grating adds nothing to its linear response. Azzopardi & Petkov (2012) report
cross-orientation suppression for the CORF model.

Each cell is shown a plaid: its optimal grating (orientation 0, its preferred wavelength,
contrast 0.5) plus an orthogonal mask of the same wavelength at contrasts 0 to 0.5. The
response is the centre response maximised over the test grating's phase and averaged over the
mask's phase; it is reported relative to the response to the test grating alone (1: no
effect, below 1: suppression, above 1: facilitation).

Run it with ``python studies/cross_orientation_suppression.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from _common import (
    ALL_MODELS,
    make_models,
    model_attrs,
    model_responses,
    preferred_wavelengths,
    run_study,
    study_attrs,
)

from v1pushpull.plotting import line_styles, model_color, model_label
from v1pushpull.stimuli import plaid

TEST_CONTRAST = 0.5


def stimulus_grid(quick: bool) -> dict[str, np.ndarray]:
    """Mask contrasts, mask phases (rad) and test-grating phases (rad)."""
    return {
        "mask_contrast": np.array(
            [0.0, 0.1, 0.25, 0.5] if quick else [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]
        ),
        # the mean over the mask phase needs 6 phases or more: 2 bias the CORF cell's relative
        # response by 8 %; 8, on the same π/4 grid as the test phases, by 2 %
        "mask_phase": np.linspace(0.0, 2 * math.pi, 6 if quick else 12, endpoint=False),
        # the push-pull CORF cell's peak over the test phase needs 12 phases or more (8 bias
        # its relative response by 5 %)
        "phase": np.linspace(0.0, 2 * math.pi, 12 if quick else 24, endpoint=False),
    }


def run(quick: bool = False) -> xr.Dataset:
    """Plaid responses of every model relative to the test grating alone."""
    grid = stimulus_grid(quick)
    models = make_models(ALL_MODELS)
    wavelengths = preferred_wavelengths(models, grid["phase"])
    response = (
        model_responses(
            models,
            plaid,
            grid,
            wavelengths,
            orientation=0.0,
            mask_orientation=math.pi / 2,
            contrast=TEST_CONTRAST,
        )
        .max("phase")
        .mean("mask_phase")
    )
    response.attrs.update(
        units="a.u.",
        long_name="response to the plaid, maximum over test phase, mean over mask phase",
    )
    relative = response / response.sel(mask_contrast=0.0)
    relative.attrs.update(units="1", long_name="response relative to the test grating alone")
    mask_alone = model_responses(
        models,
        plaid,
        {"phase": grid["phase"]},
        wavelengths,
        orientation=0.0,
        mask_orientation=math.pi / 2,
        contrast=0.0,
        mask_contrast=float(grid["mask_contrast"].max()),
    ).max("phase")
    return xr.Dataset(
        {
            "response": response,
            "relative_response": relative,
            "suppression": (1.0 - relative.sel(mask_contrast=grid["mask_contrast"].max()))
            .drop_vars("mask_contrast")
            .assign_attrs(units="1", long_name="1 - relative response at the largest mask"),
            "mask_alone_response": (
                "model",
                [float(r) for r in mask_alone],
                {"units": "a.u.", "long_name": "response to the mask alone (largest contrast)"},
            ),
            "test_alone_response": response.sel(mask_contrast=0.0, drop=True),
            "wavelength": ("model", list(wavelengths.values()), {"units": "px"}),
        },
        attrs=study_attrs(
            "cross_orientation_suppression",
            "Cross-orientation suppression: optimal grating plus an orthogonal mask",
            quick,
            test_contrast=TEST_CONTRAST,
            test_orientation_rad=0.0,
            mask_orientation_rad=math.pi / 2,
            **model_attrs(models),
        ),
    )


def summary(dataset: xr.Dataset) -> str:
    """Relative response per model and mask contrast."""
    table = dataset.relative_response.to_pandas().round(3)
    table.columns = [f"mask={c:g}" for c in table.columns]
    alone = (dataset.mask_alone_response / dataset.test_alone_response).to_pandas()
    table["mask alone"] = alone.round(3)
    return (
        f"Response to test ({TEST_CONTRAST:g}) + orthogonal mask, relative to the test alone\n"
        + table.to_string()
    )


def plot(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    """Relative response against mask contrast, one line per model."""
    fig, ax = plt.subplots(figsize=(5, 3.6), layout="constrained")
    # the Gabor models all stay at 1: distinct dashes and markers keep each one visible
    styles = line_styles(dataset.sizes["model"])
    for model, style in zip(dataset.model.values, styles, strict=True):
        line = dataset.relative_response.sel(model=model)
        ax.plot(
            line.mask_contrast, line, color=model_color(model), label=model_label(model), **style
        )
    ax.axhline(1.0, color="0.5", linewidth=0.8, linestyle="--")
    ax.set_xlabel("mask contrast")
    ax.set_ylabel("response / response to the test alone")
    ax.set_title(
        f"Orthogonal mask on the optimal grating (contrast {TEST_CONTRAST:g})", fontsize="medium"
    )
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return {"cross_orientation_suppression": fig}


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``cross_orientation_suppression.nc`` and the figure in ``--out``."""
    return run_study("cross_orientation_suppression", __doc__, argv, run, plot, summary)


# each figure on its own row in the documentation gallery
# sphinx_gallery_multi_image = "single"

if __name__ == "__main__":
    main()
