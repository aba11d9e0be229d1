"""Corruption-robustness evaluation: error rates on clean and corrupted test images.

:func:`evaluate` measures the top-1 error on the clean test set and under each corruption and
severity, returns an :class:`xarray.Dataset` (``error`` by corruption × severity and
``clean_error``, in %) and keeps it in a resumable results file (:class:`ResultsFile`):
written atomically after every corruption, it lets a rerun skip the corruptions an
interrupted one already stored, as long as the weights are the same. On CIFAR-10-C it adds the
CE, mCE and relative CE of :func:`v1pushpull.robustness.robustness_metrics`. Which corruptions
at which levels is the torch-free :func:`v1pushpull.robustness.corruption_levels`.

References
----------
[S20] Strisciuglio, Lopez-Antequera, Petkov. Enhanced robustness of convolutional networks with
a push-pull inhibition layer. Neural Computing and Applications 32:17957–17971 (2020).
[H19] D. Hendrycks, T. Dietterich. Benchmarking neural network robustness to common
corruptions and perturbations. ICLR 2019.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import xarray as xr
from torch import nn

from .._errors import ArgumentError
from .._io import write_netcdf
from ..registry import DataSet, get_dataset
from ..robustness import LEVEL_MEANING, corruption_levels, robustness_metrics
from .checkpoints import derived_seed, weights_fingerprint
from .data import batch_normalizer
from .distributed import all_reduce_sum, resolve_device

__all__ = ["ResultsFile", "error_rate", "evaluate", "loader_error"]


def loader_error(
    model: nn.Module,
    loader: Iterable,
    device: torch.device,
    use_amp: bool,
    normalize: Callable[[torch.Tensor], torch.Tensor],
) -> float:
    """Top-1 error (%) over the batches of a loader, summed over the ranks of a process group.

    A sharded test loader gives each rank a part, a whole one gives each rank all of it: the
    ratio of the summed counts is right in both cases.
    """
    was_training = model.training
    model.eval()
    totals = torch.zeros(2, dtype=torch.float64, device=device)  # errors, count
    with torch.no_grad():
        for images, labels in loader:
            images, labels = normalize(images.to(device)), labels.to(device)
            with torch.autocast(device.type, dtype=torch.float16, enabled=use_amp):
                logits = model(images)
            totals[0] += (logits.argmax(1) != labels).sum()
            totals[1] += len(labels)
    model.train(was_training)
    errors, count = all_reduce_sum(totals).tolist()
    return 100.0 * errors / max(count, 1)


def error_rate(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    *,
    batch_size: int = 500,
    device: str | torch.device | None = None,
    normalization: tuple[Sequence[float], Sequence[float]] | None = None,
) -> float:
    """Top-1 error (%) of a classifier on images in [0, 1].

    Parameters
    ----------
    model : torch.nn.Module
        The classifier; evaluated in eval mode (its mode is restored afterwards).
    images : numpy.ndarray or torch.Tensor
        ``(N, C, H, W)`` floats in [0, 1].
    labels : numpy.ndarray or torch.Tensor
        ``(N,)`` integer class labels.
    batch_size : int
        Images per forward pass.
    device : str, torch.device or None
        Where to run; None takes CUDA when available.
    normalization : (mean, std) or None
        Per-channel mean and standard deviation subtracted and divided after loading (the
        normalisation the model was trained with, e.g. CIFAR-10's); None feeds [0, 1] images.

    Returns
    -------
    float
        Percentage of misclassified images.

    Raises
    ------
    ValueError
        If the shapes do not match or ``batch_size`` is not positive.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from v1pushpull.torch.evaluation import error_rate
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    >>> error_rate(model, np.zeros((4, 1, 2, 2), np.float32), np.zeros(4, np.int64)) in (0, 100)
    True
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ArgumentError("batch_size", batch_size, "is not valid; expected a positive integer")
    if images.ndim != 4 or len(images) != len(labels):
        raise ValueError(
            f"images of shape {tuple(images.shape)} and labels of shape {tuple(labels.shape)} "
            "do not match; expected (N, C, H, W) and (N,)"
        )
    device = resolve_device(device)
    model = model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
    model.to(device)
    normalize = batch_normalizer(normalization, device)
    images = torch.as_tensor(images)
    labels = torch.as_tensor(labels)
    was_training = model.training
    model.eval()
    errors = 0
    with torch.no_grad():
        for start in range(0, len(labels), batch_size):
            batch = images[start : start + batch_size].to(device, torch.float32)
            with torch.autocast(device.type, dtype=torch.float16, enabled=device.type == "cuda"):
                logits = model(normalize(batch))
            truth = labels[start : start + batch_size].to(device)
            errors += int((logits.argmax(1) != truth).sum())
    model.train(was_training)
    return 100.0 * errors / len(labels)


class ResultsFile:
    """The resumable netCDF file of one evaluation.

    It holds the results of one set of weights (``attrs["weights_sha256"]``): stored results
    of the same weights and settings are taken up again, those of other weights (a model
    trained further, or a file without a fingerprint) are discarded, and a file of the same
    weights but another data set, seed, corruptions or levels is refused. Every
    :meth:`save` rewrites it atomically.

    Parameters
    ----------
    path : str, path-like or None
        The file; None keeps the results in memory only.
    levels : mapping
        Corruption name → its levels (:func:`v1pushpull.robustness.corruption_levels`).
    attrs : mapping
        The attributes of the evaluation (``dataset``, ``n_images``, ``seed``,
        ``weights_sha256``...).

    Attributes
    ----------
    clean_error : float or None
        The clean error (%), None until measured.
    errors : dict
        Corruption → its errors (%) at its levels, for the corruptions done.
    """

    def __init__(
        self,
        path: str | os.PathLike | None,
        levels: Mapping[str, Sequence[float]],
        attrs: Mapping[str, Any],
    ) -> None:
        self.path = None if path is None else Path(path)
        self.levels = {name: tuple(values) for name, values in levels.items()}
        self.attrs = dict(attrs)
        self.clean_error: float | None = None
        self.errors: dict[str, list[float]] = {}

    @property
    def todo(self) -> list[str]:
        """The corruptions not evaluated yet, in order."""
        return [c for c in self.levels if c not in self.errors]

    def resume(self, progress: bool) -> None:
        """Take up the stored results of the same weights (say when others are discarded)."""
        if self.path is None or not self.path.exists():
            return
        with xr.open_dataset(self.path) as stored:
            stored = stored.load()
        if stored.attrs.get("weights_sha256") != self.attrs["weights_sha256"]:
            # cached results of other weights: reusing them would report a stale model
            if progress:
                print(
                    f"{self.path}: stored results are of other weights (epoch "
                    f"{stored.attrs.get('epoch', '?')}); evaluating again",
                    file=sys.stderr,
                )
            return
        self._check_same_evaluation(stored)
        self.clean_error = float(stored["clean_error"])
        for corruption in stored["corruption"].values.tolist():
            self.errors[corruption] = stored["error"].sel(corruption=corruption).values.tolist()

    def _check_same_evaluation(self, stored: xr.Dataset) -> None:
        same = all(stored.attrs.get(k) == self.attrs[k] for k in ("dataset", "n_images", "seed"))
        for corruption in stored["corruption"].values.tolist():
            stored_levels = stored["level"].sel(corruption=corruption).values.tolist()
            if stored_levels != list(self.levels.get(corruption, ())):
                same = False
        if not same:
            raise ArgumentError(
                "out",
                str(self.path),
                "holds results of a different evaluation (data set, seed, corruptions or "
                "levels); remove it or choose another file",
            )

    def dataset(self) -> xr.Dataset:
        """The results so far as a Dataset (see :func:`evaluate`)."""
        names = [c for c in self.levels if c in self.errors]
        n_levels = len(next(iter(self.levels.values())))
        level_attrs = {
            "long_name": "corruption parameter",
            "description": "; ".join(
                f"{name}: {LEVEL_MEANING.get(name, 'CIFAR-10-C severity 1-5')}" for name in names
            ),
        }
        shape = (len(names), n_levels)
        return xr.Dataset(
            {
                "error": (
                    ("corruption", "severity"),
                    np.array([self.errors[n] for n in names], dtype=float).reshape(shape),
                    {"units": "%", "long_name": "top-1 error on corrupted test images"},
                ),
                "clean_error": (
                    (),
                    float(self.clean_error),  # type: ignore[arg-type]
                    {"units": "%", "long_name": "clean error"},
                ),
            },
            coords={
                "corruption": ("corruption", names),
                "severity": (
                    "severity",
                    np.arange(1, n_levels + 1),
                    {"long_name": "severity index"},
                ),
                "level": (
                    ("corruption", "severity"),
                    np.array([self.levels[n] for n in names], dtype=float).reshape(shape),
                    level_attrs,
                ),
            },
            attrs=dict(self.attrs),
        )

    def save(self, results: xr.Dataset | None = None) -> xr.Dataset:
        """Write ``results`` (default: :meth:`dataset`) atomically; return it."""
        results = self.dataset() if results is None else results
        if self.path is not None:
            write_netcdf(results, self.path)
        return results


def _with_cifar_metrics(results: xr.Dataset, levels: Mapping[str, Sequence[float]]) -> xr.Dataset:
    """Add the CE, mCE and rCE of [H19] when every corruption has all five severities."""
    # The AlexNet errors of [H19] are CIFAR-10-C means over the five severities: the metrics
    # hold only at all of 1-5; each corruption may list its severities in its own order.
    all_five = [1.0, 2.0, 3.0, 4.0, 5.0]
    if not all(sorted(v) == all_five for v in levels.values()):
        return results
    order = np.argsort(results["level"].values, axis=1)
    by_severity = xr.Dataset(
        {
            "error": (
                ("corruption", "severity"),
                np.take_along_axis(results["error"].values, order, axis=1),
            ),
            "clean_error": results["clean_error"],
        },
        coords={"corruption": results["corruption"].values, "severity": [1, 2, 3, 4, 5]},
    )
    # the user chose the corruptions to evaluate; a subset is recorded in the attrs
    metrics = robustness_metrics(by_severity, corruption_subset=True)
    return results.merge(metrics.drop_vars("clean_error"), compat="override")


def _clean_test_set(
    spec: DataSet | None,
    dataset: str | tuple[np.ndarray, np.ndarray],
    data_root: str | os.PathLike | None,
) -> tuple[np.ndarray, np.ndarray]:
    if spec is None:
        images, labels = dataset
        return np.asarray(images, dtype=np.float32), np.asarray(labels, dtype=np.int64)
    if spec.needs_root and data_root is None:
        raise ArgumentError(
            "data_root", None, f"dataset={spec.name!r} needs {{argument}}, the folder of its files"
        )
    return spec.load("test", data_root)


def _corrupted_set(
    spec: DataSet | None,
    clean: tuple[np.ndarray, np.ndarray],
    data_root: str | os.PathLike | None,
    corruption: str,
    index: int,
    level: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The test images under one corruption level: from the files, or generated."""
    if spec is not None and spec.corrupted_loader is not None:
        images, labels = spec.corrupted_loader(data_root, corruption, int(level))
        return np.asarray(images, dtype=np.float32), labels
    from .. import corruptions

    images, labels = clean
    stream = derived_seed(seed, zlib.crc32(corruption.encode()), index)
    if corruption == "additive_gaussian_noise":
        corrupted = corruptions.additive_gaussian_noise(images, level, seed=stream)
    elif corruption == "contrast_poisson":
        corrupted = corruptions.contrast_poisson(images, level, seed=stream)
    else:
        corrupted = corruptions.corrupt(images, corruption, int(level), seed=stream)
    return np.asarray(corrupted, dtype=np.float32), labels


def _progress(names: list[str], progress: bool) -> Iterable[str]:
    if not (progress and names):
        return names
    from tqdm.auto import tqdm

    return tqdm(names, desc="corruptions", leave=False)


def evaluate(
    model: nn.Module,
    dataset: str | tuple[np.ndarray, np.ndarray],
    corruptions: Sequence[str] | Mapping[str, Sequence[float]] | None = None,
    severities: Sequence[int] | None = None,
    *,
    data_root: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    name: str | None = None,
    batch_size: int = 500,
    device: str | torch.device | None = None,
    seed: int = 0,
    normalization: tuple[Sequence[float], Sequence[float]] | None = None,
    progress: bool = True,
    epoch: int | None = None,
) -> xr.Dataset:
    """Top-1 error on clean and corrupted test images, by corruption and severity.

    Parameters
    ----------
    model : torch.nn.Module
        The trained classifier.
    dataset : {"digits", "mnist", "cifar10"} or (images, labels)
        A data set of :data:`v1pushpull.registry.DATASETS` (its test split; scikit-learn's
        digits at 28×28, MNIST or CIFAR-10 from ``data_root``), or arrays ``(N, C, H, W)`` in
        [0, 1] with their labels. ``"cifar10"`` reads its corrupted images from the CIFAR-10-C
        files under ``data_root`` [H19]; the others are corrupted on the fly by
        :mod:`v1pushpull.corruptions`.
    corruptions : sequence of str, mapping or None
        Corruption names evaluated at ``severities`` (CIFAR-10-C names, severities 1–5), or a
        mapping from name to its own levels (``"additive_gaussian_noise"``: noise variances,
        ``"contrast_poisson"``: contrast factors). None: the data set's protocol (all of
        CIFAR-10-C for ``"cifar10"``, the MNIST protocol of [S20],
        :data:`~v1pushpull.robustness.MNIST_PROTOCOL`, for ``"digits"`` and ``"mnist"``).
    severities : sequence of int or None
        Severities for a sequence of names: 1–5 for the CIFAR-10-C corruptions; for the two
        corruptions of the MNIST protocol, indices 1–4 into their levels of [S20]
        (severity 1 of ``"additive_gaussian_noise"`` is the variance 0.01). None: 1–5, or
        all four levels of [S20] for the MNIST protocol.
    data_root : str, path-like or None
        Folder of the MNIST / CIFAR-10 / CIFAR-10-C files.
    out : str, path-like or None
        netCDF file written atomically after the clean set and after every corruption. If it
        exists and holds results of the same weights (``attrs["weights_sha256"]``, see
        :func:`weights_fingerprint`), the corruptions it already holds are not evaluated again
        (the other settings must match); results of other weights (a model trained further,
        or a file without a fingerprint) are discarded and everything is evaluated anew
        (:class:`ResultsFile`).
    name : str or None
        Model label stored in ``attrs["model"]`` (used by ``v1pushpull compare``).
    batch_size : int
        Images per forward pass.
    device : str, torch.device or None
        Where to run; None takes CUDA when available.
    seed : int
        Seed of the random corruptions; each (corruption, severity) gets its own stream.
    normalization : (mean, std) or None
        Per-channel normalisation applied after corrupting; None takes the data set's
        (CIFAR-10's for ``"cifar10"``, none otherwise).
    progress : bool
        Show a tqdm bar over the corruptions (and say on stderr when stored results of other
        weights are discarded).
    epoch : int or None
        Epochs the model was trained for, stored in ``attrs["epoch"]`` (None: not stored).

    Returns
    -------
    xarray.Dataset
        ``error`` (corruption, severity; %), ``clean_error`` (%), ``attrs["weights_sha256"]``
        (the fingerprint of the evaluated weights), the coordinate ``level``
        (corruption, severity: the corruption parameter) and, for ``"cifar10"`` evaluated at
        all five severities 1–5, the AlexNet-normalised ``CE``, ``rCE``, ``mCE``,
        ``relative_mCE`` and the unnormalised ``corruption_error`` and ``E_corr`` of
        :func:`v1pushpull.robustness.robustness_metrics`.

    Raises
    ------
    ValueError
        For an unknown data set or corruption, levels of different lengths, a missing
        ``data_root``, or an ``out`` file that holds a different evaluation.
    FileNotFoundError
        If the data set's files are not under ``data_root``.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.models import build_model
    >>> from v1pushpull.torch.evaluation import evaluate
    >>> results = evaluate(build_model("lenet-d"), "digits", progress=False)
    >>> results.error.dims, float(results.clean_error) > 50  # untrained: near chance
    (('corruption', 'severity'), True)
    """
    spec = get_dataset(dataset) if isinstance(dataset, str) else None
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ArgumentError("seed", seed, "is not valid; expected a non-negative integer")
    levels = corruption_levels(
        corruptions,
        severities,
        default=None if spec is None else spec.protocol,
        from_files=spec is not None and spec.corrupted_files,
    )
    if normalization is None and spec is not None:
        normalization = spec.normalization
    device = resolve_device(device)
    clean = _clean_test_set(spec, dataset, data_root)
    attrs = {
        "model": name or type(model).__name__,
        "dataset": "custom" if spec is None else spec.name,
        "n_images": len(clean[1]),
        "seed": seed,
        "corrupted_data": "CIFAR-10-C files [H19]"
        if spec is not None and spec.corrupted_files
        else "generated by v1pushpull.corruptions",
        "normalization": "none" if normalization is None else repr(normalization),
        "weights_sha256": weights_fingerprint(model),
    }
    if epoch is not None:
        attrs["epoch"] = int(epoch)

    def run(images: np.ndarray, labels: np.ndarray) -> float:
        return error_rate(
            model, images, labels, batch_size=batch_size, device=device, normalization=normalization
        )

    results = ResultsFile(out, levels, attrs)
    results.resume(progress)
    if results.clean_error is None:
        results.clean_error = run(*clean)
        results.save()
    for corruption in _progress(results.todo, progress):
        results.errors[corruption] = [
            run(*_corrupted_set(spec, clean, data_root, corruption, index, level, seed))
            for index, level in enumerate(levels[corruption])
        ]
        results.save()
    final = results.save()
    if spec is not None and spec.corrupted_files:
        final = results.save(_with_cifar_metrics(final, levels))
    return final
