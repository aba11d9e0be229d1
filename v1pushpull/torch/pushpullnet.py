"""Loading PushPull-Net [B24] checkpoints: its layer's state-dict names and options.

PushPull-Net's code (bgswaroop/pushpull-conv, ``project/models/utils/push_pull_unit.py``,
class ``PushPullConv2DUnit``) computes

    out = ReLU(W ⋆ x) − α·ReLU(avg_k(W_pull ⋆ x)) + b,    W_pull = −W + max(W) + min(W)

with the extremes over each output filter, the pull path at the push path's stride, padding,
dilation and groups, ``avg_k`` a stride-1 average pooling of odd side ``k`` with "same" padding
that does not count the padded pixels (``avg_kernel_size``; 0 = none; the published PP3 / PP5
settings are 3 and 5), and α either fixed (``pull_inhibition_strength``, a plain number, not in
the state dict) or learned per output channel (``trainable_pull_inhibition``; a Parameter of
shape ``(C_out,)`` initialised uniform in [0, 1], used without a ReLU). The bias ``b`` is its own
Parameter ``(C_out,)`` (default on, initialised uniform in [−1, 1]); the push convolution has
none. That is :class:`~v1pushpull.torch.layers.PushPullConv2d` with ``pull="inverted"``; only
the names differ, by the table :data:`PUSHPULLNET_KEYS`.

:func:`from_pushpullnet_state_dict` renames the keys of every PushPull-Net unit in a state dict
(a unit is recognised by its ``push_conv.weight``; other keys, including other modules'
``bias``, are left alone) and :func:`pushpullnet_layer_options` turns PushPull-Net's
hyper-parameters into the layer's keyword arguments. The rest of a PushPull-Net model (its
torchvision-style ResNet-18/50 with ``bn`` and ``classifier``) is not one of v1pushpull's
architectures; its keys pass through unchanged.

One difference remains: with ``padding_mode`` other than zeros PushPull-Net pads only its push
path that way (its pull path calls ``F.conv2d`` with zero padding), v1pushpull pads both paths
alike. PushPull-Net's models all use zero padding.

References
----------
.. [B24] G. S. Bennabhaktula, E. Alegre, N. Strisciuglio, G. Azzopardi. PushPull-Net:
   inhibition-driven ResNet robust to image corruptions. ICPR 2024.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

__all__ = [
    "PUSHPULLNET_KEYS",
    "from_pushpullnet_state_dict",
    "pushpullnet_layer_options",
    "to_pushpullnet_state_dict",
]

#: PushPull-Net's key → v1pushpull's key, within one push-pull unit. The one place the two
#: naming schemes meet: if PushPullConv2d's parameters are renamed, change the right column.
PUSHPULLNET_KEYS: dict[str, str] = {
    "push_conv.weight": "push.weight",
    "bias": "push.bias",
    "pull_inhibition_strength": "alpha",
}


def _unit_prefixes(keys: list[str], marker: str) -> list[str]:
    """Prefixes ("" or "a.b.") of the units, recognised by the key that ends in ``marker``."""
    return [k[: -len(marker)] for k in keys if k == marker or k.endswith("." + marker)]


def _rename(state_dict: Mapping[str, Any], table: Mapping[str, str], name: str) -> dict:
    """Rename the keys of ``table`` inside every unit, a unit being marked by its kernel key."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"{name} must be a mapping of names to tensors, got {type(state_dict)}")
    marker = next(k for k in table if k.endswith("weight"))
    prefixes = _unit_prefixes(list(state_dict), marker)
    if not prefixes:
        raise ValueError(f"{name} has no push-pull unit (no key ending in {marker!r})")
    renamed: dict[str, Any] = {}
    for key, value in state_dict.items():
        new = key
        for prefix in prefixes:
            suffix = key[len(prefix) :] if key.startswith(prefix) else None
            if suffix in table:
                new = prefix + table[suffix]
                break
        if new in renamed:
            raise ValueError(f"{name}: keys {key!r} and another both map to {new!r}")
        renamed[new] = value
    return renamed


def from_pushpullnet_state_dict(state_dict: Mapping[str, Any]) -> dict[str, Any]:
    """Rename PushPull-Net's push-pull unit keys to :class:`PushPullConv2d`'s.

    Parameters
    ----------
    state_dict : mapping
        A state dict saved by PushPull-Net's code (a Lightning checkpoint's ``"state_dict"``),
        or any part of one. Every prefix ``P`` with a key ``P + "push_conv.weight"`` is a unit:
        its ``push_conv.weight``, ``bias`` and ``pull_inhibition_strength`` are renamed by
        :data:`PUSHPULLNET_KEYS`.

    Returns
    -------
    dict
        A new dict with the same tensors (not copied) under v1pushpull's names, in the same
        order; every other key unchanged. Load it into a model whose units are
        ``PushPullConv2d(..., **pushpullnet_layer_options(...))``.

    Raises
    ------
    TypeError
        If ``state_dict`` is not a mapping.
    ValueError
        If it holds no PushPull-Net unit, or two keys would get the same name.

    Examples
    --------
    >>> import torch
    >>> theirs = {"conv1.push_conv.weight": torch.zeros(4, 3, 3, 3), "conv1.bias": torch.zeros(4),
    ...           "fc.bias": torch.zeros(10)}
    >>> list(from_pushpullnet_state_dict(theirs))
    ['conv1.push.weight', 'conv1.push.bias', 'fc.bias']
    """
    return _rename(state_dict, PUSHPULLNET_KEYS, "state_dict")


def to_pushpullnet_state_dict(state_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`from_pushpullnet_state_dict`: v1pushpull names → PushPull-Net's.

    Only units built with ``pull="inverted"`` have a PushPull-Net counterpart; the caller
    chooses which state dict to convert. Units are recognised by ``push.weight``.

    Examples
    --------
    >>> import torch
    >>> ours = {"stem.push.weight": torch.zeros(4, 3, 3, 3), "stem.alpha": torch.zeros(4)}
    >>> list(to_pushpullnet_state_dict(ours))
    ['stem.push_conv.weight', 'stem.pull_inhibition_strength']
    """
    inverse = {ours: theirs for theirs, ours in PUSHPULLNET_KEYS.items()}
    return _rename(state_dict, inverse, "state_dict")


def pushpullnet_layer_options(
    avg_kernel_size: int | None = 0,
    *,
    trainable_pull_inhibition: bool = True,
    pull_inhibition_strength: float = 1.0,
    bias: bool = True,
) -> dict[str, Any]:
    """:class:`PushPullConv2d` keyword arguments for a PushPull-Net unit's hyper-parameters.

    Parameters
    ----------
    avg_kernel_size : int or None
        PushPull-Net's ``avg_kernel_size``: odd side of the pull pooling, 0 or None for none
        (PP3: 3, PP5: 5).
    trainable_pull_inhibition : bool
        Learned α per channel (PushPull-Net's training default, True).
    pull_inhibition_strength : float
        The fixed α when not trainable (not stored in their checkpoints: pass the value used
        in training, ``--pull_inhibition_strength``, default 1.0).
    bias : bool
        Whether the unit has its bias (their default, True).

    Returns
    -------
    dict
        ``pull="inverted"``, ``pull_pooling``, ``trainable_alpha``, ``alpha`` and ``bias``.

    Raises
    ------
    ValueError
        For an even or negative ``avg_kernel_size`` or a negative ``pull_inhibition_strength``.

    Examples
    --------
    >>> pushpullnet_layer_options(5)["pull_pooling"], pushpullnet_layer_options(0)["pull_pooling"]
    (5, None)
    """
    if avg_kernel_size is not None and (
        isinstance(avg_kernel_size, bool)
        or not isinstance(avg_kernel_size, numbers.Integral)
        or avg_kernel_size < 0
        or (avg_kernel_size > 0 and avg_kernel_size % 2 == 0)
    ):
        raise ValueError(
            f"avg_kernel_size must be 0, None or an odd positive int, got {avg_kernel_size!r}"
        )
    if not (
        isinstance(pull_inhibition_strength, numbers.Real)
        and math.isfinite(pull_inhibition_strength)
        and pull_inhibition_strength >= 0
    ):
        raise ValueError(
            f"pull_inhibition_strength must be a number >= 0, got {pull_inhibition_strength!r}"
        )
    pooling = int(avg_kernel_size) if avg_kernel_size else None
    options: dict[str, Any] = {
        "pull": "inverted",
        "pull_pooling": pooling,
        "trainable_alpha": bool(trainable_pull_inhibition),
        "bias": bool(bias),
    }
    # a trainable α is initialised by the layer and then loaded from the checkpoint
    options["alpha"] = 1.0 if trainable_pull_inhibition else float(pull_inhibition_strength)
    return options
