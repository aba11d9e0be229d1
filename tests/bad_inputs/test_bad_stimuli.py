"""Bad inputs to :mod:`v1pushpull.stimuli`: each must raise naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
from _battery import Case, assert_clear, params

from v1pushpull.stimuli import (
    bar,
    gaussian_noise,
    grating,
    plaid,
    poisson_noise,
    salt_and_pepper_noise,
    step_edge,
)

IMAGE = np.full((8, 8), 0.5)

CASES = [
    # luminance outside the library's [0, 1]
    Case("grating-mean-2", lambda: grating(16, 8.0, 0.0, mean=2.0), ["mean"]),
    Case("grating-mean-times-contrast", lambda: grating(16, 8.0, 0.0, mean=0.8), ["mean"]),
    Case(
        "plaid-contrast-sum",
        lambda: plaid(16, 8.0, 0.0, np.pi / 2, contrast=0.8, mask_contrast=0.8),
        ["contrast", "mask_contrast"],
    ),
    Case("bar-mean-high", lambda: bar(16, 0.0, 2.0, mean=0.9), ["mean"]),
    Case("step_edge-mean-high", lambda: step_edge(16, 0.0, mean=0.75), ["mean"]),
    Case("grating-contrast-above-1", lambda: grating(16, 8.0, 0.0, contrast=1.5), ["contrast"]),
    Case("grating-contrast-negative", lambda: grating(16, 8.0, 0.0, contrast=-0.1), ["contrast"]),
    Case("grating-mean-zero", lambda: grating(16, 8.0, 0.0, mean=0.0), ["mean"]),
    Case("grating-wavelength-1", lambda: grating(16, 1.0, 0.0), ["wavelength"]),
    Case("grating-size-zero", lambda: grating(0, 8.0, 0.0), ["size"]),
    Case("grating-size-triple", lambda: grating((4, 4, 4), 8.0, 0.0), ["size"]),
    Case("grating-size-float", lambda: grating(16.5, 8.0, 0.0), ["size"]),
    Case("grating-orientation-nan", lambda: grating(16, 8.0, np.nan), ["orientation"]),
    Case("grating-phase-str", lambda: grating(16, 8.0, 0.0, phase="0"), ["phase"]),
    Case(
        "grating-no-broadcast",
        lambda: grating(16, np.array([4.0, 8.0]), np.zeros(3)),
        ["broadcast"],
    ),
    Case("grating-aperture-negative", lambda: grating(16, 8.0, 0.0, aperture=-2.0), ["aperture"]),
    Case("grating-dtype-int", lambda: grating(16, 8.0, 0.0, dtype="int64"), ["dtype"]),
    Case(
        "plaid-mask-wavelength",
        lambda: plaid(16, 8.0, 0.0, 1.0, mask_wavelength=0.5),
        ["mask_wavelength"],
    ),
    Case(
        "plaid-mask-contrast",
        lambda: plaid(16, 8.0, 0.0, 1.0, mask_contrast=1.5),
        ["mask_contrast"],
    ),
    Case("bar-width-zero", lambda: bar(16, 0.0, 0.0), ["width"]),
    Case("bar-polarity", lambda: bar(16, 0.0, 2.0, polarity="white"), ["polarity"]),
    Case("step_edge-polarity", lambda: step_edge(16, 0.0, polarity=1), ["polarity"]),
    Case("gaussian_noise-std-negative", lambda: gaussian_noise(IMAGE, -0.1), ["std"]),
    Case(
        "gaussian_noise-int-images", lambda: gaussian_noise(np.ones((4, 4), int), 0.1), ["images"]
    ),
    Case("gaussian_noise-seed-float", lambda: gaussian_noise(IMAGE, 0.1, seed=1.5), ["seed"]),
    Case("gaussian_noise-list-images", lambda: gaussian_noise([[0.5]], 0.1), ["images"]),
    Case("salt_and_pepper-amount", lambda: salt_and_pepper_noise(IMAGE, 1.5), ["amount"]),
    Case(
        "salt_and_pepper-fraction",
        lambda: salt_and_pepper_noise(IMAGE, 0.1, salt_fraction=-1),
        ["salt_fraction"],
    ),
    Case("poisson-peak-zero", lambda: poisson_noise(IMAGE, 0.0), ["peak"]),
    Case("poisson-negative-images", lambda: poisson_noise(-IMAGE, 10.0), ["images"]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_stimulus_input(case: Case) -> None:
    assert_clear(case)
