"""The push-pull convolution layer [S20] and its PushPull-Net variant [B24].

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

import math
import numbers
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["PushPullConv2d", "pull_kernel_size", "replace_first_conv"]

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
    if n_in == 1:
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
        Size factor of the pull kernel, at least 1.

    Returns
    -------
    int
        ``ŝ = ⌊s·h⌋ + 1 − (⌊s·h⌋ mod 2)``: 3 → 7 and 5 → 11 at ``scale=2``; ``scale=1`` keeps
        an odd size.

    Raises
    ------
    ValueError
        If ``kernel_size`` is not a positive integer or ``scale`` is below 1.

    Examples
    --------
    >>> pull_kernel_size(3, 2.0), pull_kernel_size(5, 2.0), pull_kernel_size(3, 1.5)
    (7, 11, 5)
    """
    if not _is_integer(kernel_size) or kernel_size < 1:
        raise ValueError(f"kernel_size must be a positive integer, got {kernel_size!r}")
    kernel_size = int(kernel_size)
    if not (_is_real(scale) and math.isfinite(scale) and scale >= 1):
        raise ValueError(f"scale must be a finite number >= 1, got {scale!r}")
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


class PushPullConv2d(nn.Module):
    """Convolution with push-pull inhibition, a drop-in replacement for :class:`torch.nn.Conv2d`.

    ``pull="upsample"`` is the layer of [S20]:

    .. math::

        P(I) = \\mathrm{ReLU}(k \\star I + b)
               - \\alpha\\,\\mathrm{ReLU}(-(k{\\uparrow}) \\star I - b)

    with :math:`k{\\uparrow}` the push kernel ``k`` upsampled bilinearly
    (``align_corners=True``) to ``ŝ × ŝ`` (:func:`pull_kernel_size`). The pull path uses the same
    stride, dilation and groups, and the padding ``dilation·(ŝ//2 − h//2) + padding``, which
    centres both paths on the same pixel. (The authors' released code used
    ``ŝ//2 − h//2 + padding`` whatever the dilation, so for ``dilation > 1`` its two paths had
    different output sizes; the rule here is that code's rule for ``dilation=1`` and the
    consistent one otherwise.)

    ``pull="inverted"`` is the PushPull-Net unit of [B24]: the pull kernel is
    ``−W + max(W) + min(W)`` (extremes over each output filter), of the push kernel's size and
    padding; its response is optionally averaged over ``pull_pooling × pull_pooling`` pixels
    (stride 1, "same" size, padding not counted) before its ReLU, and the bias is added after
    the combination: ``ReLU(W ⋆ I) − α·ReLU(pool(W_pull ⋆ I)) + b``.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output.
    kernel_size : int or (int, int)
        Push kernel size (px). Must be odd for ``pull="upsample"``: with an even size the push
        and pull kernels cannot be centred on the same pixel.
    stride, padding, dilation, groups
        As in :class:`torch.nn.Conv2d` (``padding`` may be ``"valid"`` or ``"same"``).
    bias : bool
        Learnable bias ``b`` (state-dict key ``push.bias``). In ``"upsample"`` it enters the push
        path as ``+b`` and the pull path as ``−b``; in ``"inverted"`` it is added after the
        combination.
    alpha : float
        Fixed inhibition strength α ≥ 0 (``trainable_alpha=False``). Must stay at its default
        1.0 when ``trainable_alpha=True``.
    scale : float
        Pull kernel size factor (≥ 1) for ``"upsample"``; ``"inverted"`` takes no scale and
        accepts only the default.
    trainable_alpha : bool
        Learn one α per output channel. ``"upsample"``: initialised uniform in
        ``[0.5 − r, 0.5 + r]`` with ``r = 1/sqrt(in_channels·out_channels)`` and used through a
        ReLU, as in [S20]. ``"inverted"``: initialised uniform in ``[0, 1]`` and used as is, as
        in [B24].
    pull : {"upsample", "inverted"}
        Which pull kernel (see above).
    pull_pooling : int or None
        ``"inverted"`` only: odd side (px) of the average pooling of the pull response.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        How the input is padded, for both paths.
    pull_method : {"auto", "direct", "basis"}
        How the ``"upsample"`` pull response is computed; all give the same result up to
        rounding. ``"direct"``: a convolution with the ``ŝ × ŝ`` pull kernel, as in the
        released code. ``"basis"``: through the exact identity ``k↑ = A·k·Aᵀ`` (A the ``ŝ × h``
        interpolation matrix), ``k↑ ⋆ I = Σ_ab k[a, b]·(I ⋆ A[:, a] A[:, b]ᵀ)``: separable
        basis filtering of the input, then a 1×1 contraction with the push weights, which is
        cheaper when many output channels share the basis of few input channels (large kernels,
        first layers). ``"auto"`` (default) picks by an operation and memory count calibrated on
        CPU (attribute ``pull_method``).
    device, dtype
        Where the parameters are created.

    Attributes
    ----------
    push : torch.nn.Conv2d
        Holds the push kernel ``push.weight`` (and ``push.bias``): the layer's state dict has the
        keys of the authors' released checkpoints.
    alpha : float or torch.nn.Parameter
        The inhibition strength (a Parameter of shape ``(out_channels,)`` when trainable).
    pull_size : (int, int)
        Size of the pull kernel (px).
    pull_padding : (int, int)
        Padding of the pull path (px).

    Raises
    ------
    ValueError
        For an unknown ``pull`` or ``padding_mode``, an even kernel with ``pull="upsample"``,
        ``scale < 1``, a negative or non-finite ``alpha`` (any real number, NumPy scalars
        included, is accepted), ``alpha`` given together with ``trainable_alpha=True``,
        ``pull_pooling`` with ``pull="upsample"``, an unknown ``pull_method`` (``"basis"``
        needs ``pull="upsample"``), channel counts or ``groups`` below 1, ``groups`` not
        dividing both channel counts, ``kernel_size``, ``stride`` or ``dilation`` below 1, or
        a negative ``padding``.
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
        alpha: float = 1.0,
        scale: float = 2.0,
        trainable_alpha: bool = False,
        pull: PullKind = "upsample",
        pull_pooling: int | None = None,
        padding_mode: PaddingMode = "zeros",
        pull_method: PullMethod = "auto",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if pull not in ("upsample", "inverted"):
            raise ValueError(f"pull must be 'upsample' or 'inverted', got {pull!r}")
        if pull_method not in ("auto", "direct", "basis"):
            raise ValueError(
                f"pull_method must be 'auto', 'direct' or 'basis', got {pull_method!r}"
            )
        if pull_method == "basis" and pull != "upsample":
            raise ValueError("pull_method='basis' applies to pull='upsample' only")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
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
        pad = self._numeric_padding(padding, kernel, dil, strides)
        if not (_is_real(alpha) and math.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"alpha must be a finite real number >= 0, got {alpha!r}")
        if not (_is_real(scale) and math.isfinite(scale)):
            raise ValueError(f"scale must be a finite real number, got {scale!r}")
        if trainable_alpha and alpha != 1.0:
            raise ValueError(
                f"alpha={alpha!r} is a fixed strength; with trainable_alpha=True the initial "
                "values are drawn at random (see the docstring): leave alpha at 1.0 and set "
                "layer.alpha.data to choose them"
            )
        if pull == "upsample":
            if any(k % 2 == 0 for k in kernel):
                raise ValueError(
                    f"kernel_size must be odd for pull='upsample', got {kernel_size!r}: with an "
                    "even push kernel the upsampled pull kernel cannot be centred on the same "
                    "pixel (use pull='inverted' for even sizes)"
                )
            pull_size = (pull_kernel_size(kernel[0], scale), pull_kernel_size(kernel[1], scale))
            if pull_pooling is not None:
                raise ValueError(
                    f"pull_pooling applies to pull='inverted' only, got {pull_pooling!r}"
                )
        else:
            if scale != 2.0:
                raise ValueError(
                    f"scale applies to pull='upsample' only (the inverted pull kernel has the "
                    f"push kernel's size), got scale={scale!r}"
                )
            if pull_pooling is not None and (
                isinstance(pull_pooling, bool)
                or not isinstance(pull_pooling, int)
                or pull_pooling < 1
                or pull_pooling % 2 == 0
            ):
                raise ValueError(f"pull_pooling must be an odd positive int, got {pull_pooling!r}")
            pull_size = kernel

        self.push = nn.Conv2d(
            int(in_channels),
            int(out_channels),
            kernel,
            stride=strides,
            padding=pad,
            dilation=dil,
            groups=int(groups),
            bias=bias,
            padding_mode=padding_mode,
            device=device,
            dtype=dtype,
        )
        self.pull = pull
        self.scale = float(scale)
        self.pull_pooling = pull_pooling
        self.pull_size: tuple[int, int] = pull_size
        self.pull_padding: tuple[int, int] = tuple(  # type: ignore[assignment]
            d * (s // 2 - k // 2) + p
            for d, s, k, p in zip(dil, pull_size, kernel, pad, strict=True)
        )
        self.trainable_alpha = bool(trainable_alpha)
        if trainable_alpha:
            self.alpha: float | nn.Parameter = nn.Parameter(
                torch.empty(out_channels, device=device, dtype=dtype)
            )
        else:
            self.alpha = float(alpha)
        self.reset_alpha()
        if pull_method == "auto":
            pull_method = self._cheaper_pull_method(in_channels, out_channels, groups)
        self.pull_method: str = pull_method
        if pull_method == "basis":
            rows = _interpolation_matrix(pull_size[0], kernel[0])
            cols = _interpolation_matrix(pull_size[1], kernel[1])
            # depthwise filters A[:, a] (vertical) and A[:, b] (horizontal), see forward
            self.register_buffer(
                "_basis_rows",
                torch.as_tensor(
                    rows.T, device=device, dtype=dtype or torch.get_default_dtype()
                ).reshape(kernel[0], 1, pull_size[0], 1),
                persistent=False,
            )
            self.register_buffer(
                "_basis_cols",
                torch.as_tensor(
                    cols.T, device=device, dtype=dtype or torch.get_default_dtype()
                ).reshape(kernel[1], 1, 1, pull_size[1]),
                persistent=False,
            )

    def _cheaper_pull_method(self, in_channels: int, out_channels: int, groups: int) -> str:
        """ "basis" where it is expected to beat the direct ŝ×ŝ convolution on CPU.

        Per output pixel and input channel the direct pull convolution costs
        ``ŝ_h·ŝ_w·C_out/g`` multiply-adds; the basis route costs ``h·w·C_out/g`` for the
        contraction plus ``h·ŝ_h + h·w·ŝ_w`` for the depthwise basis filtering, which runs about
        ten times less efficiently per operation than a dense convolution. The basis responses
        also hold ``C_in·h·w`` channels: when that is much more than the output's ``C_out``,
        moving them through memory costs more than the saved operations. Both thresholds come
        from ``benchmarks/pushpull_layer.py`` (2 CPU threads).
        """
        if self.pull != "upsample" or self.pull_size == self.push.kernel_size:
            return "direct"
        (h, w), (sh, sw) = self.push.kernel_size, self.pull_size
        per_group = out_channels // groups
        direct = sh * sw * per_group
        basis = h * w * per_group + _DEPTHWISE_INEFFICIENCY * (h * sh + h * w * sw)
        small_basis = in_channels * h * w <= _BASIS_CHANNEL_RATIO * out_channels
        return "basis" if basis < direct and small_basis else "direct"

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args: Any) -> None:
        # the released code stored a trainable α as (1, C_out, 1, 1); this layer keeps (C_out,)
        key = prefix + "alpha"
        if self.trainable_alpha and key in state_dict and state_dict[key].dim() == 4:
            state_dict[key] = state_dict[key].reshape(-1)
        super()._load_from_state_dict(state_dict, prefix, *args)

    @staticmethod
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

    def reset_alpha(self) -> None:
        """Draw the trainable α again ([S20] or [B24] initialisation); no-op when fixed."""
        if not self.trainable_alpha:
            return
        with torch.no_grad():
            if self.pull == "upsample":
                r = 1.0 / math.sqrt(self.push.in_channels * self.push.out_channels)
                self.alpha.uniform_(0.5 - r, 0.5 + r)
            else:
                self.alpha.uniform_(0.0, 1.0)

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
            ``−k↑`` (``"upsample"``), shape ``(out_channels, in_channels // groups, *pull_size)``,
            or ``−W + max(W) + min(W)`` (``"inverted"``), the push kernel's shape.
        """
        weight = self.push_weight() if push_weight is None else push_weight
        if self.pull == "inverted":
            extremes = weight.amax(dim=(1, 2, 3), keepdim=True) + weight.amin(
                dim=(1, 2, 3), keepdim=True
            )
            return extremes - weight
        if self.pull_size == tuple(weight.shape[-2:]):
            return -weight
        upsampled = F.interpolate(weight, size=self.pull_size, mode="bilinear", align_corners=True)
        return -upsampled

    def _inhibition_strength(self, like: torch.Tensor) -> torch.Tensor | float:
        if not self.trainable_alpha:
            return self.alpha
        alpha = F.relu(self.alpha) if self.pull == "upsample" else self.alpha
        return alpha.to(like.dtype).view(1, -1, 1, 1)

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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Push-pull response: ``(N, in_channels, H, W)`` → ``(N, out_channels, H', W')``."""
        bias = self.push.bias
        weight = self.push_weight()
        if self.pull == "upsample":
            push = self._convolve(x, weight, bias, self.push.padding)
            if self.pull_method == "basis":
                pull = self._basis_pull(x, weight, bias)
            else:
                pull_bias = None if bias is None else -bias
                pull = self._convolve(x, self.pull_weight(weight), pull_bias, self.pull_padding)
        else:
            push = self._convolve(x, weight, None, self.push.padding)
            pull = self._convolve(x, self.pull_weight(weight), None, self.push.padding)
            if self.pull_pooling is not None:
                pull = F.avg_pool2d(
                    pull, self.pull_pooling, 1, self.pull_pooling // 2, count_include_pad=False
                )
        # the convolution outputs are fresh tensors: rectify in place, combine in one pass
        push = F.relu(push, inplace=True)
        pull = F.relu(pull, inplace=True)
        if self.trainable_alpha:
            out = torch.addcmul(push, self._inhibition_strength(push), pull, value=-1)
        else:
            out = torch.sub(push, pull, alpha=self.alpha)
        if self.pull == "inverted" and bias is not None:
            out = out + bias.to(out.dtype).view(1, -1, 1, 1)
        return out

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
        if self.pull == "upsample":
            text += f", scale={self.scale:g}, pull_size={self.pull_size}"
        elif self.pull_pooling is not None:
            text += f", pull_pooling={self.pull_pooling}"
        if conv.padding_mode != "zeros":
            text += f", padding_mode={conv.padding_mode!r}"
        return text


def replace_first_conv(
    model: nn.Module, *, copy_weights: bool = True, **layer_kwargs: Any
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
    **layer_kwargs
        Push-pull options passed to :class:`PushPullConv2d` (``alpha``, ``scale``,
        ``trainable_alpha``, ``pull``, ``pull_pooling``). Shape, stride, padding, dilation,
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
    if type(model) is nn.Conv2d:
        raise ValueError("model is itself an nn.Conv2d; build a PushPullConv2d directly")
    inside_pushpull = {
        f"{name}.push" if name else "push"
        for name, m in model.named_modules()
        if isinstance(m, PushPullConv2d)
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
