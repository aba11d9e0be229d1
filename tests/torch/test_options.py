"""PushPullOptions and the two layers over PushPullBase: validated once, stored in
checkpoints and rebuilt from them, the [B24] layer's own class."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from v1pushpull import gabor_bank  # noqa: E402
from v1pushpull._errors import ArgumentError  # noqa: E402
from v1pushpull.torch import (  # noqa: E402
    GaborInvertedPushPullConv2d,
    GaborPushPullConv2d,
    InvertedPushPullConv2d,
    PushPullBase,
    PushPullConv2d,
    PushPullOptions,
    build_model,
    load_model,
)


def test_options_round_trip_through_metadata():
    options = PushPullOptions(alpha=0.25, trainable_alpha=False, pull="inverted", pull_pooling=3)
    assert PushPullOptions.from_metadata({**options.as_metadata(), "arch": "x"}) == options
    assert PushPullOptions.from_metadata({}) == PushPullOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.alpha = 2.0


@pytest.mark.parametrize(
    ("fields", "argument"),
    [
        ({"alpha": -1.0}, "alpha"),
        ({"pull": "push"}, "pull"),
        ({"scale": 0.0}, "scale"),  # 0 < scale < 1 is allowed (issue 14)
        ({"pull": "inverted", "scale": 1.5}, "scale"),
        ({"pull_pooling": 3}, "pull_pooling"),
        ({"pull": "inverted", "pull_pooling": 4}, "pull_pooling"),
        ({"alpha": 0.3, "trainable_alpha": True}, "alpha"),
    ],
)
def test_invalid_options_name_their_field_as_data(fields, argument):
    with pytest.raises(ArgumentError) as error:
        PushPullOptions(**fields)
    assert error.value.argument == argument
    assert argument in str(error.value)


def test_the_inverted_pull_is_its_own_class_over_the_shared_base():
    inverted = PushPullConv2d(3, 8, 3, padding=1, pull="inverted")
    assert type(inverted) is InvertedPushPullConv2d and isinstance(inverted, PushPullBase)
    assert not isinstance(inverted, PushPullConv2d)
    gabor = GaborPushPullConv2d(3, 7, 4.0, [0.0, 1.0], pull="inverted", pull_pooling=3)
    assert type(gabor) is GaborInvertedPushPullConv2d
    # the inverted pull kernel −W + max(W) + min(W): its extremes are the push kernel's, swapped
    weight = inverted.push.weight
    pull = inverted.pull_weight()
    torch.testing.assert_close(pull.amax(dim=(1, 2, 3)), weight.amax(dim=(1, 2, 3)))
    torch.testing.assert_close(pull.amin(dim=(1, 2, 3)), weight.amin(dim=(1, 2, 3)))
    with pytest.raises(ValueError, match="pull"):
        InvertedPushPullConv2d(3, 8, 3, options=PushPullOptions())


def test_a_model_is_rebuilt_from_its_checkpoint_metadata(tmp_path):
    options = PushPullOptions(alpha=0.5, pull="inverted", pull_pooling=3)
    torch.manual_seed(0)
    model = build_model("lenet-d", pushpull="all", options=options).eval()
    metadata = {"arch": "lenet-d", "pushpull": "all", **options.as_metadata()}
    torch.save({"model": model.state_dict(), "metadata": metadata}, tmp_path / "model.pt")
    rebuilt, _ = load_model(tmp_path, dataset="digits")
    assert rebuilt.options == options
    assert type(rebuilt.conv2) is InvertedPushPullConv2d and rebuilt.conv2.alpha == 0.5
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(rebuilt.eval()(x), model(x), rtol=0, atol=0)
    # the default options would give other outputs: the metadata really mattered
    plain = build_model("lenet-d", pushpull="all")
    plain.load_state_dict(model.state_dict())
    with torch.no_grad():
        assert not torch.allclose(plain.eval()(x), model(x))


def test_parametric_gabor_kernels_are_the_core_formula_on_every_device(device, dtype, tolerance):
    wavelengths, orientations, phases = [4.0, 6.0], [0.0, 1.0, 2.5], [0.0, np.pi / 2]
    layer = GaborPushPullConv2d(
        3, 9, wavelengths, orientations, phases, normalization="zero_mean", device=device,
        dtype=dtype,
    )  # fmt: skip
    kernels = layer.gabor_kernels()
    assert kernels.device.type == device.type and kernels.dtype == dtype
    expected = gabor_bank(wavelengths, orientations, phases, size=9, normalization="zero_mean")
    np.testing.assert_allclose(kernels.detach().cpu().double().numpy(), expected, **tolerance)
    # learnable: a per-channel aspect ratio reaches every kernel through the formula
    kernels.sum().backward()
    assert layer.aspect_ratio.grad is not None and layer.aspect_ratio.grad.shape == (12,)


def test_inverted_layer_matches_its_formula_on_every_device(device, dtype, tolerance):
    torch.manual_seed(3)
    layer = InvertedPushPullConv2d(
        2, 3, 3, padding=1, bias=True, pull_pooling=3, alpha=0.7, device=device, dtype=dtype
    )
    with torch.no_grad():
        layer.push.bias.uniform_(-0.3, 0.3)
    x = torch.randn(2, 2, 9, 8, device=device, dtype=dtype)
    w, b = layer.push.weight, layer.push.bias
    pull_w = -w + w.amax(dim=(1, 2, 3), keepdim=True) + w.amin(dim=(1, 2, 3), keepdim=True)
    push = torch.relu(torch.nn.functional.conv2d(x, w, padding=1))
    pulled = torch.nn.functional.conv2d(x, pull_w, padding=1)
    pooled = torch.nn.functional.avg_pool2d(pulled, 3, 1, 1, count_include_pad=False)
    expected = push - 0.7 * torch.relu(pooled) + b.view(1, -1, 1, 1)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), expected, **tolerance)
