"""Push-pull cells: the pull cells derived from the push cells, ``[push − k·pull]₊``, the SNR
gain of push-pull CORF in noise, backends and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi

from v1pushpull.cells import (
    CORFCell,
    GaborCell,
    PushPullCell,
    Subunit,
    SubunitSet,
    SurroundInhibitionCell,
)
from v1pushpull.kernels import gabor_bank
from v1pushpull.stimuli import gaussian_noise, step_edge

ORIENTATIONS = np.linspace(0.0, 2.0 * np.pi, 16, endpoint=False)


@pytest.fixture(scope="module")
def corf() -> PushPullCell:
    return PushPullCell(CORFCell())


@pytest.fixture(scope="module")
def gabor() -> PushPullCell:
    return PushPullCell(GaborCell(wavelength=6.0, phase=np.pi / 2))


def test_corf_defaults(corf):
    assert (corf.inhibition_strength, corf.pull_shift, corf.pull_scale) == (1.8, 4.0, None)
    assert corf.push.sigma == 2.2
    assert corf.pull.subunit_set == corf.push.subunit_set.pull(4.0)


def test_corf_pull_cell_by_hand():
    """Pull subunits computed by hand [A14]: polarity inverted, x moved outward by β = 4 px.
    (off, ρ = 3.0515, φ = π): x = −3.0515 → −7.0515, so (on, 7.0515, π);
    (on, 3.0515, 0) → (off, 7.0515, 0); (on, 6.1992, π/3): (x, y) = (3.0996, 5.36866) →
    (7.0996, 5.36866), ρ = 8.90095, φ = 0.647453. Weights exp(−ρ²/(2σ̂²)), σ̂ = 24.62/3,
    normalised: 0.356723, 0.356723, 0.286554. Blur radii round((2 + 0.9ρ)/2): 4, 4, 5."""
    push = SubunitSet(
        (
            Subunit("off", 3.0, 3.0515, math.pi),
            Subunit("on", 3.0, 3.0515, 0.0),
            Subunit("on", 3.0, 6.1992, math.pi / 3),
        ),
        24.62 / 3,
    )
    pull = PushPullCell(CORFCell(subunits=push)).pull
    units = pull.subunit_set
    assert units.polarities == ("on", "off", "off")
    np.testing.assert_allclose(units.rhos, [7.0515, 7.0515, 8.90095], atol=1e-5)
    np.testing.assert_allclose(units.phis, [math.pi, 0.0, 0.647453], atol=1e-6)
    np.testing.assert_allclose(units.sigmas, 3.0)
    assert units.weight_sigma == 24.62 / 3
    np.testing.assert_allclose(units.weights, [0.356723, 0.356723, 0.286554], atol=1e-6)
    assert [pull.blur_radius(rho) for rho in units.rhos] == [4, 4, 5]


def test_default_corf_pull_cell_nearest_subunit(corf):
    """The default cell's off subunit at (ρ, φ) = (2.1325, 159°): x = −1.99086, y = 0.76422 →
    pull (on, ρ = 6.03941, φ = 3.01471 rad), blur radius round(3.718) = 4."""
    push = corf.push.subunit_set[0]
    assert (push.polarity, push.rho) == ("off", 2.1325)
    assert math.degrees(push.phi) == pytest.approx(159.0)
    pulled = corf.pull.subunit_set[0]
    assert pulled.polarity == "on" and pulled.sigma == 2.2
    assert pulled.rho == pytest.approx(6.03941, abs=1e-5)
    assert pulled.phi == pytest.approx(3.01471, abs=1e-5)
    assert corf.pull.blur_radius(pulled.rho) == 4


def test_gabor_pull_is_the_negated_widened_kernel(gabor):
    assert (gabor.inhibition_strength, gabor.pull_scale, gabor.pull_shift) == (1.0, 2.0, None)
    sigma = gabor.push.envelope_sigma
    widened = gabor_bank(12.0, ORIENTATIONS[:3], np.pi / 2, sigma=2 * sigma)
    fields = gabor.pull.linear_receptive_fields(ORIENTATIONS[:3])
    np.testing.assert_allclose(fields, -widened, atol=1e-14)


@pytest.mark.parametrize("model", ["corf", "gabor"])
def test_response_is_rectified_push_minus_k_pull(model, corf, gabor, rng):
    cell = corf if model == "corf" else gabor
    image = ndi.gaussian_filter(rng.random((72, 72)), 1.0)
    push = cell.push.response(image, ORIENTATIONS)
    pull = cell.pull.response(image, ORIENTATIONS)
    result = cell.response(image, ORIENTATIONS)
    expected = np.maximum(push - cell.inhibition_strength * pull, 0.0)
    np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-12)
    assert np.all(result <= push)
    assert (result < push).mean() > 0.05  # the pull really inhibits
    unopposed = PushPullCell(cell.push, inhibition_strength=0.0).response(image, ORIENTATIONS)
    np.testing.assert_allclose(unopposed, push, rtol=1e-12)


def snr(responses: np.ndarray, centre: int) -> float:
    """Mean response on the edge / std of the response on the background (REFERENCE §5)."""
    signal = responses[..., 8:-8, centre - 2 : centre + 2]
    background = np.concatenate(
        [responses[..., 8:-8, 8 : centre - 12], responses[..., 8:-8, centre + 12 : -8]], axis=-1
    )
    return float(signal.mean() / background.std())


@pytest.mark.parametrize("std", [0.05, 0.1, 0.2, 0.3])
def test_push_pull_raises_snr_of_an_edge_in_noise(corf, std):
    size = 80
    edges = np.broadcast_to(step_edge(size, 0.0), (3, size, size)).copy()
    noisy = gaussian_noise(edges, std, seed=7)
    push = corf.push.response(noisy, ORIENTATIONS).max(axis=-3)
    push_pull = corf.response(noisy, ORIENTATIONS).max(axis=-3)
    assert snr(push_pull, size // 2) > 1.5 * snr(push, size // 2)


def test_backends_agree(backend, corf, gabor, rng):
    image = ndi.gaussian_filter(rng.random((2, 64, 64)), 1.0).astype(np.float32)
    for cell in (corf, gabor):
        expected = cell.response(image, ORIENTATIONS[::3])
        result = cell.response(backend.asarray(image, "float32"), ORIENTATIONS[::3])
        assert result.dtype == backend.xp.float32
        np.testing.assert_allclose(backend.to_numpy(result), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("push", "kwargs", "error", "match"),
    [
        (CORFCell(), {"inhibition_strength": -1.0}, ValueError, "inhibition_strength"),
        (CORFCell(), {"inhibition_strength": math.nan}, ValueError, "inhibition_strength"),
        (CORFCell(), {"pull_shift": 0.0}, ValueError, "pull_shift"),
        (CORFCell(), {"pull_shift": -4.0}, ValueError, "pull_shift"),
        (CORFCell(), {"pull_scale": 2.0}, ValueError, "pull_scale"),
        (GaborCell(8.0), {"pull_shift": 4.0}, ValueError, "pull_shift"),
        (GaborCell(8.0), {"pull_scale": math.nan}, ValueError, "pull_scale"),
        ("corf", {}, TypeError, "CORFCell or a GaborCell"),
    ],
)
def test_invalid_parameters(push, kwargs, error, match):
    with pytest.raises(error, match=match):
        PushPullCell(push, **kwargs)


def test_images_smaller_than_the_pull_cell(corf):
    assert corf.support == 2 * math.ceil(corf.pull.subunit_set.rhos.max()) + 1
    with pytest.raises(ValueError, match="smaller than"):
        corf.response(np.zeros((corf.support - 1, 64)), [0.0])


def test_layer_pull_gain_differs_from_the_gabor_pull_cell():
    """The docstring's claim: the Gabor pull cell has the push cell's L1 norm, the layer's
    upsampled pull kernel k↑ about 3–4 times the push kernel's (s = 2)."""
    torch = pytest.importorskip("torch")
    from v1pushpull.kernels import gabor_kernel
    from v1pushpull.torch import PushPullConv2d

    cell = PushPullCell(GaborCell(wavelength=6.0, phase=np.pi / 2))
    push, pull = (c.linear_receptive_fields([0.3])[0] for c in (cell.push, cell.pull))
    assert np.abs(pull).sum() == pytest.approx(np.abs(push).sum(), rel=1e-9)
    generator = torch.Generator().manual_seed(0)
    for size in (3, 5, 7, 11):
        layer = PushPullConv2d(1, 1, size)
        noise = torch.randn(200, 1, size, size, dtype=torch.float64, generator=generator)
        smooth = torch.tensor(
            np.stack([gabor_kernel(4.0, t, np.pi / 2, size=size) for t in ORIENTATIONS[:8]])
        )[:, None]
        for kernels, low, high in ((noise, 2.8, 4.1), (smooth, 3.8, 4.6)):
            ratio = layer.pull_weight(kernels).abs().sum((1, 2, 3)) / kernels.abs().sum((1, 2, 3))
            assert low < float(ratio.mean()) < high


@pytest.fixture
def validations(monkeypatch):
    """Count image validations (``as_float_images``) and finiteness passes over arrays
    (``check_all_finite``) in every module of the core that could run them."""
    import v1pushpull._backend as backend
    import v1pushpull.filtering as filtering
    from v1pushpull.cells import corf, gabor, pushpull, surround

    calls = {"validations": 0, "finiteness passes": 0}
    validate, finite = backend.as_float_images, backend.check_all_finite

    def counting_validate(*args, **kwargs):
        calls["validations"] += 1
        return validate(*args, **kwargs)

    def counting_finite(*args, **kwargs):
        calls["finiteness passes"] += 1
        return finite(*args, **kwargs)

    for module in (backend, filtering, corf, gabor, pushpull, surround):
        if hasattr(module, "as_float_images"):
            monkeypatch.setattr(module, "as_float_images", counting_validate)
        if hasattr(module, "check_all_finite"):
            monkeypatch.setattr(module, "check_all_finite", counting_finite)
    return calls


@pytest.mark.parametrize(
    "make",
    [
        lambda: GaborCell(8.0).response,
        lambda: GaborCell(8.0).energy,
        lambda: PushPullCell(GaborCell(8.0)).response,
        lambda: CORFCell().response,
        lambda: PushPullCell(CORFCell()).response,
        lambda: PushPullCell(CORFCell(convention="released")).response,
        lambda: SurroundInhibitionCell(GaborCell(8.0)).response,
    ],
    ids=["gabor", "gabor-energy", "gabor-push-pull", "corf", "corf-push-pull",
         "released-push-pull", "surround"],
)  # fmt: skip
def test_each_public_call_validates_the_images_once(make, validations):
    """One validation and one finiteness pass per public call, however many cells and
    filters it runs (a push-pull Gabor cell used to run 8 validations and 4 passes)."""
    response = make()
    image = np.random.default_rng(0).random((2, 64, 64))
    result = response(image, ORIENTATIONS[:4])
    assert result.shape == (2, 4, 64, 64)
    assert validations == {"validations": 1, "finiteness passes": 1}
