"""Bad inputs to :mod:`v1pushpull.contours` (the BSDS reader's file errors are in
``test_bad_datasets.py``)."""

from __future__ import annotations

import numpy as np
import pytest
from _battery import Case, assert_clear, params

from v1pushpull.contours import (
    boundary_counts,
    contour_scores,
    detect_contours,
    evaluate_contours,
    hysteresis_threshold,
    match_boundaries,
    non_maximum_suppression,
    orientation_maximum,
)

RESPONSES = np.random.default_rng(0).random((4, 16, 16))
ORIENTATIONS = np.linspace(0, np.pi, 4, endpoint=False)
TRUTH = np.zeros((16, 16), bool)
TRUTH[8] = True

CASES = [
    Case(
        "orientation_maximum-count",
        lambda: orientation_maximum(RESPONSES, ORIENTATIONS[:3]),
        ["orientations"],
    ),
    Case(
        "orientation_maximum-2d",
        lambda: orientation_maximum(RESPONSES[0], ORIENTATIONS),
        ["responses"],
    ),
    Case(
        "orientation_maximum-int",
        lambda: orientation_maximum(RESPONSES.astype(int), ORIENTATIONS),
        ["responses"],
    ),
    Case(
        "nms-shape-mismatch",
        lambda: non_maximum_suppression(RESPONSES[0], np.zeros((8, 8))),
        ["orientation"],
    ),
    Case(
        "hysteresis-low-ratio",
        lambda: hysteresis_threshold(RESPONSES[0], low_ratio=2.0),
        ["low_ratio"],
    ),
    Case(
        "hysteresis-keep-fraction",
        lambda: hysteresis_threshold(RESPONSES[0], keep_fraction=0.0),
        ["keep_fraction"],
    ),
    Case(
        "hysteresis-high-negative", lambda: hysteresis_threshold(RESPONSES[0], high=-1.0), ["high"]
    ),
    Case("hysteresis-high-nan", lambda: hysteresis_threshold(RESPONSES[0], high=np.nan), ["high"]),
    Case(
        "detect-orientations-count",
        lambda: detect_contours(RESPONSES, ORIENTATIONS[:2]),
        ["orientations"],
    ),
    Case("match-shape", lambda: match_boundaries(TRUTH, TRUTH[:8]), ["truth"]),
    Case(
        "match-distance-negative",
        lambda: match_boundaries(TRUTH, TRUTH, max_distance=-0.1),
        ["max_distance"],
    ),
    Case(
        "match-float-map",
        lambda: match_boundaries(TRUTH * 0.5, TRUTH),
        ["predicted"],
    ),
    Case("counts-truth-empty", lambda: boundary_counts(TRUTH, []), ["ground_truths"]),
    Case(
        "scores-truth-3d-shape",
        lambda: contour_scores(TRUTH, np.zeros((2, 8, 8), bool)),
        ["ground_truths"],
    ),
    Case(
        "evaluate-length-mismatch",
        lambda: evaluate_contours([RESPONSES[0]], [TRUTH, TRUTH]),
        ["ground_truths"],
    ),
    Case(
        "evaluate-thresholds-zero",
        lambda: evaluate_contours([RESPONSES[0]], [TRUTH], thresholds=0),
        ["thresholds"],
    ),
    Case(
        "evaluate-empty",
        lambda: evaluate_contours([], []),
        ["strengths"],
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_contour_input(case: Case) -> None:
    assert_clear(case)
