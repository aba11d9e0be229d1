"""filter_bank against scipy.ndimage.correlate, on every backend, and its error messages."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi

from v1pushpull import filter_bank, gabor_bank
from v1pushpull.filtering import PADDING_MODES, SCIPY_MODES, pad_images

TOLERANCE = {"float32": 1e-6, "float64": 1e-10}


def _reference(images: np.ndarray, kernels: np.ndarray, mode: str) -> np.ndarray:
    flat = images.reshape(-1, *images.shape[-2:])
    out = np.stack(
        [
            np.stack([ndi.correlate(image, k, mode=SCIPY_MODES[mode]) for k in kernels])
            for image in flat
        ]
    )
    return out.reshape(*images.shape[:-2], *out.shape[-3:])


def _relative_error(result: np.ndarray, reference: np.ndarray) -> float:
    return float(np.abs(result - reference).max() / np.abs(reference).max())


@pytest.mark.parametrize("mode", PADDING_MODES)
@pytest.mark.parametrize(
    ("image_shape", "kernel_shape"),
    [((2, 3, 20, 17), (5, 7)), ((1, 12, 9), (4, 6)), ((2, 6, 5), (15, 14)), ((1, 9, 9), (9, 9))],
    ids=["odd", "even", "kernel-larger-than-image", "same-size"],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_filter_bank_equals_scipy_correlate(mode, image_shape, kernel_shape, dtype, rng):
    images = rng.random(image_shape).astype(dtype)
    kernels = rng.standard_normal((3, *kernel_shape)).astype(dtype)
    result = filter_bank(images, kernels, mode)
    assert result.dtype == np.dtype(dtype)
    assert result.shape == (*image_shape[:-2], 3, *image_shape[-2:])
    assert _relative_error(result, _reference(images, kernels, mode)) <= TOLERANCE[dtype]


@pytest.mark.parametrize("mode", PADDING_MODES)
def test_filter_bank_agrees_across_backends(backend, mode, rng):
    images = rng.random((2, 24, 19))
    kernels = gabor_bank(6.0, [0.0, 0.8, 2.1], [0.0, np.pi / 2], size=11)
    reference = _reference(images, kernels, mode)
    result = filter_bank(
        backend.asarray(images, "float32"), backend.asarray(kernels, "float32"), mode
    )
    assert result.dtype == backend.xp.float32
    assert type(result) is type(backend.asarray(images))
    assert _relative_error(backend.to_numpy(result), reference) <= 1e-5
    result64 = filter_bank(backend.asarray(images), backend.asarray(kernels), mode)
    assert _relative_error(backend.to_numpy(result64), reference) <= 1e-10


def test_single_kernel_drops_the_bank_axis(rng):
    images = rng.random((4, 16, 16))
    kernel = rng.standard_normal((5, 5))
    np.testing.assert_allclose(filter_bank(images, kernel), filter_bank(images, kernel[None])[:, 0])


def test_correlation_is_not_convolution(rng):
    # an off-centre impulse kernel shifts the image: correlation moves content the other way
    image = rng.random((9, 9))
    kernel = np.zeros((3, 3))
    kernel[1, 2] = 1.0  # picks the right neighbour: out[i, j] = image[i, j + 1]
    out = filter_bank(image, kernel, "wrap")
    np.testing.assert_allclose(out, np.roll(image, -1, axis=1), atol=1e-12)


@pytest.mark.parametrize("mode", PADDING_MODES)
def test_pad_images_equals_numpy_pad(mode, rng):
    image = rng.random((2, 5, 4))
    widths = ((7, 3), (2, 9))  # wider than the image: the pattern repeats
    numpy_mode = {
        "reflect": "reflect",
        "symmetric": "symmetric",
        "constant": "constant",
        "wrap": "wrap",
    }[mode]
    expected = np.pad(image, ((0, 0), *widths), mode=numpy_mode)
    np.testing.assert_array_equal(pad_images(image, widths, mode), expected)


# --- bad input ----------------------------------------------------------------------------


def test_rejects_images_with_fewer_than_two_dimensions():
    with pytest.raises(ValueError, match=r"images must have at least 2 dimensions"):
        filter_bank(np.zeros(5), np.zeros((1, 3, 3)))


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.complex64, bool])
def test_rejects_integer_boolean_and_complex_images(dtype):
    with pytest.raises(TypeError, match=r"images must have a real floating dtype"):
        filter_bank(np.zeros((8, 8), dtype=dtype), np.zeros((1, 3, 3)))


def test_rejects_integer_kernels():
    with pytest.raises(TypeError, match=r"kernels must have a real floating dtype"):
        filter_bank(np.zeros((8, 8)), np.zeros((1, 3, 3), dtype=int))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_rejects_non_finite_images_unless_told(bad):
    images = np.zeros((8, 8))
    images[2, 3] = bad
    with pytest.raises(ValueError, match=r"NaN or infinite"):
        filter_bank(images, np.ones((1, 3, 3)))
    with np.errstate(invalid="ignore"):  # the user accepted NaN propagation
        out = filter_bank(images, np.ones((1, 3, 3)), check_finite=False)
    assert not np.all(np.isfinite(out))


def test_rejects_arrays_from_different_libraries():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"images and kernels must come from the same array"):
        filter_bank(np.zeros((8, 8)), torch.zeros((1, 3, 3), dtype=torch.float64))


def test_rejects_arrays_on_different_devices():
    torch = pytest.importorskip("torch")
    # torch's "meta" device stands in for a GPU: the check must fire before any computation
    other = "cuda" if torch.cuda.is_available() else "meta"
    with pytest.raises(ValueError, match=r"images and kernels must be on the same device"):
        filter_bank(torch.zeros((8, 8)), torch.zeros((1, 3, 3), device=other))


def test_rejects_unknown_padding_and_bad_kernel_shape():
    with pytest.raises(ValueError, match=r"padding must be one of"):
        filter_bank(np.zeros((8, 8)), np.zeros((1, 3, 3)), "mirror")
    with pytest.raises(ValueError, match=r"kernels must have shape"):
        filter_bank(np.zeros((8, 8)), np.zeros((1, 1, 3, 3)))


def test_rejects_non_arrays():
    with pytest.raises(TypeError, match=r"images must be an array"):
        filter_bank([[0.0, 1.0], [1.0, 0.0]], np.zeros((1, 3, 3)))


def test_half_precision_is_refused_as_such_not_as_an_integer_image():
    images = np.zeros((8, 8), np.float16)
    with pytest.raises(TypeError, match="float16") as error:
        filter_bank(images, np.ones((3, 3)))
    assert "integer" not in str(error.value)


def test_meta_tensors_give_the_output_shape_without_a_finite_check():
    torch = pytest.importorskip("torch")
    images = torch.empty(2, 20, 24, device="meta")
    kernels = torch.empty(3, 7, 7, device="meta")
    out = filter_bank(images, kernels)
    assert out.device.type == "meta"
    assert tuple(out.shape) == filter_bank(np.zeros((2, 20, 24)), np.zeros((3, 7, 7))).shape


@pytest.mark.parametrize("mode", PADDING_MODES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_separable_correlation_equals_scipy_correlate(backend, mode, dtype, rng):
    """A kernel given as a sum of separable terms Σ outer(rows, cols) (odd and even sizes):
    the correlation built from 1-D spectra equals SciPy's with the assembled 2-D kernel."""
    from v1pushpull.filtering import _correlate_separable

    images = rng.random((2, 23, 18))
    terms = [(rng.standard_normal(7), rng.standard_normal(6)) for _ in range(2)]
    kernel = sum(np.outer(rows, cols) for rows, cols in terms)
    reference = _reference(images, kernel[None], mode)[..., 0, :, :]
    result = _correlate_separable(backend.xp, backend.asarray(images, dtype), terms, mode)
    assert result.dtype == getattr(backend.xp, dtype)
    assert _relative_error(backend.to_numpy(result), reference) <= TOLERANCE[dtype]
