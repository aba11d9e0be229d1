"""The published claims of docs/reproduction.rst, checked directly on the cells.

Each test is one row of the reproduction page. Claims the models show are asserted as the
papers state them; claims they do not show are asserted as the page reports them (e.g. the
response is exactly proportional to contrast), so the page and the code cannot drift apart.
The CORF cells are checked in both conventions: ``RELEASED`` computes the published model as
the authors' released code does, ``CORF`` is the corrected convention (the default).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize
import skimage.data

from v1pushpull import gabor_kernel
from v1pushpull.analysis import (
    centre_responses,
    contrast_invariance_index,
    half_width_at_half_height,
    separability_index,
    signal_to_noise_ratio,
)
from v1pushpull.cells import CORFCell, GaborCell, PushPullCell
from v1pushpull.contours import contour_threshold, detect_corf_contours, rescale_min_max
from v1pushpull.stimuli import gaussian_noise, grating, plaid, step_edge

SIZE = 72  # px, beyond the reach of every receptive field around the centre
PHASES = np.linspace(0, 2 * math.pi, 8, endpoint=False)
CORF = CORFCell(sigma=2.2)
RELEASED = CORFCell(sigma=2.2, convention="released")
RELEASED_SUPPRESSION = 0.89  # the page's number for the released CORF cell
GABOR = GaborCell(wavelength=8.0)


def peak_response(cell, stimulus=grating, **kwargs):
    """Centre response maximised over the grating (test) phase."""
    return centre_responses(cell, stimulus, {"phase": PHASES}, size=SIZE, **kwargs).max("phase")


def test_corf_shows_cross_orientation_suppression_and_the_gabor_cell_does_not():
    # [A12]; DeAngelis et al. 1992
    for cell, expected in ((CORF, 0.83), (RELEASED, RELEASED_SUPPRESSION), (GABOR, None)):
        test_alone = float(peak_response(cell, wavelength=8.0, orientation=0.0, contrast=0.5))
        with_mask = np.mean(
            [
                float(
                    peak_response(
                        cell,
                        plaid,
                        wavelength=8.0,
                        orientation=0.0,
                        mask_orientation=math.pi / 2,
                        contrast=0.5,
                        mask_contrast=0.5,
                        mask_phase=mask_phase,
                    )
                )
                # 6 mask phases: fewer bias the mean (2 give 0.75 instead of 0.82)
                for mask_phase in np.linspace(0, 2 * math.pi, 6, endpoint=False)
            ]
        )
        ratio = with_mask / test_alone
        if expected is not None:
            # the page's 0.83 (corrected) and RELEASED_SUPPRESSION (released convention),
            # default sampling of the study
            assert ratio == pytest.approx(expected, abs=0.02)
        else:
            assert ratio == pytest.approx(1.0, abs=1e-3)


def test_corf_tuning_width_spreads_less_across_contrast_than_the_thresholded_gabor():
    # [A12]: contrast-invariant orientation tuning of CORF, not of the (thresholded) Gabor model
    optimal = float(peak_response(GABOR, wavelength=8.0, orientation=0.0))
    thresholded = GaborCell(wavelength=8.0, threshold=0.03 * optimal)
    orientations = np.linspace(0, math.pi, 24, endpoint=False)
    spread = {}
    for name, cell in (("corf", CORF), ("released", RELEASED), ("gabor_threshold", thresholded)):
        curves = centre_responses(
            cell,
            grating,
            {"contrast": [0.06, 0.3, 1.0], "orientation": orientations, "phase": PHASES},
            size=SIZE,
            wavelength=8.0,
        ).max("phase")
        spread[name] = float(contrast_invariance_index(half_width_at_half_height(curves)))
    assert spread["corf"] < 0.01
    assert spread["released"] < 0.01
    assert spread["gabor_threshold"] > 0.2


@pytest.mark.parametrize(
    "cell",
    [GABOR, PushPullCell(GABOR), CORF, PushPullCell(CORF), RELEASED, PushPullCell(RELEASED)],
    ids=[
        "gabor",
        "pushpull_gabor",
        "corf",
        "pushpull_corf",
        "corf_released",
        "pushpull_corf_released",
    ],
)
def test_models_without_threshold_respond_in_proportion_to_contrast(cell):
    # The reproduction page's explanation of the claims NOT shown (CORF saturation [A12],
    # contrast-dependent SF tuning [A14]): every response map scales exactly with contrast,
    # on a natural image, at every orientation.
    patch = skimage.data.camera()[200:296, 200:296] / 255.0
    image = 0.5 + (patch - patch.mean())  # mean luminance 0.5
    orientations = np.linspace(0, 2 * math.pi, 4, endpoint=False)
    full = cell.response(image, orientations)
    for contrast in (0.1, 0.5):
        scaled = cell.response(0.5 + contrast * (image - 0.5), orientations)
        np.testing.assert_allclose(scaled, contrast * full, rtol=1e-6, atol=1e-9 * full.max())


def test_pushpull_raises_the_snr_of_edge_responses_in_noise():
    # [A14]: SNR = mean response on the edge / std of the response on the background
    edge = step_edge(128, 0.0, contrast=0.5)
    images = np.stack([gaussian_noise(edge, 0.15, seed=seed) for seed in range(3)])
    x = np.arange(128) - 64
    rows = np.zeros(128, dtype=bool)
    rows[16:-16] = True
    signal = rows[:, None] & np.isin(x, [-1, 0])[None, :]
    background = rows[:, None] & (np.abs(x) >= 40)[None, :]
    for push in (CORF, RELEASED):
        snr = {}
        for name, cell in (("corf", push), ("pushpull_corf", PushPullCell(push))):
            responses = cell.response(images, [0.0])[:, 0]
            snr[name] = float(np.mean(signal_to_noise_ratio(responses, signal, background)))
        assert snr["pushpull_corf"] > 3 * snr["corf"], push.convention


def test_pushpull_makes_corf_orientation_and_sf_tuning_more_separable():
    # [A14]: separability of spatial-frequency and orientation tuning
    grid = {
        "orientation": np.linspace(0, math.pi, 8, endpoint=False),
        "wavelength": np.geomspace(5.0, 28.0, 6),
        "phase": PHASES,
    }
    for push in (CORF, RELEASED):
        index = {}
        for name, cell in (("corf", push), ("pushpull_corf", PushPullCell(push))):
            surface = centre_responses(cell, grating, grid, size=SIZE).max("phase")
            index[name] = float(separability_index(surface, ("orientation", "wavelength")))
        assert index["pushpull_corf"] > index["corf"], push.convention
        assert index["pushpull_corf"] > 0.98, push.convention


def gabor_linear_tuning(theta):
    """The Gabor cell's linear response to a unit cosine grating at orientation θ (rad), summed
    over its kernel, the grating's phase origin at the kernel centre."""
    kernel = np.asarray(gabor_kernel(8.0, 0.0))
    y, x = np.mgrid[: kernel.shape[0], : kernel.shape[1]] - kernel.shape[0] // 2
    wave = np.cos(2 * math.pi / 8.0 * (x * math.cos(theta) + y * math.sin(theta)))
    return float(np.sum(kernel * wave))


def test_gabor_tuning_width_follows_from_its_kernel():
    # physiology row: the Gabor cell's HWHH is set by its envelope, std 1/(2π σ_y f) rad in
    # orientation with σ_y = σ/γ = 1.12 λ and f = 1/λ; HWHH = 1.177 std ≈ 9.6° for the
    # untruncated envelope. The truncated kernel's exact half-height point, from its linear
    # response summed over the kernel, is 9.76°; sampled every 7.5° or 5°, the measured HWHH
    # must agree with it to 0.3°.
    peak = gabor_linear_tuning(0.0)
    exact = scipy.optimize.brentq(lambda t: gabor_linear_tuning(t) - 0.5 * peak, 0.05, 0.5)
    sigma_y = 0.5622 * 8.0 / 0.5
    envelope = math.sqrt(2 * math.log(2)) / (2 * math.pi * sigma_y / 8.0)
    assert exact == pytest.approx(envelope, rel=0.03)
    for count in (24, 36):
        orientations = np.linspace(-math.pi / 2, math.pi / 2, count, endpoint=False)
        curve = centre_responses(
            GABOR,
            grating,
            {"orientation": orientations, "phase": [0.0, math.pi]},
            size=SIZE,
            wavelength=8.0,
        ).max("phase")
        assert math.degrees(abs(float(half_width_at_half_height(curve)) - exact)) < 0.3


def test_pushpull_corf_preferred_wavelength_is_set_by_the_pull_shift():
    # the page's explanation of the 0.75-octave shift: the pull (β = 4 px) cancels the push
    # near its preferred 8 px, and the net peak moves with β
    wavelengths = 2.0 ** np.arange(2.5, 4.51, 0.125)

    def preferred(cell):
        curve = centre_responses(
            cell, grating, {"wavelength": wavelengths, "phase": PHASES}, size=SIZE, orientation=0.0
        ).max("phase")
        return float(curve.idxmax("wavelength"))

    assert preferred(CORF) == pytest.approx(8.0)
    peaks = [preferred(PushPullCell(CORF, pull_shift=beta)) for beta in (3.0, 4.0, 5.0)]
    assert 8.0 < peaks[0] < peaks[1] < peaks[2]
    silent = peak_response(PushPullCell(CORF), wavelength=8.0, orientation=0.0)
    assert float(silent) == 0.0


def reference_grating(contrast: float, degrees: float, size: int = 96) -> np.ndarray:
    """A grating of wavelength 14 px whose phase origin lies off the pixel grid (the released
    code's reference gratings), mean luminance 0.5."""
    y, x = np.mgrid[:size, :size]
    theta = np.radians(degrees)
    phase = 2 * np.pi * ((x - 48.25) * np.cos(theta) + (y - 48.375) * np.sin(theta)) / 14
    return 0.5 * (1 + contrast * np.cos(phase))


@pytest.mark.parametrize("degrees", [0, 45])
def test_released_contour_pipeline_is_independent_of_a_grating_s_contrast(degrees):
    # The page's fact: the released pipeline's only contrast normalisation is its min-max
    # rescaling of the input, which makes its output the same at contrast 0.2 and 1 (the
    # released cell being exactly proportional to contrast).
    low, high = reference_grating(0.2, degrees), reference_grating(1.0, degrees)
    np.testing.assert_allclose(rescale_min_max(low), rescale_min_max(high), atol=1e-15)
    maps = [
        detect_corf_contours(image, high=1 / 64, convention="released") for image in (low, high)
    ]
    np.testing.assert_allclose(maps[0].thinned, maps[1].thinned, rtol=0, atol=1e-14)
    assert maps[1].edges.sum() > 1000
    assert np.array_equal(maps[0].edges, maps[1].edges)
    # ... and its own threshold rule finds no contour in a grating: the thinned values crowd
    # into one bin of its 64-bin histogram, whose k/64 lies above every one of them (5/64 or
    # 6/64 against a largest value of 3.9/64 or 5.2/64), at p = 0.1 and at p = 0.3
    for keep_fraction in (0.1, 0.3):
        for image in (low, high):
            contours = detect_corf_contours(
                image, keep_fraction=keep_fraction, convention="released"
            )
            rule = float(contour_threshold(contours.thinned, keep_fraction, convention="released"))
            assert rule > float(np.max(contours.thinned))
            assert not contours.edges.any()
