"""Shared fixtures: the same test bodies run on every array backend that is installed.

``xp`` runs a test on NumPy, torch (CPU) and array-api-strict (which rejects any call outside
the Array API standard); CuPy and CUDA torch join when a GPU is present. Backends that are not
installed are skipped, never silently replaced.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType

import numpy as np
import pytest

from v1pushpull._backend import get_namespace, to_numpy


def _cuda_available() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return torch.cuda.is_available()


def _cupy_available() -> bool:
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no driver, no device
        return False


BACKENDS = [
    pytest.param(("numpy", None), id="numpy"),
    pytest.param(("torch", "cpu"), id="torch-cpu"),
    pytest.param(("array_api_strict", None), id="array-api-strict"),
    pytest.param(
        ("torch", "cuda"),
        id="torch-cuda",
        marks=[pytest.mark.gpu, pytest.mark.skipif(not _cuda_available(), reason="no CUDA")],
    ),
    pytest.param(
        ("cupy", None),
        id="cupy",
        marks=[pytest.mark.gpu, pytest.mark.skipif(not _cupy_available(), reason="no CuPy GPU")],
    ),
]


class Backend:
    """An array library, a device on it, and helpers to move test data there and back."""

    def __init__(self, name: str, device: str | None) -> None:
        self.name = name
        self.module: ModuleType = pytest.importorskip(name)
        self.xp = get_namespace(self.module)
        self.device = device

    def asarray(self, values, dtype="float64"):
        """Move a NumPy array (or nested sequence) to this backend with a float dtype."""
        dtype = getattr(self.xp, dtype) if isinstance(dtype, str) else dtype
        array = np.asarray(values)
        if self.device is None:
            return self.xp.asarray(array, dtype=dtype)
        return self.xp.asarray(array, dtype=dtype, device=self.device)

    @staticmethod
    def to_numpy(x) -> np.ndarray:
        return to_numpy(x)

    def __repr__(self) -> str:
        return f"Backend({self.name}, {self.device})"


@pytest.fixture(params=BACKENDS)
def backend(request) -> Backend:
    """Each installed array backend in turn."""
    name, device = request.param
    return Backend(name, device)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20201117)
