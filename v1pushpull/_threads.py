"""One thread pool for the CPU work of the NumPy core (CIFAR-10-C corruptions, CORF responses).

NumPy, SciPy's ``ndimage`` and OpenCV release the GIL inside their loops, so independent
pieces of one call (image blocks, blur maps, orientations) run concurrently on the cores this
process may use (its CPU affinity, e.g. as restricted by ``taskset``). The environment variable
``V1PUSHPULL_NUM_THREADS`` caps the count (``1`` runs everything on the calling thread), for
users who already parallelise across processes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["parallel_map", "thread_count"]

_T = TypeVar("_T")
_R = TypeVar("_R")
_ENVIRONMENT = "V1PUSHPULL_NUM_THREADS"
_PREFIX = "v1pushpull-worker"


def thread_count() -> int:
    """Threads the pool uses: the CPUs of this process, capped by ``V1PUSHPULL_NUM_THREADS``.

    Raises
    ------
    ValueError
        If ``V1PUSHPULL_NUM_THREADS`` is set but is not a positive integer.

    Examples
    --------
    >>> from v1pushpull._threads import thread_count
    >>> thread_count() >= 1
    True
    """
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        count = os.cpu_count() or 1
    setting = os.environ.get(_ENVIRONMENT, "").strip()
    if setting:
        try:
            cap = int(setting)
        except ValueError:
            cap = 0
        if cap < 1:
            raise ValueError(f"{_ENVIRONMENT} must be a positive integer, got {setting!r}")
        count = min(count, cap)
    return max(1, count)


def parallel_map(
    function: Callable[[_T], _R], items: Iterable[_T], *, workers: int | None = None
) -> list[_R]:
    """``[function(x) for x in items]``, on the shared pool when there are several threads.

    Results come back in order; the first exception is raised. ``workers`` caps how many
    items run at once (each of that many threads takes every ``workers``-th item, in order),
    e.g. to bound the memory their work buffers take. Called from a pool thread, it runs
    serially (a task never waits for tasks queued behind it).

    Examples
    --------
    >>> from v1pushpull._threads import parallel_map
    >>> parallel_map(lambda x: x * x, range(4))
    [0, 1, 4, 9]
    """
    items = list(items)
    threads = min(thread_count(), len(items), workers or len(items))
    if threads <= 1 or threading.current_thread().name.startswith(_PREFIX):
        return [function(item) for item in items]
    if threads < len(items) and workers is not None:
        shares = [items[start::threads] for start in range(threads)]
        done = parallel_map(lambda share: [function(item) for item in share], shares)
        results: list[_R] = [None] * len(items)  # type: ignore[list-item]
        for start, share in enumerate(done):
            results[start::threads] = share
        return results
    with _LOCK:  # submitted under the lock: a resized pool never drops queued work
        futures = _pool(threads).map(function, items)
    return list(futures)


_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0
_LOCK = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    """The shared pool with ``threads`` threads (the caller holds ``_LOCK``)."""
    global _POOL, _POOL_SIZE
    if _POOL is None or _POOL_SIZE != threads:
        if _POOL is not None:
            _POOL.shutdown(wait=False)  # its queued work still runs
        _POOL = ThreadPoolExecutor(threads, thread_name_prefix=_PREFIX)
        _POOL_SIZE = threads
    return _POOL


def _forget_pool() -> None:
    """A forked child (e.g. a DataLoader worker) has none of the parent's pool threads."""
    global _POOL, _LOCK
    _POOL = None
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)
