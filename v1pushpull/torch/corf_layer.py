"""The CORF and push-pull CORF simple cells as a differentiable, learnable torch layer.

:class:`CORFConv2d` computes, for every image of a batch, the responses of a CORF cell [A12]_
(or of a push-pull CORF cell [A14]_) at a set of orientations, as the core's
:meth:`v1pushpull.cells.CORFCell.response` and :meth:`v1pushpull.cells.PushPullCell.response`
do, but with torch autograd, on any device, and with the model parameters as
:class:`torch.nn.Parameter`\\ s: the inhibition strength k (per output channel), the width σ̂ of
the subunit weights, and the DoG σ of the LGN stage.

Pipeline (per image; every stage is batched over images)
--------------------------------------------------------
1. pad the image, DoG it (one map per σ) and rectify it into centre-on and centre-off LGN maps
   ``[±DoG ⋆ I − τ]`` (values ≤ τ are 0; τ = 64·eps·max|I|, the rounding level of the linear
   stage, as in the core);
2. blur each LGN map once per unique subunit (cell, polarity, σ, ρ) by its Gaussian (a direct,
   separable sum of non-negative terms, so zeros stay exact zeros);
3. per orientation, the log response of a cell is a sum of integer-shifted slices of the
   weighted log maps ``wᵢ·log sᵢ``, and the response is its ``exp`` (the weighted geometric
   mean); ``log 0 = −inf`` makes the response exactly 0 whenever one subunit is 0. A push-pull
   cell gives ``[r_push − k·r_pull]₊``.

Stage 3 is one autograd function, :class:`_ShiftedGeometricMean`, whose backward pass
accumulates ``Σ_o (∂L/∂r_o · r_o)`` into one buffer per blurred map, slice by slice: neither pass
holds a tensor of subunits × orientations × H × W, only the blurred maps and the output.

Conventions
-----------
``convention="corrected"`` is the core's default model. ``convention="released"`` follows the
authors' released code as documented in ``shared/data/corf-reference/README.md``; the choices
that differ are isolated here, one function each:

======================  ==========================================  ============================
stage                   corrected                                   released
======================  ==========================================  ============================
padding                 the cell's mode, wide enough for every      symmetric, width R
                        read (no read leaves the padded image)      (``params.radius``)
DoG                     truncated at 3σ, direct correlation         full-size Gaussians, circular
                        (:func:`_dog_corrected`)                    FFT, half-pixel offset
                                                                    (:func:`_dog_released`)
blur                    reads the padded image's extension          zero-filled beyond the padded
                                                                    image
shifts                  rounded half away from zero                 ``fix()`` (toward zero), on ρ
                                                                    rounded to 3 decimals,
                                                                    zero-filled
weight σ̂                the push cell's (shared by its pull)        max ρ of push *and* pull / 3
======================  ==========================================  ============================

Zeros and gradients
-------------------
The forward pass keeps the exact-zero property. Where a response is 0 (a subunit's blurred
input is 0, or ``r_push ≤ k·r_pull``), its gradient with respect to everything is defined as 0
(the response cannot decrease; from above, ``s^w`` has an infinite slope at ``s = 0``). The
rectification ``[D − τ]`` passes gradient only where ``D > τ``. No gradient is ever NaN or
inf.

References
----------
.. [A12] Azzopardi, Petkov. A CORF computational model of a simple cell that relies on LGN
   input outperforms the Gabor function model. Biological Cybernetics 106:177–189, 2012.
.. [A14] Azzopardi, Rodríguez-Sánchez, Piater, Petkov. A push-pull CORF model of a simple cell
   with antiphase inhibition improves SNR and contour detection. PLoS ONE 9(7):e98424, 2014.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._backend import check_positive
from ..cells import CORFCell, PushPullCell
from ..cells.corf import (
    _FLOOR_EPS,
    SubunitSet,
    _gaussian_taps,
    _released_shifts,
    _round3,
    _round_shift,
)
from ..filtering import PADDING_MODES
from .bridge import COLOR_MODES, _orientation_values, color_weights

__all__ = ["CORF_CONVENTIONS", "CORF_PARAMETERS", "CORFConv2d"]

Convention = Literal["corrected", "released"]
#: The two CORF conventions (see the module notes).
CORF_CONVENTIONS: tuple[str, ...] = ("corrected", "released")
#: Names of the parameters that can learn, for ``trainable``.
CORF_PARAMETERS: tuple[str, ...] = ("inhibition_strength", "weight_sigma", "dog_sigma")

_DOG_RATIO = 0.5  # centre σ / surround σ of the LGN cells, as in the core's dog_kernel
_DOG_TRUNCATE = 3.0  # corrected DoG support: radius int(3σ + 0.5), as dog_kernel
_MIN_SIGMA = 0.1  # px: smallest DoG σ and weight σ̂ the layer uses (a documented clamp)


# --------------------------------------------------------------------- per-convention choices


def _integer_shifts(
    units: SubunitSet, rhos: np.ndarray, theta: np.ndarray, convention: str
) -> tuple[np.ndarray, np.ndarray]:
    """Integer shifts ``(dx, dy)`` (n_orientations, n_subunits): the response at (i, j) reads
    the subunit's blurred map at (i + dy, j + dx).

    corrected: the core's :meth:`SubunitSet.shifts` (rounded half away from zero). released:
    as the released ``getResponse`` computes them, in its own frame (y up, angles
    ``(π − a) mod 2π``): ``fix`` (toward zero) of ``ρ cos(φ_m + θ_m)`` and ``ρ sin(φ_m + θ_m)``
    with ρ rounded to 3 decimals; it reads ``map(i − fix(ρ sin), j + fix(ρ cos))`` (the
    core's :func:`~v1pushpull.cells.corf._released_shifts`, shared with its engine).
    """
    if convention == "corrected":
        return units.shifts(theta)
    return _released_shifts(units.phis, rhos, theta)


def _lgn_floor(images: torch.Tensor, convention: str) -> torch.Tensor | float:
    """The rectification threshold τ: LGN values ≤ τ are 0.

    corrected: ``64·eps·max|I|`` per image, the rounding level of the DoG, so that the sign
    of rounding noise in uniform regions never decides a response (as the core). released:
    0, as the released code (and the core's released convention): there, in uniform regions,
    the response depends on rounding noise (see ``shared/data/corf-reference/README.md``).
    """
    if convention == "released":
        return 0.0
    scale = images.abs().amax(dim=(-2, -1), keepdim=True)
    return _FLOOR_EPS * torch.finfo(images.dtype).eps * scale


def _effective_rhos(units: SubunitSet, convention: str) -> np.ndarray:
    """ρ (px) used for map identity, blur radius, shift and weight."""
    if convention == "released":
        # MATLAB's round, half away from zero: 2.1325 → 2.133 (NumPy's round gives 2.132)
        return _round3(units.rhos)
    return units.rhos


def _released_weight_sigma(push: SubunitSet, pull: SubunitSet | None) -> float:
    """The released code's one σ̂ for push and pull: max ρ (3 decimals) over both, / 3."""
    rhos = [_effective_rhos(push, "released")]
    if pull is not None:
        rhos.append(_effective_rhos(pull, "released"))
    return float(np.concatenate(rhos).max()) / 3.0


def _pad(x: torch.Tensor, width: int, mode: str) -> torch.Tensor:
    """Pad the last two axes of ``(N, H, W)`` by ``width`` px in one of the core's modes
    (:data:`v1pushpull.filtering.PADDING_MODES`; pads wider than the image repeat the pattern,
    as :func:`numpy.pad`)."""
    if width == 0:
        return x
    if mode == "constant":
        return F.pad(x, (width, width, width, width))
    for axis in (-2, -1):
        n = x.shape[axis]
        positions = torch.arange(-width, n + width, device=x.device)
        if mode == "wrap":
            index = torch.remainder(positions, n)
        elif mode == "symmetric":
            folded = torch.remainder(positions, 2 * n)
            index = torch.where(folded < n, folded, 2 * n - 1 - folded)
        elif n == 1:  # reflect of one pixel repeats it
            index = torch.zeros_like(positions)
        else:
            folded = torch.remainder(positions, 2 * (n - 1))
            index = torch.where(folded < n, folded, 2 * (n - 1) - folded)
        x = torch.index_select(x, axis % x.ndim, index)
    return x


def _gaussian_1d(coordinates: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    taps = torch.exp(-(coordinates**2) / (2.0 * sigma**2))
    return taps / taps.sum()


def _correlate_valid(x: torch.Tensor, taps: tuple[float, ...]) -> torch.Tensor:
    """'valid' correlation of (N, H, W) with the same 1-D taps along both axes, as sums of
    shifted slices: a plain sum of products on every device (no FFT or Winograd transform),
    so a sum of non-negative terms is exactly 0 only where every term is."""
    size = len(taps)
    rows = x.shape[-2] - size + 1
    vertical = taps[0] * x[:, 0:rows]
    for a in range(1, size):
        vertical.add_(x[:, a : a + rows], alpha=taps[a])
    cols = x.shape[-1] - size + 1
    out = taps[0] * vertical[:, :, 0:cols]
    for b in range(1, size):
        out.add_(vertical[:, :, b : b + cols], alpha=taps[b])
    return out


class _SeparableBlur(torch.autograd.Function):
    """The subunit blur: :func:`_correlate_valid` with fixed taps. Its backward pass is the
    correlation of the zero-padded gradient with the reversed taps; nothing is saved."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, taps: tuple[float, ...]) -> torch.Tensor:
        ctx.taps = taps
        return _correlate_valid(x, taps)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:
        width = len(ctx.taps) - 1
        padded = F.pad(grad, (width, width, width, width))
        return _correlate_valid(padded, ctx.taps[::-1]), None


def _dog_corrected(padded: torch.Tensor, sigma: torch.Tensor, radius: int) -> torch.Tensor:
    """``(G(σ/2) − G(σ)) ⋆ padded``, 'valid' part, as the core's ``dog_kernel`` (each 2-D
    Gaussian normalised on its (2·radius+1)² grid is the outer product of normalised 1-D
    ones, so the separable sums are the same filter). (N, Hp, Wp) → (N, Hp − 2r, Wp − 2r).

    The kernel sums to 0, so the padded image's mean is removed first: the same result in
    exact arithmetic, with the rounding error of an image of half the amplitude.
    """
    padded = padded - padded.mean(dim=(-2, -1), keepdim=True)
    offsets = torch.arange(-radius, radius + 1, device=padded.device, dtype=padded.dtype)
    taps = torch.stack([_gaussian_1d(offsets, _DOG_RATIO * sigma), _gaussian_1d(offsets, sigma)])
    size = 2 * radius + 1
    # direct convolutions: the DoG's rounding noise is below the LGN floor τ in any case
    both = F.conv2d(padded[:, None], taps.view(2, 1, size, 1))
    both = F.conv2d(both, taps.view(2, 1, 1, size), groups=2)
    return both[:, 0] - both[:, 1]


def _dog_released(padded: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """The released ``getDoG``: ``fftshift(ifft2(fft2(G) .* fft2(padded)))`` with ``G`` the
    difference of two Gaussians as large as the padded image, each normalised to sum 1 on it
    (``fspecial``), coordinates ``k − (n − 1)/2``. Circular, and half a pixel up and left for
    an even size. Returned with this library's sign (on-centre positive). The padded image's
    mean is removed first (the kernel sums to 0), as in :func:`_dog_corrected`."""
    padded = padded - padded.mean(dim=(-2, -1), keepdim=True)
    height, width = padded.shape[-2:]
    dtype, device = padded.dtype, padded.device
    rows = torch.arange(height, device=device, dtype=dtype) - (height - 1) / 2.0
    cols = torch.arange(width, device=device, dtype=dtype) - (width - 1) / 2.0

    def gaussian(s: torch.Tensor) -> torch.Tensor:
        return torch.outer(_gaussian_1d(rows, s), _gaussian_1d(cols, s))

    # the released map of polarity 0 is (G(σ) − G(σ/2)) ∗ I, the library's centre-off
    kernel = gaussian(sigma) - gaussian(_DOG_RATIO * sigma)
    spectrum = torch.fft.rfft2(padded) * torch.fft.rfft2(kernel)
    dog = torch.fft.irfft2(spectrum, s=(height, width))
    return -torch.roll(dog, shifts=(height // 2, width // 2), dims=(-2, -1))


# --------------------------------------------------------------- the geometric-mean function


class _ShiftedGeometricMean(torch.autograd.Function):
    """``r[:, o] = exp(Σ_(m,row,col) w_m·log B_m[:, row:row+H, col:col+W])`` per orientation o.

    Inputs: a static plan, the per-map weights ``w`` (M,) and the blurred maps ``B_m`` (N, ·, ·),
    each ≥ 0. ``plan = (by_orientation, by_map, H, W)``: ``by_orientation[o]`` lists the
    ``(m, row, col)`` slices summed for orientation o, ``by_map[m]`` the ``(o, row, col)``
    slices that read map m. A map of weight 0 is a factor 1 (``s⁰``, also where ``s = 0``).

    Backward: with ``G = ∂L/∂r · r`` (N, O, H, W) and ``A_m`` the sum of the slices of G that
    read map m (scattered back into a map-sized buffer), ``∂L/∂w_m = Σ A_m·log B_m`` and
    ``∂L/∂B_m = w_m·A_m / B_m``, both taken as 0 where ``B_m = 0`` (there ``r = 0``, so ``A_m``
    is 0 unless ``w_m = 0``). Saved: the maps and the output; no per-subunit-and-orientation
    tensor is built in either pass.
    """

    @staticmethod
    def forward(ctx: Any, plan: tuple, weights: torch.Tensor, *maps: torch.Tensor) -> torch.Tensor:
        by_orientation, _, height, width = plan
        logs = []
        for m, blurred in enumerate(maps):
            weight = weights[m]
            safe = torch.where(blurred > 0, blurred, 1.0)
            logged = weight * torch.log(safe)
            # −inf where the map is 0 and its weight positive; 0 (s⁰ = 1) for a weight of 0
            zero_value = torch.where(weight > 0, -math.inf, 0.0).to(blurred.dtype)
            logs.append(torch.where(blurred > 0, logged, zero_value))
        n = maps[0].shape[0]
        out = maps[0].new_empty((n, len(by_orientation), height, width))
        for o, entries in enumerate(by_orientation):
            total = out[:, o]
            m, row, col = entries[0]
            total.copy_(logs[m][:, row : row + height, col : col + width])
            for m, row, col in entries[1:]:
                total.add_(logs[m][:, row : row + height, col : col + width])
        del logs
        out.exp_()
        ctx.plan = plan
        ctx.save_for_backward(out, weights, *maps)
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:
        _, by_map, height, width = ctx.plan
        out, weights, *maps = ctx.saved_tensors
        scaled = grad * out
        weight_grads = []
        map_grads = []
        for m, blurred in enumerate(maps):
            accumulated = torch.zeros_like(blurred)
            for o, row, col in by_map[m]:
                accumulated[:, row : row + height, col : col + width] += scaled[:, o]
            positive = blurred > 0
            safe = torch.where(positive, blurred, 1.0)
            weight_grads.append((accumulated * torch.log(safe)).sum())
            map_grads.append(torch.where(positive, accumulated * (weights[m] / safe), 0.0))
        return (None, torch.stack(weight_grads), *map_grads)


class _BilinearGeometricMean(torch.autograd.Function):
    """As :class:`_ShiftedGeometricMean`, with sub-pixel reads: subunit k of orientation o
    reads map m bilinearly at ``(row + f_row[k], col + f_col[k])``, ``0 ≤ f < 1``, and the
    fractions receive gradients (the learnable pull shift β).

    ``plan = (by_orientation, H, W)`` with ``by_orientation[o]`` listing ``(m, row, col, k)``.
    The read ``v = Σ_corners c·B`` is recomputed in the backward pass; where ``v = 0`` the
    response is 0 and every gradient is taken as 0, as in :class:`_ShiftedGeometricMean`.
    """

    @staticmethod
    def _corners(blurred: torch.Tensor, row: int, col: int, height: int, width: int) -> tuple:
        return (
            blurred[:, row : row + height, col : col + width],
            blurred[:, row : row + height, col + 1 : col + 1 + width],
            blurred[:, row + 1 : row + 1 + height, col : col + width],
            blurred[:, row + 1 : row + 1 + height, col + 1 : col + 1 + width],
        )

    @staticmethod
    def forward(
        ctx: Any,
        plan: tuple,
        weights: torch.Tensor,
        row_fractions: torch.Tensor,
        col_fractions: torch.Tensor,
        *maps: torch.Tensor,
    ) -> torch.Tensor:
        by_orientation, height, width = plan
        n = maps[0].shape[0]
        out = maps[0].new_empty((n, len(by_orientation), height, width))
        for o, entries in enumerate(by_orientation):
            for position, (m, row, col, k) in enumerate(entries):
                fy, fx = row_fractions[k], col_fractions[k]
                a, b, c, d = _BilinearGeometricMean._corners(maps[m], row, col, height, width)
                value = (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d)
                weight = weights[m]
                zero_value = torch.where(weight > 0, -math.inf, 0.0).to(value.dtype)
                positive = value > 0
                logged = torch.where(
                    positive, weight * torch.log(torch.where(positive, value, 1.0)), zero_value
                )
                if position == 0:
                    out[:, o].copy_(logged)
                else:
                    out[:, o].add_(logged)
        out.exp_()
        ctx.plan = plan
        ctx.save_for_backward(out, weights, row_fractions, col_fractions, *maps)
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:
        by_orientation, height, width = ctx.plan
        out, weights, row_fractions, col_fractions, *maps = ctx.saved_tensors
        scaled = grad * out
        map_grads = [torch.zeros_like(m) for m in maps]
        weight_grads = [weights.new_zeros(()) for _ in maps]
        row_grads = [row_fractions.new_zeros(()) for _ in range(row_fractions.numel())]
        col_grads = [col_fractions.new_zeros(()) for _ in range(col_fractions.numel())]
        for o, entries in enumerate(by_orientation):
            upstream = scaled[:, o]
            for m, row, col, k in entries:
                fy, fx = row_fractions[k], col_fractions[k]
                a, b, c, d = _BilinearGeometricMean._corners(maps[m], row, col, height, width)
                top, bottom = (1 - fx) * a + fx * b, (1 - fx) * c + fx * d
                value = (1 - fy) * top + fy * bottom
                positive = value > 0
                safe = torch.where(positive, value, 1.0)
                weight_grads[m] = weight_grads[m] + (upstream * torch.log(safe)).sum()
                # ∂L/∂v = (∂L/∂r · r)·w / v, 0 where v = 0 (there r = 0)
                dv = torch.where(positive, upstream * (weights[m] / safe), 0.0)
                row_grads[k] = row_grads[k] + (dv * (bottom - top)).sum()
                col_grads[k] = col_grads[k] + (dv * ((1 - fy) * (b - a) + fy * (d - c))).sum()
                target = map_grads[m]
                target[:, row : row + height, col : col + width] += dv * ((1 - fy) * (1 - fx))
                target[:, row : row + height, col + 1 : col + 1 + width] += dv * ((1 - fy) * fx)
                target[:, row + 1 : row + 1 + height, col : col + width] += dv * (fy * (1 - fx))
                target[:, row + 1 : row + 1 + height, col + 1 : col + 1 + width] += dv * (fy * fx)
        return (
            None,
            torch.stack(weight_grads),
            torch.stack(row_grads),
            torch.stack(col_grads),
            *map_grads,
        )


# ---------------------------------------------------------------------------- the layer


@dataclass(frozen=True)
class _MapSpec:
    """One blurred LGN map: which cell and subunits use it, its blur radius and reach (px)."""

    cell: int
    polarity: str
    sigma_index: int
    rho: float
    radius: int
    reach: int


class CORFConv2d(nn.Module):
    """CORF or push-pull CORF responses at ``n`` orientations as a learnable layer.

    Maps ``(B, C, H, W)`` to ``(B, C_out, H, W)``: with ``color="per_channel"`` each input
    channel is an image of its own and ``C_out = C·n`` (outputs ``c·n … c·n + n − 1`` are the
    orientations of channel ``c``); with ``"replicate"`` (the channel mean) or ``"luminance"``
    (BT.601 luma, 3 channels) the channels are first mixed into one grey image
    (:func:`v1pushpull.torch.color_weights`, fixed weights) and ``C_out = n``. Output channel
    ``o`` of an image is the cell's response at orientation ``orientations[o]``: equal to
    ``CORFCell.response`` / ``PushPullCell.response`` of the cell the layer was made from
    (:meth:`from_cell`), up to rounding, while the parameters keep their initial values.

    Parameters
    ----------
    push : SubunitSet
        The subunits of the (push) CORF cell, in this library's frame (the core's
        :attr:`CORFCell.subunit_set`).
    in_channels : int
        Input channels ``C``.
    orientations : int or sequence of float
        Orientations θ (rad), or their number spread over [0, 2π) (default 16).
    pull : SubunitSet, optional
        The pull subunits of a push-pull cell (:attr:`PushPullCell.pull` ``.subunit_set``);
        ``None`` (default) for a CORF cell without inhibition.
    inhibition_strength : float
        Initial k ≥ 0 of the push-pull combination ``[r_push − k·r_pull]₊`` (default 1.8, the
        released example); not used without ``pull``.
    weight_sigma : float, optional
        Initial σ̂ (px) of the subunit weights ``exp(−ρ²/(2σ̂²))`` (normalised per cell).
        Default: ``push.weight_sigma`` (corrected) or the released rule, max ρ over push and
        pull (3 decimals) / 3.
    blur_sigma0, blur_alpha : float
        Blur growth: radius ``round((σ₀ + αρ)/2)`` px, std radius/3 (default 2 and 0.9).
    padding : {"reflect", "symmetric", "constant", "wrap"}, optional
        How images are extended (default ``"reflect"`` in the corrected convention,
        ``"symmetric"``, the released ``padarray``, in the released one), as the core.
    convention : {"corrected", "released"}
        See the module notes.
    border : int, optional
        Released convention: width R (px) of its padding, ``params.radius`` (default
        ``round(max ρ + (σ₀ + α·max ρ)/2)`` over the push subunits; :meth:`from_cell` takes the
        cell's ``model_radius``, which uses the ρ list).
    color : {"per_channel", "replicate", "luminance"}
        How input channels become images (see above; default ``"per_channel"``).
    trainable : bool or collection of str
        Which of :data:`CORF_PARAMETERS` learn: ``True`` (default) all,
        ``False`` none, or a collection of names.
    pull_shift : float, optional
        β (px) by which ``pull`` was moved from ``push`` (:meth:`SubunitSet.pull`); needed
        only with ``learn_pull_shift``.
    learn_pull_shift : bool
        Learn β (default False). The pull subunits then read their maps bilinearly at the
        exact sub-pixel positions ``(x ± β, y)`` rotated by θ, and their weights follow
        ``ρ(β)``, instead of at the integer shifts of the frozen cell (rounded or ``fix()``;
        the released ρ rounding does not apply). The integer corners are found on the host
        each forward pass, so this mode is not ``fullgraph``-compilable.
    max_pull_shift : float, optional
        Upper bound (px) of the learnable β, default 2·``pull_shift``: the pull maps are
        stored wide enough for it.
    device, dtype :
        Where the parameters live (default CPU, float32). The computation follows the input's
        dtype (float32 or float64); other dtypes, and inputs under autocast, are computed in
        float32 and the output is float32.

    Attributes
    ----------
    inhibition_strength : torch.nn.Parameter, shape (C_out,)
        k per output channel, used as ``max(k, 0)`` (absent without ``pull``).
    weight_sigma : torch.nn.Parameter, shape ()
        σ̂ in px shared by push and pull, used as ``max(σ̂, 0.1)``. Initialised as above.
    pull_shift : torch.nn.Parameter or None, shape ()
        β in px with ``learn_pull_shift``, used as ``min(max(β, 0), max_pull_shift)``.
    dog_sigma : torch.nn.Parameter, shape (n_sigmas,)
        The surround σ (px) of each DoG of the subunits (centre σ/2), used as
        ``max(σ, 0.1)``; initialised from the subunits. The corrected DoG keeps the support
        of the initial σ (radius ``int(3σ + 0.5)``) as σ changes; the released DoG spans the
        padded image.
    orientations : tuple of float
        θ (rad) of the output channels of one image.
    support : int
        Smallest image side (px) the layer accepts: ``2·ceil(max ρ) + 1``, as the core.

    Raises
    ------
    TypeError
        If ``push``/``pull`` is not a SubunitSet or a number is not real.
    ValueError
        For an unknown convention, colour mode, padding or parameter name, a negative k, a
        non-positive σ̂, or subunits of different blur settings than given.

    Notes
    -----
    Learning the DoG σ and σ̂ keeps the subunit layout (ρ, φ and the integer shifts) and the
    blur radii fixed: they are discrete choices of the configured cell. Gradients flow to the
    input and to every parameter through autograd; see the module notes for zeros.

    Examples
    --------
    >>> import torch
    >>> from v1pushpull.cells import CORFCell, PushPullCell
    >>> from v1pushpull.torch.corf_layer import CORFConv2d
    >>> layer = CORFConv2d.from_cell(PushPullCell(CORFCell()), orientations=4)
    >>> out = layer(torch.rand(2, 1, 48, 48))
    >>> out.shape, bool(out.min() >= 0)
    (torch.Size([2, 4, 48, 48]), True)
    >>> sorted(name for name, _ in layer.named_parameters())
    ['dog_sigma', 'inhibition_strength', 'weight_sigma']
    """

    def __init__(
        self,
        push: SubunitSet,
        in_channels: int = 1,
        orientations: int | Sequence[float] = 16,
        *,
        pull: SubunitSet | None = None,
        inhibition_strength: float = 1.8,
        weight_sigma: float | None = None,
        blur_sigma0: float = 2.0,
        blur_alpha: float = 0.9,
        padding: str | None = None,
        convention: Convention = "corrected",
        border: int | None = None,
        color: str = "per_channel",
        trainable: bool | Collection[str] = True,
        pull_shift: float | None = None,
        learn_pull_shift: bool = False,
        max_pull_shift: float | None = None,
        device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        padding = self._check_arguments(push, pull, in_channels, convention, padding, color)
        learn = self._trainable_names(trainable)
        theta = _orientation_values(orientations, full_circle=True)
        strength = check_positive(inhibition_strength, "inhibition_strength", allow_zero=True)
        sigma0 = check_positive(blur_sigma0, "blur_sigma0", allow_zero=True)
        alpha = check_positive(blur_alpha, "blur_alpha", allow_zero=True)
        if weight_sigma is None:
            weight_sigma = (
                push.weight_sigma
                if convention == "corrected"
                else _released_weight_sigma(push, pull)
            )
        weight_sigma = check_positive(weight_sigma, "weight_sigma")
        cells = [push] if pull is None else [push, pull]
        self.learn_pull_shift = bool(learn_pull_shift)
        geometry = (
            self._pull_geometry(push, pull, pull_shift, max_pull_shift)
            if self.learn_pull_shift
            else None
        )
        border = self._border(push, border, sigma0, alpha)

        self.in_channels = in_channels
        self.convention = convention
        self.padding = padding
        self.color = color
        self.border = border
        self.orientations = tuple(float(t) for t in theta)
        self.support = max(2 * math.ceil(float(units.rhos.max())) + 1 for units in cells)
        images_per_input = in_channels if color == "per_channel" else 1
        self.out_channels = images_per_input * theta.size
        factory = {"device": device, "dtype": dtype or torch.get_default_dtype()}

        sigmas = sorted({float(s) for units in cells for s in units.sigmas})
        self._dog_radii = tuple(int(_DOG_TRUNCATE * s + 0.5) for s in sigmas)
        far = None if geometry is None else geometry[-1]
        maps, subunit_maps, subunit_shifts = self._map_plan(
            cells, sigmas, theta, convention, sigma0, alpha, far
        )
        self._maps = tuple(maps)
        self._blur_taps = {spec.radius: tuple(_gaussian_taps(spec.radius)) for spec in maps}
        self._plans = []
        for c, units in enumerate(cells):
            self._register_cell_plan(
                c, units, subunit_maps[c], subunit_shifts[c], theta, convention, factory, device
            )
        self._n_cells = len(cells)
        if geometry is not None:
            self._register_pull_shift(geometry, subunit_maps[1], theta, factory)
        else:
            self.pull_shift = None
        self._register_parameters(
            weight_sigma, sigmas, strength, pull is not None, learn, color, in_channels, factory
        )

    @staticmethod
    def _check_arguments(
        push: Any, pull: Any, in_channels: Any, convention: Any, padding: Any, color: Any
    ) -> str:
        """Check the subunits and the modes; return the padding mode (its default resolved)."""
        for name, units in (("push", push), ("pull", pull)):
            if units is not None and not isinstance(units, SubunitSet):
                raise TypeError(f"{name} must be a SubunitSet, got {type(units).__name__}")
        if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f"in_channels must be a positive int, got {in_channels!r}")
        if convention not in CORF_CONVENTIONS:
            raise ValueError(f"convention must be one of {CORF_CONVENTIONS}, got {convention!r}")
        if padding is None:
            padding = "symmetric" if convention == "released" else "reflect"
        if padding not in PADDING_MODES:
            raise ValueError(f"padding must be one of {PADDING_MODES}, got {padding!r}")
        if color not in COLOR_MODES:
            raise ValueError(f"color must be one of {COLOR_MODES}, got {color!r}")
        return padding

    @staticmethod
    def _pull_geometry(
        push: SubunitSet,
        pull: SubunitSet | None,
        pull_shift: float | None,
        max_pull_shift: float | None,
    ) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Learnable β: (β, β_max, push x, push y, sign of x, farthest pull read per subunit)."""
        if pull is None or pull_shift is None or len(pull) != len(push):
            raise ValueError(
                "learn_pull_shift=True needs pull subunits derived from push (one per push "
                "subunit, as SubunitSet.pull gives) and their pull_shift β (px)"
            )
        beta = check_positive(pull_shift, "pull_shift")
        beta_max = 2.0 * beta if max_pull_shift is None else max_pull_shift
        beta_max = check_positive(beta_max, "max_pull_shift")
        if beta_max < beta:
            raise ValueError(
                f"max_pull_shift must be >= pull_shift={beta!r} px, got {max_pull_shift!r}"
            )
        x0 = np.round([u.x for u in push], 9)
        y0 = np.round([u.y for u in push], 9)
        sign = np.where(x0 < 0, -1.0, 1.0)
        # the farthest a pull subunit can read, at β_max, in whole px (+1 for bilinear)
        far = np.ceil(np.hypot(np.abs(x0) + beta_max, y0)).astype(int) + 1
        return beta, beta_max, x0, y0, sign, far

    @staticmethod
    def _border(push: SubunitSet, border: Any, sigma0: float, alpha: float) -> int:
        """The released padding width R (px): checked, or its default from the push subunits."""
        max_rho = float(push.rhos.max())
        if border is None:
            border = int(_round_shift(np.array([max_rho + (sigma0 + alpha * max_rho) / 2.0]))[0])
        elif isinstance(border, bool) or not isinstance(border, int) or border < 0:
            raise ValueError(f"border must be an int >= 0 (px), got {border!r}")
        return border

    @staticmethod
    def _map_plan(
        cells: list[SubunitSet],
        sigmas: list[float],
        theta: np.ndarray,
        convention: str,
        sigma0: float,
        alpha: float,
        far: np.ndarray | None,
    ) -> tuple[list[_MapSpec], list[list[int]], list[tuple[np.ndarray, np.ndarray]]]:
        """The blurred maps of all cells, each subunit's map and integer shifts, per cell.

        ``far`` (learnable β only) is how far each pull subunit may read, which sets the
        reach of the pull maps instead of the integer shifts.
        """
        maps: list[_MapSpec] = []
        map_index: dict[tuple, int] = {}
        subunit_maps: list[list[int]] = []
        subunit_shifts: list[tuple[np.ndarray, np.ndarray]] = []
        for c, units in enumerate(cells):
            rhos = _effective_rhos(units, convention)
            dx, dy = _integer_shifts(units, rhos, theta, convention)
            indices = []
            for j, unit in enumerate(units):
                key = (c, unit.polarity, sigmas.index(float(unit.sigma)), float(rhos[j]))
                if key not in map_index:
                    radius = int(_round_shift(np.array([(sigma0 + alpha * rhos[j]) / 2.0]))[0])
                    map_index[key] = len(maps)
                    maps.append(_MapSpec(*key, radius=radius, reach=0))
                m = map_index[key]
                reach = int(max(np.abs(dx[:, j]).max(), np.abs(dy[:, j]).max()))
                if c == 1 and far is not None:
                    reach = int(far[j])
                if reach > maps[m].reach:
                    maps[m] = replace(maps[m], reach=reach)
                indices.append(m)
            subunit_maps.append(indices)
            subunit_shifts.append((dx, dy))
        return maps, subunit_maps, subunit_shifts

    def _register_cell_plan(
        self,
        c: int,
        units: SubunitSet,
        cell_subunit_maps: list[int],
        shifts: tuple[np.ndarray, np.ndarray],
        theta: np.ndarray,
        convention: str,
        factory: dict[str, Any],
        device: Any,
    ) -> None:
        """Append cell ``c``'s read plan to ``_plans`` and register its ρ/representative buffers."""
        maps = self._maps
        dx, dy = shifts
        cell_maps = sorted({m for m in cell_subunit_maps})
        local = {m: i for i, m in enumerate(cell_maps)}
        by_orientation = []
        by_map: list[list[tuple[int, int, int]]] = [[] for _ in cell_maps]
        for o in range(theta.size):
            entries = []
            for j, m in enumerate(cell_subunit_maps):
                reach = maps[m].reach
                entry = (local[m], reach + int(dy[o, j]), reach + int(dx[o, j]))
                entries.append(entry)
                by_map[local[m]].append((o, entry[1], entry[2]))
            by_orientation.append(tuple(entries))
        # one representative subunit per map: its ρ gives the map's weight
        representative = [cell_subunit_maps.index(m) for m in cell_maps]
        self._plans.append(
            (tuple(cell_maps), tuple(by_orientation), tuple(tuple(e) for e in by_map))
        )
        self.register_buffer(
            f"_rho_{c}",
            torch.as_tensor(_effective_rhos(units, convention), **factory),
            persistent=False,
        )
        self.register_buffer(
            f"_representative_{c}",
            torch.as_tensor(representative, dtype=torch.long, device=device),
            persistent=False,
        )

    def _register_pull_shift(
        self,
        geometry: tuple[float, float, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        pull_subunit_maps: list[int],
        theta: np.ndarray,
        factory: dict[str, Any],
    ) -> None:
        """Learnable β: the pull read layout, its geometry buffers and the β parameter."""
        beta, beta_max, x0, y0, sign, _ = geometry
        pull_maps = self._plans[1][0]
        local = {m: i for i, m in enumerate(pull_maps)}
        self._pull_layout = tuple(
            (local[m], self._maps[m].reach) for m in pull_subunit_maps
        )  # per pull subunit: its map (local index) and that map's reach
        for name, values in (("_pull_x0", x0), ("_pull_y0", y0), ("_pull_sign", sign)):
            self.register_buffer(name, torch.as_tensor(values, **factory), persistent=False)
        self.register_buffer("_cos", torch.as_tensor(np.cos(theta), **factory), persistent=False)
        self.register_buffer("_sin", torch.as_tensor(np.sin(theta), **factory), persistent=False)
        self.max_pull_shift = beta_max
        self.pull_shift = nn.Parameter(torch.tensor(beta, **factory))

    def _register_parameters(
        self,
        weight_sigma: float,
        sigmas: list[float],
        strength: float,
        has_pull: bool,
        learn: set[str],
        color: str,
        in_channels: int,
        factory: dict[str, Any],
    ) -> None:
        """Register σ̂, the DoG σ, k (with a pull cell) and the fixed colour weights."""
        self.weight_sigma = nn.Parameter(
            torch.tensor(weight_sigma, **factory), requires_grad="weight_sigma" in learn
        )
        self.dog_sigma = nn.Parameter(
            torch.tensor(sigmas, **factory), requires_grad="dog_sigma" in learn
        )
        if has_pull:
            self.inhibition_strength = nn.Parameter(
                torch.full((self.out_channels,), strength, **factory),
                requires_grad="inhibition_strength" in learn,
            )
        else:
            self.inhibition_strength = None
        self.register_buffer(
            "color_weights",
            torch.as_tensor(color_weights(color, in_channels), **factory),
            persistent=False,
        )

    @staticmethod
    def _trainable_names(trainable: bool | Collection[str]) -> set[str]:
        if trainable is True:
            return set(CORF_PARAMETERS)
        if trainable is False:
            return set()
        if isinstance(trainable, str) or not isinstance(trainable, Collection):
            raise TypeError(
                f"trainable must be a bool or a collection of names from {CORF_PARAMETERS}, "
                f"got {trainable!r}"
            )
        unknown = sorted(set(trainable) - set(CORF_PARAMETERS))
        if unknown:
            raise ValueError(
                f"trainable names {unknown} are not parameters; expected names from "
                f"{CORF_PARAMETERS}"
            )
        return set(trainable)

    @classmethod
    def from_cell(
        cls,
        cell: CORFCell | PushPullCell,
        in_channels: int = 1,
        orientations: int | Sequence[float] = 16,
        *,
        color: str = "per_channel",
        trainable: bool | Collection[str] = True,
        learn_pull_shift: bool = False,
        device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> CORFConv2d:
        """The layer of a core cell: its subunits, blur, padding, convention, k and β.

        Parameters
        ----------
        cell : CORFCell or PushPullCell
            A CORF cell, or a push-pull cell whose push cell is a CORF cell. Its
            ``convention`` (``"corrected"`` when the cell has none) selects the layer's.
        in_channels, orientations, color, trainable, learn_pull_shift, device, dtype :
            As in :class:`CORFConv2d` (a push-pull cell gives ``pull_shift``, its β).

        Returns
        -------
        CORFConv2d

        Raises
        ------
        TypeError
            If ``cell`` is not a CORFCell or a PushPullCell of one.

        Examples
        --------
        >>> from v1pushpull.cells import CORFCell
        >>> from v1pushpull.torch.corf_layer import CORFConv2d
        >>> layer = CORFConv2d.from_cell(CORFCell(), in_channels=3, color="luminance")
        >>> layer.out_channels, layer.inhibition_strength is None
        (16, True)
        """
        if isinstance(cell, PushPullCell):
            if not isinstance(cell.push, CORFCell):
                raise TypeError(
                    "cell must be a CORFCell or a PushPullCell of a CORFCell, got a PushPullCell "
                    f"of a {type(cell.push).__name__}"
                )
            push_cell, pull = cell.push, cell.pull.subunit_set
            strength = float(cell.inhibition_strength)
            shift = float(cell.pull_shift)
            # the pull keeps the push's σ̂ (corrected) or holds the released shared one
            weight_sigma = pull.weight_sigma
        elif isinstance(cell, CORFCell):
            push_cell, pull, strength, shift = cell, None, 0.0, None
            weight_sigma = cell.subunit_set.weight_sigma
        else:
            raise TypeError(
                f"cell must be a CORFCell or a PushPullCell of a CORFCell, got "
                f"{type(cell).__name__}"
            )
        convention = getattr(push_cell, "convention", "corrected")
        border = getattr(push_cell, "model_radius", None) if convention == "released" else None
        return cls(
            push_cell.subunit_set,
            in_channels,
            orientations,
            pull=pull,
            inhibition_strength=strength,
            weight_sigma=weight_sigma,
            blur_sigma0=push_cell.blur_sigma0,
            blur_alpha=push_cell.blur_alpha,
            padding=push_cell.padding,
            convention=convention,
            border=border,
            color=color,
            trainable=trainable,
            pull_shift=shift,
            learn_pull_shift=learn_pull_shift,
            device=device,
            dtype=dtype,
        )

    # ------------------------------------------------------------------------- forward

    def _subunit_weights(self, cell: int, dtype: torch.dtype) -> torch.Tensor:
        """Normalised weights of the maps of one cell, (n_maps_of_cell,)."""
        rhos = getattr(self, f"_rho_{cell}").to(dtype)
        sigma = self.weight_sigma.to(dtype).clamp(min=_MIN_SIGMA)
        weights = torch.softmax(-(rhos**2) / (2.0 * sigma**2), dim=0)
        return weights[getattr(self, f"_representative_{cell}")]

    def _images(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        if self.color == "per_channel":
            return x.reshape(batch * channels, height, width)
        return torch.einsum("bchw,c->bhw", x, self.color_weights.to(x.dtype))

    def _lgn(self, images: torch.Tensor) -> tuple[list[dict[str, torch.Tensor]], int]:
        """Rectified LGN maps per σ and polarity, and the offset of image pixel (0, 0) in them.

        corrected: the image is padded by the cell's mode wide enough that every read stays
        inside; released: padded symmetrically by R, and later reads beyond that are zeros.
        """
        floor = _lgn_floor(images, self.convention)
        sigmas = self.dog_sigma.to(images.dtype).clamp(min=_MIN_SIGMA)
        if self.convention == "released":
            padded = _pad(images, self.border, self.padding)
            linears = [_dog_released(padded, sigmas[i]) for i in range(len(self._dog_radii))]
            offset = self.border
        else:
            reach = max(spec.reach + spec.radius for spec in self._maps)
            width = reach + max(self._dog_radii)
            padded = _pad(images, width, self.padding)
            linears = []
            for i, radius in enumerate(self._dog_radii):
                # crop so that every σ's LGN map has the same offset
                crop = max(self._dog_radii) - radius
                source = padded[:, crop : padded.shape[-2] - crop, crop : padded.shape[-1] - crop]
                linears.append(_dog_corrected(source, sigmas[i], radius))
            offset = reach
        lgn = []
        for linear in linears:
            lgn.append(
                {
                    "on": torch.where(linear > floor, linear, 0.0),
                    "off": torch.where(-linear > floor, -linear, 0.0),
                }
            )
        return lgn, offset

    def _blurred(
        self, lgn: torch.Tensor, offset: int, spec: _MapSpec, height: int, width: int
    ) -> torch.Tensor:
        """The blurred map of ``spec`` on [−reach, H + reach)², image pixel 0 at ``reach``."""
        radius, reach = spec.radius, spec.reach
        if self.convention == "released":
            # zero-filled beyond the padded image, for the blur (conv2 'same') and the shift
            inside = min(reach, offset)
            source = F.pad(lgn, (radius, radius, radius, radius))
            start = offset - inside
            rows, cols = height + 2 * (inside + radius), width + 2 * (inside + radius)
            source = source[:, start : start + rows, start : start + cols]
        else:
            inside = reach
            start = offset - reach - radius
            rows, cols = height + 2 * (reach + radius), width + 2 * (reach + radius)
            source = lgn[:, start : start + rows, start : start + cols]
        # sums of shifted slices, not convolutions: exact zeros on every device
        blurred = _SeparableBlur.apply(source, self._blur_taps[radius])
        if reach > inside:
            extra = reach - inside
            blurred = F.pad(blurred, (extra, extra, extra, extra))
        return blurred

    def _cell_responses(
        self, cell: int, blurred: list[torch.Tensor], dtype: torch.dtype, height: int, width: int
    ) -> torch.Tensor:
        cell_maps, by_orientation, by_map = self._plans[cell]
        weights = self._subunit_weights(cell, dtype)
        plan = (by_orientation, by_map, height, width)
        return _ShiftedGeometricMean.apply(plan, weights, *(blurred[m] for m in cell_maps))

    def _bilinear_pull(
        self, blurred: list[torch.Tensor], dtype: torch.dtype, height: int, width: int
    ) -> torch.Tensor:
        """Pull responses at the sub-pixel positions of the current β (learn_pull_shift)."""
        beta = self.pull_shift.to(dtype).clamp(0.0, self.max_pull_shift)
        x = self._pull_x0.to(dtype) + self._pull_sign.to(dtype) * beta
        y = self._pull_y0.to(dtype)
        sigma = self.weight_sigma.to(dtype).clamp(min=_MIN_SIGMA)
        weights = torch.softmax(-(x**2 + y**2) / (2.0 * sigma**2), dim=0)
        weights = weights[self._representative_1]
        cos, sin = self._cos.to(dtype)[:, None], self._sin.to(dtype)[:, None]
        reach = torch.tensor([r for _, r in self._pull_layout], dtype=dtype, device=x.device)
        rows = reach + x * sin + y * cos  # (O, J): the read position in the map, px
        cols = reach + x * cos - y * sin
        row_base, col_base = torch.floor(rows.detach()), torch.floor(cols.detach())
        bases = torch.stack([row_base, col_base]).to(torch.long).tolist()  # host: the slices
        n_units = len(self._pull_layout)
        by_orientation = tuple(
            tuple(
                (m, bases[0][o][j], bases[1][o][j], o * n_units + j)
                for j, (m, _) in enumerate(self._pull_layout)
            )
            for o in range(len(self.orientations))
        )
        cell_maps = self._plans[1][0]
        return _BilinearGeometricMean.apply(
            (by_orientation, height, width),
            weights,
            (rows - row_base).reshape(-1),
            (cols - col_base).reshape(-1),
            *(blurred[m] for m in cell_maps),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Responses ``(B, C_out, H, W)`` of a ``(B, in_channels, H, W)`` batch (see class)."""
        self._check_input(x)
        dtype = x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float32
        with torch.autocast(device_type=x.device.type, enabled=False):
            out = self._responses(x.to(dtype))
        if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last):
            out = out.contiguous(memory_format=torch.channels_last)
        return out

    def _responses(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = x.shape
        images = self._images(x)
        lgn, offset = self._lgn(images)
        blurred = []
        for spec in self._maps:
            source = lgn[spec.sigma_index][spec.polarity]
            blurred.append(self._blurred(source, offset, spec, height, width))
        lgn.clear()  # the LGN maps are not needed any more
        push = self._cell_responses(0, blurred, x.dtype, height, width)
        if self._n_cells == 1:
            out = push
        else:
            if self.learn_pull_shift:
                pull = self._bilinear_pull(blurred, x.dtype, height, width)
            else:
                pull = self._cell_responses(1, blurred, x.dtype, height, width)
            del blurred
            strength = self.inhibition_strength.to(x.dtype).clamp(min=0.0)
            strength = strength.view(-1, len(self.orientations), 1, 1)
            out = torch.relu(
                push.view(batch, -1, len(self.orientations), height, width)
                - strength * pull.view(batch, -1, len(self.orientations), height, width)
            )
        return out.reshape(batch, self.out_channels, height, width)

    def _check_input(self, x: Any) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"input must be a torch.Tensor, got {type(x).__name__}")
        if not (x.is_floating_point() and not x.is_complex()):
            raise TypeError(f"input must be a real floating tensor, got dtype {x.dtype}")
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"input must have shape (B, {self.in_channels}, H, W), got {tuple(x.shape)}"
            )
        height, width = x.shape[-2:]
        if min(height, width) < self.support:
            raise ValueError(
                f"input images of {height}×{width} px are smaller than the layer's support "
                f"({self.support} px, 2·ceil(max ρ) + 1); pad them first or use a smaller cell"
            )

    def extra_repr(self) -> str:
        kind = "push-pull CORF" if self._n_cells == 2 else "CORF"
        return (
            f"{kind}, in_channels={self.in_channels}, out_channels={self.out_channels}, "
            f"orientations={len(self.orientations)}, convention={self.convention!r}, "
            f"color={self.color!r}"
        )
