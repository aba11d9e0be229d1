"""The released convention of the contour pipeline against the outputs of the authors' released
CORF code (``../shared/data/corf-reference/``, GNU Octave): every stage of
``CORFContourDetection`` on every contour run, and the corrected convention's distance from it.

The stored maps are float32 of the released float64 values. Stages fed with float32 arrays are
compared exactly (``==``): the combined map is a maximum of stored values, the thinned map
keeps combined values, thresholds lie on a 1/64 grid and binary maps are binary. The one gap
is stated where it arises: float32 rounding ties two channels at a few border pixels, where
the float64 maxima differ at the 1e-17 level (see ``test_orientation_index``).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

import v1pushpull.contours as contours_module
from v1pushpull.cells import CORFCell
from v1pushpull.contours import (
    RELEASED_ORIENTATIONS,
    contour_threshold,
    detect_contours,
    detect_corf_contours,
    evaluate_contours,
    hysteresis_threshold,
    non_maximum_suppression,
    orientation_maximum,
    rescale_min_max,
    rgb_to_gray,
)

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "corf-reference"

# (file, array prefix, image key, sigma, inhibition k, direct response key)
RUNS = {
    "clean_k0": ("case2_camera.npz", "cd_clean_k0_", "image_clean", 2.2, 0.0),
    "clean_k1p8": ("case2_camera.npz", "cd_clean_k1p8_", "image_clean", 2.2, 1.8),
    "noisy_k0": ("case2_camera.npz", "cd_noisy_k0_", "image_noisy", 2.2, 0.0),
    "noisy_k1p8": ("case2_camera.npz", "cd_noisy_k1p8_", "image_noisy", 2.2, 1.8),
    "sigma1p5_k1p8": ("case4_camera_sigma1p5.npz", "cd_k1p8_", "image", 1.5, 1.8),
}
# keep fraction p -> (binary key, threshold key); the copy hard-codes p = 0.3, and the p = 0.1
# map was made by passing the threshold of p = 0.1 as the 5th argument
THRESHOLDS = {0.1: ("binary", "highthresh"), 0.3: ("binary_p0p3", "highthresh_p0p3")}

_CACHE: dict[str, dict[str, np.ndarray]] = {}


def run_data(run: str) -> dict[str, np.ndarray]:
    """The arrays of one contour run, keyed without their prefix, plus ``image``."""
    if not DATA.is_dir():
        pytest.skip(f"reference data of the released CORF code not found at {DATA}")
    if run not in _CACHE:
        file, prefix, image_key, _, _ = RUNS[run]
        with np.load(DATA / file) as archive:
            arrays = {key[len(prefix) :]: archive[key] for key in archive if key.startswith(prefix)}
            arrays["image"] = archive[image_key]
            arrays["orientations_deg"] = archive["orientations_deg"]
        _CACHE[run] = arrays
    return _CACHE[run]


def stored_orientation(data: dict[str, np.ndarray]) -> np.ndarray:
    """The stored orientation index as this library's θ (rad)."""
    return RELEASED_ORIENTATIONS[data["orientation_index"]]


def test_released_orientations_map_to_the_stored_list():
    if not DATA.is_dir():
        pytest.skip(f"reference data of the released CORF code not found at {DATA}")
    theta_m = np.degrees(np.mod(np.pi - RELEASED_ORIENTATIONS, 2 * np.pi))
    np.testing.assert_allclose(theta_m, run_data("clean_k0")["orientations_deg"], atol=1e-12)


@pytest.mark.parametrize("run", RUNS)
def test_input_rescaled(run):
    data = run_data(run)
    np.testing.assert_array_equal(rescale_min_max(data["image"]), data["input_rescaled"])


@pytest.mark.parametrize("run", RUNS)
def test_combined(run):
    data = run_data(run)
    strength, _ = orientation_maximum(
        data["orientation_maps"], RELEASED_ORIENTATIONS, convention="released"
    )
    np.testing.assert_array_equal(strength, data["combined"])


@pytest.mark.parametrize("run", RUNS)
def test_orientation_index(run):
    """Equal to the stored index except where float32 rounding makes the stored channel tie
    with an earlier one (the first of them wins here, the float64 maximum there)."""
    data = run_data(run)
    _, orientation = orientation_maximum(
        data["orientation_maps"], RELEASED_ORIENTATIONS, convention="released"
    )
    expected = RELEASED_ORIENTATIONS.astype(np.float32)
    differ = np.asarray(orientation) != expected[data["orientation_index"]]
    magnitude = np.abs(data["orientation_maps"])
    index = magnitude.argmax(axis=0)
    np.testing.assert_array_equal(differ, index != data["orientation_index"])
    stored_value = np.take_along_axis(magnitude, data["orientation_index"][None], axis=0)[0]
    # every difference is an exact float32 tie with the stored channel, an earlier channel
    assert np.all(stored_value[differ] == data["combined"][differ])
    assert np.all(index[differ] < data["orientation_index"][differ])
    assert differ.sum() <= 30  # 30 and 28 in the k = 0 runs, 0 elsewhere


def tie_pixels(data: dict[str, np.ndarray]) -> np.ndarray:
    """Pixels whose first maximal float32 channel is not the stored (float64) one."""
    return np.abs(data["orientation_maps"]).argmax(axis=0) != data["orientation_index"]


@pytest.mark.parametrize("run", RUNS)
def test_thinned_from_the_stored_combined_map(run):
    data = run_data(run)
    thinned = non_maximum_suppression(
        data["combined"], stored_orientation(data), convention="released"
    )
    np.testing.assert_array_equal(thinned, data["thinned"])


@pytest.mark.parametrize("run", RUNS)
def test_thinned_from_the_orientation_maps(run):
    """Exact except at the float32-tie pixels of ``test_orientation_index`` (2 of them in the
    clean k = 0 run, 4 in the noisy k = 0 run), where the other tied channel thins across
    another direction."""
    data = run_data(run)
    thinned = detect_contours(
        data["orientation_maps"], RELEASED_ORIENTATIONS, convention="released"
    ).thinned
    differ = np.asarray(thinned) != data["thinned"]
    assert not np.any(differ & ~tie_pixels(data))
    assert differ.sum() <= 4


@pytest.mark.parametrize("run", RUNS)
def test_hist64(run):
    """The 64-bin histogram is not a public output; its threshold is. Checked through the
    threshold rule's inputs: the bin counts recomputed from the stored thinned map."""
    data = run_data(run)
    positive = data["thinned"][data["thinned"] > 0].astype(np.float64)
    assert positive.size == int(data["n_positive"])
    centres = np.linspace(0.0, 1.0, 64)
    edges = np.concatenate([[-np.inf], (centres[:-1] + centres[1:]) / 2, [np.inf]])
    counts, _ = np.histogram(positive, bins=edges)
    np.testing.assert_array_equal(counts, data["hist64"])
    # and the rule on these counts, by hand: the first bin k with cumsum > (1 - p) N
    for p, (_, threshold_key) in THRESHOLDS.items():
        k = 1 + int(np.flatnonzero(np.cumsum(counts) > (1 - p) * positive.size)[0])
        assert k / 64 == float(data[threshold_key])


@pytest.mark.parametrize("p", THRESHOLDS)
@pytest.mark.parametrize("run", RUNS)
def test_threshold(run, p):
    data = run_data(run)
    _, threshold_key = THRESHOLDS[p]
    expected = float(data[threshold_key])
    assert float(contour_threshold(data["thinned"], p, convention="released")) == expected
    thinned = detect_contours(
        data["orientation_maps"], RELEASED_ORIENTATIONS, convention="released"
    ).thinned
    assert float(contour_threshold(thinned, p, convention="released")) == expected


@pytest.mark.parametrize("p", THRESHOLDS)
@pytest.mark.parametrize("run", RUNS)
def test_binary_from_the_stored_thinned_map(run, p):
    data = run_data(run)
    binary_key, threshold_key = THRESHOLDS[p]
    given = hysteresis_threshold(data["thinned"], float(data[threshold_key]), convention="released")
    np.testing.assert_array_equal(given, data[binary_key].astype(bool))
    rule = hysteresis_threshold(data["thinned"], keep_fraction=p, convention="released")
    np.testing.assert_array_equal(rule, data[binary_key].astype(bool))


@pytest.mark.parametrize("p", THRESHOLDS)
@pytest.mark.parametrize("run", RUNS)
def test_binary_from_the_stored_combined_map(run, p):
    data = run_data(run)
    binary_key, _ = THRESHOLDS[p]
    thinned = non_maximum_suppression(
        data["combined"], stored_orientation(data), convention="released"
    )
    edges = hysteresis_threshold(thinned, keep_fraction=p, convention="released")
    np.testing.assert_array_equal(edges, data[binary_key].astype(bool))


@pytest.mark.parametrize("p", THRESHOLDS)
@pytest.mark.parametrize("run", RUNS)
def test_binary_from_the_orientation_maps(run, p):
    """Identical despite the float32 ties: the tie pixels lie on the image border, where
    the thinned values stay below the low threshold."""
    data = run_data(run)
    binary_key, _ = THRESHOLDS[p]
    contours = detect_contours(
        data["orientation_maps"], RELEASED_ORIENTATIONS, keep_fraction=p, convention="released"
    )
    np.testing.assert_array_equal(contours.edges, data[binary_key].astype(bool))
    np.testing.assert_array_equal(contours.strength, data["combined"])


class StoredCell:
    """Stands in for the released cell: checks that it is given the stored rescaled image at
    the released orientations, and answers with the stored orientation maps."""

    def __init__(self, data: dict[str, np.ndarray]) -> None:
        self.data = data

    def response(self, image, orientations):
        np.testing.assert_array_equal(image, self.data["input_rescaled"])
        np.testing.assert_array_equal(orientations, RELEASED_ORIENTATIONS)
        return self.data["orientation_maps"]


@pytest.mark.parametrize("p", THRESHOLDS)
@pytest.mark.parametrize("run", RUNS)
def test_pipeline_around_the_cell(run, p, monkeypatch):
    """``detect_corf_contours(convention="released")`` from the image, with the cell's maps
    taken from the data: rescaling, orientations, post-processing and thresholds."""
    data = run_data(run)
    monkeypatch.setattr(contours_module, "_released_cell", lambda *_: StoredCell(data))
    binary_key, _ = THRESHOLDS[p]
    contours = detect_corf_contours(data["image"], keep_fraction=p, convention="released")
    np.testing.assert_array_equal(contours.edges, data[binary_key].astype(bool))
    # an RGB image with three equal channels is that grey image again
    rgb = np.repeat(data["image"][..., None], 3, axis=-1)
    np.testing.assert_allclose(rgb_to_gray(rgb), data["image"], atol=1e-15)


def released_cell_available() -> bool:
    return "convention" in inspect.signature(CORFCell).parameters


@pytest.mark.parametrize("p", THRESHOLDS)
@pytest.mark.parametrize("run", RUNS)
def test_end_to_end(run, p):
    """The whole ``CORFContourDetection``: image → binary map."""
    if not released_cell_available():
        pytest.skip("needs CORFCell(convention='released')")
    data = run_data(run)
    _, _, _, sigma, k = RUNS[run]
    binary_key, threshold_key = THRESHOLDS[p]
    contours = detect_corf_contours(
        data["image"], sigma, 4.0, k, keep_fraction=p, convention="released"
    )
    np.testing.assert_array_equal(contours.edges, data[binary_key].astype(bool))
    given = detect_corf_contours(
        data["image"], sigma, 4.0, k, float(data[threshold_key]), convention="released"
    )
    np.testing.assert_array_equal(given.edges, data[binary_key].astype(bool))


# The corrected convention against the released binary maps: F-measure (BSDS matching,
# tolerance 0.0075 of the diagonal = 1.36 px) of detect_corf_contours(..., "corrected"),
# measured once (see the docs' quirk table); the test states the distance, it is not tuned.
# Re-measured after the engine's SciPy blur (a 1e-15 change of the corrected maps moves the
# noisy quantile thresholds across ties: 8 of 2438 pixels at noisy k=0, p=0.3).
CORRECTED_F = {
    ("clean_k0", 0.1): 0.6458,
    ("clean_k0", 0.3): 0.5519,
    ("clean_k1p8", 0.1): 0.7614,
    ("clean_k1p8", 0.3): 0.7358,
    ("noisy_k0", 0.1): 0.5481,
    ("noisy_k0", 0.3): 0.4051,
    ("noisy_k1p8", 0.1): 0.7425,
    ("noisy_k1p8", 0.3): 0.5168,
    ("sigma1p5_k1p8", 0.1): 0.5382,
    ("sigma1p5_k1p8", 0.3): 0.5106,
}


@pytest.mark.parametrize("run", RUNS)
def test_corrected_convention_distance_from_the_released_maps(run):
    data = run_data(run)
    _, _, _, sigma, k = RUNS[run]
    for p, (binary_key, _) in THRESHOLDS.items():
        edges = np.asarray(
            detect_corf_contours(data["image"], sigma, 4.0, k, keep_fraction=p).edges
        )
        result = evaluate_contours(
            [edges.astype(np.float64)], [[data[binary_key].astype(bool)]], thresholds=[0.5]
        )
        assert result.attrs["ods"] == pytest.approx(CORRECTED_F[run, p], abs=5e-4)
