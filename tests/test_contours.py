"""Contour detection and its evaluation: thinning, hysteresis, BSDS-style matching, ODS/OIS
on hand-made cases, and the BSDS500 ground-truth reader on files in that exact format."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.io
from skimage.filters import apply_hysteresis_threshold

import v1pushpull.contours as contours_module
from v1pushpull.cells import CORFCell, PushPullCell
from v1pushpull.contours import (
    RELEASED_ORIENTATIONS,
    BSDSGroundTruth,
    boundary_counts,
    contour_scores,
    contour_threshold,
    detect_contours,
    detect_corf_contours,
    evaluate_contours,
    hysteresis_threshold,
    match_boundaries,
    non_maximum_suppression,
    orientation_maximum,
    read_bsds_ground_truth,
    rescale_min_max,
    rgb_to_gray,
)


def test_orientation_maximum(backend, rng):
    responses = rng.random((2, 5, 8, 9))
    orientations = np.linspace(0, np.pi, 5, endpoint=False)
    strength, orientation = orientation_maximum(backend.asarray(responses), orientations)
    np.testing.assert_allclose(backend.to_numpy(strength), responses.max(axis=1))
    np.testing.assert_allclose(
        backend.to_numpy(orientation), orientations[responses.argmax(axis=1)]
    )
    with pytest.raises(ValueError, match="orientation channels"):
        orientation_maximum(responses, orientations[:3])


@pytest.mark.parametrize("degrees", [0, 45, 90, 135, 180, 225])
def test_nms_keeps_the_ridge_across_each_direction(degrees, backend):
    """A ridge profile across direction θ (a line along the contour) thins to the ridge."""
    theta = math.radians(degrees)
    y, x = np.mgrid[:31, :31] - 15
    # rounded so that mirror-image pixels get bit-identical strengths (exact ties)
    across = x * round(math.cos(theta), 12) + y * round(math.sin(theta), 12)
    strength = np.exp(-(across**2) / 8.0)
    thinned = non_maximum_suppression(
        backend.asarray(strength), backend.asarray(np.full_like(strength, theta))
    )
    kept = backend.to_numpy(thinned) > 0
    on_ridge = np.abs(across) < 1e-9
    # the outermost pixels have a neighbour outside the image, which counts as 0
    np.testing.assert_array_equal(kept[1:-1, 1:-1], on_ridge[1:-1, 1:-1])


def test_nms_plateau_keeps_one_pixel():
    strength = np.tile([0.0, 1.0, 2.0, 2.0, 1.0, 0.0], (4, 1))
    thinned = non_maximum_suppression(strength, np.zeros_like(strength))
    assert np.count_nonzero(thinned[1]) == 1 and thinned[1, 2] == 2.0


def test_hysteresis_matches_skimage_without_diagonal_links(rng):
    """Random runs on even rows only: no two components touch diagonally, so 8- and
    4-connectivity agree and the result must equal scikit-image's."""
    image = rng.random((40, 60)) * (rng.random((40, 60)) < 0.7)
    image[1::2] = 0.0
    ours = hysteresis_threshold(image, high=0.8, low_ratio=0.5)
    expected = apply_hysteresis_threshold(image, 0.4, 0.8)
    np.testing.assert_array_equal(ours, expected)
    assert 0 < ours.sum() < (image > 0.4).sum()


def test_hysteresis_links_diagonal_contours():
    image = np.zeros((6, 6))
    image[np.arange(6), np.arange(6)] = [1.0, 0.6, 0.6, 0.6, 0.6, 0.1]
    edges = hysteresis_threshold(image, high=1.0)
    np.testing.assert_array_equal(np.diag(edges), [1, 1, 1, 1, 1, 0])
    assert not apply_hysteresis_threshold(image, 0.5, 0.99)[1, 1]  # 4-connected: broken


def test_default_high_keeps_the_strongest_ten_percent(backend):
    image = np.zeros((20, 20))
    image[::2, ::2] = np.arange(1.0, 101.0).reshape(10, 10)  # 100 isolated pixels
    edges = hysteresis_threshold(backend.asarray(image))
    result = backend.to_numpy(edges)
    assert result.dtype == bool and result.sum() == 10
    assert np.all(image[result] >= 91)
    batch = hysteresis_threshold(np.stack([image, 2 * image]), keep_fraction=0.2)
    assert batch.shape == (2, 20, 20) and batch.sum(axis=(1, 2)).tolist() == [20, 20]


def test_hysteresis_invalid_inputs():
    with pytest.raises(ValueError, match="low_ratio"):
        hysteresis_threshold(np.ones((4, 4)), low_ratio=1.5)
    with pytest.raises(ValueError, match="keep_fraction"):
        hysteresis_threshold(np.ones((4, 4)), keep_fraction=0.0)
    with pytest.raises(ValueError, match="high"):
        hysteresis_threshold(np.ones((4, 4)), high=-1.0)


def test_detect_contours_of_a_square(backend):
    image = np.full((96, 96), 0.2)
    image[28:68, 28:68] = 0.8
    orientations = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    cell = PushPullCell(CORFCell())
    responses = cell.response(backend.asarray(image, "float32"), orientations)
    contours = detect_contours(responses, orientations)
    edges = backend.to_numpy(contours.edges)
    truth = np.zeros_like(edges)
    truth[28:68, [28, 67]] = True
    truth[[28, 67], 28:68] = True
    precision, recall, _ = contour_scores(edges, truth, max_distance=0.02)
    assert precision > 0.9 and recall > 0.5
    np.testing.assert_allclose(
        backend.to_numpy(contours.strength), backend.to_numpy(responses).max(axis=0)
    )


# --- the released convention (CORFContourDetection), on hand-made cases -------------------
# Reference data of the released code: tests/test_contours_reference.py.


def theta_of(theta_m_degrees: float) -> float:
    """This library's θ of the released θ_m (degrees, y axis up): θ = (π − θ_m) mod 2π."""
    return float(np.mod(np.pi - np.radians(theta_m_degrees), 2 * np.pi))


def test_conventions_are_checked():
    image = np.ones((4, 4))
    with pytest.raises(ValueError, match="convention must be 'corrected' or 'released'"):
        detect_contours(image[None], [0.0], convention="matlab")
    with pytest.raises(ValueError, match="convention"):
        hysteresis_threshold(image, convention="Released")
    with pytest.raises(ValueError, match="low_ratio must be < 1"):
        hysteresis_threshold(image, 0.5, low_ratio=1.0, convention="released")
    with pytest.raises(ValueError, match="high must be > 0"):
        hysteresis_threshold(image, 0.0, convention="released")


def test_released_orientations():
    """θ_m = 0:22.5:337.5 in the released order, mapped with θ = (π − θ_m) mod 2π: the
    released θ_m = 0 cell prefers a vertical edge bright on the left, this library's θ = π."""
    np.testing.assert_allclose(np.degrees(RELEASED_ORIENTATIONS[:3]), [180.0, 157.5, 135.0])
    back = np.mod(np.pi - RELEASED_ORIENTATIONS, 2 * np.pi)
    np.testing.assert_array_equal(back, (np.arange(16) * 22.5 * np.pi) / 180)


def test_rgb_to_gray_uses_matlab_weights_not_scikit_image():
    """MATLAB's weights are the luma row of the inverse of the NTSC RGB→YIQ matrix."""
    yiq_to_rgb = np.array([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.106, 1.703]])
    expected = np.linalg.inv(yiq_to_rgb)[0]
    gray = rgb_to_gray(np.eye(3)[:, None, :])[:, 0]
    np.testing.assert_allclose(gray, expected, atol=1e-14)
    skimage_color = pytest.importorskip("skimage.color")
    assert not np.allclose(gray, skimage_color.rgb2gray(np.eye(3)[:, None, :])[:, 0], atol=0.05)
    with pytest.raises(ValueError, match="3 colour channels"):
        rgb_to_gray(np.zeros((4, 4, 4)))


def test_rescale_min_max_per_image(backend):
    images = np.stack([np.linspace(2.0, 4.0, 12).reshape(3, 4), np.full((3, 4), 0.3)])
    result = backend.to_numpy(rescale_min_max(backend.asarray(images)))
    np.testing.assert_allclose(result[0], (images[0] - 2.0) / 2.0, atol=1e-15)
    np.testing.assert_array_equal(result[1], 1.0)  # a constant image becomes all ones


def test_released_maximum_takes_magnitudes_and_the_first_channel_on_ties():
    responses = np.zeros((3, 1, 3))
    responses[:, 0, 0] = [0.2, -0.5, 0.5]  # |−0.5| ties with 0.5: the earlier channel wins
    responses[:, 0, 1] = [0.1, 0.3, 0.3]
    strength, orientation = orientation_maximum(responses, [0.0, 1.0, 2.0], convention="released")
    assert strength.tolist() == [[0.5, 0.3, 0.0]]
    assert orientation.tolist() == [[1.0, 1.0, 0.0]]  # all-zero pixel: the first channel


def released_thinned_centre(neighbourhood: np.ndarray, theta_m_degrees: float) -> float:
    """The released thinning of the centre of a 3 × 3 neighbourhood at one θ_m."""
    orientation = np.full((3, 3), theta_of(theta_m_degrees))
    return float(non_maximum_suppression(neighbourhood, orientation, convention="released")[1, 1])


def test_released_thinning_interpolates_between_neighbours():
    """θ_m = 22.5°: f = 0.5, the centre is compared with (E + NE)/2 and (W + SW)/2."""
    neighbourhood = np.zeros((3, 3))
    neighbourhood[1, 1] = 1.0
    neighbourhood[1, 2] = 1.2  # E
    neighbourhood[0, 2] = 0.6  # NE: (1.2 + 0.6)/2 = 0.9 ≤ 1, kept
    assert released_thinned_centre(neighbourhood, 22.5) == 1.0
    neighbourhood[0, 2] = 1.0  # (1.2 + 1.0)/2 = 1.1 > 1, suppressed
    assert released_thinned_centre(neighbourhood, 22.5) == 0.0
    assert released_thinned_centre(neighbourhood, 0.0) == 0.0  # E alone: 1.2 > 1
    # θ_m = 90° (and 270°, the same axis mod π): N and S only
    assert released_thinned_centre(neighbourhood, 90.0) == 1.0
    assert released_thinned_centre(neighbourhood, 270.0) == 1.0
    neighbourhood[2, 1] = 1.5  # S
    assert released_thinned_centre(neighbourhood, 90.0) == 0.0
    # θ_m = 135°: NW and SE; 157.5°: (NW + W)/2 and (SE + E)/2 = (0 + 1.2)/2
    assert released_thinned_centre(neighbourhood, 135.0) == 1.0
    neighbourhood[1, 2] = 2.4
    assert released_thinned_centre(neighbourhood, 157.5) == 0.0


def test_released_thinning_keeps_plateaus_and_pads_with_zeros():
    """≥ both neighbours: a two-pixel plateau keeps both pixels (the corrected thinning keeps
    one); the border pixels are compared with zeros outside."""
    strength = np.tile([0.0, 1.0, 2.0, 2.0, 1.0, 0.0], (4, 1))
    across = np.full_like(strength, theta_of(0.0))
    thinned = non_maximum_suppression(strength, across, convention="released")
    assert thinned[1].tolist() == [0.0, 0.0, 2.0, 2.0, 0.0, 0.0]
    corrected = non_maximum_suppression(strength, np.zeros_like(strength))
    assert np.count_nonzero(corrected[1]) == 1
    border = np.zeros((3, 3))
    border[:, 0] = 1.0  # a column at the left border: W is outside, 0
    kept = non_maximum_suppression(border, np.full((3, 3), theta_of(0.0)), convention="released")
    assert kept[:, 0].tolist() == [1.0, 1.0, 1.0]


def test_released_threshold_rule_by_hand(backend):
    """100 values 0.001, 0.002, ..., 0.1; bin j (1-based) of the 64-bin imhist ends at
    (2j − 1)/126: cumulative counts 7, 23, 39, 55, 71, 87, 100, so with p = 0.1 the first
    count > 90 is bin 7 and high = 7/64 = 0.109: above every value, so no pixel is a seed.
    With p = 0.3 the first count > 70 is bin 5: high = 5/64."""
    thinned = backend.asarray(np.linspace(0.0, 0.1, 101).reshape(1, 101))
    assert float(contour_threshold(thinned, convention="released")) == 7 / 64
    assert float(contour_threshold(thinned, 0.3, convention="released")) == 5 / 64
    assert not backend.to_numpy(hysteresis_threshold(thinned, convention="released")).any()
    # the corrected rule keeps the strongest 10 %: the higher 0.9 quantile, 0.091
    assert float(contour_threshold(thinned)) == pytest.approx(0.091)
    empty = np.zeros((2, 4, 4))
    assert np.isnan(contour_threshold(empty, convention="released")).all()
    assert not hysteresis_threshold(empty, convention="released").any()


def kovesi_by_stack(image: np.ndarray, high: float, low: float) -> np.ndarray:
    """Kovesi's hysthresh written from its stated rule, one pixel at a time: a stack of
    1-based column-major indices v, seeded with the pixels ≥ high; a popped v with
    rows + 1 < v < rows·cols − rows marks and pushes each unmarked v + o, o in
    (±1, ±rows, ±rows ± 1), whose value is > low."""
    rows, cols = image.shape
    values = image.ravel(order="F")
    marked = values >= high
    stack = [int(i) + 1 for i in np.flatnonzero(marked)]
    offsets = (-1, 1, -rows - 1, -rows, -rows + 1, rows - 1, rows, rows + 1)
    while stack:
        v = stack.pop()
        if rows + 1 < v < rows * cols - rows:
            for offset in offsets:
                u = v + offset
                if not marked[u - 1] and values[u - 1] > low:
                    marked[u - 1] = True
                    stack.append(u)
    return marked.reshape(rows, cols, order="F")


@pytest.mark.parametrize("shape", [(7, 9), (12, 5), (2, 6), (1, 8), (30, 40)])
def test_released_hysteresis_equals_the_stack(shape, rng):
    for _ in range(5):
        image = rng.random(shape) * (rng.random(shape) < 0.6)
        expected = kovesi_by_stack(image, 0.8, 0.4)
        result = hysteresis_threshold(image, 0.8, convention="released")
        np.testing.assert_array_equal(result, expected)


def released_hysteresis(image: np.ndarray) -> np.ndarray:
    return hysteresis_threshold(image, 1.0, convention="released").astype(int)


def test_released_hysteresis_first_and_last_columns_never_grow():
    image = np.zeros((5, 6))
    image[2, 0] = 1.0  # a seed in the first column ...
    image[2, 1] = 0.6  # ... does not grow into its neighbour
    image[1, 5] = 1.0  # nor a seed in the last column
    image[1, 4] = 0.6
    result = released_hysteresis(image)
    assert result[2].tolist() == [1, 0, 0, 0, 0, 0] and result[1].tolist() == [0] * 5 + [1]
    # the corrected (8-connected) hysteresis links both
    assert hysteresis_threshold(image, 1.0)[[2, 1], [1, 4]].all()
    # grown into from the second column, the first column is marked
    image = np.zeros((5, 6))
    image[2, 2], image[2, 1], image[2, 0] = 1.0, 0.6, 0.6
    assert released_hysteresis(image)[2].tolist() == [1, 1, 1, 0, 0, 0]


def test_released_hysteresis_first_pixel_of_column_two_and_last_of_column_w_minus_one():
    """v = rows + 1 (top pixel of column 2) and v = rows·cols − rows (bottom pixel of column
    W − 1) fail the strict bounds."""
    image = np.zeros((4, 5))
    image[0, 1], image[0, 2] = 1.0, 0.6  # top of column 2 (0-based column 1)
    image[3, 3], image[3, 2] = 1.0, 0.6  # bottom of column W − 1 (0-based column 3)
    result = released_hysteresis(image)
    assert result.sum() == 2 and result[0, 1] == 1 and result[3, 3] == 1
    image[0, 1], image[1, 1] = 0.0, 1.0  # one row lower, column 2 grows
    assert released_hysteresis(image)[0, 2] == 1


def test_released_hysteresis_wraps_between_columns():
    """Linear offsets ±1 wrap: the row above the top row is the bottom row one column to
    the left, the row below the bottom row is the top row one column to the right."""
    image = np.zeros((5, 6))
    image[0, 3] = 1.0  # top of column 3 (0-based)
    image[4, 2] = 0.6  # v − 1: the bottom of the previous column
    image[4, 1] = 0.6  # v − rows − 1: the bottom of the column before that
    result = released_hysteresis(image)
    assert result[4, 2] == 1 and result[4, 1] == 1 and result.sum() == 3
    image = np.zeros((5, 6))
    image[4, 2] = 1.0  # bottom of column 2
    image[0, 3] = 0.6  # v + 1: the top of the next column
    image[0, 2] = 0.6  # v − rows + 1: the top of its own column
    result = released_hysteresis(image)
    assert result[0, 3] == 1 and result[0, 2] == 1 and result.sum() == 3
    assert not hysteresis_threshold(image, 1.0)[0].any()  # 8-connected: not linked


def grating(contrast: float, degrees: float, size: int = 96) -> np.ndarray:
    """The reference data's grating (case 3): wavelength 14 px, origin off the pixel grid."""
    y, x = np.mgrid[:size, :size]
    theta = np.radians(degrees)
    phase = 2 * np.pi * ((x - 48.25) * np.cos(theta) + (y - 48.375) * np.sin(theta)) / 14
    return 0.5 * (1 + contrast * np.cos(phase))


@pytest.mark.parametrize("degrees", [0, 45, 90, 135])
def test_released_pipeline_is_independent_of_contrast(degrees, monkeypatch):
    """The released pipeline's only contrast normalisation is its min–max rescaling of the
    input; with a cell exactly proportional to contrast (the corrected CORF cell stands in
    for the released one, which is too), the contour map of a grating is the same at
    contrast 0.2 and 1. Without the rescaling its threshold k/64, absolute, would change."""
    monkeypatch.setattr(
        contours_module,
        "_released_cell",
        lambda sigma, shift, k: PushPullCell(CORFCell(sigma), inhibition_strength=k),
    )
    low, high = grating(0.2, degrees), grating(1.0, degrees)
    np.testing.assert_allclose(rescale_min_max(low), rescale_min_max(high), atol=1e-15)
    maps = [
        detect_corf_contours(image, high=1 / 64, convention="released") for image in (low, high)
    ]
    differ = int(np.sum(maps[0].edges != maps[1].edges))
    assert maps[1].edges.sum() > 1000
    # axis-aligned gratings: identical; oblique ones: the symmetric grating ties in the
    # interpolated thinning, and rounding (1e-16) breaks 1 tie in ~1800 differently
    assert differ == 0 if degrees in (0, 90) else differ <= 2
    thinned = [np.asarray(contours.thinned) for contours in maps]
    rule = [float(contour_threshold(t, convention="released")) for t in thinned]
    # the 64-bin rule: the thinned values of a grating crowd into one bin, whose k/64 lies
    # above all of them, so at the default p = 0.1 the released map of a grating is empty
    assert rule[0] == rule[1] > max(t.max() for t in thinned)
    # not rescaled, the same cell and post-processing: the threshold follows the contrast
    cell = PushPullCell(CORFCell())
    raw = [
        detect_contours(
            cell.response(image, RELEASED_ORIENTATIONS),
            RELEASED_ORIENTATIONS,
            convention="released",
        ).thinned
        for image in (low, high)
    ]
    raw_rule = [float(contour_threshold(t, convention="released")) for t in raw]
    assert raw_rule[0] < raw_rule[1]


def test_released_detect_contours_on_every_backend(backend, rng):
    """The released steps run on the host in float64; every backend gives the NumPy result,
    on its own device and in the responses' dtype."""
    responses = rng.random((16, 24, 32)) ** 4
    expected = detect_contours(responses, RELEASED_ORIENTATIONS, convention="released")
    assert 0 < expected.edges.sum() < (expected.thinned > 0).sum()
    result = detect_contours(
        backend.asarray(responses), RELEASED_ORIENTATIONS, convention="released"
    )
    for got, want in zip(result, expected, strict=True):
        np.testing.assert_array_equal(backend.to_numpy(got), want)
    assert result.thinned.dtype == backend.asarray(responses).dtype


def test_detect_corf_contours_checks_its_image():
    with pytest.raises(ValueError, match=r"\(H, W\) grey or \(H, W, 3\) RGB"):
        detect_corf_contours(np.zeros((2, 64, 64)))
    rgb = np.zeros((64, 64, 3))
    rgb[:, 32:] = [0.8, 0.6, 0.4]
    grey = rgb_to_gray(rgb)
    np.testing.assert_array_equal(detect_corf_contours(rgb).edges, detect_corf_contours(grey).edges)


def line_map(column: int, size: int = 100) -> np.ndarray:
    boundary = np.zeros((size, size), dtype=bool)
    boundary[:, column] = True
    return boundary


def test_identical_map_scores_one():
    truth = line_map(50) | np.eye(100, dtype=bool)
    assert contour_scores(truth, truth) == (1.0, 1.0, 1.0)


def test_shift_inside_and_outside_the_tolerance():
    # 100 × 100 px: tolerance 0.0075 × 141.4 = 1.06 px
    truth = line_map(50)
    assert contour_scores(line_map(51), truth) == (1.0, 1.0, 1.0)
    assert contour_scores(line_map(52), truth) == (0.0, 0.0, 0.0)
    assert contour_scores(line_map(52), truth, max_distance=0.015) == (1.0, 1.0, 1.0)


def test_matching_is_one_to_one():
    """A double line against a single one: only one of the two can be matched."""
    precision, recall, f_measure = contour_scores(line_map(50) | line_map(51), line_map(50))
    assert (precision, recall) == (0.5, 1.0)
    assert f_measure == pytest.approx(2 / 3)


def test_matching_is_maximum_not_greedy():
    """A is near X and Y, B near X only: a greedy A→X would leave B unmatched."""
    predicted = np.zeros((100, 100), bool)
    truth = np.zeros((100, 100), bool)
    predicted[50, 50] = predicted[50, 48] = True  # A at column 50, B at 48
    truth[50, 49] = truth[50, 51] = True  # X at 49 (near A and B), Y at 51 (near A)
    hit_predicted, hit_truth = match_boundaries(predicted, truth)
    assert hit_predicted.sum() == 2 and hit_truth.sum() == 2


def test_several_annotators():
    counts = boundary_counts(line_map(50), [line_map(50), line_map(20)])
    assert counts == {
        "matched_predicted": 100,
        "n_predicted": 100,
        "matched_truth": 100,
        "n_truth": 200,
    }
    assert contour_scores(line_map(50), np.stack([line_map(50), line_map(20)]))[:2] == (1.0, 0.5)


def test_empty_maps_score_zero():
    assert contour_scores(np.zeros((10, 10), bool), line_map(5, 10)) == (0.0, 0.0, 0.0)


def test_ods_and_ois_on_a_hand_made_pair():
    """Image A: true row at 1, 10 spurious pixels at 0.3; image B: the reverse. Hand-computed:
    t = 0.2 → P = 80/100, R = 1 (F = 0.889); t = 0.5 → P = 40/50, R = 40/80.
    OIS takes A at 0.5 and B at 0.2: P = 80/90, R = 1."""
    truth = np.zeros((60, 60), bool)
    truth[20, 10:50] = True
    spurious = np.zeros((60, 60), bool)
    spurious[45, 5:55:5] = True
    first = truth * 1.0 + spurious * 0.3
    second = truth * 0.3 + spurious * 1.0
    result = evaluate_contours([first, second], [[truth], [truth]], thresholds=[0.2, 0.5])
    np.testing.assert_allclose(result.precision, [0.8, 0.8])
    np.testing.assert_allclose(result.recall, [1.0, 0.5])
    assert result.attrs["ods"] == pytest.approx(2 * 0.8 / 1.8)
    assert result.attrs["ods_threshold"] == 0.2
    assert result.attrs["ois"] == pytest.approx(2 * (8 / 9) / (1 + 8 / 9))
    assert result.n_predicted.values.tolist() == [[50, 40], [50, 10]]
    default = evaluate_contours([first], [[truth]])
    assert default.sizes["threshold"] == 99 and default.attrs["ods"] == 1.0


@pytest.mark.parametrize("thresholds", [[2.0], [0.5, 1.0], [0.0], [-0.1, 0.5]])
def test_evaluation_rejects_thresholds_outside_the_unit_interval(thresholds):
    """Normalised maps have maximum 1: t ≥ 1 (or ≤ 0) would silently give ODS 0 (or 1)."""
    truth = line_map(5, 10)
    with pytest.raises(ValueError, match=r"thresholds must be in \(0, 1\)"):
        evaluate_contours([truth * 1.0], [[truth]], thresholds=thresholds)


def test_evaluation_thresholds_in_map_units_without_normalisation():
    truth = line_map(5, 10)
    result = evaluate_contours([truth * 3.0], [[truth]], thresholds=[2.0], normalize=False)
    assert result.attrs["ods"] == 1.0
    with pytest.raises(ValueError, match="thresholds must be > 0"):
        evaluate_contours([truth * 3.0], [[truth]], thresholds=[0.0], normalize=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_evaluation_rejects_non_finite_maps(bad):
    truth = line_map(5, 10)
    all_bad = np.full(truth.shape, bad)
    with pytest.raises(ValueError, match="strength map 1 holds NaN or inf"):
        evaluate_contours([truth * 1.0, all_bad], [[truth], [truth]], thresholds=3)


def test_evaluation_invalid_inputs():
    truth = line_map(5, 10)
    with pytest.raises(ValueError, match="one ground truth per"):
        evaluate_contours([truth * 1.0], [])
    with pytest.raises(ValueError, match="same shape"):
        match_boundaries(truth, line_map(5, 12))
    with pytest.raises(ValueError, match="max_distance"):
        match_boundaries(truth, truth, max_distance=0.0)
    with pytest.raises(ValueError, match="2-D"):
        match_boundaries(np.zeros((2, 10, 10)), truth)


def write_bsds(path, annotations) -> None:
    """A ground-truth file in the exact BSDS500 layout: ``groundTruth``, a 1 × n cell array
    of 1 × 1 structs with fields ``Segmentation`` (uint16) and ``Boundaries`` (uint8)."""
    cell = np.empty((1, len(annotations)), dtype=object)
    record = [("Segmentation", object), ("Boundaries", object)]
    for i, (segmentation, boundaries) in enumerate(annotations):
        struct = np.empty((1, 1), dtype=record)
        struct[0, 0] = (segmentation.astype(np.uint16), boundaries.astype(np.uint8))
        cell[0, i] = struct
    scipy.io.savemat(path, {"groundTruth": cell})


def test_read_bsds_ground_truth(tmp_path, rng):
    annotations = []
    for _ in range(3):
        segmentation = rng.integers(1, 5, size=(32, 48))
        boundaries = np.zeros((32, 48), bool)
        boundaries[:, 1:] = segmentation[:, 1:] != segmentation[:, :-1]
        annotations.append((segmentation, boundaries))
    path = tmp_path / "12003.mat"
    write_bsds(path, annotations)
    # the file really has MATLAB's layout: a 1 × 3 cell of structs
    raw = scipy.io.loadmat(path)["groundTruth"]
    assert raw.shape == (1, 3) and raw[0, 0].dtype.names == ("Segmentation", "Boundaries")
    truth = read_bsds_ground_truth(path)
    assert isinstance(truth, BSDSGroundTruth)
    assert truth.boundaries.shape == (3, 32, 48) and truth.boundaries.dtype == bool
    for i, (segmentation, boundaries) in enumerate(annotations):
        np.testing.assert_array_equal(truth.segmentations[i], segmentation)
        np.testing.assert_array_equal(truth.boundaries[i], boundaries)
    assert contour_scores(annotations[0][1], truth)[0] == 1.0
    result = evaluate_contours([annotations[0][1] * 1.0], [truth], thresholds=3)
    assert result.attrs["ods_precision"] == 1.0


def test_read_bsds_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_bsds_ground_truth(tmp_path / "missing.mat")
    scipy.io.savemat(tmp_path / "other.mat", {"image": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="groundTruth"):
        read_bsds_ground_truth(tmp_path / "other.mat")
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = {"Labels": np.zeros((2, 2))}
    scipy.io.savemat(tmp_path / "fields.mat", {"groundTruth": cell})
    with pytest.raises(ValueError, match="Segmentation"):
        read_bsds_ground_truth(tmp_path / "fields.mat")


def test_plot_contours_colours():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from v1pushpull.plotting.cells import plot_contours

    edges = line_map(3, 8)
    truth = line_map(3, 8) | line_map(6, 8)
    rgb = plot_contours(np.zeros((8, 8)), edges, truth).images[0].get_array()
    assert tuple(rgb[0, 3]) == (1.0, 0.9, 0.0) and tuple(rgb[0, 6]) == (0.0, 0.8, 0.0)
    assert tuple(rgb[0, 0]) == (0.0, 0.0, 0.0)
    plt.close("all")
