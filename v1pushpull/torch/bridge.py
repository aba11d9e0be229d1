"""From the receptive fields of the core to the learnable first layer of a CNN.

:func:`to_torch_layer` turns a bank of 2-D receptive fields (Gabor, DoG, the linear receptive
field of a CORF cell, or any ``(K, h, w)`` array) into a :class:`PushPullConv2d` whose push
kernels are those fields, so a network starts from the models of the core and trains on. A
CORF cell, or a push-pull cell of one, becomes the full non-linear model instead, a
:class:`~v1pushpull.torch.corf_layer.CORFConv2d`; ``as_linear=True`` keeps the old route (its
linear receptive fields as push kernels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import torch

from .._backend import MIN_WAVELENGTH, to_numpy
from .._errors import ArgumentError
from ..cells import GaborCell, PushPullCell
from ..corruptions import LUMINANCE_WEIGHTS
from ..kernels import dog_bank, gabor_bank
from .layers import PushPullConv2d, _is_integer, _pair

if TYPE_CHECKING:
    from .corf_layer import CORFConv2d

__all__ = ["COLOR_MODES", "LUMINANCE_WEIGHTS", "PRESETS", "color_weights", "to_torch_layer"]

ColorMode = Literal["replicate", "luminance", "per_channel"]
COLOR_MODES: tuple[str, ...] = ("replicate", "luminance", "per_channel")
PRESETS: tuple[str, ...] = ("gabor", "dog", "corf", "random")
_DEFAULT_KERNEL_SIZE = 7
#: The smallest kernel side (px) that holds a receptive field of a preset or a cell.
_MIN_FIELD_SIZE = 3
# The σ = 1 px CORF field is wider than a 7 px Gabor: 11 px keep ≥ 91 % of its L1 mass at every
# orientation (7 px keep only 75-78 %).
_DEFAULT_CORF_KERNEL_SIZE = 11
_DEFAULT_ORIENTATIONS = 8
_SHAPE_ARGUMENTS = ("in_channels", "out_channels", "kernel_size", "groups")
# PushPullCell's default k for a Gabor push cell, the published α = 1 of [S20]
_GABOR_DEFAULT_STRENGTH = 1.0


def _orientation_values(orientations: int | Sequence[float], full_circle: bool) -> np.ndarray:
    if isinstance(orientations, (int, np.integer)) and not isinstance(orientations, bool):
        if orientations < 1:
            raise ValueError(f"orientations must be >= 1 when a count, got {orientations!r}")
        period = 2 * math.pi if full_circle else math.pi
        return np.arange(int(orientations)) * period / int(orientations)
    values = np.asarray(orientations, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(
            f"orientations must be a count or a non-empty 1-D sequence of angles (rad), "
            f"got {orientations!r}"
        )
    return values


def _preset_bank(
    name: str, kernel_size: int, orientations: int | Sequence[float] | None
) -> np.ndarray:
    if name == "gabor":
        # one octave of bandwidth at λ = size/2 fills the kernel with about one cycle
        theta = _orientation_values(
            _DEFAULT_ORIENTATIONS if orientations is None else orientations, full_circle=False
        )
        wavelength = kernel_size / 2
        if wavelength < MIN_WAVELENGTH:
            raise ArgumentError(
                "kernel_size",
                kernel_size,
                f"is too small for the 'gabor' preset: its wavelength λ = kernel_size/2 = "
                f"{wavelength:g} px is below the {MIN_WAVELENGTH:g}-px minimum (shorter "
                "wavelengths alias on the pixel grid); use kernel_size >= 5 (4 with "
                "pull='inverted'), or pass a gabor_bank of your own",
            )
        return gabor_bank(wavelength, theta, (0.0, math.pi / 2), size=kernel_size)
    # "dog": centre-surround fields have no orientation
    if orientations is not None:
        raise ValueError(f"orientations apply to 'gabor', 'corf' and cells, not to {name!r}")
    return dog_bank((kernel_size / 6, kernel_size / 4), ("on", "off"), size=kernel_size)


def _corf_bank(kernel_size: int, orientations: int | Sequence[float] | None) -> np.ndarray:
    from ..cells import CORFCell

    theta = _orientation_values(
        _DEFAULT_ORIENTATIONS if orientations is None else orientations, full_circle=True
    )
    # σ = 1 px is the smallest LGN scale with a published ρ table
    return CORFCell(sigma=1.0).linear_receptive_fields(theta, size=kernel_size)


def _as_bank(source: Any) -> np.ndarray:
    bank = to_numpy(source) if not isinstance(source, np.ndarray) else source
    bank = np.asarray(bank)
    if not np.issubdtype(bank.dtype, np.floating):
        raise TypeError(f"source must be a real floating array, got dtype {bank.dtype}")
    if bank.ndim == 2:
        bank = bank[None]
    if bank.ndim != 3:
        raise ValueError(f"source must have shape (K, h, w) or (h, w), got {bank.shape}")
    if not np.all(np.isfinite(bank)):
        raise ValueError("source must contain finite values only")
    return bank.astype(np.float64, copy=False)


def color_weights(color: ColorMode, in_channels: int) -> np.ndarray:
    """Weight of each input channel in a push kernel built from a 2-D receptive field.

    Parameters
    ----------
    color : {"replicate", "luminance", "per_channel"}
        ``"replicate"``: every channel gets the field scaled by ``1/C``, so an achromatic image
        (equal channels) gives exactly the 2-D filter response. ``"luminance"``: the field is
        applied to the BT.601 luma ``0.299 R + 0.587 G + 0.114 B`` (3 channels only).
        ``"per_channel"``: each channel is filtered on its own (weights of one).
    in_channels : int
        Number of input channels ``C``.

    Returns
    -------
    numpy.ndarray, shape (in_channels,)

    Raises
    ------
    ValueError
        For an unknown mode, or ``"luminance"`` with ``in_channels != 3``.

    Examples
    --------
    >>> color_weights("replicate", 4)
    array([0.25, 0.25, 0.25, 0.25])
    """
    if color not in COLOR_MODES:
        raise ValueError(f"color must be one of {COLOR_MODES}, got {color!r}")
    if color == "replicate":
        return np.full(in_channels, 1.0 / in_channels)
    if color == "luminance":
        if in_channels != 3:
            raise ValueError(f"color='luminance' needs in_channels=3 (RGB), got {in_channels}")
        return np.asarray(LUMINANCE_WEIGHTS)
    return np.ones(in_channels)


def to_torch_layer(
    source: Any,
    in_channels: int = 3,
    *,
    kernel_size: int | None = None,
    orientations: int | Sequence[float] | None = None,
    n_kernels: int | None = None,
    color: ColorMode = "replicate",
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str | None = None,
    trainable: bool = True,
    device: Any = None,
    dtype: torch.dtype = torch.float32,
    as_linear: bool = False,
    **layer_kwargs: Any,
) -> PushPullConv2d | CORFConv2d:
    """A :class:`PushPullConv2d` whose push kernels are receptive fields from the core, or the
    :class:`~v1pushpull.torch.corf_layer.CORFConv2d` of a CORF cell.

    Parameters
    ----------
    source : array, cell or str
        The receptive fields, one per output channel:

        - an array ``(K, h, w)`` (or ``(h, w)``) of any backend, e.g. from
          :func:`v1pushpull.gabor_bank` or :func:`v1pushpull.dog_bank`;
        - a :class:`v1pushpull.cells.CORFCell`, or a :class:`v1pushpull.cells.PushPullCell`
          of one: the cell itself as a layer,
          ``CORFConv2d.from_cell(cell, in_channels, orientations, color=color,
          trainable=trainable, device=device, dtype=dtype)`` (its responses, not a linear
          filter; every learnable parameter of the layer learns when ``trainable``). With
          ``as_linear=True`` a CORFCell takes the route below instead;
        - an object with ``linear_receptive_fields(orientations, size=None)``, such as
          :class:`v1pushpull.cells.GaborCell` or, with ``as_linear=True``,
          :class:`v1pushpull.cells.CORFCell` (whose linear field is the weighted sum of its
          shifted, blurred DoG subunits);
        - a :class:`v1pushpull.cells.PushPullCell` of a Gabor cell: the push kernels are its
          push cell's fields and the layer's ``scale`` is its ``pull_scale`` (a different
          ``scale`` argument is an error). Its inhibition strength k is *not* converted to α:
          the layer's upsampled pull kernel has 3-4 times the L1 norm of the push kernel
          while the cell's pull has the push's, so k ≈ (3-4)·α (see
          :mod:`v1pushpull.cells.pushpull`); ``alpha`` comes from the argument (default 1,
          the paper's), and must be given when k is not its default 1. A CORF push-pull
          cell (shifted pull) has no linear counterpart and is refused with
          ``as_linear=True``;
        - a preset: ``"gabor"`` (λ = ``kernel_size/2`` px, 1 octave, γ = 0.5, phases 0 and
          π/2, 8 orientations in [0, π): 16 kernels, Petkov normalisation), ``"dog"`` (σ =
          ``kernel_size/6`` and ``kernel_size/4`` px, on and off: 4 kernels), ``"corf"``
          (``CORFCell(sigma=1.0)`` edge cells, 8 orientations in [0, 2π)) or ``"random"`` (no
          model: ``n_kernels`` kernels with :class:`torch.nn.Conv2d`'s initialisation, a
          baseline; ``color`` does not apply).
    in_channels : int
        Channels ``C`` of the layer's input (3 for RGB).
    kernel_size : int, optional
        Side (px) of the kernels of a preset or a cell: an int >= 3 (default 7 for
        presets, 11 for ``"corf"``, whose σ = 1 px field keeps ≥ 91 % of its L1 mass in 11 px
        but only ~78 % in 7 px; the cell's own support for cells). Not used with an array,
        whose shape gives it.
    orientations : int or sequence of float, optional
        Orientations (rad), or their number, for ``"gabor"``, ``"corf"`` and cells. A count
        spreads them evenly over [0, π) for ``"gabor"`` and over [0, 2π) for ``"corf"`` and
        cells (polarity-specific fields). Default 8.
    n_kernels : int, optional
        Number of kernels of ``"random"`` (default 16); not used otherwise.
    color : {"replicate", "luminance", "per_channel"}
        How a 2-D field becomes a ``C``-channel kernel (:func:`color_weights`). With
        ``"per_channel"`` the layer has ``groups=C`` and ``C·K`` outputs: outputs
        ``c·K … c·K + K − 1`` are the K fields applied to channel ``c``.
    stride, padding :
        As in :class:`PushPullConv2d`; the default padding ``dilation·(h//2, w//2)`` centres
        the kernels on the output pixels (the image size is kept at stride 1, whatever the
        ``dilation`` in ``layer_kwargs``).
    trainable : bool
        Whether the push kernels receive gradients.
    device, dtype :
        Where the layer lives (default: a torch source's device, else the CPU; float32).
    as_linear : bool
        For a CORF cell: build a :class:`PushPullConv2d` from its linear receptive fields
        (the route of versions before the CORF layer) instead of the
        :class:`~v1pushpull.torch.corf_layer.CORFConv2d` (default False). Other sources
        always take the linear route, so it changes nothing for them.
    **layer_kwargs :
        Other :class:`PushPullConv2d` options (``alpha``, ``scale``, ``trainable_alpha``,
        ``pull``, ``pull_pooling``, ``dilation``, ``bias``, ``padding_mode``).

    Returns
    -------
    PushPullConv2d or CORFConv2d
        A CORF cell (``as_linear=False``): the
        :class:`~v1pushpull.torch.corf_layer.CORFConv2d` of the cell, ``out_channels`` = the
        orientations (``C·`` those for ``"per_channel"``). Otherwise a PushPullConv2d with
        ``push.weight[k, c] = color_weights[c] · field[k]`` (correlation kernels, origin at the
        centre, as in :func:`v1pushpull.filter_bank`), ``out_channels = K`` (``C·K`` for
        ``"per_channel"``).

    Raises
    ------
    ValueError
        For an unknown preset or colour mode, a bank of the wrong shape, options that do not
        apply to the source (``kernel_size``, ``stride``, ``padding`` and ``layer_kwargs`` do
        not apply to a CORF layer), shape arguments in ``layer_kwargs``, ``kernel_size < 3`` for
        a preset or a cell (``< 1`` for ``"random"``), ``"gabor"`` with ``kernel_size < 4``
        (λ = ``kernel_size/2`` below 2 px), an all-zero kernel in an array source, or a
        PushPullCell that is of a CORF cell, whose ``pull_scale`` contradicts ``scale``, or
        whose k is not 1 without an explicit ``alpha``.
    TypeError
        For a source that is neither an array, a cell nor a preset name, or a ``kernel_size``
        that is not an int.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull import gabor_bank, to_torch_layer
    >>> bank = gabor_bank(4.0, [0.0, 0.785, 1.571, 2.356], size=7)
    >>> layer = to_torch_layer(bank, in_channels=3)
    >>> layer.push.weight.shape
    torch.Size([4, 3, 7, 7])
    >>> layer(torch.rand(1, 3, 32, 32)).shape
    torch.Size([1, 4, 32, 32])
    >>> from v1pushpull.cells import GaborCell, PushPullCell
    >>> pp = to_torch_layer(PushPullCell(GaborCell(4.0)), in_channels=1, alpha=0.5)
    >>> pp.push.weight.shape[0], pp.scale, pp.alpha
    (8, 2.0, 0.5)
    >>> from v1pushpull.cells import CORFCell
    >>> type(to_torch_layer(PushPullCell(CORFCell()), in_channels=1)).__name__
    'CORFConv2d'
    >>> type(to_torch_layer(CORFCell(sigma=1.0), in_channels=1, as_linear=True)).__name__
    'PushPullConv2d'
    """
    kernel_size = _check_arguments(source, in_channels, kernel_size, n_kernels, layer_kwargs)
    if not isinstance(as_linear, bool):
        raise TypeError(f"as_linear must be a bool, got {as_linear!r}")
    if not as_linear and _is_corf_cell(source):
        return _corf_layer(
            source,
            in_channels,
            orientations,
            color,
            trainable,
            device,
            dtype,
            kernel_size=kernel_size,
            stride=stride,
            padding=padding,
            **layer_kwargs,
        )
    if isinstance(source, str) and source == "random":
        if orientations is not None or color != "replicate":
            raise ValueError("orientations and color do not apply to source='random'")
        count = 16 if n_kernels is None else n_kernels
        size = _DEFAULT_KERNEL_SIZE if kernel_size is None else kernel_size
        return _random_layer(
            in_channels, count, size, stride, padding, trainable, device, dtype, layer_kwargs
        )
    bank, layer_kwargs = _source_bank(source, kernel_size, orientations, layer_kwargs)
    if device is None and isinstance(source, torch.Tensor):
        device = source.device
    push, groups = _push_kernels(bank, color, in_channels)
    height, width = push.shape[-2:]
    layer = PushPullConv2d(
        in_channels,
        push.shape[0],
        (height, width),
        stride=stride,
        padding=_centring_padding((height, width), layer_kwargs) if padding is None else padding,
        groups=groups,
        device=device,
        dtype=dtype,
        **layer_kwargs,
    )
    zero = np.flatnonzero(~np.any(bank != 0, axis=(1, 2)))
    if zero.size:  # checked after the layer's own shape checks
        raise ValueError(
            f"source kernels {zero.tolist()} are all zero: they would give a layer whose "
            "channels never respond"
        )
    with torch.no_grad():
        layer.push.weight.copy_(torch.as_tensor(push, dtype=dtype))
    layer.push.weight.requires_grad_(trainable)
    return layer


def _is_corf_cell(source: Any) -> bool:
    from ..cells import CORFCell

    if isinstance(source, PushPullCell):
        source = source.push
    return isinstance(source, CORFCell)


def _corf_layer(
    cell: Any,
    in_channels: int,
    orientations: int | Sequence[float] | None,
    color: ColorMode,
    trainable: bool,
    device: Any,
    dtype: torch.dtype,
    **linear_only: Any,
) -> CORFConv2d:
    """The CORFConv2d of a CORF (push-pull) cell; refuses the options of the linear route."""
    from .corf_layer import CORFConv2d

    given = sorted(
        name
        for name, value in linear_only.items()
        if not (value is None or (name == "stride" and value == 1))
    )
    if given:
        raise ValueError(
            f"{given} do not apply to the CORF layer of a CORF cell (it keeps the image size "
            "and has no kernel); pass as_linear=True for a PushPullConv2d of its linear "
            "receptive fields"
        )
    count = _DEFAULT_ORIENTATIONS if orientations is None else orientations
    return CORFConv2d.from_cell(
        cell, in_channels, count, color=color, trainable=trainable, device=device, dtype=dtype
    )


def _check_arguments(
    source: Any,
    in_channels: Any,
    kernel_size: Any,
    n_kernels: Any,
    layer_kwargs: dict[str, Any],
) -> int | None:
    """Check the arguments that do not depend on the source's kind; the kernel size as int."""
    clash = [name for name in _SHAPE_ARGUMENTS if name in layer_kwargs]
    if clash:
        raise ValueError(f"to_torch_layer sets {clash} from the source; do not pass them")
    if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
        raise ValueError(f"in_channels must be a positive int, got {in_channels!r}")
    if n_kernels is not None and not (isinstance(source, str) and source == "random"):
        raise ValueError(f"n_kernels applies to source='random' only, got {n_kernels!r}")
    if isinstance(source, str) and source not in PRESETS:
        raise ValueError(f"unknown preset {source!r}; expected one of {PRESETS}")
    if kernel_size is None:
        return None
    if not _is_integer(kernel_size):
        raise TypeError(f"kernel_size must be an int (px) or None, got {kernel_size!r}")
    if kernel_size < 1:
        raise ValueError(f"kernel_size must be >= 1 px, got {kernel_size!r}")
    if kernel_size < _MIN_FIELD_SIZE and not (isinstance(source, str) and source == "random"):
        # a 1- or 2-px kernel holds no centre, surround or orientation: the fields vanish
        raise ArgumentError(
            "kernel_size",
            kernel_size,
            f"is too small for a receptive field; expected >= {_MIN_FIELD_SIZE} px",
        )
    return int(kernel_size)


def _source_bank(
    source: Any,
    kernel_size: int | None,
    orientations: int | Sequence[float] | None,
    layer_kwargs: dict[str, Any],
) -> tuple[np.ndarray, dict[str, Any]]:
    """The ``(K, h, w)`` fields of a preset, cell or array, and the layer options it fixes."""
    if isinstance(source, str):
        default = _DEFAULT_CORF_KERNEL_SIZE if source == "corf" else _DEFAULT_KERNEL_SIZE
        size = default if kernel_size is None else kernel_size
        if source == "corf":
            return _corf_bank(size, orientations), layer_kwargs
        return _preset_bank(source, size, orientations), layer_kwargs
    if isinstance(source, PushPullCell):
        layer_kwargs = _pushpull_cell_options(source, layer_kwargs)
        source = source.push
    if hasattr(source, "linear_receptive_fields"):
        theta = _orientation_values(
            _DEFAULT_ORIENTATIONS if orientations is None else orientations, full_circle=True
        )
        return _as_bank(source.linear_receptive_fields(theta, size=kernel_size)), layer_kwargs
    if hasattr(source, "shape") or isinstance(source, (list, tuple)):
        if kernel_size is not None or orientations is not None:
            raise ValueError(
                "kernel_size and orientations do not apply to an array source (its shape "
                "gives the kernels)"
            )
        array = np.asarray(source) if isinstance(source, (list, tuple)) else source
        return _as_bank(array), layer_kwargs
    raise TypeError(
        f"source must be a (K, h, w) array, an object with linear_receptive_fields or one "
        f"of {PRESETS}, got {type(source).__name__}"
    )


def _push_kernels(bank: np.ndarray, color: str, in_channels: int) -> tuple[np.ndarray, int]:
    """Push kernels ``(out, in/groups, h, w)`` from 2-D fields, and the groups."""
    weights = color_weights(color, in_channels)
    _, height, width = bank.shape
    if color == "per_channel":
        return np.tile(bank[None], (in_channels, 1, 1, 1)).reshape(
            -1, 1, height, width
        ), in_channels
    return bank[:, None] * weights[None, :, None, None], 1


def _pushpull_cell_options(cell: PushPullCell, layer_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The layer options that a PushPullCell of a Gabor cell fixes: ``scale`` from its pull.

    The cell's inhibition strength k is not the layer's α: the layer's pull kernel is the
    bilinearly upsampled push kernel, whose L1 norm is 3-4 times the push kernel's, while the
    cell's pull is normalised like its push (module notes of :mod:`v1pushpull.cells.pushpull`),
    so k ≈ (3-4)·α and no single factor converts them. α is therefore an explicit argument.
    """
    if not isinstance(cell.push, GaborCell):
        raise ValueError(
            "a PushPullCell of a CORFCell has a pull cell shifted by pull_shift="
            f"{cell.pull_shift!r} px, which PushPullConv2d (an upsampled, negated push "
            "kernel) cannot express; leave as_linear out for its CORF layer (CORFConv2d), or "
            "pass the CORFCell itself for its linear receptive fields and choose scale and "
            "alpha"
        )
    options = dict(layer_kwargs)
    if "scale" in options and options["scale"] != cell.pull_scale:
        raise ValueError(
            f"scale={options['scale']!r} conflicts with the cell's pull_scale="
            f"{cell.pull_scale!r}; the layer takes its scale from the cell, so leave scale out "
            "or make them equal"
        )
    options["scale"] = cell.pull_scale
    if "alpha" not in options and cell.inhibition_strength != _GABOR_DEFAULT_STRENGTH:
        raise ValueError(
            f"the cell's inhibition_strength={cell.inhibition_strength!r} is not the layer's "
            "alpha (k ≈ 3-4·alpha, since the upsampled pull kernel has 3-4 times the L1 norm "
            "of the push kernel; see v1pushpull.cells.pushpull); pass alpha explicitly"
        )
    return options


def _centring_padding(size: tuple[int, int], layer_kwargs: dict[str, Any]) -> tuple[int, int]:
    # a dilated kernel spans dilation·(h − 1) + 1 px, so "size kept" needs dilation·(h//2)
    dilation = _pair(layer_kwargs.get("dilation", 1), "dilation", minimum=1)
    return (dilation[0] * (size[0] // 2), dilation[1] * (size[1] // 2))


def _random_layer(
    in_channels: int,
    n_kernels: int,
    kernel_size: int,
    stride: Any,
    padding: Any,
    trainable: bool,
    device: Any,
    dtype: torch.dtype,
    layer_kwargs: dict[str, Any],
) -> PushPullConv2d:
    if isinstance(n_kernels, bool) or not isinstance(n_kernels, int) or n_kernels < 1:
        raise ValueError(f"n_kernels must be a positive int, got {n_kernels!r}")
    layer = PushPullConv2d(
        in_channels,
        n_kernels,
        kernel_size,
        stride=stride,
        padding=_centring_padding((kernel_size, kernel_size), layer_kwargs)
        if padding is None
        else padding,
        device=device,
        dtype=dtype,
        **layer_kwargs,
    )
    layer.push.weight.requires_grad_(trainable)
    return layer
