"""PyTorch layers built from the models of the core: the push-pull convolution and the bridge.

Importing this subpackage imports torch; ``import v1pushpull`` alone does not.
"""

from __future__ import annotations

from .bridge import color_weights, to_torch_layer
from .layers import PushPullConv2d, pull_kernel_size, replace_first_conv
from .parametric import GaborPushPullConv2d

__all__ = [
    "GaborPushPullConv2d",
    "PushPullConv2d",
    "color_weights",
    "pull_kernel_size",
    "replace_first_conv",
    "to_torch_layer",
]
