"""The shared thread pool: its size, its environment cap, order, errors and nesting."""

from __future__ import annotations

import os
import threading

import pytest

from v1pushpull import _threads
from v1pushpull._threads import parallel_map, thread_count


def test_thread_count_is_the_affinity_capped_by_the_environment(monkeypatch):
    monkeypatch.delenv("V1PUSHPULL_NUM_THREADS", raising=False)
    cores = len(os.sched_getaffinity(0))
    assert thread_count() == cores
    monkeypatch.setenv("V1PUSHPULL_NUM_THREADS", "1")
    assert thread_count() == 1
    monkeypatch.setenv("V1PUSHPULL_NUM_THREADS", str(cores + 5))
    assert thread_count() == cores


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_invalid_thread_cap_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("V1PUSHPULL_NUM_THREADS", value)
    with pytest.raises(ValueError, match="V1PUSHPULL_NUM_THREADS must be a positive integer"):
        thread_count()


def test_parallel_map_keeps_order_and_uses_the_pool(monkeypatch):
    monkeypatch.setattr(_threads, "thread_count", lambda: 2)
    names = parallel_map(lambda x: (x, threading.current_thread().name), range(6))
    assert [x for x, _ in names] == list(range(6))
    assert all(name.startswith("v1pushpull-worker") for _, name in names)


def test_parallel_map_serial_with_one_thread(monkeypatch):
    monkeypatch.setattr(_threads, "thread_count", lambda: 1)
    names = parallel_map(lambda _: threading.current_thread().name, range(3))
    assert names == [threading.current_thread().name] * 3


def test_parallel_map_raises_the_first_error(monkeypatch):
    monkeypatch.setattr(_threads, "thread_count", lambda: 2)

    def fail_on_two(x):
        if x == 2:
            raise RuntimeError("two")
        return x

    with pytest.raises(RuntimeError, match="two"):
        parallel_map(fail_on_two, range(4))


def test_nested_parallel_map_runs_serially_without_deadlock(monkeypatch):
    """A task that maps again (more tasks than threads) runs its inner map on its own thread
    instead of waiting for pool threads that are all busy with outer tasks."""
    monkeypatch.setattr(_threads, "thread_count", lambda: 2)

    def outer(x):
        inner = parallel_map(lambda _: threading.current_thread().name, range(3))
        return len(set(inner)), x

    assert parallel_map(outer, range(4)) == [(1, x) for x in range(4)]


def _squares_in_pool() -> list[int]:
    return parallel_map(lambda x: x * x, range(4))


def test_a_forked_child_builds_its_own_pool(monkeypatch):
    """After a fork the child has none of the parent's pool threads: its first map builds a
    new pool instead of waiting forever on the inherited one."""
    import multiprocessing

    monkeypatch.setattr(_threads, "thread_count", lambda: 2)
    assert _squares_in_pool() == [0, 1, 4, 9]  # the parent's pool exists now
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply_async(_squares_in_pool).get(timeout=60) == [0, 1, 4, 9]


def test_workers_caps_the_items_running_at_once(monkeypatch):
    """With ``workers=2`` on a pool of 4 threads no more than two items run at a time, and
    the results keep the items' order."""
    import time

    monkeypatch.setattr(_threads, "thread_count", lambda: 4)
    lock, running, most = threading.Lock(), [0], [0]

    def work(x):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return x * 10

    assert parallel_map(work, range(9), workers=2) == [x * 10 for x in range(9)]
    assert most[0] == 2
    most[0] = 0
    assert parallel_map(work, range(9)) == [x * 10 for x in range(9)]
    assert most[0] == 4
