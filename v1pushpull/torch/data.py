"""PyTorch data pipelines over the NumPy data sets of :mod:`v1pushpull.datasets`.

:func:`make_loaders` returns the training and test :class:`~torch.utils.data.DataLoader` of
``"digits"`` (offline default), ``"mnist"`` or ``"cifar10"``; :func:`array_loader` wraps any
``(images, labels)`` pair, for example a CIFAR-10-C severity or a corrupted batch.

Loaders yield float32 images in [0, 1] and int64 labels: corruptions are defined on [0, 1]
images, so normalisation belongs to the model's input, done with :class:`Normalize`:

- CIFAR-10: per-channel mean (125.3, 123.0, 113.9)/255 and std (63.0, 62.1, 66.7)/255
  (:data:`CIFAR10_MEAN`, :data:`CIFAR10_STD`), the values of the ResNet/DenseNet recipes
  used by [S20];
- digits and MNIST: no normalisation; the LeNets see [0, 1] grey levels, the scale on which the
  noise variances and contrasts of the MNIST protocol are stated.

CIFAR-10 training augmentation (:func:`augment_cifar`, from [S20] and the ResNet recipe):
reflect-pad 4 px, random 32×32 crop, horizontal flip with probability 1/2, applied per batch
with torch operations (torchvision is not needed). Digits and MNIST are not augmented: the
recipes of [S20] define no augmentation for them, and a flip changes a digit's identity.

References
----------
.. [S20] N. Strisciuglio, M. Lopez-Antequera, N. Petkov. Enhanced robustness of convolutional
   networks with a push-pull inhibition layer. Neural Computing and Applications 32 (2020).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

from .._errors import ArgumentError
from ..registry import CIFAR10_MEAN, CIFAR10_STD, get_dataset
from ..registry import DATASETS as _REGISTRY

__all__ = [
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "DATASETS",
    "AugmentCollate",
    "Normalize",
    "array_loader",
    "augment_cifar",
    "batch_normalizer",
    "horizontal_flip",
    "make_loaders",
    "normalization",
    "random_crop",
    "random_horizontal_flip",
    "reflect_pad",
]

#: Data sets that :func:`make_loaders` knows (the keys of :data:`v1pushpull.registry.DATASETS`).
DATASETS: tuple[str, ...] = tuple(_REGISTRY)


def normalization(dataset: str) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """Return the input normalisation ``(mean, std)`` of a data set, or None for none.

    Parameters
    ----------
    dataset : {"digits", "mnist", "cifar10"}

    Returns
    -------
    tuple or None
        ``(CIFAR10_MEAN, CIFAR10_STD)`` for CIFAR-10; None for digits and MNIST, which the
        LeNets take as [0, 1] grey levels.

    Raises
    ------
    ValueError
        If ``dataset`` is unknown.

    Examples
    --------
    >>> from v1pushpull.torch.data import normalization
    >>> normalization("mnist") is None
    True
    """
    return get_dataset(dataset).normalization


def batch_normalizer(
    normalization: tuple[Sequence[float], Sequence[float]] | None, device: torch.device
) -> Any:
    """A function ``x ↦ (x − mean) / std`` on batches on ``device`` (identity for None).

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.data import batch_normalizer
    >>> batch_normalizer(((0.5,), (0.5,)), torch.device("cpu"))(torch.ones(1, 1, 2, 2)).max()
    tensor(1.)
    """
    if normalization is None:
        return lambda x: x
    mean, std = (
        torch.as_tensor(np.asarray(v, dtype=np.float32), device=device).reshape(1, -1, 1, 1)
        for v in normalization
    )
    return lambda x: (x - mean) / std


class Normalize(nn.Module):
    """Per-channel standardisation ``(x − mean) / std`` of a batch ``(N, C, H, W)``.

    Put it in front of a model (``nn.Sequential(Normalize(...), model)``) so that the model
    takes [0, 1] images, the scale of the corruptions.

    Parameters
    ----------
    mean, std : sequence of float
        One value per channel (std > 0), for images in [0, 1].

    Raises
    ------
    ValueError
        If the lengths differ, are empty, or a std is not positive.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.data import CIFAR10_MEAN, CIFAR10_STD, Normalize
    >>> normalize = Normalize(CIFAR10_MEAN, CIFAR10_STD)
    >>> normalize(torch.zeros(1, 3, 2, 2)).shape
    torch.Size([1, 3, 2, 2])
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        mean_array = np.asarray(mean, dtype=np.float64).ravel()
        std_array = np.asarray(std, dtype=np.float64).ravel()
        if mean_array.size == 0 or mean_array.shape != std_array.shape:
            raise ValueError(
                f"mean and std must be non-empty and of equal length, got {mean!r} and {std!r}"
            )
        if not np.all(std_array > 0):
            raise ValueError(f"std must be positive, got {std!r}")
        self.register_buffer(
            "mean", torch.as_tensor(mean_array, dtype=torch.float32).view(1, -1, 1, 1)
        )
        self.register_buffer(
            "std", torch.as_tensor(std_array, dtype=torch.float32).view(1, -1, 1, 1)
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return (images - self.mean.to(images.dtype)) / self.std.to(images.dtype)

    def extra_repr(self) -> str:
        return f"mean={self.mean.flatten().tolist()}, std={self.std.flatten().tolist()}"


# --------------------------------------------------------------------------------------------
# augmentation
# --------------------------------------------------------------------------------------------


def reflect_pad(images: torch.Tensor, padding: int = 4) -> torch.Tensor:
    """Pad a batch ``(N, C, H, W)`` by ``padding`` px on each side, mirroring about the edges.

    "Reflect" does not repeat the edge pixel (``numpy.pad(mode="reflect")``).

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.data import reflect_pad
    >>> reflect_pad(torch.arange(9.0).view(1, 1, 3, 3), 1)[0, 0, 1].tolist()
    [1.0, 0.0, 1.0, 2.0, 1.0]
    """
    return F.pad(images, (padding, padding, padding, padding), mode="reflect")


def random_crop(
    images: torch.Tensor,
    size: tuple[int, int],
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Crop each image of a batch ``(N, C, H, W)`` at its own random position.

    Parameters
    ----------
    images : torch.Tensor
        Batch, at least ``size`` large.
    size : (int, int)
        Output height and width in px.
    generator : torch.Generator, optional
        Source of the positions (uniform over all ``(H − h + 1)·(W − w + 1)`` windows).

    Returns
    -------
    torch.Tensor
        ``(N, C, h, w)``.

    Raises
    ------
    ValueError
        If ``size`` exceeds the image size.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.data import random_crop
    >>> random_crop(torch.zeros(2, 3, 40, 40), (32, 32)).shape
    torch.Size([2, 3, 32, 32])
    """
    n, _, height, width = images.shape
    out_h, out_w = size
    if out_h > height or out_w > width:
        raise ValueError(f"crop size {size} is larger than the images ({height}, {width})")
    device = images.device
    top = torch.randint(0, height - out_h + 1, (n,), generator=generator).to(device)
    left = torch.randint(0, width - out_w + 1, (n,), generator=generator).to(device)
    rows = (top[:, None] + torch.arange(out_h, device=device))[:, :, None]  # (N, h, 1)
    cols = (left[:, None] + torch.arange(out_w, device=device))[:, None, :]  # (N, 1, w)
    batch = torch.arange(n, device=device)[:, None, None]
    # advanced indexing puts the (N, h, w) index dims first and channels last
    return images.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous()


def horizontal_flip(images: torch.Tensor) -> torch.Tensor:
    """Mirror a batch ``(N, C, H, W)`` left–right (an involution).

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.data import horizontal_flip
    >>> horizontal_flip(torch.arange(3.0).view(1, 1, 1, 3))[0, 0, 0].tolist()
    [2.0, 1.0, 0.0]
    """
    return images.flip(-1)


def random_horizontal_flip(
    images: torch.Tensor, probability: float = 0.5, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Mirror each image of a batch left–right with probability ``probability``.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.data import random_horizontal_flip
    >>> random_horizontal_flip(torch.zeros(4, 3, 8, 8)).shape
    torch.Size([4, 3, 8, 8])
    """
    flip = torch.rand(images.shape[0], generator=generator) < probability
    flip = flip.to(images.device).view(-1, 1, 1, 1)
    return torch.where(flip, horizontal_flip(images), images)


def augment_cifar(
    images: torch.Tensor, *, padding: int = 4, generator: torch.Generator | None = None
) -> torch.Tensor:
    """CIFAR training augmentation: reflect-pad, random crop back to size, random flip.

    Parameters
    ----------
    images : torch.Tensor
        Batch ``(N, C, H, W)``.
    padding : int
        Reflect padding in px before cropping (4 in the recipes of [S20]).
    generator : torch.Generator, optional
        Source of crop positions and flips.

    Returns
    -------
    torch.Tensor
        Same shape as ``images``.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.data import augment_cifar
    >>> augment_cifar(torch.rand(8, 3, 32, 32)).shape
    torch.Size([8, 3, 32, 32])
    """
    height, width = images.shape[-2:]
    cropped = random_crop(reflect_pad(images, padding), (height, width), generator=generator)
    return random_horizontal_flip(cropped, generator=generator)


class AugmentCollate:
    """``collate_fn`` that stacks samples and applies :func:`augment_cifar` to the batch.

    Each DataLoader worker draws from its own generator seeded with the worker's seed (which
    PyTorch derives from the loader's generator, anew each epoch); without workers a generator
    seeded with ``seed`` is used, so runs are reproducible either way.

    Parameters
    ----------
    seed : int
        Seed of the main-process generator.
    padding : int
        Reflect padding in px.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.data import AugmentCollate
    >>> collate = AugmentCollate(seed=0)
    >>> images, labels = collate([(torch.rand(3, 32, 32), torch.tensor(1))] * 2)
    >>> images.shape, labels.tolist()
    (torch.Size([2, 3, 32, 32]), [1, 1])
    """

    def __init__(self, seed: int = 0, padding: int = 4) -> None:
        self.seed = int(seed)
        self.padding = int(padding)
        self.epoch = 0
        self._generators: dict[int, torch.Generator] = {}

    def set_epoch(self, epoch: int) -> None:
        """Reseed the main-process generator from ``(seed, epoch)``.

        :func:`v1pushpull.torch.training.train` calls this at the start of every epoch, so a
        run resumed at epoch ``e`` augments exactly as an uninterrupted run does.
        """
        self.epoch = int(epoch)
        self._generators.clear()

    def _generator(self) -> torch.Generator:
        info = torch.utils.data.get_worker_info()
        if info is None:
            seed = int(np.random.SeedSequence([self.seed, self.epoch]).generate_state(1)[0])
        else:
            seed = int(info.seed)
        if seed not in self._generators:
            self._generators[seed] = torch.Generator().manual_seed(seed)
        return self._generators[seed]

    def __call__(self, samples: Sequence[tuple[torch.Tensor, torch.Tensor]]):
        images = torch.stack([sample[0] for sample in samples])
        labels = torch.stack([torch.as_tensor(sample[1]) for sample in samples])
        return augment_cifar(images, padding=self.padding, generator=self._generator()), labels


# --------------------------------------------------------------------------------------------
# loaders
# --------------------------------------------------------------------------------------------


def array_loader(
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    *,
    batch_size: int = 128,
    shuffle: bool = False,
    augment: bool = False,
    seed: int = 0,
    num_workers: int = 0,
    distributed: bool = False,
    num_replicas: int | None = None,
    rank: int | None = None,
    drop_last: bool = False,
    pin_memory: bool = False,
) -> DataLoader:
    """Wrap an ``(images, labels)`` pair in a DataLoader.

    Parameters
    ----------
    images : numpy.ndarray or torch.Tensor
        float32 ``(N, C, H, W)`` in [0, 1] (shared with NumPy, not copied).
    labels : numpy.ndarray or torch.Tensor
        Integer ``(N,)``; converted to int64.
    batch_size : int
        Samples per batch (per process when distributed).
    shuffle : bool
        Reshuffle every epoch (seeded by ``seed``).
    augment : bool
        Apply :func:`augment_cifar` to each batch.
    seed : int
        Seed of the shuffling, of the distributed sampler and of the augmentation.
    num_workers : int
        DataLoader worker processes.
    distributed : bool
        Shard the data with a :class:`~torch.utils.data.distributed.DistributedSampler`
        (call ``loader.sampler.set_epoch(epoch)`` each epoch when shuffling).
    num_replicas, rank : int, optional
        Passed to the sampler; by default taken from the initialised process group.
    drop_last : bool
        Drop the last incomplete batch.
    pin_memory : bool
        Pin host memory for faster copies to a GPU.

    Returns
    -------
    torch.utils.data.DataLoader
        Yields ``(images, labels)`` batches, float32 and int64.

    Raises
    ------
    ValueError
        If the arrays disagree in length, ``images`` is not 4-D, ``batch_size`` < 1 or
        ``num_workers`` < 0.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.torch.data import array_loader
    >>> loader = array_loader(np.zeros((10, 1, 8, 8), np.float32), np.arange(10), batch_size=4)
    >>> [len(labels) for _, labels in loader]
    [4, 4, 2]
    """
    image_tensor = torch.as_tensor(images, dtype=torch.float32)
    label_tensor = torch.as_tensor(labels).to(torch.int64)
    if image_tensor.ndim != 4 or label_tensor.ndim != 1:
        raise ValueError(
            f"images must be (N, C, H, W) and labels (N,), got {tuple(image_tensor.shape)} and "
            f"{tuple(label_tensor.shape)}"
        )
    if len(image_tensor) != len(label_tensor):
        raise ValueError(
            f"images and labels differ in length: {len(image_tensor)} and {len(label_tensor)}"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
        raise ArgumentError(
            "num_workers", num_workers, "is not valid; expected an integer >= 0 (0: no workers)"
        )
    dataset = TensorDataset(image_tensor, label_tensor)
    sampler = None
    if distributed:
        sampler = DistributedSampler(
            dataset,
            num_replicas=num_replicas,
            rank=rank,
            shuffle=shuffle,
            seed=seed,
            drop_last=drop_last,
        )
    generator = torch.Generator().manual_seed(int(seed))
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle and sampler is None,
        sampler=sampler,
        num_workers=num_workers,
        collate_fn=AugmentCollate(seed) if augment else None,
        generator=generator,
        drop_last=drop_last,
        pin_memory=pin_memory,
        persistent_workers=False,
    )


def make_loaders(
    dataset: str = "digits",
    root: str | os.PathLike | None = None,
    *,
    batch_size: int = 128,
    test_batch_size: int | None = None,
    augment: bool = True,
    seed: int = 0,
    num_workers: int = 0,
    distributed: bool = False,
    num_replicas: int | None = None,
    rank: int | None = None,
    download: bool = False,
    pin_memory: bool = False,
    **digits_options: Any,
) -> tuple[DataLoader, DataLoader]:
    """Training and test DataLoaders of digits, MNIST or CIFAR-10.

    Parameters
    ----------
    dataset : {"digits", "mnist", "cifar10"}
        ``"digits"`` (default) is scikit-learn's digits in MNIST layout, available offline
        (:func:`v1pushpull.datasets.load_digits`); the others are read from ``root``.
    root : str or path-like, optional
        Folder of the MNIST IDX files or of ``cifar-10-batches-py`` (required for them).
    batch_size : int
        Training batch size (per process when distributed).
    test_batch_size : int, optional
        Test batch size (default ``batch_size``).
    augment : bool
        CIFAR-10 only: reflect-pad 4, random crop, random flip on training batches.
    seed : int
        Seed of shuffling, sharding and augmentation.
    num_workers : int
        DataLoader worker processes.
    distributed : bool
        Shard both sets with a ``DistributedSampler`` (training shuffled, test in order).
    num_replicas, rank : int, optional
        For the sampler when no process group is initialised.
    download : bool
        Fetch MNIST or CIFAR-10 into ``root`` when its files are missing (needs a network).
    pin_memory : bool
        Pin host memory (GPU training).
    **digits_options
        ``size``, ``test_fraction`` for :func:`~v1pushpull.datasets.load_digits`.

    Returns
    -------
    train_loader, test_loader : torch.utils.data.DataLoader
        Batches of float32 images in [0, 1] ``(B, C, H, W)`` and int64 labels; normalise in
        the model with :class:`Normalize` (:func:`normalization`).

    Raises
    ------
    ValueError
        If ``dataset`` is unknown, ``root`` is missing for MNIST/CIFAR-10, or digits options
        are given for another data set.
    FileNotFoundError
        If the files are not in ``root`` and ``download`` is False.

    Examples
    --------
    >>> from v1pushpull.torch.data import make_loaders
    >>> train_loader, test_loader = make_loaders("digits", batch_size=64)
    >>> images, labels = next(iter(train_loader))
    >>> images.shape, labels.dtype
    (torch.Size([64, 1, 28, 28]), torch.int64)
    """
    spec = get_dataset(dataset)
    if digits_options and spec.needs_root:
        raise ValueError(f"{sorted(digits_options)} only apply to dataset='digits'")
    # the digits split is fixed (its own seed 0), whatever the training seed, so that every
    # run is tested on the same 450 digits
    train = spec.load("train", root, download=download, **digits_options)
    test = spec.load("test", root, download=download, **digits_options)
    common = {
        "seed": seed,
        "num_workers": num_workers,
        "distributed": distributed,
        "num_replicas": num_replicas,
        "rank": rank,
        "pin_memory": pin_memory,
    }
    train_loader = array_loader(
        *train,
        batch_size=batch_size,
        shuffle=True,
        augment=augment and spec.augment,
        **common,
    )
    test_loader = array_loader(*test, batch_size=test_batch_size or batch_size, **common)
    return train_loader, test_loader
