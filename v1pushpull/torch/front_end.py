"""A CORF or push-pull CORF front end in front of the CNNs of :mod:`~v1pushpull.torch.models`.

``build_model(arch, front_end="corf" | "pushpull_corf")`` puts a
:class:`~v1pushpull.torch.corf_layer.CORFConv2d` (the responses of a CORF cell, or of a
push-pull CORF cell, at :data:`FRONT_END_ORIENTATIONS` orientations) and a
:class:`torch.nn.BatchNorm2d` before the network, whose first convolution then takes the
orientation maps as its input channels. The front end is fixed (the core cell's parameters)
unless ``front_end_trainable=True``, which lets every parameter of the layer learn (the
inhibition strength k per orientation, the subunit weight width σ̂ and the DoG σ).

The cell fits the image size: the default push-pull CORF cell of the core (σ = 2.2 px,
β = 4 px) has a support of 41 px (``PushPullCell(CORFCell()).support``, the layer's too), more
than MNIST's 28 px and CIFAR-10's 32 px, so images smaller than that take the σ = 1 px cell
with the three inner rings of its published ρ list,
``CORFCell(sigma=1.0, rho=(1.4135, 3.031, 6.9796))``, whose support with its β = 4 px pull is
19 px (:func:`front_end_cell`). Both kinds use the same push cell, so ``"corf"`` and
``"pushpull_corf"`` differ by the pull alone.

The BatchNorm standardises the responses (non-negative, with a scale that depends on the
image's contrast and the data's normalisation), as the first convolution of the plain network
sees standardised pixels. State-dict keys: ``front_end.*``, ``front_norm.*`` and ``body.*``
(the network's own keys under ``body.``); ``front_end="none"`` returns the network itself.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._errors import ArgumentError
from ..cells import CORFCell, PushPullCell
from .corf_layer import CORFConv2d

__all__ = [
    "FRONT_ENDS",
    "FRONT_END_KEYS",
    "FRONT_END_ORIENTATIONS",
    "SMALL_IMAGE_RHO",
    "FrontEndNet",
    "front_end_cell",
]

#: The front ends of :func:`~v1pushpull.torch.models.build_model`.
FRONT_ENDS: tuple[str, ...] = ("none", "corf", "pushpull_corf")
#: Orientations of the front end (evenly over [0, 2π): CORF cells are polarity-specific).
FRONT_END_ORIENTATIONS = 8
#: ρ (px) of the σ = 1 px cell used for images smaller than the default cell's support: the
#: first three rings of the published σ = 1 px list (push-pull support 19 px).
SMALL_IMAGE_RHO: tuple[float, ...] = (1.4135, 3.031, 6.9796)
#: The metadata keys (arguments of ``build_model``) that describe the front end.
FRONT_END_KEYS: tuple[str, ...] = ("front_end", "front_end_trainable")


def front_end_cell(kind: str, image_size: int) -> CORFCell | PushPullCell:
    """The core cell of a front end for square images of ``image_size`` px.

    Parameters
    ----------
    kind : {"corf", "pushpull_corf"}
        A CORF cell, or a push-pull CORF cell (k = 1.8, β = 4 px, the core's defaults).
    image_size : int
        Side of the images (px). The core's default ``CORFCell()`` (σ = 2.2 px) is used when
        its push-pull support (41 px) fits, else ``CORFCell(sigma=1.0, rho=SMALL_IMAGE_RHO)``
        (19 px with its pull).

    Returns
    -------
    CORFCell or PushPullCell

    Raises
    ------
    ValueError
        For an unknown ``kind``, or images smaller than the small cell's support (19 px).

    Examples
    --------
    >>> from v1pushpull.torch.front_end import front_end_cell
    >>> front_end_cell("pushpull_corf", 28).support, front_end_cell("pushpull_corf", 64).support
    (19, 41)
    """
    if kind not in FRONT_ENDS[1:]:
        raise ArgumentError("front_end", kind, f"is not valid; expected one of {FRONT_ENDS}")

    def make(push: CORFCell) -> CORFCell | PushPullCell:
        return PushPullCell(push) if kind == "pushpull_corf" else push

    default = make(CORFCell())
    if image_size >= PushPullCell(CORFCell()).support:
        return default
    cell = make(CORFCell(sigma=1.0, rho=SMALL_IMAGE_RHO))
    if image_size < cell.support:
        raise ValueError(
            f"front_end={kind!r} needs images of at least {cell.support} px, got {image_size} px"
        )
    return cell


class FrontEndNet(nn.Module):
    """A network behind a CORF front end: ``body(front_norm(front_end(x)))``.

    Parameters
    ----------
    front_end : CORFConv2d
        The CORF (push-pull) layer.
    body : torch.nn.Module
        The network, built with ``in_channels = front_end.out_channels``.
    kind : str
        The front end's name in :data:`FRONT_ENDS` (kept for the metadata).

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.torch.models import build_model
    >>> model = build_model("lenet-a", front_end="pushpull_corf")
    >>> model(torch.zeros(2, 1, 28, 28)).shape, model.front_end.out_channels
    (torch.Size([2, 10]), 8)
    """

    def __init__(self, front_end: CORFConv2d, body: nn.Module, kind: str) -> None:
        super().__init__()
        self.front_end = front_end
        self.front_norm = nn.BatchNorm2d(front_end.out_channels)
        self.body = body
        self.kind = kind

    @property
    def options(self) -> Any:
        """The push-pull options of the body."""
        return self.body.options

    @property
    def pushpull(self) -> str:
        """The push-pull placement of the body."""
        return self.body.pushpull

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.front_norm(self.front_end(x)))


def with_front_end(
    builder: Any,
    kind: str,
    trainable: bool,
    in_channels: int,
    image_size: int,
    **body_arguments: Any,
) -> nn.Module:
    """``builder(in_channels=..., **body_arguments)`` behind the front end ``kind``."""
    if kind not in FRONT_ENDS:
        raise ArgumentError("front_end", kind, f"is not valid; expected one of {FRONT_ENDS}")
    if not isinstance(trainable, bool):
        raise TypeError(f"front_end_trainable must be a bool, got {trainable!r}")
    if kind == "none":
        if trainable:
            raise ValueError("front_end_trainable=True needs a front end (corf, pushpull_corf)")
        return builder(in_channels=in_channels, **body_arguments)
    color = "luminance" if in_channels == 3 else "replicate"
    layer = CORFConv2d.from_cell(
        front_end_cell(kind, image_size),
        in_channels,
        FRONT_END_ORIENTATIONS,
        color=color,
        trainable=trainable,
    )
    body = builder(in_channels=layer.out_channels, **body_arguments)
    return FrontEndNet(layer, body, kind)
