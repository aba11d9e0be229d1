"""The released codes' options wired into v1pushpull: a pull kernel smaller than the push kernel
(``scale < 1``), ``dual_output``, anti-aliased ResNets in ``build_model`` and checkpoints, and
loading PushPull-Net [B24] state dicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from v1pushpull._errors import ArgumentError  # noqa: E402
from v1pushpull.torch.checkpoints import load_model, save_model  # noqa: E402
from v1pushpull.torch.layers import (  # noqa: E402
    PushPullConv2d,
    PushPullOptions,
    _interpolation_matrix,
    pull_kernel_size,
)
from v1pushpull.torch.models import build_model  # noqa: E402

CHECKPOINTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "s20-checkpoints"


# --- scale < 1 -------------------------------------------------------------------------------


def test_pull_kernel_size_below_scale_one_follows_the_release_rule():
    # ⌊s·h⌋, plus one when even: ⌊0.7·5⌋ = 3, ⌊0.5·3⌋ = 1, ⌊0.5·5⌋ = 2 → 3, ⌊0.1·3⌋ = 0 → 1
    assert [pull_kernel_size(5, 0.7), pull_kernel_size(3, 0.5), pull_kernel_size(5, 0.5)] == [
        3,
        1,
        3,
    ]
    assert pull_kernel_size(3, 0.1) == 1
    with pytest.raises(ValueError, match="scale"):
        pull_kernel_size(3, 0.0)


def test_single_output_tap_is_the_top_left_input_tap_as_torch_align_corners():
    np.testing.assert_array_equal(_interpolation_matrix(1, 3), [[1.0, 0.0, 0.0]])
    kernel = torch.arange(9.0).reshape(1, 1, 3, 3)
    torch_one = F.interpolate(kernel, size=(1, 1), mode="bilinear", align_corners=True)
    assert float(torch_one) == float(kernel[0, 0, 0, 0])


@pytest.mark.parametrize("method", ["direct", "basis"])
def test_scale_below_one_pulls_with_every_other_tap_of_a_5x5_kernel(method):
    # bilinear 5 → 3 with align_corners=True samples the source at 0, 2, 4: exact taps
    torch.manual_seed(0)
    layer = PushPullConv2d(2, 3, 5, padding=2, scale=0.7, alpha=0.5, pull_method=method)
    assert layer.pull_size == (3, 3) and layer.pull_padding == (1, 1)
    weight = layer.push.weight.detach()
    pull_kernel = -weight[:, :, ::2, ::2]
    torch.testing.assert_close(layer.pull_weight(), pull_kernel)
    x = torch.randn(2, 2, 9, 9)
    expected = F.relu(F.conv2d(x, weight, padding=2)) - 0.5 * F.relu(
        F.conv2d(x, pull_kernel, padding=1)
    )
    torch.testing.assert_close(layer(x), expected, rtol=1e-5, atol=1e-5)


def test_scale_half_of_a_3x3_kernel_pulls_with_its_top_left_tap():
    torch.manual_seed(1)
    layer = PushPullConv2d(1, 2, 3, padding=1, scale=0.5)
    weight = layer.push.weight.detach()
    assert layer.pull_size == (1, 1) and layer.pull_padding == (0, 0)
    x = torch.randn(1, 1, 6, 6)
    expected = F.relu(F.conv2d(x, weight, padding=1)) - F.relu(
        F.conv2d(x, -weight[:, :, :1, :1], padding=0)
    )
    torch.testing.assert_close(layer(x), expected)


def test_a_pull_kernel_too_small_for_the_padding_is_refused_naming_scale():
    # ŝ = 1 against h = 3 without padding: the pull path would need padding −1
    with pytest.raises(ArgumentError) as error:
        PushPullConv2d(1, 2, 3, padding=0, scale=0.5)
    assert error.value.argument == "scale"
    with pytest.raises(ArgumentError) as error:
        PushPullOptions(scale=0.0)
    assert error.value.argument == "scale"


# --- dual_output -----------------------------------------------------------------------------


def test_dual_output_concatenates_the_push_and_pull_maps_of_half_the_kernels():
    torch.manual_seed(2)
    layer = PushPullConv2d(2, 6, 3, padding=1, bias=True, dual_output=True)
    assert tuple(layer.push.weight.shape) == (3, 2, 3, 3)
    weight, bias = layer.push.weight.detach(), layer.push.bias.detach()
    x = torch.randn(2, 2, 8, 8)
    out = layer(x)
    assert out.shape == (2, 6, 8, 8)
    # PPmodule2d: cat([ReLU(k ⋆ x + b), ReLU(−(k↑) ⋆ x − b)]), k↑ bilinear to 7×7
    upsampled = F.interpolate(weight, size=(7, 7), mode="bilinear", align_corners=True)
    push = F.relu(F.conv2d(x, weight, bias, padding=1))
    pull = F.relu(F.conv2d(x, -upsampled, -bias, padding=3))
    torch.testing.assert_close(out[:, :3], push, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out[:, 3:], pull, rtol=1e-5, atol=1e-5)
    # the ordinary layer with the same kernel is their difference
    plain = PushPullConv2d(2, 3, 3, padding=1, bias=True)
    plain.load_state_dict(layer.state_dict())
    torch.testing.assert_close(plain(x), out[:, :3] - out[:, 3:], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"out_channels": 5}, "out_channels"),
        ({"trainable_alpha": True}, "dual_output"),
        ({"alpha": 0.5}, "dual_output"),
        ({"pull": "inverted"}, "dual_output"),
    ],
)
def test_dual_output_refuses_what_it_cannot_honour(kwargs, argument):
    arguments = {"out_channels": 4, **kwargs}
    with pytest.raises(ArgumentError) as error:
        PushPullConv2d(2, arguments.pop("out_channels"), 3, dual_output=True, **arguments)
    assert error.value.argument == argument


def test_dual_output_travels_through_build_model_and_checkpoints(tmp_path):
    model = build_model("lenet-d", pushpull="first", in_channels=1, dual_output=True)
    assert model.state_dict()["conv1.push.weight"].shape[0] == 2  # 4 maps = 2 + 2
    metadata = {"arch": "lenet-d", "pushpull": "first", **model.options.as_metadata()}
    assert metadata["dual_output"] is True
    save_model(tmp_path, model, metadata)
    loaded, _ = load_model(tmp_path, dataset="digits")
    assert loaded.options.dual_output
    x = torch.rand(3, 1, 28, 28)
    model.eval(), loaded.eval()
    torch.testing.assert_close(loaded(x), model(x))


# --- anti-aliased ResNets --------------------------------------------------------------------


def test_antialiased_resnet20_saves_and_loads_strictly(tmp_path):
    torch.manual_seed(3)
    model = build_model("resnet20", pushpull="first", antialias=3)
    # the blur before layer2's strided 3×3 and its projection: binomial [1, 2, 1]/4, outer
    binomial = torch.tensor([1.0, 2.0, 1.0]) / 4
    state = model.state_dict()
    for key in ("layer2.0.conv1.0.filt", "layer3.0.downsample.0.filt"):
        torch.testing.assert_close(state[key][0, 0], torch.outer(binomial, binomial))
    assert model.layer2[0].conv1[1].stride == (1, 1)
    metadata = {"arch": "resnet20", "pushpull": "first", "antialias": 3}
    save_model(tmp_path, model, metadata)
    loaded, read = load_model(tmp_path)
    assert read["antialias"] == 3 and loaded.antialias == 3
    x = torch.rand(2, 3, 32, 32)
    model.eval(), loaded.eval()
    torch.testing.assert_close(loaded(x), model(x))
    # the metadata is what rebuilds the blur: without it the strict load refuses the weights
    torch.save({"model": model.state_dict(), "metadata": {**metadata, "antialias": 1}},
               tmp_path / "model.pt")  # fmt: skip
    with pytest.raises(ValueError, match="do not fit"):
        load_model(tmp_path)


def test_antialias_changes_only_strided_networks_and_checks_its_size():
    plain = build_model("lenet-a", in_channels=1).state_dict()
    assert list(build_model("lenet-a", in_channels=1, antialias=5).state_dict()) == list(plain)
    with pytest.raises(ArgumentError) as error:
        build_model("resnet20", antialias=4)
    assert error.value.argument == "antialias"


@pytest.mark.skipif(not CHECKPOINTS.is_dir(), reason=f"no released checkpoints at {CHECKPOINTS}")
@pytest.mark.parametrize(("name", "arch", "pushpull"), [
    ("resnet-20-pp.pth.tar", "resnet20", "first"),
    ("densenet-bc-40-12-pp.pth.tar", "densenet-bc-40-12", "first"),
])  # fmt: skip
def test_released_checkpoints_still_load_strictly(name, arch, pushpull):
    model, metadata = load_model(CHECKPOINTS / name, arch=arch, pushpull=pushpull)
    assert "antialias" not in metadata and getattr(model, "antialias", 1) == 1
    assert not model.options.dual_output


# --- PushPull-Net state dicts ----------------------------------------------------------------


def _pushpullnet_resnet20(trainable: bool) -> dict:
    """A ResNet-20 state dict whose first convolution is a unit written in PushPull-Net's
    layout (``push_conv.weight``, ``bias``, ``pull_inhibition_strength``)."""
    torch.manual_seed(4)
    state = build_model("resnet20").state_dict()
    theirs = {}
    for key, value in state.items():
        if key == "conv1.weight":
            theirs["conv1.push_conv.weight"] = torch.randn_like(value)
            theirs["conv1.bias"] = torch.rand(16) * 2 - 1
            if trainable:
                # negative values too: their α is used without a ReLU
                theirs["conv1.pull_inhibition_strength"] = torch.randn(16)
        else:
            theirs[key] = value
    return theirs


@pytest.mark.parametrize("trainable", [True, False])
def test_a_pushpullnet_state_dict_loads_and_computes_their_unit(tmp_path, trainable):
    theirs = _pushpullnet_resnet20(trainable)
    torch.save({"state_dict": theirs}, tmp_path / "pp5.ckpt")
    hyper = {"avg_kernel_size": 5} if trainable else {"avg_kernel_size": 5,
                                                      "pull_inhibition_strength": 0.7}  # fmt: skip
    model, metadata = load_model(tmp_path / "pp5.ckpt", arch="resnet20", pushpull="first",
                                 pushpullnet=hyper)  # fmt: skip
    assert metadata["pull"] == "inverted" and metadata["pull_pooling"] == 5
    assert metadata["trainable_alpha"] is trainable
    # their unit: ReLU(W ⋆ x) − α·ReLU(avg5(W_pull ⋆ x)) + b, W_pull = −W + max(W) + min(W)
    weight, bias = theirs["conv1.push_conv.weight"], theirs["conv1.bias"]
    flat = weight.reshape(16, -1)
    pull_weight = -weight + (flat.max(1).values + flat.min(1).values).view(16, 1, 1, 1)
    alpha = theirs["conv1.pull_inhibition_strength"].view(1, 16, 1, 1) if trainable else 0.7
    x = torch.rand(2, 3, 16, 16)
    pooled = F.avg_pool2d(F.conv2d(x, pull_weight, padding=1), 5, 1, 2, count_include_pad=False)
    expected = (
        F.relu(F.conv2d(x, weight, padding=1)) - alpha * F.relu(pooled) + bias.view(1, 16, 1, 1)
    )
    with torch.no_grad():
        torch.testing.assert_close(model.conv1(x), expected, rtol=1e-5, atol=1e-5)
    # every other tensor is theirs unchanged
    ours = model.state_dict()
    torch.testing.assert_close(ours["fc.weight"], theirs["fc.weight"])
    torch.testing.assert_close(ours["layer3.2.bn2.running_var"], theirs["layer3.2.bn2.running_var"])


def test_pushpullnet_options_against_the_state_dict_are_refused(tmp_path):
    torch.save({"state_dict": _pushpullnet_resnet20(False)}, tmp_path / "fixed.ckpt")
    with pytest.raises(ArgumentError) as error:
        load_model(tmp_path / "fixed.ckpt", arch="resnet20", pushpull="first",
                   pushpullnet={"trainable_pull_inhibition": True})  # fmt: skip
    assert error.value.argument == "pushpullnet"
    with pytest.raises(ValueError, match="avg_kernel_size"):
        load_model(tmp_path / "fixed.ckpt", arch="resnet20", pushpull="first",
                   pushpullnet={"avg_kernel_size": 4})  # fmt: skip
