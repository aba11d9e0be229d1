"""Anti-aliased downsampling [Z19]: a binomial blur before every strided convolution.

A strided convolution samples its response every ``s`` pixels without low-pass filtering
first, so a one-pixel shift of the input can change the sampled features a lot. [Z19] blurs
with a small fixed binomial filter before subsampling. The push-pull release (``size_lpf`` of
nicstrisc/Push-Pull-CNN-layer, ``resnet/resnetcifar.py`` and ``utils/downsample.py``) places it
*before* the convolution: a strided ``conv(stride=s)`` becomes ``blur(stride=s) → conv(stride=1)``
(in the residual blocks' first convolution and in the 1×1 projection shortcut), with reflect
padding of ``⌊(f−1)/2⌋`` px before and ``⌈(f−1)/2⌉`` px after. For the odd-kernel,
"same"-padded convolutions of the CIFAR ResNets the output size is unchanged
(``⌈H/s⌉`` both ways). (The antialiased-cnns code of [Z19] instead keeps the convolution at
stride 1 and blurs its rectified output, ``conv(1) → ReLU → blur(s)``; only the release's
placement is implemented here, so that its checkpoints load.)

:func:`antialias` rewrites a model in place: each ``nn.Conv2d`` (or push-pull layer) with a
stride above 1 gets stride 1 and a :class:`BlurPool2d` in front. Inside an ``nn.Sequential``
the blur is inserted before the convolution (``downsample.0`` blur, ``.1`` conv, ``.2`` batch
norm); elsewhere the convolution becomes ``nn.Sequential(blur, conv)`` (``conv1.0``,
``conv1.1``). These are the state-dict keys of the release, so its ``size_lpf`` checkpoints
load strictly into an antialiased v1pushpull ResNet; the filter is stored as the buffer
``filt`` (``(C, 1, f, f)``), as there.

Filter size 1 means "off" here (:func:`antialias` leaves the model unchanged). The release's
``size_lpf=1`` is not a plain strided convolution but subsampling followed by a stride-1
convolution; :class:`BlurPool2d` with ``filter_size=1`` is that subsampling, for anyone who
needs it.

References
----------
.. [Z19] R. Zhang. Making convolutional networks shift-invariant again. ICML 2019.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .layers import PushPullConv2d

__all__ = ["FILTER_SIZES", "BlurPool2d", "antialias", "binomial_filter"]

#: Filter sizes of the release's ``Downsample`` (1 = subsampling only).
FILTER_SIZES: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)


def _check_size(filter_size: Any) -> int:
    if isinstance(filter_size, bool) or not isinstance(filter_size, int):
        raise TypeError(f"filter_size must be an int in {FILTER_SIZES}, got {filter_size!r}")
    if filter_size not in FILTER_SIZES:
        raise ValueError(f"filter_size must be one of {FILTER_SIZES}, got {filter_size!r}")
    return filter_size


def binomial_filter(filter_size: int) -> torch.Tensor:
    """The ``f × f`` binomial low-pass filter of [Z19]: outer product of a binomial row, unit sum.

    Parameters
    ----------
    filter_size : int
        ``f`` in :data:`FILTER_SIZES`; the row is ``C(f−1, k)``, k = 0 … f−1
        (1; 1 1; 1 2 1; 1 3 3 1; 1 4 6 4 1; …).

    Returns
    -------
    torch.Tensor
        float32 ``(f, f)`` summing to 1.

    Examples
    --------
    >>> (binomial_filter(3) * 16).tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    filter_size = _check_size(filter_size)
    row = torch.tensor(
        [math.comb(filter_size - 1, k) for k in range(filter_size)], dtype=torch.float64
    )
    kernel = torch.outer(row, row)
    return (kernel / kernel.sum()).to(torch.float32)


class BlurPool2d(nn.Module):
    """Binomial blur and subsampling by ``stride`` (the release's ``Downsample``).

    Parameters
    ----------
    channels : int
        Input channels (each is filtered on its own).
    filter_size : int
        Binomial filter size (:func:`binomial_filter`); 1 subsamples without blurring.
    stride : int
        Subsampling factor.
    padding_mode : {"reflect", "replicate", "zeros"}
        Border of the blur, ``⌊(f−1)/2⌋`` px before and ``⌈(f−1)/2⌉`` px after; the release's
        default is "reflect".

    Attributes
    ----------
    filt : torch.Tensor
        Buffer ``(channels, 1, f, f)``, saved in the state dict as in the release.

    Examples
    --------
    >>> import torch
    >>> pool = BlurPool2d(4, filter_size=3, stride=2)
    >>> pool(torch.ones(1, 4, 8, 8)).shape
    torch.Size([1, 4, 4, 4])
    >>> bool(torch.allclose(pool(torch.ones(1, 4, 8, 8)), torch.tensor(1.0)))
    True
    """

    def __init__(
        self, channels: int, filter_size: int = 3, stride: int = 2, padding_mode: str = "reflect"
    ) -> None:
        super().__init__()
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"channels must be a positive int, got {channels!r}")
        if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
            raise ValueError(f"stride must be a positive int, got {stride!r}")
        if padding_mode not in ("reflect", "replicate", "zeros"):
            raise ValueError(
                f"padding_mode must be 'reflect', 'replicate' or 'zeros', got {padding_mode!r}"
            )
        self.filter_size = _check_size(filter_size)
        self.stride = stride
        self.padding_mode = padding_mode
        before, after = (filter_size - 1) // 2, filter_size // 2
        self.pad = (before, after, before, after)  # (left, right, top, bottom)
        kernel = binomial_filter(filter_size)
        self.register_buffer("filt", kernel.expand(channels, 1, -1, -1).clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Blurred and subsampled ``(N, C, H, W)`` → ``(N, C, ⌈H/s⌉, ⌈W/s⌉)``."""
        if self.filter_size == 1:
            return x[:, :, :: self.stride, :: self.stride]
        mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
        padded = F.pad(x, self.pad, mode=mode)
        return F.conv2d(padded, self.filt.to(x.dtype), stride=self.stride, groups=x.shape[1])

    def extra_repr(self) -> str:
        return (
            f"{self.filt.shape[0]}, filter_size={self.filter_size}, stride={self.stride}, "
            f"padding_mode={self.padding_mode!r}"
        )


def _strided(module: nn.Module) -> tuple[nn.Conv2d, int] | None:
    """The convolution holding the stride, and the stride, of a strided conv layer."""
    conv = module.push if isinstance(module, PushPullConv2d) else module
    if type(conv) is not nn.Conv2d or conv.stride == (1, 1):
        return None
    if conv.stride[0] != conv.stride[1]:
        raise ValueError(f"anisotropic stride {conv.stride} is not supported")
    return conv, int(conv.stride[0])


def antialias(model: nn.Module, filter_size: int, *, padding_mode: str = "reflect") -> nn.Module:
    """Put a binomial blur before every strided convolution, the push-pull release's way.

    Parameters
    ----------
    model : torch.nn.Module
        Modified in place. Every ``nn.Conv2d`` and :class:`~v1pushpull.torch.layers.
        PushPullConv2d` with a stride ``s > 1`` becomes ``BlurPool2d(stride=s) → layer
        (stride 1)``; weights are kept (the same Parameters).
    filter_size : int
        Binomial filter size; 1 leaves the model unchanged ("off"), 2 … 7 as the release
        (2, 3 and 5 are the settings of [Z19]).
    padding_mode : str
        Border of the blur (:class:`BlurPool2d`).

    Returns
    -------
    torch.nn.Module
        ``model`` itself.

    Raises
    ------
    ValueError
        For an invalid ``filter_size``, or a convolution with different strides along H and W.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
    >>> net = antialias(net, 3)
    >>> [type(m).__name__ for m in net], net[1].stride
    (['BlurPool2d', 'Conv2d', 'ReLU'], (1, 1))
    """
    filter_size = _check_size(filter_size)
    if filter_size == 1:
        return model
    if _strided(model) is not None:
        raise ValueError("model is itself a strided convolution; wrap it in nn.Sequential")
    pushpull_inner = {id(m.push) for m in model.modules() if isinstance(m, PushPullConv2d)}
    # (parent, child) pairs are collected first: inserting a blur renumbers a Sequential,
    # which would make dotted names found during the walk stale
    targets = []
    for parent in model.modules():
        if isinstance(parent, BlurPool2d):
            continue
        for child_name, module in parent.named_children():
            found = None if id(module) in pushpull_inner else _strided(module)
            if found is not None:
                targets.append((parent, child_name, module, *found))
    for parent, child_name, module, conv, stride in targets:
        conv.stride = (1, 1)
        blur = BlurPool2d(conv.in_channels, filter_size, stride, padding_mode)
        blur.to(device=conv.weight.device)
        if isinstance(parent, nn.Sequential) and all(k.isdigit() for k in parent._modules):
            # insert in place: the release's nn.Sequential(Downsample, conv, BN) numbering
            children = list(parent._modules.values())
            children.insert(children.index(module), blur)
            parent._modules.clear()
            for index, item in enumerate(children):
                parent.add_module(str(index), item)
        else:
            setattr(parent, child_name, nn.Sequential(blur, module))
    return model
