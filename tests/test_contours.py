"""Contour detection and its evaluation: thinning, hysteresis, BSDS-style matching, ODS/OIS
on hand-made cases, and the BSDS500 ground-truth reader on files in that exact format."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.io
from skimage.filters import apply_hysteresis_threshold

from v1pushpull.cells import CORFCell, PushPullCell
from v1pushpull.contours import (
    BSDSGroundTruth,
    boundary_counts,
    contour_scores,
    detect_contours,
    evaluate_contours,
    hysteresis_threshold,
    match_boundaries,
    non_maximum_suppression,
    orientation_maximum,
    read_bsds_ground_truth,
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
