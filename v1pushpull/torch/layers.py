"""The push-pull convolution layer [S20] and its PushPull-Net variant [B24], and their options.

A push-pull layer answers to a pattern only where the pattern is present with its own polarity:
the *push* convolution is opposed by a *pull* convolution with a negated (and, in [S20],
enlarged) copy of the same kernel,

.. math::

    P(I) = \\mathrm{ReLU}(k \\star I + b) - \\alpha\\,\\mathrm{ReLU}(-(k{\\uparrow}) \\star I - b),

where :math:`k{\\uparrow}` is the push kernel bilinearly upsampled by the factor ``scale``. Only
the push kernel (and the bias, and α when trainable) are parameters; the pull kernel is rebuilt
from the push kernel on every forward pass, so gradients reach the push kernel through both
paths.

References
----------
.. [S20] N. Strisciuglio, M. Lopez-Antequera, N. Petkov, "Enhanced robustness of convolutional
   networks with a push-pull inhibition layer", Neural Computing and Applications 32,
   17957-17971 (2020).
.. [B24] G. S. Bennabhaktula, E. Alegre, N. Strisciuglio, G. Azzopardi, "PushPull-Net:
   inhibition-driven ResNet robust to image corruptions", ICPR 2024.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._errors import ArgumentError

__all__ = [
    "InvertedPushPullConv2d",
    "PushPullBase",
    "PushPullConv2d",
    "PushPullOptions",
    "pull_kernel_size",
    "replace_first_conv",
]

PullKind = Literal["upsample", "inverted"]
PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]
PullMethod = Literal["auto", "direct", "basis"]
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
#: Cost of one multiply-add of a depthwise convolution relative to a dense one (CPU, oneDNN).
_DEPTHWISE_INEFFICIENCY = 10
#: Largest ratio of basis channels (C_in·h·w) to output channels for which "basis" pays off.
_BASIS_CHANNEL_RATIO = 4


def _interpolation_matrix(n_out: int, n_in: int) -> np.ndarray:
    """A (n_out × n_in): ``A @ k`` is ``k`` resampled bilinearly with ``align_corners=True``."""
    matrix = np.zeros((n_out, n_in))
    if n_in == 1 or n_out == 1:
        # a single output tap is the top-left input tap (align_corners=True, as torch does)
        matrix[:, 0] = 1.0
        return matrix
    for i in range(n_out):
        source = i * (n_in - 1) / (n_out - 1)
        low = min(math.floor(source), n_in - 2)
        fraction = source - low
        matrix[i, low] += 1.0 - fraction
        matrix[i, low + 1] += fraction
    return matrix


def pull_kernel_size(kernel_size: int, scale: float) -> int:
    """Side of the [S20] pull kernel: ``⌊scale·h⌋`` rounded up to the next odd integer.

    Parameters
    ----------
    kernel_size : int
        Side ``h`` of the push kernel (px), odd.
    scale : float
        Size factor of the pull kernel, above 0 (below 1 the pull kernel is smaller than the
        push kernel, as the release allows).

    Returns
    -------
    int
        ``ŝ = ⌊s·h⌋ + 1 − (⌊s·h⌋ mod 2)``: 3 → 7 and 5 → 11 at ``scale=2``; ``scale=1`` keeps
        an odd size; 5 → 3 at ``scale=0.7`` and 3 → 1 at ``scale=0.5``.

    Raises
    ------
    ValueError
        If ``kernel_size`` is not a positive integer or ``scale`` is not above 0.

    Examples
    --------
    >>> pull_kernel_size(3, 2.0), pull_kernel_size(5, 2.0), pull_kernel_size(3, 1.5)
    (7, 11, 5)
    >>> pull_kernel_size(5, 0.7), pull_kernel_size(3, 0.5)
    (3, 1)
    """
    if not _is_integer(kernel_size) or kernel_size < 1:
        raise ValueError(f"kernel_size must be a positive integer, got {kernel_size!r}")
    kernel_size = int(kernel_size)
    if not (_is_real(scale) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    size = math.floor(float(scale) * kernel_size)
    return size + 1 - size % 2


def _is_integer(value: Any) -> bool:
    # NumPy integers count; bools do not, although they are Integral
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _pair(value: Any, name: str, minimum: int | None = None) -> tuple[int, int]:
    if _is_integer(value):
        pair = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        pair = tuple(value)
    else:
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if not all(_is_integer(v) for v in pair):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if minimum is not None and min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return (int(pair[0]), int(pair[1]))


def _check_alpha(alpha: Any, trainable: bool) -> None:
    if not (_is_real(alpha) and math.isfinite(alpha) and alpha >= 0):
        raise ArgumentError(
            "alpha", alpha, f"{{argument}} must be a finite real number >= 0, got {alpha!r}"
        )
    if trainable and alpha != 1.0:
        raise ArgumentError(
            "alpha",
            alpha,
            "is a fixed strength; with {trainable_alpha}=True the initial values are drawn at "
            "random (see PushPullConv2d): leave alpha at 1.0 and set layer.alpha.data to "
            "choose them",
            trainable_alpha="trainable_alpha",
        )


def _check_dual_output(dual_output: Any, pull: str, alpha: float, trainable: bool) -> None:
    if not isinstance(dual_output, (bool, np.bool_)):
        raise ArgumentError(
            "dual_output", dual_output, f"{{argument}} must be True or False, got {dual_output!r}"
        )
    if not dual_output:
        return
    if pull != "upsample":
        raise ArgumentError(
            "dual_output",
            dual_output,
            "{argument} applies to {pull}='upsample' only (the released layer's option)",
            pull="pull",
        )
    if trainable or alpha != 1.0:
        raise ArgumentError(
            "dual_output",
            dual_output,
            "with {argument}=True the push and pull maps are returned apart and α is not "
            "applied: leave {alpha} at 1.0 and {trainable_alpha} False",
            alpha="alpha",
            trainable_alpha="trainable_alpha",
        )


def _check_pull_shape(pull: str, scale: Any, pull_pooling: Any) -> None:
    if not (_is_real(scale) and math.isfinite(scale)):
        raise ArgumentError(
            "scale", scale, f"{{argument}} must be a finite real number, got {scale!r}"
        )
    if pull == "upsample":
        if scale <= 0:
            raise ArgumentError(
                "scale", scale, f"{{argument}} must be a finite number > 0, got {scale!r}"
            )
        if pull_pooling is not None:
            raise ArgumentError(
                "pull_pooling",
                pull_pooling,
                f"{{argument}} applies to {{pull}}='inverted' only, got {pull_pooling!r}",
                pull="pull",
            )
        return
    if scale != 2.0:
        raise ArgumentError(
            "scale",
            scale,
            "{argument} applies to {pull}='upsample' only (the inverted pull kernel has the push "
            f"kernel's size), got scale={scale!r}",
            pull="pull",
        )
    if pull_pooling is not None and (
        not _is_integer(pull_pooling) or pull_pooling < 1 or pull_pooling % 2 == 0
    ):
        raise ArgumentError(
            "pull_pooling",
            pull_pooling,
            f"{{argument}} must be an odd positive int, got {pull_pooling!r}",
        )


@dataclass(frozen=True)
class PushPullOptions:
    """The options of a push-pull layer, validated once and carried together.

    The layers (:class:`PushPullConv2d`, :class:`InvertedPushPullConv2d`), the models of
    :mod:`v1pushpull.torch.models` and :func:`~v1pushpull.torch.models.build_model` take one
    of these; checkpoints store it (:meth:`as_metadata`) and rebuild it
    (:meth:`from_metadata`).

    Parameters
    ----------
    alpha : float
        Fixed inhibition strength α ≥ 0. Must stay at its default 1.0 when
        ``trainable_alpha=True``.
    scale : float
        Pull kernel size factor (> 0) of the upsampled pull [S20]; below 1 the pull kernel is
        smaller than the push kernel (:func:`pull_kernel_size`; the released layer allows it).
        The inverted pull takes no scale and accepts only the default 2.
    trainable_alpha : bool
        Learn one α per output channel.
    pull : {"upsample", "inverted"}
        The pull kernel: the upsampled, negated push kernel of [S20] (:class:`PushPullConv2d`)
        or the inverted one of PushPull-Net [B24] (:class:`InvertedPushPullConv2d`).
    pull_pooling : int or None
        ``"inverted"`` only: odd side (px) of the average pooling of the pull response.
    dual_output : bool
        ``"upsample"`` only, the released layer's option: the layer's ``out_channels`` (even)
        are the push maps ``ReLU(k ⋆ I + b)`` of ``out_channels // 2`` push kernels followed by
        their pull maps ``ReLU(−(k↑) ⋆ I − b)``, concatenated along the channels and not
        combined (α unused: it must stay at 1.0, not trainable). For looking at what the pull
        removes.

    Raises
    ------
    ArgumentError
        (a ValueError naming the field) For an unknown ``pull``, a negative or non-finite
        ``alpha`` (any real number, NumPy scalars included, is accepted), ``alpha`` with
        ``trainable_alpha=True``, ``scale <= 0``, a scale or ``pull_pooling`` that does not apply
        to the pull, or an even ``pull_pooling``.

    Examples
    --------
    >>> from v1pushpull.torch.layers import PushPullOptions
    >>> options = PushPullOptions(alpha=0.5)
    >>> options.as_metadata()["alpha"], PushPullOptions.from_metadata({"pull": "inverted"}).pull
    (0.5, 'inverted')
    """

    alpha: float = 1.0
    scale: float = 2.0
    trainable_alpha: bool = False
    pull: PullKind = "upsample"
    pull_pooling: int | None = None
    dual_output: bool = False

    def __post_init__(self) -> None:
        if self.pull not in ("upsample", "inverted"):
            raise ArgumentError(
                "pull",
                self.pull,
                f"{{argument}} must be 'upsample' or 'inverted', got {self.pull!r}",
            )
        _check_alpha(self.alpha, bool(self.trainable_alpha))
        _check_pull_shape(self.pull, self.scale, self.pull_pooling)
        _check_dual_output(self.dual_output, self.pull, self.alpha, bool(self.trainable_alpha))
        object.__setattr__(self, "dual_output", bool(self.dual_output))
        object.__setattr__(self, "alpha", float(self.alpha))
        object.__setattr__(self, "scale", float(self.scale))
        object.__setattr__(self, "trainable_alpha", bool(self.trainable_alpha))
        if self.pull_pooling is not None:
            object.__setattr__(self, "pull_pooling", int(self.pull_pooling))

    @property
    def layer_class(self) -> type[PushPullBase]:
        """The layer class of this pull kind."""
        return InvertedPushPullConv2d if self.pull == "inverted" else PushPullConv2d

    def as_metadata(self) -> dict[str, Any]:
        """The fields as a plain dict (for checkpoint metadata)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> PushPullOptions:
        """Rebuild from a mapping that holds some of the fields (other keys are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in metadata.items() if k in names})

    @classmethod
    def resolve(cls, options: PushPullOptions | None, **fields: Any) -> PushPullOptions:
        """``options`` with ``fields`` replaced (the defaults when ``options`` is None)."""
        if options is None:
            return cls(**fields)
        if not isinstance(options, cls):
            raise TypeError(f"options must be a PushPullOptions, got {type(options).__name__}")
        return dataclasses.replace(options, **fields) if fields else options


@dataclass(frozen=True)
class _Geometry:
    """Checked convolution geometry: the arguments of :class:`torch.nn.Conv2d` as pairs."""

    in_channels: int
    out_channels: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    groups: int

    @classmethod
    def parse(
        cls,
        in_channels: Any,
        out_channels: Any,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: Any,
    ) -> _Geometry:
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not _is_integer(value) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not _is_integer(groups) or groups < 1:
            raise ValueError(f"groups must be a positive integer, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"groups={groups!r} must divide in_channels={in_channels!r} and "
                f"out_channels={out_channels!r}"
            )
        kernel = _pair(kernel_size, "kernel_size", minimum=1)
        strides = _pair(stride, "stride", minimum=1)
        dil = _pair(dilation, "dilation", minimum=1)
        pad = _numeric_padding(padding, kernel, dil, strides)
        return cls(int(in_channels), int(out_channels), kernel, strides, pad, dil, int(groups))


def _numeric_padding(
    padding: Any, kernel: tuple[int, int], dilation: tuple[int, int], stride: tuple[int, int]
) -> tuple[int, int]:
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"padding='same' needs stride 1, got stride={stride!r}")
        if any(k % 2 == 0 for k in kernel):
            raise ValueError(f"padding='same' needs an odd kernel_size, got {kernel!r}")
        return (dilation[0] * (kernel[0] // 2), dilation[1] * (kernel[1] // 2))
    if isinstance(padding, str):
        raise ValueError(f"padding must be 'valid', 'same' or ints, got {padding!r}")
    return _pair(padding, "padding", minimum=0)


class PushPullBase(nn.Module):
    """What the push-pull layers share: the push convolution, α, the rectified combination.

    ``forward`` computes the push and pull responses (:meth:`_responses`, per subclass),
    rectifies both and returns ``ReLU(push) − α·ReLU(pull)``. Only the push kernel (and bias,
    and α when trainable) are parameters; the pull kernel is derived from it
    (:meth:`pull_weight`), so gradients reach the push kernel through both paths. The state
    dict has the keys of the authors' released checkpoints (``push.weight``, ``push.bias``,
    ``alpha``).

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output.
    kernel_size : int or (int, int)
        Push kernel size (px).
    stride, padding, dilation, groups
        As in :class:`torch.nn.Conv2d` (``padding`` may be ``"valid"`` or ``"same"``).
    bias : bool
        Learnable bias ``b`` (state-dict key ``push.bias``).
    options : PushPullOptions or None
        The push-pull options; None takes the defaults.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        How the input is padded, for both paths.
    device, dtype
        Where the parameters are created.
    **option_fields
        Fields of :class:`PushPullOptions` (``alpha=0.5``...) that replace those of
        ``options``.
    """

    #: The pull kind of the class ("upsample" or "inverted").
    pull: ClassVar[str]

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = False,
        *,
        options: PushPullOptions | None = None,
        padding_mode: PaddingMode = "zeros",
        device: Any = None,
        dtype: Any = None,
        **option_fields: Any,
    ) -> None:
        super().__init__()
        options = PushPullOptions.resolve(options, **option_fields)
        if options.pull != self.pull:
            raise ArgumentError(
                "pull", options.pull, f"is not the pull of {type(self).__name__} ({self.pull!r})"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        geometry = _Geometry.parse(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups
        )
        self._check_geometry(geometry, options)
        if options.dual_output:
            if geometry.out_channels % 2 or (geometry.out_channels // 2) % geometry.groups:
                raise ArgumentError(
                    "out_channels",
                    out_channels,
                    "with {dual_output}=True {argument} must be even (half push, half pull "
                    f"maps) and its half divisible by groups={geometry.groups}, got "
                    f"{out_channels!r}",
                    dual_output="dual_output",
                )
            geometry = dataclasses.replace(geometry, out_channels=geometry.out_channels // 2)
        self.options = options
        self.push = nn.Conv2d(
            geometry.in_channels,
            geometry.out_channels,
            geometry.kernel,
            stride=geometry.stride,
            padding=geometry.padding,
            dilation=geometry.dilation,
            groups=geometry.groups,
            bias=bias,
            padding_mode=padding_mode,
            device=device,
            dtype=dtype,
        )
        self.trainable_alpha = options.trainable_alpha
        self.alpha: float | nn.Parameter = (
            nn.Parameter(torch.empty(geometry.out_channels, device=device, dtype=dtype))
            if options.trainable_alpha
            else options.alpha
        )
        self.reset_alpha()

    def _check_geometry(self, geometry: _Geometry, options: PushPullOptions) -> None:
        """Refuse geometries the pull cannot follow (none by default)."""

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args: Any) -> None:
        # the released code stored a trainable α as (1, C_out, 1, 1); this layer keeps (C_out,)
        key = prefix + "alpha"
        if self.trainable_alpha and key in state_dict and state_dict[key].dim() == 4:
            state_dict[key] = state_dict[key].reshape(-1)
        super()._load_from_state_dict(state_dict, prefix, *args)

    def reset_alpha(self) -> None:
        """Draw the trainable α again (its paper's initialisation); no-op when α is fixed."""
        if self.trainable_alpha:
            with torch.no_grad():
                self._init_alpha(self.alpha)

    def _init_alpha(self, alpha: nn.Parameter) -> None:
        raise NotImplementedError

    @property
    def weight(self) -> torch.Tensor:
        """The push kernel, shape ``(out_channels, in_channels // groups, h, w)``."""
        return self.push_weight()

    def push_weight(self) -> torch.Tensor:
        """The push kernel used by the next forward pass (subclasses may generate it)."""
        return self.push.weight

    @property
    def bias(self) -> torch.Tensor | None:
        """The bias ``b`` (or None)."""
        return self.push.bias

    def pull_weight(self, push_weight: torch.Tensor | None = None) -> torch.Tensor:
        """The pull kernel built from the push kernel (differentiable).

        Parameters
        ----------
        push_weight : torch.Tensor, optional
            The push kernel to derive it from (default :meth:`push_weight`).

        Returns
        -------
        torch.Tensor
        """
        return self._pull_kernel(self.push_weight() if push_weight is None else push_weight)

    def _pull_kernel(self, weight: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _responses(
        self, x: torch.Tensor, weight: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def _inhibition_strength(self, like: torch.Tensor) -> torch.Tensor | float:
        if not self.trainable_alpha:
            return self.alpha
        return self.alpha.to(like.dtype).view(1, -1, 1, 1)

    def _pad(self, x: torch.Tensor, padding: tuple[int, int]) -> torch.Tensor:
        # (left, right, top, bottom), in the layer's non-zero padding mode
        return F.pad(
            x, (padding[1], padding[1], padding[0], padding[0]), mode=self.push.padding_mode
        )

    def _convolve(self, x: torch.Tensor, weight: torch.Tensor, bias: Any, padding: Any) -> Any:
        conv = self.push
        if conv.padding_mode == "zeros":
            return F.conv2d(x, weight, bias, conv.stride, padding, conv.dilation, conv.groups)
        padded = self._pad(x, padding)
        return F.conv2d(padded, weight, bias, conv.stride, 0, conv.dilation, conv.groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Push-pull response: ``(N, in_channels, H, W)`` → ``(N, out_channels, H', W')``."""
        push, pull = self._responses(x, self.push_weight())
        # the convolution outputs are fresh tensors: rectify in place, combine in one pass
        push = F.relu(push, inplace=True)
        pull = F.relu(pull, inplace=True)
        if self.options.dual_output:
            return torch.cat([push, pull], dim=1)
        if self.trainable_alpha:
            return torch.addcmul(push, self._inhibition_strength(push), pull, value=-1)
        return torch.sub(push, pull, alpha=self.alpha)

    def extra_repr(self) -> str:
        conv = self.push
        alpha = (
            f"alpha=trainable({conv.out_channels})"
            if self.trainable_alpha
            else f"alpha={self.alpha:g}"
        )
        text = (
            f"{conv.in_channels}, {conv.out_channels}, kernel_size={conv.kernel_size}, "
            f"stride={conv.stride}, padding={conv.padding}"
        )
        if conv.dilation != (1, 1):
            text += f", dilation={conv.dilation}"
        if conv.groups != 1:
            text += f", groups={conv.groups}"
        text += f", bias={conv.bias is not None}, pull={self.pull!r}, {alpha}"
        text += self._pull_repr()
        if self.options.dual_output:
            text += ", dual_output=True"
        if conv.padding_mode != "zeros":
            text += f", padding_mode={conv.padding_mode!r}"
        return text

    def _pull_repr(self) -> str:
        return ""


class PushPullConv2d(PushPullBase):
    """Convolution with push-pull inhibition [S20], a drop-in for :class:`torch.nn.Conv2d`.

    .. math::

        P(I) = \\mathrm{ReLU}(k \\star I + b)
               - \\alpha\\,\\mathrm{ReLU}(-(k{\\uparrow}) \\star I - b)

    with :math:`k{\\uparrow}` the push kernel ``k`` upsampled bilinearly
    (``align_corners=True``) to ``ŝ × ŝ`` (:func:`pull_kernel_size`). The pull path uses the same
    stride, dilation and groups, and the padding ``dilation·(ŝ//2 − h//2) + padding``, which
    centres both paths on the same pixel. (The authors' released code used
    ``ŝ//2 − h//2 + padding`` whatever the dilation, so for ``dilation > 1`` its two paths had
    different output sizes; the rule here is that code's rule for ``dilation=1`` and the
    consistent one otherwise.) A trainable α is initialised uniform in ``[0.5 − r, 0.5 + r]``
    with ``r = 1/sqrt(in_channels·out_channels)`` and used through a ReLU, as in [S20].

    Constructed with ``pull="inverted"`` (or options of that pull) it returns an
    :class:`InvertedPushPullConv2d`, the layer of [B24].

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
        As in :class:`PushPullBase`; ``kernel_size`` must be odd: with an even size the push
        and pull kernels cannot be centred on the same pixel. The bias enters the push path as
        ``+b`` and the pull path as ``−b``.
    options : PushPullOptions or None
        ``alpha``, ``scale``, ``trainable_alpha`` (and ``pull``); None takes the defaults.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        How the input is padded, for both paths.
    pull_method : {"auto", "direct", "basis"}
        How the pull response is computed; all give the same result up to rounding.
        ``"direct"``: a convolution with the ``ŝ × ŝ`` pull kernel, as in the released code.
        ``"basis"``: through the exact identity ``k↑ = A·k·Aᵀ`` (A the ``ŝ × h`` interpolation
        matrix), ``k↑ ⋆ I = Σ_ab k[a, b]·(I ⋆ A[:, a] A[:, b]ᵀ)``: separable basis filtering of
        the input, then a 1×1 contraction with the push weights, which is cheaper when many
        output channels share the basis of few input channels (large kernels, first layers).
        ``"auto"`` (default) picks by an operation and memory count calibrated on CPU
        (attribute ``pull_method``).
    device, dtype
        Where the parameters are created.
    **option_fields
        Fields of :class:`PushPullOptions` that replace those of ``options``.

    Attributes
    ----------
    push : torch.nn.Conv2d
        Holds the push kernel ``push.weight`` (and ``push.bias``).
    alpha : float or torch.nn.Parameter
        The inhibition strength (a Parameter of shape ``(out_channels,)`` when trainable).
    options : PushPullOptions
    scale : float
    pull_size : (int, int)
        Size of the pull kernel (px).
    pull_padding : (int, int)
        Padding of the pull path (px).

    Raises
    ------
    ValueError
        For invalid options (:class:`PushPullOptions`), an unknown ``padding_mode`` or
        ``pull_method``, an even kernel, channel counts or ``groups`` below 1, ``groups`` not
        dividing both channel counts, ``kernel_size``, ``stride`` or ``dilation`` below 1, or a
        negative ``padding``.
    TypeError
        If ``kernel_size``, ``stride``, ``padding`` or ``dilation`` is not an int or a pair.

    Examples
    --------
    >>> import torch
    >>> layer = PushPullConv2d(3, 16, 3, padding=1)
    >>> layer(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2, 16, 32, 32])
    >>> layer.pull_size
    (7, 7)
    """

    pull = "upsample"
    #: The class built instead when the options ask for the inverted pull (per subclass).
    _inverted_class: ClassVar[type[PushPullBase] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._inverted_class = cls.__dict__.get("_inverted_class")

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        options = kwargs.get("options")
        pull = kwargs.get("pull", getattr(options, "pull", "upsample"))
        if pull == "inverted":
            inverted = cls._inverted_class
            if inverted is None:
                raise ArgumentError("pull", pull, f"is not available for {cls.__name__}")
            return inverted(*args, **kwargs)
        return super().__new__(cls)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = False,
        *,
        options: PushPullOptions | None = None,
        padding_mode: PaddingMode = "zeros",
        pull_method: PullMethod = "auto",
        device: Any = None,
        dtype: Any = None,
        **option_fields: Any,
    ) -> None:
        if pull_method not in ("auto", "direct", "basis"):
            raise ArgumentError(
                "pull_method",
                pull_method,
                f"{{argument}} must be 'auto', 'direct' or 'basis', got {pull_method!r}",
            )
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            options=options, padding_mode=padding_mode, device=device, dtype=dtype,
            **option_fields,
        )  # fmt: skip
        kernel, scale = self.push.kernel_size, self.options.scale
        self.scale = scale
        self.pull_size: tuple[int, int] = (
            pull_kernel_size(kernel[0], scale),
            pull_kernel_size(kernel[1], scale),
        )
        self.pull_padding: tuple[int, int] = tuple(  # type: ignore[assignment]
            d * (s // 2 - k // 2) + p
            for d, s, k, p in zip(
                self.push.dilation, self.pull_size, kernel, self.push.padding, strict=True
            )
        )
        if min(self.pull_padding) < 0:
            raise ArgumentError(
                "scale",
                scale,
                f"{{argument}}={scale!r} makes the pull kernel {self.pull_size} smaller than the "
                f"push kernel {kernel} by more than the padding {self.push.padding} allows: "
                "both paths must be centred on the same pixel; pad more or raise the scale",
            )
        if pull_method == "auto":
            pull_method = self._cheaper_pull_method()
        self.pull_method: str = pull_method
        if pull_method == "basis":
            self._register_basis(device, dtype)

    def _check_geometry(self, geometry: _Geometry, options: PushPullOptions) -> None:
        if any(k % 2 == 0 for k in geometry.kernel):
            raise ArgumentError(
                "kernel_size",
                geometry.kernel,
                "{argument} must be odd for pull='upsample', got "
                f"{geometry.kernel!r}: with an even push kernel the upsampled pull kernel cannot "
                "be centred on the same pixel (use pull='inverted' for even sizes)",
            )

    def _register_basis(self, device: Any, dtype: Any) -> None:
        kernel, pull_size = self.push.kernel_size, self.pull_size
        rows = _interpolation_matrix(pull_size[0], kernel[0])
        cols = _interpolation_matrix(pull_size[1], kernel[1])
        factory = {"device": device, "dtype": dtype or torch.get_default_dtype()}
        # depthwise filters A[:, a] (vertical) and A[:, b] (horizontal), see _basis_pull
        self.register_buffer(
            "_basis_rows",
            torch.as_tensor(rows.T, **factory).reshape(kernel[0], 1, pull_size[0], 1),
            persistent=False,
        )
        self.register_buffer(
            "_basis_cols",
            torch.as_tensor(cols.T, **factory).reshape(kernel[1], 1, 1, pull_size[1]),
            persistent=False,
        )

    def _cheaper_pull_method(self) -> str:
        """ "basis" where it is expected to beat the direct ŝ×ŝ convolution on CPU.

        Per output pixel and input channel the direct pull convolution costs
        ``ŝ_h·ŝ_w·C_out/g`` multiply-adds; the basis route costs ``h·w·C_out/g`` for the
        contraction plus ``h·ŝ_h + h·w·ŝ_w`` for the depthwise basis filtering, which runs about
        ten times less efficiently per operation than a dense convolution. The basis responses
        also hold ``C_in·h·w`` channels: when that is much more than the output's ``C_out``,
        moving them through memory costs more than the saved operations. Both thresholds come
        from ``benchmarks/pushpull_layer.py`` (2 CPU threads).
        """
        conv = self.push
        if self.pull_size == conv.kernel_size:
            return "direct"
        (h, w), (sh, sw) = conv.kernel_size, self.pull_size
        per_group = conv.out_channels // conv.groups
        direct = sh * sw * per_group
        basis = h * w * per_group + _DEPTHWISE_INEFFICIENCY * (h * sh + h * w * sw)
        small_basis = conv.in_channels * h * w <= _BASIS_CHANNEL_RATIO * conv.out_channels
        return "basis" if basis < direct and small_basis else "direct"

    def _init_alpha(self, alpha: nn.Parameter) -> None:
        r = 1.0 / math.sqrt(self.push.in_channels * self.push.out_channels)
        alpha.uniform_(0.5 - r, 0.5 + r)

    def _inhibition_strength(self, like: torch.Tensor) -> torch.Tensor | float:
        if not self.trainable_alpha:
            return self.alpha
        return F.relu(self.alpha).to(like.dtype).view(1, -1, 1, 1)

    def _pull_kernel(self, weight: torch.Tensor) -> torch.Tensor:
        """``−k↑``, shape ``(out_channels, in_channels // groups, *pull_size)``."""
        if self.pull_size == tuple(weight.shape[-2:]):
            return -weight
        upsampled = F.interpolate(weight, size=self.pull_size, mode="bilinear", align_corners=True)
        return -upsampled

    def _basis_pull(self, x: torch.Tensor, weight: torch.Tensor, bias: Any) -> torch.Tensor:
        """``−k↑ ⋆ I − b`` through ``k↑ = A k Aᵀ``: ``Σ_ab k[a, b]·(I ⋆ A[:, a] A[:, b]ᵀ)``.

        The basis responses come from two depthwise passes (A's columns vertically, then
        horizontally); a grouped 1×1 convolution contracts them with the push weights.
        """
        conv = self.push
        (sh, sw), (dh, dw) = conv.stride, conv.dilation
        c_in = x.shape[1]
        c_out, c_group, h, w = weight.shape
        padding = self.pull_padding
        if conv.padding_mode != "zeros":
            x, padding = self._pad(x, padding), (0, 0)
        rows = self._basis_rows.to(x.dtype).repeat(c_in, 1, 1, 1)
        cols = self._basis_cols.to(x.dtype).repeat(c_in * h, 1, 1, 1)
        vertical = F.conv2d(x, rows, None, (sh, 1), (padding[0], 0), (dh, 1), c_in)
        basis = F.conv2d(vertical, cols, None, (1, sw), (0, padding[1]), (1, dw), c_in * h)
        contraction = -weight.reshape(c_out, c_group * h * w, 1, 1)
        return F.conv2d(basis, contraction, None if bias is None else -bias, 1, 0, 1, conv.groups)

    def _responses(
        self, x: torch.Tensor, weight: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        bias = self.push.bias
        push = self._convolve(x, weight, bias, self.push.padding)
        if self.pull_method == "basis":
            return push, self._basis_pull(x, weight, bias)
        pull_bias = None if bias is None else -bias
        return push, self._convolve(x, self._pull_kernel(weight), pull_bias, self.pull_padding)

    def _pull_repr(self) -> str:
        return f", scale={self.scale:g}, pull_size={self.pull_size}"


class InvertedPushPullConv2d(PushPullBase):
    """The push-pull unit of PushPull-Net [B24]: an inverted pull kernel of the push's size.

    .. math::

        P(I) = \\mathrm{ReLU}(W \\star I) - \\alpha\\,\\mathrm{ReLU}(\\mathrm{pool}(W_{pull}
               \\star I)) + b, \\qquad W_{pull} = -W + \\max(W) + \\min(W)

    (extremes over each output filter); the pull response is optionally averaged over
    ``pull_pooling × pull_pooling`` pixels (stride 1, "same" size, padding not counted) before
    its ReLU, and the bias is added after the combination. Both paths share size and padding,
    so any kernel size works. A trainable α is initialised uniform in ``[0, 1]`` and used as
    is, as in [B24].

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
        As in :class:`PushPullBase`.
    options : PushPullOptions or None
        ``alpha``, ``trainable_alpha``, ``pull_pooling`` (``pull`` must be ``"inverted"``, the
        default here); None takes the defaults.
    padding_mode, device, dtype, **option_fields
        As in :class:`PushPullBase`.

    Examples
    --------
    >>> import torch
    >>> layer = InvertedPushPullConv2d(3, 8, 4, padding=1, pull_pooling=3)
    >>> layer(torch.rand(1, 3, 16, 16)).shape
    torch.Size([1, 8, 15, 15])
    """

    pull = "inverted"
    #: The pull response is always one direct convolution.
    pull_method = "direct"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = False,
        *,
        options: PushPullOptions | None = None,
        padding_mode: PaddingMode = "zeros",
        pull_method: PullMethod = "auto",
        device: Any = None,
        dtype: Any = None,
        **option_fields: Any,
    ) -> None:
        if pull_method not in ("auto", "direct"):
            raise ArgumentError(
                "pull_method",
                pull_method,
                "{argument}='basis' applies to pull='upsample' only"
                if pull_method == "basis"
                else f"{{argument}} must be 'auto' or 'direct', got {pull_method!r}",
            )
        if options is None and "pull" not in option_fields:
            option_fields["pull"] = "inverted"
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            options=options, padding_mode=padding_mode, device=device, dtype=dtype,
            **option_fields,
        )  # fmt: skip
        self.pull_pooling = self.options.pull_pooling
        self.pull_size: tuple[int, int] = self.push.kernel_size
        self.pull_padding: tuple[int, int] = self.push.padding  # type: ignore[assignment]

    def _init_alpha(self, alpha: nn.Parameter) -> None:
        alpha.uniform_(0.0, 1.0)

    def _pull_kernel(self, weight: torch.Tensor) -> torch.Tensor:
        """``−W + max(W) + min(W)``, the push kernel's shape."""
        extremes = weight.amax(dim=(1, 2, 3), keepdim=True) + weight.amin(
            dim=(1, 2, 3), keepdim=True
        )
        return extremes - weight

    def _responses(
        self, x: torch.Tensor, weight: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        padding = self.push.padding
        push = self._convolve(x, weight, None, padding)
        pull = self._convolve(x, self._pull_kernel(weight), None, padding)
        if self.pull_pooling is not None:
            pull = F.avg_pool2d(
                pull, self.pull_pooling, 1, self.pull_pooling // 2, count_include_pad=False
            )
        return push, pull

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``ReLU(W ⋆ I) − α·ReLU(pool(W_pull ⋆ I)) + b``."""
        out = super().forward(x)
        bias = self.push.bias
        return out if bias is None else out + bias.to(out.dtype).view(1, -1, 1, 1)

    def _pull_repr(self) -> str:
        return "" if self.pull_pooling is None else f", pull_pooling={self.pull_pooling}"


PushPullConv2d._inverted_class = InvertedPushPullConv2d


def replace_first_conv(
    model: nn.Module,
    *,
    copy_weights: bool = True,
    options: PushPullOptions | None = None,
    **layer_kwargs: Any,
) -> nn.Module:
    """Swap the first :class:`torch.nn.Conv2d` of a model for a :class:`PushPullConv2d`.

    "First" is the first in :meth:`torch.nn.Module.named_modules` order (registration order),
    which is the input convolution of the usual CNNs (ResNet ``conv1``, DenseNet ``conv0``).
    Convolutions that are already the push path of a push-pull layer are skipped.

    Parameters
    ----------
    model : torch.nn.Module
        Modified in place.
    copy_weights : bool
        Start the push kernel (and bias) from the replaced convolution's weights; otherwise keep
        the fresh initialisation.
    options : PushPullOptions or None
        The push-pull options (``pull="inverted"`` builds an :class:`InvertedPushPullConv2d`).
    **layer_kwargs
        Fields of :class:`PushPullOptions` that replace those of ``options``, and
        ``pull_method``. Shape, stride, padding, dilation,
        groups, bias and padding mode are taken from the replaced convolution.

    Returns
    -------
    torch.nn.Module
        ``model`` itself.

    Raises
    ------
    ValueError
        If the model has no ``nn.Conv2d`` to replace.
    TypeError
        If ``layer_kwargs`` names a shape argument that is taken from the convolution.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
    >>> type(replace_first_conv(net)[0]).__name__
    'PushPullConv2d'
    """
    shape_args = {"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation"}
    shape_args |= {"groups", "bias", "padding_mode"}
    clash = sorted(shape_args & set(layer_kwargs))
    if clash:
        raise TypeError(
            f"replace_first_conv takes {clash} from the replaced convolution; "
            f"pass only push-pull options, got {sorted(layer_kwargs)}"
        )
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if type(model) is nn.Conv2d:
        raise ValueError("model is itself an nn.Conv2d; build a PushPullConv2d directly")
    inside_pushpull = {
        f"{name}.push" if name else "push"
        for name, m in model.named_modules()
        if isinstance(m, PushPullBase)
    }
    for name, module in model.named_modules():
        if type(module) is nn.Conv2d and name not in inside_pushpull:
            break
    else:
        raise ValueError(f"model has no nn.Conv2d to replace: {type(model).__name__}")
    layer = PushPullConv2d(
        module.in_channels,
        module.out_channels,
        module.kernel_size,  # type: ignore[arg-type]
        stride=module.stride,  # type: ignore[arg-type]
        padding=module.padding,  # type: ignore[arg-type]
        dilation=module.dilation,  # type: ignore[arg-type]
        groups=module.groups,
        bias=module.bias is not None,
        padding_mode=module.padding_mode,  # type: ignore[arg-type]
        device=module.weight.device,
        dtype=module.weight.dtype,
        options=options,
        **layer_kwargs,
    )
    if copy_weights:
        with torch.no_grad():
            layer.push.weight.copy_(module.weight)
            if module.bias is not None:
                layer.push.bias.copy_(module.bias)  # type: ignore[union-attr]
    parent_name, _, child_name = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child_name, layer)
    return model
