"""Run folders on disk: the checkpoint layout, random-number state and weight fingerprints.

A run folder of :func:`v1pushpull.torch.training.train` holds ``checkpoint.pt`` (rewritten
atomically after every epoch: weights, optimizer, scheduler, gradient scaler, random states,
history, metadata), then ``model.pt`` (final weights and metadata) and ``history.nc``. This
module is the only one that knows that layout: :func:`save_checkpoint` / :func:`read_checkpoint`
for training, :func:`load_checkpoint` and :func:`load_model` for everyone else. The metadata
hold the architecture, the placement and the :class:`~v1pushpull.torch.layers.PushPullOptions`
fields, from which :func:`load_model` rebuilds the network.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .._errors import ArgumentError
from .._io import atomic_write

__all__ = [
    "CHECKPOINT_NAME",
    "MODEL_NAME",
    "derived_seed",
    "load_checkpoint",
    "load_model",
    "read_checkpoint",
    "remove_leftovers",
    "rng_state",
    "save_checkpoint",
    "save_model",
    "set_rng_state",
    "weights_fingerprint",
]

#: File name of the checkpoint that ``train`` writes in its ``out_dir`` after every epoch.
CHECKPOINT_NAME = "checkpoint.pt"
#: File name of the final weights (and metadata) that ``train`` writes at the end.
MODEL_NAME = "model.pt"
#: The metadata keys that name the network (besides the push-pull options).
_MODEL_KEYS = ("in_channels", "input_size", "antialias")


def derived_seed(*entropy: int) -> int:
    """A 32-bit seed derived from integers (NumPy's SeedSequence): one stream per tuple.

    Examples
    --------
    >>> derived_seed(0, 1) == derived_seed(0, 1) != derived_seed(1, 0)
    True
    """
    return int(np.random.SeedSequence([int(e) for e in entropy]).generate_state(1)[0])


def rng_state() -> dict[str, Any]:
    """The states of Python's ``random``, NumPy's global generator and torch (CPU, CUDA)."""
    # the legacy global NumPy generator, which data pipelines may use
    _, keys, position, has_gauss, cached = np.random.get_state()  # noqa: NPY002
    state = {
        "python": random.getstate(),
        "numpy": {
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping[str, Any]) -> None:
    """Restore the states of :func:`rng_state`."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = state["numpy"]
    np.random.set_state(  # noqa: NPY002
        (
            "MT19937",
            numpy_state["keys"].numpy().astype(np.uint32),
            numpy_state["position"],
            numpy_state["has_gauss"],
            numpy_state["cached_gaussian"],
        )
    )
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def _save(obj: Any, path: Path) -> None:
    atomic_write(path, lambda temporary: torch.save(obj, temporary))


def save_checkpoint(
    out_dir: Path,
    *,
    epoch: int,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    scaler: Any,
    history: Mapping[str, list[float]],
    metadata: Mapping[str, Any],
) -> None:
    """Write ``out_dir/checkpoint.pt`` atomically: everything a bit-exact resume needs."""
    state = {
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict(),
        "rng": rng_state(),
        "history": dict(history),
        "metadata": dict(metadata),
    }
    _save(state, out_dir / CHECKPOINT_NAME)


def save_model(out_dir: Path, model: nn.Module, metadata: Mapping[str, Any]) -> None:
    """Write ``out_dir/model.pt`` atomically: the final weights and the run's metadata."""
    _save({"model": model.state_dict(), "metadata": dict(metadata)}, out_dir / MODEL_NAME)


def remove_leftovers(out_dir: Path) -> None:
    """Remove the temporary files of a run killed while saving its checkpoint."""
    if out_dir.is_dir():
        for leftover in out_dir.glob(f".{CHECKPOINT_NAME}.*.tmp"):
            leftover.unlink(missing_ok=True)


#: What a file of ``train`` holds, for the messages about files that are not one.
_HOLDS = (
    "a checkpoint of `v1pushpull train` is a torch.save dict with 'model' (a state dict) and "
    "'metadata'"
)


def _torch_load(path: Path, map_location: Any) -> Any:
    """``torch.load`` (weights only) of a file, with an error naming the file if it is none."""
    if path.is_dir():
        raise ValueError(f"{str(path)!r} is a folder, not a weights file")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except (OSError, EOFError, RuntimeError, ValueError, pickle.UnpicklingError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        first = (str(error).splitlines() or [type(error).__name__])[0]
        if "Weights only load failed" in first:
            first = "it is not a torch.save file of tensors and plain data"
        raise ValueError(
            f"{str(path)!r} is not a readable torch file ({first[:160]}); {_HOLDS}"
        ) from error


def _check_checkpoint(saved: Any, path: Path) -> dict[str, Any]:
    if not isinstance(saved, dict) or not isinstance(saved.get("model"), Mapping):
        found = sorted(map(str, saved)) if isinstance(saved, dict) else type(saved).__name__
        raise ValueError(f"{str(path)!r} is not a checkpoint (it holds {found}); {_HOLDS}")
    if not isinstance(saved.get("metadata", {}), Mapping):
        raise ValueError(f"{str(path)!r} has no metadata dict; {_HOLDS}")
    return saved


def read_checkpoint(out_dir: Path, map_location: Any) -> dict[str, Any] | None:
    """The checkpoint in the run folder ``out_dir``, None without one."""
    path = out_dir / CHECKPOINT_NAME
    if not path.exists():
        return None
    return _check_checkpoint(_torch_load(path, map_location), path)


def _weights_file(path: Path) -> Path:
    """A run folder's ``model.pt``, else its ``checkpoint.pt``; a file as it is."""
    if path.is_dir():
        return path / MODEL_NAME if (path / MODEL_NAME).exists() else path / CHECKPOINT_NAME
    return path


def load_checkpoint(path: str | os.PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Read a checkpoint or final-weights file written by ``train``.

    Parameters
    ----------
    path : str or path-like
        ``<out_dir>/checkpoint.pt``, ``<out_dir>/model.pt`` or a run directory (its
        ``model.pt``, else its ``checkpoint.pt``).
    map_location
        As in :func:`torch.load`.

    Returns
    -------
    dict
        ``"model"`` (state dict), ``"metadata"`` and, for checkpoints, ``"epoch"`` (epochs
        completed), ``"optimizer"``, ``"scheduler"``, ``"scaler"``, ``"rng"``, ``"history"``.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a torch file, or holds something else than a ``"model"`` state dict
        and ``"metadata"`` (the message names the file).

    Examples
    --------
    >>> import tempfile, torch
    >>> from v1pushpull.torch.checkpoints import load_checkpoint
    >>> from v1pushpull.torch.training import train
    >>> model = torch.nn.Linear(4, 2)
    >>> data = [(torch.rand(8, 4), torch.randint(0, 2, (8,)))]
    >>> with tempfile.TemporaryDirectory() as out:
    ...     _ = train(model, data, recipe="lenet", epochs=1, out_dir=out, progress=False)
    ...     load_checkpoint(out)["metadata"]["epochs"]
    1
    """
    path = _weights_file(Path(path))
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    return _check_checkpoint(_torch_load(path, map_location), path)


def weights_fingerprint(model: nn.Module) -> str:
    """SHA-256 of a model's state dict: names, dtypes, shapes and the bytes of every tensor.

    Parameters
    ----------
    model : torch.nn.Module
        The model (a DistributedDataParallel wrapper is looked through).

    Returns
    -------
    str
        64 hexadecimal digits; equal for equal weights, whatever the device.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.checkpoints import weights_fingerprint
    >>> a = torch.nn.Linear(2, 2)
    >>> b = torch.nn.Linear(2, 2); _ = b.load_state_dict(a.state_dict())
    >>> weights_fingerprint(a) == weights_fingerprint(b)
    True
    """
    model = model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
    digest = hashlib.sha256()
    for key, tensor in sorted(model.state_dict().items()):
        tensor = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{key}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        # a byte view hashes every dtype (bfloat16, bool) without a NumPy conversion
        digest.update(tensor.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _read_weights(run: Path) -> tuple[Path, dict[str, Any], tuple[int, int] | None]:
    """The weights file of ``run``, its contents and, for a run folder with both files at
    different epochs, (epoch, planned epochs) of its checkpoint."""
    path = _weights_file(run)
    if not path.exists():
        raise FileNotFoundError(f"no model at {str(path)!r}; train one with `v1pushpull train`")
    checkpoint = None
    if run.is_dir() and path.name == MODEL_NAME and (run / CHECKPOINT_NAME).exists():
        checkpoint = _check_checkpoint(
            _torch_load(run / CHECKPOINT_NAME, "cpu"), run / CHECKPOINT_NAME
        )
    saved = _torch_load(path, "cpu")
    if not isinstance(saved, dict) or not ({"model", "state_dict"} & set(saved)):
        raise ValueError(
            f"{str(path)!r} is not a checkpoint of v1pushpull or of [S20]; {_HOLDS}, one of "
            "the authors' release a dict with 'state_dict'"
        )
    newer = None
    if checkpoint is not None:
        newer = (int(checkpoint["epoch"]), int(checkpoint["metadata"]["epochs"]))
    return path, saved, newer


def _run_metadata(saved: Mapping[str, Any], newer: tuple[int, int] | None) -> dict[str, Any]:
    if "model" not in saved:  # the authors' release: weights only
        return {}
    metadata = dict(saved.get("metadata", {}))
    # model.pt is written only at the end: it has seen all its epochs
    trained = saved.get("epoch", metadata.get("epochs"))
    if trained is not None:
        metadata["trained_epochs"] = int(trained)
        if newer is not None and newer[0] != int(trained):
            # training was continued after model.pt and has not finished yet
            metadata["checkpoint_epochs"] = newer
    return metadata


_PUSHPULLNET_MARKER = "push_conv.weight"


def _from_pushpullnet(
    state: Mapping[str, Any], metadata: dict[str, Any], hyper: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """A PushPull-Net state dict in v1pushpull's names, its options put into ``metadata``, and
    the prefixes of the units that carry a bias."""
    from .pushpullnet import from_pushpullnet_state_dict, pushpullnet_layer_options

    prefixes = [k[: -len(_PUSHPULLNET_MARKER)] for k in state if k.endswith(_PUSHPULLNET_MARKER)]
    trainable = any(p + "pull_inhibition_strength" in state for p in prefixes)
    options = pushpullnet_layer_options(
        **{"trainable_pull_inhibition": trainable, **dict(hyper or {})}
    )
    if options.pop("trainable_alpha") != trainable:
        raise ArgumentError(
            "pushpullnet",
            None,
            "{argument} sets trainable_pull_inhibition against the state dict, which "
            + ("holds" if trainable else "does not hold")
            + " pull_inhibition_strength",
            whole=True,
        )
    biases = [p for p in prefixes if p + "bias" in state]
    options.pop("bias")
    metadata.update(options, trainable_alpha=trainable, pull="inverted", scale=2.0)
    metadata["source_layout"] = "PushPull-Net"
    return from_pushpullnet_state_dict(state), biases


def _add_bias(model: nn.Module, prefix: str) -> None:
    """Give the push-pull unit at ``prefix`` (``"conv1."``) a bias, as PushPull-Net's have."""
    layer = model.get_submodule(prefix.rstrip("."))
    push = getattr(layer, "push", None)
    if isinstance(push, nn.Conv2d) and push.bias is None:
        push.bias = nn.Parameter(torch.zeros(push.out_channels, dtype=push.weight.dtype))


def load_model(
    run: str | os.PathLike,
    *,
    arch: str | None = None,
    pushpull: str | None = None,
    dataset: str | None = None,
    pushpullnet: Mapping[str, Any] | None = None,
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
    pushpullnet : mapping or None
        For a state dict in PushPull-Net's layout [B24] (recognised by a key ending in
        ``push_conv.weight``): its hyper-parameters that the state dict does not hold, as keyword
        arguments of :func:`v1pushpull.torch.pushpullnet.pushpullnet_layer_options`
        (``avg_kernel_size``: 3 for PP3, 5 for PP5, 0 for none; ``pull_inhibition_strength``:
        the fixed α). Its keys are renamed by :func:`~v1pushpull.torch.pushpullnet.
        from_pushpullnet_state_dict` (``push_conv.weight`` → ``push.weight``, ``bias`` →
        ``push.bias``, ``pull_inhibition_strength`` → ``alpha``), the push-pull layers are
        built with ``pull="inverted"``, α is trainable exactly when the state dict holds it,
        and a unit that has a bias gets one. The network around the units must be
        ``arch``'s (PushPull-Net's torchvision ResNet-18/50 is not one of v1pushpull's).

    Returns
    -------
    model : torch.nn.Module
        The architecture of :func:`v1pushpull.torch.models.build_model`, with the
        :class:`~v1pushpull.torch.layers.PushPullOptions` of the metadata, and the weights
        loaded strictly, on the CPU.
    metadata : dict
        The run's metadata with the overrides applied and, for a file of ``train``,
        ``"trained_epochs"``: the epochs the weights have seen (a ``checkpoint.pt`` of an
        unfinished run holds fewer than ``"epochs"``), and ``"checkpoint_epochs"`` = (epoch,
        planned epochs) of the run folder's ``checkpoint.pt`` when it is at another epoch than
        ``model.pt`` (a continued run that has not finished).

    Raises
    ------
    FileNotFoundError
        If there is no weights file at ``run``.
    ValueError
        If the file is not a checkpoint, the architecture is unknown or not stated
        (:class:`~v1pushpull._errors.ArgumentError` naming ``arch`` or ``pushpull``), or the
        weights do not fit it.

    Examples
    --------
    >>> import tempfile, torch
    >>> from v1pushpull.torch.checkpoints import load_model
    >>> from v1pushpull.torch.models import build_model
    >>> with tempfile.TemporaryDirectory() as run:
    ...     state = build_model("lenet-d").state_dict()
    ...     torch.save({"model": state, "metadata": {"arch": "lenet-d"}}, f"{run}/model.pt")
    ...     model, metadata = load_model(run, pushpull="none", dataset="digits")
    >>> type(model).__name__, metadata["dataset"]
    ('LeNet', 'digits')
    """
    from .front_end import FRONT_END_KEYS
    from .layers import PushPullOptions
    from .models import ARCHITECTURES, build_model

    path, saved, newer = _read_weights(Path(run))
    metadata = _run_metadata(saved, newer)
    state = saved["model"] if "model" in saved else saved["state_dict"]
    for name, value in (("arch", arch), ("pushpull", pushpull), ("dataset", dataset)):
        if value is not None:
            metadata[name] = value
    if "arch" in metadata and metadata["arch"] not in ARCHITECTURES:
        raise ArgumentError(
            "arch", metadata["arch"], f"is not known; expected one of {list(ARCHITECTURES)}"
        )
    missing = [name for name in ("arch", "pushpull") if name not in metadata]
    if missing:
        raise ArgumentError(
            missing[0],
            None,
            f"{str(path)!r} does not say its {' and '.join(missing)}; give "
            + " ".join(f"{{{m}}}" for m in missing),
            whole=True,
            **{m: m for m in missing},
        )
    metadata.setdefault("dataset", "cifar10")
    pushpullnet_biases: list[str] = []
    if any(key.endswith(_PUSHPULLNET_MARKER) for key in state):
        state, pushpullnet_biases = _from_pushpullnet(state, metadata, pushpullnet)
    model = build_model(
        metadata["arch"],
        pushpull=metadata["pushpull"],
        options=PushPullOptions.from_metadata(metadata),
        **{k: metadata[k] for k in _MODEL_KEYS if k in metadata},
        **{k: metadata[k] for k in FRONT_END_KEYS if k in metadata},
    )
    for prefix in pushpullnet_biases:
        _add_bias(model, prefix)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ValueError(
            f"the weights in {str(path)!r} do not fit {metadata['arch']} with push-pull "
            f"{metadata['pushpull']!r}: {str(error).splitlines()[0]}"
        ) from error
    return model, metadata
