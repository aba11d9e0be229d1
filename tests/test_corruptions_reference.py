"""Bit-exactness of :func:`v1pushpull.corruptions.corrupt` against the CIFAR-10-C generator.

The reference folder ``../shared/data/cifar10c-reference/`` (README there) holds, for 16 images,
the uint8 outputs of the released ``make_cifar_c.py`` for every corruption but frost and
severities 1–5, and every random draw it consumed, in call order. Its replay protocol hands the
recorded draws to the implementation through a ``numpy.random.Generator`` subclass that checks
each call (method, arguments) and returns the recorded result; the outputs must then be equal.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

from v1pushpull import corruptions
from v1pushpull.corruptions import corrupt

REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cifar10c-reference"
NAMES = [name for name in corruptions.CIFAR10C_CORRUPTIONS if name != "frost"]

needs_reference = pytest.mark.skipif(
    not (REFERENCE / "inputs.npz").is_file(),
    reason=f"CIFAR-10-C reference data (../shared/data/cifar10c-reference) not at {REFERENCE}",
)


class ReplayGenerator(np.random.Generator):
    """A Generator that returns recorded draws, in order, after checking each call.

    ``calls`` is a list of ``(method, args, arrays, result, returns)`` as in the README's
    replay protocol. ``lam_atol`` is the tolerance on Poisson's ``lam`` argument.
    """

    def __init__(self, calls: list, lam_atol: float = 0.0):
        super().__init__(np.random.PCG64(12345))
        self.calls = list(calls)
        self.position = 0
        self.lam_atol = lam_atol

    def _next(self, method: str, **given):
        if self.position >= len(self.calls):
            raise AssertionError(f"extra draw: {method}{given} after {self.position} calls")
        expected, args, arrays, result, returns = self.calls[self.position]
        if method != expected:
            raise AssertionError(f"call {self.position}: {method} called, {expected} recorded")
        size = given.pop("size", None)
        want = args.get("size")
        assert (None if size is None else tuple(np.atleast_1d(size).tolist())) == (
            None if want is None else tuple(want)
        ), f"call {self.position}: size {size} != {want}"
        for key, value in given.items():
            if key == "lam":
                np.testing.assert_allclose(value, arrays["lam"], rtol=0, atol=self.lam_atol)
            else:
                assert np.float64(value) == np.float64(args[key]), (
                    f"call {self.position}: {key}={value!r}, recorded {args[key]!r}"
                )
        self.position += 1
        return float(result) if returns == "python float" else np.array(result)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._next("normal", loc=loc, scale=scale, size=size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._next("uniform", low=low, high=high, size=size)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        assert not endpoint
        return self._next("integers", low=low, high=high, size=size)

    def poisson(self, lam=1.0, size=None):
        return self._next("poisson", lam=lam, size=size)

    def random(self, size=None, dtype=np.float64, out=None):
        return self._next("random", size=size)

    def done(self) -> bool:
        return self.position == len(self.calls)


@functools.cache
def load_reference(name: str):
    """(inputs uint8 (N, 32, 32, 3), arrays of the corruption's npz, its metadata)."""
    images = np.load(REFERENCE / "inputs.npz", allow_pickle=False)["images"]
    with np.load(REFERENCE / f"{name}.npz", allow_pickle=False) as npz:
        data = {key: npz[key] for key in npz.files}
    return images, data, json.loads(str(data["meta_json"]))


def recorded_calls(data, meta, severity: int, images: range) -> list:
    """The README's draw sequence for each image of ``images``, concatenated in order."""
    calls = []
    for i in images:
        for entry in meta.get("calls", {}).get(str(severity), []):
            for r in range(entry["repeat"]):
                arrays = {
                    arg: data[spec["array_key"]][i, r]
                    for arg, spec in entry.get("array_args", {}).items()
                }
                calls.append(
                    (
                        entry["replay_method"],
                        entry["args"],
                        arrays,
                        data[entry["result_key"]][i, r],
                        entry["returns"],
                    )
                )
    return calls


def as_batch(images_hwc: np.ndarray, dtype=np.float32) -> np.ndarray:
    """uint8 (N, H, W, 3) → the library's float (N, 3, H, W) in [0, 1]."""
    return np.ascontiguousarray((images_hwc.transpose(0, 3, 1, 2) / 255.0).astype(dtype))


def as_uint8_hwc(batch: np.ndarray) -> np.ndarray:
    return (
        np.round(np.asarray(batch, dtype=np.float64) * 255).astype(np.uint8).transpose(0, 2, 3, 1)
    )


def run_replayed(name: str, severity: int, dtype=np.float32, **kwargs):
    images, data, meta = load_reference(name)
    rng = ReplayGenerator(recorded_calls(data, meta, severity, range(len(images))))
    out = corrupt(as_batch(images, dtype), name, severity, seed=rng, **kwargs)
    assert rng.done(), f"{rng.position} of {len(rng.calls)} recorded draws used"
    return as_uint8_hwc(out), data["outputs"][severity - 1]


DETERMINISTIC = ["gaussian_blur", "defocus_blur", "zoom_blur", "contrast", "brightness",
                 "saturate", "jpeg_compression", "pixelate"]  # fmt: skip
RANDOM = [name for name in NAMES if name not in DETERMINISTIC]


@needs_reference
@pytest.mark.parametrize("severity", range(1, 6))
@pytest.mark.parametrize("name", NAMES)
def test_bit_exact_with_the_generator(name, severity):
    """The 16 reference images as one batch, with the recorded draws replayed in order."""
    if name in corruptions._NEEDS_OPENCV and not corruptions.OPENCV:
        pytest.skip(f"{name} is bit-exact with OpenCV only (pip install opencv-python-headless)")
    got, expected = run_replayed(name, severity)
    assert got.shape == expected.shape == (16, 32, 32, 3)
    np.testing.assert_array_equal(got, expected)


@needs_reference
@pytest.mark.parametrize("severity", [1, 3, 5])
@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_corruptions_need_no_generator(name, severity):
    images, data, meta = load_reference(name)
    assert not meta.get("calls")
    out = corrupt(as_batch(images, np.float64), name, severity)  # float64, no seed
    np.testing.assert_array_equal(as_uint8_hwc(out), data["outputs"][severity - 1])


@needs_reference
@pytest.mark.parametrize("name", ["snow", "motion_blur", "glass_blur", "fog"])
def test_one_image_replays_like_the_protocol(name):
    """The README's protocol exactly: one image, its own draw sequence, used up."""
    images, data, meta = load_reference(name)
    for i in (0, 9, 15):
        rng = ReplayGenerator(recorded_calls(data, meta, 4, range(i, i + 1)))
        out = corrupt(as_batch(images[i : i + 1]), name, 4, seed=rng)
        assert rng.done()
        np.testing.assert_array_equal(as_uint8_hwc(out)[0], data["outputs"][3, i])


@needs_reference
def test_snow_imagemagick_stage_alone():
    """snow's motion blur against ImageMagick's stored input and output (grey layers)."""
    _, data, _ = load_reference("snow")
    for severity in range(1, 6):
        _, _, _, _, radius, sigma, _ = corruptions.SEVERITY_PARAMETERS["snow"][severity - 1]
        angles = data[f"s{severity}_c01_uniform"][:, 0]
        levels = data[f"s{severity}_magick_in"][..., None]
        out = corruptions._magick_motion_blur(levels, radius, sigma, angles)
        np.testing.assert_array_equal(out[..., 0], data[f"s{severity}_magick_out"])


# Distance of the NumPy/SciPy paths (no OpenCV) from the generator, measured on the 16 public
# images with the replayed draws: (fraction of uint8 values that differ, largest difference).
# They reproduce OpenCV's arithmetic, so the measured distance is zero everywhere.
WITHOUT_OPENCV = {(name, s): (0.0, 0) for name in corruptions._NEEDS_OPENCV for s in range(1, 6)}


@needs_reference
@pytest.mark.parametrize(("name", "severity"), sorted(WITHOUT_OPENCV))
def test_numpy_paths_without_opencv_stay_within_their_measured_distance(
    name, severity, monkeypatch
):
    monkeypatch.setattr(corruptions, "_cv2", None)
    got, expected = run_replayed(name, severity)
    difference = np.abs(got.astype(int) - expected)
    fraction, largest = WITHOUT_OPENCV[name, severity]
    assert np.mean(difference > 0) <= fraction
    assert difference.max() <= largest


def sample_images() -> np.ndarray:
    """The 16 reference images, or (without the data) 16 random 8-bit images, (N, H, W, 3)."""
    if (REFERENCE / "inputs.npz").is_file():
        return load_reference("contrast")[0]
    return np.random.default_rng(16).integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)


class ForwardingGenerator(np.random.Generator):
    """A Generator subclass over a plain one: ``corrupt`` then draws call by call."""

    def __init__(self, seed: int):
        super().__init__(np.random.PCG64(seed))


@pytest.mark.parametrize("severity", [2, 5])
@pytest.mark.parametrize("name", RANDOM)
def test_int_seed_batch_equals_image_by_image_and_call_by_call(name, severity):
    images = sample_images()
    batch = as_batch(images[:6])
    whole = corrupt(batch, name, severity, seed=11)
    # one Generator through the images one by one
    rng = np.random.default_rng(11)
    single = np.concatenate([corrupt(batch[k : k + 1], name, severity, seed=rng)
                             for k in range(6)])  # fmt: skip
    np.testing.assert_array_equal(whole, single)
    # the per-call path (a Generator subclass) sees the same stream as the block draws
    np.testing.assert_array_equal(
        whole, corrupt(batch, name, severity, seed=ForwardingGenerator(11))
    )


@pytest.mark.parametrize("name", NAMES)
def test_torch_cpu_tensors_give_the_numpy_result(name):
    torch = pytest.importorskip("torch")
    images = sample_images()
    batch = as_batch(images[:4])
    expected = corrupt(batch, name, 3, seed=5)
    out = corrupt(torch.from_numpy(batch), name, 3, seed=5)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), expected)
    # also a batch whose memory is (N, H, W, C), i.e. a transposed view
    channels_last = images[:4].astype(np.float32).transpose(0, 3, 1, 2) / np.float32(255)
    np.testing.assert_array_equal(corrupt(channels_last, name, 3, seed=5), expected)
    unquantized = corrupt(torch.from_numpy(batch).double(), name, 3, seed=5, quantize=False)
    np.testing.assert_array_equal(
        unquantized.numpy(), corrupt(batch.astype(np.float64), name, 3, seed=5, quantize=False)
    )


def test_water_drops_numpy_path_is_opencv():
    """The NumPy water-drop shading equals OpenCV's on random liquid layers (and noise)."""
    if not corruptions.OPENCV:
        pytest.skip("needs OpenCV to compare with (pip install opencv-python-headless)")
    from scipy import ndimage

    rng = np.random.default_rng(4)
    layers = []
    for k in range(240):
        liquid = ndimage.gaussian_filter(rng.normal(0.65, 0.3, (32, 32)), 0.5 + k % 3 * 0.3,
                                         mode="nearest")  # fmt: skip
        liquid[liquid < 0.69] = 0
        layers.append((liquid * 255).astype(np.uint8))  # values above 1 wrap, as the release
    layers.append(rng.integers(0, 256, (32, 32), dtype=np.uint8))  # dense edges
    layers.append(np.zeros((32, 32), dtype=np.uint8))  # no edge at all
    layers.append(np.full((32, 32), 200, dtype=np.uint8))
    layers = np.stack(layers)
    expected = np.stack([corruptions._water_drops_opencv(layer) for layer in layers])
    np.testing.assert_array_equal(corruptions._water_drops_numpy(layers), expected)
    # and the steps: Canny, distance transform, histogram equalisation
    import cv2

    np.testing.assert_array_equal(
        corruptions._canny_opencv_numpy(layers, 50, 150),
        np.stack([cv2.Canny(layer, 50, 150) > 0 for layer in layers]),
    )
    zero = np.stack([cv2.Canny(layer, 50, 150) > 0 for layer in layers[:-3]])
    np.testing.assert_array_equal(
        corruptions._distance_opencv_numpy(zero),
        np.stack(
            [cv2.distanceTransform(255 * (~z).astype(np.uint8), cv2.DIST_L2, 5) for z in zero]
        ),
    )
    np.testing.assert_array_equal(
        corruptions._equalize_hist_opencv(layers), np.stack([cv2.equalizeHist(x) for x in layers])
    )


def test_affine_warp_numpy_path_is_opencv():
    """getAffineTransform + warpAffine in NumPy equal OpenCV's on random images and jitters."""
    if not corruptions.OPENCV:
        pytest.skip("needs OpenCV to compare with (pip install opencv-python-headless)")
    import cv2

    rng = np.random.default_rng(8)
    images = rng.random((300, 32, 32, 3)).astype(np.float32)
    images[:50] = np.round(images[:50] * 255) / 255  # 8-bit values too
    source = np.float32([[26, 26], [26, 6], [6, 6]])
    for affine in (2.56, 1.6, 0.96):
        moved = source + rng.uniform(-affine, affine, (300, 3, 2)).astype(np.float32)
        matrices = np.stack([cv2.getAffineTransform(source, m) for m in moved])
        np.testing.assert_array_equal(corruptions._affine_transforms(source, moved), matrices)
        np.testing.assert_array_equal(
            corruptions._affine_numpy(images, source, moved),
            corruptions._affine_opencv(images, source, moved),
        )
