"""Bad inputs to :mod:`v1pushpull.corruptions`. Cases whose fix belongs to
``corruptions.py`` are strict xfails."""

from __future__ import annotations

import numpy as np
import pytest
from _battery import Case, assert_clear, params

from v1pushpull.corruptions import additive_gaussian_noise, contrast_poisson, corrupt

BATCH = np.full((2, 3, 16, 16), 0.5, np.float32)

CASES = [
    Case("corrupt-unknown", lambda: corrupt(BATCH, "rain", 1), ["corruption"]),
    Case("corrupt-severity-0", lambda: corrupt(BATCH, "fog", 0), ["severity"]),
    Case("corrupt-severity-float", lambda: corrupt(BATCH, "fog", 2.0), ["severity"]),
    Case("corrupt-3d", lambda: corrupt(BATCH[0], "fog", 1), ["images"]),
    Case("corrupt-2-channels", lambda: corrupt(BATCH[:, :2], "fog", 1), ["images"]),
    Case("corrupt-uint8", lambda: corrupt((BATCH * 255).astype(np.uint8), "fog", 1), ["images"]),
    Case("corrupt-seed-str", lambda: corrupt(BATCH, "gaussian_noise", 1, seed="0"), ["seed"]),
    Case("corrupt-frost-missing", lambda: corrupt(BATCH, "frost", 1), ["frost_images"]),
    Case(
        "corrupt-frost-for-fog",
        lambda: corrupt(BATCH, "fog", 1, frost_images=[np.zeros((3, 32, 32))]),
        ["frost_images"],
    ),
    Case("corrupt-pixelate-tiny", lambda: corrupt(BATCH[..., :1, :1], "pixelate", 1), ["images"]),
    Case("noise-variance-negative", lambda: additive_gaussian_noise(BATCH, -0.1), ["variance"]),
    Case("noise-int", lambda: additive_gaussian_noise(BATCH.astype(int), 0.1), ["images"]),
    Case("contrast_poisson-contrast", lambda: contrast_poisson(BATCH, 1.5), ["contrast"]),
    Case("contrast_poisson-negative", lambda: contrast_poisson(BATCH, -0.5), ["contrast"]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_corruption_input(case: Case) -> None:
    assert_clear(case)
