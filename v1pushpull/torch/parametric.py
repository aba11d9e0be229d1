"""A push-pull layer whose push kernels are Gabor functions with learnable parameters.

Instead of free pixels, each output channel is described by five numbers (wavelength,
orientation, phase, σ, aspect ratio) and one weight per input channel; the kernels are
generated from them on every forward pass, so training moves the model parameters of the
simple cell [G03] and the pull kernel follows through [S20]'s construction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from .._backend import MIN_WAVELENGTH, array_namespace
from ..kernels import _gabor_stack, bandwidth_to_sigma_ratio
from .bridge import color_weights
from .layers import InvertedPushPullConv2d, PushPullConv2d

__all__ = ["GaborInvertedPushPullConv2d", "GaborPushPullConv2d"]

_SHAPE_ARGUMENTS = ("out_channels", "groups")


def _vector(values: Any, name: str) -> np.ndarray:
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if array.ndim != 1 or array.size == 0 or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be a finite number or 1-D sequence, got {values!r}")
    return array


class _GaborPushKernels:
    """Push kernels generated from learnable Gabor parameters (mixed into a push-pull layer)."""

    def __init__(
        self,
        in_channels: int,
        kernel_size: int,
        wavelengths: float | Sequence[float],
        orientations: float | Sequence[float],
        phases: float | Sequence[float] = 0.0,
        *,
        bandwidth: float = 1.0,
        aspect_ratio: float = 0.5,
        sigma: float | None = None,
        normalization: Literal["zero_mean", "none"] = "zero_mean",
        color: Literal["replicate", "luminance"] = "replicate",
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str | None = None,
        device: Any = None,
        dtype: Any = None,
        **layer_kwargs: Any,
    ) -> None:
        clash = [name for name in _SHAPE_ARGUMENTS if name in layer_kwargs]
        if clash:
            raise ValueError(f"GaborPushPullConv2d sets {clash} itself; do not pass them")
        if isinstance(kernel_size, bool) or not isinstance(kernel_size, int):
            raise ValueError(f"kernel_size must be an odd int (px), got {kernel_size!r}")
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd int (px), got {kernel_size!r}")
        if normalization not in ("zero_mean", "none"):
            raise ValueError(f"normalization must be 'zero_mean' or 'none', got {normalization!r}")
        if color not in ("replicate", "luminance"):
            raise ValueError(f"color must be 'replicate' or 'luminance', got {color!r}")
        wavelength, orientation, phase = np.meshgrid(
            _vector(wavelengths, "wavelengths"),
            _vector(orientations, "orientations"),
            _vector(phases, "phases"),
            indexing="ij",
        )
        wavelength, orientation, phase = (a.ravel() for a in (wavelength, orientation, phase))
        if not np.all(wavelength >= MIN_WAVELENGTH):
            raise ValueError(
                f"wavelengths must be at least {MIN_WAVELENGTH:g} px (shorter wavelengths alias "
                f"on the pixel grid), got {wavelengths!r}"
            )
        if sigma is None:
            sigmas = wavelength * bandwidth_to_sigma_ratio(bandwidth)
        else:
            if not (math.isfinite(sigma) and sigma > 0):
                raise ValueError(f"sigma must be > 0 px, got {sigma!r}")
            sigmas = np.full_like(wavelength, sigma)
        if not (math.isfinite(aspect_ratio) and aspect_ratio > 0):
            raise ValueError(f"aspect_ratio must be > 0, got {aspect_ratio!r}")
        n_kernels = wavelength.size
        super().__init__(
            in_channels,
            n_kernels,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2 if padding is None else padding,
            device=device,
            dtype=dtype,
            **layer_kwargs,
        )
        # the push kernel is generated, so the convolution holds no weight of its own
        self.push.weight = None
        self.normalization = normalization
        factory = {"device": device, "dtype": dtype or torch.get_default_dtype()}

        def parameter(values: np.ndarray) -> nn.Parameter:
            return nn.Parameter(torch.as_tensor(values, **factory))

        self.wavelength = parameter(wavelength)
        self.orientation = parameter(orientation)
        self.phase = parameter(phase)
        self.sigma = parameter(sigmas)
        self.aspect_ratio = parameter(np.full(n_kernels, float(aspect_ratio)))
        self.channel_weights = parameter(np.tile(color_weights(color, in_channels), (n_kernels, 1)))
        self._kernel_size = kernel_size

    def gabor_kernels(self) -> torch.Tensor:
        """The 2-D Gabor kernels of the current parameters, shape ``(out_channels, h, h)``.

        The core's Gabor formula (:func:`v1pushpull.gabor_kernel`) in the torch namespace, so
        autograd reaches every parameter.
        """
        xp = array_namespace(self.wavelength)
        return _gabor_stack(
            self.wavelength,
            self.orientation,
            self.phase,
            self.sigma,
            self.aspect_ratio,
            self._kernel_size,
            self.normalization,
            xp,
            self.wavelength.device,
            self.wavelength.dtype,
        )

    def push_weight(self) -> torch.Tensor:
        """Push kernels ``channel_weights[k, c] · gabor_kernels()[k]``, generated now."""
        return self.channel_weights[:, :, None, None] * self.gabor_kernels()[:, None]

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, gabor={self.normalization!r}"  # type: ignore[misc]


class GaborInvertedPushPullConv2d(_GaborPushKernels, InvertedPushPullConv2d):
    """:class:`InvertedPushPullConv2d` [B24] with the parametric Gabor push kernels of
    :class:`GaborPushPullConv2d` (which builds it when given ``pull="inverted"``)."""


class GaborPushPullConv2d(_GaborPushKernels, PushPullConv2d):
    """:class:`PushPullConv2d` with parametric Gabor push kernels.

    Output channel ``k`` has the push kernel

    .. math::

        W[k, c] = w_{kc}\\,N\\big[\\exp(-(x'^2 + \\gamma_k^2 y'^2)/(2\\sigma_k^2))
                  \\cos(2\\pi x'/\\lambda_k + \\varphi_k)\\big],

    ``x' = x cos θ_k + y sin θ_k``, ``y' = −x sin θ_k + y cos θ_k`` (px, origin at the kernel
    centre), the Gabor function of :func:`v1pushpull.gabor_kernel`, with ``N`` its
    normalisation. The learnable parameters are the vectors ``wavelength`` (λ, px),
    ``orientation`` (θ, rad), ``phase`` (φ, rad), ``sigma`` (σ, px), ``aspect_ratio`` (γ), all
    of shape ``(out_channels,)``, and ``channel_weights`` ``w`` of shape
    ``(out_channels, in_channels)``. The kernels are rebuilt on every forward pass; the inner
    ``push`` convolution keeps stride, padding and bias but holds no weight
    (``push.weight is None``), so initialisation loops over ``nn.Conv2d`` modules must skip it.

    Parameters
    ----------
    in_channels : int
        Input channels ``C``.
    kernel_size : int
        Odd side of the kernels (px).
    wavelengths, orientations, phases : float or sequence of float
        Initial λ (px), θ (rad) and φ (rad); the channels are their Cartesian product, λ
        slowest and φ fastest, as in :func:`v1pushpull.gabor_bank`.
    bandwidth : float
        Initial bandwidth (octaves) that sets σ = λ·ratio(bandwidth), unless ``sigma``.
    aspect_ratio : float
        Initial γ.
    sigma : float, optional
        Initial σ (px) for every channel, instead of ``bandwidth``.
    normalization : {"zero_mean", "none"}
        ``"zero_mean"`` removes each kernel's mean (no response to a uniform field);
        ``"none"`` keeps the formula as is.
    color : {"replicate", "luminance"}
        Initial ``channel_weights`` (:func:`v1pushpull.torch.color_weights`).
    stride, padding :
        As in :class:`PushPullConv2d` (default padding ``kernel_size // 2``).
    device, dtype :
        Where the parameters live.
    **layer_kwargs :
        Push-pull options: ``alpha``, ``scale``, ``trainable_alpha``, ``pull``,
        ``pull_pooling``, ``dilation``, ``bias``, ``padding_mode``; ``pull="inverted"`` builds
        a :class:`GaborInvertedPushPullConv2d`.

    Raises
    ------
    ValueError
        For a wavelength below 2 px, a non-positive σ or γ, an even or non-int
        ``kernel_size``, an unknown normalisation or colour mode, or shape arguments in
        ``layer_kwargs``.

    Examples
    --------
    >>> import numpy as np, torch
    >>> layer = GaborPushPullConv2d(3, 7, wavelengths=4.0, orientations=np.arange(4) * np.pi / 4)
    >>> layer(torch.rand(1, 3, 16, 16)).shape
    torch.Size([1, 4, 16, 16])
    >>> sorted(name for name, _ in layer.named_parameters())[:3]
    ['aspect_ratio', 'channel_weights', 'orientation']
    """

    _inverted_class = GaborInvertedPushPullConv2d
