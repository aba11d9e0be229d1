"""CIFAR-10-P sequences (v1pushpull.perturbations) and stability metrics (v1pushpull.stability).

The metrics are checked on hand-made sequences whose values follow from the definitions of
Hendrycks & Dietterich (2019), and against a literal transcription of the paper's double-sum
top-5 distance; the sequences against properties of the released generator's construction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from scipy.stats import rankdata

from v1pushpull.perturbations import (
    NOISE_PERTURBATIONS,
    PERTURBATIONS,
    SEQUENCE_LENGTHS,
    _affine_levels,
    _tilt_homography,
    load_cifar10p,
    perturbation_sequence,
)
from v1pushpull.stability import (
    compare_to_first,
    flip_probability,
    ranks_from_scores,
    stability_dataset,
    stability_metrics,
    stability_scores,
    top5_distance,
    zipf_distance,
)

# --------------------------------------------------------------------------------------------
# metrics on hand-made sequences
# --------------------------------------------------------------------------------------------


def test_flip_probability_by_hand():
    # a, a, b, b: consecutive pairs (a,a) (a,b) (b,b) → one flip in three
    assert flip_probability([[0, 0, 1, 1]]) == pytest.approx(1 / 3)
    # against the first frame: a=a, b≠a, b≠a → two in three
    assert flip_probability([[0, 0, 1, 1]], first=True) == pytest.approx(2 / 3)
    # a, b, a, b: every consecutive pair flips, but only frames 2 and 4 differ from frame 1
    assert flip_probability([[3, 4, 3, 4]]) == 1.0
    assert flip_probability([[3, 4, 3, 4]], first=True) == pytest.approx(2 / 3)
    # two sequences: mean over all comparisons (equal lengths: mean of per-sequence means)
    assert flip_probability([[0, 0, 0], [0, 1, 2]]) == pytest.approx(0.5)


def _scores_from_order(order, k=10):
    """Scores (K,) whose ranking puts classes in ``order`` first (descending)."""
    scores = np.zeros(k)
    scores[list(order)] = np.arange(len(order), 0, -1) + 100.0
    rest = [c for c in range(k) if c not in order]
    scores[rest] = -np.arange(len(rest), dtype=float)
    return scores


def test_top5_distance_by_hand():
    base = _scores_from_order(range(10))
    same = np.stack([base, base, base])[None]
    assert top5_distance(same) == 0.0
    assert zipf_distance(same) == 0.0
    # ranks 1 and 2 swapped: σ = (2, 1, 3, …): |0 − 1| + |1 − 0| = 2
    swap12 = _scores_from_order([1, 0, 2, 3, 4, 5, 6, 7, 8, 9])
    assert top5_distance(np.stack([base, swap12])[None]) == 2.0
    # ranks 5 and 6 swapped: only the class leaving the top 5 counts, |4 − 5| = 1
    swap56 = _scores_from_order([0, 1, 2, 3, 5, 4, 6, 7, 8, 9])
    assert top5_distance(np.stack([base, swap56])[None]) == 1.0
    # a swap below the top 5 is invisible to T5D but not to the Zipf distance
    swap78 = _scores_from_order([0, 1, 2, 3, 4, 5, 7, 6, 8, 9])
    assert top5_distance(np.stack([base, swap78])[None]) == 0.0
    expected = abs(1 / 7 - 1 / 8) / 7 + abs(1 / 8 - 1 / 7) / 8
    assert zipf_distance(np.stack([base, swap78])[None]) == pytest.approx(expected)
    # the top class drops to rank 10: σ(1) = 10 and ranks 2..10 move up by one
    drop = _scores_from_order([1, 2, 3, 4, 5, 6, 7, 8, 9, 0])
    # |0 − 5| + |1 − 0| + |2 − 1| + |3 − 2| + |4 − 3| = 9
    assert top5_distance(np.stack([base, drop])[None]) == 9.0


def _paper_top5(tau1, tau2):
    """[H19]'s definition, literally: Σ_{i≤5} Σ_{j=min(i,σ(i))+1}^{max(i,σ(i))} 1(1 ≤ j−1 ≤ 5)."""
    order1 = sorted(range(len(tau1)), key=lambda c: tau1[c])  # classes by rank in frame 1
    total = 0
    for i in range(1, 6):
        sigma = tau2[order1[i - 1]]
        for j in range(min(i, sigma) + 1, max(i, sigma) + 1):
            total += 1 <= j - 1 <= 5
    return total


def _paper_zipf(tau1, tau2):
    order1 = sorted(range(len(tau1)), key=lambda c: tau1[c])
    return sum(abs(1 / i - 1 / tau2[order1[i - 1]]) / i for i in range(1, len(tau1) + 1))


def test_distances_match_the_paper_definitions_on_random_rankings():
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(20, 6, 10))
    ranks = rankdata(-scores, axis=-1, method="ordinal")
    for first in (False, True):
        top5, zipf = [], []
        for seq in ranks:
            for j in range(1, len(seq)):
                ref = seq[0] if first else seq[j - 1]
                top5.append(_paper_top5(ref.tolist(), seq[j].tolist()))
                zipf.append(_paper_zipf(ref.tolist(), seq[j].tolist()))
        assert top5_distance(scores, first=first) == pytest.approx(np.mean(top5), rel=1e-12)
        assert zipf_distance(scores, first=first) == pytest.approx(np.mean(zipf), rel=1e-12)


def test_ranks_match_scipy_ordinal_with_ties():
    scores = np.array([[0.2, 0.5, 0.2, 0.5, 0.1], [1, 1, 1, 1, 1]], dtype=float)
    expected = rankdata(-scores, axis=-1, method="ordinal")
    np.testing.assert_array_equal(ranks_from_scores(scores), expected)


def test_noise_perturbations_compare_with_the_first_frame():
    # top-1 class: 0, 1, 1 → consecutive: 1 flip of 2; against frame 1: 2 of 2
    scores = [[[2.0, 1.0], [1.0, 2.0], [1.0, 2.0]]]
    assert stability_scores(scores, "rotate")["flip_probability"] == 0.5
    assert stability_scores(scores, "gaussian_noise")["flip_probability"] == 1.0
    # the push-pull release compared consecutive frames for every perturbation
    assert (
        stability_scores(scores, "gaussian_noise", convention="released")["flip_probability"] == 0.5
    )
    assert all(compare_to_first(name) for name in NOISE_PERTURBATIONS)
    assert not any(compare_to_first(n) for n in PERTURBATIONS if n not in NOISE_PERTURBATIONS)
    with pytest.raises(ValueError, match="convention"):
        compare_to_first("rotate", "other")


def _dataset(fp, t5, zd, names=("rotate", "scale"), model="m"):
    return stability_dataset(
        {
            n: {"flip_probability": a, "top5_distance": b, "zipf_distance": c}
            for n, a, b, c in zip(names, fp, t5, zd, strict=True)
        },
        attrs={"model": model},
    )


def test_stability_metrics_plain_and_normalised():
    model = _dataset([0.1, 0.3], [1.0, 2.0], [0.2, 0.4])
    reference = _dataset([0.2, 0.6], [4.0, 2.0], [0.2, 0.8], model="AlexNet")
    plain = stability_metrics(model)
    assert plain.attrs["normalised"] == 0
    assert float(plain.mFP) == pytest.approx(0.2)
    assert float(plain.mT5D) == pytest.approx(1.5)
    assert float(plain.mZD) == pytest.approx(0.3)
    normalised = stability_metrics(model, reference)
    assert normalised.attrs["normalised"] == 1 and normalised.attrs["reference"] == "AlexNet"
    np.testing.assert_allclose(normalised.FP.values, [50.0, 50.0])
    # a mean of ratios: (25 + 100)/2, not 100·1.5/3
    assert float(normalised.mT5D) == pytest.approx(62.5)
    assert float(normalised.mZD) == pytest.approx(75.0)
    assert normalised.mFP.attrs["units"] == "% of reference"
    # the reference scores 100 against itself, and the files survive netCDF
    assert float(stability_metrics(reference, reference).mFP) == 100.0
    assert isinstance(xr.Dataset.from_dict(normalised.to_dict()), xr.Dataset)


def test_stability_metrics_errors():
    model = _dataset([0.1, 0.3], [1.0, 2.0], [0.2, 0.4])
    with pytest.raises(TypeError, match=r"xarray\.Dataset"):
        stability_metrics({"flip_probability": 0.1})
    with pytest.raises(ValueError, match="no scores for the perturbations"):
        stability_metrics(model, _dataset([0.1], [1.0], [0.1], names=("rotate",)))
    with pytest.raises(ValueError, match="zero"):
        stability_metrics(model, _dataset([0.0, 0.3], [1.0, 2.0], [0.2, 0.4]))
    with pytest.raises(ValueError, match="fractions"):
        stability_metrics(_dataset([10.0, 30.0], [1.0, 2.0], [0.2, 0.4]))
    with pytest.raises(ValueError, match="at least T = 2"):
        flip_probability([[1]])


# --------------------------------------------------------------------------------------------
# sequences
# --------------------------------------------------------------------------------------------


def _levels(shape, seed=0):
    return np.floor(np.random.default_rng(seed).random(shape) * 256).clip(0, 255) / 255


@pytest.mark.parametrize("name", PERTURBATIONS)
def test_sequence_length_and_range(name):
    images = _levels((2, 3, 32, 32))
    frames = perturbation_sequence(images, name, seed=0)
    assert frames.shape == (2, SEQUENCE_LENGTHS[name], 3, 32, 32)
    assert frames.min() >= 0 and frames.max() <= 1
    # every frame lies on the 8-bit grid, as the released uint8 files
    np.testing.assert_allclose(frames * 255, np.round(frames * 255), atol=1e-9)
    # and the sequence really changes from frame to frame
    assert np.abs(np.diff(frames, axis=1)).max() > 0


def test_gaussian_noise_frames_are_independent_draws_around_the_clean_image():
    clean = np.full((40, 1, 32, 32), 128 / 255)
    frames = perturbation_sequence(clean, "gaussian_noise", seed=1)
    np.testing.assert_array_equal(frames[:, 0], clean)  # frame 0 is the clean image
    residual = (frames[:, 1:] - clean[:, None]).reshape(40, 30, -1)
    # truncation to a grey level lowers the mean by half a level; the spread is σ = 0.02
    # (plus the level's uniform rounding error, variance 1/(12·255²)) at every frame: a
    # random walk would grow as sqrt(t)
    spread = residual.std(axis=(0, 2))
    expected = math.sqrt(0.02**2 + 1 / (12 * 255**2))
    np.testing.assert_allclose(spread, expected, rtol=0.03)
    assert residual.mean() == pytest.approx(-0.5 / 255, abs=2e-4)
    # different frames' noise is uncorrelated, so consecutive frames differ by sqrt(2)·σ
    corr = np.corrcoef(residual.transpose(1, 0, 2).reshape(30, -1))
    off_diagonal = corr[~np.eye(30, dtype=bool)]
    assert np.abs(off_diagonal).max() < 0.02
    steps = np.diff(frames[:, 1:], axis=1).std()
    assert steps == pytest.approx(math.sqrt(2) * expected, rel=0.03)


def test_shot_and_speckle_noise_spread():
    clean = np.full((20, 1, 32, 32), 0.4)
    shot = perturbation_sequence(clean, "shot_noise", seed=2)[:, 1:]
    # Poisson(λx)/λ has variance x/λ with λ = 700 photons at level 1
    assert shot.std() == pytest.approx(math.sqrt(0.4 / 700), rel=0.05)
    speckle = perturbation_sequence(clean, "speckle_noise", level=3, seed=2)[:, 1:]
    # x·(1 + σN): standard deviation x·σ, σ = 0.10 at level 3
    assert speckle.std() == pytest.approx(0.4 * 0.10, rel=0.05)


def test_translate_is_an_integer_shift_with_black_fill():
    images = _levels((2, 3, 32, 32))
    frames = perturbation_sequence(images, "translate")
    for i in range(16):
        shift = i - 7
        expected = np.zeros_like(images)
        if shift >= 0:
            expected[..., shift:] = images[..., : 32 - shift]
        else:
            expected[..., :shift] = images[..., -shift:]
        np.testing.assert_array_equal(frames[:, i], expected)


def test_middle_frames_of_the_geometric_perturbations_are_the_image():
    images = _levels((2, 3, 32, 32), seed=4)
    for name in ("rotate", "scale", "shear"):
        np.testing.assert_array_equal(perturbation_sequence(images, name)[:, 15], images)


def _uint8(frames):
    """Frames (N, T, C, H, W) in [0, 1] as the release's uint8 (N, T, H, W, C)."""
    return np.round(frames * 255).astype(np.uint8).transpose(0, 1, 3, 4, 2)


def test_brightness_frames_are_the_release_hsv_shift():
    # the release's brightness(x, c), literally, with scikit-image's HSV conversions: its
    # middle frame (c = 0) is the HSV round trip, which truncates some values one level down
    color = pytest.importorskip("skimage.color")
    images = _levels((2, 3, 32, 32), seed=4)
    frames = _uint8(perturbation_sequence(images, "brightness"))
    for k, img in enumerate(_uint8(images[:, None])[:, 0]):
        for i in range(31):
            x = color.rgb2hsv(np.array(img, copy=True) / 255.0)
            x[:, :, 2] = np.clip(x[:, :, 2] + (i - 15) * 1.5 / 100.0, 0, 1)
            np.testing.assert_array_equal(frames[k, i], np.uint8(color.hsv2rgb(x) * 255))
    middle = frames[:, 15].astype(int) - _uint8(images[:, None])[:, 0]
    assert middle.max() == 0 and middle.min() == -1


def test_rotation_is_clockwise_about_the_image_centre():
    # torchvision 0.2 (which made the files) rotated clockwise on screen about pixel (16, 16):
    # (row 8, col 16), 8 px above the centre, goes to (row 16, col 24) at 90 degrees
    levels = np.zeros((1, 1, 32, 32))
    levels[0, 0, 8, 16] = 255
    out = _affine_levels(levels, angle=90, bilinear=False)
    assert np.argwhere(out[0, 0] == 255).tolist() == [[16, 24]]


def test_tilt_without_tilt_is_the_release_homography():
    # the release's camera sits at focal length f = sqrt(w² + h²) behind the tilted plane, so
    # even its middle frame shrinks the image about (w/2, h/2) by f/(1 + f)
    h = _tilt_homography(32, 32, 0.0)
    focal = math.hypot(32, 32)
    for x, y in [(0, 0), (31, 5), (16, 16), (7, 29)]:
        p = h @ np.array([x, y, 1.0])
        assert p[0] / p[2] == pytest.approx(16 + (x - 16) * focal / (1 + focal))
        assert p[1] / p[2] == pytest.approx(16 + (y - 16) * focal / (1 + focal))


def test_brightness_shifts_the_hsv_value_by_hand():
    grey = np.full((1, 3, 4, 4), 100 / 255)
    frames = perturbation_sequence(grey, "brightness")
    for i in (0, 10, 30):
        level = math.floor(255 * (100 / 255 + 0.015 * (i - 15)) + 1e-3)
        np.testing.assert_allclose(frames[0, i] * 255, level)


def _release_constant_levels(name, level):
    """The release's frame levels for a constant image of ``level``, with its own libraries.

    ImageMagick's motion blur keeps the level; scikit-image's Gaussian (float64, weights
    summing to 1 within rounding) and the float32 torch mean of the zoom blur are truncated
    to uint8, which puts some frames one level below.
    """
    length = SEQUENCE_LENGTHS[name]
    if name == "motion_blur":
        return np.full(length, level)
    if name == "gaussian_blur":
        filters = pytest.importorskip("skimage.filters")
        img = np.full((32, 32, 3), level, dtype=np.uint8)
        return np.array(
            [
                np.uint8(
                    255
                    * filters.gaussian(
                        img / 255.0, sigma=0.3 + 0.015 * i, channel_axis=-1, truncate=7.0
                    )
                )[0, 0, 0]
                for i in range(length)
            ]
        )
    torch = pytest.importorskip("torch")
    # zoom_blur: the zoomed frames of a constant image are the constant (Pillow, zoom ≥ 1)
    x = torch.full((3, 32, 32), level, dtype=torch.uint8).float().div(255)
    avg, out = x.clone(), [level]
    for i in range(1, length):
        avg += x
        out.append(int((avg / (i + 1)).mul(255).byte()[0, 0, 0]))
    return np.array(out)


@pytest.mark.parametrize("name", ["gaussian_blur", "zoom_blur", "motion_blur"])
def test_blurs_keep_a_constant_image_constant(name):
    constant = np.full((1, 3, 32, 32), 77 / 255)
    frames = perturbation_sequence(constant, name)
    expected = _release_constant_levels(name, 77)
    assert set(expected.tolist()) <= {76, 77}
    expected = np.broadcast_to(expected[None, :, None, None, None], frames.shape)
    np.testing.assert_allclose(frames * 255, expected, atol=1e-9)


@pytest.mark.parametrize("name", ["snow", "spatter"])
def test_weather_only_brightens(name):
    images = _levels((2, 3, 32, 32), seed=5)
    frames = perturbation_sequence(images, name, seed=0)
    if name == "spatter":
        assert np.all(frames >= images[:, None] - 1e-12)
        return
    # snow: the release's whitening 0.85·x + (1 − 0.85)·max(x, 1.5·grey + 0.5) is x itself
    # where x is the larger, but rounds one ulp below it for some levels, which the uint8
    # truncation turns into one level less; everywhere else snow only brightens
    cv2 = pytest.importorskip("cv2")
    for k, img in enumerate(_uint8(images[:, None])[:, 0]):
        x = np.array(img) / 255.0
        grey = cv2.cvtColor(np.float32(x), cv2.COLOR_RGB2GRAY).reshape(32, 32, 1)
        whitened = np.uint8(
            np.clip(0.85 * x + (1 - 0.85) * np.maximum(x, grey * 1.5 + 0.5), 0, 1) * 255
        )
        floor = np.minimum(img, whitened).transpose(2, 0, 1) / 255.0
        assert np.all(frames[k] >= floor[None] - 1e-12)
        assert np.all(frames[k] >= images[k, None] - 1 / 255 - 1e-12)


def test_spatter_is_the_release_code_with_opencv():
    # the release's spatter sequence, literally (OpenCV, scikit-image's Gaussian, np.convolve
    # down the columns), from the same liquid draws: one normal (32, 32) per image, in order
    cv2 = pytest.importorskip("cv2")
    filters = pytest.importorskip("skimage.filters")
    images = _levels((3, 3, 32, 32), seed=6)
    frames = _uint8(perturbation_sequence(images, "spatter", seed=7))
    rng = np.random.default_rng(7)
    for k, img in enumerate(_uint8(images[:, None])[:, 0]):
        x = cv2.cvtColor(np.array(img, dtype=np.float32) / 255.0, cv2.COLOR_BGR2BGRA)
        liquid_layer = rng.normal(size=x.shape[:2], loc=0.6, scale=0.265)
        liquid_layer = filters.gaussian(liquid_layer, sigma=1.75)
        liquid_layer[liquid_layer < 0.7] = 0
        for i in range(31):
            liquid_layer_i = (liquid_layer * 255).astype(np.uint8)
            dist = 255 - cv2.Canny(liquid_layer_i, 50, 150)
            dist = cv2.distanceTransform(dist, cv2.DIST_L2, 5)
            _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
            dist = cv2.blur(dist, (3, 3)).astype(np.uint8)
            dist = cv2.equalizeHist(dist)
            ker = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
            dist = cv2.filter2D(dist, cv2.CV_8U, ker)
            dist = cv2.blur(dist, (3, 3)).astype(np.float32)
            m = cv2.cvtColor(liquid_layer_i * dist, cv2.COLOR_GRAY2BGRA)
            m /= np.max(m, axis=(0, 1))
            m *= 0.6
            ones = np.ones_like(m[..., :1])
            color = np.concatenate((175 / 255.0 * ones, 238 / 255.0 * ones, 238 / 255.0 * ones), 2)
            color = cv2.cvtColor(color, cv2.COLOR_BGR2BGRA)
            z = np.uint8(cv2.cvtColor(np.clip(x + m * color, 0, 1), cv2.COLOR_BGRA2BGR) * 255)
            liquid_layer = np.apply_along_axis(
                lambda mat: np.convolve(mat, np.array([0.2, 0.8]), mode="same"),
                axis=0,
                arr=liquid_layer,
            )
            np.testing.assert_array_equal(frames[k, i], z, err_msg=f"image {k}, frame {i}")


def test_gaussian_blur_is_the_release_scikit_image_call():
    filters = pytest.importorskip("skimage.filters")
    images = _levels((2, 3, 32, 32), seed=8)
    frames = _uint8(perturbation_sequence(images, "gaussian_blur"))
    for k, img in enumerate(_uint8(images[:, None])[:, 0]):
        for i in range(31):
            blurred = filters.gaussian(
                np.array(img, copy=True) / 255.0,
                sigma=0.3 + 0.015 * i,
                channel_axis=-1,
                truncate=7.0,
            )
            np.testing.assert_array_equal(frames[k, i], np.uint8(255 * blurred))


def test_tilt_stand_in_is_within_a_grey_level_of_opencv():
    # with OpenCV the tilt frames are its warpPerspective; the SciPy stand-in (used without
    # OpenCV) has unrounded bilinear weights where OpenCV's are in 1/32 px
    pytest.importorskip("cv2")
    from v1pushpull.perturbations import _warp_perspective, _warp_perspective_scipy

    levels = _uint8(_levels((4, 3, 32, 32), seed=9)[:, None])[:, 0]
    for i in range(31):
        homography = _tilt_homography(32, 32, 0.75 * (i - 15))
        exact = _warp_perspective(levels, homography).astype(int)
        stand_in = _warp_perspective_scipy(levels, homography).astype(int)
        assert np.abs(exact - stand_in).max() <= 1
        assert np.mean(exact != stand_in) < 1e-3


def test_without_opencv_spatter_is_unchanged_and_tilt_within_a_level(monkeypatch):
    pytest.importorskip("cv2")
    from v1pushpull import corruptions

    images = _levels((2, 3, 32, 32), seed=10)
    with_cv2 = {n: perturbation_sequence(images, n, seed=3) for n in ("spatter", "tilt")}
    monkeypatch.setattr(corruptions, "_cv2", None)
    # the NumPy water drops reproduce OpenCV's arithmetic
    np.testing.assert_array_equal(
        perturbation_sequence(images, "spatter", seed=3), with_cv2["spatter"]
    )
    stand_in = perturbation_sequence(images, "tilt")
    assert np.abs(stand_in - with_cv2["tilt"]).max() <= 1 / 255 + 1e-12


def test_sequence_errors():
    images = _levels((1, 3, 8, 8))
    with pytest.raises(ValueError, match="CIFAR-10-P names"):
        perturbation_sequence(images, "saturate")
    with pytest.raises(ValueError, match="harder levels"):
        perturbation_sequence(images, "rotate", level=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        perturbation_sequence(images * 255, "rotate")
    with pytest.raises(ValueError, match="C = 1"):
        perturbation_sequence(np.zeros((1, 2, 8, 8)), "rotate")


def test_reader_layout(tmp_path):
    folder = tmp_path / "CIFAR-10-P"
    folder.mkdir()
    raw = np.random.default_rng(0).integers(0, 256, (4, 16, 32, 32, 3), dtype=np.uint8)
    np.save(folder / "translate.npy", raw)
    np.save(folder / "labels.npy", np.arange(4))
    sequences, labels = load_cifar10p(tmp_path, "translate")
    assert sequences.shape == (4, 16, 3, 32, 32) and sequences.dtype == np.float32
    np.testing.assert_array_equal(sequences[2, 5, 1] * 255, raw[2, 5, :, :, 1])
    np.testing.assert_array_equal(labels, np.arange(4))
    mapped, _ = load_cifar10p(folder, "translate", mmap=True)
    assert isinstance(mapped, np.memmap) and mapped.shape == raw.shape
    np.save(folder / "rotate.npy", raw[:, 0])
    with pytest.raises(ValueError, match=r"\(N, T, H, W, 3\)"):
        load_cifar10p(tmp_path, "rotate")
    with pytest.raises(FileNotFoundError, match="zenodo"):
        load_cifar10p(tmp_path, "shear")


# --------------------------------------------------------------------------------------------
# evaluation of a torch model (v1pushpull.torch.stability_eval)
# --------------------------------------------------------------------------------------------


def _pixel_images(n=3):
    """Black images with one white pixel in row 10, column 16."""
    images = np.zeros((n, 3, 32, 32))
    images[:, :, 10, 16] = 1.0
    return images


def _column_model():
    """Logit of class c = brightness of column c: the top class is the bright pixel's column."""
    torch = pytest.importorskip("torch")

    class ColumnSums(torch.nn.Module):
        def forward(self, x):
            return x.sum(dim=(1, 2))

    return ColumnSums()


def test_evaluation_of_a_model_with_known_flips(tmp_path):
    torch = pytest.importorskip("torch")
    from v1pushpull.torch.stability_eval import evaluate_stability

    images = _pixel_images()
    model = _column_model()
    # translate moves the pixel one column per frame, staying inside (columns 9 … 24): the
    # top class changes at every frame
    result = evaluate_stability(model, images, ["translate", "gaussian_noise"], device="cpu")
    assert float(result.flip_probability.sel(perturbation="translate")) == 1.0
    assert result.frames.sel(perturbation="translate") == 16
    # σ = 0.02 noise on a black image with one white pixel never moves the brightest column
    assert float(result.flip_probability.sel(perturbation="gaussian_noise")) == 0.0
    assert result.attrs["normalised"] == 0
    assert float(result.mFP) == pytest.approx(0.5)
    # a model blind to its input never flips and keeps its ranking
    blind = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 10))
    with torch.no_grad():
        blind[1].weight.zero_()
        blind[1].bias.copy_(torch.arange(10.0))
    flat = evaluate_stability(blind, images, ["rotate"], device="cpu")
    assert float(flat.flip_probability[0]) == 0.0 and float(flat.top5_distance[0]) == 0.0

    # the same sequences written in the release's layout give the same scores from the files
    folder = tmp_path / "CIFAR-10-P"
    folder.mkdir()
    frames = perturbation_sequence(images, "translate")
    raw = np.round(frames * 255).astype(np.uint8).transpose(0, 1, 3, 4, 2)  # (N, T, H, W, 3)
    np.save(folder / "translate.npy", raw)
    np.save(folder / "labels.npy", np.zeros(3, dtype=np.int64))
    from_files = evaluate_stability(model, tmp_path, ["translate"], device="cpu", batch_size=2)
    for key in ("flip_probability", "top5_distance", "zipf_distance"):
        assert float(from_files[key][0]) == float(result[key].sel(perturbation="translate"))
    assert from_files.attrs["perturbed_data"].startswith("CIFAR-10-P files")
