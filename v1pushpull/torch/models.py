"""CNNs of the push-pull paper: LeNet A–D, ResNet for CIFAR and DenseNet-BC.

Every model takes a ``pushpull`` placement that swaps some of its convolutions for
:class:`~v1pushpull.torch.layers.PushPullConv2d` of the same shape [S20]:

``"none"``
    the plain network;
``"first"``
    the first convolution only, the setting of all published results;
``"first_stage"``
    the first convolution and every 3×3 convolution of the first stage (ResNet: ``layer1``,
    DenseNet-BC: ``denseblock1``), the "block 1" option of the authors' code;
``"all"``
    the first convolution and every 3×3 convolution of the network (LeNet: both convolutions).
    1×1 convolutions (ResNet shortcuts, DenseNet bottlenecks and transitions) stay plain: a
    pull kernel upsampled from a single tap is a box filter, not an antiphase receptive field.

The push-pull options (α, scale, learned α, pull kind, pull pooling) travel as one
:class:`~v1pushpull.torch.layers.PushPullOptions`, taken by every model and by
:func:`build_model` and stored in checkpoint metadata.

Module and parameter names follow the authors' release (nicstrisc/Push-Pull-CNN-layer), so its
checkpoints load with ``strict=True``: the push-pull layer stores only ``<name>.push.weight``
and the pull kernel is derived from it, hence the parameter count does not depend on the
placement (ResNet-20: 272,474).

References
----------
[S20] Strisciuglio, Lopez-Antequera, Petkov. Enhanced robustness of convolutional networks with
a push-pull inhibition layer. Neural Computing and Applications 32:17957–17971 (2020).
"""

from __future__ import annotations

import dataclasses
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from .._errors import ArgumentError
from .antialias import antialias as add_blur
from .layers import PushPullOptions

__all__ = [
    "ANTIALIAS",
    "ARCHITECTURES",
    "PUSHPULL_PLACEMENTS",
    "DenseNetBC",
    "LeNet",
    "ResNetCIFAR",
    "build_model",
    "model_family",
]

Placement = Literal["none", "first", "first_stage", "all"]
_OPTION_FIELDS = tuple(f.name for f in dataclasses.fields(PushPullOptions))
PUSHPULL_PLACEMENTS: tuple[str, ...] = ("none", "first", "first_stage", "all")
#: Blur sizes of :func:`build_model`'s ``antialias`` (1 = off; the release's ``size_lpf``).
ANTIALIAS: tuple[int, ...] = (1, 2, 3, 5)

# (conv1 filters, conv2 filters, hidden fully connected sizes) of [S20, Sec. 4.1].
_LENET_VARIANTS: dict[str, tuple[int, int, tuple[int, int]]] = {
    "A": (6, 16, (128, 64)),
    "B": (6, 8, (64, 32)),
    "C": (4, 16, (128, 64)),
    "D": (4, 8, (64, 32)),
}


def _check_placement(pushpull: str) -> None:
    if pushpull not in PUSHPULL_PLACEMENTS:
        raise ArgumentError(
            "pushpull", pushpull, f"is not valid; expected one of {PUSHPULL_PLACEMENTS}"
        )


def _check_positive_int(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r} is not valid; expected a positive integer")


@dataclass(frozen=True)
class _ConvFactory:
    """Builds plain or push-pull convolutions, the latter with the model's options."""

    options: PushPullOptions

    def __call__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        pushpull: bool,
        stride: int = 1,
        padding: int = 0,
        bias: bool = False,
    ) -> nn.Module:
        if pushpull:
            return self.options.layer_class(
                in_channels,
                out_channels,
                kernel_size,
                stride=stride,
                padding=padding,
                bias=bias,
                options=self.options,
            )
        return nn.Conv2d(
            in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=bias
        )


def _init_conv_weights(model: nn.Module) -> None:
    # He initialisation (fan-out) of every convolution kernel, push kernels included, as in the
    # authors' ResNet and DenseNet code; BatchNorm starts as the identity.
    for name, parameter in model.named_parameters():
        if name.endswith("weight") and parameter.ndim == 4:
            nn.init.kaiming_normal_(parameter, mode="fan_out", nonlinearity="relu")
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)


class LeNet(nn.Module):
    """LeNet variant A, B, C or D of [S20] with an optional push-pull first layer.

    Two 5×5 convolutions (no padding), each followed by ReLU and 2×2 max pooling, then three
    fully connected layers with ReLU between them. [S20] gives only the filter and unit counts;
    kernel size, pooling and activation are the LeNet-5 conventions, a choice of this project.

    Parameters
    ----------
    variant : {"A", "B", "C", "D"}
        Filter counts (conv1, conv2) and hidden sizes: A (6, 16; 128, 64), B (6, 8; 64, 32),
        C (4, 16; 128, 64), D (4, 8; 64, 32).
    num_classes : int
        Number of output logits.
    in_channels : int
        Channels of the input images (1 for digits and MNIST).
    input_size : int
        Height and width of the square input images in px (28 for MNIST); at least 16.
    pushpull : {"none", "first", "all"}
        Which convolutions are push-pull layers. LeNet has one convolution per stage, so
        ``"first_stage"`` would mean ``"first"`` and is rejected to keep one name per model.
    options : PushPullOptions or None
        Options of the push-pull layers (:class:`~v1pushpull.torch.layers.PushPullOptions`);
        validated even when no layer is push-pull. None takes the defaults.
    **option_fields
        Fields of :class:`~v1pushpull.torch.layers.PushPullOptions` (``alpha=0.5``...) that
        replace those of ``options``.

    Raises
    ------
    ValueError
        If ``variant``, ``pushpull`` or a size is not valid.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.models import LeNet
    >>> LeNet("A", pushpull="first")(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        variant: str = "A",
        *,
        num_classes: int = 10,
        in_channels: int = 1,
        input_size: int = 28,
        pushpull: Placement = "none",
        options: PushPullOptions | None = None,
        **option_fields: Any,
    ) -> None:
        super().__init__()
        if variant not in _LENET_VARIANTS:
            raise ValueError(
                f"variant={variant!r} is not valid; expected one of {tuple(_LENET_VARIANTS)}"
            )
        _check_placement(pushpull)
        if pushpull == "first_stage":
            raise ValueError(
                "pushpull='first_stage' is not valid for LeNet, whose first stage is its first "
                "convolution; use pushpull='first'"
            )
        _check_positive_int(num_classes, "num_classes")
        _check_positive_int(in_channels, "in_channels")
        _check_positive_int(input_size, "input_size")
        if input_size < 16:
            raise ValueError(f"input_size={input_size!r} is too small; LeNet needs at least 16 px")
        self.variant = variant
        self.pushpull = pushpull
        self.options = PushPullOptions.resolve(options, **option_fields)
        filters1, filters2, (hidden1, hidden2) = _LENET_VARIANTS[variant]
        conv = _ConvFactory(self.options)
        self.conv1 = conv(in_channels, filters1, 5, pushpull=pushpull != "none", bias=True)
        self.conv2 = conv(filters1, filters2, 5, pushpull=pushpull == "all", bias=True)
        side = ((input_size - 4) // 2 - 4) // 2
        self.fc1 = nn.Linear(filters2 * side * side, hidden1)
        self.fc2 = nn.Linear(hidden1, hidden2)
        self.fc3 = nn.Linear(hidden2, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class _BasicBlock(nn.Module):
    def __init__(
        self, in_channels: int, channels: int, stride: int, conv: _ConvFactory, pushpull: bool
    ) -> None:
        super().__init__()
        self.conv1 = conv(in_channels, channels, 3, stride=stride, padding=1, pushpull=pushpull)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = conv(channels, channels, 3, padding=1, pushpull=pushpull)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != channels:
            # option B of He et al.: a projection shortcut only where the shape changes
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BatchNorm's backward needs its input, not its output: the ReLUs and the residual
        # addition can work in place (saves two allocations per block, as torchvision does)
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        out += x if self.downsample is None else self.downsample(x)
        return F.relu(out, inplace=True)


class ResNetCIFAR(nn.Module):
    """ResNet for CIFAR (He et al. 2016) of depth 6n + 2 with optional push-pull layers.

    A 3×3 convolution with 16 filters, three stages of n BasicBlocks with 16, 32 and 64
    channels (stride 2 at the start of stages 2 and 3, 1×1 convolution + BatchNorm shortcuts
    where the shape changes), global average pooling and one linear layer.

    Parameters
    ----------
    depth : int
        Number of weighted layers, 6n + 2 (20, 32, 44, 56, 110, ...).
    num_classes : int
        Number of output logits.
    in_channels : int
        Channels of the input images (3 for CIFAR-10).
    pushpull : {"none", "first", "first_stage", "all"}
        Which convolutions are push-pull layers (see the module documentation).
    options : PushPullOptions or None
        Options of the push-pull layers (:class:`~v1pushpull.torch.layers.PushPullOptions`);
        validated even when no layer is push-pull. None takes the defaults.
    **option_fields
        Fields of :class:`~v1pushpull.torch.layers.PushPullOptions` (``alpha=0.5``...) that
        replace those of ``options``.

    Raises
    ------
    ValueError
        If ``depth`` is not 6n + 2 or an option is not valid.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.models import ResNetCIFAR
    >>> model = ResNetCIFAR(20, pushpull="first")
    >>> sum(p.numel() for p in model.parameters())
    272474
    >>> model(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        depth: int = 20,
        *,
        num_classes: int = 10,
        in_channels: int = 3,
        pushpull: Placement = "none",
        options: PushPullOptions | None = None,
        **option_fields: Any,
    ) -> None:
        super().__init__()
        _check_positive_int(depth, "depth")
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"depth={depth!r} is not valid; expected 6n + 2 (20, 32, 44, 56)")
        _check_placement(pushpull)
        _check_positive_int(num_classes, "num_classes")
        _check_positive_int(in_channels, "in_channels")
        self.depth = depth
        self.pushpull = pushpull
        self.options = PushPullOptions.resolve(options, **option_fields)
        conv = _ConvFactory(self.options)
        blocks = (depth - 2) // 6
        self.conv1 = conv(in_channels, 16, 3, padding=1, pushpull=pushpull != "none")
        self.bn1 = nn.BatchNorm2d(16)
        stages = []
        channels_in = 16
        for stage, channels in enumerate((16, 32, 64)):
            pushpull_here = pushpull == "all" or (pushpull == "first_stage" and stage == 0)
            layers = []
            for index in range(blocks):
                stride = 2 if stage > 0 and index == 0 else 1
                layers.append(_BasicBlock(channels_in, channels, stride, conv, pushpull_here))
                channels_in = channels
            stages.append(nn.Sequential(*layers))
        self.layer1, self.layer2, self.layer3 = stages
        self.fc = nn.Linear(64, num_classes)
        _init_conv_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)), inplace=True)
        x = self.layer3(self.layer2(self.layer1(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class _DenseLayer(nn.Module):
    def __init__(
        self,
        in_channels: int,
        growth_rate: int,
        bottleneck_width: int,
        drop_rate: float,
        conv: _ConvFactory,
        pushpull: bool,
    ) -> None:
        super().__init__()
        width = bottleneck_width * growth_rate
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(width)
        self.conv2 = conv(width, growth_rate, 3, padding=1, pushpull=pushpull)
        self.drop_rate = drop_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(F.relu(self.norm1(x)))
        out = self.conv2(F.relu(self.norm2(out)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return torch.cat([x, out], 1)


class _Transition(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(in_channels)
        self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(self.conv(F.relu(self.norm(x))), 2)


class DenseNetBC(nn.Module):
    """DenseNet-BC for CIFAR (Huang et al. 2017) with optional push-pull layers.

    A 3×3 convolution with 2k filters, three dense blocks of (depth − 4)/6 bottleneck layers
    (BN-ReLU-1×1 conv with 4k filters, BN-ReLU-3×3 conv with k filters), transitions that halve
    the channels (compression 0.5) and the resolution, a final BatchNorm, ReLU, global average
    pooling and one linear layer.

    Parameters
    ----------
    depth : int
        Number of weighted layers, 6m + 4 (40, 100, ...).
    growth_rate : int
        Filters k added by each dense layer (12 or 24 in [S20]).
    num_classes : int
        Number of output logits.
    in_channels : int
        Channels of the input images (3 for CIFAR-10).
    compression : float
        Fraction of channels kept by each transition, in (0, 1].
    drop_rate : float
        Dropout probability after each dense layer, in [0, 1) (0 in [S20]).
    pushpull : {"none", "first", "first_stage", "all"}
        Which convolutions are push-pull layers (see the module documentation).
    options : PushPullOptions or None
        Options of the push-pull layers (:class:`~v1pushpull.torch.layers.PushPullOptions`);
        validated even when no layer is push-pull. None takes the defaults.
    **option_fields
        Fields of :class:`~v1pushpull.torch.layers.PushPullOptions` (``alpha=0.5``...) that
        replace those of ``options``.

    Raises
    ------
    ValueError
        If ``depth`` is not 6m + 4 or an option is not valid.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.models import DenseNetBC
    >>> DenseNetBC(40, 12, pushpull="first")(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        depth: int = 40,
        growth_rate: int = 12,
        *,
        num_classes: int = 10,
        in_channels: int = 3,
        compression: float = 0.5,
        drop_rate: float = 0.0,
        pushpull: Placement = "none",
        options: PushPullOptions | None = None,
        **option_fields: Any,
    ) -> None:
        super().__init__()
        _check_positive_int(depth, "depth")
        if depth < 10 or (depth - 4) % 6:
            raise ValueError(f"depth={depth!r} is not valid; expected 6m + 4 (40, 100)")
        _check_positive_int(growth_rate, "growth_rate")
        if not 0 < compression <= 1:
            raise ValueError(f"compression={compression!r} is not valid; expected in (0, 1]")
        if not 0 <= drop_rate < 1:
            raise ValueError(f"drop_rate={drop_rate!r} is not valid; expected in [0, 1)")
        _check_placement(pushpull)
        _check_positive_int(num_classes, "num_classes")
        _check_positive_int(in_channels, "in_channels")
        self.depth = depth
        self.growth_rate = growth_rate
        self.pushpull = pushpull
        self.options = PushPullOptions.resolve(options, **option_fields)
        conv = _ConvFactory(self.options)
        layers_per_block = (depth - 4) // 6
        channels = 2 * growth_rate
        modules: OrderedDict[str, nn.Module] = OrderedDict()
        modules["conv0"] = conv(in_channels, channels, 3, padding=1, pushpull=pushpull != "none")
        for block in range(3):
            pushpull_here = pushpull == "all" or (pushpull == "first_stage" and block == 0)
            dense = nn.Sequential()
            for index in range(layers_per_block):
                dense.add_module(
                    f"denselayer{index + 1}",
                    _DenseLayer(channels, growth_rate, 4, drop_rate, conv, pushpull_here),
                )
                channels += growth_rate
            modules[f"denseblock{block + 1}"] = dense
            if block < 2:
                reduced = math.floor(channels * compression)
                modules[f"transition{block + 1}"] = _Transition(channels, reduced)
                channels = reduced
        modules["norm_final"] = nn.BatchNorm2d(channels)
        self.features = nn.Sequential(modules)
        self.classifier = nn.Linear(channels, num_classes)
        _init_conv_weights(self)
        nn.init.zeros_(self.classifier.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.features(x))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.classifier(x)


def _lenet(variant: str) -> Callable[..., nn.Module]:
    def build(**options: Any) -> nn.Module:
        return LeNet(variant, **options)

    return build


def _resnet(depth: int) -> Callable[..., nn.Module]:
    def build(**options: Any) -> nn.Module:
        return ResNetCIFAR(depth, **options)

    return build


def _densenet(depth: int, growth_rate: int) -> Callable[..., nn.Module]:
    def build(**options: Any) -> nn.Module:
        return DenseNetBC(depth, growth_rate, **options)

    return build


#: Architecture name → (family, builder, default input channels). The family selects the
#: training recipe in :mod:`v1pushpull.torch.training`.
ARCHITECTURES: dict[str, tuple[str, Callable[..., nn.Module], int]] = {
    **{f"lenet-{v.lower()}": ("lenet", _lenet(v), 1) for v in _LENET_VARIANTS},
    **{f"resnet{d}": ("resnet", _resnet(d), 3) for d in (20, 32, 44, 56)},
    **{
        f"densenet-bc-{d}-{k}": ("densenet", _densenet(d, k), 3)
        for d, k in ((40, 12), (100, 12), (100, 24))
    },
}


def _check_arch(arch: str) -> None:
    if arch not in ARCHITECTURES:
        raise ArgumentError("arch", arch, f"is not known; expected one of {tuple(ARCHITECTURES)}")


def model_family(arch: str) -> str:
    """Family ("lenet", "resnet" or "densenet") of an architecture name.

    Parameters
    ----------
    arch : str
        A key of :data:`ARCHITECTURES`, e.g. ``"resnet20"``.

    Returns
    -------
    str
        The family, which names the training recipe of [S20].

    Raises
    ------
    ValueError
        If ``arch`` is not a known architecture.

    Examples
    --------
    >>> from v1pushpull.torch.models import model_family
    >>> model_family("densenet-bc-40-12")
    'densenet'
    """
    _check_arch(arch)
    return ARCHITECTURES[arch][0]


def build_model(
    arch: str,
    *,
    pushpull: Placement = "none",
    num_classes: int = 10,
    in_channels: int | None = None,
    options: PushPullOptions | None = None,
    front_end: str = "none",
    front_end_trainable: bool = False,
    antialias: int = 1,
    **kwargs: Any,
) -> nn.Module:
    """Build one of the networks of [S20] by name.

    Parameters
    ----------
    arch : str
        ``"lenet-a"`` … ``"lenet-d"``, ``"resnet20"``, ``"resnet32"``, ``"resnet44"``,
        ``"resnet56"``, ``"densenet-bc-40-12"``, ``"densenet-bc-100-12"`` or
        ``"densenet-bc-100-24"``.
    pushpull : {"none", "first", "first_stage", "all"}
        Which convolutions are push-pull layers; ``"first"`` is the published setting.
    num_classes : int
        Number of output logits.
    in_channels : int or None
        Input channels; None takes the architecture's data set (1 for LeNet, 3 otherwise).
    options : PushPullOptions or None
        Options of the push-pull layers; None takes the defaults.
    front_end : {"none", "corf", "pushpull_corf"}
        A fixed or learnable CORF / push-pull CORF layer in front of the network
        (:mod:`v1pushpull.torch.front_end`): its orientation maps, standardised by a
        BatchNorm, are the input channels of the first convolution. Its cell fits the image
        size (``input_size`` for LeNet, 32 px otherwise; see
        :func:`~v1pushpull.torch.front_end.front_end_cell`).
    front_end_trainable : bool
        Whether the front end's parameters learn (default False: the core cell's).
    antialias : {1, 2, 3, 5}
        Size of the binomial blur put before every strided convolution
        (:func:`v1pushpull.torch.antialias.antialias`, the release's ``size_lpf`` [Z19]);
        1 (default) is off. Only the ResNets have strided convolutions: LeNet and DenseNet-BC
        are unchanged. The value is in the model's ``antialias`` attribute.
    **kwargs
        Fields of :class:`~v1pushpull.torch.layers.PushPullOptions` that replace those of
        ``options`` (``alpha``, ``scale``, ``trainable_alpha``, ``pull``, ``pull_pooling``),
        and further keyword arguments of the model class (``input_size`` for LeNet,
        ``drop_rate`` for DenseNet-BC).

    Returns
    -------
    torch.nn.Module
        The freshly initialised model (seed torch first for reproducible weights); its
        ``options`` attribute holds the push-pull options.

    Raises
    ------
    ValueError
        If ``arch``, ``antialias`` or an option is not valid.

    Examples
    --------
    >>> from v1pushpull.torch.models import build_model
    >>> model = build_model("resnet20", pushpull="first", alpha=0.5)
    >>> tuple(model.state_dict()["conv1.push.weight"].shape), model.options.alpha
    ((16, 3, 3, 3), 0.5)
    >>> build_model("resnet20", antialias=3).state_dict()["layer2.0.conv1.0.filt"].shape
    torch.Size([16, 1, 3, 3])
    """
    _check_arch(arch)
    if isinstance(antialias, bool) or not isinstance(antialias, int) or antialias not in ANTIALIAS:
        raise ArgumentError(
            "antialias", antialias, f"{{argument}} must be one of {ANTIALIAS}, got {antialias!r}"
        )
    _, builder, default_channels = ARCHITECTURES[arch]
    fields = {k: kwargs.pop(k) for k in _OPTION_FIELDS if k in kwargs}
    if front_end != "none" or front_end_trainable:
        from .front_end import with_front_end

        model = with_front_end(
            builder,
            front_end,
            front_end_trainable,
            default_channels if in_channels is None else in_channels,
            kwargs.get("input_size", 28 if ARCHITECTURES[arch][0] == "lenet" else 32),
            num_classes=num_classes,
            pushpull=pushpull,
            options=PushPullOptions.resolve(options, **fields),
            **kwargs,
        )
    else:
        model = builder(
            num_classes=num_classes,
            in_channels=default_channels if in_channels is None else in_channels,
            pushpull=pushpull,
            options=PushPullOptions.resolve(options, **fields),
            **kwargs,
        )
    add_blur(model, antialias)
    model.antialias = antialias
    return model
