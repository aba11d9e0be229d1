"""Tests of v1pushpull.analysis against hand-derived values and independent references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import xarray as xr

from v1pushpull import gabor_kernel
from v1pushpull.analysis import (
    centre_responses,
    circular_variance,
    contrast_invariance_index,
    contrast_saturation_index,
    fit_naka_rushton,
    fit_von_mises,
    half_width_at_half_height,
    naka_rushton,
    orientation_selectivity_index,
    preferred_orientation,
    response_at_centre,
    save_netcdf,
    separability_index,
    signal_to_noise_ratio,
    spatial_frequency_bandwidth,
    tuning_curve,
    von_mises,
)
from v1pushpull.stimuli import grating

THETA = np.linspace(0, math.pi, 360, endpoint=False)  # 0.5° steps


def orientation_curve(values, theta=THETA):
    return tuning_curve(values, {"orientation": theta})


def von_mises_hwhh(kappa, period=math.pi, floor=0.0):
    """HWHH of exp(κ(cos(2πθ/P) − 1)) measured above ``floor`` (a fraction of the peak)."""
    level = floor + 0.5 * (1 - floor)
    return period / (2 * math.pi) * math.acos(1 + math.log(level) / kappa)


# --- response_at_centre, tuning_curve ------------------------------------------------------


def test_response_at_centre_takes_the_centre_pixel_on_every_backend(backend):
    maps = np.arange(2 * 3 * 6 * 5, dtype=float).reshape(2, 3, 6, 5)
    centre = response_at_centre(backend.asarray(maps))
    assert isinstance(centre, np.ndarray)
    np.testing.assert_array_equal(centre, maps[..., 3, 2])


def test_response_at_centre_rejects_integer_and_1d_input():
    with pytest.raises(TypeError):
        response_at_centre(np.zeros((4, 4), dtype=int))
    with pytest.raises(ValueError):
        response_at_centre(np.zeros(4))


def test_tuning_curve_labels_dimensions_and_units():
    curve = tuning_curve(
        np.zeros((2, 3)),
        {"contrast": [0.1, 1.0], "wavelength": [4.0, 8.0, 16.0]},
        units={"response": "spikes/s"},
        attrs={"cell": "test"},
    )
    assert curve.dims == ("contrast", "wavelength")
    assert curve.contrast.attrs["units"] == "1"
    assert curve.wavelength.attrs["units"] == "px"
    assert curve.attrs == {"units": "spikes/s", "cell": "test"}


def test_tuning_curve_rejects_a_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        tuning_curve(np.zeros((2, 3)), {"contrast": [0.1, 1.0], "orientation": [0.0, 1.0]})


# --- orientation metrics -------------------------------------------------------------------


@pytest.mark.parametrize("kappa", [1.5, 4.0, 20.0])
@pytest.mark.parametrize("preferred", [0.3, 0.0031, 3.1])  # off-grid, at and near the wrap
def test_hwhh_of_von_mises_matches_the_closed_form(kappa, preferred):
    curve = orientation_curve(von_mises(THETA, 1.0, preferred, kappa))
    floor = math.exp(-2 * kappa)  # the minimum of the curve, opposite the peak
    expected = von_mises_hwhh(kappa, floor=floor)
    assert float(half_width_at_half_height(curve)) == pytest.approx(expected, abs=2e-4)
    zero = half_width_at_half_height(curve, baseline="zero")
    assert float(zero) == pytest.approx(von_mises_hwhh(kappa), abs=2e-4)


@pytest.mark.parametrize("kappa", [3.0, 11.5])  # HWHH ≈ 20° and ≈ 10°
@pytest.mark.parametrize("count", [24, 36])
def test_spline_hwhh_does_not_depend_on_the_sampling_density(kappa, count):
    # a studies' tuning curve is sampled every 5-7.5°; the width must not move with the grid
    theta = np.linspace(0, math.pi, count, endpoint=False)
    curve = orientation_curve(von_mises(theta, 1.0, 0.21, kappa), theta)
    spline = float(half_width_at_half_height(curve, baseline="zero"))
    assert math.degrees(abs(spline - von_mises_hwhh(kappa))) < 0.15
    # linear interpolation between samples is biased by far more
    linear = float(half_width_at_half_height(curve, baseline="zero", interpolation="linear"))
    assert abs(linear - von_mises_hwhh(kappa)) > 2 * abs(spline - von_mises_hwhh(kappa))


def test_spline_hwhh_finds_a_peak_between_samples():
    # the peak 3.75° from the nearest samples: the sample maximum understates the half height
    theta = np.linspace(0, math.pi, 24, endpoint=False)
    curve = orientation_curve(von_mises(theta, 1.0, math.radians(3.75), 11.5), theta)
    measured = float(half_width_at_half_height(curve, baseline="zero"))
    assert measured == pytest.approx(von_mises_hwhh(11.5), abs=math.radians(0.15))


def test_spline_hwhh_rejects_too_few_or_repeated_orientations():
    curve = orientation_curve(np.array([1.0, 0.5, 0.2]), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="at least 4 distinct"):
        half_width_at_half_height(curve)
    assert math.isfinite(float(half_width_at_half_height(curve, interpolation="linear")))
    repeated = orientation_curve(np.array([1.0, 0.5, 0.2, 0.1, 0.9]), np.array([0, 1, 2, 3, 0.0]))
    with pytest.raises(ValueError, match="distinct"):
        half_width_at_half_height(repeated)
    with pytest.raises(ValueError, match="interpolation"):
        half_width_at_half_height(curve, interpolation="cubic")


def test_hwhh_of_a_gaussian_is_sigma_sqrt_2ln2_in_any_sample_order():
    sigma = math.radians(12.0)
    distance = np.angle(np.exp(2j * (THETA - 1.0))) / 2
    values = np.exp(-(distance**2) / (2 * sigma**2))
    shuffled = np.random.default_rng(0).permutation(THETA.size)
    curve = orientation_curve(values[shuffled], THETA[shuffled])
    expected = sigma * math.sqrt(2 * math.log(2))
    assert float(half_width_at_half_height(curve, baseline="zero")) == pytest.approx(
        expected, abs=1e-4
    )


def test_hwhh_with_period_2pi_of_a_direction_tuned_curve():
    theta = np.linspace(0, 2 * math.pi, 720, endpoint=False)
    curve = orientation_curve(von_mises(theta, 2.0, 4.0, 3.0, period=2 * math.pi), theta)
    result = half_width_at_half_height(curve, period=2 * math.pi, baseline="zero")
    assert float(result) == pytest.approx(von_mises_hwhh(3.0, 2 * math.pi), abs=2e-4)
    assert result.attrs["units"] == "rad"


def test_hwhh_vectorises_over_other_dimensions_and_flat_curves_are_nan():
    values = np.stack([von_mises(THETA, 1.0, 0.5, 4.0), np.ones_like(THETA)])
    curve = tuning_curve(values, {"model": ["tuned", "flat"], "orientation": THETA})
    result = half_width_at_half_height(curve, baseline="zero")
    assert result.dims == ("model",)
    assert float(result.sel(model="tuned")) == pytest.approx(von_mises_hwhh(4.0), abs=2e-4)
    assert math.isnan(float(half_width_at_half_height(curve).sel(model="flat")))


@pytest.mark.parametrize("preferred", [0.7, 3.05])
def test_preferred_orientation_of_an_off_grid_symmetric_curve(preferred):
    theta = THETA[::10]  # 5° steps; the vector sum still finds the peak between samples
    curve = orientation_curve(von_mises(theta, 1.0, preferred, 3.0), theta)
    assert float(preferred_orientation(curve)) == pytest.approx(preferred, abs=1e-9)


def test_preferred_direction_with_period_2pi_and_nan_for_silence():
    theta = np.linspace(0, 2 * math.pi, 24, endpoint=False)
    curve = orientation_curve(von_mises(theta, 1.0, 5.0, 2.0, period=2 * math.pi), theta)
    assert float(preferred_orientation(curve, period=2 * math.pi)) == pytest.approx(5.0)
    assert math.isnan(float(preferred_orientation(orientation_curve(np.zeros(24), theta))))


@pytest.mark.parametrize("kappa", [0.5, 2.0, 8.0])
def test_circular_variance_of_a_von_mises_density(kappa):
    # continuous limit: 1 − I1(κ)/I0(κ); uniform sampling of a smooth periodic curve is exact
    curve = orientation_curve(np.exp(kappa * np.cos(2 * (THETA - 0.4))))
    expected = 1 - scipy.special.i1(kappa) / scipy.special.i0(kappa)
    assert float(circular_variance(curve)) == pytest.approx(expected, rel=1e-9)


def test_circular_variance_extremes():
    assert float(circular_variance(orientation_curve(np.ones_like(THETA)))) == pytest.approx(1.0)
    single = np.zeros_like(THETA)
    single[17] = 3.0
    assert float(circular_variance(orientation_curve(single))) == pytest.approx(0.0, abs=1e-12)


def test_orientation_selectivity_index_hand_values():
    assert float(orientation_selectivity_index(orientation_curve(np.cos(THETA) ** 2))) == (
        pytest.approx(1.0)
    )
    offset = orientation_curve(1 + 0.5 * np.cos(2 * (THETA - 0.25)))
    # R_pref = 1.5 (sampled at 0.25 rad, on the grid), R_orth = 0.5
    assert float(orientation_selectivity_index(offset)) == pytest.approx(0.5, abs=1e-5)


def test_contrast_invariance_index_hand_values_and_nan_skipping():
    widths = xr.DataArray(
        [[0.2, 0.2, 0.2], [0.1, 0.2, 0.3], [np.nan, 0.2, 0.3], [np.nan, np.nan, 0.3]],
        dims=("model", "contrast"),
    )
    result = contrast_invariance_index(widths)
    np.testing.assert_allclose(result.values[:3], [0.0, 1.0, 0.4])
    assert math.isnan(float(result[3]))


# --- spatial frequency ---------------------------------------------------------------------


def test_sf_bandwidth_of_a_log_gaussian():
    frequencies = 2.0 ** np.linspace(-7, -1, 301)
    sigma_octaves = 0.6
    values = np.exp(-((np.log2(frequencies) + 4.0) ** 2) / (2 * sigma_octaves**2))
    result = spatial_frequency_bandwidth(tuning_curve(values, {"spatial_frequency": frequencies}))
    expected = 2 * sigma_octaves * math.sqrt(2 * math.log(2))
    assert float(result.bandwidth) == pytest.approx(expected, rel=1e-4)
    assert float(result.peak_frequency) == pytest.approx(2.0**-4, rel=0.01)
    assert float(result.centre_frequency) == pytest.approx(2.0**-4, rel=1e-3)
    assert result.bandwidth.attrs["units"] == "octaves"


def test_sf_bandwidth_of_a_gabor_filter_is_its_nominal_bandwidth():
    # Independent check through the kernels: a Gabor function with σ/λ from b octaves has a
    # half-response frequency bandwidth of b octaves (without DC removal).
    wavelength, bandwidth = 8.0, 1.5
    kernel = gabor_kernel(wavelength, 0.0, bandwidth=bandwidth, normalization="none")
    frequencies = 2.0 ** np.linspace(-6, -1.05, 120)
    images = grating(kernel.shape[0], 1 / frequencies[:, None], 0.0, phase=[0.0, math.pi / 2])
    linear = np.tensordot(images - 0.5, kernel, axes=([-2, -1], [0, 1]))
    amplitude = np.hypot(linear[:, 0], linear[:, 1])
    result = spatial_frequency_bandwidth(
        tuning_curve(amplitude, {"spatial_frequency": frequencies})
    )
    assert float(result.bandwidth) == pytest.approx(bandwidth, abs=0.01)
    assert float(result.peak_frequency) == pytest.approx(1 / wavelength, rel=0.03)
    # the response is Gaussian in linear frequency, symmetric about 1/λ, so the half-height
    # frequencies are 2/(1 + 2^b) and 2·2^b/(1 + 2^b) times 1/λ; their geometric mean:
    centre = 2 * 2 ** (bandwidth / 2) / (1 + 2**bandwidth) / wavelength
    assert float(result.centre_frequency) == pytest.approx(centre, rel=0.005)


def test_sf_bandwidth_is_nan_for_a_low_pass_curve_and_rejects_zero_frequency():
    frequencies = np.linspace(0.01, 0.5, 50)
    low_pass = tuning_curve(np.exp(-frequencies / 0.1), {"spatial_frequency": frequencies})
    assert math.isnan(float(spatial_frequency_bandwidth(low_pass).bandwidth))
    with pytest.raises(ValueError, match="positive"):
        spatial_frequency_bandwidth(
            tuning_curve(np.ones(3), {"spatial_frequency": [0.0, 0.1, 0.2]})
        )


# --- fits ----------------------------------------------------------------------------------

CONTRASTS = np.array([0.02, 0.04, 0.06, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.85, 1.0])
TRUTH = {"r_max": 2.0, "c50": 0.25, "exponent": 2.2, "baseline": 0.1}


def test_naka_rushton_half_response_at_c50():
    assert naka_rushton(0.25, 2.0, 0.25, 2.2, 0.1) == pytest.approx(1.1)
    assert naka_rushton(0.0, 2.0, 0.25, 2.2, 0.1) == pytest.approx(0.1)


def test_fit_naka_rushton_recovers_noiseless_parameters_per_model():
    values = np.stack([naka_rushton(CONTRASTS, **TRUTH), naka_rushton(CONTRASTS, 1.0, 0.5, 3.0)])
    curve = tuning_curve(values, {"model": ["a", "b"], "contrast": CONTRASTS})
    fit = fit_naka_rushton(curve)
    assert fit.c50.dims == ("model",)
    for name, value in TRUTH.items():
        assert float(fit[name].sel(model="a")) == pytest.approx(value, rel=1e-6)
    assert float(fit.exponent.sel(model="b")) == pytest.approx(3.0, rel=1e-6)


def test_fit_naka_rushton_uncertainties_cover_the_truth():
    noise = 0.05
    rng = np.random.default_rng(1)
    trials = naka_rushton(CONTRASTS, **TRUTH) + noise * rng.standard_normal((200, CONTRASTS.size))
    curve = tuning_curve(trials, {"trial": np.arange(200), "contrast": CONTRASTS})
    fit = fit_naka_rushton(curve, noise_std=noise)
    for name, value in TRUTH.items():
        z = (fit[name] - value) / fit[f"{name}_stderr"]
        within = float((np.abs(z) < 1).mean())
        # one-sigma intervals should hold the truth about 68 % of the time (binomial ± 3 s.d.)
        assert 0.58 < within < 0.78, (name, within)
        assert float(np.abs(z).max()) < 5


def test_fit_naka_rushton_without_baseline_and_bad_noise():
    curve = tuning_curve(naka_rushton(CONTRASTS, 1.0, 0.3, 2.0), {"contrast": CONTRASTS})
    fit = fit_naka_rushton(curve, fit_baseline=False)
    assert float(fit.baseline) == 0.0
    assert float(fit.c50) == pytest.approx(0.3, rel=1e-6)
    with pytest.raises(ValueError, match="noise_std"):
        fit_naka_rushton(curve, noise_std=0.0)


def test_fit_von_mises_recovers_parameters_and_its_hwhh_matches_the_measured_one():
    theta = THETA[::8]
    values = von_mises(theta, 1.5, 2.9, 6.0, 0.2)
    fit = fit_von_mises(orientation_curve(values, theta))
    assert float(fit.amplitude) == pytest.approx(1.5, rel=1e-6)
    assert float(fit.preferred) == pytest.approx(2.9, rel=1e-6)
    assert float(fit.concentration) == pytest.approx(6.0, rel=1e-6)
    assert float(fit.baseline) == pytest.approx(0.2, rel=1e-6)
    dense = orientation_curve(von_mises(THETA, 1.5, 2.9, 6.0))
    measured = half_width_at_half_height(dense, baseline="zero")
    assert float(fit.hwhh) == pytest.approx(float(measured), abs=2e-4)


def test_fit_von_mises_wraps_the_preferred_orientation():
    theta = THETA[::6]
    fit = fit_von_mises(orientation_curve(von_mises(theta, 1.0, 0.02, 4.0), theta))
    assert float(fit.preferred) == pytest.approx(0.02, abs=1e-6)


# --- SNR -----------------------------------------------------------------------------------


def test_snr_hand_value_and_labelled_input():
    maps = np.zeros((2, 4, 4))
    maps[:, 1:3, 1:3] = [[[2.0]], [[4.0]]]
    background = np.ones((4, 4), dtype=bool)
    background[1:3, 1:3] = False
    maps[:, background] = np.tile([0.0, 1.0], 6)  # std 0.5
    signal = ~background
    np.testing.assert_allclose(signal_to_noise_ratio(maps, signal), [4.0, 8.0])
    labelled = xr.DataArray(maps, dims=("noise_std", "y", "x"), coords={"noise_std": [0.1, 0.2]})
    result = signal_to_noise_ratio(labelled, signal, background)
    assert result.dims == ("noise_std",)
    np.testing.assert_allclose(result.values, [4.0, 8.0])


def test_snr_is_infinite_for_a_silent_background_and_masks_are_checked():
    maps = np.zeros((3, 3))
    maps[1, 1] = 1.0
    signal = np.zeros((3, 3), dtype=bool)
    signal[1, 1] = True
    assert signal_to_noise_ratio(maps, signal) == np.inf
    with pytest.raises(ValueError, match="signal_mask"):
        signal_to_noise_ratio(maps, np.zeros((2, 2), dtype=bool))
    with pytest.raises(ValueError, match="no pixel"):
        signal_to_noise_ratio(maps, np.zeros((3, 3), dtype=bool))


# --- argument checking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "function",
    [
        half_width_at_half_height,
        preferred_orientation,
        circular_variance,
        orientation_selectivity_index,
    ],
)
def test_orientation_metrics_check_their_arguments(function):
    curve = orientation_curve(np.ones_like(THETA))
    with pytest.raises(TypeError, match="DataArray"):
        function(np.ones(3))
    with pytest.raises(ValueError, match="contrast"):
        function(curve, dim="contrast")
    with pytest.raises(ValueError, match="period"):
        function(curve, period=-1.0)


def test_hwhh_rejects_an_unknown_baseline():
    with pytest.raises(ValueError, match="baseline"):
        half_width_at_half_height(orientation_curve(np.ones_like(THETA)), baseline="mean")


# --- saving --------------------------------------------------------------------------------


def test_save_netcdf_round_trip_of_awkward_types(tmp_path):
    dataset = xr.Dataset(
        {"count": ("model", np.array([1, 2], dtype=np.int64)), "ok": ("model", [True, False])},
        coords={"model": ["a", "b"]},
        attrs={"quick": True, "n": 5, "params": {"k": 1.8}, "none": None, "grid": [0.1, 0.2]},
    )
    path = save_netcdf(dataset, tmp_path / "sub" / "out.nc")
    with xr.open_dataset(path) as loaded:
        assert loaded.attrs["quick"] == 1
        assert loaded.attrs["n"] == 5
        assert loaded.attrs["params"] == "{'k': 1.8}"
        np.testing.assert_allclose(loaded.attrs["grid"], [0.1, 0.2])
        np.testing.assert_array_equal(loaded["count"].values, [1, 2])
        np.testing.assert_array_equal(loaded["ok"].values, [1, 0])
        assert list(loaded.model.values) == ["a", "b"]
    assert dataset.attrs["quick"] is True  # the input is left as it was
    with pytest.raises(TypeError, match="Dataset"):
        save_netcdf(dataset["count"], tmp_path / "x.nc")


# --- measurement protocol, separability, saturation ----------------------------------------


class _DotProductCell:
    """A linear cell whose response map is the image times a fixed weight (no filtering)."""

    support = 1

    def __init__(self, weight):
        self.weight = weight
        self.calls = 0

    def response(self, images, orientations):
        self.calls += 1
        return (images * self.weight)[..., None, :, :] * np.ones((len(orientations), 1, 1))


def test_centre_responses_follow_the_stimulus_grid_in_batches():
    cell = _DotProductCell(2.0)
    theta = np.linspace(0, math.pi, 5, endpoint=False)
    phases = np.array([0.0, math.pi / 2, math.pi])
    result = centre_responses(
        cell,
        grating,
        {"contrast": [0.5, 1.0], "orientation": theta, "phase": phases},
        batch_size=4,
        size=16,
        wavelength=8.0,
    )
    assert result.dims == ("contrast", "orientation", "phase")
    assert cell.calls == math.ceil(2 * 5 * 3 / 4)
    # at the centre a grating is mean·(1 + c·cos φ), whatever its orientation
    expected = 2.0 * 0.5 * (1 + np.array([0.5, 1.0])[:, None, None] * np.cos(phases))
    np.testing.assert_allclose(result.values, np.broadcast_to(expected, (2, 5, 3)), atol=1e-12)
    assert result.phase.attrs["units"] == "rad"


def test_centre_responses_rejects_bad_batches_and_coordinates():
    cell = _DotProductCell(1.0)
    with pytest.raises(ValueError, match="batch_size"):
        centre_responses(cell, grating, {"phase": [0.0]}, batch_size=0, size=8, wavelength=4.0)
    with pytest.raises(ValueError, match="1-D"):
        centre_responses(cell, grating, {"phase": [[0.0]]}, size=8, wavelength=4.0)


def test_separability_index_of_separable_and_mixed_surfaces():
    a, b = np.linspace(0, 1, 7), np.linspace(0, 1, 5)
    separable = xr.DataArray(np.outer(np.exp(-a), 1 + b), dims=("a", "b"))
    assert float(separability_index(separable, ("a", "b"))) == pytest.approx(1.0)
    # two orthogonal rank-one parts of equal energy: s1² / (s1² + s2²) = 1/2
    mixed = xr.DataArray(np.outer([1, 0], [1, 0]) + np.outer([0, 1], [0, 1]), dims=("a", "b"))
    assert float(separability_index(mixed.astype(float), ("a", "b"))) == pytest.approx(0.5)
    stacked = xr.concat([separable, 2 * separable], dim="model").transpose("a", "model", "b")
    assert separability_index(stacked, ("a", "b")).dims == ("model",)


def test_contrast_saturation_index_hand_values():
    c = np.array([0.1, 0.25, 0.5, 0.75, 1.0])
    curves = tuning_curve(
        np.stack([c, np.minimum(c, 0.5), np.maximum(c - 0.25, 0)]),
        {"model": ["linear", "clipped", "threshold"], "contrast": c},
    )
    result = contrast_saturation_index(curves)
    # R(1)/R(0.5): 2 → 0; 1 → 1; 0.75/0.25 = 3 → −1
    np.testing.assert_allclose(result.values, [0.0, 1.0, -1.0])
    with pytest.raises(ValueError, match="low"):
        contrast_saturation_index(curves, low=1.0, high=0.5)


# --- units of the angle coordinate, and inputs the analyses refuse ---------------------------


def _degrees_curve(values, theta_rad, units="deg"):
    return xr.DataArray(
        values,
        dims="orientation",
        coords={"orientation": ("orientation", np.degrees(theta_rad), {"units": units})},
    )


def test_orientation_analyses_read_degrees_from_the_units_attribute():
    # a von Mises curve sampled every 7.5°, given in degrees as physiology data arrive: every
    # analysis must give the same numbers (in rad) as for the radian coordinate, and the HWHH
    # must match the analytic arccos(1 − ln 2/κ)/2
    theta = np.linspace(0, math.pi, 24, endpoint=False)
    values = von_mises(theta, 1.0, 0.7, 2.0)
    in_rad = orientation_curve(values, theta)
    in_deg = _degrees_curve(values, theta)
    hwhh = float(half_width_at_half_height(in_deg, baseline="zero"))
    assert hwhh == pytest.approx(von_mises_hwhh(2.0), abs=2e-3)
    for function in (
        half_width_at_half_height,
        preferred_orientation,
        circular_variance,
        orientation_selectivity_index,
    ):
        assert float(function(in_deg)) == pytest.approx(float(function(in_rad)), abs=1e-12)
    fit = fit_von_mises(in_deg)
    assert float(fit.preferred) == pytest.approx(0.7, abs=1e-6)
    assert float(fit.hwhh) == pytest.approx(von_mises_hwhh(2.0), abs=1e-6)


@pytest.mark.parametrize(
    "function",
    [
        half_width_at_half_height,
        preferred_orientation,
        circular_variance,
        orientation_selectivity_index,
        fit_von_mises,
    ],
)
def test_orientation_analyses_refuse_degrees_read_as_radians(function):
    theta = np.linspace(0, math.pi, 12, endpoint=False)
    values = von_mises(theta, 1.0, 0.7, 2.0)
    for units in ("rad", None):
        curve = _degrees_curve(values, theta, units=units)
        if units is None:
            curve.orientation.attrs.clear()
        with pytest.raises(ValueError, match="look like degrees"):
            function(curve)
    with pytest.raises(ValueError, match="units 'gon'"):
        function(_degrees_curve(values, theta, units="gon"))
    with pytest.raises(ValueError, match="period is in rad"):
        function(orientation_curve(values, theta), period=180.0)


@pytest.mark.parametrize(
    "function", [preferred_orientation, circular_variance, orientation_selectivity_index]
)
def test_vector_measures_refuse_negative_responses(function):
    # circular variance of a curve shifted below zero was 1.0 (clipped), not an error
    theta = np.linspace(0, math.pi, 12, endpoint=False)
    curve = orientation_curve(np.cos(2 * theta), theta)
    with pytest.raises(ValueError, match="negative responses"):
        function(curve)


def test_fits_refuse_fewer_points_than_parameters():
    # two contrasts gave four NaN parameters without a word
    c = np.array([0.1, 1.0])
    with pytest.raises(ValueError, match="more than 4 points"):
        fit_naka_rushton(tuning_curve(c, {"contrast": c}))
    with pytest.raises(ValueError, match="more than 3 points"):
        fit_naka_rushton(tuning_curve(c, {"contrast": c}), fit_baseline=False)
    theta = np.linspace(0, math.pi, 4, endpoint=False)
    with pytest.raises(ValueError, match="more than 4 points"):
        fit_von_mises(orientation_curve(np.cos(theta) ** 2, theta))


def test_snr_masks_must_be_boolean_and_disjoint():
    maps = np.zeros((1, 4, 4))
    maps[0, :2] = 1.0
    maps[0, 2:, :2] = 0.5
    signal = np.zeros((4, 4), bool)
    signal[:2] = True
    with pytest.raises(TypeError, match="signal_mask must be a boolean mask"):
        signal_to_noise_ratio(maps, signal * 0.5)
    with pytest.raises(ValueError, match="overlap"):
        signal_to_noise_ratio(maps, signal, signal)
    with pytest.raises(ValueError, match="no background"):
        signal_to_noise_ratio(maps, np.ones((4, 4), bool))
    # 0/1 integer masks are masks: background values 0.5 and 0 (std 0.25), signal mean 1
    np.testing.assert_allclose(signal_to_noise_ratio(maps, signal.astype(np.int64)), [4.0])


def test_contrast_analyses_read_percent_and_refuse_contrasts_above_one():
    c = np.linspace(0.05, 1.0, 10)
    response = naka_rushton(c, 1.0, 0.3, 2.0)
    in_percent = xr.DataArray(
        response, dims="contrast", coords={"contrast": ("contrast", 100 * c, {"units": "%"})}
    )
    fit = fit_naka_rushton(in_percent)
    assert float(fit.c50) == pytest.approx(0.3, abs=1e-6)
    fraction = tuning_curve(response, {"contrast": c})
    assert float(contrast_saturation_index(in_percent)) == pytest.approx(
        float(contrast_saturation_index(fraction))
    )
    # percentages without their units cannot be Michelson contrasts
    unlabelled = xr.DataArray(response, dims="contrast", coords={"contrast": 100 * c})
    for function in (fit_naka_rushton, contrast_saturation_index):
        with pytest.raises(ValueError, match="Michelson contrasts in"):
            function(unlabelled)


def test_sf_bandwidth_refuses_a_wavelength_coordinate():
    wavelengths = np.geomspace(4, 32, 8)
    curve = xr.DataArray(
        np.exp(-(np.log2(wavelengths / 8) ** 2)),
        dims="spatial_frequency",
        coords={"spatial_frequency": ("spatial_frequency", wavelengths, {"units": "px"})},
    )
    with pytest.raises(ValueError, match="not a spatial frequency"):
        spatial_frequency_bandwidth(curve)


def test_model_functions_refuse_parameters_outside_their_domain():
    # a negative c50 or contrast was folded by abs(), a negative κ gave an anti-tuned curve
    with pytest.raises(ValueError, match="c50"):
        naka_rushton(0.5, 1.0, -0.2, 2.0)
    with pytest.raises(ValueError, match="exponent"):
        naka_rushton(0.5, 1.0, 0.2, 0.0)
    with pytest.raises(ValueError, match="contrast"):
        naka_rushton(-0.5, 1.0, 0.2, 2.0)
    with pytest.raises(ValueError, match="concentration"):
        von_mises(0.0, 1.0, 0.0, -1.0)
    with pytest.raises(ValueError, match="period"):
        von_mises(0.0, 1.0, 0.0, 1.0, period=180.0)
    # the parameters of a failed fit (NaN) give NaN, not an error
    assert np.isnan(naka_rushton(0.5, 1.0, math.nan, 2.0))


def test_orientation_analyses_need_angle_coordinates():
    # a bare dimension used to read its positions 0, 1, 2, ... as radians
    with pytest.raises(ValueError, match="has no coordinate"):
        half_width_at_half_height(xr.DataArray(np.ones(12), dims="orientation"))
