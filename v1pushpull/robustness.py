"""Corruption-robustness metrics: CE, mCE and relative CE of [H19], as used in [S20].

An evaluation stores a model's error rates as an :class:`xarray.Dataset` with

- ``error`` (dims ``corruption``, ``severity``): top-1 error in % on each corrupted test set;
- ``clean_error`` (scalar): top-1 error in % on the clean test set.

:func:`robustness_metrics` turns such a dataset into the normalised scores of Hendrycks and
Dietterich (2019) [H19], with the AlexNet errors of the CIFAR-10 adaptation
(:data:`ALEXNET_ERRORS`) or another model's results as the reference:

    CE_c  = Σ_s E_{c,s} / Σ_s E^ref_{c,s}
    rCE_c = Σ_s (E_{c,s} − E_clean) / Σ_s (E^ref_{c,s} − E^ref_clean)
    mCE   = mean over corruptions of CE_c       (a mean of ratios, not a ratio of means)

All normalised scores are reported ×100, so the reference model scores 100.

Error rates are percentages in [0, 100]. An mCE is a mean over every corruption of the
reference (the 19 of CIFAR-10-C for AlexNet); a subset must be asked for with
``corruption_subset=True`` and is recorded in the attrs. The AlexNet reference holds the five
CIFAR-10-C severities 1–5 only through their means, so a CE against it needs all five
severities; a subset is accepted only with ``partial=True`` and is then a different,
documented quantity (normalised by the 5-severity mean), flagged in the attrs.

References
----------
.. [H19] D. Hendrycks, T. Dietterich. Benchmarking neural network robustness to common
   corruptions and perturbations. ICLR 2019.
.. [S20] N. Strisciuglio, M. Lopez-Antequera, N. Petkov. Enhanced robustness of convolutional
   networks with a push-pull inhibition layer. Neural Computing and Applications 32 (2020).
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from .datasets import CIFAR10C_CORRUPTIONS

__all__ = ["ALEXNET_ERRORS", "alexnet_reference", "robustness_metrics"]

#: Top-1 error (%) of the CIFAR-10 AlexNet of [H19] used to normalise CE in [S20]: the clean
#: error and, per CIFAR-10-C corruption, the mean over the five severities. Per-severity errors
#: were not published; the metrics need only their sums, i.e. 5 × these means. Keys: "clean",
#: then the corruptions in the order of :data:`v1pushpull.datasets.CIFAR10C_CORRUPTIONS`.
ALEXNET_ERRORS: dict[str, float] = dict(
    zip(
        ("clean", *CIFAR10C_CORRUPTIONS),
        (13.87, 38.44, 31.82, 46.13, 31.26, 23.53, 40.97, 29.32, 26.89, 27.78, 26.94, 28.26,
         30.31, 25.19, 17.84, 46.77, 22.25, 18.36, 18.48, 22.15),
        strict=True,
    )
)  # fmt: skip


def alexnet_reference(severities: tuple[int, ...] | list[int] = (1, 2, 3, 4, 5)) -> xr.Dataset:
    """Return the AlexNet errors of :data:`ALEXNET_ERRORS` in the evaluation's format.

    Only the means over severities were published, so every severity holds the mean; sums over
    severities, which is all the metrics use, are then exact.

    Parameters
    ----------
    severities : sequence of int
        Severity levels to fill (default 1–5).

    Returns
    -------
    xarray.Dataset
        ``error`` (corruption, severity) in % and ``clean_error`` in %.

    Examples
    --------
    >>> from v1pushpull.robustness import alexnet_reference
    >>> float(alexnet_reference().error.sel(corruption="contrast", severity=3))
    46.77
    """
    names = [name for name in ALEXNET_ERRORS if name != "clean"]
    means = np.array([ALEXNET_ERRORS[name] for name in names])
    if isinstance(severities, (str, bytes)) or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in severities
    ):
        raise TypeError(f"severities must be a sequence of ints (1..5), got {severities!r}")
    severities = [int(s) for s in severities]
    error = np.repeat(means[:, None], len(severities), axis=1)
    return xr.Dataset(
        {
            "error": (("corruption", "severity"), error, {"units": "%"}),
            "clean_error": ((), ALEXNET_ERRORS["clean"], {"units": "%"}),
        },
        coords={"corruption": names, "severity": severities},
        attrs={"model": "AlexNet (CIFAR-10 adaptation of [H19])"},
    )


_SEVERITIES = (1, 2, 3, 4, 5)


def _check_results(results: object, name: str) -> xr.Dataset:
    if not isinstance(results, xr.Dataset):
        raise TypeError(f"{name} must be an xarray.Dataset, got {type(results).__name__}")
    for variable in ("error", "clean_error"):
        if variable not in results:
            raise ValueError(
                f"{name} must hold the variables 'error' (corruption, severity) and "
                f"'clean_error' (scalar), missing {variable!r}; it has {list(results.data_vars)}"
            )
    error = results["error"]
    if "corruption" not in error.dims or not set(error.dims) <= {"corruption", "severity"}:
        raise ValueError(
            f"{name}.error must have dims ('corruption', 'severity'), got {error.dims}"
        )
    if results["clean_error"].ndim != 0:
        raise ValueError(
            f"{name}.clean_error must be a scalar, got dims {results['clean_error'].dims}"
        )
    if not bool(np.all(np.isfinite(error.values))) or not np.isfinite(
        float(results["clean_error"])
    ):
        raise ValueError(f"{name} holds NaN or infinite error rates")
    clean = float(results["clean_error"])
    values = np.append(np.ravel(error.values), clean)
    if values.min() < 0 or values.max() > 100:
        raise ValueError(
            f"{name} holds error rates outside [0, 100] % (min {values.min():g}, max "
            f"{values.max():g}); expected top-1 errors in percent"
        )
    # A clean error above 1 is a percentage for sure. A corrupted error e <= 1 beside it is
    # read as a fraction when that puts it nearer the clean error: |log(100e/clean)| <
    # |log(e/clean)|, i.e. e < clean/10 -- a corruption that cuts the error tenfold is not a
    # result, a value typed as a fraction is.
    suspicious = np.ravel(error.values)
    suspicious = suspicious[(suspicious <= 1) & (suspicious < clean / 10)] if clean > 1 else []
    if len(suspicious):
        raise ValueError(
            f"{name} mixes fractions and percentages: clean_error is {clean:g} % but "
            f"{len(suspicious)} corrupted error rates are at most 1 and below a tenth of it "
            f"(e.g. {float(suspicious[0]):g}), so they look like fractions; give every error "
            "rate in percent (multiply fractions by 100)"
        )
    if values.max() <= 1:
        warnings.warn(
            f"every error rate of {name} is at most 1 %; they look like fractions, but "
            "robustness_metrics expects percentages (multiply by 100)",
            UserWarning,
            stacklevel=3,
        )
    if "severity" in error.dims:
        severities = error["severity"].values.tolist()
        if len(set(severities)) != len(severities):
            raise ValueError(f"{name}.error has repeated severities {severities}")
    return results


def robustness_metrics(
    results: xr.Dataset,
    reference: str | xr.Dataset = "alexnet",
    *,
    partial: bool = False,
    corruption_subset: bool = False,
) -> xr.Dataset:
    """Compute CE, mCE, relative CE and the unnormalised corruption error [H19], [S20].

    Parameters
    ----------
    results : xarray.Dataset
        The evaluation of one model: ``error`` (dims ``corruption``, ``severity``; top-1 error
        in %, within [0, 100]) and ``clean_error`` (scalar, %). A missing ``severity`` dim
        means the values are already means over the five severities. Fractions instead of
        percentages draw a warning when every value is ≤ 1, and an error when they are mixed
        with percentages: with ``clean_error > 1`` (a percentage for sure), a corrupted error
        ``e ≤ 1`` below ``clean_error / 10`` is nearer the clean error as a fraction (100·e)
        than as a percentage, and a corruption does not cut the error tenfold.
    reference : "alexnet" or xarray.Dataset
        The normalising model: ``"alexnet"`` for :data:`ALEXNET_ERRORS` (the choice of [S20];
        ``results`` must then hold CIFAR-10-C corruptions at severities 1–5), or another
        model's results in the same format, holding every corruption of ``results`` at the
        same severity labels (any distinct integers, e.g. level indices).
    partial : bool
        Only for ``reference="alexnet"``: accept a subset of the severities 1–5. The AlexNet
        sums are then ``len(subset)`` × its 5-severity mean, which is *not* the CE of [H19];
        ``attrs["partial"]`` records it. Default False: all five severities are required.
    corruption_subset : bool
        Accept ``results`` on a subset of the reference's corruptions (the 19 of CIFAR-10-C
        for ``"alexnet"``). The mCE is then a mean over that subset, not comparable with a
        published mCE; ``attrs["corruption_subset"]`` (1) and ``attrs["corruptions"]`` say
        so. Default False: every corruption of the reference is required.

    Returns
    -------
    xarray.Dataset
        Per corruption: ``CE`` and ``rCE`` (×100, reference = 100) and ``corruption_error``
        (mean error over severities, %). Scalars: ``mCE`` and ``relative_mCE`` (means over
        corruptions of ``CE`` and ``rCE``), ``E_corr`` (mean of ``corruption_error``, %) and
        ``clean_error`` (%). The attrs state the definitions.

    Raises
    ------
    TypeError
        If ``results`` or ``reference`` is not an :class:`xarray.Dataset` (or ``"alexnet"``).
    ValueError
        If a variable or dimension is missing, error rates are not finite or outside
        [0, 100] or mix fractions with percentages, severities repeat, the reference lacks a
        corruption or severity of ``results``, ``results`` lacks some of the reference's
        corruptions without ``corruption_subset=True``, or, for the AlexNet reference, the
        severities are not 1–5 (a subset of 1–5 without ``partial=True``).

    Warns
    -----
    UserWarning
        If every error rate is at most 1 (fractions rather than percentages), or a reference
        denominator is zero for some corruption: its ``CE`` (reference errors summing to 0) or
        ``rCE`` (reference errors equal to its clean error) is then NaN, and so is ``mCE`` or
        ``relative_mCE``; the other scores are computed.

    Examples
    --------
    >>> import xarray as xr
    >>> from v1pushpull.robustness import alexnet_reference, robustness_metrics
    >>> metrics = robustness_metrics(alexnet_reference())
    >>> round(float(metrics.mCE), 6), round(float(metrics.relative_mCE), 6)
    (100.0, 100.0)
    """
    results = _check_results(results, "results")
    for option, value in (("partial", partial), ("corruption_subset", corruption_subset)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{option} must be True or False, got {value!r}")
    is_partial = False
    if isinstance(reference, str):
        if reference != "alexnet":
            raise ValueError(
                f"reference must be 'alexnet' or an xarray.Dataset of results, got {reference!r}"
            )
        unknown = sorted(set(results["corruption"].values.tolist()) - set(ALEXNET_ERRORS))
        if unknown or "clean" in results["corruption"].values.tolist():
            raise ValueError(
                f"the AlexNet reference has no error rates for the corruptions "
                f"{unknown or ['clean']}; expected CIFAR-10-C names (ALEXNET_ERRORS)"
            )
        if "severity" in results["error"].dims:
            severities = results["severity"].values.tolist()
            outside = sorted(set(severities) - set(_SEVERITIES))
            if outside:
                raise ValueError(
                    f"severities {outside} are not CIFAR-10-C severities; the AlexNet reference "
                    "needs severities among 1..5"
                )
            if set(severities) != set(_SEVERITIES) and not partial:
                raise ValueError(
                    f"results has severities {sorted(severities)}, but CE against AlexNet [H19] "
                    "sums all five severities 1..5; pass partial=True to normalise a subset by "
                    "the AlexNet 5-severity means (not the CE of [H19])"
                )
            is_partial = set(severities) != set(_SEVERITIES)
        else:
            severities = [1]
        reference_name = "AlexNet (CIFAR-10, [H19])"
        reference = alexnet_reference([int(s) for s in severities])
    else:
        if not isinstance(reference, xr.Dataset):
            raise TypeError(
                "reference must be 'alexnet' or an xarray.Dataset of results, got "
                f"{type(reference).__name__}"
            )
        if partial:
            raise ValueError("partial=True applies only to reference='alexnet'")
        reference_name = str(reference.attrs.get("model", "reference results"))
        reference = _check_results(reference, "reference")

    corruptions = results["corruption"].values.tolist()
    reference_corruptions = reference["corruption"].values.tolist()
    missing = sorted(set(corruptions) - set(reference_corruptions))
    if missing:
        raise ValueError(f"reference has no error rates for the corruptions {missing}")
    left_out = [name for name in reference_corruptions if name not in corruptions]
    if left_out and not corruption_subset:
        raise ValueError(
            f"results holds {len(corruptions)} of the {len(reference_corruptions)} corruptions "
            f"of the reference {reference_name!r} (missing {left_out}); an mCE over a subset "
            "is not the published mCE: evaluate every corruption, or pass "
            "corruption_subset=True to average over these (the attrs then record the subset)"
        )
    model_error = results["error"]
    ref_error = reference["error"].sel(corruption=corruptions)
    if "severity" in model_error.dims:
        if "severity" not in ref_error.dims:
            raise ValueError("reference.error needs a 'severity' dim like results.error")
        wanted = model_error["severity"].values.tolist()
        absent = sorted(set(wanted) - set(ref_error["severity"].values.tolist()))
        if absent:
            raise ValueError(f"reference has no error rates at severities {absent}")
        ref_error = ref_error.sel(severity=wanted)
    elif "severity" in ref_error.dims:
        ref_error = ref_error.mean("severity")

    sum_dims = [d for d in ("severity",) if d in model_error.dims]
    model_sum = model_error.sum(sum_dims)
    ref_sum = ref_error.sum(sum_dims)
    n_severities = model_error.sizes.get("severity", 1)
    model_rel = model_sum - n_severities * results["clean_error"]
    ref_rel = ref_sum - n_severities * reference["clean_error"]
    # A zero denominator leaves that score undefined for that corruption only: NaN there, the
    # other scores stand (a reference whose corrupted errors equal its clean error has no rCE,
    # but its CE is well defined).
    for name, denominator, meaning in (
        ("CE", ref_sum, "its errors sum to zero"),
        ("rCE", ref_rel, "its errors equal its clean error"),
    ):
        zero = denominator["corruption"].values[(denominator == 0).values].tolist()
        if zero:
            warnings.warn(
                f"{name} is undefined (NaN) for the corruptions {zero}: the reference "
                f"{reference_name!r} divides by zero there ({meaning})",
                UserWarning,
                stacklevel=2,
            )
    ce = 100.0 * model_sum / ref_sum.where(ref_sum != 0)
    rce = 100.0 * model_rel / ref_rel.where(ref_rel != 0)
    corruption_error = model_error.mean(sum_dims)

    definitions = {
        "CE": "100 · Σ_s E_{c,s} / Σ_s E^ref_{c,s}",
        "rCE": "100 · Σ_s (E_{c,s} − E_clean) / Σ_s (E^ref_{c,s} − E^ref_clean)",
        "mCE": "mean over corruptions of CE (a mean of ratios)",
        "relative_mCE": "mean over corruptions of rCE (a mean of ratios)",
        "corruption_error": "mean over severities of E_{c,s}, % (not normalised)",
        "E_corr": "mean over corruptions of corruption_error, % (not normalised)",
    }
    units = {
        "CE": "% of reference",
        "rCE": "% of reference",
        "mCE": "% of reference",
        "relative_mCE": "% of reference",
        "corruption_error": "%",
        "E_corr": "%",
        "clean_error": "%",
    }
    dataset = xr.Dataset(
        {
            "CE": ce.drop_vars([v for v in ce.coords if v != "corruption"]),
            "rCE": rce.drop_vars([v for v in rce.coords if v != "corruption"]),
            "mCE": ce.mean("corruption", skipna=False),
            "relative_mCE": rce.mean("corruption", skipna=False),
            "corruption_error": corruption_error,
            "E_corr": corruption_error.mean("corruption"),
            "clean_error": results["clean_error"],
        },
        attrs={
            "reference": reference_name,
            "n_severities": int(n_severities),
            # netCDF attrs take no booleans
            "partial": int(is_partial),
            "corruption_subset": int(bool(left_out)),
            "corruptions": ", ".join(str(name) for name in corruptions),
            "definition": "Hendrycks & Dietterich (2019) as used by Strisciuglio et al. (2020)",
        },
    )
    for name, variable in dataset.data_vars.items():
        variable.attrs = {"units": units[name]}
        if name in definitions:
            variable.attrs["definition"] = definitions[name]
    return dataset
