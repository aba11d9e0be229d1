"""PyTorch side of v1pushpull: the push-pull convolution, the bridge from the core's receptive
fields, the CNNs of the push-pull paper, their data pipelines and their training.

Importing this subpackage imports torch; ``import v1pushpull`` alone does not.
"""

from __future__ import annotations

from .bridge import color_weights, to_torch_layer
from .data import Normalize, array_loader, make_loaders
from .layers import PushPullConv2d, pull_kernel_size, replace_first_conv
from .models import (
    ARCHITECTURES,
    PUSHPULL_PLACEMENTS,
    DenseNetBC,
    LeNet,
    ResNetCIFAR,
    build_model,
    model_family,
)
from .parametric import GaborPushPullConv2d
from .training import (
    DIGITS_BATCH_SIZE,
    DIGITS_LR,
    MNIST_PROTOCOL,
    RECIPES,
    Recipe,
    error_rate,
    evaluate,
    init_distributed,
    load_checkpoint,
    recipe_for,
    seed_everything,
    train,
    weights_fingerprint,
)

__all__ = [
    "ARCHITECTURES",
    "DIGITS_BATCH_SIZE",
    "DIGITS_LR",
    "MNIST_PROTOCOL",
    "PUSHPULL_PLACEMENTS",
    "RECIPES",
    "DenseNetBC",
    "GaborPushPullConv2d",
    "LeNet",
    "Normalize",
    "PushPullConv2d",
    "Recipe",
    "ResNetCIFAR",
    "array_loader",
    "build_model",
    "color_weights",
    "error_rate",
    "evaluate",
    "init_distributed",
    "load_checkpoint",
    "make_loaders",
    "model_family",
    "pull_kernel_size",
    "recipe_for",
    "replace_first_conv",
    "seed_everything",
    "to_torch_layer",
    "train",
    "weights_fingerprint",
]
