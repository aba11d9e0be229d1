"""Bad inputs to :mod:`v1pushpull.robustness`: each must raise (or warn) naming the problem."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from _battery import Case, assert_clear, params

from v1pushpull.robustness import ALEXNET_ERRORS, alexnet_reference, robustness_metrics

NAMES = [name for name in ALEXNET_ERRORS if name != "clean"]


def _results(error=30.0, clean=5.0, corruptions=NAMES, severities=(1, 2, 3, 4, 5)):
    values = np.broadcast_to(np.asarray(error, dtype=float), (len(corruptions), len(severities)))
    return xr.Dataset(
        {"error": (("corruption", "severity"), values.copy()), "clean_error": ((), clean)},
        coords={"corruption": list(corruptions), "severity": list(severities)},
    )


MIXED = _results()
MIXED["error"][0, :] = 0.3  # one corruption entered as a fraction beside % elsewhere

CASES = [
    Case(
        "subset-of-corruptions",
        lambda: robustness_metrics(_results(corruptions=NAMES[:3])),
        ["corruption"],
    ),
    Case(
        "subset-vs-dataset-reference",
        lambda: robustness_metrics(_results(corruptions=NAMES[:3]), reference=_results(40.0, 9.0)),
        ["corruption"],
    ),
    Case(
        "fractions-beside-percent-clean",
        lambda: robustness_metrics(_results(0.3, 5.0)),
        ["fraction", "clean_error"],
    ),
    Case(
        "one-corruption-as-fraction", lambda: robustness_metrics(MIXED), ["fraction", "clean_error"]
    ),
    Case(
        "all-fractions-warn",
        lambda: robustness_metrics(_results(0.3, 0.05)),
        ["fraction"],
        warns=UserWarning,
    ),
    Case("not-a-dataset", lambda: robustness_metrics({"error": 1}), ["results"]),
    Case(
        "missing-clean",
        lambda: robustness_metrics(_results().drop_vars("clean_error")),
        ["clean_error"],
    ),
    Case("error-above-100", lambda: robustness_metrics(_results(130.0)), ["results", "100"]),
    Case("error-negative", lambda: robustness_metrics(_results(-1.0)), ["results"]),
    Case("error-nan", lambda: robustness_metrics(_results(np.nan)), ["results", "nan"]),
    Case(
        "unknown-reference",
        lambda: robustness_metrics(_results(), reference="resnet"),
        ["reference"],
    ),
    Case(
        "reference-not-dataset",
        lambda: robustness_metrics(_results(), reference=[1, 2]),
        ["reference"],
    ),
    Case(
        "unknown-corruption",
        lambda: robustness_metrics(_results(corruptions=["fog", "rain"])),
        ["rain"],
    ),
    Case(
        "severity-subset-no-partial",
        lambda: robustness_metrics(_results(severities=(1, 2))),
        ["partial"],
    ),
    Case(
        "severity-6", lambda: robustness_metrics(_results(severities=(1, 2, 3, 4, 6))), ["severit"]
    ),
    Case(
        "repeated-severities",
        lambda: robustness_metrics(_results(severities=(1, 2, 3, 3, 5))),
        ["severit"],
    ),
    Case(
        "partial-with-dataset-reference",
        lambda: robustness_metrics(_results(), reference=_results(40.0, 9.0), partial=True),
        ["partial"],
    ),
    Case(
        "error-extra-dim",
        lambda: robustness_metrics(
            xr.Dataset({"error": (("corruption", "seed"), np.ones((2, 2))), "clean_error": 1.0})
        ),
        ["error", "dims"],
    ),
    Case(
        "clean-error-vector",
        lambda: robustness_metrics(_results().assign(clean_error=("x", [1.0, 2.0]))),
        ["clean_error"],
    ),
    Case("partial-not-bool", lambda: robustness_metrics(_results(), partial="yes"), ["partial"]),
    Case("alexnet-severities-str", lambda: alexnet_reference(["a"]), ["severities"]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_robustness_input(case: Case) -> None:
    assert_clear(case)
