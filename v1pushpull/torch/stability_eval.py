"""CIFAR-10-P evaluation of a classifier: FP, T5D and ZD per perturbation [H19].

:func:`evaluate_stability` runs a model on perturbation sequences, read from the released
CIFAR-10-P files or generated on the fly from clean images by
:func:`v1pushpull.perturbations.perturbation_sequence`, and returns the scores of
:func:`v1pushpull.stability.stability_scores` with their plain means
(:func:`v1pushpull.stability.stability_metrics`) in one :class:`xarray.Dataset`.

References
----------
.. [H19] D. Hendrycks, T. Dietterich. Benchmarking neural network robustness to common
   corruptions and perturbations. ICLR 2019.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import xarray as xr
from torch import nn

from ..perturbations import (
    EVALUATED_PERTURBATIONS,
    PERTURBATIONS,
    frames_to_float,
    load_cifar10p,
    perturbation_sequence,
)
from ..stability import Convention, stability_dataset, stability_metrics, stability_scores

__all__ = ["evaluate_stability"]


def _scores(
    model: nn.Module,
    sequences: np.ndarray,
    normalize: Any,
    device: torch.device,
) -> np.ndarray:
    """Logits ``(n, T, K)`` of float frames ``(n, T, C, H, W)``."""
    n, frames = sequences.shape[:2]
    batch = torch.as_tensor(np.ascontiguousarray(sequences), dtype=torch.float32, device=device)
    with torch.no_grad():
        logits = model(normalize(batch.reshape(n * frames, *batch.shape[2:])))
    return logits.reshape(n, frames, -1).double().cpu().numpy()


def evaluate_stability(
    model: nn.Module,
    source: str | os.PathLike | np.ndarray | torch.Tensor,
    perturbations: Sequence[str] | None = None,
    *,
    convention: Convention = "hendrycks",
    normalization: tuple[Sequence[float], Sequence[float]] | None = None,
    batch_size: int = 25,
    n_sequences: int | None = None,
    seed: int = 0,
    device: str | torch.device | None = None,
    name: str | None = None,
) -> xr.Dataset:
    """Flip probability, top-5 and Zipf distances of a model on CIFAR-10-P sequences.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier (evaluated in eval mode, restored afterwards).
    source : str, path-like or array
        A folder with the released CIFAR-10-P ``.npy`` files (or its parent), or clean images
        ``(N, C, H, W)`` in [0, 1] whose sequences are generated on the fly.
    perturbations : sequence of str or None
        Names from :data:`v1pushpull.perturbations.PERTURBATIONS`; None takes the 10 scored by
        the release's ``cifar-p-eval.py`` (:data:`~v1pushpull.perturbations.
        EVALUATED_PERTURBATIONS`).
    convention : {"hendrycks", "released"}
        Reference frame of the noise perturbations (:func:`v1pushpull.stability.
        compare_to_first`).
    normalization : (mean, std) or None
        Per-channel normalisation the model expects (CIFAR-10's for the CIFAR models).
    batch_size : int
        Sequences per forward pass (each of T ≤ 31 frames).
    n_sequences : int or None
        Use only the first ``n_sequences`` sequences (None: all).
    seed : int
        Seed of the generated noise, snow and spatter frames (each perturbation and batch gets
        its own stream); unused for released files.
    device : str, torch.device or None
        Where to run; None takes CUDA when available.
    name : str or None
        Model label stored in ``attrs["model"]``.

    Returns
    -------
    xarray.Dataset
        ``flip_probability``, ``top5_distance``, ``zipf_distance`` (dim ``perturbation``;
        coordinate ``frames``) and their plain means ``mFP``, ``mT5D``, ``mZD``; attrs name the
        source, the convention and ``normalised = 0``. Normalise against a reference model
        with :func:`v1pushpull.stability.stability_metrics`.

    Raises
    ------
    ValueError
        For an unknown perturbation or bad sizes.
    FileNotFoundError
        If released files are missing.

    Examples
    --------
    >>> import numpy as np, torch
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 10))
    >>> images = np.random.default_rng(0).random((2, 3, 32, 32))
    >>> result = evaluate_stability(model, images, ["translate"], device="cpu")
    >>> 0 <= float(result.flip_probability.sel(perturbation="translate")) <= 1
    True
    """
    names = list(EVALUATED_PERTURBATIONS if perturbations is None else perturbations)
    unknown = [p for p in names if p not in PERTURBATIONS]
    if unknown or not names:
        raise ValueError(
            f"perturbations must be a non-empty list of CIFAR-10-P names {PERTURBATIONS}, "
            f"got {perturbations!r}"
        )
    for label, value in (("batch_size", batch_size), ("n_sequences", n_sequences)):
        if value is None and label == "n_sequences":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{label}={value!r} is not valid; expected a positive integer")
    from_files = isinstance(source, (str, os.PathLike))
    clean = None
    if not from_files:
        clean = source.detach().cpu().numpy() if isinstance(source, torch.Tensor) else source
        clean = np.asarray(clean)[:n_sequences]
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    model = model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
    model.to(device)
    if normalization is None:
        normalize = lambda x: x  # noqa: E731
    else:
        mean, std = (
            torch.as_tensor(np.asarray(v, np.float32), device=device).reshape(1, -1, 1, 1)
            for v in normalization
        )
        normalize = lambda x: (x - mean) / std  # noqa: E731
    scores: dict[str, dict[str, float]] = {}
    n_frames: dict[str, int] = {}
    n_used = 0
    was_training = model.training
    model.eval()
    try:
        for perturbation in names:
            if from_files:
                raw, _ = load_cifar10p(source, perturbation, mmap=True)
                total = len(raw) if n_sequences is None else min(n_sequences, len(raw))
            else:
                total = len(clean)
            logits = []
            for batch, start in enumerate(range(0, total, batch_size)):
                stop = min(start + batch_size, total)
                if from_files:
                    sequences = frames_to_float(np.asarray(raw[start:stop]))
                else:
                    stream = np.random.default_rng([seed, zlib.crc32(perturbation.encode()), batch])
                    sequences = perturbation_sequence(clean[start:stop], perturbation, seed=stream)
                logits.append(_scores(model, sequences, normalize, device))
            all_logits = np.concatenate(logits)
            scores[perturbation] = stability_scores(all_logits, perturbation, convention=convention)
            n_frames[perturbation] = all_logits.shape[1]
            n_used = total
    finally:
        model.train(was_training)
    attrs = {
        "model": name or type(model).__name__,
        "n_sequences": int(n_used),
        "perturbed_data": "CIFAR-10-P files [H19]"
        if from_files
        else "generated by v1pushpull.perturbations",
        "normalization": "none" if normalization is None else repr(normalization),
        "seed": int(seed),
    }
    results = stability_dataset(scores, n_frames=n_frames, attrs=attrs, convention=convention)
    means = stability_metrics(results)
    return results.merge(means[["mFP", "mT5D", "mZD"]]).assign_attrs(
        normalised=means.attrs["normalised"]
    )
