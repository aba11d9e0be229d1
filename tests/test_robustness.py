"""CE / mCE / rCE against the published numbers of Strisciuglio et al. (2020), Tables 2–3."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from v1pushpull.datasets import CIFAR10C_CORRUPTIONS
from v1pushpull.robustness import ALEXNET_ERRORS, alexnet_reference, robustness_metrics

# ResNet-20 without push-pull, [S20] Table 2: per-corruption errors in the order of CIFAR-10-C.
RESNET20_CLEAN = 7.56
RESNET20 = [57.41, 45.75, 41.88, 41.34, 21.43, 58.82, 30.62, 27.54, 31.32, 25.06, 31.39, 16.56,
            19.03, 9.73, 29.59, 20.37, 32.33, 23.81, 11.52]  # fmt: skip


def _results(means, clean, severities=(1, 2, 3, 4, 5), corruptions=CIFAR10C_CORRUPTIONS):
    error = np.repeat(np.asarray(means, dtype=float)[:, None], len(severities), axis=1)
    return xr.Dataset(
        {"error": (("corruption", "severity"), error), "clean_error": ((), clean)},
        coords={"corruption": list(corruptions), "severity": list(severities)},
    )


def test_alexnet_table_matches_corruption_order():
    assert list(ALEXNET_ERRORS)[1:] == list(CIFAR10C_CORRUPTIONS)
    assert len(CIFAR10C_CORRUPTIONS) == 19


def test_resnet20_worked_example():
    metrics = robustness_metrics(_results(RESNET20, RESNET20_CLEAN))
    assert float(metrics.mCE) == pytest.approx(103.74, abs=0.005)
    assert float(metrics.relative_mCE) == pytest.approx(168.66, abs=0.005)
    assert round(float(metrics.mCE)) == 104
    assert round(float(metrics.relative_mCE)) == 169
    # [S20] Table 3, unnormalised corruption error
    assert float(metrics.E_corr) == pytest.approx(30.29, abs=0.005)
    assert float(metrics.CE.sel(corruption="brightness")) == pytest.approx(100 * 9.73 / 17.84)


def test_alexnet_corruption_error_row_of_table3():
    metrics = robustness_metrics(alexnet_reference())
    assert float(metrics.E_corr) == pytest.approx(29.08, abs=0.01)
    np.testing.assert_allclose(metrics.CE.values, 100.0)
    np.testing.assert_allclose(metrics.rCE.values, 100.0)


def test_mean_of_ratios_not_ratio_of_means():
    metrics = robustness_metrics(_results(RESNET20, RESNET20_CLEAN))
    alex = np.array([ALEXNET_ERRORS[c] for c in CIFAR10C_CORRUPTIONS])
    ratio_of_means = 100 * (np.mean(RESNET20) - RESNET20_CLEAN) / (alex.mean() - 13.87)
    assert ratio_of_means == pytest.approx(149.3, abs=0.1)  # what a ratio of means would give
    assert float(metrics.relative_mCE) == pytest.approx(168.66, abs=0.005)


def test_severity_sums_not_means_of_per_severity_ratios():
    # Errors that vary with severity: CE uses Σ_s E / Σ_s E_ref, checked by hand.
    rng = np.random.default_rng(0)
    error = rng.uniform(10, 60, size=(19, 5))
    ref_error = rng.uniform(10, 60, size=(19, 5))
    coords = {"corruption": list(CIFAR10C_CORRUPTIONS), "severity": [1, 2, 3, 4, 5]}
    results = xr.Dataset(
        {"error": (("corruption", "severity"), error), "clean_error": 5.0}, coords=coords
    )
    reference = xr.Dataset(
        {"error": (("corruption", "severity"), ref_error), "clean_error": 8.0}, coords=coords
    )
    metrics = robustness_metrics(results, reference=reference)
    expected_ce = 100 * error.sum(1) / ref_error.sum(1)
    expected_rce = 100 * (error - 5.0).sum(1) / (ref_error - 8.0).sum(1)
    np.testing.assert_allclose(metrics.CE.values, expected_ce)
    np.testing.assert_allclose(metrics.rCE.values, expected_rce)
    assert float(metrics.mCE) == pytest.approx(expected_ce.mean())
    np.testing.assert_allclose(metrics.corruption_error.values, error.mean(1))
    # self-reference gives exactly 100
    self_metrics = robustness_metrics(reference, reference=reference)
    assert float(self_metrics.mCE) == pytest.approx(100.0)


def test_subset_of_corruptions_must_be_asked_for_and_is_recorded():
    # an "mCE" over 3 of the 19 corruptions used to be reported without a word
    subset = CIFAR10C_CORRUPTIONS[:15]
    results = _results(RESNET20[:15], RESNET20_CLEAN, corruptions=subset)
    with pytest.raises(ValueError, match=r"15 of the 19 corruptions.*corruption_subset=True"):
        robustness_metrics(results)
    metrics = robustness_metrics(results, corruption_subset=True)
    assert metrics.attrs["corruption_subset"] == 1
    assert metrics.attrs["corruptions"].split(", ") == list(subset)
    # the mean over the subset of the per-corruption CE of [S20] Table 2's errors
    ce = [100 * e / ALEXNET_ERRORS[n] for e, n in zip(RESNET20[:15], subset, strict=True)]
    assert float(metrics.mCE) == pytest.approx(np.mean(ce))
    full = robustness_metrics(_results(RESNET20, RESNET20_CLEAN))
    assert full.attrs["corruption_subset"] == 0
    # the same rule against another model's results
    reference = _results(RESNET20, RESNET20_CLEAN)
    with pytest.raises(ValueError, match="corruption_subset"):
        robustness_metrics(results, reference=reference)
    assert robustness_metrics(results, reference=reference, corruption_subset=True).attrs[
        "corruption_subset"
    ]
    assert metrics.CE.sizes["corruption"] == 15
    assert "mean of ratios" in metrics.mCE.attrs["definition"]
    assert metrics.attrs["n_severities"] == 5


def test_metrics_round_trip_netcdf(tmp_path):
    metrics = robustness_metrics(_results(RESNET20, RESNET20_CLEAN))
    path = tmp_path / "metrics.nc"
    metrics.to_netcdf(path)
    with xr.open_dataset(path) as loaded:
        assert float(loaded.mCE) == pytest.approx(float(metrics.mCE))


def test_errors():
    good = _results(RESNET20, RESNET20_CLEAN)
    with pytest.raises(TypeError, match=r"results must be an xarray\.Dataset"):
        robustness_metrics({"error": 1})
    with pytest.raises(ValueError, match="missing 'clean_error'"):
        robustness_metrics(good.drop_vars("clean_error"))
    with pytest.raises(ValueError, match="reference must be 'alexnet'"):
        robustness_metrics(good, reference="resnet")
    unknown = good.assign_coords(corruption=["x" + c for c in CIFAR10C_CORRUPTIONS])
    with pytest.raises(ValueError, match="no error rates for the corruptions"):
        robustness_metrics(unknown)
    nan = good.copy(deep=True)
    nan["error"][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        robustness_metrics(nan)
    with pytest.raises(ValueError, match="no error rates at severities"):
        robustness_metrics(good, reference=_results(RESNET20, 7.0, severities=(1, 2)))


def test_alexnet_reference_needs_the_five_severities():
    # the AlexNet table holds 5-severity means: other labels would give a CE that is not [H19]'s
    with pytest.raises(ValueError, match=r"severities \[9\] are not CIFAR-10-C"):
        robustness_metrics(_results(RESNET20, RESNET20_CLEAN, severities=(1, 2, 3, 4, 9)))
    subset = _results(RESNET20, RESNET20_CLEAN, severities=(1, 2))
    with pytest.raises(ValueError, match="partial=True"):
        robustness_metrics(subset)
    # with partial=True each corruption is normalised by 2 × the AlexNet mean, and flagged
    metrics = robustness_metrics(subset, partial=True)
    assert metrics.attrs["partial"] == 1
    assert float(metrics.CE.sel(corruption="brightness")) == pytest.approx(100 * 9.73 / 17.84)
    assert robustness_metrics(_results(RESNET20, RESNET20_CLEAN)).attrs["partial"] == 0
    with pytest.raises(ValueError, match="repeated severities"):
        robustness_metrics(_results(RESNET20, RESNET20_CLEAN, severities=(1, 2, 3, 3, 5)))
    with pytest.raises(ValueError, match="only to reference='alexnet'"):
        robustness_metrics(subset, reference=subset, partial=True)


def test_a_results_reference_accepts_its_own_severity_labels():
    # level indices of another protocol (e.g. 6 levels) are fine against a results reference
    levels = (1, 2, 3, 4, 5, 6)
    results = _results(RESNET20[:2], 10.0, severities=levels, corruptions=["a", "b"])
    reference = _results([20.0, 40.0], 5.0, severities=levels, corruptions=["a", "b"])
    metrics = robustness_metrics(results, reference=reference)
    np.testing.assert_allclose(metrics.CE.values, [100 * 57.41 / 20, 100 * 45.75 / 40])


def test_error_rates_must_be_percentages_in_0_100():
    with pytest.raises(ValueError, match=r"outside \[0, 100\]"):
        robustness_metrics(_results([150.0, *RESNET20[1:]], RESNET20_CLEAN))
    with pytest.raises(ValueError, match=r"outside \[0, 100\]"):
        robustness_metrics(_results(RESNET20, -7.56))
    reference = _results(RESNET20, RESNET20_CLEAN)
    with pytest.raises(ValueError, match=r"reference holds error rates outside"):
        robustness_metrics(reference, reference=_results(RESNET20, 101.0))
    fractions = _results(np.array(RESNET20) / 100, RESNET20_CLEAN / 100)
    with pytest.warns(UserWarning, match="look like fractions"):
        robustness_metrics(fractions)


def test_alexnet_reference_knows_only_cifar10c_names():
    with pytest.raises(ValueError, match=r"no error rates for the corruptions \['clean'\]"):
        robustness_metrics(_results([20.0], 5.0, corruptions=["clean"]))


def test_fractions_beside_a_percent_clean_error_are_refused():
    # errors as fractions (0.3) beside a clean error in % (5.0) gave an mCE of 1.1 silently
    with pytest.raises(ValueError, match="mixes fractions and percentages"):
        robustness_metrics(_results([0.3] * 19, 5.0))
    one = _results(RESNET20, RESNET20_CLEAN)
    one["error"][4, :] = RESNET20[4] / 100
    with pytest.raises(ValueError, match="mixes fractions and percentages"):
        robustness_metrics(one)
    # a sub-1 % corrupted error beside a clean error within ten times of it is a percentage
    close = _results(RESNET20, 1.2)
    close["error"][13, :] = 0.9
    assert np.isfinite(float(robustness_metrics(close).mCE))
