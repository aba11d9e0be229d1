"""Receptive-field kernels against scikit-image, SciPy and hand-derived formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.filters

from v1pushpull import (
    bandwidth_to_sigma_ratio,
    dog_bank,
    dog_kernel,
    gabor_bank,
    gabor_kernel,
    gaussian_kernel,
    sigma_ratio_to_bandwidth,
)


def test_sigma_ratio_for_one_octave_is_the_published_0_56():
    # σ/λ = (1/π)·sqrt(ln 2 / 2)·(2^b + 1)/(2^b − 1) = 0.56 at b = 1 [Grigorescu et al. 2003]
    assert bandwidth_to_sigma_ratio(1.0) == pytest.approx(0.5622, abs=1e-4)


@pytest.mark.parametrize("bandwidth", [0.5, 1.0, 1.4, 2.0, 3.0])
def test_bandwidth_and_sigma_ratio_are_inverse(bandwidth):
    assert sigma_ratio_to_bandwidth(bandwidth_to_sigma_ratio(bandwidth)) == pytest.approx(
        bandwidth, rel=1e-12
    )


@pytest.mark.parametrize("bandwidth", [1.0, 1.8])
def test_bandwidth_is_the_half_response_frequency_range_of_the_kernel(bandwidth):
    # Measure the half-height points of the amplitude spectrum along the carrier direction
    # numerically and check that they span `bandwidth` octaves. The quadrature pair
    # even − i·odd = envelope·exp(i·2πx'/λ) has a single spectral lobe, as in the derivation.
    wavelength = 16.0
    even, odd = (
        gabor_kernel(wavelength, 0.0, phase, bandwidth=bandwidth, size=513, normalization="none")
        for phase in (0.0, np.pi / 2)
    )
    kernel = even - 1j * odd
    n_fft = 8192
    profile = np.abs(np.fft.fft(kernel.sum(axis=0), n=n_fft))[: n_fft // 2]  # along x, fy = 0
    frequencies = np.fft.fftfreq(n_fft)[: n_fft // 2]
    peak = int(np.argmax(profile))
    assert frequencies[peak] == pytest.approx(1 / wavelength, abs=1 / n_fft)
    half = profile[peak] / 2
    low = np.interp(half, profile[: peak + 1], frequencies[: peak + 1])
    high = np.interp(-half, -profile[peak:], frequencies[peak:])
    assert np.log2(high / low) == pytest.approx(bandwidth, abs=0.01)


@pytest.mark.parametrize("wavelength", [4.0, 7.5, 12.0])
@pytest.mark.parametrize("orientation", [0.0, 0.4, np.pi / 2, 2.5])
@pytest.mark.parametrize("phase", [0.0, np.pi / 2, 1.0])
def test_gabor_equals_scikit_image(wavelength, orientation, phase):
    aspect_ratio = 0.5
    sigma = bandwidth_to_sigma_ratio(1.0) * wavelength
    reference = skimage.filters.gabor_kernel(
        1.0 / wavelength,
        theta=orientation,
        sigma_x=sigma,
        sigma_y=sigma / aspect_ratio,
        offset=phase,
    ).real * (2 * np.pi * sigma * sigma / aspect_ratio)
    half_y, half_x = (n // 2 for n in reference.shape)
    size = 2 * max(half_x, half_y) + 1
    ours = gabor_kernel(
        wavelength, orientation, phase, aspect_ratio=aspect_ratio, size=size, normalization="none"
    )
    centre = size // 2
    crop = ours[centre - half_y : centre + half_y + 1, centre - half_x : centre + half_x + 1]
    np.testing.assert_allclose(crop, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("phase", [0.0, np.pi / 2, np.pi, 0.7])
def test_petkov_normalisation_lobes_sum_to_plus_and_minus_one(phase):
    kernel = gabor_kernel(8.0, 0.3, phase)
    assert kernel[kernel > 0].sum() == pytest.approx(1.0, abs=1e-12)
    assert kernel[kernel < 0].sum() == pytest.approx(-1.0, abs=1e-12)
    uniform_response = np.sum(kernel * 0.37)
    assert uniform_response == pytest.approx(0.0, abs=1e-12)


def test_zero_mean_normalisation_removes_only_the_mean():
    raw = gabor_kernel(8.0, 0.3, normalization="none")
    zero_mean = gabor_kernel(8.0, 0.3, normalization="zero_mean")
    np.testing.assert_allclose(zero_mean, raw - raw.mean(), atol=1e-15)


def test_default_support_is_the_reference_half_size():
    sigma = bandwidth_to_sigma_ratio(1.0) * 10.0
    assert gabor_kernel(10.0, 0.0).shape[0] == 2 * math.ceil(2.5 * sigma / 0.5) + 1


def test_gabor_rotation_by_90_degrees_rotates_the_kernel():
    # rows are y (downwards): rotating θ by +90° equals np.rot90 with k=-1 (clockwise on screen)
    base = gabor_kernel(9.0, 0.2, 0.4, size=41)
    rotated = gabor_kernel(9.0, 0.2 + np.pi / 2, 0.4, size=41)
    np.testing.assert_allclose(rotated, np.rot90(base, k=-1), atol=1e-12)


def test_even_and_odd_gabor_symmetries():
    even = gabor_kernel(8.0, 0.6, 0.0, size=33)
    odd = gabor_kernel(8.0, 0.6, np.pi / 2, size=33)
    np.testing.assert_allclose(even, even[::-1, ::-1], atol=1e-12)
    np.testing.assert_allclose(odd, -odd[::-1, ::-1], atol=1e-12)


def test_gabor_bank_order_and_xarray_labels():
    wavelengths, orientations, phases = [6.0, 10.0], [0.0, 1.0, 2.0], [0.0, np.pi / 2]
    bank = gabor_bank(wavelengths, orientations, phases, size=31)
    assert bank.shape == (12, 31, 31)
    grid = bank.reshape(2, 3, 2, 31, 31)
    np.testing.assert_allclose(grid[1, 2, 0], gabor_kernel(10.0, 2.0, 0.0, size=31), atol=1e-15)
    labelled = gabor_bank(wavelengths, orientations, phases, size=31, as_xarray=True)
    np.testing.assert_allclose(
        labelled.sel(wavelength=6.0, orientation=1.0, phase=np.pi / 2).values,
        gabor_kernel(6.0, 1.0, np.pi / 2, size=31),
        atol=1e-15,
    )
    assert labelled.orientation.attrs["units"] == "rad"
    assert labelled.wavelength.attrs["units"] == "px"


def test_gabor_bank_matches_single_kernels_on_every_backend(backend):
    bank = gabor_bank(
        [5.0, 9.0],
        [0.0, 2.0],
        [0.0, 1.0],
        xp=backend.module,
        device=backend.device,
        dtype="float32",
    )
    assert bank.dtype == backend.xp.float32
    reference = gabor_bank([5.0, 9.0], [0.0, 2.0], [0.0, 1.0])
    np.testing.assert_allclose(backend.to_numpy(bank), reference, rtol=1e-5, atol=1e-6)


def test_gaussian_kernel_equals_scipy_gaussian_filter_of_an_impulse():
    sigma = 1.7
    kernel = gaussian_kernel(sigma)
    impulse = np.zeros(kernel.shape)
    impulse[kernel.shape[0] // 2, kernel.shape[1] // 2] = 1.0
    np.testing.assert_allclose(
        kernel, ndi.gaussian_filter(impulse, sigma, mode="constant"), atol=1e-15
    )


def test_dog_polarities_and_zero_sum(backend):
    on = dog_kernel(2.0, xp=backend.module, device=backend.device)
    off = dog_kernel(2.0, polarity="off", xp=backend.module, device=backend.device)
    on, off = backend.to_numpy(on), backend.to_numpy(off)
    centre = on.shape[0] // 2
    assert on[centre, centre] > 0 and off[centre, centre] < 0
    np.testing.assert_allclose(on, -off)
    assert on.sum() == pytest.approx(0.0, abs=1e-12)


def test_dog_is_difference_of_unit_sum_gaussians():
    sigma = 2.5
    size = 2 * int(3 * sigma + 0.5) + 1
    expected = gaussian_kernel(0.5 * sigma, size=size) - gaussian_kernel(sigma, size=size)
    np.testing.assert_allclose(dog_kernel(sigma), expected, atol=1e-15)


def test_dog_bank_order():
    bank = dog_bank([1.0, 2.0], ("on", "off"), size=15)
    np.testing.assert_allclose(bank[2], dog_kernel(2.0, size=15), atol=1e-15)
    np.testing.assert_allclose(bank[1], dog_kernel(1.0, polarity="off", size=15), atol=1e-15)


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("wavelength", [0.0, -3.0, 1.5])
def test_gabor_rejects_non_positive_or_aliasing_wavelength(wavelength):
    with pytest.raises(ValueError, match="wavelength"):
        gabor_kernel(wavelength, 0.0)


@pytest.mark.parametrize("sigma", [0.0, -1.0, float("nan")])
def test_kernels_reject_bad_sigma(sigma):
    with pytest.raises(ValueError, match="sigma"):
        gabor_kernel(8.0, 0.0, sigma=sigma)
    with pytest.raises(ValueError, match="sigma"):
        dog_kernel(sigma)
    with pytest.raises(ValueError, match="sigma"):
        gaussian_kernel(sigma)


def test_bad_normalisation_polarity_ratio_and_size_are_named():
    with pytest.raises(ValueError, match="normalization"):
        gabor_kernel(8.0, 0.0, normalization="l2")
    with pytest.raises(ValueError, match="polarity"):
        dog_kernel(2.0, polarity="center")
    with pytest.raises(ValueError, match="ratio"):
        dog_kernel(2.0, ratio=1.5)
    with pytest.raises(ValueError, match="size"):
        gabor_kernel(8.0, 0.0, size=0)
    with pytest.raises(TypeError, match="dtype"):
        gabor_kernel(8.0, 0.0, dtype="int32")
    with pytest.raises(ValueError, match="orientations"):
        gabor_bank(8.0, [[0.0, 1.0]])
    with pytest.raises(TypeError, match="bandwidth"):
        gabor_kernel(8.0, 0.0, bandwidth=None)


def test_absurd_default_support_is_refused_before_allocating():
    with pytest.raises(ValueError, match="pass size= explicitly"):
        gabor_kernel(1e6, 0.0)
    assert gabor_kernel(1e6, 0.0, size=5).shape == (5, 5)


def test_bank_parameters_given_as_arrays_choose_the_library(backend):
    if backend.name == "numpy":
        pytest.skip("NumPy parameters keep the NumPy default")
    orientations = backend.asarray([0.0, 1.0], "float32")
    bank = gabor_bank(8.0, orientations, size=15)
    assert type(bank) is type(orientations) and bank.dtype == backend.xp.float32
    np.testing.assert_allclose(
        backend.to_numpy(bank), gabor_bank(8.0, [0.0, 1.0], size=15), atol=1e-6
    )


def test_one_kernel_functions_refuse_a_sequence_where_one_number_is_expected():
    # gabor_kernel(8, [0, 1]) used to return the θ = 0 kernel alone, silently
    import v1pushpull

    with pytest.raises(TypeError, match=r"orientation must be a single number.*gabor_bank"):
        v1pushpull.gabor_kernel(8.0, [0.0, 1.0])
    with pytest.raises(TypeError, match="wavelength"):
        v1pushpull.gabor_kernel(np.array([8.0]), 0.0)
    with pytest.raises(ValueError, match="polarity"):
        v1pushpull.dog_kernel(2.0, polarity=["on", "off"])
    # a string is not a number, even one NumPy can parse
    with pytest.raises(TypeError, match="wavelengths"):
        v1pushpull.gabor_bank("8", 0.0)
