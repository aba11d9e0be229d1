"""Bad inputs to :mod:`v1pushpull.analysis`: each must raise naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from _battery import Case, assert_clear, params

from v1pushpull.analysis import (
    centre_responses,
    circular_variance,
    contrast_invariance_index,
    contrast_saturation_index,
    fit_naka_rushton,
    fit_von_mises,
    half_width_at_half_height,
    orientation_selectivity_index,
    preferred_orientation,
    response_at_centre,
    separability_index,
    signal_to_noise_ratio,
    spatial_frequency_bandwidth,
    tuning_curve,
)

THETA = np.linspace(0, np.pi, 12, endpoint=False)
TUNING = np.exp(2 * np.cos(2 * (THETA - 0.4)))


def _curve(values=TUNING, angles=THETA, units: str | None = "rad") -> xr.DataArray:
    attrs = {} if units is None else {"units": units}
    return xr.DataArray(
        values, dims="orientation", coords={"orientation": ("orientation", angles, attrs)}
    )


DEGREES_AS_RAD = _curve(angles=np.degrees(THETA))
DEGREES_NO_UNITS = _curve(angles=np.degrees(THETA), units=None)
RADIANS_AS_DEG = _curve(angles=THETA * 1000.0, units="deg")
NEGATIVE = _curve(values=TUNING - 5.0)
CONTRAST = xr.DataArray([0.1, 0.5], dims="contrast", coords={"contrast": [0.1, 1.0]})
C = np.linspace(0.1, 1.0, 8)
CONTRAST_8 = xr.DataArray(C / (C + 0.3), dims="contrast", coords={"contrast": C})
MAPS = np.zeros((1, 8, 8))
MAPS[0, 2:4] = 1.0
MAPS[0, 5:] = np.random.default_rng(0).random((3, 8))
SIGNAL = np.zeros((8, 8), bool)
SIGNAL[2:4] = True

CASES = [
    # orientations whose span cannot be in the declared units
    Case("hwhh-degrees-labelled-rad", lambda: half_width_at_half_height(DEGREES_AS_RAD), ["units"]),
    Case("hwhh-degrees-no-units", lambda: half_width_at_half_height(DEGREES_NO_UNITS), ["units"]),
    Case("hwhh-span-too-wide-deg", lambda: half_width_at_half_height(RADIANS_AS_DEG), ["units"]),
    Case(
        "hwhh-unknown-units",
        lambda: half_width_at_half_height(_curve(units="grad")),
        ["units", "grad"],
    ),
    Case("preferred-degrees-as-rad", lambda: preferred_orientation(DEGREES_AS_RAD), ["units"]),
    Case("osi-degrees-as-rad", lambda: orientation_selectivity_index(DEGREES_AS_RAD), ["units"]),
    Case("cv-degrees-as-rad", lambda: circular_variance(DEGREES_AS_RAD), ["units"]),
    Case("von_mises-degrees-as-rad", lambda: fit_von_mises(DEGREES_AS_RAD), ["units"]),
    Case("cv-negative", lambda: circular_variance(NEGATIVE), ["curve", "negative"]),
    Case("preferred-negative", lambda: preferred_orientation(NEGATIVE), ["curve", "negative"]),
    Case("osi-negative", lambda: orientation_selectivity_index(NEGATIVE), ["curve", "negative"]),
    Case("hwhh-period-zero", lambda: half_width_at_half_height(_curve(), period=0), ["period"]),
    Case(
        "hwhh-period-degrees", lambda: half_width_at_half_height(_curve(), period=180), ["period"]
    ),
    Case("hwhh-period-str", lambda: half_width_at_half_height(_curve(), period="pi"), ["period"]),
    Case(
        "hwhh-baseline", lambda: half_width_at_half_height(_curve(), baseline="max"), ["baseline"]
    ),
    Case(
        "hwhh-interpolation",
        lambda: half_width_at_half_height(_curve(), interpolation="cubic"),
        ["interpolation"],
    ),
    Case(
        "hwhh-spline-three-points",
        lambda: half_width_at_half_height(_curve(TUNING[:3], THETA[:3])),
        ["interpolation"],
    ),
    Case("hwhh-missing-dim", lambda: half_width_at_half_height(_curve(), dim="theta"), ["dim"]),
    Case("hwhh-numpy", lambda: half_width_at_half_height(TUNING), ["curve"]),
    Case("osi-not-dataarray", lambda: orientation_selectivity_index(list(TUNING)), ["curve"]),
    Case("fit_naka_rushton-two-points", lambda: fit_naka_rushton(CONTRAST), ["curve", "points"]),
    Case(
        "fit_naka_rushton-noise-zero",
        lambda: fit_naka_rushton(CONTRAST_8, noise_std=0),
        ["noise_std"],
    ),
    Case(
        "fit_von_mises-three-points",
        lambda: fit_von_mises(_curve(TUNING[:3], THETA[:3])),
        ["curve", "points"],
    ),
    Case(
        "fit_von_mises-noise-negative", lambda: fit_von_mises(_curve(), noise_std=-1), ["noise_std"]
    ),
    Case(
        "sf_bandwidth-zero-frequency",
        lambda: spatial_frequency_bandwidth(
            xr.DataArray(
                [1.0, 2.0], dims="spatial_frequency", coords={"spatial_frequency": [0, 0.1]}
            )
        ),
        ["spatial_frequency"],
    ),
    Case(
        "saturation-low-high",
        lambda: contrast_saturation_index(CONTRAST_8, low=0.8, high=0.2),
        ["low", "high"],
    ),
    Case(
        "saturation-outside-range",
        lambda: contrast_saturation_index(CONTRAST_8, low=0.05, high=1.0),
        ["low"],
    ),
    Case("separability-dims-one", lambda: separability_index(_curve(), ("orientation",)), ["dims"]),
    Case(
        "invariance-missing-dim",
        lambda: contrast_invariance_index(xr.DataArray([1.0], dims="c")),
        ["dim"],
    ),
    Case(
        "snr-float-mask",
        lambda: signal_to_noise_ratio(MAPS, SIGNAL.astype(float) * 0.5),
        ["signal_mask"],
    ),
    Case("snr-mask-shape", lambda: signal_to_noise_ratio(MAPS, SIGNAL[:4]), ["signal_mask"]),
    Case(
        "snr-empty-mask",
        lambda: signal_to_noise_ratio(MAPS, np.zeros((8, 8), bool)),
        ["signal_mask"],
    ),
    Case(
        "snr-overlapping-masks",
        lambda: signal_to_noise_ratio(MAPS, SIGNAL, SIGNAL),
        ["background_mask", "signal_mask"],
    ),
    Case("snr-int-maps", lambda: signal_to_noise_ratio(MAPS.astype(int), SIGNAL), ["responses"]),
    Case(
        "snr-dataarray-dims",
        lambda: signal_to_noise_ratio(xr.DataArray(MAPS, dims=("n", "a", "b")), SIGNAL),
        ["responses"],
    ),
    Case(
        "tuning_curve-shape",
        lambda: tuning_curve(TUNING, {"orientation": THETA[:5]}),
        ["orientation"],
    ),
    Case("tuning_curve-coords-type", lambda: tuning_curve(TUNING, THETA), ["coords"]),
    Case("response_at_centre-1d", lambda: response_at_centre(np.zeros(5)), ["responses"]),
    Case(
        "centre_responses-not-cell",
        lambda: centre_responses("gabor", lambda **k: np.zeros((8, 8)), {"orientation": [0.0]}),
        ["cell"],
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_analysis_input(case: Case) -> None:
    assert_clear(case)
