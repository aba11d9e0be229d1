"""Gabor energy with non-classical (surround) inhibition, the contour detector of [G03]_.

A complex cell (Gabor energy ``E``) is inhibited by the energy in an annulus around its
receptive field:

    w = [G(k·σ) − G(σ)]₊ / ‖[G(k·σ) − G(σ)]₊‖₁,      b = [E − α·(E ⋆ w)]₊,

with ``G(s)`` the unit-sum 2-D Gaussian of standard deviation ``s``, σ the Gabor envelope σ,
k = 4 and α = 1 [G03]_. The difference of Gaussians is negative in a disc of radius
``σ·sqrt(2k² ln(k²)/(k² − 1))`` (2.43σ for k = 4), so ``w`` is zero over the classical
receptive field and positive on the annulus around it. A uniform texture has ``E ⋆ w = E``
and is silenced completely (α = 1); an isolated contour has little energy in its surround
and survives.

References
----------
.. [G03] Grigorescu, Petkov, Westenberg. Contour detection based on nonclassical receptive
   field inhibition. IEEE Trans. Image Processing 12(7):729–739, 2003.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import numpy as np

from .._backend import (
    as_float_images,
    as_orientations,
    asarray_on,
    check_positive,
    creation_context,
    device_of,
)
from ..filtering import PADDING_MODES, Padding, _filter_bank
from ..kernels import gaussian_kernel
from .gabor import GaborCell

__all__ = ["SurroundInhibitionCell", "surround_inhibition", "surround_weighting"]

#: Ratio k of the outer to the inner Gaussian σ of the weighting function [G03]_.
SURROUND_RATIO = 4.0
#: Half-size of the weighting kernel in outer standard deviations (k·σ): 1.1 % of the
#: annulus' mass lies beyond it.
_TRUNCATE = 3.0

Inhibition = Literal["isotropic", "anisotropic"]


def surround_weighting(
    sigma: float,
    ratio: float = SURROUND_RATIO,
    *,
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """The surround weighting function ``w = [G(ratio·σ) − G(σ)]₊``, normalised to unit L1.

    Parameters
    ----------
    sigma : float
        σ in px of the inner Gaussian: the Gabor envelope σ of the inhibited cell, > 0.
    ratio : float, optional
        k > 1, the outer Gaussian's σ in units of σ (default 4, [G03]_).
    xp, device, dtype :
        Array library, device and dtype of the result (default NumPy, float64).

    Returns
    -------
    array, shape (S, S)
        Non-negative, sums to 1, zero within ``σ·sqrt(2k² ln(k²)/(k² − 1))`` px of the centre;
        ``S = 2·int(3kσ + 0.5) + 1``.

    Raises
    ------
    ValueError
        If ``sigma`` is not positive or ``ratio`` is not > 1.

    Examples
    --------
    >>> from v1pushpull.cells import surround_weighting
    >>> w = surround_weighting(2.0)
    >>> w.shape, round(float(w.sum()), 12), float(w[24, 24])
    ((49, 49), 1.0, 0.0)
    """
    sigma = check_positive(sigma, "sigma")
    ratio = check_positive(ratio, "ratio")
    if ratio <= 1.0:
        raise ValueError(f"ratio must be > 1 (outer σ over inner σ), got {ratio!r}")
    outer = gaussian_kernel(ratio * sigma, truncate=_TRUNCATE)
    inner = gaussian_kernel(sigma, size=outer.shape[-1])
    weights = np.clip(outer - inner, 0.0, None)
    weights /= weights.sum()
    namespace, real_dtype = creation_context(xp, device, dtype)
    return asarray_on(namespace, weights, device=device, dtype=real_dtype)


def surround_inhibition(
    energy: Any,
    sigma: float,
    alpha: float = 1.0,
    *,
    ratio: float = SURROUND_RATIO,
    padding: Padding = "reflect",
) -> Any:
    """Inhibit each map by its own surround: ``b = [E − α·(E ⋆ w)]₊`` [G03]_.

    Parameters
    ----------
    energy : array, shape (..., H, W)
        Non-negative maps (typically Gabor energy), real floating, any backend.
    sigma : float
        Gabor envelope σ in px that sets the weighting function (:func:`surround_weighting`).
    alpha : float, optional
        Inhibition strength α ≥ 0 (default 1). ``α = 0`` returns ``[E]₊``.
    ratio : float, optional
        k > 1, outer σ of the weighting function in units of σ (default 4).
    padding : {"reflect", "symmetric", "constant", "wrap"}, optional
        Extension of the maps beyond their borders (default ``"reflect"``).

    Returns
    -------
    array, shape (..., H, W)
        Same backend, device and dtype as ``energy``.

    Raises
    ------
    TypeError
        If ``energy`` is not a real floating array.
    ValueError
        If it holds NaN or inf, or a parameter is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.cells import surround_inhibition
    >>> float(surround_inhibition(np.ones((64, 64)), 2.0).max()) < 1e-9  # texture: silenced
    True
    """
    energy, xp = as_float_images(energy, "energy")
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    if padding not in PADDING_MODES:
        raise ValueError(f"padding must be one of {PADDING_MODES}, got {padding!r}")
    weights = surround_weighting(sigma, ratio, xp=xp, device=device_of(energy), dtype=energy.dtype)
    return _inhibit(xp, energy, energy, weights, alpha, padding)


def _inhibit(
    xp: ModuleType, energy: Any, source: Any, weights: Any, alpha: float, padding: str
) -> Any:
    """``[E − α·(S ⋆ w)]₊`` for validated arrays; ``source`` S broadcasts against E."""
    surround = _filter_bank(xp, source, weights[None, ...], padding)[..., 0, :, :]
    return xp.clip(energy - alpha * surround, min=0.0)


@dataclass(frozen=True)
class SurroundInhibitionCell:
    """Gabor energy with surround inhibition [G03]_: ``b_θ = [E_θ − α·(S ⋆ w)]₊``.

    ``E_θ`` is the Gabor energy of ``gabor`` (:meth:`GaborCell.energy`), ``w`` the weighting
    function of :func:`surround_weighting` with the cell's envelope σ, and ``S`` the inhibiting
    energy:

    - ``"isotropic"`` (default, [G03]_'s isotropic inhibition): ``S = max_θ E_θ`` over the
      orientations asked for, the same inhibition for every orientation, so
      ``max_θ b_θ = [Ẽ − α·(Ẽ ⋆ w)]₊`` with ``Ẽ = max_θ E_θ``, as in [G03]_;
    - ``"anisotropic"``: ``S = E_θ``, only the surround at the same orientation inhibits.

    Parameters
    ----------
    gabor : GaborCell
        The cell whose energy is inhibited; its phase φ and φ + π/2 form the quadrature pair.
    alpha : float, optional
        Inhibition strength α ≥ 0 (default 1, [G03]_). ``α = 0`` gives the Gabor energy.
    inhibition : {"isotropic", "anisotropic"}, optional
        Which energy inhibits (see above; default ``"isotropic"``).
    surround_ratio : float, optional
        k > 1: the weighting function is ``[G(kσ) − G(σ)]₊`` (default 4).

    Raises
    ------
    TypeError
        If ``gabor`` is not a GaborCell or ``alpha`` not a number.
    ValueError
        If a parameter is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.cells import GaborCell, SurroundInhibitionCell
    >>> from v1pushpull.stimuli import grating, step_edge
    >>> cell = SurroundInhibitionCell(GaborCell(wavelength=8.0))
    >>> orientations = np.linspace(0, np.pi, 8, endpoint=False)
    >>> edge = cell.response(step_edge(96, 0.0), orientations)[:, 48, 48].max()
    >>> texture = cell.response(grating(96, 8.0, 0.0), orientations)[:, 48, 48].max()
    >>> bool(edge > 0.1), bool(texture < 0.01)
    (True, True)
    """

    gabor: GaborCell
    alpha: float = 1.0
    inhibition: Inhibition = "isotropic"
    surround_ratio: float = SURROUND_RATIO

    def __post_init__(self) -> None:
        if not isinstance(self.gabor, GaborCell):
            raise TypeError(f"gabor must be a GaborCell, got {type(self.gabor).__name__}")
        object.__setattr__(self, "alpha", check_positive(self.alpha, "alpha", allow_zero=True))
        if self.inhibition not in ("isotropic", "anisotropic"):
            raise ValueError(
                f"inhibition must be 'isotropic' or 'anisotropic', got {self.inhibition!r}"
            )
        ratio = check_positive(self.surround_ratio, "surround_ratio")
        if ratio <= 1.0:
            raise ValueError(f"surround_ratio must be > 1, got {self.surround_ratio!r}")
        object.__setattr__(self, "surround_ratio", ratio)

    @property
    def support(self) -> int:
        """Side in px of the weighting kernel, the cell's spatial reach: ``2·int(3kσ+0.5)+1``."""
        return 2 * int(_TRUNCATE * self.surround_ratio * self.gabor.envelope_sigma + 0.5) + 1

    def response(self, images: Any, orientations: Any) -> Any:
        """Inhibited Gabor energy at each orientation.

        Parameters
        ----------
        images : array, shape (..., H, W)
            Real floating images of any backend.
        orientations : float or 1-D sequence of float
            Orientations θ in rad; the energy is π-periodic, so [0, π) suffices. With
            isotropic inhibition the inhibiting energy is the maximum over these orientations.

        Returns
        -------
        array, shape (..., n_orientations, H, W)
            Non-negative, never larger than the Gabor energy; same backend, device and dtype.

        Raises
        ------
        TypeError, ValueError
            As :meth:`GaborCell.energy`.

        Examples
        --------
        >>> import numpy as np
        >>> from v1pushpull.cells import GaborCell, SurroundInhibitionCell
        >>> cell = SurroundInhibitionCell(GaborCell(wavelength=8.0), alpha=0.0)
        >>> image = np.random.default_rng(0).random((48, 48))
        >>> bool(np.allclose(cell.response(image, [0.0]), cell.gabor.energy(image, [0.0])))
        True
        """
        images, xp = as_float_images(images)
        energy = self.gabor._energy(xp, images, as_orientations(orientations))
        weights = surround_weighting(
            self.gabor.envelope_sigma,
            self.surround_ratio,
            xp=xp,
            device=device_of(energy),
            dtype=energy.dtype,
        )
        # the same inhibition as surround_inhibition, by the strongest orientation's energy
        # (isotropic) or by each orientation's own (anisotropic)
        isotropic = self.inhibition == "isotropic"
        source = xp.max(energy, axis=-3, keepdims=True) if isotropic else energy
        return _inhibit(xp, energy, source, weights, float(self.alpha), self.gabor.padding)
