"""Fixtures of the torch tests, in the style of kornia's: ``device`` and ``dtype`` run the same
test body on every device and floating dtype, ``tolerance`` is the per-dtype table of
:data:`TOLERANCES` (kornia's ``testing/base.py`` keeps one like it).

CUDA joins the devices when a GPU is present (marked ``gpu``, so ``pytest -m gpu`` selects it).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param(
        "cuda",
        id="cuda",
        marks=[
            pytest.mark.gpu,
            pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"),
        ],
    ),
]
DTYPES = [pytest.param(torch.float32, id="float32"), pytest.param(torch.float64, id="float64")]

#: (rtol, atol) of a comparison of one computation in ``dtype`` against an exact reference.
TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (4e-3, 4e-3),
    torch.bfloat16: (3e-2, 3e-2),
    torch.float32: (1e-5, 1e-6),
    torch.float64: (1e-12, 1e-12),
}


@pytest.fixture(params=DEVICES)
def device(request) -> torch.device:
    """Each available device in turn."""
    return torch.device(request.param)


@pytest.fixture(params=DTYPES)
def dtype(request) -> torch.dtype:
    """float32 and float64 in turn."""
    return request.param


@pytest.fixture
def tolerance(dtype) -> dict[str, float]:
    """``rtol``/``atol`` of :data:`TOLERANCES` for the test's ``dtype``."""
    rtol, atol = TOLERANCES[dtype]
    return {"rtol": rtol, "atol": atol}
