"""Bad inputs to :mod:`v1pushpull.kernels`: each must raise naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
from _battery import Case, assert_clear, params

from v1pushpull.kernels import (
    bandwidth_to_sigma_ratio,
    dog_bank,
    dog_kernel,
    gabor_bank,
    gabor_kernel,
    gaussian_kernel,
    sigma_ratio_to_bandwidth,
)

CASES = [
    # a sequence where one kernel's scalar is expected
    Case("gabor_kernel-orientation-list", lambda: gabor_kernel(8, [0, 1]), ["orientation"]),
    Case("gabor_kernel-wavelength-list", lambda: gabor_kernel([8, 12], 0.0), ["wavelength"]),
    Case("gabor_kernel-phase-array", lambda: gabor_kernel(8, 0.0, np.zeros(2)), ["phase"]),
    Case("gabor_kernel-orientation-str", lambda: gabor_kernel(8, "0"), ["orientation"]),
    Case("gabor_kernel-wavelength-below-2", lambda: gabor_kernel(1.5, 0.0), ["wavelength"]),
    Case("gabor_kernel-wavelength-nan", lambda: gabor_kernel(np.nan, 0.0), ["wavelength"]),
    Case("gabor_kernel-orientation-inf", lambda: gabor_kernel(8, np.inf), ["orientation"]),
    Case("gabor_kernel-bandwidth-zero", lambda: gabor_kernel(8, 0, bandwidth=0), ["bandwidth"]),
    Case("gabor_kernel-bandwidth-list", lambda: gabor_kernel(8, 0, bandwidth=[1]), ["bandwidth"]),
    Case(
        "gabor_kernel-aspect-negative",
        lambda: gabor_kernel(8, 0, aspect_ratio=-0.5),
        ["aspect_ratio"],
    ),
    Case("gabor_kernel-sigma-zero", lambda: gabor_kernel(8, 0, sigma=0.0), ["sigma"]),
    Case("gabor_kernel-size-zero", lambda: gabor_kernel(8, 0, size=0), ["size"]),
    Case("gabor_kernel-size-float", lambda: gabor_kernel(8, 0, size=11.0), ["size"]),
    Case("gabor_kernel-size-true", lambda: gabor_kernel(8, 0, size=True), ["size"]),
    Case(
        "gabor_kernel-normalization",
        lambda: gabor_kernel(8, 0, normalization="l2"),
        ["normalization"],
    ),
    Case("gabor_kernel-dtype-int", lambda: gabor_kernel(8, 0, dtype="int32"), ["dtype"]),
    Case("gabor_kernel-xp-not-module", lambda: gabor_kernel(8, 0, xp="numpy"), ["xp"]),
    Case("gabor_bank-orientations-2d", lambda: gabor_bank(8, np.zeros((2, 2))), ["orientations"]),
    Case("gabor_bank-wavelengths-empty", lambda: gabor_bank([], 0.0), ["wavelengths"]),
    Case("gabor_bank-phases-empty", lambda: gabor_bank(8, 0.0, []), ["phases"]),
    Case("gabor_bank-wavelengths-str", lambda: gabor_bank("8", 0.0), ["wavelengths"]),
    Case("gabor_bank-huge-default-size", lambda: gabor_bank(5000.0, 0.0), ["size"]),
    Case("gaussian_kernel-sigma-list", lambda: gaussian_kernel([1.0, 2.0]), ["sigma"]),
    Case("gaussian_kernel-sigma-negative", lambda: gaussian_kernel(-1.0), ["sigma"]),
    Case("gaussian_kernel-truncate-zero", lambda: gaussian_kernel(1.0, truncate=0), ["truncate"]),
    Case("dog_kernel-polarity-list", lambda: dog_kernel(2.0, polarity=["on", "off"]), ["polarity"]),
    Case("dog_kernel-polarity-unknown", lambda: dog_kernel(2.0, polarity="centre"), ["polarity"]),
    Case("dog_kernel-ratio-one", lambda: dog_kernel(2.0, ratio=1.0), ["ratio"]),
    Case("dog_kernel-sigma-list", lambda: dog_kernel([1.0, 2.0]), ["sigma"]),
    Case("dog_bank-sigmas-zero", lambda: dog_bank([1.0, 0.0]), ["sigmas"]),
    Case("dog_bank-polarities-empty", lambda: dog_bank(1.0, []), ["polarit"]),
    Case("bandwidth_to_sigma_ratio-negative", lambda: bandwidth_to_sigma_ratio(-1), ["bandwidth"]),
    Case("sigma_ratio_to_bandwidth-small", lambda: sigma_ratio_to_bandwidth(0.1), ["sigma_ratio"]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_kernel_input(case: Case) -> None:
    assert_clear(case)
