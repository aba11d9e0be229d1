"""Bad inputs to :mod:`v1pushpull.cells`: each must raise naming the argument.

Cases whose fix belongs to the cells' modules (not changed here) are strict xfails.
"""

from __future__ import annotations

import numpy as np
import pytest
from _battery import Case, assert_clear, params

from v1pushpull.cells import CORFCell, GaborCell, PushPullCell, SurroundInhibitionCell
from v1pushpull.cells.corf import configure_subunits, default_rho, edge_prototype
from v1pushpull.cells.surround import surround_inhibition, surround_weighting

IMAGE = np.full((32, 32), 0.5)
GABOR = GaborCell(wavelength=8.0)

CASES = [
    Case("gabor-wavelength-1", lambda: GaborCell(wavelength=1.0), ["wavelength"]),
    Case("gabor-wavelength-list", lambda: GaborCell(wavelength=[8.0, 16.0]), ["wavelength"]),
    Case("gabor-wavelength-str", lambda: GaborCell(wavelength="8"), ["wavelength"]),
    Case("gabor-threshold-negative", lambda: GaborCell(8.0, threshold=-1.0), ["threshold"]),
    Case("gabor-phase-nan", lambda: GaborCell(8.0, phase=np.nan), ["phase"]),
    Case("gabor-aspect-zero", lambda: GaborCell(8.0, aspect_ratio=0.0), ["aspect_ratio"]),
    Case("gabor-padding", lambda: GaborCell(8.0, padding="zero"), ["padding"]),
    Case("gabor-normalization", lambda: GaborCell(8.0, normalization="max"), ["normalization"]),
    Case("gabor-response-int", lambda: GABOR.response(np.ones((32, 32), int), [0.0]), ["images"]),
    Case("gabor-response-1d", lambda: GABOR.response(np.ones(32), [0.0]), ["images"]),
    Case(
        "gabor-response-orient-2d",
        lambda: GABOR.response(IMAGE, np.zeros((2, 2))),
        ["orientations"],
    ),
    Case("gabor-response-orient-empty", lambda: GABOR.response(IMAGE, []), ["orientations"]),
    Case("gabor-response-orient-nan", lambda: GABOR.response(IMAGE, [np.nan]), ["orientations"]),
    Case("corf-sigma-zero", lambda: CORFCell(sigma=0.0), ["sigma"]),
    Case("corf-sigma-str", lambda: CORFCell(sigma="2"), ["sigma"]),
    Case("corf-threshold-above-1", lambda: CORFCell(threshold=2.0), ["threshold"]),
    Case("corf-rho-negative", lambda: CORFCell(rho=(-1.0, 3.0)), ["rho"]),
    Case("corf-rho-empty", lambda: CORFCell(rho=()), ["rho"]),
    Case("corf-prototype", lambda: CORFCell(prototype="bar"), ["prototype"]),
    Case("corf-blur-alpha-negative", lambda: CORFCell(blur_alpha=-1.0), ["blur_alpha"]),
    Case(
        "corf-response-small-image",
        lambda: CORFCell().response(np.zeros((8, 8)), [0.0]),
        ["images"],
    ),
    Case("default_rho-sigma-negative", lambda: default_rho(-1.0), ["sigma"]),
    Case(
        "configure-prototype-3d",
        lambda: configure_subunits(np.zeros((2, 9, 9)), 2.0, (3.0,)),
        ["prototype"],
    ),
    Case(
        "configure-n-angles",
        lambda: configure_subunits(edge_prototype(64), 2.0, (3.0,), n_angles=0),
        ["n_angles"],
    ),
    Case("edge_prototype-size", lambda: edge_prototype(-4), ["size"]),
    Case("pushpull-push-str", lambda: PushPullCell("gabor"), ["push"]),
    Case(
        "pushpull-k-negative",
        lambda: PushPullCell(GABOR, inhibition_strength=-1.0),
        ["inhibition_strength"],
    ),
    Case("pushpull-gabor-shift", lambda: PushPullCell(GABOR, pull_shift=4.0), ["pull_shift"]),
    Case("pushpull-scale-zero", lambda: PushPullCell(GABOR, pull_scale=0.0), ["pull_scale"]),
    Case("surround-gabor-str", lambda: SurroundInhibitionCell("gabor"), ["gabor"]),
    Case("surround-alpha-negative", lambda: SurroundInhibitionCell(GABOR, alpha=-1.0), ["alpha"]),
    Case(
        "surround-inhibition-kind",
        lambda: SurroundInhibitionCell(GABOR, inhibition="both"),
        ["inhibition"],
    ),
    Case(
        "surround-ratio-below-1",
        lambda: SurroundInhibitionCell(GABOR, surround_ratio=0.5),
        ["surround_ratio"],
    ),
    Case("surround_weighting-ratio", lambda: surround_weighting(2.0, ratio=1.0), ["ratio"]),
    Case("surround_inhibition-sigma", lambda: surround_inhibition(IMAGE, sigma=0.0), ["sigma"]),
    Case(
        "surround_inhibition-int",
        lambda: surround_inhibition(np.ones((8, 8), int), 1.0),
        ["energy"],
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_cell_input(case: Case) -> None:
    assert_clear(case)
