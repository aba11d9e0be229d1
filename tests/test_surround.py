"""Surround inhibition of the Gabor energy [G03]: the weighting function against its formula,
the inhibition against SciPy, texture suppression, backends and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi

from v1pushpull.cells import (
    GaborCell,
    SurroundInhibitionCell,
    surround_inhibition,
    surround_weighting,
)
from v1pushpull.stimuli import step_edge

ORIENTATIONS = np.linspace(0.0, np.pi, 8, endpoint=False)


def hand_weighting(sigma: float, ratio: float = 4.0) -> np.ndarray:
    """[G(kσ) − G(σ)]₊ / L1 from the Gaussian formula on a grid of radius int(3kσ + 0.5)."""
    radius = int(3.0 * ratio * sigma + 0.5)
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1].astype(float)
    r2 = x**2 + y**2
    outer = np.exp(-r2 / (2 * (ratio * sigma) ** 2))
    inner = np.exp(-r2 / (2 * sigma**2))
    diff = np.clip(outer / outer.sum() - inner / inner.sum(), 0.0, None)
    return diff / diff.sum()


@pytest.mark.parametrize("sigma", [1.5, 4.4974])
def test_weighting_is_the_positive_dog_with_unit_l1(sigma):
    w = surround_weighting(sigma)
    np.testing.assert_allclose(w, hand_weighting(sigma), rtol=1e-10, atol=1e-15)
    assert w.min() >= 0.0
    assert math.isclose(float(w.sum()), 1.0, rel_tol=1e-12)
    # G(4σ) = G(σ) (continuous densities) at r = σ·sqrt(32·ln 16 / 15) = 2.432σ: zero inside
    # (up to the grid's normalisation, which moves the crossing by a fraction of a pixel)
    half = w.shape[0] // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1]
    r = np.hypot(x, y)
    crossing = sigma * math.sqrt(32 * math.log(16) / 15)
    assert np.all(w[r < crossing - 0.5] == 0.0)
    assert np.all(w[(r > crossing + 0.5) & (r < 3 * crossing)] > 0.0)


def test_inhibition_matches_scipy(rng):
    energy = ndi.gaussian_filter(rng.random((2, 70, 64)), 2.0)
    sigma, alpha = 2.5, 0.7
    expected = np.clip(
        energy - alpha * ndi.correlate(energy, hand_weighting(sigma)[None], mode="mirror"),
        0.0,
        None,
    )
    np.testing.assert_allclose(surround_inhibition(energy, sigma, alpha), expected, atol=1e-12)
    # α = 0: nothing is inhibited
    np.testing.assert_allclose(surround_inhibition(energy, sigma, 0.0), energy, atol=0)


def test_uniform_texture_is_silenced():
    """E ⋆ w = E for a uniform map, so α = 1 removes it (to rounding)."""
    assert float(surround_inhibition(np.full((64, 64), 0.8), 3.0).max()) < 1e-12


def _lines(size: int, period: int | None) -> np.ndarray:
    image = np.zeros((size, size))
    if period is None:
        image[:, size // 2] = 1.0
    else:
        image[:, size // 2 % period :: period] = 1.0
    return image


@pytest.mark.parametrize("inhibition", ["isotropic", "anisotropic"])
def test_texture_is_suppressed_more_than_an_isolated_line(inhibition):
    """[G03]'s defining property: a line among many parallel lines (period 10 px) loses most
    of its energy, the same line alone or a lone edge keeps most of it."""
    cell = SurroundInhibitionCell(GaborCell(wavelength=8.0), inhibition=inhibition)

    def kept(image):
        inhibited = cell.response(image, ORIENTATIONS)[:, 64, 64].max()
        return inhibited / cell.gabor.energy(image, ORIENTATIONS)[:, 64, 64].max()

    lone, texture, edge = kept(_lines(128, None)), kept(_lines(128, 10)), kept(step_edge(128, 0))
    assert lone > 0.75 and edge > 0.75
    assert texture < 0.2


def test_isotropic_uses_the_strongest_orientation(rng):
    """max_θ b_θ = [Ẽ − α·(Ẽ ⋆ w)]₊ with Ẽ = max_θ E_θ, as in [G03]."""
    gabor = GaborCell(wavelength=6.0)
    cell = SurroundInhibitionCell(gabor, alpha=1.3)
    image = ndi.gaussian_filter(rng.random((72, 72)), 1.0)
    strongest = gabor.energy(image, ORIENTATIONS).max(axis=0)
    expected = surround_inhibition(strongest, gabor.envelope_sigma, 1.3)
    np.testing.assert_allclose(cell.response(image, ORIENTATIONS).max(axis=0), expected, atol=1e-12)
    anisotropic = SurroundInhibitionCell(gabor, alpha=1.3, inhibition="anisotropic")
    np.testing.assert_allclose(
        anisotropic.response(image, ORIENTATIONS),
        surround_inhibition(gabor.energy(image, ORIENTATIONS), gabor.envelope_sigma, 1.3),
        atol=1e-12,
    )


@pytest.mark.parametrize("inhibition", ["isotropic", "anisotropic"])
def test_backends_agree(backend, rng, inhibition):
    cell = SurroundInhibitionCell(GaborCell(wavelength=6.0), inhibition=inhibition)
    image = ndi.gaussian_filter(rng.random((2, 56, 56)), 1.0)
    expected = cell.response(image, ORIENTATIONS[:4])
    ours = cell.response(backend.asarray(image), ORIENTATIONS[:4])
    assert ours.dtype == backend.asarray(image).dtype
    np.testing.assert_allclose(backend.to_numpy(ours), expected, atol=2e-5 * expected.max())
    weights = surround_weighting(2.0, xp=backend.module, device=backend.device)
    np.testing.assert_allclose(backend.to_numpy(weights), surround_weighting(2.0), atol=1e-7)


def test_support_is_the_weighting_size():
    cell = SurroundInhibitionCell(GaborCell(wavelength=8.0))
    assert cell.support == surround_weighting(cell.gabor.envelope_sigma).shape[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"gabor": "gabor"}, TypeError, "gabor must be a GaborCell"),
        ({"alpha": -1.0}, ValueError, "alpha"),
        ({"alpha": "1"}, TypeError, "alpha"),
        ({"inhibition": "both"}, ValueError, "inhibition"),
        ({"surround_ratio": 1.0}, ValueError, "surround_ratio"),
    ],
)
def test_invalid_cell_parameters(kwargs, error, match):
    arguments = {"gabor": GaborCell(wavelength=8.0), **kwargs}
    with pytest.raises(error, match=match):
        SurroundInhibitionCell(**arguments)


def test_invalid_function_arguments():
    energy = np.ones((32, 32))
    with pytest.raises(ValueError, match="sigma"):
        surround_inhibition(energy, 0.0)
    with pytest.raises(ValueError, match="ratio"):
        surround_weighting(2.0, ratio=0.5)
    with pytest.raises(ValueError, match="padding"):
        surround_inhibition(energy, 2.0, padding="edge")
    with pytest.raises(ValueError, match="energy"):
        surround_inhibition(np.full((32, 32), np.nan), 2.0)
    with pytest.raises(TypeError, match="energy"):
        surround_inhibition(np.ones((32, 32), dtype=int), 2.0)
