"""Training the networks of [S20]: the recipes and the epoch loop.

:func:`train` runs SGD with the paper's recipes (:data:`RECIPES`) and reads as restore →
epochs → save: it resumes from the run folder's checkpoint, trains epoch by epoch and writes
a checkpoint atomically after every epoch (:mod:`v1pushpull.torch.checkpoints`), so a run
killed at any moment loses at most the epoch in progress. Every epoch reseeds all random
number generators from ``(seed, epoch, rank)``, which makes a resumed run take the same steps
as an uninterrupted one (bit for bit on CPU). It trains on one device, with mixed precision on
CUDA, or on several processes with :class:`torch.nn.parallel.DistributedDataParallel` when
launched by ``torchrun`` (:mod:`v1pushpull.torch.distributed`).

References
----------
[S20] Strisciuglio, Lopez-Antequera, Petkov. Enhanced robustness of convolutional networks with
a push-pull inhibition layer. Neural Computing and Applications 32:17957–17971 (2020).
"""

from __future__ import annotations

import dataclasses
import os
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import xarray as xr
from torch import nn

from .._errors import ArgumentError
from .._io import writable_folder, write_netcdf
from ..registry import DATASETS
from .checkpoints import (
    derived_seed,
    read_checkpoint,
    remove_leftovers,
    save_checkpoint,
    save_model,
    set_rng_state,
)
from .data import batch_normalizer
from .distributed import all_reduce_sum, barrier, process_group, resolve_device
from .evaluation import loader_error

__all__ = [
    "DIGITS_BATCH_SIZE",
    "DIGITS_LR",
    "RECIPES",
    "Recipe",
    "recipe_for",
    "seed_everything",
    "train",
]

HISTORY_NAME = "history.nc"


@dataclass(frozen=True)
class Recipe:
    """An SGD schedule: step decay of the learning rate at given epochs.

    Parameters
    ----------
    epochs : int
        Number of epochs.
    lr : float
        Initial learning rate.
    milestones : tuple of int
        Epochs (0-based, at whose start the rate is multiplied by ``gamma``), increasing and
        below ``epochs``.
    batch_size : int
        Batch size of the recipe (per process it is ``batch_size / world_size``; the data
        loaders apply it, :func:`train` only records it).
    weight_decay : float
        L2 penalty.
    momentum : float
        SGD momentum.
    nesterov : bool
        Nesterov momentum.
    gamma : float
        Factor applied at each milestone.

    Raises
    ------
    ValueError
        If a value is out of range or the milestones are not increasing within ``epochs``.

    Examples
    --------
    >>> from v1pushpull.torch.training import RECIPES
    >>> RECIPES["resnet"].scaled(20).milestones
    (8, 12, 16)
    """

    epochs: int
    lr: float
    milestones: tuple[int, ...]
    batch_size: int
    weight_decay: float
    momentum: float = 0.9
    nesterov: bool = True
    gamma: float = 0.1

    def __post_init__(self) -> None:
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise ArgumentError("epochs", self.epochs, "is not valid; expected a positive integer")
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int):
            raise ArgumentError("batch_size", self.batch_size, "is not valid; expected an integer")
        if self.batch_size < 1:
            raise ArgumentError("batch_size", self.batch_size, "is not valid; expected >= 1")
        if not self.lr > 0:
            raise ArgumentError("lr", self.lr, "is not valid; expected > 0")
        if not self.weight_decay >= 0:
            raise ArgumentError("weight_decay", self.weight_decay, "is not valid; expected >= 0")
        if not 0 <= self.momentum < 1:
            raise ArgumentError("momentum", self.momentum, "is not valid; expected in [0, 1)")
        if not 0 < self.gamma <= 1:
            raise ArgumentError("gamma", self.gamma, "is not valid; expected in (0, 1]")
        milestones = tuple(self.milestones)
        if list(milestones) != sorted(set(milestones)) or any(
            not 0 < m < self.epochs for m in milestones
        ):
            raise ArgumentError(
                "milestones",
                self.milestones,
                f"is not valid; expected increasing epochs in (0, {self.epochs})",
            )
        object.__setattr__(self, "milestones", milestones)

    def scaled(self, epochs: int) -> Recipe:
        """The same schedule stretched to ``epochs``: milestones at the same fractions.

        Parameters
        ----------
        epochs : int
            New number of epochs.

        Returns
        -------
        Recipe
            A copy with ``epochs`` and milestones ``round(m · epochs / self.epochs)`` (those
            that fall on 0 or on ``epochs``, or repeat, are dropped).

        Examples
        --------
        >>> from v1pushpull.torch.training import RECIPES
        >>> RECIPES["densenet"].scaled(35).milestones
        (15, 22, 30)
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ArgumentError("epochs", epochs, "is not valid; expected a positive integer")
        stretched = sorted({round(m * epochs / self.epochs) for m in self.milestones})
        milestones = tuple(m for m in stretched if 0 < m < epochs)
        return dataclasses.replace(self, epochs=epochs, milestones=milestones)


#: The training recipes of [S20] (SGD, Nesterov momentum 0.9, lr 0.1, step decay ÷10).
RECIPES: dict[str, Recipe] = {
    "resnet": Recipe(200, 0.1, (80, 120, 160), batch_size=128, weight_decay=1e-4),
    "densenet": Recipe(350, 0.1, (150, 225, 300), batch_size=64, weight_decay=1e-4),
    "lenet": Recipe(90, 0.1, (30, 60), batch_size=128, weight_decay=5e-4),
}


#: Learning rate and batch size on the small digits set (1 437 training images of
#: :func:`v1pushpull.datasets.load_digits`): at the paper's lr 0.1 the LeNets often stay at
#: chance there, at lr 0.02 with batches of 32 they reach 8-9 % (the recipe changes of the
#: digits entry of :data:`v1pushpull.registry.DATASETS`).
DIGITS_LR = DATASETS["digits"].recipe_changes["lr"]
DIGITS_BATCH_SIZE = DATASETS["digits"].recipe_changes["batch_size"]


def recipe_for(family: str, dataset: str) -> Recipe:
    """The default recipe of an architecture family on a data set.

    Parameters
    ----------
    family : {"resnet", "densenet", "lenet"}
        The architecture family (:func:`v1pushpull.torch.models.model_family`).
    dataset : str
        A key of :data:`v1pushpull.registry.DATASETS`, whose ``recipe_changes`` apply:
        ``"digits"`` takes lr :data:`DIGITS_LR` = 0.02 and batch size
        :data:`DIGITS_BATCH_SIZE` = 32 instead of the paper's 0.1 and 64-128 (at 0.1 the
        networks often do not learn this small set); the others take :data:`RECIPES` as
        published.

    Returns
    -------
    Recipe

    Raises
    ------
    ValueError
        For an unknown family or data set.

    Examples
    --------
    >>> from v1pushpull.torch.training import recipe_for
    >>> recipe = recipe_for("lenet", "digits")
    >>> recipe.lr, recipe.batch_size, recipe.milestones
    (0.02, 32, (30, 60))
    """
    if family not in RECIPES:
        raise ArgumentError("family", family, "is not valid; expected one of {tuple(RECIPES)}")
    if dataset not in DATASETS:
        raise ArgumentError("dataset", dataset, f"is not known; expected one of {tuple(DATASETS)}")
    changes = DATASETS[dataset].recipe_changes
    return dataclasses.replace(RECIPES[family], **changes) if changes else RECIPES[family]


def _check_seed(seed: Any) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ArgumentError("seed", seed, "is not valid; expected a non-negative integer")


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and CUDA).

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative integer.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.training import seed_everything
    >>> seed_everything(0); a = torch.rand(1); seed_everything(0)
    >>> bool(torch.rand(1) == a)
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ArgumentError("seed", seed, "is not valid; expected a non-negative integer")
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 -- the legacy global generator is what we seed
    torch.manual_seed(seed)


def _seed_epoch(loader: Iterable, seed: int, epoch: int, rank: int) -> None:
    # All randomness of an epoch (shuffling, augmentation, dropout) derives from
    # (seed, epoch, rank), so an epoch replayed after a crash repeats the lost one exactly.
    epoch_seed = derived_seed(seed, epoch, rank)
    random.seed(epoch_seed)
    np.random.seed(epoch_seed)  # noqa: NPY002
    torch.manual_seed(epoch_seed)
    generator = getattr(loader, "generator", None)
    if isinstance(generator, torch.Generator):
        generator.manual_seed(epoch_seed)
    # DistributedSampler (the same permutation on every rank) and any dataset or collate
    # function with its own random state follow the set_epoch convention
    for part in ("sampler", "batch_sampler", "dataset", "collate_fn"):
        component = getattr(loader, part, None)
        if callable(getattr(component, "set_epoch", None)):
            component.set_epoch(epoch)


def _resolve_recipe(
    recipe: str | Recipe,
    epochs: int | None,
    lr: float | None,
    milestones: Sequence[int] | None,
    weight_decay: float | None,
    momentum: float | None,
    nesterov: bool | None,
) -> Recipe:
    if isinstance(recipe, str):
        if recipe not in RECIPES:
            raise ArgumentError(
                "recipe", recipe, f"is not valid; expected one of {tuple(RECIPES)} or a Recipe"
            )
        recipe = RECIPES[recipe]
    elif not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a name or a Recipe, got {type(recipe).__name__}")
    if epochs is not None:
        recipe = recipe.scaled(epochs)
    changes: dict[str, Any] = {}
    for name, value in (
        ("lr", lr),
        ("weight_decay", weight_decay),
        ("momentum", momentum),
        ("nesterov", nesterov),
    ):
        if value is not None:
            changes[name] = value
    if milestones is not None:
        changes["milestones"] = tuple(milestones)
    return dataclasses.replace(recipe, **changes) if changes else recipe


def _follow_schedule(
    scheduler: torch.optim.lr_scheduler.MultiStepLR,
    optimizer: torch.optim.Optimizer,
    schedule: Recipe,
    epoch: int,
) -> None:
    """Make a scheduler loaded from a checkpoint follow ``schedule`` from ``epoch`` on.

    The loaded state carries the milestones, γ and rate of the schedule the run started with;
    a rerun with more epochs stretches the milestones (:meth:`Recipe.scaled`), so they and the
    current rate are rebuilt, as a fresh run of the new length would have them at ``epoch``.
    An unchanged schedule keeps the loaded state, so that a resumed run stays bit-identical.
    """
    milestones = Counter(schedule.milestones)
    base_lrs = [schedule.lr] * len(optimizer.param_groups)
    if (
        scheduler.milestones == milestones
        and scheduler.gamma == schedule.gamma
        and list(scheduler.base_lrs) == base_lrs
    ):
        return
    lr = schedule.lr
    for milestone in schedule.milestones:
        if milestone <= epoch:
            lr *= schedule.gamma  # the repeated product MultiStepLR computes
    scheduler.milestones = milestones
    scheduler.gamma = schedule.gamma
    scheduler.base_lrs = base_lrs
    scheduler.last_epoch = epoch
    for group in optimizer.param_groups:
        group["initial_lr"] = schedule.lr
        group["lr"] = lr


@dataclass
class _Trainer:
    """The state of one training run: network, optimizer, schedule and history."""

    model: nn.Module
    network: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.MultiStepLR
    scaler: torch.amp.GradScaler
    device: torch.device
    use_amp: bool
    normalize: Callable[[torch.Tensor], torch.Tensor]
    history: dict[str, list[float]] = field(default_factory=dict)
    loss_function: nn.Module = field(default_factory=nn.CrossEntropyLoss)

    @classmethod
    def start(
        cls,
        model: nn.Module,
        schedule: Recipe,
        device: torch.device,
        use_amp: bool,
        normalization: Any,
        with_test: bool,
    ) -> _Trainer:
        model.to(device)
        network = model
        if process_group()[1] > 1:
            network = nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None
            )
        optimizer = torch.optim.SGD(
            model.parameters(),
            lr=schedule.lr,
            momentum=schedule.momentum,
            nesterov=schedule.nesterov,
            weight_decay=schedule.weight_decay,
        )
        scheduler = torch.optim.lr_scheduler.MultiStepLR(
            optimizer, milestones=list(schedule.milestones), gamma=schedule.gamma
        )
        history: dict[str, list[float]] = {"train_loss": [], "train_error": [], "lr": []}
        if with_test:
            history["test_error"] = []
        return cls(
            model,
            network,
            optimizer,
            scheduler,
            torch.amp.GradScaler("cuda", enabled=use_amp),
            device,
            use_amp,
            batch_normalizer(normalization, device),
            history,
        )

    def restore(self, state: Mapping[str, Any], schedule: Recipe) -> int:
        """Continue from a checkpoint's state; the epochs it completed."""
        start = int(state["epoch"])
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        _follow_schedule(self.scheduler, self.optimizer, schedule, start)
        self.scaler.load_state_dict(state["scaler"])
        set_rng_state(state["rng"])
        self.history = {k: list(v) for k, v in state["history"].items()}
        return start

    def step(self, images: torch.Tensor, labels: torch.Tensor, totals: torch.Tensor) -> Any:
        """One SGD step on a batch; adds (loss sum, errors, count) to ``totals``."""
        images = self.normalize(images.to(self.device, non_blocking=True))
        labels = labels.to(self.device, non_blocking=True)
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.use_amp):
            logits = self.network(images)
            loss = self.loss_function(logits, labels)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        with torch.no_grad():
            totals[0] += loss.detach().double() * len(labels)
            totals[1] += (logits.argmax(1) != labels).sum()
            totals[2] += len(labels)
        return loss

    def epoch(self, batches: Iterable, show: bool) -> None:
        """Train one epoch and record its loss, error and learning rate."""
        self.network.train()
        current_lr = self.optimizer.param_groups[0]["lr"]
        totals = torch.zeros(3, dtype=torch.float64, device=self.device)
        for images, labels in batches:
            loss = self.step(images, labels, totals)
            if show:
                batches.set_postfix(loss=f"{loss.item():.3f}")  # type: ignore[attr-defined]
        self.scheduler.step()
        loss_sum, errors, count = all_reduce_sum(totals).tolist()
        self.history["train_loss"].append(loss_sum / max(count, 1))
        self.history["train_error"].append(100.0 * errors / max(count, 1))
        self.history["lr"].append(current_lr)

    def test(self, test_loader: Iterable) -> None:
        error = loader_error(self.model, test_loader, self.device, self.use_amp, self.normalize)
        self.history["test_error"].append(error)

    def save(self, out_dir: Path, epoch: int, metadata: Mapping[str, Any]) -> None:
        """The checkpoint after ``epoch`` epochs (rank 0 writes, every rank waits)."""
        if process_group()[0] == 0:
            save_checkpoint(
                out_dir,
                epoch=epoch,
                model=self.model,
                optimizer=self.optimizer,
                scheduler=self.scheduler,
                scaler=self.scaler,
                history=self.history,
                metadata=metadata,
            )
        barrier()


def _checkpoint_to_resume(
    out_dir: Path | None, info: Mapping[str, Any], resume: bool, device: torch.device
) -> dict[str, Any] | None:
    """The run folder's checkpoint when it is to be resumed, checked against this run."""
    if out_dir is None:
        return None
    if process_group()[0] == 0:
        remove_leftovers(out_dir)
    state = read_checkpoint(out_dir, device) if resume else None
    if state is None:
        return None
    stored = state.get("metadata", {})
    clashes = {
        k: (stored[k], info[k])
        for k in set(stored) & set(info)
        if k not in ("epochs", "recipe") and stored[k] != info[k]
    }
    if clashes:
        raise ArgumentError(
            "out_dir",
            str(out_dir),
            f"holds the checkpoint of another run (stored vs requested: {clashes}); choose "
            "another {out_dir} folder or pass {resume}",
            out_dir="out_dir",
            resume="resume=False",
        )
    done = int(state["epoch"])
    if done > info["epochs"]:
        raise ArgumentError(
            "out_dir",
            str(out_dir),
            f"holds a checkpoint already at epoch {done}; pass {{epochs}} >= {done} or {{resume}}",
            epochs="epochs",
            resume="resume=False",
        )
    return state


def _say_where(out_dir: Path | None, start: int, epochs: int) -> None:
    if start == epochs:
        print(f"{out_dir}: already trained for {start} epochs; nothing to do", file=sys.stderr)
    elif start > 0:
        print(
            f"{out_dir}: resuming from epoch {start} of {epochs} (its checkpoint)",
            file=sys.stderr,
        )


def _epoch_report(history: Mapping[str, list[float]], epoch: int) -> str:
    message = f"epoch {epoch + 1}: loss {history['train_loss'][-1]:.4f}, "
    message += f"train error {history['train_error'][-1]:.2f} %"
    if "test_error" in history:
        message += f", test error {history['test_error'][-1]:.2f} %"
    return message


def _history_dataset(history: Mapping[str, list[float]], metadata: Mapping[str, Any]) -> xr.Dataset:
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    units = {"train_loss": "nats", "train_error": "%", "test_error": "%", "lr": "1"}
    data_vars = {
        name: ("epoch", np.asarray(values, dtype=float), {"units": units[name]})
        for name, values in history.items()
        if len(values) == len(epochs)
    }
    attrs = {k: v for k, v in metadata.items() if isinstance(v, (str, int, float))}
    return xr.Dataset(data_vars, coords={"epoch": epochs}, attrs=attrs)


def train(
    model: nn.Module,
    train_loader: Iterable,
    *,
    recipe: str | Recipe = "resnet",
    epochs: int | None = None,
    lr: float | None = None,
    milestones: Sequence[int] | None = None,
    weight_decay: float | None = None,
    momentum: float | None = None,
    nesterov: bool | None = None,
    device: str | torch.device | None = None,
    out_dir: str | os.PathLike | None = None,
    seed: int = 0,
    amp: bool | None = None,
    test_loader: Iterable | None = None,
    resume: bool = True,
    progress: bool = True,
    metadata: Mapping[str, Any] | None = None,
    normalization: tuple[Sequence[float], Sequence[float]] | None = None,
) -> xr.Dataset:
    """Train a classifier with SGD and step decay, checkpointing every epoch.

    Parameters
    ----------
    model : torch.nn.Module
        The network; trained in place (seed torch before building it for reproducible
        initial weights). Under ``torchrun`` it is wrapped in DistributedDataParallel, which
        copies rank 0's initial weights to every rank.
    train_loader : iterable of (images, labels)
        Batches of float images ``(N, C, H, W)`` and int64 labels; under ``torchrun`` it must
        shard the data (a :class:`~torch.utils.data.distributed.DistributedSampler`, e.g.
        ``make_loaders(..., distributed=True)``).
    recipe : {"resnet", "densenet", "lenet"} or Recipe
        The schedule of [S20] (:data:`RECIPES`); the arguments below override its fields.
    epochs : int or None
        Number of epochs; the recipe's milestones are stretched to it (:meth:`Recipe.scaled`).
    lr, milestones, weight_decay, momentum, nesterov
        Overrides of the recipe (None keeps it).
    device : str, torch.device or None
        Where to train; None takes CUDA (the local rank's GPU) when available, else the CPU.
    out_dir : str, path-like or None
        Folder of ``checkpoint.pt`` (written atomically after every epoch) and, at the end,
        ``model.pt`` (weights and metadata) and ``history.nc``. None trains without files.
    seed : int
        Seeds the randomness of every epoch (shuffling, augmentation, dropout) through
        ``(seed, epoch, rank)``.
    amp : bool or None
        Mixed precision (float16 autocast with gradient scaling); None uses it on CUDA. It is
        never used on the CPU.
    test_loader : iterable or None
        If given, the test error is measured after every epoch. Under ``torchrun`` the counts
        are summed over the ranks, so a sharded test loader (``make_loaders(...,
        distributed=True)``) gives the error on the whole test set.
    resume : bool
        Continue from ``out_dir/checkpoint.pt`` if it exists (model, optimizer, scheduler,
        gradient scaler, random states, history); the run then ends with the same weights as
        an uninterrupted one. Its metadata and seed must match this call's. The number of
        epochs may grow: the learning-rate schedule is then rebuilt for the new length (the
        milestones stretched, the rate that of a fresh run of that length at the resumed
        epoch); it may not fall below the checkpoint's epoch. False starts afresh and
        overwrites it.
    progress : bool
        Show a tqdm bar per epoch and say on stderr when a run resumes or is already
        finished (rank 0 only).
    metadata : mapping or None
        Extra facts stored in the checkpoint and ``model.pt`` (e.g. ``arch``, ``pushpull``,
        ``dataset``), so that the run can be rebuilt and evaluated later.
    normalization : (mean, std) or None
        Per-channel mean and standard deviation applied to every batch on the device, e.g.
        :func:`v1pushpull.torch.data.normalization` ``("cifar10")``: the loaders yield [0, 1]
        images (the scale of the corruptions) and the model keeps the authors' state-dict
        keys. None feeds the batches unchanged.

    Returns
    -------
    xarray.Dataset
        Per epoch: ``train_loss`` (mean cross-entropy), ``train_error`` (%), ``lr`` and, with a
        test loader, ``test_error`` (%).

    Raises
    ------
    ValueError
        If the recipe, an override, ``seed`` or ``device`` is not valid, ``out_dir`` is not a
        folder where files can be written (checked before training), or ``out_dir`` holds
        the checkpoint of a run with other metadata or seed, or one already past ``epochs``
        (an :class:`~v1pushpull._errors.ArgumentError` naming the argument).
    TypeError
        If ``recipe`` is neither a name nor a :class:`Recipe`.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.training import train
    >>> model = torch.nn.Linear(4, 2)
    >>> data = [(torch.rand(8, 4), torch.randint(0, 2, (8,)))]
    >>> history = train(model, data, recipe="lenet", epochs=2, progress=False)
    >>> history.sizes["epoch"]
    2
    """
    schedule = _resolve_recipe(recipe, epochs, lr, milestones, weight_decay, momentum, nesterov)
    _check_seed(seed)
    device = resolve_device(device)
    rank, world_size = process_group()
    # a bad run folder fails now, not after the first epoch
    out_path = None if out_dir is None else writable_folder(out_dir, "out_dir")
    info = {
        **dict(metadata or {}),
        "epochs": schedule.epochs,
        "recipe": repr(schedule),
        "seed": seed,
        "world_size": world_size,
    }
    use_amp = device.type == "cuda" and (amp is None or amp)
    trainer = _Trainer.start(
        model, schedule, device, use_amp, normalization, test_loader is not None
    )
    state = _checkpoint_to_resume(out_path, info, resume, device)
    start = 0 if state is None else trainer.restore(state, schedule)
    show = progress and rank == 0
    if show:
        _say_where(out_path, start, schedule.epochs)
    for epoch in range(start, schedule.epochs):
        _seed_epoch(train_loader, seed, epoch, rank)
        trainer.epoch(_progress_bar(train_loader, epoch, schedule.epochs, show), show)
        if test_loader is not None:
            trainer.test(test_loader)
        if show:
            from tqdm.auto import tqdm

            tqdm.write(_epoch_report(trainer.history, epoch))
        if out_path is not None:
            trainer.save(out_path, epoch + 1, info)
    result = _history_dataset(trainer.history, info)
    if out_path is not None and rank == 0:
        save_model(out_path, model, info)
        write_netcdf(result, out_path / HISTORY_NAME)
    return result


def _progress_bar(loader: Iterable, epoch: int, epochs: int, show: bool) -> Iterable:
    if not show:
        return loader
    from tqdm.auto import tqdm

    return tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}", leave=False)
