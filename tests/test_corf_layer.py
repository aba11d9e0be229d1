"""CORFConv2d against the core's CORF cells, the released code's numbers and autograd."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from v1pushpull.cells import (  # noqa: E402
    CORFCell,
    GaborCell,
    PushPullCell,
    Subunit,
    SubunitSet,
)
from v1pushpull.torch.corf_layer import CORFConv2d  # noqa: E402

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "corf-reference"
THETA16 = np.arange(16) * 2 * np.pi / 16
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


def _camera(size: int = 96, noisy: bool = False) -> np.ndarray:
    skimage = pytest.importorskip("skimage")
    from skimage.transform import resize

    image = resize(skimage.data.camera() / 255.0, (size, size), anti_aliasing=True)
    if noisy:
        image = np.clip(image + np.random.default_rng(0).normal(0, 0.1, image.shape), 0, 1)
    return image


def _images() -> np.ndarray:
    return np.stack([_camera(), _camera(noisy=True)])


def _cell(kind: str, convention: str | None = None):
    kwargs = {} if convention is None else {"convention": convention}
    try:
        push = CORFCell(**kwargs)
    except TypeError:
        pytest.skip("needs CORFCell(convention='released')")
    return push if kind == "corf" else PushPullCell(push)


def _small_units() -> SubunitSet:
    """A CORF cell small enough for gradcheck: σ = 1 px, ρ ≤ 3.03 px (support 9 px)."""
    return CORFCell(sigma=1.0, rho=(1.4135, 3.031)).subunit_set


def _small_layer(kind: str, convention: str = "corrected", **kwargs) -> CORFConv2d:
    units = _small_units()
    pull = units.pull(1.0) if kind == "pushpull" else None
    return CORFConv2d(
        units,
        1,
        [0.3, 2.0, 4.1],
        pull=pull,
        inhibition_strength=0.7,
        convention=convention,
        dtype=torch.float64,
        **kwargs,
    )


# ------------------------------------------------------------ agreement with the core cells


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["corf", "pushpull"])
@pytest.mark.parametrize("convention", [None, "released"])
def test_layer_equals_core_cell(kind, convention, dtype):
    """Per cell kind and convention: the core's response to 1e-10 of the peak in float64, with
    the same exact zeros. Float32: corrected, within 1e-5 of the peak of the core's float32
    response. Released (no LGN floor, so the DoG's rounding noise is rectified and raised to
    the subunit weights): the core's own float32 map is up to 2.3e-5 of the peak from its
    float64 map on these images (CORF; 6.2e-6 push-pull), so the layer's float32 map must be
    as close to the float64 core as the core's float32 map is (or within 1e-5), not within
    1e-5 of it (measured: 1.3e-5 and 3.1e-6)."""
    cell = _cell(kind, convention)
    images = _images().astype(dtype)
    expected = cell.response(images, THETA16)
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    layer = CORFConv2d.from_cell(cell, orientations=THETA16, dtype=torch_dtype)
    out = layer(torch.as_tensor(images)[:, None]).detach().numpy()
    assert out.shape == expected.shape and out.dtype == dtype
    peak = float(expected.max())
    if dtype == np.float64:
        assert np.abs(out - expected).max() <= 1e-10 * peak
        np.testing.assert_array_equal(out == 0, expected == 0)
    elif convention is None:
        assert np.abs(out - expected).max() <= 1e-5 * peak
    else:
        exact = cell.response(images.astype(np.float64), THETA16)
        core_error = np.abs(expected - exact).max()
        assert np.abs(out - exact).max() <= max(1e-5 * peak, core_error)


def _reference_units(tuples: np.ndarray, weight_sigma: float) -> SubunitSet:
    """The released (δ, σ, ρ, φ_m) tuples in this library's frame: δ = 1 is centre-on, and
    φ = (π − φ_m) mod 2π (README of the reference data)."""
    units = tuple(
        Subunit("on" if delta == 1 else "off", sigma, rho, float(np.mod(np.pi - phi, 2 * np.pi)))
        for delta, sigma, rho, phi in tuples
    )
    return SubunitSet(units, weight_sigma)


def _reference(name: str) -> np.lib.npyio.NpzFile:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference data {path} is absent (shared/data/corf-reference)")
    return np.load(path)


REFERENCE_CASES = [
    ("case1_edge.npz", "image", "resp_k0", 0.0),
    ("case1_edge.npz", "image", "resp_k1p8", 1.8),
    ("case2_camera.npz", "image_clean", "resp_clean_k0", 0.0),
    ("case2_camera.npz", "image_clean", "resp_clean_k1p8", 1.8),
    ("case2_camera.npz", "image_noisy", "resp_noisy_k0", 0.0),
    ("case2_camera.npz", "image_noisy", "resp_noisy_k1p8", 1.8),
    ("case3_gratings.npz", "images", "resp_k0", 0.0),
    ("case3_gratings.npz", "images", "resp_k1p8", 1.8),
    ("case4_camera_sigma1p5.npz", "image", "resp_k1p8", 1.8),
]


@pytest.mark.parametrize(("name", "image_key", "response_key", "strength"), REFERENCE_CASES)
def test_released_convention_matches_released_code(name, image_key, response_key, strength):
    """The layer built from the released code's own subunit tuples reproduces its maps: 1e-6
    of the peak (the maps are stored in float32, 6e-8), case 1 within 1e-6 absolute (its
    flat regions hold rounding noise below 1e-6, see the data's README)."""
    data = _reference(name)
    meta = json.loads(str(data["meta_json"]))
    assert meta["sigma"] == float(data["sigma"])
    weight_sigma = float(data["weight_sigma"])
    push = _reference_units(data["push_tuples"], weight_sigma)
    pull = _reference_units(data["pull_tuples"], weight_sigma)
    theta = np.mod(np.pi - np.deg2rad(data["orientations_deg"]), 2 * np.pi)
    layer = CORFConv2d(
        push, 1, theta, pull=pull, inhibition_strength=strength, convention="released",
        border=int(data["model_radius"]), dtype=torch.float64,
    )  # fmt: skip
    # the layer's own released rules give the code's σ̂ and padding width
    assert float(layer.weight_sigma.detach()) == pytest.approx(weight_sigma, abs=1e-12)
    assert CORFConv2d(push, pull=pull, convention="released").border == int(data["model_radius"])
    images = data[image_key]
    size = images.shape[-1]
    out = layer(torch.as_tensor(images.reshape(-1, 1, size, size))).detach().numpy()
    expected = data[response_key].astype(np.float64)
    if name.startswith("case3"):
        start, crop = int(data["crop_start"]), int(data["crop_size"])
        out = out.reshape(*images.shape[:-2], 16, size, size)
        out = out[..., start : start + crop, start : start + crop]
    out = out.reshape(expected.shape)
    error = np.abs(out - expected)
    if name.startswith("case1"):
        assert error.max() <= 1e-6
    else:
        assert error.max() <= 1e-6 * expected.max()


# ----------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("convention", ["corrected", "released"])
@pytest.mark.parametrize("kind", ["corf", "pushpull"])
def test_gradcheck_float64(kind, convention):
    """Input and every parameter, on a random image (every response positive)."""
    layer = _small_layer(kind, convention)
    x = torch.rand(2, 1, 12, 13, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert bool((layer(x) > 0).any())
    names = [name for name, p in layer.named_parameters() if p.requires_grad]
    assert sorted(names) == sorted(
        ["weight_sigma", "dog_sigma"] + (["inhibition_strength"] if kind == "pushpull" else [])
    )
    params = [getattr(layer, name) for name in names]

    def functional(image, *values):
        return torch.func.functional_call(layer, dict(zip(names, values, strict=True)), (image,))

    x.requires_grad_(True)
    inputs = (x, *(p.detach().clone().requires_grad_(True) for p in params))
    assert torch.autograd.gradcheck(
        functional, inputs, eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=True
    )


def _axis_units() -> SubunitSet:
    """Subunits on the x axis: at orientations k·π/2 every pull position is a whole px."""
    units = (
        Subunit("on", 1.0, 2.0, 0.0),
        Subunit("off", 1.0, 2.0, math.pi),
        Subunit("on", 1.0, 1.0, math.pi / 2),
    )
    return SubunitSet(units, 2.0)


def test_learnable_pull_shift_at_whole_pixels_equals_the_frozen_layer():
    """Bilinear reads at integer positions are the integer shifts of the frozen cell."""
    units = _axis_units()
    theta = np.arange(4) * np.pi / 2
    frozen = CORFConv2d(units, 1, theta, pull=units.pull(2.0), dtype=torch.float64)
    learning = CORFConv2d(
        units, 1, theta, pull=units.pull(2.0), pull_shift=2.0, learn_pull_shift=True,
        dtype=torch.float64,
    )  # fmt: skip
    x = torch.rand(2, 1, 20, 20, dtype=torch.float64)
    torch.testing.assert_close(learning(x), frozen(x), rtol=0, atol=1e-12)
    assert learning.pull_shift.requires_grad and frozen.pull_shift is None


def test_gradcheck_learnable_pull_shift():
    """β learns through sub-pixel (bilinear) reads: float64 gradcheck for β, the input and
    every other parameter, at a β (1.3 px) where no read sits on a whole pixel (there the
    read has a kink in β and the gradient is the one-sided one, from above)."""
    beta = 1.3
    units = _axis_units()
    layer = CORFConv2d(
        units, 1, [0.0, 0.7, 2.0], pull=units.pull(beta), pull_shift=beta,
        learn_pull_shift=True, dtype=torch.float64,
    )  # fmt: skip
    names = [name for name, p in layer.named_parameters()]
    assert "pull_shift" in names
    x = torch.rand(1, 1, 14, 14, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    inputs = (
        x.requires_grad_(True),
        *(getattr(layer, n).detach().clone().requires_grad_(True) for n in names),
    )

    def functional(image, *values):
        return torch.func.functional_call(layer, dict(zip(names, values, strict=True)), (image,))

    assert torch.autograd.gradcheck(
        functional, inputs, eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=True
    )


def test_learnable_pull_shift_from_cell_and_zero_gradients():
    cell = PushPullCell(CORFCell(sigma=1.0, rho=(1.4135, 3.031)), pull_shift=1.5)
    layer = CORFConv2d.from_cell(cell, orientations=4, learn_pull_shift=True)
    assert float(layer.pull_shift.detach()) == 1.5 and layer.max_pull_shift == 3.0
    x = torch.full((1, 1, 20, 20), 0.5, requires_grad=True)
    layer(x).sum().backward()
    assert float(layer.pull_shift.grad) == 0.0 and float(x.grad.abs().max()) == 0.0
    with pytest.raises(ValueError, match="learn_pull_shift=True needs"):
        CORFConv2d(cell.push.subunit_set, learn_pull_shift=True)


def _edge(size: int = 24) -> torch.Tensor:
    x = torch.zeros(1, 1, size, size, dtype=torch.float64)
    x[..., size // 2 :] = 1.0
    return x


@pytest.mark.parametrize("kind", ["corf", "pushpull"])
def test_gradcheck_parameters_on_an_edge_with_zero_responses(kind):
    """A step edge leaves most responses exactly 0; they stay 0 when the parameters move, and
    the parameter gradients are exact where the response is positive."""
    layer = _small_layer(kind)
    x = _edge()
    with torch.no_grad():
        out = layer(x)
    assert 0.2 < float((out == 0).double().mean()) < 1.0
    names = [name for name, p in layer.named_parameters()]
    inputs = tuple(getattr(layer, n).detach().clone().requires_grad_(True) for n in names)

    def functional(*values):
        return torch.func.functional_call(layer, dict(zip(names, values, strict=True)), (x,))

    assert torch.autograd.gradcheck(
        functional, inputs, eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=True
    )


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind", ["corf", "pushpull"])
@pytest.mark.parametrize("image", ["zeros", "constant", "edge"])
def test_zero_producing_inputs_give_finite_gradients(image, kind, dtype):
    """Zero responses have gradient 0 everywhere, never NaN or inf (also for σ̂ so small that
    far subunits' weights underflow to 0)."""
    for weight_sigma in (None, 0.1):
        layer = _small_layer(kind, weight_sigma=weight_sigma).to(dtype)
        x = _edge().to(dtype) if image == "edge" else torch.full((2, 1, 24, 24), 0.5, dtype=dtype)
        if image == "zeros":
            x = torch.zeros_like(x)
        x.requires_grad_(True)
        out = layer(x)
        assert bool(torch.isfinite(out).all())
        weights = torch.rand(out.shape, dtype=dtype, generator=torch.Generator().manual_seed(1))
        (out * weights).sum().backward()
        grads = [x.grad] + [p.grad for p in layer.parameters()]
        assert all(bool(torch.isfinite(g).all()) for g in grads)
        if image != "edge":
            assert float(out.detach().abs().max()) == 0.0  # no LGN response: every subunit is 0
            assert all(float(g.abs().max()) == 0.0 for g in grads)
        else:
            assert float(x.grad.abs().max()) > 0


def test_no_subunit_by_orientation_tensor_is_saved_for_backward():
    """Memory by design: the largest tensor autograd keeps is one output-sized map, and the
    total is the blurred maps plus a few outputs — never subunits × orientations × H × W."""
    cell = PushPullCell(CORFCell())
    layer = CORFConv2d.from_cell(cell, orientations=16, dtype=torch.float64)
    x = torch.rand(2, 1, 64, 64, dtype=torch.float64, requires_grad=True)
    sizes = []

    def pack(tensor):
        sizes.append(tensor.numel())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = layer(x)
    n_subunits = len(cell.push.subunit_set) + len(cell.pull.subunit_set)
    per_orientation = x.shape[0] * 64 * 64
    assert max(sizes) <= 4 * out.numel()  # the maps are at most (64 + 2·23)² ≈ 3× an image
    assert max(sizes) < n_subunits * per_orientation * 16
    map_elements = sum(s for s in sizes if s < out.numel())
    assert sum(sizes) < map_elements + 8 * out.numel()


# ---------------------------------------------------------------- shapes, devices, dtypes


@pytest.mark.parametrize("device", DEVICES)
def test_per_channel_and_colour_mappings(device):
    cell = PushPullCell(CORFCell(sigma=1.0))
    rgb = torch.rand(2, 3, 40, 40, dtype=torch.float64, device=device)
    per_channel = CORFConv2d.from_cell(cell, 3, orientations=4, dtype=torch.float64, device=device)
    out = per_channel(rgb)
    assert out.shape == (2, 12, 40, 40) and out.device == rgb.device
    single = CORFConv2d.from_cell(cell, 1, orientations=4, dtype=torch.float64, device=device)
    for c in range(3):
        torch.testing.assert_close(out[:, 4 * c : 4 * c + 4], single(rgb[:, c : c + 1]))
    luminance = CORFConv2d.from_cell(
        cell, 3, orientations=4, color="luminance", dtype=torch.float64, device=device
    )
    luma = (rgb * torch.tensor([0.299, 0.587, 0.114], dtype=torch.float64, device=device)
            .view(1, 3, 1, 1)).sum(1, keepdim=True)  # fmt: skip
    torch.testing.assert_close(luminance(rgb), single(luma))
    replicate = CORFConv2d.from_cell(
        cell, 3, orientations=4, color="replicate", dtype=torch.float64, device=device
    )
    torch.testing.assert_close(replicate(rgb), single(rgb.mean(1, keepdim=True)))


def test_dtype_follows_input_and_autocast_computes_in_float32():
    layer = CORFConv2d.from_cell(PushPullCell(CORFCell(sigma=1.0)), orientations=4)
    x = torch.rand(1, 1, 40, 40)
    reference = layer(x)
    assert reference.dtype == torch.float32
    assert layer(x.double()).dtype == torch.float64
    low = layer(x.to(torch.bfloat16))
    assert low.dtype == torch.float32
    torch.testing.assert_close(low, layer(x.to(torch.bfloat16).float()))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under_autocast = layer(x)
    assert under_autocast.dtype == torch.float32
    torch.testing.assert_close(under_autocast, reference)


def test_channels_last_input():
    layer = CORFConv2d.from_cell(PushPullCell(CORFCell(sigma=1.0)), 3, orientations=4)
    x = torch.rand(2, 3, 40, 40)
    out = layer(x.to(memory_format=torch.channels_last))
    assert out.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out, layer(x), rtol=0, atol=0)


def test_torch_compile_fullgraph_matches_eager():
    units = SubunitSet((Subunit("on", 1.0, 2.0, 0.0), Subunit("off", 1.0, 2.0, math.pi)), 2.0)
    layer = CORFConv2d(units, 1, 2, pull=units.pull(1.0), dtype=torch.float64)
    x = torch.rand(1, 1, 12, 12, dtype=torch.float64)
    eager = layer(x)
    grad_eager = torch.autograd.grad(eager.square().sum(), layer.weight_sigma)[0]
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
    out = compiled(x)
    torch.testing.assert_close(out, eager)
    grad = torch.autograd.grad(out.square().sum(), layer.weight_sigma)[0]
    torch.testing.assert_close(grad, grad_eager)


def test_trainable_selection_and_one_line_construction():
    cell = PushPullCell(CORFCell(sigma=1.0), inhibition_strength=1.2)
    layer = CORFConv2d.from_cell(cell, orientations=8, trainable=["inhibition_strength"])
    learning = {name for name, p in layer.named_parameters() if p.requires_grad}
    assert learning == {"inhibition_strength"}
    assert layer.inhibition_strength.shape == (8,)
    assert torch.all(layer.inhibition_strength == 1.2)
    assert float(layer.weight_sigma) == pytest.approx(cell.push.subunit_set.weight_sigma)
    assert float(layer.dog_sigma[0]) == 1.0
    frozen = CORFConv2d.from_cell(CORFCell(sigma=1.0), trainable=False)
    assert not any(p.requires_grad for p in frozen.parameters())


def test_negative_inhibition_is_used_as_zero():
    cell = PushPullCell(CORFCell(sigma=1.0))
    layer = CORFConv2d.from_cell(cell, orientations=4, dtype=torch.float64)
    plain = CORFConv2d.from_cell(cell.push, orientations=4, dtype=torch.float64)
    with torch.no_grad():
        layer.inhibition_strength.fill_(-0.5)
    x = torch.rand(1, 1, 40, 40, dtype=torch.float64)
    torch.testing.assert_close(layer(x), plain(x))


# --------------------------------------------------------------------------------- errors


def test_bad_inputs_raise_clear_errors():
    layer = CORFConv2d.from_cell(CORFCell(sigma=1.0), 3, orientations=4)
    with pytest.raises(ValueError, match=r"input must have shape \(B, 3, H, W\)"):
        layer(torch.rand(1, 1, 40, 40))
    with pytest.raises(ValueError, match="input must have shape"):
        layer(torch.rand(3, 40, 40))
    with pytest.raises(TypeError, match="real floating"):
        layer(torch.ones(1, 3, 40, 40, dtype=torch.int64))
    with pytest.raises(TypeError, match=r"torch\.Tensor"):
        layer(np.ones((1, 3, 40, 40)))
    with pytest.raises(ValueError, match="smaller than the layer's support"):
        layer(torch.rand(1, 3, 8, 40))


def test_bad_arguments_raise_clear_errors():
    units = _small_units()
    with pytest.raises(ValueError, match="convention"):
        CORFConv2d(units, convention="matlab")
    with pytest.raises(ValueError, match="color"):
        CORFConv2d(units, color="rgb")
    with pytest.raises(ValueError, match="padding"):
        CORFConv2d(units, padding="edge")
    with pytest.raises(ValueError, match="in_channels"):
        CORFConv2d(units, 0)
    with pytest.raises(ValueError, match="orientations"):
        CORFConv2d(units, orientations=[])
    with pytest.raises(ValueError, match="inhibition_strength"):
        CORFConv2d(units, pull=units.pull(1.0), inhibition_strength=-1.0)
    with pytest.raises(ValueError, match="weight_sigma"):
        CORFConv2d(units, weight_sigma=0.0)
    with pytest.raises(ValueError, match="trainable names"):
        CORFConv2d(units, trainable=["alpha"])
    with pytest.raises(TypeError, match="push must be a SubunitSet"):
        CORFConv2d([Subunit("on", 1.0, 1.0, 0.0)])
    with pytest.raises(ValueError, match="color='luminance' needs in_channels=3"):
        CORFConv2d(units, 1, color="luminance")
    with pytest.raises(TypeError, match="PushPullCell of a GaborCell"):
        CORFConv2d.from_cell(PushPullCell(GaborCell(4.0)))
    with pytest.raises(TypeError, match="cell must be a CORFCell"):
        CORFConv2d.from_cell(GaborCell(4.0))
