"""
Contrast response and saturation
================================

How does a cell's response grow with the contrast of its optimal grating? V1 neurons respond
roughly linearly up to about 30 % contrast and then saturate; the curve is usually fitted with
the Naka–Rushton function ``R = R_max·cⁿ/(cⁿ + c50ⁿ) + R_0`` (Albrecht & Hamilton 1982).
Azzopardi & Petkov (2012) list response saturation among the properties of the CORF model that
the Gabor model lacks.

Here every model cell is shown its optimal grating (orientation 0, its preferred wavelength)
at contrasts from 1 % to 100 %; the response is the centre response maximised over the grating
phase. The study fits the Naka–Rushton function (with standard errors from the fit's
covariance) and reports a saturation index ``1 − (R(1)/R(0.5) − 1)``: 0 for a response
proportional to contrast, 1 for a fully saturated one, negative for an expansive response.

Run it with ``python studies/contrast_response.py [--out DIR] [--quick]``.
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

from v1pushpull.analysis import (
    contrast_saturation_index,
    fit_naka_rushton,
    naka_rushton,
)
from v1pushpull.plotting import line_styles, model_color, model_label
from v1pushpull.stimuli import grating


def stimulus_grid(quick: bool) -> dict[str, np.ndarray]:
    """Contrasts (log-spaced, including 0.5 and 1) and grating phases (rad)."""
    contrasts = np.unique(np.append(np.geomspace(0.01, 1.0, 8 if quick else 15), 0.5))
    return {
        "contrast": contrasts,
        "phase": np.linspace(0.0, 2 * math.pi, 8 if quick else 12, endpoint=False),
    }


def run(quick: bool = False) -> xr.Dataset:
    """Contrast-response curves of every model, Naka–Rushton fits and saturation indices."""
    grid = stimulus_grid(quick)
    models = make_models(ALL_MODELS)
    wavelengths = preferred_wavelengths(models, grid["phase"])
    response = model_responses(models, grating, grid, wavelengths, orientation=0.0).max("phase")
    response.attrs.update(units="a.u.", long_name="response to the optimal grating")
    # relative to each model's full-contrast response, so the fits are comparable
    normalised = response / response.sel(contrast=1.0)
    normalised.attrs.update(units="1")
    fit = fit_naka_rushton(normalised)
    dataset = xr.Dataset(
        {
            "response": response,
            "normalised_response": normalised,
            "saturation_index": contrast_saturation_index(response),
            "wavelength": ("model", list(wavelengths.values()), {"units": "px"}),
        },
        attrs=study_attrs(
            "contrast_response",
            "Contrast response of model simple cells and Naka-Rushton fits",
            quick,
            grating_phases_rad=grid["phase"],
            fit_function=fit.attrs["function"],
            fit_note="fitted to the response divided by the full-contrast response; standard "
            "errors scaled by the residual variance; c50 is bounded to [1e-6, 100]",
            **model_attrs(models),
        ),
    )
    for variable in fit.data_vars:
        dataset[f"fit_{variable}"] = fit[variable]
    return dataset


def summary(dataset: xr.Dataset) -> str:
    """Naka–Rushton parameters ± standard errors and the saturation index, per model."""
    rows = []
    for model in dataset.model.values:
        fit = dataset.sel(model=model)
        c50 = float(fit.fit_c50)
        if c50 > 10:  # the half-saturation contrast lies far outside [0, 1]: no saturation
            rows.append(
                f"{model:<16} c50 > 10 (no saturation up to contrast 1)"
                f" saturation index = {float(fit.saturation_index):6.3f}"
            )
            continue
        rows.append(
            f"{model:<16} c50 = {c50:7.3g} ± {float(fit.fit_c50_stderr):<8.2g}"
            f" n = {float(fit.fit_exponent):5.2f} ± {float(fit.fit_exponent_stderr):<8.2g}"
            f" saturation index = {float(fit.saturation_index):6.3f}"
        )
    return "Naka-Rushton fits (response / response at c = 1)\n" + "\n".join(rows)


def plot(dataset: xr.Dataset) -> dict[str, plt.Figure]:
    """Normalised contrast-response curves with their fits, linear and log contrast axes."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    fine = np.geomspace(float(dataset.contrast.min()), 1.0, 200)
    # several models share one normalised curve (a linear response): distinct dashes and
    # markers, wider lines below, keep every one of them visible
    styles = line_styles(dataset.sizes["model"])
    for model, style in zip(dataset.model.values, styles, strict=True):
        data = dataset.sel(model=model)
        fitted = naka_rushton(
            fine,
            float(data.fit_r_max),
            float(data.fit_c50),
            float(data.fit_exponent),
            float(data.fit_baseline),
        )
        for ax in axes:
            ax.plot(
                data.contrast,
                data.normalised_response,
                linestyle="none",
                marker=style["marker"],
                markersize=style["markersize"],
                markerfacecolor="none",
                color=model_color(model),
            )
            ax.plot(
                fine,
                fitted,
                color=model_color(model),
                linestyle=style["linestyle"],
                linewidth=style["linewidth"],
                label=model_label(model),
            )
    axes[0].set_xlabel("contrast")
    axes[1].set_xlabel("contrast (log scale)")
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    axes[1].set_ylim(bottom=3e-3)
    axes[0].set_ylabel("response / response at contrast 1")
    axes[0].legend(fontsize="small")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle("Contrast response (points) and Naka-Rushton fits (lines)")
    # say in words which curves lie on top of each other, where the eye cannot tell
    shared = _coinciding(dataset.normalised_response)
    if shared:
        axes[0].text(
            0.98,
            0.03,
            "\n".join("coincide: " + ", ".join(model_label(m) for m in group) for group in shared),
            transform=axes[0].transAxes,
            ha="right",
            va="bottom",
            fontsize="x-small",
            color="0.3",
        )
    return {"contrast_response": fig}


def _coinciding(curves: xr.DataArray, tolerance: float = 0.005) -> list[list[str]]:
    """Groups of models whose curves agree within ``tolerance`` at every contrast."""
    groups: list[list[str]] = []
    for model in curves.model.values:
        for group in groups:
            difference = np.abs(curves.sel(model=model) - curves.sel(model=group[0]))
            if float(difference.max()) < tolerance:
                group.append(str(model))
                break
        else:
            groups.append([str(model)])
    return [group for group in groups if len(group) > 1]


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``contrast_response.nc`` and the figure in ``--out``."""
    return run_study("contrast_response", __doc__, argv, run, plot, summary)


# each figure on its own row in the documentation gallery
# sphinx_gallery_multi_image = "single"

if __name__ == "__main__":
    main()
