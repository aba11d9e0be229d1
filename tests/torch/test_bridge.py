"""to_torch_layer: the core's receptive fields become push kernels with the same responses."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F64 = torch.float64

from v1pushpull import dog_bank, filter_bank, gabor_bank  # noqa: E402
from v1pushpull.cells import CORFCell, GaborCell, PushPullCell  # noqa: E402
from v1pushpull.torch import PushPullConv2d, color_weights, to_torch_layer  # noqa: E402


@pytest.fixture
def rgb(rng):
    return rng.random((3, 24, 20))


def _push_path(layer: PushPullConv2d, images: np.ndarray) -> np.ndarray:
    """The push convolution without its ReLU, on (C, H, W) images."""
    layer = layer.double()
    with torch.no_grad():
        return layer.push(torch.from_numpy(images)[None]).numpy()[0]


SOURCES = {
    "gabor_bank": lambda: gabor_bank([4.0, 6.0], [0.0, 1.0, 2.5], [0.0, math.pi / 2], size=9),
    "dog_bank": lambda: dog_bank([1.0, 1.6], size=7),
    "rectangular": lambda: gabor_bank(4.0, [0.3, 1.2], size=11)[:, 2:9, :],
}


@pytest.mark.parametrize("name", list(SOURCES))
def test_push_path_equals_filter_bank_replicate(name, rgb):
    kernels = SOURCES[name]()
    layer = to_torch_layer(kernels, in_channels=3, dtype=F64)
    gray = rgb.mean(axis=0)
    achromatic = np.stack([gray] * 3)
    expected = filter_bank(gray, kernels, padding="constant")
    np.testing.assert_allclose(_push_path(layer, achromatic), expected, rtol=0, atol=1e-12)
    # for any colour image, replicate·1/C filters the channel mean
    np.testing.assert_allclose(_push_path(layer, rgb), expected, rtol=0, atol=1e-12)


def test_push_path_equals_filter_bank_luminance_and_per_channel(rgb):
    kernels = SOURCES["gabor_bank"]()
    luma = np.tensordot(np.array([0.299, 0.587, 0.114]), rgb, axes=1)
    layer = to_torch_layer(kernels, color="luminance", dtype=F64)
    np.testing.assert_allclose(
        _push_path(layer, rgb), filter_bank(luma, kernels, padding="constant"), atol=1e-12
    )
    layer = to_torch_layer(kernels, color="per_channel", dtype=F64)
    assert layer.push.groups == 3 and layer.push.out_channels == 3 * kernels.shape[0]
    expected = filter_bank(rgb, kernels, padding="constant")  # (3, K, H, W)
    np.testing.assert_allclose(
        _push_path(layer, rgb), expected.reshape(-1, *rgb.shape[1:]), atol=1e-12
    )


def test_reflect_padding_mode_matches_filter_bank_reflect(rng):
    kernels = SOURCES["dog_bank"]()
    image = rng.random((1, 15, 17))
    layer = to_torch_layer(kernels, in_channels=1, padding_mode="reflect", dtype=F64)
    np.testing.assert_allclose(
        _push_path(layer, image), filter_bank(image[0], kernels, padding="reflect"), atol=1e-12
    )


@pytest.mark.parametrize(
    "cell", [CORFCell(sigma=1.0), GaborCell(wavelength=4.0, phase=math.pi / 2)], ids=repr
)
def test_cell_source_uses_its_linear_receptive_fields(cell, rgb):
    orientations = [0.0, math.pi / 3, math.pi]
    # as_linear: a CORFCell's linear route (its default is the CORF layer); no-op for Gabor
    layer = to_torch_layer(
        cell, orientations=orientations, kernel_size=9, dtype=F64, as_linear=True
    )
    fields = cell.linear_receptive_fields(orientations, size=9)
    gray = rgb.mean(axis=0)
    np.testing.assert_allclose(
        _push_path(layer, rgb), filter_bank(gray, fields, padding="constant"), atol=1e-12
    )


def test_presets_are_the_documented_banks():
    gabor = to_torch_layer("gabor").push.weight.detach().double()
    expected = gabor_bank(3.5, np.arange(8) * math.pi / 8, (0.0, math.pi / 2), size=7)
    np.testing.assert_allclose(gabor[:, 1].numpy(), expected / 3, rtol=1e-6, atol=1e-9)
    corf = to_torch_layer("corf", in_channels=1, kernel_size=11).push.weight.detach().double()
    fields = CORFCell(sigma=1.0).linear_receptive_fields(np.arange(8) * math.pi / 4, size=11)
    np.testing.assert_allclose(corf[:, 0].numpy(), fields, rtol=1e-6, atol=1e-9)
    dog = to_torch_layer("dog", in_channels=1).push.weight.detach().double()
    np.testing.assert_allclose(dog[:, 0].numpy(), dog_bank((7 / 6, 7 / 4), size=7), atol=1e-8)
    random = to_torch_layer("random", n_kernels=5, kernel_size=3)
    assert random.push.weight.shape == (5, 3, 3, 3)
    bound = 1 / math.sqrt(3 * 9)  # nn.Conv2d's kaiming-uniform bound
    assert random.push.weight.abs().max() <= bound


def test_orientation_count_spans_half_or_full_circle():
    from v1pushpull.torch.bridge import _orientation_values

    np.testing.assert_allclose(_orientation_values(4, full_circle=False), np.arange(4) * np.pi / 4)
    np.testing.assert_allclose(_orientation_values(4, full_circle=True), np.arange(4) * np.pi / 2)


def test_backend_arrays_are_accepted(backend):
    kernels = gabor_bank(4.0, [0.0, 1.0], size=7, xp=backend.xp, device=backend.device)
    layer = to_torch_layer(kernels, in_channels=2, dtype=torch.float64)
    expected = gabor_bank(4.0, [0.0, 1.0], size=7) / 2
    np.testing.assert_allclose(layer.push.weight.detach()[:, 0].numpy(), expected, atol=1e-12)


def test_trainable_kernels_learn_and_frozen_do_not():
    layer = to_torch_layer("gabor", trainable_alpha=True)
    assert layer.trainable_alpha
    layer(torch.rand(2, 3, 16, 16)).square().sum().backward()
    assert layer.push.weight.grad is not None and layer.push.weight.grad.abs().sum() > 0
    frozen = to_torch_layer("gabor", trainable=False)
    assert not frozen.push.weight.requires_grad


def test_full_layer_with_alpha_zero_is_relu_of_filter_bank(rgb):
    kernels = SOURCES["gabor_bank"]()
    layer = to_torch_layer(kernels, alpha=0.0, dtype=torch.float64)
    with torch.no_grad():
        out = layer(torch.from_numpy(rgb)[None])[0].numpy()
    expected = np.maximum(filter_bank(rgb.mean(axis=0), kernels, padding="constant"), 0)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_color_weights():
    np.testing.assert_allclose(color_weights("replicate", 3), [1 / 3] * 3)
    np.testing.assert_allclose(color_weights("luminance", 3), [0.299, 0.587, 0.114])
    np.testing.assert_allclose(color_weights("per_channel", 2), [1, 1])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: to_torch_layer("sobel"), ValueError, "preset"),
        (lambda: to_torch_layer("gabor", color="gray"), ValueError, "color"),
        (lambda: to_torch_layer("gabor", in_channels=4, color="luminance"), ValueError, "RGB"),
        (lambda: to_torch_layer(np.zeros((2, 2, 3, 3))), ValueError, "shape"),
        (lambda: to_torch_layer(np.zeros((2, 3, 3), dtype=int)), TypeError, "floating"),
        (lambda: to_torch_layer(np.full((1, 3, 3), np.nan)), ValueError, "finite"),
        (lambda: to_torch_layer(np.zeros((2, 3, 3)), kernel_size=5), ValueError, "array"),
        (lambda: to_torch_layer("dog", orientations=4), ValueError, "orientations"),
        (lambda: to_torch_layer("gabor", orientations=0), ValueError, "orientations"),
        (lambda: to_torch_layer("gabor", n_kernels=4), ValueError, "n_kernels"),
        (lambda: to_torch_layer("random", n_kernels=0), ValueError, "n_kernels"),
        (lambda: to_torch_layer("random", color="luminance"), ValueError, "color"),
        (lambda: to_torch_layer("gabor", groups=3), ValueError, "groups"),
        (lambda: to_torch_layer("gabor", in_channels=0), ValueError, "in_channels"),
        (lambda: to_torch_layer(3.0), TypeError, "source"),
        (lambda: to_torch_layer(np.zeros((2, 4, 4))), ValueError, "odd"),
        (lambda: to_torch_layer("gabor", kernel_size="7"), TypeError, "kernel_size must be an"),
        (lambda: to_torch_layer("gabor", kernel_size=0), ValueError, "kernel_size must be >="),
    ],
)
def test_invalid_sources_and_options(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_importing_v1pushpull_does_not_import_torch():
    code = (
        "import sys, v1pushpull; "
        "assert 'torch' not in sys.modules, 'import v1pushpull imported torch'; "
        "f = v1pushpull.to_torch_layer; "
        "assert 'torch' in sys.modules and f.__name__ == 'to_torch_layer'; print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("source", ["gabor", "random"])
def test_default_padding_keeps_the_size_with_dilation(source):
    # a dilated h-px kernel spans dilation·(h − 1) + 1 px: padding dilation·(h//2) keeps 32×32
    layer = to_torch_layer(source, dilation=(2, 3))
    assert layer.push.padding == (6, 9)
    assert layer(torch.rand(1, 3, 32, 32)).shape[-2:] == (32, 32)


def test_corf_default_size_keeps_most_of_the_field():
    # the σ = 1 px CORF field needs 11 px: ≥ 90 % of its L1 mass (on a 41 px grid) is kept
    layer = to_torch_layer("corf", in_channels=1)
    assert layer.push.weight.shape[-2:] == (11, 11)
    theta = np.arange(8) * math.pi / 4
    full = np.abs(CORFCell(sigma=1.0).linear_receptive_fields(theta, size=41)).sum(axis=(1, 2))
    kept = layer.push.weight.detach().double().abs().sum(dim=(1, 2, 3)).numpy() / full
    assert kept.min() >= 0.9


def test_pushpull_cell_source_takes_push_fields_and_pull_scale(rgb):
    cell = PushPullCell(GaborCell(4.0), pull_scale=3.0)
    orientations = [0.0, math.pi / 2]
    layer = to_torch_layer(cell, orientations=orientations, kernel_size=9, dtype=F64)
    fields = GaborCell(4.0).linear_receptive_fields(orientations, size=9)
    np.testing.assert_allclose(
        _push_path(layer, rgb),
        filter_bank(rgb.mean(axis=0), fields, padding="constant"),
        atol=1e-12,
    )
    assert layer.scale == 3.0 and float(layer.alpha) == 1.0
    strong = PushPullCell(GaborCell(4.0), inhibition_strength=3.5)
    assert float(to_torch_layer(strong, alpha=1.0).alpha) == 1.0  # explicit α, k not converted
    with pytest.raises(ValueError, match="pass alpha explicitly"):
        to_torch_layer(strong)
    with pytest.raises(ValueError, match=r"conflicts with the cell.s pull_scale=3\.0"):
        to_torch_layer(cell, scale=2.0)
    with pytest.raises(ValueError, match="cannot express"):
        to_torch_layer(PushPullCell(CORFCell()), as_linear=True)


@pytest.mark.parametrize("pushpull", [False, True], ids=["corf", "pushpull_corf"])
def test_corf_cells_become_the_corf_layer_with_the_cells_responses(pushpull):
    from v1pushpull.torch.corf_layer import CORFConv2d

    push = CORFCell(sigma=1.0, rho=(1.4135, 3.031, 6.9796))
    cell = PushPullCell(push) if pushpull else push
    orientations = [0.0, math.pi / 2, 1.2]
    layer = to_torch_layer(cell, in_channels=1, orientations=orientations, dtype=F64)
    assert isinstance(layer, CORFConv2d)
    image = np.random.default_rng(3).random((40, 40))
    out = layer(torch.as_tensor(image)[None, None]).detach().numpy()[0]
    expected = np.asarray(cell.response(image, orientations))
    assert np.abs(out - expected).max() <= 1e-10 * np.abs(expected).max()
    if pushpull:
        assert float(layer.inhibition_strength[0]) == cell.inhibition_strength
    frozen = to_torch_layer(cell, in_channels=1, trainable=False)
    assert len(frozen.orientations) == 8  # to_torch_layer's default count
    assert not any(p.requires_grad for p in frozen.parameters())
    with pytest.raises(ValueError, match=r"\['kernel_size'\] do not apply.*as_linear=True"):
        to_torch_layer(cell, kernel_size=9)
    with pytest.raises(TypeError, match="as_linear must be a bool"):
        to_torch_layer(cell, as_linear="yes")
