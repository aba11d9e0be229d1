"""Tests of v1pushpull.plotting.tuning: what is drawn matches the data it was given."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

from v1pushpull import gabor_bank
from v1pushpull.analysis import tuning_curve
from v1pushpull.plotting import (
    MODEL_COLORS,
    curve_grid,
    kernel_gallery,
    line_styles,
    model_color,
    model_label,
    polar_tuning,
    tuning_curves,
    width_against_contrast,
)

THETA = np.linspace(0, math.pi, 36, endpoint=False)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def curves(models=("gabor", "corf")):
    values = np.cos(THETA - 0.3)[None, None, :] ** 2 * np.array([0.5, 1.0])[None, :, None]
    values = np.repeat(values, len(models), axis=0)
    return tuning_curve(
        values, {"model": list(models), "contrast": [0.5, 1.0], "orientation": THETA}
    )


def test_tuning_curves_draw_the_data_in_degrees_centred_on_the_peak():
    curve = curves().sel(model="gabor")
    ax = tuning_curves(curve)
    assert len(ax.lines) == 2
    x, y = ax.lines[1].get_data()
    # x spans one period (180°) centred on the sampled peak
    peak = math.degrees(THETA[np.argmax(curve.sel(contrast=1.0).values)])
    assert peak - 90 - 1e-9 <= x.min() < x.max() < peak + 90
    assert x[np.argmax(y)] == pytest.approx(peak)
    # the data are the curve's values, re-ordered along x
    np.testing.assert_allclose(np.sort(y), np.sort(curve.sel(contrast=1.0).values))
    assert ax.get_xlabel() == "orientation (deg)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0.5", "1"]


def test_tuning_curves_normalise_each_curve_to_its_peak():
    ax = tuning_curves(curves().sel(model="gabor"), normalise=True)
    assert [line.get_ydata().max() for line in ax.lines] == pytest.approx([1.0, 1.0])


def test_tuning_curves_reject_extra_dimensions_and_non_dataarrays():
    with pytest.raises(ValueError, match="select"):
        tuning_curves(curves())
    with pytest.raises(TypeError, match="DataArray"):
        tuning_curves(np.ones(3))
    with pytest.raises(ValueError, match="no dimension"):
        tuning_curves(curves().sel(model="gabor"), hue="noise_std")


def test_polar_tuning_closes_the_curve_and_mirrors_a_pi_period():
    ax = polar_tuning(curves().sel(model="gabor", contrast=1.0), hue=None)
    assert ax.name == "polar"
    angles, radii = ax.lines[0].get_data()
    assert angles.size == 2 * THETA.size + 1  # θ, θ + π and the closing point
    assert angles[-1] == pytest.approx(angles[0] + 2 * math.pi)
    np.testing.assert_allclose(radii[: THETA.size], radii[THETA.size : 2 * THETA.size])


def test_polar_tuning_needs_a_polar_axes():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="polar"):
        polar_tuning(curves().sel(model="gabor", contrast=1.0), hue=None, ax=ax)


@pytest.mark.parametrize("polar", [False, True])
def test_curve_grid_has_one_titled_panel_per_model_and_one_legend(polar):
    fig = curve_grid(curves(("gabor", "corf", "pushpull_corf")), polar=polar)
    assert [ax.get_title() for ax in fig.axes] == ["Gabor (rectified)", "CORF", "push-pull CORF"]
    assert len(fig.legends) == 1
    assert all(len(ax.lines) == 2 for ax in fig.axes)


def test_width_against_contrast_uses_model_colours_and_degrees():
    widths = xr.DataArray(
        [[0.2, 0.2], [0.1, 0.15]],
        dims=("model", "contrast"),
        coords={"model": ["corf", "gabor_threshold"], "contrast": [0.1, 1.0]},
    )
    ax = width_against_contrast(widths, reference=(math.radians(20), "V1"))
    assert ax.lines[0].get_color() == MODEL_COLORS["corf"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), np.degrees([0.1, 0.15]))
    assert ax.get_xscale() == "log"


def test_kernel_gallery_shows_each_kernel_on_a_symmetric_scale():
    bank = gabor_bank(8.0, [0.0, math.pi / 2], [0.0, math.pi / 2], as_xarray=True)
    fig = kernel_gallery(bank)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 4
    limit = float(np.abs(bank.values).max())
    assert images[0].get_clim() == pytest.approx((-limit, limit))
    np.testing.assert_array_equal(images[3].get_array(), bank.values[0, 1, 1])
    assert fig.axes[1].get_title() == "wa=8 0° 90°"
    # one colour bar reads the shared scale of every panel
    (bar,) = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert bar.get_ylim() == pytest.approx((-limit, limit))
    with pytest.raises(ValueError, match="titles"):
        kernel_gallery(bank, titles=["a"])


def test_model_colours_and_labels_fall_back_for_unknown_models():
    assert model_color("gabor") == MODEL_COLORS["gabor"]
    assert model_color("something") == "#777777"
    assert model_label("something") == "something"


def test_angle_plots_read_degrees_from_the_units_attribute():
    # a coordinate in degrees (attrs units "deg") was converted to degrees a second time
    from v1pushpull.plotting import polar_tuning, tuning_curves

    theta = np.linspace(0, np.pi, 12, endpoint=False)
    values = np.exp(np.cos(2 * (theta - 0.5)))
    in_rad = tuning_curve(values, {"orientation": theta})
    in_deg = xr.DataArray(
        values,
        dims="orientation",
        coords={"orientation": ("orientation", np.degrees(theta), {"units": "deg"})},
    )
    for function in (tuning_curves, polar_tuning):
        lines = [function(c, hue=None).get_lines()[0].get_xdata() for c in (in_rad, in_deg)]
        np.testing.assert_allclose(lines[1], lines[0])
    plt.close("all")


def test_line_styles_keep_coinciding_lines_visible():
    styles = line_styles(5)
    # each line has its own dash pattern and marker; lines drawn later are thinner with
    # smaller markers, so one on top of another leaves it showing
    assert len({(s["linestyle"], s["marker"]) for s in styles}) == 5
    widths = [s["linewidth"] for s in styles]
    sizes = [s["markersize"] for s in styles]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == 5
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 5
    assert all("marker" not in s for s in line_styles(3, markers=False))


def test_plot_comparison_draws_the_mean_over_seeds_with_the_clean_value_first():
    from v1pushpull.plotting import plot_comparison

    accuracy = np.array([[[90.0, 80.0]], [[70.0, 60.0]]])  # seed, corruption, severity
    run = xr.Dataset(
        {
            "accuracy": (("seed", "corruption", "severity"), accuracy),
            "clean_accuracy": ("seed", [99.0, 97.0]),
        },
        coords={
            "corruption": ["noise"],
            "severity": [1, 2],
            "level": (("corruption", "severity"), [[0.1, 0.5]]),
        },
    )
    figure = plot_comparison(
        [run], ["LeNet PA"], variable="accuracy", clean="clean_accuracy", spread="seed"
    )
    (ax,) = figure.axes
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [98.0, 80.0, 70.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["clean", "0.1", "0.5"]
    assert line.get_linestyle() == "--"  # "pp"/"push" not in the label: dashed
    assert len(ax.collections) == 1  # the ± std band
