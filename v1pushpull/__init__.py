"""v1pushpull: models of V1 simple cells and the push-pull CNN layer built from them.

The core (this namespace) works on NumPy, CuPy and torch arrays and never imports torch;
:func:`to_torch_layer` is imported lazily from :mod:`v1pushpull.torch` when it is first used
as ``v1pushpull.to_torch_layer``. It is not in ``__all__``, so ``from v1pushpull import *``
works on a core-only install and does not import torch either.
"""

from __future__ import annotations

from typing import Any

from . import stimuli
from ._version import __version__
from .cells import CORFCell, GaborCell, PushPullCell, SurroundInhibitionCell, surround_inhibition
from .contours import detect_contours, evaluate_contours, read_bsds_ground_truth
from .corruptions import additive_gaussian_noise, contrast_poisson, corrupt
from .datasets import load_cifar10, load_cifar10c, load_digits, load_mnist, load_mnistc
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
from .robustness import robustness_metrics

__all__ = [
    "CORFCell",
    "GaborCell",
    "PushPullCell",
    "SurroundInhibitionCell",
    "__version__",
    "additive_gaussian_noise",
    "bandwidth_to_sigma_ratio",
    "contrast_poisson",
    "corrupt",
    "detect_contours",
    "dog_bank",
    "dog_kernel",
    "evaluate_contours",
    "filter_bank",
    "gabor_bank",
    "gabor_kernel",
    "gaussian_kernel",
    "load_cifar10",
    "load_cifar10c",
    "load_digits",
    "load_mnist",
    "load_mnistc",
    "pad_images",
    "read_bsds_ground_truth",
    "robustness_metrics",
    "sigma_ratio_to_bandwidth",
    "stimuli",
    "surround_inhibition",
]


def __getattr__(name: str) -> Any:
    # torch is imported only when the bridge is used, so `import v1pushpull` stays light.
    if name == "to_torch_layer":
        from .torch import to_torch_layer

        return to_torch_layer
    raise AttributeError(f"module 'v1pushpull' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "to_torch_layer"})
