"""Bad arguments to the networks of [S20]: each error names the argument."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from _battery import Case, assert_clear, params  # noqa: E402

from v1pushpull.torch.models import (  # noqa: E402
    DenseNetBC,
    LeNet,
    ResNetCIFAR,
    build_model,
    model_family,
)

CASES = [
    Case("build-arch-unknown", lambda: build_model("resnet18"), ["arch", "resnet18"]),
    Case("build-arch-case", lambda: build_model("LeNet-A"), ["arch"]),
    Case("build-pushpull-unknown", lambda: build_model("lenet-a", pushpull="last"), ["pushpull"]),
    Case("build-pushpull-bool", lambda: build_model("lenet-a", pushpull=True), ["pushpull"]),
    Case("build-classes-zero", lambda: build_model("lenet-a", num_classes=0), ["num_classes"]),
    Case("build-channels-zero", lambda: build_model("resnet20", in_channels=0), ["in_channels"]),
    Case("build-alpha-negative", lambda: build_model("lenet-a", alpha=-1.0), ["alpha"]),
    Case("build-option-unknown", lambda: build_model("lenet-a", beta=1.0), ["beta"]),
    Case("family-unknown", lambda: model_family("vgg16"), ["arch", "vgg16"]),
    Case("lenet-variant", lambda: LeNet("E"), ["variant"]),
    Case("lenet-first-stage", lambda: LeNet("A", pushpull="first_stage"), ["first_stage"]),
    Case("lenet-input-small", lambda: LeNet("A", input_size=8), ["input_size"]),
    Case("lenet-input-float", lambda: LeNet("A", input_size=28.0), ["input_size"]),
    Case("lenet-classes-negative", lambda: LeNet("A", num_classes=-1), ["num_classes"]),
    Case("resnet-depth-21", lambda: ResNetCIFAR(21), ["depth"]),
    Case("resnet-depth-zero", lambda: ResNetCIFAR(0), ["depth"]),
    Case("resnet-pushpull", lambda: ResNetCIFAR(20, pushpull="every"), ["pushpull"]),
    Case("resnet-scale-zero", lambda: ResNetCIFAR(20, pushpull="first", scale=0.0), ["scale"]),
    Case("densenet-depth", lambda: DenseNetBC(41, 12), ["depth"]),
    Case("densenet-growth", lambda: DenseNetBC(40, 0), ["growth_rate"]),
    Case("densenet-compression", lambda: DenseNetBC(40, 12, compression=0.0), ["compression"]),
    Case("densenet-drop", lambda: DenseNetBC(40, 12, drop_rate=1.0), ["drop_rate"]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_model_argument(case: Case) -> None:
    assert_clear(case)
