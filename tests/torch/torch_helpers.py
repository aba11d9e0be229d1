"""Small helpers shared by the torch tests (a toy data set, state comparison, subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys

import torch
from torch.utils.data import DataLoader, TensorDataset

TOY_DATA = """
import sys
import torch
from torch.utils.data import DataLoader, TensorDataset
from v1pushpull.torch.models import build_model
from v1pushpull.torch.distributed import init_distributed
from v1pushpull.torch.training import seed_everything, train

torch.set_num_threads(1)
generator = torch.Generator().manual_seed(0)
images = torch.rand({n}, 1, 28, 28, generator=generator)
labels = torch.randint(0, 10, ({n},), generator=generator)
"""


def env_with_tested_code() -> dict[str, str]:
    """The environment, with the tested package first on PYTHONPATH (a script run from another
    folder would otherwise import whichever v1pushpull is installed)."""
    import v1pushpull

    root = os.path.dirname(os.path.dirname(os.path.abspath(v1pushpull.__file__)))
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


def run_python(code: str, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env_with_tested_code(), **(env or {})},
    )


def tiny_loader(n=64, batch_size=16, shuffle=True, seed=0):
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(n, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (n,), generator=generator)
    return DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=shuffle)


def state_equal(a, b) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
