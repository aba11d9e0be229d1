"""Bad sources and arguments of ``to_torch_layer``: each error names the argument, and a
preset too small for its receptive fields is refused instead of built as garbage."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _battery import Case, assert_clear, params  # noqa: E402

from v1pushpull.cells import CORFCell, GaborCell, PushPullCell  # noqa: E402
from v1pushpull.torch.bridge import color_weights, to_torch_layer  # noqa: E402

_BANK = np.random.default_rng(0).standard_normal((4, 5, 5))

CASES = [
    # presets too small for their fields (issue 10: λ = 1.5 px, all-zero kernels)
    Case("gabor-kernel-3", lambda: to_torch_layer("gabor", 1, kernel_size=3), ["kernel_size"]),
    Case("gabor-kernel-1", lambda: to_torch_layer("gabor", 1, kernel_size=1), ["kernel_size"]),
    Case(
        "gabor-kernel-3-inverted",
        lambda: to_torch_layer("gabor", 1, kernel_size=3, pull="inverted"),
        ["kernel_size", "wavelength"],
    ),
    Case("dog-kernel-1", lambda: to_torch_layer("dog", 1, kernel_size=1), ["kernel_size"]),
    Case("corf-kernel-1", lambda: to_torch_layer("corf", 1, kernel_size=1), ["kernel_size"]),
    Case(
        "cell-kernel-1", lambda: to_torch_layer(GaborCell(4.0), 1, kernel_size=1), ["kernel_size"]
    ),
    Case(
        "zero-array",
        lambda: to_torch_layer(np.zeros((2, 5, 5)), 1),
        ["source", "zero"],
    ),
    # argument checks
    Case("preset-unknown", lambda: to_torch_layer("gabour", 1), ["gabour", "preset"]),
    Case("kernel-size-zero", lambda: to_torch_layer("gabor", 1, kernel_size=0), ["kernel_size"]),
    Case("kernel-size-float", lambda: to_torch_layer("gabor", 1, kernel_size=7.5), ["kernel_size"]),
    Case("kernel-size-even", lambda: to_torch_layer("gabor", 1, kernel_size=8), ["kernel_size"]),
    Case("in-channels-zero", lambda: to_torch_layer("gabor", 0), ["in_channels"]),
    Case("in-channels-float", lambda: to_torch_layer("gabor", 1.0), ["in_channels"]),
    Case("n-kernels-not-random", lambda: to_torch_layer("gabor", 1, n_kernels=4), ["n_kernels"]),
    Case("n-kernels-zero", lambda: to_torch_layer("random", 1, n_kernels=0), ["n_kernels"]),
    Case(
        "random-orientations", lambda: to_torch_layer("random", 1, orientations=4), ["orientations"]
    ),
    Case("orientations-zero", lambda: to_torch_layer("gabor", 1, orientations=0), ["orientations"]),
    Case(
        "orientations-empty", lambda: to_torch_layer("gabor", 1, orientations=[]), ["orientations"]
    ),
    Case(
        "orientations-nan",
        lambda: to_torch_layer("gabor", 1, orientations=[0.0, float("nan")]),
        ["orientations"],
    ),
    Case("dog-orientations", lambda: to_torch_layer("dog", 1, orientations=4), ["orientations"]),
    Case("color-unknown", lambda: to_torch_layer("gabor", 3, color="hsv"), ["color"]),
    Case(
        "color-luminance-gray",
        lambda: to_torch_layer("gabor", 1, color="luminance"),
        ["luminance", "in_channels"],
    ),
    Case(
        "shape-argument-given",
        lambda: to_torch_layer("gabor", 1, out_channels=8),
        ["out_channels"],
    ),
    Case(
        "array-with-kernel-size",
        lambda: to_torch_layer(_BANK, 1, kernel_size=5),
        ["kernel_size", "array"],
    ),
    Case("array-4d", lambda: to_torch_layer(_BANK[None, None], 1), ["source", "shape"]),
    Case("array-int", lambda: to_torch_layer(np.ones((2, 3, 3), int), 1), ["source", "dtype"]),
    Case(
        "array-nan",
        lambda: to_torch_layer(np.full((2, 3, 3), np.nan), 1),
        ["source", "finite"],
    ),
    Case("source-number", lambda: to_torch_layer(3.0, 1), ["source"]),
    Case(
        "pushpull-cell-scale-clash",
        lambda: to_torch_layer(PushPullCell(GaborCell(4.0)), 1, scale=3.0),
        ["scale", "pull_scale"],
    ),
    Case(
        "pushpull-cell-strength",
        lambda: to_torch_layer(PushPullCell(GaborCell(4.0), inhibition_strength=2.0), 1),
        ["inhibition_strength", "alpha"],
    ),
    Case(
        "pushpull-corf-cell",
        lambda: to_torch_layer(PushPullCell(CORFCell(sigma=1.0)), 1, as_linear=True),
        ["CORFCell", "pull_shift", "as_linear"],
    ),
    Case("alpha-negative", lambda: to_torch_layer("gabor", 1, alpha=-1.0), ["alpha"]),
    Case("color-weights-unknown", lambda: color_weights("rgb", 3), ["color"]),
    Case(
        "color-weights-luminance-4",
        lambda: color_weights("luminance", 4),
        ["luminance", "in_channels"],
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_bridge_input(case: Case) -> None:
    assert_clear(case)
