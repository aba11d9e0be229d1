"""The torch steps of the ``v1pushpull`` command, kept here so that :mod:`v1pushpull.cli` itself
never imports torch (only :mod:`v1pushpull.torch` does)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .models import ARCHITECTURES, build_model
from .training import CHECKPOINT_NAME, MODEL_NAME

__all__ = ["end_distributed", "load_model"]

# the options of build_model that a run's metadata may hold, besides "arch"
_MODEL_OPTIONS = (
    "pushpull",
    "in_channels",
    "input_size",
    "alpha",
    "scale",
    "trainable_alpha",
    "pull",
)


def load_model(
    run: str | os.PathLike,
    *,
    arch: str | None = None,
    pushpull: str | None = None,
    dataset: str | None = None,
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild a trained model from a run of ``v1pushpull train`` or a checkpoint of [S20].

    Parameters
    ----------
    run : str or path-like
        A run directory (its ``model.pt``, else its ``checkpoint.pt``) or a weights file: one
        written by :func:`v1pushpull.torch.training.train` (``{"model", "metadata"}``) or one
        of the authors' release (``{"state_dict"}``, which says nothing of its architecture).
    arch, pushpull, dataset : str or None
        Override (or, for the release, supply) the stored architecture, push-pull placement
        and data set; None keeps the stored value. The data set defaults to ``"cifar10"``.

    Returns
    -------
    model : torch.nn.Module
        The architecture of :func:`v1pushpull.torch.models.build_model` with the weights
        loaded strictly, on the CPU.
    metadata : dict
        The run's metadata with the overrides applied and, for a file of
        :func:`~v1pushpull.torch.training.train`, ``"trained_epochs"``: the epochs the weights
        have seen (a ``checkpoint.pt`` of an unfinished run holds fewer than ``"epochs"``),
        and ``"checkpoint_epochs"`` = (epoch, planned epochs) of the run folder's
        ``checkpoint.pt`` when it is at another epoch than ``model.pt`` (a continued run that
        has not finished).

    Raises
    ------
    FileNotFoundError
        If there is no weights file at ``run``.
    ValueError
        If the file is not a checkpoint, the architecture is unknown or not stated, or the
        weights do not fit it.

    Examples
    --------
    >>> import tempfile, torch
    >>> from v1pushpull.torch.cli_support import load_model
    >>> from v1pushpull.torch.models import build_model
    >>> with tempfile.TemporaryDirectory() as run:
    ...     state = build_model("lenet-d").state_dict()
    ...     torch.save({"model": state, "metadata": {"arch": "lenet-d"}}, f"{run}/model.pt")
    ...     model, metadata = load_model(run, pushpull="none", dataset="digits")
    >>> type(model).__name__, metadata["dataset"]
    ('LeNet', 'digits')
    """
    path = Path(run)
    newer = None
    if path.is_dir():
        candidates = [path / MODEL_NAME, path / CHECKPOINT_NAME]
        if all(p.exists() for p in candidates):
            checkpoint = torch.load(candidates[1], map_location="cpu", weights_only=True)
            newer = (int(checkpoint["epoch"]), int(checkpoint["metadata"]["epochs"]))
        path = next((p for p in candidates if p.exists()), candidates[0])
    if not path.exists():
        raise FileNotFoundError(f"no model at {str(path)!r}; train one with `v1pushpull train`")
    saved = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(saved, dict):
        raise ValueError(f"{str(path)!r} is not a checkpoint of v1pushpull or of [S20]")
    if "model" in saved:
        state, metadata = saved["model"], dict(saved.get("metadata", {}))
        # model.pt is written only at the end: it has seen all its epochs
        trained = saved.get("epoch", metadata.get("epochs"))
        if trained is not None:
            metadata["trained_epochs"] = int(trained)
            if newer is not None and newer[0] != int(trained):
                # training was continued after model.pt and has not finished yet
                metadata["checkpoint_epochs"] = newer
    elif "state_dict" in saved:  # the authors' release
        state, metadata = saved["state_dict"], {}
    else:
        raise ValueError(f"{str(path)!r} is not a checkpoint of v1pushpull or of [S20]")
    for name, value in (("arch", arch), ("pushpull", pushpull), ("dataset", dataset)):
        if value is not None:
            metadata[name] = value
    if "arch" in metadata and metadata["arch"] not in ARCHITECTURES:
        raise ValueError(
            f"--arch {metadata['arch']!r} is not known; expected one of {list(ARCHITECTURES)}"
        )
    missing = [name for name in ("arch", "pushpull") if name not in metadata]
    if missing:
        raise ValueError(
            f"{str(path)!r} does not say its {' and '.join(missing)}; give "
            + " ".join(f"--{m}" for m in missing)
        )
    metadata.setdefault("dataset", "cifar10")
    options = {k: metadata[k] for k in _MODEL_OPTIONS if k in metadata}
    model = build_model(metadata["arch"], **options)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ValueError(
            f"the weights in {str(path)!r} do not fit {metadata['arch']} with push-pull "
            f"{metadata['pushpull']!r}: {str(error).splitlines()[0]}"
        ) from error
    return model, metadata


def end_distributed() -> None:
    """Leave the process group of a ``torchrun`` launch, if this process joined one.

    Examples
    --------
    >>> from v1pushpull.torch.cli_support import end_distributed
    >>> end_distributed()  # not launched by torchrun: nothing to do
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
