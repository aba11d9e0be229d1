"""PushPullConv2d against the formula of [S20] / [B24], written here from scratch."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from v1pushpull.torch import (  # noqa: E402
    GaborPushPullConv2d,
    PushPullConv2d,
    pull_kernel_size,
    replace_first_conv,
)

# tests/torch/ is one level deeper than tests/: the repository is parents[2], /work parents[3]
CHECKPOINTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "s20-checkpoints"
DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=[
            pytest.mark.gpu,
            pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"),
        ],
    ),
]


# ---------------------------------------------------------------- reference from the formula


def _bilinear_upsample(weight: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """align_corners=True bilinear interpolation written out: output i samples i·(h−1)/(ŝ−1)."""
    out = weight
    for axis, (n_in, n_out) in zip(
        (-2, -1), zip(weight.shape[-2:], size, strict=True), strict=True
    ):
        if n_out == n_in:
            continue
        rows = []
        for i in range(n_out):
            src = i * (n_in - 1) / (n_out - 1)
            lo = min(math.floor(src), n_in - 2)
            frac = src - lo
            lo_slice = out.narrow(axis, lo, 1)
            hi_slice = out.narrow(axis, lo + 1, 1)
            rows.append((1 - frac) * lo_slice + frac * hi_slice)
        out = torch.cat(rows, dim=axis)
    return out


def _correlate(x, weight, stride, padding, dilation, groups, mode="zeros"):
    """Strided, dilated, grouped correlation as an explicit sum over kernel taps."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    if mode == "zeros":
        xp = F.pad(x, (pw, pw, ph, ph))
    else:
        xp = F.pad(x, (pw, pw, ph, ph), mode=mode)
    n, _, hp, wp = xp.shape
    c_out, c_group, kh, kw = weight.shape
    out_h = (hp - dh * (kh - 1) - 1) // sh + 1
    out_w = (wp - dw * (kw - 1) - 1) // sw + 1
    out = x.new_zeros(n, c_out, out_h, out_w)
    per_group = c_out // groups
    for o in range(c_out):
        g = o // per_group
        for c in range(c_group):
            channel = xp[:, g * c_group + c]
            for u in range(kh):
                for v in range(kw):
                    window = channel[
                        :,
                        u * dh : u * dh + sh * (out_h - 1) + 1 : sh,
                        v * dw : v * dw + sw * (out_w - 1) + 1 : sw,
                    ]
                    out[:, o] += weight[o, c, u, v] * window
    return out


def reference_upsample(x, weight, bias, alpha, *, stride, padding, dilation, groups, scale, mode):
    """P(I) = ReLU(k⋆I + b) − α·ReLU(−(k↑)⋆I − b), pull padding d·(ŝ//2 − h//2) + p."""
    h, w = weight.shape[-2:]
    n_h, n_w = math.floor(scale * h), math.floor(scale * w)
    size = (n_h + 1 - n_h % 2, n_w + 1 - n_w % 2)
    pull_padding = tuple(
        d * (s // 2 - k // 2) + p
        for d, s, k, p in zip(dilation, size, (h, w), padding, strict=True)
    )
    push = _correlate(x, weight, stride, padding, dilation, groups, mode)
    pull = _correlate(
        x, -_bilinear_upsample(weight, size), stride, pull_padding, dilation, groups, mode
    )
    if bias is not None:
        push = push + bias.view(1, -1, 1, 1)
        pull = pull - bias.view(1, -1, 1, 1)
    alpha = alpha.view(1, -1, 1, 1) if torch.is_tensor(alpha) else alpha
    return torch.relu(push) - alpha * torch.relu(pull)


def reference_inverted(x, weight, bias, alpha, *, stride, padding, dilation, groups, pooling):
    """[B24]: ReLU(W⋆I) − α·ReLU(avg(W_pull⋆I)) + b with W_pull = −W + max W + min W per filter."""
    flat = weight.flatten(1)
    pull_weight = -weight + (flat.max(1).values + flat.min(1).values).view(-1, 1, 1, 1)
    push = _correlate(x, weight, stride, padding, dilation, groups)
    pull = _correlate(x, pull_weight, stride, padding, dilation, groups)
    if pooling is not None:
        r = pooling // 2
        padded = F.pad(pull, (r, r, r, r))
        ones = F.pad(torch.ones_like(pull), (r, r, r, r))
        total = sum(
            padded[..., i : i + pull.shape[-2], j : j + pull.shape[-1]]
            for i in range(pooling)
            for j in range(pooling)
        )
        count = sum(
            ones[..., i : i + pull.shape[-2], j : j + pull.shape[-1]]
            for i in range(pooling)
            for j in range(pooling)
        )
        pull = total / count
    alpha = alpha.view(1, -1, 1, 1) if torch.is_tensor(alpha) else alpha
    out = torch.relu(push) - alpha * torch.relu(pull)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def _rel_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max())


UPSAMPLE_CASES = {
    "default": dict(in_channels=3, out_channels=4, kernel_size=3, padding=1),
    "stride2": dict(in_channels=3, out_channels=4, kernel_size=3, padding=1, stride=2),
    "dilation2": dict(in_channels=2, out_channels=3, kernel_size=3, padding=2, dilation=2),
    "groups": dict(in_channels=4, out_channels=6, kernel_size=3, padding=1, groups=2),
    "bias": dict(in_channels=3, out_channels=4, kernel_size=3, padding=1, bias=True),
    "scale1": dict(in_channels=3, out_channels=4, kernel_size=3, padding=1, scale=1.0),
    "scale1.5": dict(in_channels=3, out_channels=4, kernel_size=3, padding=1, scale=1.5),
    "k5_nopad": dict(in_channels=2, out_channels=3, kernel_size=5),
    "rect_kernel": dict(in_channels=2, out_channels=3, kernel_size=(3, 5), padding=(1, 2)),
    "trainable": dict(
        in_channels=3, out_channels=4, kernel_size=3, padding=1, trainable_alpha=True
    ),
    "alpha0.5": dict(in_channels=3, out_channels=4, kernel_size=3, padding=1, alpha=0.5),
    "reflect": dict(
        in_channels=2, out_channels=3, kernel_size=3, padding=1, padding_mode="reflect"
    ),
    "circular": dict(
        in_channels=2, out_channels=3, kernel_size=3, padding=1, padding_mode="circular"
    ),
    "all": dict(
        in_channels=4,
        out_channels=4,
        kernel_size=3,
        padding=1,
        stride=2,
        dilation=2,
        groups=2,
        bias=True,
        scale=1.5,
        trainable_alpha=True,
    ),
}

INVERTED_CASES = {
    "default": dict(in_channels=3, out_channels=4, kernel_size=3, padding=1),
    "pool3_bias": dict(
        in_channels=3, out_channels=4, kernel_size=3, padding=1, pull_pooling=3, bias=True
    ),
    "pool5_stride2": dict(in_channels=2, out_channels=3, kernel_size=3, stride=2, pull_pooling=5),
    "even_kernel": dict(in_channels=2, out_channels=3, kernel_size=4, padding=1),
    "trainable_groups": dict(
        in_channels=4, out_channels=4, kernel_size=3, groups=2, trainable_alpha=True
    ),
}


def _reference_for(layer: PushPullConv2d, x: torch.Tensor) -> torch.Tensor:
    conv = layer.push
    alpha = torch.relu(layer.alpha) if layer.trainable_alpha else layer.alpha
    common = dict(stride=conv.stride, padding=conv.padding, dilation=conv.dilation)
    if layer.pull == "upsample":
        return reference_upsample(
            x,
            conv.weight,
            conv.bias,
            alpha,
            groups=conv.groups,
            scale=layer.scale,
            mode=conv.padding_mode,
            **common,
        )
    alpha = layer.alpha  # [B24] uses the trainable α as is
    return reference_inverted(
        x, conv.weight, conv.bias, alpha, groups=conv.groups, pooling=layer.pull_pooling, **common
    )


def _layer(kwargs, pull, dtype=torch.float32, device="cpu", seed=0, pull_method="auto"):
    torch.manual_seed(seed)
    layer = PushPullConv2d(**kwargs, pull=pull, device=device, dtype=dtype, pull_method=pull_method)
    if layer.push.bias is not None:
        with torch.no_grad():
            layer.push.bias.uniform_(-0.3, 0.3)
    return layer


# ---------------------------------------------------------------- tests


def test_pull_kernel_size_rule():
    assert pull_kernel_size(3, 2.0) == 7
    assert pull_kernel_size(5, 2.0) == 11
    assert pull_kernel_size(7, 2.0) == 15
    assert pull_kernel_size(3, 1.0) == 3
    assert pull_kernel_size(3, 1.5) == 5  # ⌊4.5⌋ = 4, next odd 5
    assert pull_kernel_size(5, 1.5) == 7  # ⌊7.5⌋ = 7 is odd already
    # scale < 1 is allowed since issue 14 (the release's rule, tests/torch/test_release_options.py)
    with pytest.raises(ValueError, match="scale"):
        pull_kernel_size(3, 0.0)
    with pytest.raises(ValueError, match="kernel_size"):
        pull_kernel_size(0, 2.0)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("method", ["direct", "basis"])
@pytest.mark.parametrize("case", list(UPSAMPLE_CASES))
def test_upsample_matches_formula_float32(case, method, device):
    layer = _layer(UPSAMPLE_CASES[case], "upsample", device=device, pull_method=method)
    torch.manual_seed(1)
    x = torch.randn(2, layer.push.in_channels, 11, 10, device=device)
    with torch.no_grad():
        out = layer(x)
        ref = _reference_for(layer.double(), x.double())
    assert out.shape == ref.shape
    assert _rel_diff(out.double(), ref) <= 1e-6


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case", list(INVERTED_CASES))
def test_inverted_matches_formula_float32(case, device):
    layer = _layer(INVERTED_CASES[case], "inverted", device=device)
    torch.manual_seed(2)
    x = torch.randn(2, layer.push.in_channels, 10, 9, device=device)
    with torch.no_grad():
        out = layer(x)
        ref = _reference_for(layer.double(), x.double())
    assert out.shape == ref.shape
    assert _rel_diff(out.double(), ref) <= 1e-6


@pytest.mark.parametrize(
    ("pull", "method", "case"),
    [("upsample", m, c) for c in UPSAMPLE_CASES for m in ("direct", "basis")]
    + [("inverted", "auto", c) for c in INVERTED_CASES],
)
def test_gradcheck_float64(pull, method, case):
    kwargs = (UPSAMPLE_CASES if pull == "upsample" else INVERTED_CASES)[case]
    layer = _layer(kwargs, pull, dtype=torch.float64, pull_method=method)
    torch.manual_seed(3)
    x = torch.randn(1, layer.push.in_channels, 6, 5, dtype=torch.float64, requires_grad=True)
    params = [p.detach().clone().requires_grad_(True) for p in layer.parameters()]
    names = [n for n, _ in layer.named_parameters()]

    def fn(x, *params):
        state = dict(zip(names, params, strict=True))
        return torch.func.functional_call(layer, state, (x,))

    assert torch.autograd.gradcheck(fn, (x, *params), eps=1e-6, atol=1e-5)


def test_alpha_zero_is_relu_of_the_convolution():
    layer = _layer(
        dict(in_channels=3, out_channels=5, kernel_size=3, padding=1, bias=True), "upsample"
    )
    layer_zero = PushPullConv2d(3, 5, 3, padding=1, bias=True, alpha=0.0)
    layer_zero.load_state_dict(layer.state_dict())
    x = torch.randn(2, 3, 12, 12)
    with torch.no_grad():
        expected = torch.relu(layer.push(x))
        torch.testing.assert_close(layer_zero(x), expected, rtol=0, atol=0)
        assert not torch.allclose(layer(x), expected)  # the pull path is active at α = 1


def test_trainable_alpha_initialisation_and_relu():
    torch.manual_seed(4)
    layer = PushPullConv2d(8, 32, 3, padding=1, trainable_alpha=True)
    r = 1 / math.sqrt(8 * 32)
    assert layer.alpha.shape == (32,)
    assert layer.alpha.min() >= 0.5 - r and layer.alpha.max() <= 0.5 + r
    assert layer.alpha.std() > r / 4  # drawn, not constant
    inverted = PushPullConv2d(8, 32, 3, padding=1, trainable_alpha=True, pull="inverted")
    assert inverted.alpha.min() >= 0 and inverted.alpha.max() <= 1
    # a negative α is clipped by the ReLU: the layer reduces to ReLU(conv)
    with torch.no_grad():
        layer.alpha.fill_(-0.7)
        x = torch.randn(1, 8, 9, 9)
        torch.testing.assert_close(layer(x), torch.relu(layer.push(x)), rtol=0, atol=0)
    assert set(dict(layer.named_parameters())) == {"alpha", "push.weight"}


def test_only_push_weight_is_a_parameter_and_pull_is_derived():
    layer = PushPullConv2d(3, 4, 3, padding=1)
    assert list(layer.state_dict()) == ["push.weight"]
    x = torch.randn(1, 3, 8, 8)
    layer(x).sum().backward()
    # the gradient through the pull path differs from the push-only gradient
    push_only = PushPullConv2d(3, 4, 3, padding=1, alpha=0.0)
    push_only.load_state_dict(layer.state_dict())
    push_only(x).sum().backward()
    assert not torch.allclose(layer.push.weight.grad, push_only.push.weight.grad)
    upsampled = layer.pull_weight()
    assert upsampled.shape == (4, 3, 7, 7)
    # align_corners: the corner taps of the push kernel are reproduced (negated) exactly
    torch.testing.assert_close(upsampled[..., ::3, ::3], -layer.push.weight)


@pytest.mark.skipif(not CHECKPOINTS.is_dir(), reason="released checkpoints not available")
@pytest.mark.parametrize(
    ("filename", "key", "channels"),
    [
        ("resnet-20-pp.pth.tar", "conv1.push.weight", 16),
        ("densenet-bc-40-12-pp.pth.tar", "features.conv0.push.weight", 24),
    ],
)
def test_released_checkpoint_push_weight_loads(filename, key, channels):
    state = torch.load(CHECKPOINTS / filename, map_location="cpu", weights_only=True)["state_dict"]
    weight = state[key]
    assert weight.shape == (channels, 3, 3, 3)
    layer = PushPullConv2d(3, channels, 3, padding=1)
    layer.load_state_dict({"push.weight": weight}, strict=True)
    x = torch.rand(2, 3, 16, 16)
    with torch.no_grad():
        out = layer(x)
        ref = _reference_for(layer.double(), x.double())
    assert _rel_diff(out.double(), ref) <= 1e-6


def test_auto_pull_method_follows_the_operation_count():
    assert PushPullConv2d(3, 16, 3, padding=1).pull_method == "direct"
    # many input channels: the basis responses outweigh the output
    assert PushPullConv2d(64, 64, 3, padding=1).pull_method == "direct"
    assert PushPullConv2d(3, 64, 7, stride=2, padding=3).pull_method == "basis"
    assert PushPullConv2d(3, 64, 3, scale=1.0).pull_method == "direct"  # nothing to save
    assert PushPullConv2d(3, 64, 3, pull="inverted").pull_method == "direct"


def test_interpolation_matrix_reproduces_torch_bilinear_upsampling():
    from v1pushpull.torch.layers import _interpolation_matrix

    kernel = torch.randn(2, 3, 5, 3, dtype=torch.float64)
    rows, cols = (torch.from_numpy(_interpolation_matrix(n, k)) for n, k in ((11, 5), (7, 3)))
    expected = F.interpolate(kernel, size=(11, 7), mode="bilinear", align_corners=True)
    torch.testing.assert_close(rows @ kernel @ cols.T, expected, rtol=1e-12, atol=1e-12)


def test_trainable_alpha_of_the_released_shape_loads():
    layer = PushPullConv2d(3, 16, 3, padding=1, trainable_alpha=True)
    alpha = torch.rand(1, 16, 1, 1)  # PPmodule2d(train_alpha=True) stores α like this
    state = {"push.weight": torch.randn(16, 3, 3, 3), "alpha": alpha}
    layer.load_state_dict(state, strict=True)
    torch.testing.assert_close(layer.alpha.detach(), alpha.reshape(-1))


def test_extra_repr_shows_alpha_scale_and_pull_size():
    text = repr(PushPullConv2d(3, 16, 5, padding=2, scale=1.5))
    assert "alpha=1" in text and "scale=1.5" in text and "pull_size=(7, 7)" in text
    assert "alpha=trainable(16)" in repr(PushPullConv2d(3, 16, 3, trainable_alpha=True))


def test_padding_same_and_valid():
    same = PushPullConv2d(2, 3, 3, padding="same", dilation=2)
    assert same.push.padding == (2, 2) and same.pull_padding == (6, 6)
    assert same(torch.randn(1, 2, 9, 9)).shape[-2:] == (9, 9)
    assert PushPullConv2d(2, 3, 3, padding="valid").push.padding == (0, 0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(kernel_size=4), "odd"),
        (dict(kernel_size=3, scale=0.5), "scale"),
        (dict(kernel_size=3, pull="push"), "pull"),
        (dict(kernel_size=3, alpha=-1.0), "alpha"),
        (dict(kernel_size=3, alpha=float("nan")), "alpha"),
        (dict(kernel_size=3, alpha=0.3, trainable_alpha=True), "trainable_alpha"),
        (dict(kernel_size=3, pull_pooling=3), "pull_pooling"),
        (dict(kernel_size=3, pull="inverted", pull_pooling=2), "pull_pooling"),
        (dict(kernel_size=3, pull="inverted", scale=1.5), "scale"),
        (dict(kernel_size=3, padding_mode="mirror"), "padding_mode"),
        (dict(kernel_size=3, padding="full"), "padding"),
        (dict(kernel_size=3, padding="same", stride=2), "stride"),
        (dict(kernel_size=3, pull_method="fft"), "pull_method"),
        (dict(kernel_size=3, pull="inverted", pull_method="basis"), "pull_method"),
        (dict(kernel_size=3, stride=0), "stride must be >= 1"),
        (dict(kernel_size=3, dilation=0), "dilation must be >= 1"),
        (dict(kernel_size=3, dilation=(1, 0)), "dilation must be >= 1"),
        (dict(kernel_size=3, padding=-1), "padding must be >= 0"),
        (dict(kernel_size=3, in_channels=0), "in_channels must be a positive"),
        (dict(kernel_size=3, out_channels=0), "out_channels must be a positive"),
        (dict(kernel_size=3, groups=2), "groups=2 must divide"),
        (dict(kernel_size=3, groups=0), "groups must be a positive"),
        (dict(kernel_size=3, alpha="0.5"), "alpha"),
    ],
)
def test_invalid_arguments_raise_value_error(kwargs, match):
    # checked at the boundary, with the argument's name, before torch would fail on them
    args = {"in_channels": 2, "out_channels": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        PushPullConv2d(**args)


def test_numpy_scalars_are_accepted_like_python_numbers():
    reference = PushPullConv2d(2, 4, 3, alpha=0.5, scale=1.5)
    layer = PushPullConv2d(
        np.int64(2), np.int64(4), np.int64(3), alpha=np.float32(0.5), scale=np.float32(1.5)
    )
    assert layer.alpha == 0.5 and isinstance(layer.alpha, float)
    assert layer.pull_size == reference.pull_size == (5, 5)
    layer.load_state_dict(reference.state_dict())
    x = torch.rand(1, 2, 9, 9)
    torch.testing.assert_close(layer(x), reference(x))


def test_kernel_size_type_error():
    with pytest.raises(TypeError, match="kernel_size"):
        PushPullConv2d(2, 3, 3.0)


@pytest.mark.parametrize("method", ["direct", "basis"])
def test_channels_last_input_gives_same_output(method):
    layer = _layer(UPSAMPLE_CASES["bias"], "upsample", pull_method=method)
    x = torch.randn(4, 3, 16, 16)
    with torch.no_grad():
        expected = layer(x)
        out = layer(x.to(memory_format=torch.channels_last))
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "fp16"])
@pytest.mark.parametrize(
    ("pull", "method"), [("upsample", "direct"), ("upsample", "basis"), ("inverted", "auto")]
)
def test_autocast_low_precision_close_to_float32(pull, method, dtype, device):
    kwargs = UPSAMPLE_CASES["bias"] if pull == "upsample" else INVERTED_CASES["pool3_bias"]
    layer = _layer(kwargs, pull, device=device, pull_method=method)
    x = torch.randn(2, 3, 16, 16, device=device)
    with torch.no_grad():
        expected = layer(x)
        with torch.autocast(device_type=device, dtype=dtype):
            out = layer(x)
    assert out.dtype == dtype
    tolerance = 3e-2 if dtype == torch.bfloat16 else 4e-3  # 8 vs 11 bits of mantissa
    assert _rel_diff(out.float(), expected) < tolerance
    # gradients reach the float32 parameters, close to the float32 ones
    grad_float32 = torch.autograd.grad(layer(x).sum(), layer.push.weight)[0]
    with torch.autocast(device_type=device, dtype=dtype):
        grad = torch.autograd.grad(layer(x).float().sum(), layer.push.weight)[0]
    assert grad.dtype == torch.float32
    assert _rel_diff(grad, grad_float32) < (0.1 if dtype == torch.bfloat16 else 0.03)


@pytest.mark.parametrize("method", ["direct", "basis"])
def test_torch_compile_matches_eager(method):
    layer = _layer(UPSAMPLE_CASES["all"], "upsample", pull_method=method)
    compiled = torch.compile(layer, fullgraph=True)
    x = torch.randn(2, 4, 12, 12)
    expected = layer(x)
    out = compiled(x)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    grad_eager = torch.autograd.grad(expected.square().sum(), layer.push.weight)[0]
    grad_compiled = torch.autograd.grad(out.square().sum(), layer.push.weight)[0]
    torch.testing.assert_close(grad_compiled, grad_eager, rtol=1e-4, atol=1e-5)


def test_replace_first_conv_keeps_shape_and_weights():
    torch.manual_seed(5)
    model = nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 8, 5, stride=2, padding=2, bias=True), nn.ReLU()),
        nn.Conv2d(8, 4, 3),
    )
    original = model[0][0]
    x = torch.randn(1, 3, 17, 17)
    shape_before = model(x).shape
    result = replace_first_conv(model, trainable_alpha=True)
    assert result is model
    layer = model[0][0]
    assert isinstance(layer, PushPullConv2d)
    assert type(model[1]) is nn.Conv2d  # only the first convolution is replaced
    assert layer.push.stride == (2, 2) and layer.push.padding == (2, 2)
    torch.testing.assert_close(layer.push.weight, original.weight)
    torch.testing.assert_close(layer.push.bias, original.bias)
    assert model(x).shape == shape_before
    # a second call skips the push path of the existing push-pull layer
    replace_first_conv(model)
    assert isinstance(model[1], PushPullConv2d)


def test_replace_first_conv_with_same_padding_keeps_the_output_size():
    model = nn.Sequential(nn.Conv2d(2, 4, 5, padding="same", dilation=2, padding_mode="reflect"))
    x = torch.randn(1, 2, 16, 16)
    replace_first_conv(model, alpha=0.0)
    layer = model[0]
    assert layer.push.padding == (4, 4) and layer.push.padding_mode == "reflect"
    assert layer.pull_padding == (2 * (11 // 2 - 5 // 2) + 4,) * 2
    # α = 0: the push-pull layer is ReLU of the convolution it replaced
    expected = torch.relu(
        F.conv2d(F.pad(x, (4, 4, 4, 4), mode="reflect"), layer.weight, layer.bias, dilation=2)
    )
    torch.testing.assert_close(model(x), expected)


def test_replace_first_conv_errors():
    with pytest.raises(ValueError, match=r"no nn\.Conv2d"):
        replace_first_conv(nn.Sequential(nn.Linear(3, 3)))
    with pytest.raises(TypeError, match="kernel_size"):
        replace_first_conv(nn.Sequential(nn.Conv2d(3, 3, 3)), kernel_size=5)


# ---------------------------------------------------------------- parametric Gabor kernels


@pytest.mark.parametrize("normalization", ["zero_mean", "none"])
def test_parametric_kernels_equal_the_core_gabor_bank(normalization):
    from v1pushpull import gabor_bank

    wavelengths, orientations, phases = [4.0, 6.0], [0.0, 1.0, 2.5], [0.0, math.pi / 2]
    layer = GaborPushPullConv2d(
        3, 9, wavelengths, orientations, phases, normalization=normalization, dtype=torch.float64
    )
    expected = gabor_bank(wavelengths, orientations, phases, size=9, normalization=normalization)
    kernels = layer.gabor_kernels().detach().numpy()
    np.testing.assert_allclose(kernels, expected, rtol=1e-12, atol=1e-12)
    push = layer.push_weight().detach().numpy()
    np.testing.assert_allclose(push, np.repeat(expected[:, None] / 3, 3, axis=1), atol=1e-12)
    assert "push.weight" not in layer.state_dict()  # generated, not stored


def test_parametric_gradient_reaches_every_parameter_and_matches_finite_differences():
    torch.manual_seed(6)
    layer = GaborPushPullConv2d(
        2,
        5,
        [3.0, 4.0],
        [0.3, 1.4],
        [0.2],
        sigma=1.5,
        bias=True,
        trainable_alpha=True,
        dtype=torch.float64,
    )
    with torch.no_grad():
        layer.channel_weights.uniform_(0.2, 1.0)
        layer.push.bias.uniform_(-0.1, 0.1)
    x = torch.randn(1, 2, 5, 5, dtype=torch.float64)
    names = [n for n, _ in layer.named_parameters()]
    expected = {"wavelength", "orientation", "phase", "sigma", "aspect_ratio"}
    assert expected | {"channel_weights", "alpha", "push.bias"} == set(names)
    layer(x).square().sum().backward()
    for name, parameter in layer.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name

    def fn(*params):
        return torch.func.functional_call(layer, dict(zip(names, params, strict=True)), (x,))

    params = tuple(p.detach().clone().requires_grad_(True) for p in layer.parameters())
    assert torch.autograd.gradcheck(fn, params, eps=1e-6, atol=1e-5)


def test_parametric_errors():
    with pytest.raises(ValueError, match="kernel_size"):
        GaborPushPullConv2d(3, 4, 4.0, 0.0)
    with pytest.raises(ValueError, match="wavelengths"):
        GaborPushPullConv2d(3, 5, -4.0, 0.0)
    with pytest.raises(ValueError, match="sigma"):
        GaborPushPullConv2d(3, 5, 4.0, 0.0, sigma=0.0)
    with pytest.raises(ValueError, match="aspect_ratio"):
        GaborPushPullConv2d(3, 5, 4.0, 0.0, aspect_ratio=-1.0)
    with pytest.raises(ValueError, match="normalization"):
        GaborPushPullConv2d(3, 5, 4.0, 0.0, normalization="petkov")
    with pytest.raises(ValueError, match="color"):
        GaborPushPullConv2d(3, 5, 4.0, 0.0, color="per_channel")
    with pytest.raises(ValueError, match="groups"):
        GaborPushPullConv2d(3, 5, 4.0, 0.0, groups=3)
    with pytest.raises(ValueError, match="orientations"):
        GaborPushPullConv2d(3, 5, 4.0, [])
