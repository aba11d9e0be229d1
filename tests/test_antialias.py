"""Anti-aliased downsampling (v1pushpull.torch.antialias), the release's size_lpf placement."""

from __future__ import annotations

import copy
import io

import pytest
import torch
from torch import nn

from v1pushpull.torch.antialias import BlurPool2d, antialias, binomial_filter
from v1pushpull.torch.layers import PushPullConv2d


@pytest.mark.parametrize(
    ("size", "row"),
    [(1, [1]), (2, [1, 1]), (3, [1, 2, 1]), (4, [1, 3, 3, 1]), (5, [1, 4, 6, 4, 1])],
)
def test_filter_is_the_normalised_binomial_outer_product(size, row):
    # Pascal's triangle by hand; the 2-D filter is row ⊗ row / (Σ row)²
    row = torch.tensor(row, dtype=torch.float32)
    expected = torch.outer(row, row) / row.sum() ** 2
    torch.testing.assert_close(binomial_filter(size), expected, rtol=0, atol=1e-7)


@pytest.mark.parametrize("size", [2, 3, 5])
@pytest.mark.parametrize("stride", [2, 3])
def test_a_constant_image_stays_constant(size, stride):
    pool = BlurPool2d(3, size, stride)
    out = pool(torch.full((2, 3, 11, 13), 0.7))
    assert out.shape[-2:] == (-(-11 // stride), -(-13 // stride))  # ⌈H/s⌉ × ⌈W/s⌉
    torch.testing.assert_close(out, torch.full_like(out, 0.7))


def test_blur_matches_a_hand_computed_value():
    # 1-D along W: reflect-padded [a b c d] → [b a b c d c]; taps (1 2 1)/4 at stride 2 give
    # (b + 2a + b)/4 and (b + 2c + d)/4
    x = torch.tensor([1.0, 2.0, 4.0, 8.0]).reshape(1, 1, 1, 4).expand(1, 1, 3, 4).contiguous()
    out = BlurPool2d(1, 3, 2)(x)
    expected = torch.tensor([(2 + 2 * 1 + 2) / 4, (2 + 2 * 4 + 8) / 4])
    torch.testing.assert_close(out[0, 0, 0], expected)


def _random_cnn():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 32, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    )


@pytest.mark.parametrize("size", [2, 3, 5])
def test_blur_makes_pooled_features_more_shift_invariant(size):
    torch.manual_seed(1)
    x = nn.functional.avg_pool2d(torch.rand(16, 3, 32, 32), 3, 1, 1)
    shifted = torch.roll(x, 1, dims=-1)  # one pixel: a change of sampling phase at stride 2

    def relative_change(model):
        with torch.no_grad():
            a, b = model(x), model(shifted)
        return float(((a - b).norm(dim=1) / a.norm(dim=1)).mean())

    plain = _random_cnn()
    blurred = antialias(copy.deepcopy(plain), size)
    # measured 0.014 without the blur, 0.007-0.010 with it
    assert relative_change(blurred) < 0.8 * relative_change(plain)


class _Block(nn.Module):
    """The release's BasicBlock layout at a stride-2 stage (conv1, bn1, downsample)."""

    def __init__(self, pushpull=False):
        super().__init__()
        if pushpull:
            self.conv1 = PushPullConv2d(8, 16, 3, stride=2, padding=1)
        else:
            self.conv1 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.downsample = nn.Sequential(
            nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16)
        )

    def forward(self, x):
        return torch.relu(self.bn1(self.conv1(x))) + self.downsample(x)


def test_keys_are_the_released_ones_and_reload_strictly():
    model = antialias(_Block(), 3)
    keys = set(model.state_dict())
    # nicstrisc/Push-Pull-CNN-layer resnet/resnetcifar.py with size_lpf: conv1 =
    # Sequential(Downsample, conv3x3), downsample = Sequential(Downsample, conv1x1, BN)
    for key in ("conv1.0.filt", "conv1.1.weight", "downsample.0.filt", "downsample.1.weight"):
        assert key in keys
    assert "downsample.2.running_mean" in keys
    assert model.state_dict()["downsample.0.filt"].shape == (8, 1, 3, 3)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    model.eval()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    fresh = antialias(_Block(), 3).eval()
    fresh.load_state_dict(torch.load(buffer, weights_only=True), strict=True)
    x = torch.rand(2, 8, 16, 16)
    torch.testing.assert_close(fresh(x), model(x), rtol=0, atol=0)
    # a plain checkpoint does not load into the antialiased model, and vice versa
    with pytest.raises(RuntimeError):
        fresh.load_state_dict(_Block().state_dict(), strict=True)


def test_weights_kept_output_size_kept_and_pushpull_handled():
    for pushpull in (False, True):
        torch.manual_seed(0)
        plain = _Block(pushpull)
        weight = plain.conv1.weight.detach().clone()
        model = antialias(copy.deepcopy(plain), 5)
        torch.testing.assert_close(model.conv1[1].weight, weight, rtol=0, atol=0)
        x = torch.rand(2, 8, 15, 15)
        assert model(x).shape == plain(x).shape == (2, 16, 8, 8)
    assert isinstance(model.conv1[1], PushPullConv2d) and model.conv1[1].push.stride == (1, 1)
    # running it twice changes nothing more: no strided convolution is left
    again = antialias(model, 5)
    assert sum(isinstance(m, BlurPool2d) for m in again.modules()) == 2


def test_size_one_is_off_and_errors():
    plain = _Block()
    same = antialias(plain, 1)
    assert same is plain and not any(isinstance(m, BlurPool2d) for m in plain.modules())
    with pytest.raises(ValueError, match="filter_size"):
        antialias(_Block(), 9)
    with pytest.raises(TypeError, match="filter_size"):
        antialias(_Block(), 3.0)
    with pytest.raises(ValueError, match="itself"):
        antialias(nn.Conv2d(3, 3, 3, stride=2), 3)
