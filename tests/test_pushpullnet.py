"""PushPull-Net state dicts (v1pushpull.torch.pushpullnet) against their layer's formula.

The state dicts are written by hand in the layout of bgswaroop/pushpull-conv's
``PushPullConv2DUnit`` (keys ``push_conv.weight``, ``bias``, ``pull_inhibition_strength``), and
the mapped v1pushpull layer is compared with a transcription of that unit's ``forward``.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from v1pushpull.torch.layers import PushPullConv2d
from v1pushpull.torch.pushpullnet import (
    PUSHPULLNET_KEYS,
    from_pushpullnet_state_dict,
    pushpullnet_layer_options,
    to_pushpullnet_state_dict,
)


def _their_forward(x, weight, bias, strength, avg, stride=1, padding=1):
    """PushPullConv2DUnit.forward of PushPull-Net, written out."""
    pull_weight = -weight + weight.amax(dim=(1, 2, 3), keepdim=True)
    pull_weight = pull_weight + weight.amin(dim=(1, 2, 3), keepdim=True)
    push = F.conv2d(x, weight, None, stride, padding)
    pull = F.conv2d(x, pull_weight, None, stride, padding)
    if avg:
        pull = F.avg_pool2d(pull, avg, 1, (avg - 1) // 2, count_include_pad=False)
    out = F.relu(push) - F.relu(pull) * (
        strength.view(1, -1, 1, 1) if isinstance(strength, torch.Tensor) else strength
    )
    return out if bias is None else out + bias.view(1, -1, 1, 1)


class _Net(nn.Module):
    """A model with a push-pull stem named like PushPull-Net's ResNet (conv1, bn, classifier)."""

    def __init__(self, **options):
        super().__init__()
        self.conv1 = PushPullConv2d(3, 8, 3, padding=1, **options)
        self.bn = nn.BatchNorm2d(8)
        self.classifier = nn.Linear(8, 4)


def _their_state_dict(trainable=True, bias=True, seed=0):
    generator = torch.Generator().manual_seed(seed)
    theirs = {"conv1.push_conv.weight": torch.randn(8, 3, 3, 3, generator=generator)}
    if bias:
        theirs["conv1.bias"] = torch.rand(8, generator=generator) * 2 - 1
    if trainable:
        theirs["conv1.pull_inhibition_strength"] = torch.rand(8, generator=generator)
    reference = _Net().state_dict()
    for key in ("bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"):
        theirs[key] = torch.rand(reference[key].shape, generator=generator)
    theirs["bn.num_batches_tracked"] = torch.tensor(7)
    theirs["classifier.weight"] = torch.randn(4, 8, generator=generator)
    theirs["classifier.bias"] = torch.randn(4, generator=generator)
    return theirs


@pytest.mark.parametrize("avg", [0, 3, 5])
def test_mapped_layer_computes_their_formula(avg):
    theirs = _their_state_dict()
    model = _Net(**pushpullnet_layer_options(avg, trainable_pull_inhibition=True))
    model.load_state_dict(from_pushpullnet_state_dict(theirs), strict=True)
    x = torch.rand(2, 3, 12, 12, generator=torch.Generator().manual_seed(1))
    expected = _their_forward(
        x,
        theirs["conv1.push_conv.weight"],
        theirs["conv1.bias"],
        theirs["conv1.pull_inhibition_strength"],
        avg,
    )
    torch.testing.assert_close(model.conv1(x), expected, rtol=1e-5, atol=1e-6)
    # the classifier's and batch norm's own "bias" keys were not touched
    torch.testing.assert_close(model.classifier.bias, theirs["classifier.bias"])
    torch.testing.assert_close(model.bn.bias, theirs["bn.bias"])


def test_fixed_strength_without_bias():
    # a fixed α is a plain number in PushPull-Net: not in the state dict, passed as an option
    theirs = _their_state_dict(trainable=False, bias=False)
    options = pushpullnet_layer_options(
        3, trainable_pull_inhibition=False, pull_inhibition_strength=0.7, bias=False
    )
    model = _Net(**options)
    model.load_state_dict(from_pushpullnet_state_dict(theirs), strict=True)
    x = torch.rand(2, 3, 10, 10, generator=torch.Generator().manual_seed(2))
    expected = _their_forward(x, theirs["conv1.push_conv.weight"], None, 0.7, 3)
    torch.testing.assert_close(model.conv1(x), expected, rtol=1e-5, atol=1e-6)


def test_strided_unit_and_round_trip():
    generator = torch.Generator().manual_seed(3)
    # a bare unit (no prefix), as PushPull-Net's ImageNet stem: 7×7, stride 2, padding 3
    theirs = {
        "push_conv.weight": torch.randn(6, 3, 7, 7, generator=generator),
        "bias": torch.randn(6, generator=generator),
        "pull_inhibition_strength": torch.rand(6, generator=generator),
    }
    layer = PushPullConv2d(3, 6, 7, stride=2, padding=3, **pushpullnet_layer_options(5))
    layer.load_state_dict(from_pushpullnet_state_dict(theirs), strict=True)
    x = torch.rand(1, 3, 21, 21, generator=generator)
    expected = _their_forward(
        x, theirs["push_conv.weight"], theirs["bias"], theirs["pull_inhibition_strength"], 5, 2, 3
    )
    torch.testing.assert_close(layer(x), expected, rtol=1e-5, atol=1e-6)
    back = to_pushpullnet_state_dict(layer.state_dict())
    assert set(back) == set(theirs)
    for key, value in theirs.items():
        torch.testing.assert_close(back[key], value, rtol=0, atol=0)


def test_key_table_and_errors():
    mapped = from_pushpullnet_state_dict(_their_state_dict())
    assert {"conv1.push.weight", "conv1.push.bias", "conv1.alpha"} <= set(mapped)
    assert not any("push_conv" in key or "pull_inhibition" in key for key in mapped)
    assert set(PUSHPULLNET_KEYS.values()) == {"push.weight", "push.bias", "alpha"}
    with pytest.raises(ValueError, match="no push-pull unit"):
        from_pushpullnet_state_dict({"fc.weight": torch.zeros(2, 2)})
    with pytest.raises(TypeError, match="mapping"):
        from_pushpullnet_state_dict([("a", 1)])
    with pytest.raises(ValueError, match="avg_kernel_size"):
        pushpullnet_layer_options(4)
    with pytest.raises(ValueError, match="pull_inhibition_strength"):
        pushpullnet_layer_options(3, pull_inhibition_strength=-1.0)
