"""Prediction stability under perturbation sequences: FP, T5D, ZD and their means [H19].

A classifier's scores on a sequence ``x_1 … x_T`` of gradually perturbed images (CIFAR-10-P,
:mod:`v1pushpull.perturbations`) are compared frame with frame. With ``f`` the top-1 class and
``τ`` the ranking of the classes by score, for ``m`` sequences:

    FP   = 1/(m(T−1)) Σ_i Σ_{j=2..T} 1[f(x_j) ≠ f(x_ref(j))]           flip probability
    T5D  = 1/(m(T−1)) Σ_i Σ_{j=2..T} d_top5(τ(x_ref(j)), τ(x_j))       top-5 distance
    ZD   = 1/(m(T−1)) Σ_i Σ_{j=2..T} d_zipf(τ(x_ref(j)), τ(x_j))       Zipf distance

where ``ref(j) = j − 1`` (consecutive frames), except for the noise perturbations, whose frames
are independent draws around the clean frame 1, so ``ref(j) = 1`` (the convention of
``cifar-p-eval.py`` in hendrycks/robustness; ``convention="released"`` uses consecutive frames
for every perturbation, as the push-pull release's ``test_perturbation.py`` does). With
``σ = τ_2 ∘ τ_1⁻¹`` (``σ(k)`` the rank in frame 2 of the class ranked ``k`` in frame 1)::

    d_top5(τ_1, τ_2) = Σ_{k=1..5} Σ_{j=min(k, σ(k))+1}^{max(k, σ(k))} 1[1 ≤ j − 1 ≤ 5]
                     = Σ_{k=1..5} |min(k − 1, 5) − min(σ(k) − 1, 5)|
    d_zipf(τ_1, τ_2) = Σ_{k=1..K} |1/k − 1/σ(k)| / k

The ranks break ties by class index (``scipy.stats.rankdata(-scores, method="ordinal")``, as
the releases). FP is a fraction in [0, 1] as in the releases' printouts (``P_flipprob.txt``).

:func:`stability_metrics` averages over perturbations (mFP, mT5D, mZD). [H19] normalises each
perturbation's score by AlexNet's before averaging (mFP = mean_p FP_p / FP_p^AlexNet ×100) for
ImageNet-P only: neither release evaluates AlexNet on CIFAR-10-P (``cifar-p-eval.py`` prints the
plain mean; ``test_perturbation.py`` prints "mFR (unnormalized by AlexNet)") and no CIFAR-10-P
AlexNet values are published, so the normalised scores need a reference model's results.

References
----------
.. [H19] D. Hendrycks, T. Dietterich. Benchmarking neural network robustness to common
   corruptions and perturbations. ICLR 2019 (section 3, "Perturbation robustness metrics").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import xarray as xr

from .perturbations import NOISE_PERTURBATIONS

__all__ = [
    "compare_to_first",
    "flip_probability",
    "ranks_from_scores",
    "stability_dataset",
    "stability_metrics",
    "stability_scores",
    "top5_distance",
    "zipf_distance",
]

Convention = Literal["hendrycks", "released"]
_SCORES = ("flip_probability", "top5_distance", "zipf_distance")
_SHORT = {"flip_probability": "FP", "top5_distance": "T5D", "zipf_distance": "ZD"}


def compare_to_first(perturbation: str, convention: Convention = "hendrycks") -> bool:
    """Whether frames of ``perturbation`` are compared with the first frame (else the previous).

    Parameters
    ----------
    perturbation : str
        A CIFAR-10-P name; names containing "noise" count as noise, as in the release.
    convention : {"hendrycks", "released"}
        ``"hendrycks"``: noise perturbations against the first frame (``cifar-p-eval.py``);
        ``"released"``: always the previous frame (the push-pull release).

    Examples
    --------
    >>> compare_to_first("shot_noise"), compare_to_first("rotate")
    (True, False)
    >>> compare_to_first("shot_noise", "released")
    False
    """
    if convention not in ("hendrycks", "released"):
        raise ValueError(f"convention must be 'hendrycks' or 'released', got {convention!r}")
    return convention == "hendrycks" and (
        perturbation in NOISE_PERTURBATIONS or "noise" in perturbation
    )


def _as_sequences(values: Any, name: str, ndim: int) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != ndim or array.shape[1] < 2:
        what = "(N, T)" if ndim == 2 else "(N, T, K)"
        raise ValueError(
            f"{name} must have shape {what} with at least T = 2 frames, got {array.shape}"
        )
    return array


def _references(n_frames: int, first: bool) -> np.ndarray:
    """Index of the frame each frame 1 … T−1 is compared with."""
    return np.zeros(n_frames - 1, dtype=np.int64) if first else np.arange(n_frames - 1)


def flip_probability(predictions: Any, *, first: bool = False) -> float:
    """Flip probability of top-1 predictions over sequences.

    Parameters
    ----------
    predictions : array_like
        ``(N, T)`` class indices, one row per sequence.
    first : bool
        Compare every frame with the first (noise perturbations) instead of the previous one.

    Returns
    -------
    float
        Fraction of frame comparisons whose top-1 class differs, in [0, 1].

    Examples
    --------
    >>> flip_probability([[0, 0, 1, 1]])  # one change in 3 consecutive pairs
    0.3333333333333333
    >>> flip_probability([[0, 0, 1, 1]], first=True)  # frames 3 and 4 differ from frame 1
    0.6666666666666666
    """
    predictions = _as_sequences(predictions, "predictions", 2)
    refs = _references(predictions.shape[1], first)
    return float(np.mean(predictions[:, 1:] != predictions[:, refs]))


def ranks_from_scores(scores: Any) -> np.ndarray:
    """Rank of each class (1 = highest score), ties broken by class index.

    Parameters
    ----------
    scores : array_like
        ``(..., K)`` class scores (logits or probabilities).

    Returns
    -------
    numpy.ndarray
        int64 ranks ``(..., K)``, equal to ``scipy.stats.rankdata(-scores, method="ordinal")``.

    Examples
    --------
    >>> ranks_from_scores([0.1, 0.7, 0.2]).tolist()
    [3, 1, 2]
    """
    scores = np.asarray(scores)
    order = np.argsort(-scores, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[-1] + 1), axis=-1)
    return ranks


def _sigma(ranks: np.ndarray, first: bool) -> np.ndarray:
    """σ per comparison ``(N, T−1, K)``: rank now of the class ranked k at the reference."""
    refs = _references(ranks.shape[1], first)
    order = np.argsort(ranks[:, refs], axis=-1)  # classes by reference rank
    return np.take_along_axis(ranks[:, 1:], order, axis=-1)


def _top5(sigma: np.ndarray) -> np.ndarray:
    k = min(5, sigma.shape[-1])
    positions = np.arange(k)  # min(k − 1, 5) for k = 1..5
    return np.abs(positions - np.minimum(sigma[..., :k] - 1, 5)).sum(-1)


def _zipf(sigma: np.ndarray) -> np.ndarray:
    reciprocal = 1.0 / np.arange(1, sigma.shape[-1] + 1)
    return (np.abs(reciprocal - 1.0 / sigma) * reciprocal).sum(-1)


def top5_distance(scores: Any, *, first: bool = False) -> float:
    """Mean top-5 distance between the class rankings of compared frames.

    Parameters
    ----------
    scores : array_like
        ``(N, T, K)`` class scores per sequence and frame, ``K ≥ 2``.
    first : bool
        Compare every frame with the first instead of the previous one.

    Returns
    -------
    float
        Mean ``d_top5`` (see the module docstring): 0 for unchanged top-5 rankings.

    Examples
    --------
    >>> top5_distance([[[5, 4, 3, 2, 1, 0], [4, 5, 3, 2, 1, 0]]])  # top two swapped
    2.0
    """
    scores = _as_sequences(scores, "scores", 3)
    return float(np.mean(_top5(_sigma(ranks_from_scores(scores), first))))


def zipf_distance(scores: Any, *, first: bool = False) -> float:
    """Mean Zipf distance between the class rankings of compared frames.

    Parameters
    ----------
    scores : array_like
        ``(N, T, K)`` class scores per sequence and frame.
    first : bool
        Compare every frame with the first instead of the previous one.

    Returns
    -------
    float
        Mean ``d_zipf`` (see the module docstring).

    Examples
    --------
    >>> zipf_distance([[[2, 1], [1, 2]]])  # |1 − 1/2|·1 + |1/2 − 1|·1/2
    0.75
    """
    scores = _as_sequences(scores, "scores", 3)
    return float(np.mean(_zipf(_sigma(ranks_from_scores(scores), first))))


def stability_scores(
    scores: Any, perturbation: str, *, convention: Convention = "hendrycks"
) -> dict[str, float]:
    """FP, T5D and ZD of one perturbation from a model's scores on its sequences.

    Parameters
    ----------
    scores : array_like
        ``(N, T, K)`` class scores (logits) on ``N`` sequences of ``T`` frames.
    perturbation : str
        Its name, which decides the reference frame (:func:`compare_to_first`).
    convention : {"hendrycks", "released"}
        See :func:`compare_to_first`.

    Returns
    -------
    dict
        ``flip_probability``, ``top5_distance``, ``zipf_distance``.

    Examples
    --------
    >>> scores = [[[2, 1], [2, 1], [1, 2]]]
    >>> stability_scores(scores, "rotate")["flip_probability"]
    0.5
    """
    scores = _as_sequences(scores, "scores", 3)
    first = compare_to_first(perturbation, convention)
    ranks = ranks_from_scores(scores)
    sigma = _sigma(ranks, first)
    predictions = np.argmin(ranks, axis=-1)
    return {
        "flip_probability": flip_probability(predictions, first=first),
        "top5_distance": float(np.mean(_top5(sigma))),
        "zipf_distance": float(np.mean(_zipf(sigma))),
    }


def stability_dataset(
    scores: Mapping[str, Mapping[str, float]],
    *,
    n_frames: Mapping[str, int] | None = None,
    attrs: Mapping[str, Any] | None = None,
    convention: Convention = "hendrycks",
) -> xr.Dataset:
    """Collect per-perturbation scores into the evaluation's xarray format.

    Parameters
    ----------
    scores : mapping
        Perturbation name → :func:`stability_scores` result.
    n_frames : mapping or None
        Perturbation name → frames per sequence, stored as the coordinate ``frames``.
    attrs : mapping or None
        Extra attributes (model, data set, …).
    convention : {"hendrycks", "released"}
        The reference-frame rule used, stored in ``attrs["convention"]``.

    Returns
    -------
    xarray.Dataset
        ``flip_probability``, ``top5_distance``, ``zipf_distance`` (dim ``perturbation``).

    Examples
    --------
    >>> ds = stability_dataset({"rotate": {"flip_probability": 0.1, "top5_distance": 1.0,
    ...                                   "zipf_distance": 0.2}})
    >>> float(ds.flip_probability.sel(perturbation="rotate"))
    0.1
    """
    names = list(scores)
    long_names = {
        "flip_probability": "flip probability (fraction of compared frame pairs)",
        "top5_distance": "top-5 distance between class rankings",
        "zipf_distance": "Zipf distance between class rankings",
    }
    data = {
        key: (
            ("perturbation",),
            np.array([float(scores[n][key]) for n in names]),
            {"units": "1", "long_name": long_names[key]},
        )
        for key in _SCORES
    }
    coords: dict[str, Any] = {"perturbation": names}
    if n_frames is not None:
        coords["frames"] = ("perturbation", [int(n_frames[n]) for n in names])
    all_attrs = {"convention": convention, "definition": "Hendrycks & Dietterich (2019)"}
    all_attrs.update(attrs or {})
    return xr.Dataset(data, coords=coords, attrs=all_attrs)


def _check_stability(results: object, name: str) -> xr.Dataset:
    if not isinstance(results, xr.Dataset):
        raise TypeError(f"{name} must be an xarray.Dataset, got {type(results).__name__}")
    missing = [v for v in _SCORES if v not in results]
    if missing:
        raise ValueError(
            f"{name} must hold {list(_SCORES)} (dim 'perturbation'), missing {missing}"
        )
    for variable in _SCORES:
        if results[variable].dims != ("perturbation",):
            raise ValueError(
                f"{name}.{variable} must have dims ('perturbation',), got {results[variable].dims}"
            )
        values = results[variable].values
        if not np.all(np.isfinite(values)) or values.min() < 0:
            raise ValueError(f"{name}.{variable} holds negative or non-finite values")
    if float(results["flip_probability"].max()) > 1:
        raise ValueError(f"{name}.flip_probability must be fractions in [0, 1]")
    return results


def stability_metrics(
    results: xr.Dataset,
    reference: xr.Dataset | None = None,
    *,
    perturbations: Sequence[str] | None = None,
) -> xr.Dataset:
    """Mean stability scores mFP, mT5D, mZD, plain or normalised by a reference model [H19].

    Parameters
    ----------
    results : xarray.Dataset
        A model's :func:`stability_dataset`.
    reference : xarray.Dataset or None
        None: plain means over perturbations (what both releases print for CIFAR-10-P).
        Otherwise another model's results (AlexNet's in [H19]) holding every perturbation of
        ``results``: each perturbation's score is divided by the reference's (×100) before
        the mean, so the reference scores 100.
    perturbations : sequence of str or None
        Perturbations to average (default all of ``results``).

    Returns
    -------
    xarray.Dataset
        Per perturbation ``FP``, ``T5D``, ``ZD``; scalars ``mFP``, ``mT5D``, ``mZD``.
        ``attrs["normalised"]`` is 1 (scores are % of the reference, named in
        ``attrs["reference"]``) or 0 (plain fractions / distances).

    Raises
    ------
    TypeError
        If ``results`` or ``reference`` is not an :class:`xarray.Dataset`.
    ValueError
        If a variable is missing or malformed, or the reference lacks a perturbation or has a
        zero score where it divides.

    Examples
    --------
    >>> a = stability_dataset({"rotate": {"flip_probability": 0.1, "top5_distance": 1.0,
    ...                                  "zipf_distance": 0.2},
    ...                       "scale": {"flip_probability": 0.3, "top5_distance": 2.0,
    ...                                 "zipf_distance": 0.4}})
    >>> round(float(stability_metrics(a).mFP), 6)
    0.2
    >>> float(stability_metrics(a, a).mFP)
    100.0
    """
    results = _check_stability(results, "results")
    names = list(results["perturbation"].values.tolist())
    if perturbations is not None:
        unknown = sorted(set(perturbations) - set(names))
        if unknown:
            raise ValueError(f"results has no scores for the perturbations {unknown}")
        names = list(perturbations)
    results = results.sel(perturbation=names)
    normalised = reference is not None
    if normalised:
        reference = _check_stability(reference, "reference")
        missing = sorted(set(names) - set(reference["perturbation"].values.tolist()))
        if missing:
            raise ValueError(f"reference has no scores for the perturbations {missing}")
        reference = reference.sel(perturbation=names)
    out: dict[str, Any] = {}
    for key in _SCORES:
        values = results[key]
        if normalised:
            denominator = reference[key]
            zero = [n for n, v in zip(names, denominator.values, strict=True) if v == 0]
            if zero:
                raise ValueError(
                    f"reference {key} is zero for {zero}; a normalised score is undefined there"
                )
            values = 100.0 * values / denominator
        short = _SHORT[key]
        values = values.drop_vars([c for c in values.coords if c != "perturbation"])
        unit = "% of reference" if normalised else "1"
        out[short] = values.assign_attrs(units=unit)
        out[f"m{short}"] = values.mean("perturbation").assign_attrs(
            units=unit,
            definition=f"mean over perturbations of {short}"
            + (" / reference ×100 (a mean of ratios)" if normalised else ""),
        )
    attrs = {
        "normalised": int(normalised),
        "reference": str(reference.attrs.get("model", "reference results")) if normalised else "",
        "convention": str(results.attrs.get("convention", "")),
        "definition": "Hendrycks & Dietterich (2019)",
    }
    return xr.Dataset(out, attrs=attrs)
