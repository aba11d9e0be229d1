"""v1pushpull: models of V1 simple cells and the push-pull CNN layer built from them.

The core (this namespace) works on NumPy, CuPy and torch arrays and never imports torch;
:func:`to_torch_layer` is imported lazily from :mod:`v1pushpull.torch`.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .filtering import filter_bank, pad_images
from .kernels import (
    bandwidth_to_sigma_ratio,
    dog_bank,
    dog_kernel,
    gabor_bank,
    gabor_kernel,
    gaussian_kernel,
    sigma_ratio_to_bandwidth,
)

__all__ = [
    "__version__",
    "bandwidth_to_sigma_ratio",
    "dog_bank",
    "dog_kernel",
    "filter_bank",
    "gabor_bank",
    "gabor_kernel",
    "gaussian_kernel",
    "pad_images",
    "sigma_ratio_to_bandwidth",
    "to_torch_layer",
]


def __getattr__(name: str) -> Any:
    # torch is imported only when the bridge is used, so `import v1pushpull` stays light.
    if name == "to_torch_layer":
        from .torch import to_torch_layer

        return to_torch_layer
    raise AttributeError(f"module 'v1pushpull' has no attribute {name!r}")
