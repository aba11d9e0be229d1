"""Gabor simple cell: agreement with SciPy correlation, orientation preference, energy phase
invariance, receptive fields, backends and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi

from v1pushpull.cells import CORFCell, GaborCell
from v1pushpull.kernels import gabor_bank, gabor_kernel
from v1pushpull.stimuli import grating, step_edge

ORIENTATIONS = np.linspace(0.0, np.pi, 12, endpoint=False)


def test_response_matches_scipy_correlation(rng):
    cell = GaborCell(wavelength=6.0, phase=0.3, threshold=0.05)
    image = rng.random((40, 44))
    result = cell.response(image, ORIENTATIONS[:3])
    for i, theta in enumerate(ORIENTATIONS[:3]):
        kernel = gabor_kernel(6.0, theta, 0.3)
        expected = np.maximum(ndi.correlate(image, kernel, mode="mirror") - 0.05, 0.0)
        np.testing.assert_allclose(result[i], expected, atol=1e-10)


def test_images_smaller_than_the_kernel_are_mirrored(rng):
    cell = GaborCell(wavelength=8.0)
    assert cell.support == 47
    image = rng.random((20, 24))
    expected = ndi.correlate(image, gabor_kernel(8.0, 0.5), mode="mirror")
    np.testing.assert_allclose(cell.linear_response(image, [0.5])[0], expected, atol=1e-10)


def test_prefers_the_grating_of_its_orientation():
    cell = GaborCell(wavelength=8.0)
    for k in (0, 2, 5, 9):
        tuning = cell.response(grating(64, 8.0, ORIENTATIONS[k]), ORIENTATIONS)[:, 32, 32]
        assert int(np.argmax(tuning)) == k


@pytest.mark.parametrize("k", [0, 3, 7, 12])
def test_odd_cell_edge_polarity_against_corf(k):
    """φ = −π/2 prefers step_edge(θ) (bright where x' ≥ 0) at θ, as the CORF cell does;
    φ = +π/2 prefers it at θ + π (the documented consequence of cos(2πx'/λ + φ))."""
    orientations = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
    edge = step_edge(72, orientations[k])
    minus = GaborCell(8.0, phase=-np.pi / 2).response(edge, orientations)[:, 36, 36]
    plus = GaborCell(8.0, phase=np.pi / 2).response(edge, orientations)[:, 36, 36]
    corf = CORFCell().response(edge, orientations)[:, 36, 36]
    assert int(np.argmax(minus)) == int(np.argmax(corf)) == k
    assert int(np.argmax(plus)) == (k + 8) % 16
    # the kernel identity behind it: g(θ + π, φ) = g(θ, −φ)
    np.testing.assert_allclose(
        gabor_kernel(8.0, orientations[k] + np.pi, np.pi / 2),
        gabor_kernel(8.0, orientations[k], -np.pi / 2),
        atol=1e-12,
    )


def test_threshold_and_rectification(rng):
    cell = GaborCell(wavelength=6.0, threshold=0.1)
    image = rng.random((32, 32))
    linear = cell.linear_response(image, ORIENTATIONS[:2])
    np.testing.assert_allclose(cell.response(image, ORIENTATIONS[:2]), np.maximum(linear - 0.1, 0))


def test_energy_is_phase_invariant():
    """The simple cell's response to a grating at the RF centre follows its phase; the
    energy does not."""
    cell = GaborCell(wavelength=8.0)
    phases = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    stimuli = grating(64, 8.0, 0.0, phase=phases)
    energy = cell.energy(stimuli, [0.0])[:, 0, 32, 32]
    simple = cell.response(stimuli, [0.0])[:, 0, 32, 32]
    assert energy.std() < 0.01 * energy.mean()
    assert simple.std() > 0.3 * simple.mean()
    even = cell.linear_response(stimuli, [0.0])[:, 0, 32, 32]
    odd = GaborCell(8.0, phase=np.pi / 2).linear_response(stimuli, [0.0])[:, 0, 32, 32]
    np.testing.assert_allclose(energy, np.hypot(even, odd), rtol=1e-10)


def test_linear_receptive_fields_are_the_gabor_bank(backend):
    cell = GaborCell(wavelength=5.0, bandwidth=1.5, aspect_ratio=0.6, phase=1.0)
    fields = cell.linear_receptive_fields(
        ORIENTATIONS[:4], xp=backend.module, device=backend.device
    )
    expected = gabor_bank(5.0, ORIENTATIONS[:4], 1.0, bandwidth=1.5, aspect_ratio=0.6)
    np.testing.assert_allclose(backend.to_numpy(fields), expected, atol=1e-12)
    assert cell.linear_receptive_fields([0.0], size=11).shape == (1, 11, 11)


def test_sigma_overrides_bandwidth():
    assert GaborCell(8.0).envelope_sigma == pytest.approx(0.5622 * 8.0, rel=1e-3)
    assert GaborCell(8.0, sigma=3.0).envelope_sigma == 3.0


def test_backends_agree(backend, rng):
    cell = GaborCell(wavelength=6.0, phase=np.pi / 2, threshold=0.02)
    image = rng.random((2, 48, 48)).astype(np.float32)
    expected = cell.response(image, ORIENTATIONS[::3])
    result = cell.response(backend.asarray(image, "float32"), ORIENTATIONS[::3])
    assert result.dtype == backend.xp.float32
    np.testing.assert_allclose(backend.to_numpy(result), expected, atol=1e-5)
    energy = cell.energy(backend.asarray(image, "float32"), ORIENTATIONS[::3])
    np.testing.assert_allclose(
        backend.to_numpy(energy), cell.energy(image, ORIENTATIONS[::3]), atol=1e-5
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"wavelength": 1.5}, "wavelength"),
        ({"wavelength": math.nan}, "wavelength"),
        ({"wavelength": 8.0, "bandwidth": 0.0}, "bandwidth"),
        ({"wavelength": 8.0, "sigma": -1.0}, "sigma"),
        ({"wavelength": 8.0, "aspect_ratio": math.nan}, "aspect_ratio"),
        ({"wavelength": 8.0, "phase": math.inf}, "phase"),
        ({"wavelength": 8.0, "threshold": -0.1}, "threshold"),
        ({"wavelength": 8.0, "normalization": "l2"}, "normalization"),
        ({"wavelength": 8.0, "padding": "edge"}, "padding"),
    ],
)
def test_invalid_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaborCell(**kwargs)


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        (name, bad)
        for name in ("wavelength", "bandwidth", "sigma", "aspect_ratio", "phase", "threshold")
        for bad in ("a", None, True, [1.0])
        if not (name == "sigma" and bad is None)  # None is sigma's "use the bandwidth"
    ],
)
def test_non_numeric_fields_are_type_errors_naming_the_field(name, bad):
    arguments = {"wavelength": 8.0, name: bad}
    with pytest.raises(TypeError, match=f"{name} must be a real number"):
        GaborCell(**arguments)


@pytest.mark.parametrize("name", ["bandwidth", "sigma", "aspect_ratio", "phase", "threshold"])
def test_nan_fields_are_value_errors_naming_the_field(name):
    with pytest.raises(ValueError, match=name):
        GaborCell(**{"wavelength": 8.0, name: math.nan})


def test_numeric_fields_are_stored_as_floats():
    cell = GaborCell(np.float32(8), bandwidth=np.int64(1), phase=np.float64(0.5), threshold=0)
    assert [type(v) for v in (cell.wavelength, cell.bandwidth, cell.phase, cell.threshold)] == [
        float
    ] * 4
    assert cell == GaborCell(8.0, phase=0.5)


def test_invalid_response_inputs():
    cell = GaborCell(8.0)
    with pytest.raises(ValueError, match="orientations"):
        cell.response(np.zeros((32, 32)), np.zeros((2, 3)))
    with pytest.raises(TypeError, match="floating"):
        cell.response(np.zeros((32, 32), dtype=np.uint8), [0.0])
    with pytest.raises(ValueError, match="dimensions"):
        cell.response(np.zeros(32), [0.0])


def test_pull_cell_is_the_negated_widened_gabor():
    """pull_cell(s): phase + π (the negated kernel), wavelength and envelope σ times s, the
    other fields kept; both cells share the SimpleCell base that PushPullCell relies on."""
    from v1pushpull.cells import SimpleCell

    cell = GaborCell(wavelength=6.0, phase=0.4, aspect_ratio=0.7, threshold=0.02)
    pull = cell.pull_cell(1.5)
    assert isinstance(pull, SimpleCell) and isinstance(CORFCell(), SimpleCell)
    assert (pull.wavelength, pull.aspect_ratio, pull.threshold) == (9.0, 0.7, 0.02)
    assert pull.envelope_sigma == pytest.approx(1.5 * cell.envelope_sigma, rel=1e-12)
    expected = gabor_bank(9.0, ORIENTATIONS[:3], 0.4, aspect_ratio=0.7, sigma=pull.envelope_sigma)
    np.testing.assert_allclose(
        pull.linear_receptive_fields(ORIENTATIONS[:3]), -expected, atol=1e-14
    )
    with pytest.raises(ValueError, match="scale"):
        cell.pull_cell(0.0)
