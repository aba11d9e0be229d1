"""PyTorch side of v1pushpull: the push-pull layers, the bridge from the core's receptive
fields, the CNNs of the push-pull paper, their data pipelines, training and evaluation.

One concern per module: :mod:`~v1pushpull.torch.layers` (the layers and their
:class:`PushPullOptions`), :mod:`~v1pushpull.torch.parametric` (Gabor push kernels),
:mod:`~v1pushpull.torch.bridge` (core receptive fields → layers),
:mod:`~v1pushpull.torch.corf_layer` (the CORF and push-pull CORF cells as a differentiable
layer), :mod:`~v1pushpull.torch.front_end` (that layer in front of the models),
:mod:`~v1pushpull.torch.models`, :mod:`~v1pushpull.torch.data` (loaders over
:mod:`v1pushpull.registry`), :mod:`~v1pushpull.torch.checkpoints` (run folders, random
state, fingerprints), :mod:`~v1pushpull.torch.distributed` (process group, devices),
:mod:`~v1pushpull.torch.training` (recipes and the epoch loop),
:mod:`~v1pushpull.torch.evaluation` (error rates under corruptions),
:mod:`~v1pushpull.torch.stability_eval` (CIFAR-10-P stability),
:mod:`~v1pushpull.torch.adversarial` (FGSM / PGD error),
:mod:`~v1pushpull.torch.antialias` (blurred downsampling) and
:mod:`~v1pushpull.torch.pushpullnet` (PushPull-Net state dicts).

Importing this subpackage imports torch; ``import v1pushpull`` alone does not.
"""

from __future__ import annotations

from ..robustness import MNIST_PROTOCOL
from .adversarial import adversarial_error, fgsm, pgd
from .antialias import BlurPool2d, binomial_filter
from .bridge import color_weights, to_torch_layer
from .checkpoints import load_checkpoint, load_model, weights_fingerprint
from .corf_layer import CORFConv2d
from .data import Normalize, array_loader, make_loaders
from .distributed import end_distributed, init_distributed
from .evaluation import ResultsFile, error_rate, evaluate
from .layers import (
    InvertedPushPullConv2d,
    PushPullBase,
    PushPullConv2d,
    PushPullOptions,
    pull_kernel_size,
    replace_first_conv,
)
from .models import (
    ANTIALIAS,
    ARCHITECTURES,
    PUSHPULL_PLACEMENTS,
    DenseNetBC,
    LeNet,
    ResNetCIFAR,
    build_model,
    model_family,
)
from .parametric import GaborInvertedPushPullConv2d, GaborPushPullConv2d
from .pushpullnet import (
    PUSHPULLNET_KEYS,
    from_pushpullnet_state_dict,
    pushpullnet_layer_options,
    to_pushpullnet_state_dict,
)
from .stability_eval import evaluate_stability
from .training import (
    DIGITS_BATCH_SIZE,
    DIGITS_LR,
    RECIPES,
    Recipe,
    recipe_for,
    seed_everything,
    train,
)

# the function antialias stays in its module: a package attribute of that name would hide
# the submodule v1pushpull.torch.antialias (build_model(..., antialias=3) applies it)
__all__ = [
    "ANTIALIAS",
    "ARCHITECTURES",
    "DIGITS_BATCH_SIZE",
    "DIGITS_LR",
    "MNIST_PROTOCOL",
    "PUSHPULLNET_KEYS",
    "PUSHPULL_PLACEMENTS",
    "RECIPES",
    "BlurPool2d",
    "CORFConv2d",
    "DenseNetBC",
    "GaborInvertedPushPullConv2d",
    "GaborPushPullConv2d",
    "InvertedPushPullConv2d",
    "LeNet",
    "Normalize",
    "PushPullBase",
    "PushPullConv2d",
    "PushPullOptions",
    "Recipe",
    "ResNetCIFAR",
    "ResultsFile",
    "adversarial_error",
    "array_loader",
    "binomial_filter",
    "build_model",
    "color_weights",
    "end_distributed",
    "error_rate",
    "evaluate",
    "evaluate_stability",
    "fgsm",
    "from_pushpullnet_state_dict",
    "init_distributed",
    "load_checkpoint",
    "load_model",
    "make_loaders",
    "model_family",
    "pgd",
    "pull_kernel_size",
    "pushpullnet_layer_options",
    "recipe_for",
    "replace_first_conv",
    "seed_everything",
    "to_pushpullnet_state_dict",
    "to_torch_layer",
    "train",
    "weights_fingerprint",
]
