"""Processes and devices: the ``torchrun`` process group and where a run computes.

:func:`init_distributed` joins the group that ``torchrun`` describes in the environment and
:func:`end_distributed` leaves it; :func:`process_group` says (rank, world size) of this
process; :func:`resolve_device` turns a device argument into a :class:`torch.device` (None:
the local rank's GPU when CUDA is available, else the CPU); :func:`all_reduce_sum` sums a
tensor over the ranks (a no-op for one process).
"""

from __future__ import annotations

import os

import torch

from .._errors import ArgumentError

__all__ = [
    "all_reduce_sum",
    "barrier",
    "end_distributed",
    "init_distributed",
    "process_group",
    "resolve_device",
    "set_cpu_threads",
    "usable_cores",
]

#: On at most this many usable cores torch gets one CPU thread: on a shared 2-core machine
#: `v1pushpull train --dataset digits --arch lenet-a --epochs 4` took 12.6-33.9 s with one
#: thread and 10.3-139.5 s with two, at equal results (docs/robustness_note.md).
FEW_CORES = 2


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the platform tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def set_cpu_threads(threads: int | None = None) -> int:
    """Set torch's CPU threads: ``threads``, or 1 on at most :data:`FEW_CORES` usable cores
    (torch's own choice otherwise), and return the number set.

    Parameters
    ----------
    threads : int or None
        The number of threads; None applies the rule.

    Returns
    -------
    int

    Raises
    ------
    ArgumentError
        (a ValueError naming ``threads``) If ``threads`` is not an integer >= 1.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.distributed import set_cpu_threads
    >>> before = torch.get_num_threads()
    >>> set_cpu_threads(1), torch.get_num_threads()
    (1, 1)
    >>> _ = set_cpu_threads(before)
    """
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise ArgumentError("threads", threads, "is not valid; expected an integer >= 1")
    if threads is None:
        threads = 1 if usable_cores() <= FEW_CORES else torch.get_num_threads()
    torch.set_num_threads(threads)
    return threads


def process_group() -> tuple[int, int]:
    """(rank, world size) of the current process group, (0, 1) without one.

    Examples
    --------
    >>> from v1pushpull.torch.distributed import process_group
    >>> process_group()
    (0, 1)
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def init_distributed(backend: str | None = None) -> tuple[int, int, int]:
    """Join the process group that ``torchrun`` describes in the environment.

    Reads ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``
    (``env://``). Without them (a plain ``python`` run) it does nothing and returns
    ``(0, 1, 0)``. On CUDA each process uses the GPU numbered by its local rank.

    Parameters
    ----------
    backend : {"nccl", "gloo"} or None
        Communication backend; None picks ``"nccl"`` when CUDA is available, else ``"gloo"``.

    Returns
    -------
    rank, world_size, local_rank : int
        This process's global rank, the number of processes and the rank on this node.

    Raises
    ------
    ValueError
        If ``backend`` is not ``"nccl"``, ``"gloo"`` or None.

    Examples
    --------
    >>> from v1pushpull.torch.distributed import init_distributed
    >>> init_distributed()  # not launched by torchrun
    (0, 1, 0)
    """
    if backend not in (None, "nccl", "gloo"):
        raise ArgumentError("backend", backend, "is not valid; expected 'nccl', 'gloo' or None")
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return 0, 1, 0
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.distributed.is_initialized():
        return torch.distributed.get_rank(), world_size, local_rank
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(local_rank)
    torch.distributed.init_process_group(backend=backend, init_method="env://")
    return torch.distributed.get_rank(), world_size, local_rank


def end_distributed() -> None:
    """Leave the process group of a ``torchrun`` launch, if this process joined one.

    Examples
    --------
    >>> from v1pushpull.torch.distributed import end_distributed
    >>> end_distributed()  # not launched by torchrun: nothing to do
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def resolve_device(device: str | torch.device | None) -> torch.device:
    """The device of a run: ``device`` checked, or (None) the local GPU, else the CPU.

    Raises
    ------
    ArgumentError
        (a ValueError naming ``device``) For an unknown device or CUDA without a GPU.

    Examples
    --------
    >>> from v1pushpull.torch.distributed import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device is None:
        if torch.cuda.is_available():
            _, world_size = process_group()
            local_rank = int(os.environ.get("LOCAL_RANK", "0")) if world_size > 1 else 0
            return torch.device("cuda", local_rank)
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ArgumentError("device", device, "is not a valid torch device") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ArgumentError("device", device, "was requested but CUDA is not available")
    return resolved


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum ``tensor`` over the ranks in place (nothing to do for one process)."""
    if process_group()[1] > 1:
        torch.distributed.all_reduce(tensor)
    return tensor


def barrier() -> None:
    """Wait for every rank (nothing to do for one process)."""
    if process_group()[1] > 1:
        torch.distributed.barrier()
