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
from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from ._errors import ArgumentError
from .corruptions import CIFAR10C_CORRUPTIONS

__all__ = [
    "ALEXNET_ERRORS",
    "LEVEL_MEANING",
    "MNIST_PROTOCOL",
    "alexnet_reference",
    "comparison_table",
    "corruption_levels",
    "format_comparison",
    "format_results",
    "robustness_metrics",
]

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


# --------------------------------------------------------------------------------------------
# Evaluation protocols: which corruptions at which levels (torch-free; used by
# v1pushpull.torch.evaluation and the command line)
# --------------------------------------------------------------------------------------------

#: Test-time corruptions of the MNIST experiments of [S20]: additive Gaussian noise of variance
#: σ² on images in [0, 1], and contrast reduction ``(I − 0.5)·C + 0.5`` followed by Poisson
#: noise, at the levels of the paper's Figures 4 and 5.
MNIST_PROTOCOL: dict[str, tuple[float, ...]] = {
    "additive_gaussian_noise": (0.01, 0.1, 0.3, 0.5),
    "contrast_poisson": (0.5, 0.4, 0.3, 0.2),
}
#: What the level of each corruption means (the others are CIFAR-10-C severities 1-5).
LEVEL_MEANING: dict[str, str] = {
    "additive_gaussian_noise": "noise variance σ² (images in [0, 1])",
    "contrast_poisson": "contrast factor C in (0, 1], then Poisson noise",
}


def _levels_at(name: str, severities: Sequence[int]) -> tuple[float, ...]:
    """The corruption parameters of ``name`` at severities 1, 2, ...

    CIFAR-10-C corruptions take the severity itself (1-5); the corruptions of the MNIST
    protocol take the level of :data:`MNIST_PROTOCOL` at that position (severity 2 of
    ``additive_gaussian_noise`` is the variance 0.1, not 2).
    """
    top = len(MNIST_PROTOCOL[name]) if name in MNIST_PROTOCOL else 5
    bad = [s for s in severities if isinstance(s, bool) or int(s) != s or not 1 <= s <= top]
    if bad:
        meaning = (
            f"indices into its levels {MNIST_PROTOCOL[name]} ({LEVEL_MEANING[name]})"
            if name in MNIST_PROTOCOL
            else "CIFAR-10-C severities"
        )
        raise ArgumentError(
            "severities",
            bad,
            f"{{argument}} {bad} are not valid for {name!r}: expected integers in 1..{top}, "
            f"{meaning}",
        )
    if name in MNIST_PROTOCOL:
        return tuple(MNIST_PROTOCOL[name][int(s) - 1] for s in severities)
    return tuple(float(s) for s in severities)


def _named_levels(
    corruptions: Sequence[str] | Mapping[str, Sequence[float]], severities: Sequence[int] | None
) -> dict[str, tuple[float, ...]]:
    if isinstance(corruptions, str):
        raise TypeError(
            f"corruptions must be a sequence of names or a mapping, got {corruptions!r}"
        )
    if isinstance(corruptions, Mapping):
        if severities is not None:
            raise ArgumentError(
                "severities", severities, "is given only with a sequence of corruption names"
            )
        return {str(name): tuple(float(v) for v in values) for name, values in corruptions.items()}
    if severities is None:
        # the MNIST-protocol corruptions take their levels of [S20]; the others severities 1-5
        return {
            str(name): MNIST_PROTOCOL.get(str(name), (1.0, 2.0, 3.0, 4.0, 5.0))
            for name in corruptions
        }
    return {str(name): _levels_at(str(name), severities) for name in corruptions}


def _check_names(levels: Mapping[str, Sequence[float]], from_files: bool) -> None:
    if from_files:
        unknown = sorted(set(levels) - set(CIFAR10C_CORRUPTIONS))
        bad = sorted({v for values in levels.values() for v in values} - {1, 2, 3, 4, 5})
        if unknown or bad:
            raise ArgumentError(
                "corruptions",
                sorted(levels),
                "is not valid for the CIFAR-10-C files: corruptions must be among "
                "CIFAR10C_CORRUPTIONS and severities in 1..5, got unknown corruptions "
                f"{unknown} and severities {bad}",
            )
        return
    from .corruptions import CORRUPTIONS

    unknown = sorted(set(levels) - set(MNIST_PROTOCOL) - set(CORRUPTIONS))
    if unknown:
        raise ArgumentError(
            "corruptions",
            unknown,
            f"are unknown; expected the MNIST protocol of [S20] {list(MNIST_PROTOCOL)} or the "
            f"CIFAR-10-C corruptions {list(CORRUPTIONS)} (generated on the fly)",
        )


def corruption_levels(
    corruptions: Sequence[str] | Mapping[str, Sequence[float]] | None,
    severities: Sequence[int] | None = None,
    *,
    default: Sequence[str] | Mapping[str, Sequence[float]] | None = None,
    from_files: bool = False,
) -> dict[str, tuple[float, ...]]:
    """The corruption parameters of an evaluation: name → its levels, one per severity.

    Parameters
    ----------
    corruptions : sequence of str, mapping or None
        Names evaluated at ``severities``, or a mapping from name to its own levels
        (``"additive_gaussian_noise"``: noise variances, ``"contrast_poisson"``: contrast
        factors, the others CIFAR-10-C severities). None takes ``default``.
    severities : sequence of int or None
        Severities of a sequence of names: 1–5 for the CIFAR-10-C corruptions, indices 1–4
        into the levels of [S20] for those of :data:`MNIST_PROTOCOL`. None: 1–5, or all four
        levels of [S20].
    default : sequence, mapping or None
        The data set's protocol, used when ``corruptions`` is None.
    from_files : bool
        The corrupted images are the CIFAR-10-C files: only their corruptions and severities
        1–5 exist. Otherwise the names must be of :data:`MNIST_PROTOCOL` or of
        :data:`v1pushpull.corruptions.CORRUPTIONS` (generated on the fly).

    Returns
    -------
    dict
        Name → tuple of levels, the same number for every corruption.

    Raises
    ------
    ArgumentError
        (a ValueError) For unknown names, bad severities, levels of different lengths or no
        corruption at all; ``.argument`` names the offending parameter.
    TypeError
        If ``corruptions`` is a single string.

    Examples
    --------
    >>> from v1pushpull.robustness import corruption_levels
    >>> corruption_levels(["additive_gaussian_noise"], [2, 4])
    {'additive_gaussian_noise': (0.1, 0.5)}
    """
    if corruptions is None:
        if default is None:
            raise ArgumentError(
                "corruptions", None, "is not valid without a data set; give the corruptions"
            )
        corruptions = default
    levels = _named_levels(corruptions, severities)
    if not levels:
        raise ArgumentError("corruptions", [], "is empty; expected at least one corruption")
    counts = {len(v) for v in levels.values()}
    if len(counts) != 1 or 0 in counts:
        raise ArgumentError(
            "corruptions",
            sorted(levels),
            "need the same, non-zero number of levels each, got "
            f"{ {name: len(v) for name, v in levels.items()} }",
        )
    _check_names(levels, from_files)
    return levels


# --------------------------------------------------------------------------------------------
# Several evaluations side by side
# --------------------------------------------------------------------------------------------


def _check_comparable(results: Sequence[xr.Dataset], labels: Sequence[str], baseline: int) -> None:
    if len(results) != len(labels):
        raise ArgumentError(
            "labels", list(labels), f"has {len(labels)} entries for {len(results)} results"
        )
    if (
        isinstance(baseline, bool)
        or not isinstance(baseline, int)
        or not 0 <= baseline < len(results)
    ):
        raise ArgumentError("baseline", baseline, f"is not valid; expected 0..{len(results) - 1}")
    reference = results[baseline]
    for label, result in zip(labels, results, strict=True):
        same = result["corruption"].values.tolist() == reference["corruption"].values.tolist()
        same = same and result.sizes.get("severity") == reference.sizes.get("severity")
        if same and "level" in reference.coords and "level" in result.coords:
            same = bool(np.allclose(result["level"].values, reference["level"].values))
        if not same:
            raise ValueError(
                f"{label!r} was evaluated on other corruptions or levels than the baseline "
                f"{labels[baseline]!r}"
            )


def _comparison_row(result: xr.Dataset, reference: xr.Dataset) -> xr.Dataset:
    core = result[["error", "clean_error"]]
    corruption_error = core["error"].mean("severity")
    row = xr.Dataset(
        {
            "clean_error": core["clean_error"],
            "E_corr": corruption_error.mean("corruption"),
            "corruption_error": corruption_error,
        }
    )
    # a zero denominator (e.g. the baseline's corrupted errors equal its clean error) makes
    # only that score NaN, with a UserWarning that says why
    relative = robustness_metrics(core, reference=reference)
    for name, source in (
        ("CE_vs_baseline", "CE"),
        ("mCE_vs_baseline", "mCE"),
        ("relative_mCE_vs_baseline", "relative_mCE"),
    ):
        row[name] = relative[source]
    if "mCE" in result:
        row["mCE"] = result["mCE"]
        row["relative_mCE"] = result["relative_mCE"]
    return row.drop_vars([c for c in row.coords if c != "corruption"])


def comparison_table(
    results: Sequence[xr.Dataset], labels: Sequence[str], baseline: int = 0
) -> xr.Dataset:
    """Summarise several evaluations side by side.

    Parameters
    ----------
    results : sequence of xarray.Dataset
        Outputs of :func:`v1pushpull.torch.evaluation.evaluate` on the same corruptions and
        severities.
    labels : sequence of str
        One name per result.
    baseline : int
        Index of the reference for the relative scores.

    Returns
    -------
    xarray.Dataset
        Dims ``run`` and ``corruption``: ``clean_error`` and ``E_corr`` (%, mean over
        corruptions and severities), ``corruption_error`` (%, per corruption, mean over
        severities), ``CE_vs_baseline`` and ``mCE_vs_baseline`` / ``relative_mCE_vs_baseline``
        (×100, baseline = 100, :func:`robustness_metrics` with the baseline as reference; NaN
        only where the baseline's denominator is zero) and, where the inputs carry them, the
        AlexNet-normalised ``mCE`` and ``relative_mCE``.

    Warns
    -----
    UserWarning
        When a relative score is NaN because the baseline's denominator is zero.

    Raises
    ------
    ValueError
        If the lengths differ, ``baseline`` is out of range (:class:`ArgumentError` naming
        ``labels`` or ``baseline``), or the evaluations do not share their corruptions and
        levels.

    Examples
    --------
    >>> import xarray as xr
    >>> from v1pushpull.robustness import comparison_table
    >>> a = xr.Dataset({"error": (("corruption", "severity"), [[20.0, 40.0]]),
    ...                 "clean_error": 10.0}, coords={"corruption": ["noise"], "severity": [1, 2]})
    >>> b = a.assign(error=a.error / 2)
    >>> float(comparison_table([a, b], ["plain", "pp"]).mCE_vs_baseline.sel(run="pp"))
    50.0
    """
    _check_comparable(results, labels, baseline)
    reference = results[baseline][["error", "clean_error"]].assign_attrs(model=labels[baseline])
    rows = [_comparison_row(result, reference) for result in results]
    table = xr.concat(rows, dim="run", join="outer")
    table = table.assign_coords(run=list(labels))
    table.attrs["baseline"] = labels[baseline]
    for name in ("clean_error", "E_corr", "corruption_error"):
        table[name].attrs["units"] = "%"
    return table


def format_comparison(table: xr.Dataset) -> str:
    """The rows of :func:`comparison_table` as a fixed-width text table.

    Parameters
    ----------
    table : xarray.Dataset
        An output of :func:`comparison_table`.

    Returns
    -------
    str
        One line per run: clean error, per-corruption error, ``E_corr`` and the mCE scores
        (%), and a note on the references.
    """
    corruptions = table["corruption"].values.tolist()
    columns = ["clean", *corruptions, "E_corr"]
    scores = [s for s in ("mCE", "relative_mCE", "mCE_vs_baseline") if s in table]
    headers = ["run", *columns, *scores]
    lines = []
    for run in table["run"].values.tolist():
        row = table.sel(run=run)
        values = [float(row.clean_error)]
        values += [float(row.corruption_error.sel(corruption=c)) for c in corruptions]
        values += [float(row.E_corr), *(float(row[s]) for s in scores)]
        lines.append([str(run), *(f"{v:.2f}" for v in values)])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    text = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    text += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    note = "errors in %, per corruption the mean over severities"
    if "mCE_vs_baseline" in scores:
        note += f"; mCE_vs_baseline: 100 = {table.attrs.get('baseline')}"
    if "mCE" in scores:
        note += "; mCE, relative_mCE: AlexNet = 100"
    return "\n".join([*text, f"({note})"])


def format_results(results: xr.Dataset) -> str:
    """One evaluation as text: the clean error, then per corruption ``level: error`` pairs.

    Parameters
    ----------
    results : xarray.Dataset
        An output of :func:`v1pushpull.torch.evaluation.evaluate`.

    Returns
    -------
    str
    """
    epoch = results.attrs.get("epoch")
    lines = [
        f"{results.attrs.get('model', 'model')}"
        + ("" if epoch is None else f" (epoch {epoch})")
        + f": clean error {float(results.clean_error):.2f} %"
    ]
    for corruption in results["corruption"].values.tolist():
        errors = results["error"].sel(corruption=corruption).values
        if "level" in results.coords:
            levels = results["level"].sel(corruption=corruption).values
        else:
            levels = results["severity"].values
        pairs = ", ".join(
            f"{level:g}: {error:.2f}" for level, error in zip(levels, errors, strict=True)
        )
        lines.append(f"  {corruption} — {pairs}")
    if "mCE" in results:
        lines.append(
            f"  mCE {float(results.mCE):.1f}, relative mCE {float(results.relative_mCE):.1f} "
            f"(AlexNet = 100), E_corr {float(results.E_corr):.2f} %"
        )
    return "\n".join(lines)
