"""Stimuli: luminance ranges, orientation convention, broadcasting and noise statistics."""

from __future__ import annotations

import numpy as np
import pytest

from v1pushpull import gabor_kernel
from v1pushpull.stimuli import (
    bar,
    gaussian_noise,
    grating,
    plaid,
    poisson_noise,
    salt_and_pepper_noise,
    step_edge,
)


def test_grating_formula_and_contrast():
    image = grating((16, 20), 8.0, 0.3, phase=0.5, contrast=0.4, mean=0.6)
    y, x = np.mgrid[0:16, 0:20]
    x_rot = (x - 10) * np.cos(0.3) + (y - 8) * np.sin(0.3)
    np.testing.assert_allclose(image, 0.6 * (1 + 0.4 * np.cos(2 * np.pi * x_rot / 8.0 + 0.5)))


def test_grating_batch_broadcasts_over_a_parameter_grid(backend):
    orientations = np.linspace(0, np.pi, 6, endpoint=False)
    contrasts = np.array([0.1, 0.5, 1.0])
    batch = grating(
        32,
        8.0,
        orientations[:, None],
        contrast=contrasts[None, :],
        xp=backend.module,
        device=backend.device,
        dtype="float32",
    )
    assert tuple(batch.shape) == (6, 3, 32, 32)
    assert batch.dtype == backend.xp.float32
    values = backend.to_numpy(batch)
    np.testing.assert_allclose(
        values[4, 1], grating(32, 8.0, orientations[4], contrast=0.5), atol=1e-6
    )
    # Michelson contrast of each image (wavelength divides the size: full periods)
    michelson = (values.max(axis=(-2, -1)) - values.min(axis=(-2, -1))) / (
        values.max(axis=(-2, -1)) + values.min(axis=(-2, -1))
    )
    np.testing.assert_allclose(michelson[0], contrasts, rtol=1e-5)


def test_gabor_cell_prefers_the_grating_of_its_orientation():
    orientations = np.linspace(0, np.pi, 24, endpoint=False)
    kernel = gabor_kernel(8.0, orientations[7], size=33)
    responses = [np.sum(kernel * grating(33, 8.0, theta)) for theta in orientations]
    assert int(np.argmax(responses)) == 7


def test_aperture_sets_mean_luminance_outside():
    image = grating(33, 6.0, 0.0, aperture=8.0, mean=0.5)
    assert image[0, 0] == 0.5 and image[16, 0] == 0.5
    assert image[16, 16] == pytest.approx(1.0)


def test_plaid_is_the_sum_of_its_gratings():
    image = plaid(32, 8.0, 0.2, 0.2 + np.pi / 2, contrast=0.3, mask_contrast=0.2, mean=0.5)
    expected = (
        grating(32, 8.0, 0.2, contrast=0.3) + grating(32, 8.0, 0.2 + np.pi / 2, contrast=0.2)
    ) - 0.5
    np.testing.assert_allclose(image, expected, atol=1e-12)


def test_bar_and_edge_values_and_polarity():
    np.testing.assert_array_equal(
        bar(7, 0.0, 3.0, polarity="dark")[3], [0.5, 0.5, 0, 0, 0, 0.5, 0.5]
    )
    edge = step_edge(8, np.pi / 2, contrast=0.5)  # bright below the centre row (y downwards)
    assert edge[0, 0] == 0.25 and edge[7, 0] == 0.75
    np.testing.assert_array_equal(
        step_edge(8, 0.3, polarity="dark"), 1.0 - step_edge(8, 0.3, polarity="bright")
    )


def test_edge_rotation_by_90_degrees_rotates_the_image():
    np.testing.assert_array_equal(step_edge(9, np.pi / 2), np.rot90(step_edge(9, 0.0), k=-1))


@pytest.mark.parametrize("std", [0.05, 0.2])
def test_gaussian_noise_statistics_and_seed(backend, std):
    images = backend.asarray(np.full((4, 128, 128), 0.5))
    noisy = gaussian_noise(images, std, seed=3)
    residual = backend.to_numpy(noisy) - 0.5
    assert abs(residual.mean()) < 4 * std / 256
    assert residual.std() == pytest.approx(std, rel=0.02)
    np.testing.assert_array_equal(
        backend.to_numpy(gaussian_noise(images, std, seed=3)), backend.to_numpy(noisy)
    )


def test_salt_and_pepper_fraction_and_values():
    noisy = salt_and_pepper_noise(np.full((200, 200), 0.5), 0.1, seed=np.random.default_rng(1))
    changed = noisy != 0.5
    assert changed.mean() == pytest.approx(0.1, abs=0.005)
    assert set(np.unique(noisy[changed])) <= {0.0, 1.0}
    assert (noisy[changed] == 1).mean() == pytest.approx(0.5, abs=0.03)


def test_poisson_noise_variance_is_mean_over_peak():
    luminance = 0.3
    noisy = poisson_noise(np.full((300, 300), luminance), peak=40.0, seed=0)
    assert noisy.mean() == pytest.approx(luminance, rel=0.01)
    assert noisy.var() == pytest.approx(luminance / 40.0, rel=0.03)


# --- bad input ----------------------------------------------------------------------------


def test_stimulus_errors_name_the_argument():
    with pytest.raises(ValueError, match="wavelength"):
        grating(32, 1.0, 0.0)
    with pytest.raises(ValueError, match="contrast"):
        grating(32, 8.0, 0.0, contrast=-0.1)
    with pytest.raises(ValueError, match=r"contrast must be a Michelson contrast in \[0, 1\]"):
        step_edge(32, 0.0, contrast=2.0)
    with pytest.raises(ValueError, match="mask_contrast"):
        plaid(32, 8.0, 0.0, 1.0, mask_contrast=1.5)
    with pytest.raises(ValueError, match="mean"):
        bar(32, 0.0, 2.0, mean=-1.0)
    with pytest.raises(ValueError, match="broadcast"):
        grating(32, 8.0, [0.0, 1.0, 2.0], contrast=[0.1, 0.2])
    with pytest.raises(ValueError, match="size"):
        grating(0, 8.0, 0.0)
    with pytest.raises(ValueError, match="polarity"):
        step_edge(8, 0.0, polarity="up")
    with pytest.raises(ValueError, match="width"):
        bar(8, 0.0, 0.0)
    with pytest.raises(ValueError, match="std"):
        gaussian_noise(np.zeros((4, 4)), -1.0)
    with pytest.raises(ValueError, match="amount"):
        salt_and_pepper_noise(np.zeros((4, 4)), 1.5)
    with pytest.raises(ValueError, match="non-negative"):
        poisson_noise(-np.ones((4, 4)), 10.0)
    with pytest.raises(TypeError, match="seed"):
        gaussian_noise(np.zeros((4, 4)), 0.1, seed="abc")
    with pytest.raises(ValueError, match="orientation must be finite"):
        grating(16, 8.0, np.nan)


def test_array_parameters_choose_the_array_library_device_and_dtype(backend):
    if backend.name == "numpy":
        pytest.skip("NumPy parameters keep the NumPy default")
    orientations = backend.asarray(np.linspace(0, np.pi, 4, endpoint=False), "float32")
    batch = grating(16, 8.0, orientations[:, None], contrast=[0.5, 1.0])
    assert type(batch) is type(orientations)
    assert batch.dtype == backend.xp.float32
    assert tuple(batch.shape) == (4, 2, 16, 16)
    expected = grating(
        16, 8.0, np.linspace(0, np.pi, 4, endpoint=False)[:, None], contrast=[0.5, 1.0]
    )
    np.testing.assert_allclose(backend.to_numpy(batch), expected, atol=1e-6)


def test_luminance_outside_zero_one_is_refused():
    # plaid(contrast=0.8, mask_contrast=0.8) spanned -0.3..1.3 and grating(mean=2) reached 4,
    # silently; the library's stimuli live in [0, 1]
    with pytest.raises(ValueError, match=r"plaid luminance would span \[-0.3, 1.3\]"):
        plaid(32, 8.0, 0.0, np.pi / 2, contrast=0.8, mask_contrast=0.8)
    with pytest.raises(ValueError, match=r"grating luminance would span \[0, 4\]"):
        grating(32, 8.0, 0.0, mean=2.0)
    with pytest.raises(ValueError, match="bar luminance"):
        bar(32, 0.0, 2.0, mean=0.6)
    with pytest.raises(ValueError, match="step edge luminance"):
        step_edge(32, 0.0, contrast=np.array([0.5, 1.0]), mean=0.6)
    # the largest legal stimuli reach 0 and 1 exactly
    full = plaid(32, 8.0, 0.0, np.pi / 2, contrast=0.5, mask_contrast=0.5)
    assert float(full.min()) == pytest.approx(0.0, abs=1e-12)
    assert float(full.max()) == pytest.approx(1.0)
    bright = grating(32, 8.0, 0.0, contrast=0.25, mean=0.8)
    assert float(bright.max()) == pytest.approx(1.0)
