"""Bad inputs to :mod:`v1pushpull.filtering` and the shared image checks of ``_backend``."""

from __future__ import annotations

import numpy as np
import pytest
from _battery import Case, assert_clear, params

from v1pushpull.filtering import filter_bank, pad_images

IMAGES = np.zeros((2, 16, 16))
KERNEL = np.ones((3, 3)) / 9


def _torch():
    return pytest.importorskip("torch")


CASES = [
    Case(
        "filter_bank-float16",
        lambda: filter_bank(IMAGES.astype(np.float16), KERNEL),
        ["images", "float16"],
        forbidden=["integer"],
    ),
    Case("filter_bank-int-images", lambda: filter_bank(np.zeros((8, 8), int), KERNEL), ["images"]),
    Case(
        "filter_bank-bool-images", lambda: filter_bank(np.zeros((8, 8), bool), KERNEL), ["images"]
    ),
    Case("filter_bank-complex", lambda: filter_bank(IMAGES + 0j, KERNEL), ["images"]),
    Case("filter_bank-1d-images", lambda: filter_bank(np.zeros(8), KERNEL), ["images"]),
    Case("filter_bank-empty", lambda: filter_bank(np.zeros((0, 8, 8)), KERNEL), ["images"]),
    Case("filter_bank-nan", lambda: filter_bank(np.full((8, 8), np.nan), KERNEL), ["images"]),
    Case("filter_bank-nan-kernel", lambda: filter_bank(IMAGES, KERNEL * np.nan), ["kernels"]),
    Case("filter_bank-kernel-1d", lambda: filter_bank(IMAGES, np.ones(3)), ["kernels"]),
    Case("filter_bank-kernel-4d", lambda: filter_bank(IMAGES, np.ones((1, 1, 3, 3))), ["kernels"]),
    Case("filter_bank-kernel-int", lambda: filter_bank(IMAGES, np.ones((3, 3), int)), ["kernels"]),
    Case("filter_bank-list", lambda: filter_bank(IMAGES.tolist(), KERNEL), ["images"]),
    Case("filter_bank-padding", lambda: filter_bank(IMAGES, KERNEL, "zeros"), ["padding"]),
    Case(
        "filter_bank-mixed-backends",
        lambda: filter_bank(_torch().zeros(8, 8, dtype=_torch().float64), KERNEL),
        ["images", "kernels"],
    ),
    Case(
        "filter_bank-torch-float16",
        lambda: filter_bank(
            _torch().zeros(8, 8, dtype=_torch().float16),
            _torch().ones(3, 3, dtype=_torch().float16),
        ),
        ["images", "float16"],
        forbidden=["integer"],
    ),
    Case("pad_images-mode", lambda: pad_images(IMAGES, ((1, 1), (1, 1)), "edge"), ["mode"]),
    Case("pad_images-negative", lambda: pad_images(IMAGES, ((1, 1), (1, -1))), ["pad_width"]),
    Case("pad_images-scalar-width", lambda: pad_images(IMAGES, 2), ["pad_width"]),
    Case("pad_images-float-width", lambda: pad_images(IMAGES, ((1.5, 1), (1, 1))), ["pad_width"]),
    Case("pad_images-int", lambda: pad_images(np.zeros((4, 4), int), ((1, 1), (1, 1))), ["images"]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_filtering_input(case: Case) -> None:
    assert_clear(case)
