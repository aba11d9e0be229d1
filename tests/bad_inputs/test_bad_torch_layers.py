"""Bad arguments to the push-pull layers and their options: each error names the argument."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from _battery import Case, assert_clear, params  # noqa: E402

from v1pushpull.torch.layers import (  # noqa: E402
    InvertedPushPullConv2d,
    PushPullConv2d,
    PushPullOptions,
    pull_kernel_size,
    replace_first_conv,
)
from v1pushpull.torch.parametric import GaborPushPullConv2d  # noqa: E402

CASES = [
    Case("options-pull-unknown", lambda: PushPullOptions(pull="sideways"), ["pull", "upsample"]),
    Case("options-alpha-negative", lambda: PushPullOptions(alpha=-1.0), ["alpha"]),
    Case("options-alpha-nan", lambda: PushPullOptions(alpha=math.nan), ["alpha"]),
    Case("options-alpha-inf", lambda: PushPullOptions(alpha=math.inf), ["alpha"]),
    Case("options-alpha-string", lambda: PushPullOptions(alpha="0.5"), ["alpha"]),
    Case(
        "options-alpha-with-trainable",
        lambda: PushPullOptions(alpha=0.5, trainable_alpha=True),
        ["alpha", "trainable_alpha"],
    ),
    Case("options-scale-zero", lambda: PushPullOptions(scale=0.0), ["scale"]),
    Case("options-scale-nan", lambda: PushPullOptions(scale=math.nan), ["scale"]),
    Case(
        "options-scale-with-inverted",
        lambda: PushPullOptions(scale=3.0, pull="inverted"),
        ["scale", "inverted"],
    ),
    Case(
        "options-pooling-with-upsample", lambda: PushPullOptions(pull_pooling=3), ["pull_pooling"]
    ),
    Case(
        "options-pooling-even",
        lambda: PushPullOptions(pull="inverted", pull_pooling=2),
        ["pull_pooling"],
    ),
    Case("layer-even-kernel", lambda: PushPullConv2d(1, 4, 4), ["kernel_size", "odd"]),
    Case("layer-kernel-zero", lambda: PushPullConv2d(1, 4, 0), ["kernel_size"]),
    Case("layer-kernel-float", lambda: PushPullConv2d(1, 4, 3.5), ["kernel_size"]),
    Case("layer-in-channels-zero", lambda: PushPullConv2d(0, 4, 3), ["in_channels"]),
    Case("layer-out-channels-negative", lambda: PushPullConv2d(1, -4, 3), ["out_channels"]),
    Case("layer-groups-mismatch", lambda: PushPullConv2d(3, 4, 3, groups=2), ["groups"]),
    Case("layer-stride-zero", lambda: PushPullConv2d(1, 4, 3, stride=0), ["stride"]),
    Case("layer-padding-word", lambda: PushPullConv2d(1, 4, 3, padding="full"), ["padding"]),
    Case(
        "layer-padding-same-stride-2",
        lambda: PushPullConv2d(1, 4, 3, stride=2, padding="same"),
        ["padding", "stride"],
    ),
    Case(
        "layer-padding-mode-unknown",
        lambda: PushPullConv2d(1, 4, 3, padding_mode="mirror"),
        ["padding_mode"],
    ),
    Case(
        "layer-pull-method-unknown",
        lambda: PushPullConv2d(1, 4, 3, pull_method="fft"),
        ["pull_method"],
    ),
    Case("layer-option-unknown", lambda: PushPullConv2d(1, 4, 3, beta=2.0), ["beta"]),
    Case("layer-alpha-negative", lambda: PushPullConv2d(1, 4, 3, alpha=-0.1), ["alpha"]),
    Case(
        "layer-options-not-options",
        lambda: PushPullConv2d(1, 4, 3, options={"alpha": 1.0}),
        ["options", "PushPullOptions"],
    ),
    Case("inverted-scale", lambda: InvertedPushPullConv2d(1, 4, 3, scale=3.0), ["scale"]),
    Case("pull-size-kernel-zero", lambda: pull_kernel_size(0, 2.0), ["kernel_size"]),
    Case("pull-size-scale-zero", lambda: pull_kernel_size(3, 0.0), ["scale"]),
    Case("pull-size-scale-nan", lambda: pull_kernel_size(3, math.nan), ["scale"]),
    Case(
        "replace-first-conv-not-module",
        lambda: replace_first_conv("resnet20"),
        ["model"],
    ),
    Case(
        "replace-first-conv-no-conv",
        lambda: replace_first_conv(torch.nn.Sequential(torch.nn.Linear(2, 2))),
        ["model", "Conv2d"],
    ),
    Case(
        "gabor-layer-wavelength-1px",
        lambda: GaborPushPullConv2d(1, 7, 1.0, 0.0),
        ["wavelength"],
    ),
    Case("gabor-layer-even-kernel", lambda: GaborPushPullConv2d(1, 6, 3.0, 0.0), ["kernel_size"]),
    Case(
        "gabor-layer-color-unknown",
        lambda: GaborPushPullConv2d(1, 7, 3.0, 0.0, color="hsv"),
        ["color"],
    ),
    Case(
        "gabor-layer-wavelengths-empty",
        lambda: GaborPushPullConv2d(1, 7, [], 0.0),
        ["wavelengths"],
    ),
    Case(
        "gabor-layer-aspect-negative",
        lambda: GaborPushPullConv2d(1, 7, 4.0, 0.0, aspect_ratio=-1.0),
        ["aspect_ratio"],
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_layer_argument(case: Case) -> None:
    assert_clear(case)
