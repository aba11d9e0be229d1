"""CIFAR-10-C corruptions and the MNIST protocol: statistics, references, severity order."""

from __future__ import annotations

import io

import numpy as np
import pytest
from scipy import ndimage

from v1pushpull._backend import device_of
from v1pushpull.corruptions import (
    CORRUPTIONS,
    DEVICE_CORRUPTIONS,
    HOST_CORRUPTIONS,
    LUMINANCE_WEIGHTS,
    SEVERITY_PARAMETERS,
    _equalize_hist_opencv,
    _magick_motion_blur,
    _motion_taps,
    _plasma_fractal,
    _zoom_factors,
    additive_gaussian_noise,
    contrast_poisson,
    corrupt,
)
from v1pushpull.stimuli import gaussian_noise


def _natural_batch(n: int = 4) -> np.ndarray:
    """``n`` 32×32 RGB crops of skimage's astronaut on the 8-bit grid, float64 (N, 3, H, W)."""
    from skimage import data

    image = data.astronaut()[::4, ::4] / 255.0  # 128×128
    crops = [image[32 * (k // 4) : 32 * (k // 4) + 32, 32 * (k % 4) : 32 * (k % 4) + 32]
             for k in range(n)]  # fmt: skip
    return np.stack(crops).transpose(0, 3, 1, 2)


FROST = [np.random.default_rng(5).random((3, 48, 48))]


def _corrupt(images, name, severity, **kwargs):
    if name == "frost":
        kwargs.setdefault("frost_images", FROST)
    return corrupt(images, name, severity, **kwargs)


# REFERENCE-numbers.md §5, typed in by hand from the table (severities 1 … 5). Spatter's mode
# is 0 for water, 1 for mud. glass_blur severity 3 is (0.4, 1, 1) as in the real generator
# make_cifar_c.py; the table has a typo, (0.4, 1, 2), which would equal severity 5.
REFERENCE_SECTION_5 = {
    "gaussian_noise": (0.04, 0.06, 0.08, 0.09, 0.10),
    "shot_noise": (500, 250, 100, 75, 50),
    "impulse_noise": (0.01, 0.02, 0.03, 0.05, 0.07),
    "speckle_noise": (0.06, 0.10, 0.12, 0.16, 0.20),
    "gaussian_blur": (0.4, 0.6, 0.7, 0.8, 1.0),
    "defocus_blur": ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)),
    "glass_blur": ((0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)),
    "motion_blur": ((6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)),
    "snow": (
        (0.1, 0.2, 1, 0.6, 8, 3, 0.95),
        (0.1, 0.2, 1, 0.5, 10, 4, 0.9),
        (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
        (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85),
        (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8),
    ),
    "frost": ((1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)),
    "fog": ((0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)),
    "spatter": (
        (0.62, 0.1, 0.7, 0.7, 0.5, 0),
        (0.65, 0.1, 0.8, 0.7, 0.5, 0),
        (0.65, 0.3, 1, 0.69, 0.5, 0),
        (0.65, 0.1, 0.7, 0.69, 0.6, 1),
        (0.65, 0.1, 0.5, 0.68, 0.6, 1),
    ),
    "brightness": (0.05, 0.10, 0.15, 0.20, 0.30),
    "contrast": (0.75, 0.5, 0.4, 0.3, 0.15),
    "elastic_transform": (
        (0, 0, 2.56),
        (1.6, 6.4, 2.24),
        (2.56, 1.92, 1.92),
        (3.2, 1.28, 1.6),
        (3.2, 0.96, 0.96),
    ),
    "pixelate": (0.95, 0.9, 0.85, 0.75, 0.65),
    "jpeg_compression": (80, 65, 58, 50, 40),
    "saturate": ((0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)),
}
# zoom_blur: factors 1.00 … last, in steps of 0.01
REFERENCE_ZOOM_LAST = (1.06, 1.11, 1.15, 1.20, 1.25)


def test_catalogue():
    assert len(CORRUPTIONS) == 19
    assert set(DEVICE_CORRUPTIONS) | set(HOST_CORRUPTIONS) == set(CORRUPTIONS)
    assert not set(DEVICE_CORRUPTIONS) & set(HOST_CORRUPTIONS)
    assert all(len(SEVERITY_PARAMETERS[name]) == 5 for name in CORRUPTIONS)
    assert len(_zoom_factors(1.06)) == 7 and len(_zoom_factors(1.26)) == 26


@pytest.mark.parametrize("name", sorted(REFERENCE_SECTION_5))
def test_severity_parameters_are_the_reference_table(name):
    assert SEVERITY_PARAMETERS[name] == REFERENCE_SECTION_5[name]


def test_zoom_blur_factors_are_the_reference_table():
    for end, last in zip(SEVERITY_PARAMETERS["zoom_blur"], REFERENCE_ZOOM_LAST, strict=True):
        factors = _zoom_factors(end)
        assert factors[0] == 1.0
        np.testing.assert_allclose(np.diff(factors), 0.01, atol=1e-12)
        assert factors[-1] == pytest.approx(last, abs=1e-9)
    assert set(REFERENCE_SECTION_5) | {"zoom_blur"} == set(CORRUPTIONS)


# --------------------------------------------------------------------------------------------
# backends, dtype, quantisation, seeds
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_backend_dtype_device_preserved(backend, name):
    images = _natural_batch(2).astype(np.float32)
    expected = _corrupt(images, name, 3, seed=7)
    out = _corrupt(backend.asarray(images, dtype="float32"), name, 3, seed=7)
    assert type(out) is type(backend.asarray(images))
    assert out.dtype == backend.xp.float32
    assert device_of(out) == device_of(backend.asarray(images))
    result = backend.to_numpy(out)
    assert result.shape == images.shape
    # random fields come from the host, so every backend gives the NumPy result; float
    # differences (FFT filtering) may move a value across one grey level, rarely
    assert np.max(np.abs(result - expected)) <= 1.0 / 255 + 1e-6
    assert np.mean(result != expected) < 0.01


@pytest.mark.parametrize("name", ["contrast", "gaussian_noise", "zoom_blur", "elastic_transform"])
def test_quantized_output_is_on_the_8bit_grid(name):
    images = _natural_batch(2)
    out = corrupt(images, name, 4, seed=0)
    assert np.array_equal(out * 255, np.round(out * 255))
    raw = corrupt(images, name, 4, seed=0, quantize=False)
    assert 0.0 <= raw.min() and raw.max() <= 1.0
    assert not np.array_equal(raw * 255, np.round(raw * 255))
    # quantisation truncates: each quantised value is the level at or just below the raw one
    np.testing.assert_array_less(out - 1e-9, raw + 1e-5)
    np.testing.assert_array_less(raw - 1e-9, out + 1 / 255)


def test_quantization_is_idempotent_in_float32():
    levels = np.arange(256, dtype=np.float32).reshape(1, 1, 16, 16) / np.float32(255)
    # saturate is the identity on grey images: quantising must keep every float32 level k/255
    # on level k (plain truncation of k/255·255 in float32 drops some to k − 1)
    np.testing.assert_array_equal(corrupt(levels, "saturate", 1), levels)
    # a constant image keeps its level exactly (contrast leaves the mean)
    grey = np.full((1, 3, 8, 8), 77 / 255, dtype=np.float32)
    np.testing.assert_array_equal(corrupt(grey, "contrast", 5) * 255, 77)


RANDOM = ["gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise", "glass_blur",
          "motion_blur", "snow", "frost", "fog", "spatter", "elastic_transform"]  # fmt: skip


@pytest.mark.parametrize("name", RANDOM)
def test_seed_determinism(name):
    images = _natural_batch(2)
    first = _corrupt(images, name, 5, seed=3)
    np.testing.assert_array_equal(first, _corrupt(images, name, 5, seed=3))
    np.testing.assert_array_equal(first, _corrupt(images, name, 5, seed=np.random.default_rng(3)))
    assert not np.array_equal(first, _corrupt(images, name, 5, seed=4))


@pytest.mark.parametrize("name", sorted(set(CORRUPTIONS) - set(RANDOM) - {"jpeg_compression"}))
def test_deterministic_corruptions_ignore_the_seed(name):
    images = _natural_batch(2)
    np.testing.assert_array_equal(
        corrupt(images, name, 2, seed=1), corrupt(images, name, 2, seed=2)
    )


# --------------------------------------------------------------------------------------------
# severity order
# --------------------------------------------------------------------------------------------


def _distortions(name, images, **kwargs):
    return np.array(
        [
            np.mean(np.abs(_corrupt(images, name, s, seed=11, **kwargs) - images))
            for s in range(1, 6)
        ]
    )


MONOTONE = ["gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise", "defocus_blur",
            "zoom_blur", "gaussian_blur", "snow", "fog", "brightness", "contrast", "pixelate",
            "jpeg_compression"]  # fmt: skip


@pytest.mark.parametrize("name", MONOTONE)
def test_severity_increases_distortion(name):
    distortion = _distortions(name, _natural_batch(8))
    assert np.all(np.diff(distortion) > 0), distortion


def test_severity_order_motion_blur():
    # (radius, σ) = (6, 2) and (8, 2) differ only in taps of weight < 1e-5, so 3 ≈ 4
    distortion = _distortions("motion_blur", _natural_batch(8))
    assert distortion[0] < distortion[1] < distortion[2] < distortion[4]
    assert distortion[3] == pytest.approx(distortion[2], rel=0.01)


def test_severity_order_glass_blur():
    # (σ, iterations): (0.05, 1), (0.25, 1), (0.4, 1), (0.25, 2), (0.4, 2): with one shuffling
    # pass more blur distorts more; two passes distort more than one. (At two passes the
    # larger σ smooths the shuffled pixels back towards the original, so 5 is not above 4.)
    distortion = _distortions("glass_blur", _natural_batch(8))
    assert distortion[0] < distortion[1] < distortion[2] < min(distortion[3], distortion[4])


def test_severity_order_saturate():
    from skimage.color import rgb2hsv

    images = _natural_batch(8)

    def mean_saturation(batch):
        return rgb2hsv(batch.transpose(0, 2, 3, 1))[..., 1].mean()

    s = [mean_saturation(corrupt(images, "saturate", k)) for k in range(1, 6)]
    clean = mean_saturation(images)
    # scales 0.3, 0.1 desaturate; 1.5, 2 (+0.1), 2.5 (+0.2) saturate more and more
    assert s[1] < s[0] < clean < s[2] < s[3] < s[4]


def test_severity_order_elastic_transform():
    # The release's affine range shrinks with severity (2.56 → 0.96 px) while the local
    # displacement grows, so the pixel change *decreases*: a property of the constants.
    distortion = _distortions("elastic_transform", _natural_batch(8))
    assert np.all(np.diff(distortion) < 0), distortion


def test_frost_blend_formula_and_order():
    images = _natural_batch(2)
    frost = [np.full((3, 40, 40), 0.8)]
    for severity in range(1, 6):
        image_weight, frost_weight = SEVERITY_PARAMETERS["frost"][severity - 1]
        out = corrupt(images, "frost", severity, frost_images=frost, quantize=False)
        np.testing.assert_allclose(out, np.clip(image_weight * images + frost_weight * 0.8, 0, 1))
    # the frost weight never decreases and the image weight never increases
    weights = np.array(SEVERITY_PARAMETERS["frost"])
    assert np.all(np.diff(weights[:, 0]) <= 0) and np.all(np.diff(weights[:, 1]) >= 0)


def test_frost_crops_come_from_the_frost_image():
    # a frost picture of 8-bit levels 3·column (the release's photos are 8-bit)
    ramp = np.broadcast_to(3 * np.arange(64.0)[None, None, :] / 255, (1, 40, 64))
    images = np.zeros((3, 1, 8, 8))
    out = corrupt(images, "frost", 1, frost_images=[ramp], quantize=False, seed=0)
    for image in out[:, 0]:
        levels = image[0] * 255 / 0.2 / 3  # the crop's column indices
        np.testing.assert_allclose(levels, levels[0] + np.arange(8), atol=1e-9)


# --------------------------------------------------------------------------------------------
# noise statistics
# --------------------------------------------------------------------------------------------


GREY = np.full((4, 3, 64, 64), 0.5)


@pytest.mark.parametrize("severity", [1, 5])
def test_gaussian_noise_variance(severity):
    sigma = SEVERITY_PARAMETERS["gaussian_noise"][severity - 1]
    noise = corrupt(GREY, "gaussian_noise", severity, seed=0, quantize=False) - GREY
    assert noise.var() == pytest.approx(sigma**2, rel=0.03)
    assert abs(noise.mean()) < 0.003


def test_shot_noise_is_poisson():
    photons = SEVERITY_PARAMETERS["shot_noise"][4]
    images = np.full((8, 3, 64, 64), 0.3)
    out = corrupt(images, "shot_noise", 5, seed=0, quantize=False)
    assert out.mean() == pytest.approx(0.3, abs=0.002)
    assert out.var() == pytest.approx(0.3 / photons, rel=0.03)
    np.testing.assert_allclose(out * photons, np.round(out * photons), atol=1e-9)


def test_impulse_noise_salt_and_pepper():
    amount = SEVERITY_PARAMETERS["impulse_noise"][4]
    out = corrupt(GREY, "impulse_noise", 5, seed=0, quantize=False)
    salt, pepper = np.mean(out == 1.0), np.mean(out == 0.0)
    assert salt + pepper == pytest.approx(amount, rel=0.05)
    assert salt == pytest.approx(pepper, rel=0.1)
    assert np.all((out == 0.5) | (out == 0) | (out == 1))


def test_speckle_noise_variance_scales_with_intensity():
    sigma = SEVERITY_PARAMETERS["speckle_noise"][4]
    images = np.concatenate([np.full((4, 3, 32, 32), 0.2), np.full((4, 3, 32, 32), 0.6)])
    noise = corrupt(images, "speckle_noise", 5, seed=0, quantize=False) - images
    assert noise[:4].var() == pytest.approx((0.2 * sigma) ** 2, rel=0.05)
    assert noise[4:].var() == pytest.approx((0.6 * sigma) ** 2, rel=0.05)


@pytest.mark.parametrize("severity", range(1, 6))
def test_contrast_scales_std_and_keeps_mean(severity):
    factor = SEVERITY_PARAMETERS["contrast"][severity - 1]
    images = _natural_batch(3)
    out = corrupt(images, "contrast", severity, quantize=False)
    np.testing.assert_allclose(out.std(axis=(2, 3)), factor * images.std(axis=(2, 3)), rtol=1e-12)
    np.testing.assert_allclose(out.mean(axis=(2, 3)), images.mean(axis=(2, 3)), rtol=1e-12)


# --------------------------------------------------------------------------------------------
# agreement with independent implementations
# --------------------------------------------------------------------------------------------


def _hsv_reference(images, channel, function):
    from skimage.color import hsv2rgb, rgb2hsv

    hsv = rgb2hsv(images.transpose(0, 2, 3, 1))
    hsv[..., channel] = function(hsv[..., channel])
    return np.clip(hsv2rgb(hsv), 0, 1).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("severity", range(1, 6))
def test_brightness_and_saturate_match_skimage_hsv(severity):
    images = _natural_batch(2)
    images[0, :, :4, :4] = 0.3  # grey pixels: hue 0 in skimage
    images[1, :, :4, :4] = 0.0  # black pixels
    shift = SEVERITY_PARAMETERS["brightness"][severity - 1]
    expected = _hsv_reference(images, 2, lambda v: np.clip(v + shift, 0, 1))
    out = corrupt(images, "brightness", severity, quantize=False)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    scale, offset = SEVERITY_PARAMETERS["saturate"][severity - 1]
    expected = _hsv_reference(images, 1, lambda s: np.clip(s * scale + offset, 0, 1))
    out = corrupt(images, "saturate", severity, quantize=False)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_grey_images_brightness_and_saturate():
    grey = _natural_batch(2)[:, :1]
    out = corrupt(grey, "brightness", 5, quantize=False)
    np.testing.assert_allclose(out, np.clip(grey + 0.3, 0, 1))
    np.testing.assert_array_equal(corrupt(grey, "saturate", 5, quantize=False), grey)
    # a grey RGB image brightens exactly like the one-channel image
    rgb = np.repeat(grey, 3, axis=1)
    np.testing.assert_allclose(corrupt(rgb, "brightness", 3)[:, :1], corrupt(grey, "brightness", 3))


@pytest.mark.parametrize("severity", [1, 5])
def test_gaussian_blur_matches_scipy(severity):
    sigma = SEVERITY_PARAMETERS["gaussian_blur"][severity - 1]
    images = _natural_batch(2)
    expected = ndimage.gaussian_filter(images, (0, 0, sigma, sigma), mode="nearest", truncate=4)
    out = corrupt(images, "gaussian_blur", severity, quantize=False)
    np.testing.assert_allclose(out, np.clip(expected, 0, 1), atol=1e-12)


def test_defocus_blur_small_radius_is_separable_alias_blur():
    # radius 0.3 covers only the centre pixel, so the kernel is the 3×3 anti-alias Gaussian
    # (σ = 0.4) alone, applied with reflect-101 borders
    images = _natural_batch(2)
    taps = np.exp(-0.5 * (np.arange(-1, 2) / 0.4) ** 2)
    taps /= taps.sum()
    expected = ndimage.correlate1d(images, taps, axis=2, mode="mirror")
    expected = ndimage.correlate1d(expected, taps, axis=3, mode="mirror")
    out = corrupt(images, "defocus_blur", 1, quantize=False)
    np.testing.assert_allclose(out, np.clip(expected, 0, 1), atol=1e-9)


def test_defocus_blur_radius_one_is_plus_shaped_disk():
    # radius 1 (σ 0.2: alias weights e^-12.5, negligible) averages the 5-pixel "plus"
    images = _natural_batch(2)
    plus = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float) / 5
    expected = ndimage.correlate(images, plus[None, None], mode="mirror")
    out = corrupt(images, "defocus_blur", 4, quantize=False)
    np.testing.assert_allclose(out, np.clip(expected, 0, 1), atol=1e-5)


def _clipped_zoom(image, factor):
    """The release's clipped_zoom on one (H, W, C) image."""
    size = image.shape[0]
    crop = int(np.ceil(size / factor))
    top = (size - crop) // 2
    zoomed = ndimage.zoom(image[top : top + crop, top : top + crop], (factor, factor, 1), order=1)
    trim = (zoomed.shape[0] - size) // 2
    return zoomed[trim : trim + size, trim : trim + size]


@pytest.mark.parametrize("severity", [1, 5])
def test_zoom_blur_matches_release_clipped_zoom(severity):
    factors = _zoom_factors(SEVERITY_PARAMETERS["zoom_blur"][severity - 1])
    images = _natural_batch(2)
    expected = []
    # the release's loop in its float32 arithmetic, with scipy's zoom itself
    for image in images.transpose(0, 2, 3, 1).astype(np.float32):
        total = np.zeros_like(image)
        for z in factors:
            total += _clipped_zoom(image, z)
        expected.append((image + total) / (len(factors) + 1))
    expected = np.clip(np.stack(expected).transpose(0, 3, 1, 2), 0, 1) * 255
    out = corrupt(images, "zoom_blur", severity, quantize=False) * 255
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-9)
    levels = np.round(corrupt(images, "zoom_blur", severity) * 255)
    np.testing.assert_array_equal(levels, expected.astype(np.uint8))


@pytest.mark.parametrize("severity", [1, 5])
def test_pixelate_matches_pillow_box(severity):
    from PIL import Image

    factor = SEVERITY_PARAMETERS["pixelate"][severity - 1]
    images = _natural_batch(3)
    expected = []
    for image in np.round(images * 255).astype(np.uint8).transpose(0, 2, 3, 1):
        small = Image.fromarray(image).resize((int(32 * factor),) * 2, Image.Resampling.BOX)
        expected.append(np.asarray(small.resize((32, 32), Image.Resampling.BOX)))
    expected = np.stack(expected).transpose(0, 3, 1, 2).astype(float)
    # Pillow's 8-bit path (fixed-point coefficients, rounding after each pass), reproduced
    np.testing.assert_array_equal(np.round(corrupt(images, "pixelate", severity) * 255), expected)
    # other sizes and random images too
    noise = np.random.default_rng(severity).integers(0, 256, (3, 37, 45, 3), dtype=np.uint8)
    small = (int(37 * factor), int(45 * factor))
    expected = [np.asarray(Image.fromarray(im).resize(small[::-1], Image.Resampling.BOX)
                           .resize((45, 37), Image.Resampling.BOX)) for im in noise]  # fmt: skip
    out = corrupt(noise.transpose(0, 3, 1, 2) / 255.0, "pixelate", severity)
    np.testing.assert_array_equal(np.round(out * 255).transpose(0, 2, 3, 1), np.stack(expected))


def test_jpeg_matches_pillow_round_trip():
    from PIL import Image

    images = _natural_batch(2)
    out = corrupt(images, "jpeg_compression", 2)
    for k, image in enumerate(np.round(images * 255).astype(np.uint8).transpose(0, 2, 3, 1)):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=65)
        decoded = np.asarray(Image.open(buffer)).transpose(2, 0, 1)
        np.testing.assert_array_equal(out[k] * 255, decoded)
    grey = corrupt(images[:, :1], "jpeg_compression", 5)
    assert grey.shape == (2, 1, 32, 32)


def test_motion_blur_impulse_response_is_imagemagick_line():
    radius, sigma = 6, 2.0
    impulse = np.zeros((1, 31, 31, 1), dtype=np.uint8)
    impulse[0, 15, 15, 0] = 255
    weights = np.exp(-0.5 * (np.arange(13) / sigma) ** 2)
    weights /= weights.sum()
    np.testing.assert_allclose(_motion_taps(radius, sigma), weights, rtol=1e-14)
    # 16-bit accumulation, rounded, then truncated to 8 bits: floor(round(65535 w) / 257)
    expected = np.floor(np.floor(65535 * weights + 0.5) / 257)
    # angle 0: out(y, x) = Σ_i w_i in(y, x + i), so the impulse spreads to its left
    horizontal = _magick_motion_blur(impulse, radius, sigma, [0.0])[0, :, :, 0]
    np.testing.assert_array_equal(horizontal[15, 15 - np.arange(13)], expected)
    assert np.count_nonzero(horizontal) == np.count_nonzero(expected)
    # angle 90° (y down): the spread goes upwards
    vertical = _magick_motion_blur(impulse, radius, sigma, [90.0])[0, :, :, 0]
    np.testing.assert_array_equal(vertical[15 - np.arange(13), 15], expected)
    # a constant image is unchanged (edge padding, unit-sum weights)
    flat = np.full((2, 16, 16, 3), 101, dtype=np.uint8)
    np.testing.assert_array_equal(_magick_motion_blur(flat, 9, 2.5, [30.0, -45.0]), flat)


def test_glass_blur_copies_neighbours_like_the_release():
    # severity 1 (σ = 0.05: the blurs are the identity): every pixel is the 8-bit input pixel at
    # an offset (dy, dx) ∈ {-1, 0}², copied (the release's view "swap" duplicates pixels)
    images = _natural_batch(2)
    levels = np.round(images * 255)
    out = np.round(corrupt(images, "glass_blur", 1, seed=0) * 255)
    interior = out[:, :, 2:, 2:]  # rows and columns 2..31 are visited, 0 and 1 are sources only
    ok = np.zeros((2, 30, 30), dtype=bool)
    for dy in (-1, 0):
        for dx in (-1, 0):
            source = levels[:, :, 2 + dy : 32 + dy, 2 + dx : 32 + dx]
            ok |= np.all(interior == source, axis=1)  # all channels move together
    assert ok.all()
    assert np.mean(out != levels) > 0.3  # most pixels did move


def test_fog_is_the_plasma_blend():
    images = _natural_batch(2)
    strength, decay = SEVERITY_PARAMETERS["fog"][2]
    plasma = _plasma_fractal(np.random.default_rng(9), 2, 32, decay)[:, None]
    peak = images.max(axis=(1, 2, 3), keepdims=True)
    expected = np.clip((images + strength * plasma) * peak / (peak + strength), 0, 1)
    np.testing.assert_allclose(corrupt(images, "fog", 3, seed=9, quantize=False), expected)


def test_plasma_fractal_range_and_roughness():
    rough = _plasma_fractal(np.random.default_rng(0), 16, 32, 1.75)
    smooth = _plasma_fractal(np.random.default_rng(0), 16, 32, 3.0)
    for maps in (rough, smooth):
        np.testing.assert_allclose(maps.min(axis=(1, 2)), 0.0)
        np.testing.assert_allclose(maps.max(axis=(1, 2)), 1.0)

    def roughness(maps):
        return np.mean(np.abs(np.diff(maps, axis=-1))) / maps.std()

    # a slower decay keeps more fine-scale amplitude
    assert roughness(rough) > 1.1 * roughness(smooth)


def test_elastic_severity1_is_an_affine_warp():
    # α = 0 at severity 1: only the random affine map acts, so a linear ramp stays linear
    row, col = np.meshgrid(np.arange(32.0), np.arange(32.0), indexing="ij")
    ramp = (0.2 + 0.01 * row + 0.015 * col)[None, None]
    out = corrupt(ramp, "elastic_transform", 1, seed=2, quantize=False)[0, 0]
    inner = slice(8, 24)
    design = np.stack([np.ones(256), row[inner, inner].ravel(), col[inner, inner].ravel()], 1)
    coefficients, *_ = np.linalg.lstsq(design, out[inner, inner].ravel())
    residual = np.abs(design @ coefficients - out[inner, inner].ravel())
    # the release warps a float32 image with float32 coordinates and weights (OpenCV 5), so
    # linearity holds to float32 rounding (~1e-7 here), not to float64's
    assert residual.max() < 3e-7
    assert not np.allclose(out, ramp[0, 0])  # but it moved
    flat = np.full((2, 3, 32, 32), 0.6)
    np.testing.assert_allclose(corrupt(flat, "elastic_transform", 5, quantize=False), flat)


def test_snow_brightens():
    images = _natural_batch(4)
    assert corrupt(images, "snow", 5, seed=0).mean() > images.mean() + 0.05
    grey = corrupt(images[:, :1], "snow", 3, seed=0)
    assert grey.shape == (4, 1, 32, 32)


def test_spatter_water_lightens_and_mud_darkens_towards_brown():
    images = _natural_batch(8)
    for severity in (1, 2, 3):  # water: pale turquoise added, nothing gets darker
        out = corrupt(images, "spatter", severity, seed=0)
        assert np.all(out >= images - 1e-12) and np.any(out > images + 0.1)
    mud = np.array([63, 42, 20]).reshape(1, 3, 1, 1) / 255
    for severity in (4, 5):  # mud: changed pixels move towards brown, by at least 80 %
        out = corrupt(images, "spatter", severity, seed=0, quantize=False)
        # the release blends in float32 (rounding ~6e-8 on every value)
        moved = np.abs(out - images) > 1e-6
        changed = np.broadcast_to(np.any(moved, axis=1, keepdims=True), out.shape)
        assert changed.mean() > 0.01
        before, after = np.abs(images - mud)[changed], np.abs(out - mud)[changed]
        assert np.all(after <= 0.2 * before + 1e-6)
    # within each kind, severity orders the distortion
    distortion = _distortions("spatter", images)
    assert distortion[0] < distortion[1] < distortion[2] and distortion[3] < distortion[4]
    grey = corrupt(images[:, :1], "spatter", 5, seed=0)
    assert grey.shape == (8, 1, 32, 32)


def test_equalize_hist_opencv_mapping():
    levels = np.array([[10, 10, 20, 20], [30, 30, 30, 30]], dtype=np.uint8)
    # lowest level → 0; then cumulative counts above it scaled by 255 / 6
    np.testing.assert_array_equal(
        _equalize_hist_opencv(levels), [[0, 0, 85, 85], [255, 255, 255, 255]]
    )
    np.testing.assert_array_equal(_equalize_hist_opencv(np.full((2, 2), 7, np.uint8)), 7)


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


def test_corrupt_errors():
    images = np.zeros((1, 3, 8, 8))
    with pytest.raises(ValueError, match="corruption must be one of"):
        corrupt(images, "rain", 1)
    with pytest.raises(ValueError, match=r"severity must be an int in 1\.\.5, got 6"):
        corrupt(images, "contrast", 6)
    with pytest.raises(TypeError, match="severity must be an int"):
        corrupt(images, "contrast", 2.0)
    with pytest.raises(ValueError, match="at least 4 dimensions"):
        corrupt(np.zeros((3, 8, 8)), "contrast", 1)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) with C = 1"):
        corrupt(np.zeros((1, 2, 8, 8)), "contrast", 1)
    with pytest.raises(TypeError, match="floating dtype"):
        corrupt(np.zeros((1, 3, 8, 8), dtype=np.uint8), "contrast", 1)
    with pytest.raises(ValueError, match="frost_images is only used by 'frost'"):
        corrupt(images, "contrast", 1, frost_images=FROST)
    with pytest.raises(TypeError, match="seed must be"):
        corrupt(images, "gaussian_noise", 1, seed="abc")
    with pytest.raises(ValueError, match="frost needs frost_images"):
        corrupt(images, "frost", 1)
    with pytest.raises(TypeError, match="non-empty sequence of arrays"):
        corrupt(images, "frost", 1, frost_images=np.zeros((2, 3, 9, 9)))
    with pytest.raises(ValueError, match="smaller than the images"):
        corrupt(images, "frost", 1, frost_images=[np.zeros((3, 4, 4))])
    with pytest.raises(ValueError, match=r"frost_images\[0\] must have shape"):
        corrupt(images, "frost", 1, frost_images=[np.zeros((2, 9, 9))])


# --------------------------------------------------------------------------------------------
# MNIST protocol
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variance", [0.01, 0.5])
def test_additive_gaussian_noise_variance_unclipped(variance):
    images = np.full((8, 1, 28, 28), 0.5)
    noise = additive_gaussian_noise(images, variance, seed=0) - images
    assert noise.var() == pytest.approx(variance, rel=0.03)
    clipped = additive_gaussian_noise(images, variance, seed=0, clip=True)
    assert clipped.min() >= 0 and clipped.max() <= 1
    np.testing.assert_array_equal(clipped, np.clip(noise + images, 0, 1))


def test_additive_gaussian_noise_backends(backend):
    images = backend.asarray(np.full((2, 1, 8, 8), 0.5), dtype="float32")
    out = additive_gaussian_noise(images, 0.1, seed=1)
    assert out.dtype == backend.xp.float32 and device_of(out) == device_of(images)
    expected = additive_gaussian_noise(np.full((2, 1, 8, 8), 0.5, np.float32), 0.1, seed=1)
    np.testing.assert_allclose(backend.to_numpy(out), expected, atol=1e-6)


def test_contrast_poisson_matches_skimage_random_noise():
    from skimage.util import random_noise

    digit = np.round(_natural_batch(1)[:, :1] * 255) / 255
    reduced = (digit - 0.5) * 0.3 + 0.5
    expected = random_noise(reduced[0], mode="poisson", rng=4, clip=False)
    np.testing.assert_allclose(contrast_poisson(digit, 0.3, seed=4)[0], expected)


def test_contrast_poisson_statistics(backend):
    images = np.full((16, 1, 28, 28), 0.9)
    images[:, :, ::2] = 0.1
    reduced = (images - 0.5) * 0.4 + 0.5
    out = backend.to_numpy(contrast_poisson(backend.asarray(images), 0.4, seed=0, scale=100.0))
    noise = out - reduced
    # Poisson(λy)/λ: unbiased, variance y/λ
    assert abs(noise.mean()) < 0.005
    assert noise[:, :, ::2].var() == pytest.approx(0.34 / 100, rel=0.05)
    assert noise[:, :, 1::2].var() == pytest.approx(0.66 / 100, rel=0.05)
    # with a huge photon count only the contrast reduction remains: std scales by C
    nearly_clean = contrast_poisson(images, 0.4, seed=0, scale=1e9)
    assert nearly_clean.std() == pytest.approx(0.4 * images.std(), rel=1e-3)


def test_mnist_protocol_errors():
    images = np.zeros((1, 1, 8, 8))
    with pytest.raises(ValueError, match="variance must be a finite number >= 0"):
        additive_gaussian_noise(images, -0.1)
    with pytest.raises(TypeError, match="variance must be a real number"):
        additive_gaussian_noise(images, "0.1")
    with pytest.raises(ValueError, match=r"contrast must be in \[0, 1\]"):
        contrast_poisson(images, 1.5)
    with pytest.raises(ValueError, match="scale must be 'unique' or a positive number"):
        contrast_poisson(images, 0.5, scale=0)
    with pytest.raises(ValueError, match="scale must be 'unique'"):
        contrast_poisson(images, 0.5, scale="auto")


@pytest.mark.parametrize(("corruption", "side"), [("pixelate", 2), ("elastic_transform", 3)])
def test_images_too_small_for_a_corruption_are_refused_clearly(corruption, side):
    tiny = np.full((1, 3, side - 1, side - 1), 0.5)
    with pytest.raises(ValueError, match=f"at least {side}×{side} px"):
        corrupt(tiny, corruption, 5, seed=0)
    # the smallest allowed side works and stays in [0, 1]
    out = corrupt(np.full((1, 3, side, side), 0.5), corruption, 5, seed=0)
    assert out.shape == (1, 3, side, side) and 0 <= out.min() <= out.max() <= 1


@pytest.mark.parametrize("severity", [1, 5])
def test_noise_corruptions_follow_the_release_formulas_and_layout(severity):
    # CIFAR-10-C's noises (REFERENCE-numbers §5) with the generator's draws: per image, an
    # (H, W, C) field in row, column, channel order, images one after another
    images = _natural_batch(2)
    hwc = images.transpose(0, 2, 3, 1)
    rng = np.random.default_rng(7)
    sigma = SEVERITY_PARAMETERS["gaussian_noise"][severity - 1]
    expected = np.clip(hwc + rng.normal(0.0, sigma, (2, 32, 32, 3)), 0, 1)
    out = corrupt(images, "gaussian_noise", severity, seed=7, quantize=False)
    np.testing.assert_allclose(out, expected.transpose(0, 3, 1, 2), rtol=0, atol=1e-15)
    photons = SEVERITY_PARAMETERS["shot_noise"][severity - 1]
    expected = np.clip(np.random.default_rng(7).poisson(hwc * photons) / photons, 0, 1)
    out = corrupt(images, "shot_noise", severity, seed=7, quantize=False)
    np.testing.assert_allclose(out, expected.transpose(0, 3, 1, 2), rtol=0, atol=1e-15)
    amount = SEVERITY_PARAMETERS["impulse_noise"][severity - 1]
    u = np.random.default_rng(7).random((2, 2, 32, 32, 3))  # per image: flip field, salt field
    flipped, salt = u[:, 0] <= amount, u[:, 1] <= 0.5
    expected = np.where(flipped, np.where(salt, 1.0, 0.0), hwc)
    out = corrupt(images, "impulse_noise", severity, seed=7, quantize=False)
    np.testing.assert_allclose(out, expected.transpose(0, 3, 1, 2), rtol=0, atol=1e-15)


def test_additive_gaussian_noise_is_the_core_gaussian_noise_of_std_sqrt_variance():
    images = _natural_batch(1)
    np.testing.assert_array_equal(
        additive_gaussian_noise(images, 0.09, seed=3), gaussian_noise(images, 0.3, seed=3)
    )


def test_one_list_of_names_and_one_luma_constant():
    from v1pushpull.datasets import CIFAR10C_CORRUPTIONS
    from v1pushpull.robustness import ALEXNET_ERRORS

    assert CORRUPTIONS is CIFAR10C_CORRUPTIONS
    assert list(SEVERITY_PARAMETERS) == list(CIFAR10C_CORRUPTIONS)
    assert list(ALEXNET_ERRORS) == ["clean", *CIFAR10C_CORRUPTIONS]
    assert LUMINANCE_WEIGHTS == (0.299, 0.587, 0.114)  # ITU-R BT.601
