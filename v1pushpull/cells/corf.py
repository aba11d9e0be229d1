"""CORF (Combination Of Receptive Fields) simple cell [A12]_ and the shared response engine.

A CORF cell takes the rectified responses of centre-on and centre-off LGN cells (DoG
receptive fields), blurs each with a Gaussian whose size grows with the distance ρ from the
cell centre, reads it at the subunit position (ρ, φ) rotated by the cell's orientation, and
combines the subunits by a weighted geometric mean. Configuration (which subunits exist) is
done once, on the host, from a prototype stimulus; responses are computed on any array
backend.

Implementation
--------------
Nothing is computed per subunit *and* orientation except one addition. Per image batch:

1. the DoG response is computed once per σ (FFT, :func:`v1pushpull.filter_bank`) on the
   image padded by the largest shift plus the largest blur radius;
2. each rectified LGN map is blurred once per unique (polarity, σ, blur radius) by an exact
   separable spatial Gaussian (sums of non-negative terms, so zeros stay exact zeros), and
   the weighted logarithm ``wᵢ·log(blurred)`` (``−inf`` where it is 0) of every (cell,
   polarity, σ, ρ) that uses that blur is stored. All maps share one row stride ``W + 2P``
   (``P`` the largest horizontal shift) and each keeps its own vertical reach, so that a map
   shifted by (dy, dx) is a *contiguous* 1-D slice of its storage;
3. per orientation, the cell's log response is a sum of such slices, and ``exp`` of that sum
   is the weighted geometric mean. ``log 0 = −inf`` makes the response exactly 0 whenever one
   subunit is 0, with no ε. A push-pull pair computes ``exp`` only where
   ``[push − k·pull]₊`` can be positive (a tenth of a natural image's pixels).

On the CPU the blurs run on the shared thread pool (:mod:`v1pushpull._threads`) and step 3
is a compiled Numba kernel (:mod:`v1pushpull.cells._corf_kernels`) that sums each output row
in cache and runs a share of the orientations per thread; without Numba the same sums run
in NumPy, band of rows by band of rows. Other backends sum whole slices. The sums are added
in the same order everywhere; the thread count, the bands and the batch change no bit.

Peak memory beyond the output is the stored maps plus a few image-sized work buffers (at
most four blurs run at once, whatever the thread count); no array of subunits ×
orientations × H × W is ever built.

Rectification floor: a DoG response is computed by the FFT with a rounding error of about
``eps·max|I|``, so in uniform regions its sign is noise. The LGN output is
``[DoG ⋆ I − τ]₊`` with ``τ = 64·eps·max|I|`` per image (7.6e-6·max|I| in float32): values
below the rounding level of the linear stage count as 0, which makes the exact-zero property
the same on every backend.

Conventions
-----------
``convention="released"`` reproduces the authors' released push-pull CORF code number for
number (the quirks are listed in :class:`CORFCell`; ``../shared/data/corf-reference`` holds
its outputs); ``convention="corrected"`` (the default) is the released model with each of
those discretisation quirks fixed. Both run on the same engine above; the released one pads
by the code's ``params.radius``, computes its DoG as a circular convolution over the padded
image (a wrap-padded correlation with the kernel that the code's ``fftshift`` offsets by half
a pixel), fills with zeros beyond the padded image and rectifies at 0 instead of at τ.
Orientations use this library's convention in both; the released code's θ_m is
``(π − θ) mod 2π``.

References
----------
.. [A12] Azzopardi, Petkov. A CORF computational model of a simple cell that relies on LGN
   input outperforms the Gabor function model. Biological Cybernetics 106:177–189, 2012.
.. [A14] Azzopardi, Rodríguez-Sánchez, Piater, Petkov. A push-pull CORF model of a simple cell
   with antiphase inhibition improves SNR and contour detection. PLoS ONE 9(7):e98424, 2014.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, ClassVar, Literal

import numpy as np
import scipy.ndimage as ndi
import scipy.signal
import scipy.special
import xarray as xr

from .._backend import (
    as_float_images,
    as_orientations,
    asarray_on,
    check_positive,
    creation_context,
    device_of,
    get_namespace,
    is_numpy,
    to_numpy,
)
from .._threads import parallel_map, thread_count
from ..filtering import PADDING_MODES, Padding, _correlate_separable, _filter_bank, _pad
from ..kernels import dog_kernel
from ._corf_kernels import geometric_mean_kernel
from ._validation import check_real
from .base import SimpleCell

__all__ = [
    "CONVENTIONS",
    "CORFCell",
    "Subunit",
    "SubunitSet",
    "configure_subunits",
    "default_rho",
    "edge_prototype",
    "line_prototype",
]

Polarity = Literal["on", "off"]
Convention = Literal["corrected", "released"]
#: The two conventions of the CORF family: today's model, and the released code's numbers.
CONVENTIONS: tuple[str, ...] = ("corrected", "released")

#: Default ρ lists (px) of the released CORF code, by DoG σ (px): (lower, upper, ρ values).
_RHO_TABLE: tuple[tuple[float, float, tuple[float, ...]], ...] = (
    (1.0, 2.0, (1.4135, 3.0310, 6.9796, 14.38)),
    (2.0, 2.4, (2.1325, 4.5128, 9.369, 19.18)),
    (2.4, 4.0, (3.0515, 6.1992, 12.6488, 24.62)),
    (4.0, 5.0 + 1e-12, (3.3021, 4.7877, 9.2467, 18.08, 34.43)),
)
#: The released code's ρ lists, by σ range and in its order (largest ρ first): its
#: configureSimpleCell leaves every other σ (3.5 < σ < 4, σ < 1, σ > 5) without a list.
_RELEASED_RHO_TABLE: tuple[tuple[Callable[[float], bool], tuple[float, ...]], ...] = (
    (lambda s: 1.0 <= s <= 2.0, (14.38, 6.9796, 3.0310, 1.4135)),
    (lambda s: 2.0 < s < 2.4, (19.18, 9.369, 4.5128, 2.1325)),
    (lambda s: 2.4 <= s <= 3.5, (24.62, 12.6488, 6.1992, 3.0515)),
    (lambda s: 4.0 <= s <= 5.0, (34.43, 18.08, 9.2467, 4.7877, 3.3021)),
)
_SNAP_DECIMALS = 9  # positions are snapped to 1e-9 px before rounding (see _round_shift)
_FLOOR_EPS = 64.0  # LGN floor τ = 64·eps·max|I|, the rounding level of the FFT DoG
_RELEASED_PROTOTYPE_SIZE = 200  # the released code's synthetic edge is 200×200
_RELEASED_CUTOFF = 0.01  # absolute cut-off of the sampled LGN maxima in the released code
_RELEASED_DOG_REACH = 10.0  # released DoG taps kept to ±10σ (the rest is below 1e-21)
_NDIMAGE_RADIUS = 3  # NumPy blurs of a radius from 3 px run in SciPy (faster than tap sums)
# blurs at once: each holds a few padded work buffers, so more would raise the peak memory
# (with the output not yet allocated, four stay within the maps + 6 buffers of the engine)
_BLUR_WORKERS = 4
_BAND_ELEMENTS = 2**15  # elements of one band sum on the CPU (256 KiB in float64)


def _check_convention(convention: Any) -> str:
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    return str(convention)


def default_rho(sigma: float, convention: Convention = "corrected") -> tuple[float, ...]:
    """The released code's ρ list (px) for a DoG σ, from the table in [A12]_'s code.

    Parameters
    ----------
    sigma : float
        DoG σ in px, in [1, 5].
    convention : {"corrected", "released"}, optional
        ``"corrected"`` (default): the lists below, increasing, on half-open σ ranges that
        cover [1, 5]. ``"released"``: the released push-pull code's ranges (1 ≤ σ ≤ 2,
        2 < σ < 2.4, 2.4 ≤ σ ≤ 3.5, 4 ≤ σ ≤ 5) and its order (largest ρ first), which is the
        order of its subunits.

    Returns
    -------
    tuple of float
        Radii ρ in px.

    Raises
    ------
    ValueError
        If σ has no list (pass ``rho`` explicitly then).

    Notes
    -----
    σ in [1, 2): (1.4135, 3.031, 6.9796, 14.38); [2, 2.4): (2.1325, 4.5128, 9.369, 19.18);
    [2.4, 4): (3.0515, 6.1992, 12.6488, 24.62); [4, 5]: (3.3021, 4.7877, 9.2467, 18.08,
    34.43). The corrected convention gives σ = 2 the second list (the released code, the
    first) and 3.5 < σ < 4 the third (the released code, none).

    Examples
    --------
    >>> from v1pushpull.cells import default_rho
    >>> default_rho(2.2)
    (2.1325, 4.5128, 9.369, 19.18)
    >>> default_rho(2.0, "released")
    (14.38, 6.9796, 3.031, 1.4135)
    """
    value = check_positive(sigma, "sigma")
    if _check_convention(convention) == "released":
        for covers, rho in _RELEASED_RHO_TABLE:
            if covers(value):
                return rho
        raise ValueError(
            f"sigma = {sigma!r} px has no rho list in the released code (1 <= sigma <= 3.5 "
            "or 4 <= sigma <= 5); pass rho explicitly"
        )
    for lower, upper, rho in _RHO_TABLE:
        if lower <= value < upper:
            return rho
    raise ValueError(
        f"sigma = {sigma!r} px has no default rho list (the table covers 1 <= sigma <= 5); "
        "pass rho explicitly"
    )


def _round_shift(values: np.ndarray) -> np.ndarray:
    """Round positions (px) to integer shifts, half away from zero (as MATLAB's ``round``).

    Positions are snapped to 1e-9 px first, so that ``cos(φ + π/2)`` and ``−sin φ`` (equal up
    to one ulp) round alike: rotating an image by 90° then permutes orientation channels
    exactly.
    """
    snapped = np.round(values, _SNAP_DECIMALS)
    return _matlab_round(snapped).astype(np.int64)


def _matlab_round(values: Any) -> np.ndarray:
    """MATLAB's ``round``: to the nearest integer, halves away from zero (no snapping)."""
    values = np.asarray(values, dtype=np.float64)
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def _round3(values: Any) -> np.ndarray:
    """The released code's ``round(x*1000)/1000``: 3 decimals, halves away from zero."""
    return _matlab_round(np.asarray(values, dtype=np.float64) * 1000.0) / 1000.0


def _released_angles(angles: Any) -> np.ndarray:
    """This library's angles (rad, y down, cell bright at x' > 0) as the released code's
    θ_m: ``(π − θ) mod 2π`` (y up, cell bright on its left at θ_m = 0). Its own inverse."""
    return np.mod(np.pi - np.asarray(angles, dtype=np.float64), 2.0 * np.pi)


def _released_shifts(
    phis: np.ndarray, rhos: np.ndarray, theta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The released ``getResponse``'s integer shifts (dx, dy), (n_orientations, n_subunits),
    in its own frame: φ_m + θ_m mod 2π, then ``fix`` (toward zero) of ρ cos and ρ sin, with
    ``rhos`` as it applies them (rounded to 3 decimals, :func:`_round3`)."""
    angle = np.mod(_released_angles(phis)[None, :] + _released_angles(theta)[:, None], 2.0 * np.pi)
    rho = np.asarray(rhos, dtype=np.float64)[None, :]
    dx = np.fix(rho * np.cos(angle)).astype(np.int64)
    dy = -np.fix(rho * np.sin(angle)).astype(np.int64)
    return dx, dy


def check_image_size(images: Any, support: int, what: str) -> None:
    """Raise a clear error when images are smaller than a cell's spatial support."""
    height, width = (int(n) for n in images.shape[-2:])
    if min(height, width) < support:
        raise ValueError(
            f"images of {height}×{width} px are smaller than the {what} ({support} px); "
            "pad them first (v1pushpull.filtering.pad_images) or use a smaller cell"
        )


@dataclass(frozen=True)
class Subunit:
    """One LGN subunit of a CORF cell: polarity δ, DoG σ and polar position (ρ, φ).

    Parameters
    ----------
    polarity : {"on", "off"}
        Centre-on (``[DoG ⋆ I]₊``, DoG = G(σ/2) − G(σ)) or centre-off (``[−DoG ⋆ I]₊``).
    sigma : float
        Surround σ of the DoG in px, > 0.
    rho : float
        Distance from the cell centre in px, ≥ 0.
    phi : float
        Polar angle in rad in the cell's own frame (orientation 0): ``x = ρ cos φ`` to the
        right, ``y = ρ sin φ`` downwards.

    Examples
    --------
    >>> from v1pushpull.cells import Subunit
    >>> unit = Subunit("on", 2.2, 3.0, 0.0)
    >>> unit.x, unit.y
    (3.0, 0.0)
    """

    polarity: Polarity
    sigma: float
    rho: float
    phi: float

    def __post_init__(self) -> None:
        if self.polarity not in ("on", "off"):
            raise ValueError(f"polarity must be 'on' or 'off', got {self.polarity!r}")
        object.__setattr__(self, "sigma", check_positive(self.sigma, "sigma"))
        object.__setattr__(self, "rho", check_positive(self.rho, "rho", allow_zero=True))
        object.__setattr__(self, "phi", check_real(self.phi, "phi"))

    @property
    def x(self) -> float:
        """Horizontal position in px (to the right) at orientation 0."""
        return self.rho * math.cos(self.phi)

    @property
    def y(self) -> float:
        """Vertical position in px (downwards) at orientation 0."""
        return self.rho * math.sin(self.phi)


@dataclass(frozen=True)
class SubunitSet:
    """The subunits of a CORF cell and the width of their weighting function.

    Parameters
    ----------
    subunits : sequence of Subunit
        At least one subunit.
    weight_sigma : float
        σ̂ in px of the weights ``wᵢ = exp(−ρᵢ²/(2σ̂²))`` of the geometric mean [A12]_
        (``max(ρ)/3`` of the ρ list when configured from a prototype).

    Examples
    --------
    >>> from v1pushpull.cells import Subunit, SubunitSet
    >>> units = SubunitSet((Subunit("on", 2.0, 2.0, 0.0), Subunit("off", 2.0, 2.0, 3.1416)), 2.0)
    >>> len(units), units.weights.tolist()
    (2, [0.5, 0.5])
    """

    subunits: tuple[Subunit, ...]
    weight_sigma: float

    def __post_init__(self) -> None:
        units = tuple(self.subunits)
        if not units or not all(isinstance(u, Subunit) for u in units):
            raise ValueError(f"subunits must be a non-empty sequence of Subunit, got {units!r}")
        object.__setattr__(self, "subunits", units)
        object.__setattr__(self, "weight_sigma", check_positive(self.weight_sigma, "weight_sigma"))

    def __len__(self) -> int:
        return len(self.subunits)

    def __iter__(self) -> Iterator[Subunit]:
        return iter(self.subunits)

    def __getitem__(self, index: int) -> Subunit:
        return self.subunits[index]

    @property
    def polarities(self) -> tuple[str, ...]:
        """Polarity of each subunit."""
        return tuple(u.polarity for u in self.subunits)

    @property
    def sigmas(self) -> np.ndarray:
        """DoG σ of each subunit in px."""
        return np.array([u.sigma for u in self.subunits])

    @property
    def rhos(self) -> np.ndarray:
        """Distance ρ of each subunit from the centre in px."""
        return np.array([u.rho for u in self.subunits])

    @property
    def phis(self) -> np.ndarray:
        """Polar angle φ of each subunit in rad (orientation 0)."""
        return np.array([u.phi for u in self.subunits])

    @property
    def weights(self) -> np.ndarray:
        """Weights ``exp(−ρ²/(2σ̂²))`` of the geometric mean, normalised to sum 1.

        Normalised in the log domain (``a − logsumexp(a)``, ``a = −ρ²/(2σ̂²)``), so that
        weights of far subunits may underflow to exactly 0 but the nearest subunit always
        keeps a weight ≥ 1/n: the weights never become NaN, however small σ̂ is.
        """
        exponents = -(self.rhos**2) / (2.0 * self.weight_sigma**2)
        return np.exp(exponents - scipy.special.logsumexp(exponents))

    def positions(self, orientation: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Subunit positions ``(x, y)`` in px when the cell has orientation θ (rad)."""
        angle = self.phis + float(orientation)
        return self.rhos * np.cos(angle), self.rhos * np.sin(angle)

    def shifts(self, orientations: Any) -> tuple[np.ndarray, np.ndarray]:
        """Integer shifts ``(dx, dy)``, shape (n_orientations, n_subunits), rounded to nearest
        (halves away from zero): the response at pixel (i, j) reads the blurred map at
        (i + dy, j + dx). This is the corrected convention; the released code truncates each
        component toward zero with ``fix()`` instead (:class:`CORFCell`'s ``convention``)."""
        theta = as_orientations(orientations)[:, None]
        angle = self.phis[None, :] + theta
        return _round_shift(self.rhos * np.cos(angle)), _round_shift(self.rhos * np.sin(angle))

    def pull(self, shift: float = 4.0) -> SubunitSet:
        """The antiphase (pull) subunits [A14]_: polarity inverted, each subunit moved
        outward by ``shift`` px along the cell's x axis (``x − β`` for x < 0, ``x + β``
        otherwise), σ unchanged. The weighting width σ̂ is kept from the push cell.

        Examples
        --------
        >>> from v1pushpull.cells import Subunit, SubunitSet
        >>> pull = SubunitSet((Subunit("on", 2.0, 3.0, 0.0),), 1.0).pull(4.0)
        >>> pull[0].polarity, pull[0].rho
        ('off', 7.0)
        """
        beta = check_positive(shift, "shift")
        moved = []
        for unit in self.subunits:
            # snapped, so that mirror-image subunits (±φ) get bit-identical ρ and share a map
            x = round(unit.x, _SNAP_DECIMALS)
            x = x - beta if x < 0 else x + beta
            y = round(unit.y, _SNAP_DECIMALS)
            moved.append(
                Subunit(
                    "off" if unit.polarity == "on" else "on",
                    unit.sigma,
                    math.hypot(x, y),
                    math.atan2(y, x),
                )
            )
        return SubunitSet(tuple(moved), self.weight_sigma)

    def _released_pull(self, shift: float) -> SubunitSet:
        """The pull subunits as the released ``modifyModel(..., 'invertpolarity', 1,
        'overlappixels', β)`` builds them, in its own frame (θ_m), mapped back; σ̂ is the
        released code's one weight σ over push and pull: max(ρ rounded to 3 decimals)/3."""
        beta = check_positive(shift, "shift")
        phi = _released_angles(self.phis)
        x, y = self.rhos * np.cos(phi), self.rhos * np.sin(phi)
        x = np.where(x < 0, x - beta, x + beta)
        rhos = np.hypot(x, y)
        phis = _released_angles(np.mod(np.arctan2(y, x) + 2.0 * np.pi, 2.0 * np.pi))
        moved = tuple(
            Subunit("off" if u.polarity == "on" else "on", u.sigma, float(r), float(p))
            for u, r, p in zip(self.subunits, rhos, phis, strict=True)
        )
        shared = float(max(_round3(self.rhos).max(), _round3(rhos).max())) / 3.0
        return SubunitSet(moved, shared)

    def to_dataset(self) -> xr.Dataset:
        """The subunits as an :class:`xarray.Dataset` with dimension ``subunit``.

        Examples
        --------
        >>> from v1pushpull.cells import CORFCell
        >>> CORFCell().subunit_set.to_dataset()["rho"].attrs["units"]
        'px'
        """
        x, y = self.positions(0.0)
        px = {"units": "px"}
        return xr.Dataset(
            {
                "polarity": ("subunit", np.array(self.polarities)),
                "sigma": ("subunit", self.sigmas, px),
                "rho": ("subunit", self.rhos, px),
                "phi": ("subunit", self.phis, {"units": "rad"}),
                "x": ("subunit", x, px),
                "y": ("subunit", y, px),
                "weight": ("subunit", self.weights),
            },
            coords={"subunit": np.arange(len(self))},
            attrs={"weight_sigma": self.weight_sigma, "weight_sigma_units": "px"},
        )


def _x_coordinates(size: int) -> np.ndarray:
    return np.arange(size, dtype=np.float64) - size // 2


def edge_prototype(size: int) -> np.ndarray:
    """Vertical step edge through the centre, dark (0) left, bright (1) right.

    The centre column ``size // 2`` has the value 0.5, so the edge lies exactly on it and the
    on and off LGN responses are mirror images of each other.

    Examples
    --------
    >>> from v1pushpull.cells import edge_prototype
    >>> edge_prototype(5)[0].tolist()
    [0.0, 0.0, 0.5, 1.0, 1.0]
    """
    x = _x_coordinates(int(size))
    row = np.where(x > 0, 1.0, np.where(x < 0, 0.0, 0.5))
    return np.tile(row, (int(size), 1))


def line_prototype(size: int, width: int = 1) -> np.ndarray:
    """Vertical bright line (1 on 0) of ``width`` px (odd) through the centre.

    Examples
    --------
    >>> from v1pushpull.cells import line_prototype
    >>> line_prototype(5, 3)[0].tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    x = _x_coordinates(int(size))
    row = np.where(np.abs(x) <= (int(width) - 1) // 2, 1.0, 0.0)
    return np.tile(row, (int(size), 1))


def _circular_peaks(values: np.ndarray) -> np.ndarray:
    """Indices of the local maxima of a circular sequence (a plateau counts once)."""
    n = values.size
    peaks, _ = scipy.signal.find_peaks(np.concatenate([values, values, values]))
    return np.sort(peaks[(peaks >= n) & (peaks < 2 * n)] - n)


def configure_subunits(
    prototype: Any,
    sigma: float,
    rho: Sequence[float],
    threshold: float | None = None,
    *,
    weight_sigma: float | None = None,
    n_angles: int = 360,
    convention: Convention = "corrected",
) -> SubunitSet:
    """Configure CORF subunits from a prototype stimulus [A12]_.

    Corrected convention (default): the rectified on and off DoG responses to the prototype
    are sampled on circles of radius ρ around its centre (``n_angles`` equal steps, bilinear
    interpolation); every local maximum along a circle that reaches ``threshold`` × (the
    largest sampled value) becomes a subunit with that polarity, ρ and angle φ.

    Released convention: the released ``configureSimpleCell``, step by step. The prototype
    is turned by 180° into the released code's frame; its DoG is the released circular one
    (see the module notes); the larger of the two rectified maps is read at the nearest
    pixel ``(round(c + ρ cos x), round(c + ρ sin x))`` for x = 1…720° (1-based centre c =
    S − S//2), circularly shifted by 270 samples; values below ``threshold`` (absolute) are
    set to 0 and the rest rounded to 3 decimals; each 1-D regional-maximum plateau gives one
    peak at the mean of its 1-based indices (so φ can be a half degree), kept if in
    [180, 540); the polarity is the larger rectified map at the nearest pixel of the peak
    (a tie gives off). Angles are mapped back to this library's frame (φ = (π − φ_m) mod 2π).
    σ̂ is max(ρ rounded to 3 decimals)/3 over the subunits found.

    Parameters
    ----------
    prototype : array, shape (S, S)
        The preferred stimulus at orientation 0, any real 2-D array (moved to the host),
        centre at ``(S // 2, S // 2)``. :func:`edge_prototype` or :func:`line_prototype`.
    sigma : float
        DoG σ in px, > 0.
    rho : sequence of float
        Circle radii in px, > 0; every circle must lie inside the prototype.
    threshold : float, optional
        Corrected: t1 in (0, 1], relative to the largest sampled response (default 0.1).
        Released: the absolute cut-off, in LGN response units, > 0 (default 0.01).
    weight_sigma : float, optional
        σ̂ of the weighting function in px (default ``max(rho)/3``, see above for released).
    n_angles : int, optional
        Samples per circle (default 360, 1° steps; the released code's 1° steps only).
    convention : {"corrected", "released"}, optional
        See above (default ``"corrected"``). Released needs a square prototype and keeps the
        order of ``rho``.

    Returns
    -------
    SubunitSet

    Raises
    ------
    ValueError
        If a parameter is out of range, a circle leaves the prototype, or no subunit passes
        the threshold.

    Examples
    --------
    >>> from v1pushpull.cells import configure_subunits, edge_prototype
    >>> units = configure_subunits(edge_prototype(61), 2.2, [2.1325, 4.5128, 9.369, 19.18])
    >>> sorted(set(units.polarities))
    ['off', 'on']
    """
    image = np.asarray(to_numpy(prototype), dtype=np.float64)
    if image.ndim != 2 or not np.all(np.isfinite(image)):
        raise ValueError(f"prototype must be a finite 2-D image, got shape {image.shape}")
    sigma = check_positive(sigma, "sigma")
    radii = _check_rho(rho)
    released = _check_convention(convention) == "released"
    threshold = _check_threshold(threshold, released)
    if isinstance(n_angles, bool) or not isinstance(n_angles, numbers.Integral) or n_angles < 8:
        raise ValueError(f"n_angles must be an int >= 8, got {n_angles!r}")
    if released:
        if n_angles != 360:
            raise ValueError(
                f"the released convention samples 1° steps: n_angles must be 360, got {n_angles!r}"
            )
        units = _configure_released(image, sigma, radii, threshold)
        if weight_sigma is None:
            weight_sigma = float(_round3([u.rho for u in units]).max()) / 3.0
        return SubunitSet(units, weight_sigma)
    weight_sigma = radii.max() / 3.0 if weight_sigma is None else weight_sigma
    centre_y, centre_x = image.shape[0] // 2, image.shape[1] // 2
    room = min(centre_y, centre_x, image.shape[0] - 1 - centre_y, image.shape[1] - 1 - centre_x)
    if radii.max() > room:
        raise ValueError(
            f"the prototype ({image.shape[0]}×{image.shape[1]} px) is too small for rho = "
            f"{radii.max():g} px; it needs at least {2 * math.ceil(radii.max()) + 1} px a side"
        )
    dog = dog_kernel(sigma)
    linear = ndi.correlate(image, dog, mode="mirror")
    floor = _FLOOR_EPS * np.finfo(np.float64).eps * float(np.abs(image).max())
    lgn = {
        "on": np.where(linear > floor, linear, 0.0),
        "off": np.where(-linear > floor, -linear, 0.0),
    }
    angles = 2.0 * np.pi * np.arange(n_angles) / n_angles
    samples = {}
    for polarity, response in lgn.items():
        for radius in radii:
            rows = centre_y + radius * np.sin(angles)
            cols = centre_x + radius * np.cos(angles)
            samples[polarity, radius] = ndi.map_coordinates(response, [rows, cols], order=1)
    largest = max(float(s.max()) for s in samples.values())
    units = []
    if largest > 0:
        for (polarity, radius), values in samples.items():
            for index in _circular_peaks(values):
                if values[index] >= threshold * largest:
                    units.append(Subunit(polarity, sigma, float(radius), float(angles[index])))
    if not units:
        raise ValueError(
            f"no subunit passes threshold t1 = {threshold:g} × the largest LGN response on the "
            f"circles rho = {radii.tolist()} (largest = {largest:.3g}); lower `threshold` or use "
            "a prototype with oriented structure at these radii"
        )
    units.sort(key=lambda u: (u.rho, u.polarity, u.phi))
    return SubunitSet(tuple(units), weight_sigma)


def _check_threshold(threshold: Any, released: bool) -> float:
    if threshold is None:
        return _RELEASED_CUTOFF if released else 0.1
    value = check_positive(threshold, "threshold")
    if not released and value > 1:
        raise ValueError(
            f"threshold must be in (0, 1] (relative to the maximum), got {threshold!r}"
        )
    return value


def _released_dog_terms(
    shape: tuple[int, int], sigma: float, ratio: float = 0.5
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The released getDoG's filter as a correlation kernel for an image of ``shape``, as its
    two separable terms ``outer(rows, cols)`` (the Gaussians are separable).

    The released code filters with ``G = G(σ) − G(ratio·σ)``, each Gaussian sampled on the
    whole image grid (offsets ``a − (n − 1)/2``) and normalised to sum 1 there, as
    ``fftshift(ifft2(fft2(G) .* fft2(image)))``: a circular correlation whose centre is
    displaced by c = ½ px (even n) or 1 px (odd n) along each axis,
    ``out[i] = Σ_d g(d − c)·image[(i + d) mod n]``. The returned kernel holds ``g(d − c)``
    for |d| ≤ D (origin at index D); correlating the image with it under ``"wrap"`` padding
    gives the same circular result. Taps beyond ±10σ (below 1e-21 of the peak) are dropped,
    and each grid offset is used at most once, so small images get the exact full period.
    This is the off map (δ = 0: negative at a bright dot); the on map is its negative.
    """
    axes = []
    for n in shape:
        reach = min(math.ceil(_RELEASED_DOG_REACH * sigma) + 1, n // 2 + 1)
        centre = 0.5 if n % 2 == 0 else 1.0
        offsets = np.arange(-reach, reach + 1, dtype=np.float64) - centre
        grid = np.arange(n, dtype=np.float64) - (n - 1) / 2.0
        taps = []
        for s in (sigma, ratio * sigma):
            values = np.exp(-(offsets**2) / (2.0 * s**2)) / np.exp(-(grid**2) / (2.0 * s**2)).sum()
            values[np.abs(offsets) > (n - 1) / 2.0] = 0.0
            taps.append(values)
        axes.append(taps)
    (outer_rows, inner_rows), (outer_cols, inner_cols) = axes
    return [(outer_rows, outer_cols), (-inner_rows, inner_cols)]


def _released_dog(xp: ModuleType, images: Any, sigma: float) -> Any:
    """The released code's off-DoG map of validated images (..., n, m), see above."""
    terms = _released_dog_terms(tuple(int(n) for n in images.shape[-2:]), sigma)
    return _correlate_separable(xp, images, terms, "wrap")


def _plateau_maxima(values: np.ndarray) -> np.ndarray:
    """1-based mean index of each regional-maximum plateau of a 1-D sequence (MATLAB's
    ``imregionalmax`` then ``bwlabel``): a run of equal values whose neighbours, where
    they exist, are all lower. A constant sequence is one plateau, as in MATLAB."""
    change = np.flatnonzero(np.diff(values) != 0) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [values.size]]) - 1
    peaks = []
    for a, b in zip(starts, ends, strict=True):
        left = a == 0 or values[a - 1] < values[a]
        right = b == values.size - 1 or values[b + 1] < values[b]
        if left and right:
            peaks.append((a + b) / 2.0 + 1.0)
    return np.array(peaks)


def _configure_released(
    image: np.ndarray, sigma: float, radii: np.ndarray, cutoff: float
) -> tuple[Subunit, ...]:
    """The released configureSimpleCell on a prototype given in this library's frame."""
    size = image.shape[0]
    if image.shape[1] != size:
        raise ValueError(f"the released convention needs a square prototype, got {image.shape}")
    stimulus = np.ascontiguousarray(image[::-1, ::-1])  # the released frame: turned by 180°
    centre = size - size // 2  # 1-based, as the released fp = [100, 100] of its 200×200 edge
    if radii.max() > min(centre - 1, size - centre):
        raise ValueError(
            f"the prototype ({size}×{size} px) is too small for rho = {radii.max():g} px"
        )
    xp = get_namespace(np)
    off = np.asarray(_released_dog(xp, stimulus, sigma))
    maps = (np.where(off > 0, off, 0.0), np.where(-off > 0, -off, 0.0))  # δ = 0 (off), 1 (on)
    strongest = np.maximum(*maps)
    degrees = np.arange(1, 721, dtype=np.float64)
    units: list[Subunit] = []
    for radius in radii:
        rows = _matlab_round(centre + radius * np.cos(degrees * np.pi / 180)).astype(int) - 1
        cols = _matlab_round(centre + radius * np.sin(degrees * np.pi / 180)).astype(int) - 1
        samples = np.roll(strongest[rows, cols], 270)
        if np.unique(samples).size == 1:
            continue
        samples = _round3(np.where(samples < cutoff, 0.0, samples))
        peaks = _plateau_maxima(samples)
        peaks = peaks[(peaks >= 180) & (peaks < 540)]
        if peaks.size == 0 or peaks[0] + 360 - peaks[-1] < 1:
            # the released code fails here (an empty list, or its η-merge of two peaks less
            # than 1° apart, which refers to undefined variables)
            raise ValueError(
                f"the released configuration fails for rho = {radius:g} px (peaks {peaks})"
            )
        turn = (peaks - 270) * np.pi / 180
        peak_rows = _matlab_round(centre + radius * np.cos(turn)).astype(int) - 1
        peak_cols = _matlab_round(centre + radius * np.sin(turn)).astype(int) - 1
        for peak, row, col in zip(peaks, peak_rows, peak_cols, strict=True):
            on = maps[1][row, col] > maps[0][row, col]  # a tie gives off (δ = 0)
            phi = float(np.mod(peak * np.pi / 180, 2.0 * np.pi))
            units.append(
                Subunit("on" if on else "off", sigma, float(radius), float(_released_angles(phi)))
            )
    if not units:
        raise ValueError(
            f"no subunit on the circles rho = {radii.tolist()}: the prototype's LGN response "
            "is constant on every circle"
        )
    return tuple(units)


def _released_prototype() -> np.ndarray:
    """The released code's synthetic edge (200×200, 1 in its columns 1…100, 1-based), in this
    library's frame: turned by 180°, so bright in columns 100…199 (0-based)."""
    image = np.zeros((_RELEASED_PROTOTYPE_SIZE, _RELEASED_PROTOTYPE_SIZE))
    image[:, _RELEASED_PROTOTYPE_SIZE // 2 :] = 1.0
    return image


def _check_rho(rho: Any) -> np.ndarray:
    try:
        radii = np.asarray(rho, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"rho must be a sequence of real numbers (px), got {rho!r}") from None
    if radii.ndim != 1 or radii.size == 0:
        raise ValueError(f"rho must be a non-empty 1-D sequence of radii in px, got {rho!r}")
    if not np.all(np.isfinite(radii)) or np.any(radii <= 0):
        raise ValueError(f"rho must hold finite radii > 0 px, got {rho!r}")
    return radii


def _gaussian_taps(radius: int) -> list[float]:
    """Unit-sum 1-D Gaussian of half-size ``radius`` and std ``radius/3`` (released code)."""
    if radius == 0:
        return [1.0]
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    taps = np.exp(-(offsets**2) / (2.0 * (radius / 3.0) ** 2))
    return (taps / taps.sum()).tolist()


@dataclass(frozen=True)
class CORFCell(SimpleCell):
    """CORF simple cell [A12]_: weighted geometric mean of blurred, shifted LGN subunits.

    Parameters
    ----------
    sigma : float, optional
        DoG σ of the LGN subunits in px (default 2.2).
    rho : sequence of float, optional
        Radii ρ in px of the circles on which subunits are sought (default
        :func:`default_rho` of σ, in the cell's convention).
    threshold : float, optional
        Corrected: t1 in (0, 1], a local maximum of the prototype's LGN response becomes a
        subunit if it reaches t1 × the largest one (default 0.1). Released: the absolute
        cut-off of the sampled LGN response (default 0.01, as the released code).
    prototype : {"edge", "line"}, optional
        Preferred stimulus at orientation 0: a vertical step edge, bright on the right
        (default; an edge-selective, polarity-specific cell), or a bright vertical line
        (corrected convention only).
    line_width : int, optional
        Width in px (odd) of the line prototype (default 1).
    blur_sigma0, blur_alpha : float, optional
        Blur growth σ₀ = 2 and α = 0.9: a subunit at distance ρ is blurred by a Gaussian of
        half-size ``r = round((σ₀ + αρ)/2)`` px and std ``r/3``, as in the released code.
    subunits : SubunitSet, optional
        Explicit subunits; when given, ``sigma``, ``rho``, ``threshold`` and ``prototype``
        are not used.
    padding : {"reflect", "symmetric", "constant", "wrap"}, optional
        How images are extended beyond their borders (default ``"reflect"`` in the corrected
        convention, ``"symmetric"`` — the released ``padarray`` — in the released one).
    convention : {"corrected", "released"}, optional
        ``"corrected"`` (default): the released model with each of the discretisation quirks
        below fixed. ``"released"``: the authors' released push-pull CORF code, quirk for
        quirk, matching its numbers (see Notes).

    Attributes
    ----------
    subunit_set : SubunitSet
        The cell's subunits: ``subunits`` if given, else configured from the prototype.
        :func:`dataclasses.replace` with new ``sigma``, ``rho``, ... reconfigures them.

    Raises
    ------
    ValueError
        If a parameter is out of range or no subunit passes the threshold.

    Notes
    -----
    Orientation θ rotates the subunit layout by θ (rad), with this library's convention: the
    cell with orientation θ prefers ``step_edge(size, θ)``, bright where
    ``x cos θ + y sin θ ≥ 0``. Edge cells are polarity specific, so orientations span
    [0, 2π). Both conventions use it; the released code's orientation θ_m (y axis up, its
    θ_m = 0 cell bright on the left) is ``θ_m = (π − θ) mod 2π``, and its subunit angles
    map the same way. See the module notes for the implementation.

    What each convention does (released quirk → corrected choice):

    - configuration: nearest-pixel samples of the 200×200 released edge at 1° steps, an
      absolute 0.01 cut-off, 3-decimal rounding and plateau peaks (half-degree φ possible),
      polarity by argmax with a tie going to off → bilinear samples of a centred edge, a
      cut-off relative to the largest sample, exact local maxima;
    - ρ lists on the released σ ranges → half-open ranges covering [1, 5];
    - DoG: circular over the padded image, displaced by ½ px (even padded size) or 1 px
      (odd) → a centred, finite DoG correlation;
    - padding: symmetric by ``params.radius = round(max ρ + (σ₀ + α·max ρ)/2)``, blur and
      shift filled with zeros beyond it → the cell's padding mode, wide enough that no zero
      fill is ever read;
    - LGN rectification at 0 (rounding noise of flat regions passes) → at τ (module notes);
    - shifts ``fix(ρ cos φ)``, ``fix(ρ sin φ)`` (truncated toward zero) → rounded to nearest;
    - ρ rounded to 3 decimals for the blur, the shift and the weight → ρ as configured;
    - push-pull: one σ̂ = max ρ/3 over the push and pull subunits together, also at k = 0 →
      the push cell's σ̂ for both.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.cells import CORFCell
    >>> from v1pushpull.stimuli import step_edge
    >>> cell = CORFCell()
    >>> orientations = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    >>> responses = cell.response(step_edge(64, 0.0), orientations)
    >>> responses.shape
    (8, 64, 64)
    >>> int(responses[:, 32, 32].argmax())
    0
    >>> len(CORFCell(convention="released").subunit_set)
    14
    """

    sigma: float = 2.2
    rho: tuple[float, ...] | None = None
    threshold: float | None = None
    prototype: Literal["edge", "line"] = "edge"
    line_width: int = 1
    blur_sigma0: float = 2.0
    blur_alpha: float = 0.9
    subunits: SubunitSet | None = field(default=None, repr=False)
    padding: Padding | None = None
    convention: Convention = "corrected"
    subunit_set: SubunitSet = field(init=False, repr=False, compare=False)

    #: PushPullCell's field that parametrises :meth:`pull_cell`, and the defaults of [A14]_.
    pull_parameter: ClassVar[str] = "pull_shift"
    default_inhibition_strength: ClassVar[float] = 1.8
    default_pull_parameter: ClassVar[float] = 4.0

    def __post_init__(self) -> None:
        # every field is checked, even those that explicit subunits make unused, so that a
        # typo never passes silently; numbers are stored as Python floats
        released = _check_convention(self.convention) == "released"
        numeric = {
            "sigma": check_positive(self.sigma, "sigma"),
            "threshold": _check_threshold(self.threshold, released),
            "blur_sigma0": check_positive(self.blur_sigma0, "blur_sigma0", allow_zero=True),
            "blur_alpha": check_positive(self.blur_alpha, "blur_alpha", allow_zero=True),
        }
        for name, value in numeric.items():
            object.__setattr__(self, name, value)
        if self.rho is not None:
            object.__setattr__(self, "rho", tuple(_check_rho(self.rho).tolist()))
        if self.prototype not in ("edge", "line"):
            raise ValueError(f"prototype must be 'edge' or 'line', got {self.prototype!r}")
        width = self.line_width
        if (
            isinstance(width, bool)
            or not isinstance(width, numbers.Integral)
            or width < 1
            or (width % 2 == 0)
        ):
            raise ValueError(f"line_width must be an odd positive int (px), got {width!r}")
        padding = ("symmetric" if released else "reflect") if self.padding is None else self.padding
        if padding not in PADDING_MODES:
            raise ValueError(f"padding must be one of {PADDING_MODES}, got {self.padding!r}")
        object.__setattr__(self, "padding", padding)
        if self.subunits is not None:
            if not isinstance(self.subunits, SubunitSet):
                raise TypeError(
                    f"subunits must be a SubunitSet, got {type(self.subunits).__name__}"
                )
            object.__setattr__(self, "subunit_set", self.subunits)
            return
        sigma, rho = self.sigma, self.radii
        if released:
            if self.prototype != "edge":
                raise ValueError(
                    "the released convention configures from the released code's edge only; "
                    f"got prototype={self.prototype!r}"
                )
            units = configure_subunits(
                _released_prototype(), sigma, rho, self.threshold, convention="released"
            )
        else:
            size = 2 * (math.ceil(max(rho)) + int(3.0 * sigma + 0.5) + 2) + 1
            image = (
                edge_prototype(size) if self.prototype == "edge" else line_prototype(size, width)
            )
            units = configure_subunits(image, sigma, rho, self.threshold)
        object.__setattr__(self, "subunit_set", units)

    @property
    def radii(self) -> tuple[float, ...]:
        """The ρ list in px: ``rho`` if given, else :func:`default_rho` of σ."""
        return default_rho(self.sigma, self.convention) if self.rho is None else tuple(self.rho)

    def blur_radius(self, rho: float) -> int:
        """Half-size r in px of the blur of a subunit at distance ρ: round((σ₀ + αρ)/2).

        In the released convention ρ is first rounded to 3 decimals, as the released code
        does."""
        if self.convention == "released":
            value = (self.blur_sigma0 + self.blur_alpha * float(_round3(rho))) / 2.0
            return int(_matlab_round(value))
        return int(_round_shift(np.array([(self.blur_sigma0 + self.blur_alpha * rho) / 2.0]))[0])

    @property
    def model_radius(self) -> int:
        """The released code's ``params.radius`` in px, ``round(max ρ + (σ₀ + α·max ρ)/2)``
        (max ρ of the ρ list, or of the explicit subunits): the width of its symmetric
        padding. The released convention pads by it; the corrected one pads as needed."""
        largest = max(self.radii) if self.subunits is None else float(self.subunit_set.rhos.max())
        return int(_matlab_round(largest + (self.blur_sigma0 + self.blur_alpha * largest) / 2.0))

    @property
    def support(self) -> int:
        """Smallest image side in px the cell accepts: ``2·ceil(max ρ) + 1``."""
        return 2 * math.ceil(float(self.subunit_set.rhos.max())) + 1

    def pull_cell(self, shift: float = 4.0) -> CORFCell:
        """The antiphase (pull) cell of [A14]_: see :meth:`SubunitSet.pull`.

        Parameters
        ----------
        shift : float, optional
            β > 0 in px, how far each pull subunit moves outward along the cell's x axis
            (default 4).

        Returns
        -------
        CORFCell
            Same convention, blur and padding. Released: the subunits as the released
            ``modifyModel`` moves them (in its own frame), and σ̂ the released code's one
            weight σ over push and pull (max ρ rounded to 3 decimals, over both, / 3), which
            :class:`PushPullCell` then uses for the push cell too. Corrected: σ̂ of the push.

        Examples
        --------
        >>> from v1pushpull.cells import CORFCell
        >>> cell = CORFCell()
        >>> set(cell.pull_cell().subunit_set.polarities) == set(cell.subunit_set.polarities)
        True
        >>> round(CORFCell(convention="released").pull_cell().subunit_set.weight_sigma, 6)
        6.632667
        """
        units = self.subunit_set
        pulled = units._released_pull(shift) if self.convention == "released" else units.pull(shift)
        return CORFCell(
            blur_sigma0=self.blur_sigma0,
            blur_alpha=self.blur_alpha,
            subunits=pulled,
            padding=self.padding,
            convention=self.convention,
        )

    def response(self, images: Any, orientations: Any) -> Any:
        """CORF responses ``Π sᵢ^wᵢ`` (weights summing to 1) at each orientation.

        Parameters
        ----------
        images : array, shape (..., H, W)
            Real floating images of any backend, at least :attr:`support` px on each side.
        orientations : float or 1-D sequence of float
            Orientations θ in rad, typically ``2πk/n`` (edge cells are polarity specific).
            The released code's θ_m is ``(π − θ) mod 2π``.

        Returns
        -------
        array, shape (..., n_orientations, H, W)
            Non-negative responses, same backend, device and dtype as ``images``.

        Raises
        ------
        TypeError
            If ``images`` is not a real floating array.
        ValueError
            If ``orientations`` is not 1-D, or the images are smaller than the support.

        Examples
        --------
        >>> import numpy as np
        >>> from v1pushpull.cells import CORFCell
        >>> float(CORFCell().response(np.full((2, 48, 48), 0.5), [0.0, np.pi]).max())
        0.0
        """
        images, xp = as_float_images(images)
        theta = as_orientations(orientations)
        return _geometric_mean_responses(xp, images, theta, [self])

    def _push_pull_response(
        self, pull: SimpleCell, strength: float, images: Any, orientations: Any
    ) -> Any:
        images, xp = as_float_images(images)
        theta = as_orientations(orientations)

        # released: push and pull share the pull's σ̂ (max ρ over both / 3); corrected: the
        # pull keeps the push's σ̂, so this changes nothing
        shared = pull.subunit_set.weight_sigma
        return _geometric_mean_responses(
            xp, images, theta, [self, pull], strength=strength, weight_sigma=shared
        )

    def _applied_rhos(self) -> np.ndarray:
        """ρ as the engine uses it: rounded to 3 decimals in the released convention."""
        rhos = self.subunit_set.rhos
        return _round3(rhos) if self.convention == "released" else rhos

    def _weights(self, weight_sigma: float | None = None) -> np.ndarray:
        """Normalised weights of the geometric mean (released: of the rounded ρ)."""
        units = self.subunit_set
        if self.convention == "corrected" and weight_sigma in (None, units.weight_sigma):
            return units.weights
        sigma = units.weight_sigma if weight_sigma is None else weight_sigma
        exponents = -(self._applied_rhos() ** 2) / (2.0 * sigma**2)
        return np.exp(exponents - scipy.special.logsumexp(exponents))

    def _shifts(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Integer shifts (dx, dy), (n_orientations, n_subunits): rounded (corrected), or as
        the released getResponse computes them in its own frame: φ_m + θ_m mod 2π, then
        ``fix`` of ρ cos and ρ sin (truncated toward zero)."""
        if self.convention == "corrected":
            return self.subunit_set.shifts(theta)
        return _released_shifts(self.subunit_set.phis, self._applied_rhos(), theta)

    def linear_receptive_fields(
        self,
        orientations: Any,
        size: int | None = None,
        *,
        xp: ModuleType | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> Any:
        """The cell as one linear filter: ``Σ wᵢ·sᵢ·(DoG_σ ∗ G_rᵢ)`` shifted to each subunit.

        ``sᵢ`` is +1 for on and −1 for off subunits, the weights sum to 1. It is the linear
        receptive field the cell would have without rectification and with an arithmetic
        instead of a geometric mean (used by ``to_torch_layer("corf")``). In the released
        convention the subunits sit at the released shifts, radii and weights; its DoG's
        half-pixel offset is not represented.

        Parameters
        ----------
        orientations : float or 1-D sequence of float
            Orientations θ in rad.
        size : int, optional
            Side in px (odd recommended); default just large enough for every subunit kernel.
            Smaller sizes crop around the centre.
        xp, device, dtype :
            Array library, device and dtype of the result (default NumPy, float64).

        Returns
        -------
        array, shape (n_orientations, size, size)

        Examples
        --------
        >>> from v1pushpull.cells import CORFCell
        >>> fields = CORFCell().linear_receptive_fields([0.0])
        >>> fields.shape[0], bool(abs(fields.sum()) < 1e-9)
        (1, True)
        """
        theta = as_orientations(orientations)
        units = self.subunit_set
        dx, dy = self._shifts(theta)
        kernels = []
        for unit, rho in zip(units, self._applied_rhos(), strict=True):
            radius = self.blur_radius(rho)
            taps = np.array(_gaussian_taps(radius))
            blurred = scipy.signal.convolve(dog_kernel(unit.sigma), np.outer(taps, taps))
            kernels.append(blurred if unit.polarity == "on" else -blurred)
        half = max(k.shape[0] // 2 for k in kernels)
        reach = int(max(np.abs(dx).max(), np.abs(dy).max())) + half
        full = 2 * reach + 1
        fields = np.zeros((theta.size, full, full))
        for i in range(theta.size):
            for j, (kernel, weight) in enumerate(zip(kernels, self._weights(), strict=True)):
                k = kernel.shape[0] // 2
                row, col = reach + dy[i, j], reach + dx[i, j]
                fields[i, row - k : row + k + 1, col - k : col + k + 1] += weight * kernel
        if size is not None:
            if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
                raise ValueError(f"size must be a positive int (px), got {size!r}")
            canvas = np.zeros((theta.size, max(size, full), max(size, full)))
            offset = (canvas.shape[-1] - full) // 2
            canvas[:, offset : offset + full, offset : offset + full] = fields
            start = canvas.shape[-1] // 2 - size // 2
            fields = canvas[:, start : start + size, start : start + size]
        namespace, real_dtype = creation_context(xp, device, dtype)
        return asarray_on(namespace, fields, device=device, dtype=real_dtype)


def _separable_blur(
    xp: ModuleType,
    lgn: Any,
    pad: int,
    rows_shift: int,
    cols_shift: int,
    radius: int,
    height: int,
    width: int,
) -> Any:
    """Blur the valid window of a padded LGN map needed for shifts up to the given reach.

    ``lgn`` holds the image at offset ``pad``; the result holds the blurred map at offset
    (``rows_shift``, ``cols_shift``), shape (..., H + 2·rows_shift, W + 2·cols_shift). Direct
    sums of non-negative terms keep exact zeros where no LGN response lies within the blur.
    The result may be a view of a larger work buffer.
    """
    taps = _gaussian_taps(radius)
    top, left = pad - rows_shift - radius, pad - cols_shift - radius
    rows, cols = height + 2 * rows_shift, width + 2 * cols_shift
    columns = slice(left, left + cols + 2 * radius)
    if radius >= _NDIMAGE_RADIUS and is_numpy(xp):
        # SciPy's C loop: one pass per axis instead of two per tap (2.5× faster at r = 10)
        window = lgn[..., top : top + rows + 2 * radius, columns]
        kernel = np.array(taps, dtype=window.dtype)
        vertical = ndi.correlate1d(window, kernel, axis=-2, mode="constant")
        vertical = vertical[..., radius : radius + rows, :]
        blurred = ndi.correlate1d(vertical, kernel, axis=-1, mode="constant")
        return blurred[..., :, radius : radius + cols]
    # the first product is a fresh array, so the in-place sums never touch ``lgn``
    vertical = taps[0] * lgn[..., top : top + rows, columns]
    for a in range(1, len(taps)):
        vertical += taps[a] * lgn[..., top + a : top + a + rows, columns]
    blurred = taps[0] * vertical[..., :, 0:cols]
    for b in range(1, len(taps)):
        blurred += taps[b] * vertical[..., :, b : b + cols]
    return blurred


@dataclass(frozen=True)
class _MapPlan:
    """Which weighted log maps one response needs, and how they are laid out.

    Map ``m`` is the weighted log ``w·log(blur_r ∗ LGN)`` of one unique (cell, polarity, σ, ρ);
    maps of the same (polarity, σ, blur radius) share one blur and one log (push and pull
    subunits at different ρ often do). Every map is stored as one flat row-major array with
    the common row stride ``W + 2·P`` (``P`` the largest horizontal shift of any subunit) and
    its own vertical reach: then the view of a map shifted by (dy, dx) over a band of output
    rows is a *contiguous* 1-D slice, and the per-orientation sums run on contiguous memory
    (2.5× faster than the equivalent 2-D strided views). Each output row is followed by
    ``2·P`` columns of unused values, cropped at the end.
    """

    polarity: dict[int, str]
    sigma: dict[int, float]
    radius: dict[int, int]
    weight: dict[int, float]
    rows_reach: dict[int, int]  # largest |dy| of the subunits reading map m
    cols_reach: dict[int, int]  # largest |dx|
    entries: list[tuple[list[tuple[int, int]], np.ndarray, np.ndarray]]  # (j, m), dx, dy

    @classmethod
    def of(cls, cells: Sequence[CORFCell], theta: np.ndarray, weight_sigma: float | None):
        keys: dict[tuple[int, str, float, float], int] = {}
        plan = cls({}, {}, {}, {}, {}, {}, [])
        for c, cell in enumerate(cells):
            dx, dy = cell._shifts(theta)
            kept = []
            applied = zip(
                cell.subunit_set, cell._applied_rhos(), cell._weights(weight_sigma), strict=True
            )
            for j, (unit, rho, weight) in enumerate(applied):
                if weight == 0.0:
                    # an underflowed weight: the subunit's factor is s⁰ = 1, and skipping it
                    # avoids 0·log 0 = NaN where its map is 0
                    continue
                m = keys.setdefault((c, unit.polarity, unit.sigma, float(rho)), len(keys))
                kept.append((j, m))
                plan.polarity[m], plan.sigma[m] = unit.polarity, unit.sigma
                plan.weight[m] = float(weight)
                plan.radius[m] = cell.blur_radius(float(rho))
                for reach, shifts in ((plan.rows_reach, dy), (plan.cols_reach, dx)):
                    reach[m] = max(reach.get(m, 0), int(np.abs(shifts[:, j]).max()))
            plan.entries.append((kept, dx, dy))
        return plan

    @property
    def maps(self) -> list[int]:
        return list(self.weight)

    @property
    def columns(self) -> int:
        """P: the column padding of every stored map."""
        return max(self.cols_reach.values())

    @property
    def reach(self) -> int:
        """How far from the image the blurred LGN maps are read (shift + blur radius)."""
        return max(max(self.rows_reach[m], self.cols_reach[m]) + self.radius[m] for m in self.maps)

    def groups(self, polarity: str, sigma: float) -> dict[int, list[int]]:
        """The maps of one LGN map, by blur radius (each radius is blurred once)."""
        groups: dict[int, list[int]] = {}
        for m in self.maps:
            if (self.polarity[m], self.sigma[m]) == (polarity, sigma):
                groups.setdefault(self.radius[m], []).append(m)
        return groups

    def size(self, m: int, height: int, stride: int) -> int:
        """Elements of map m's flat storage per image: its rows at the common stride, and
        2P more, read (and cropped) past the last row's end."""
        return (height + 2 * self.rows_reach[m]) * stride + 2 * self.columns

    def offsets(self, stride: int) -> list[list[list[int]]]:
        """Per cell, orientation and kept subunit: the flat index in its map's storage of
        output pixel (0, 0) shifted by the subunit's (dy, dx)."""
        result = []
        for kept, dx, dy in self.entries:
            subunits = [j for j, _ in kept]
            reach = np.array([self.rows_reach[m] for _, m in kept])
            flat = (reach + dy[:, subunits]) * stride + self.columns + dx[:, subunits]
            result.append(flat.tolist())
        return result


@functools.lru_cache(maxsize=64)
def _plan(cells: tuple[CORFCell, ...], theta: bytes, weight_sigma: float | None) -> _MapPlan:
    """The map plan of cells at orientations (``theta``: float64 bytes), cached: studies call
    the same cells at the same orientations many times."""
    return _MapPlan.of(cells, np.frombuffer(theta, dtype=np.float64), weight_sigma)


def _store_map(
    xp: ModuleType,
    logged: Any,
    group_reach: tuple[int, int],
    plan: _MapPlan,
    m: int,
    width: int,
    stride: int,
    into: Any = None,
    fill: bool = True,
) -> Any:
    """Map m as flat storage (..., rows·stride + 2P): its weight times ``logged`` (the log of
    its blur group, which reaches ``group_reach`` = (rows, cols) beyond the image) cropped to
    the map's own reach, in columns P − reach … P + W + reach; 0 (a factor 1) elsewhere,
    never read for a valid output pixel. NumPy writes into ``into`` (:meth:`_MapPlan.size`
    elements per image) and returns it; ``fill=False`` leaves the columns beyond the map's
    reach and the slack unwritten (the compiled kernel reads only within the reach, the NumPy
    bands sum whole rows)."""
    rows_reach, cols_reach, columns = plan.rows_reach[m], plan.cols_reach[m], plan.columns
    top, left = group_reach[0] - rows_reach, group_reach[1] - cols_reach
    rows = int(logged.shape[-2]) - 2 * top
    window = logged[..., top : top + rows, left : left + width + 2 * cols_reach]
    batch = tuple(logged.shape[:-2])
    if is_numpy(xp):
        storage = into
        grid = storage[..., : rows * stride].reshape(*batch, rows, stride)
        inner = slice(columns - cols_reach, columns + width + cols_reach)
        if fill:
            storage[..., rows * stride :] = 0.0
            grid[..., :, : inner.start] = 0.0
            grid[..., :, inner.stop :] = 0.0
        np.multiply(window, plan.weight[m], out=grid[..., :, inner])
        return storage
    side = columns - cols_reach
    grid = _pad(xp, window * plan.weight[m], ((0, 0), (side, side)), "constant")
    slack = xp.zeros((*batch, 2 * columns), dtype=logged.dtype, device=device_of(logged))
    return xp.concat([xp.reshape(grid, (*batch, rows * stride)), slack], axis=-1)


def _row_bands(height: int, row_elements: int, numpy: bool) -> list[tuple[int, int]]:
    """Bands of output rows summed at once: on the CPU each per-cell sum stays near
    :data:`_BAND_ELEMENTS` (in cache, and a fraction of an image in memory); one band on an
    accelerator, where fewer and larger kernels are faster."""
    if not numpy:
        return [(0, height)]
    count = max(1, min(height, math.ceil(height * row_elements / _BAND_ELEMENTS)))
    size = math.ceil(height / count)
    return [(start, min(start + size, height)) for start in range(0, height, size)]


def _geometric_mean_responses(
    xp: ModuleType,
    images: Any,
    theta: np.ndarray,
    cells: Sequence[CORFCell],
    *,
    strength: float | None = None,
    weight_sigma: float | None = None,
) -> Any:
    """Responses of one CORF cell, or of a push-pull pair ``[push − strength·pull]₊``, at
    each orientation (internal engine).

    ``images`` and ``theta`` are validated by the caller. The cells share the DoG responses
    and one convention (the first cell's padding and, released, its ``model_radius``).
    ``weight_sigma`` overrides every cell's σ̂ (the released push-pull cell's shared σ̂).
    Each cell's log response ``Σ wᵢ log sᵢ`` (−inf where the response is 0) is summed per
    orientation and band of rows; ``exp`` follows (see :func:`_combine`).
    """
    for cell in cells:
        check_image_size(images, cell.support, "CORF cell's support (2·ceil(max ρ) + 1)")
    height, width = (int(n) for n in images.shape[-2:])
    released = cells[0].convention == "released"
    plan = _plan(tuple(cells), theta.tobytes(), weight_sigma)
    reach = plan.reach
    padding = cells[0].padding
    if released:
        # the released code pads by params.radius and fills the blur and the shift with
        # zeros beyond the padded image; ``extra`` zeros make room for reaches beyond it
        border = cells[0].model_radius
        extra = max(0, reach - border)
        pad = border + extra
        padded = _pad(xp, images, ((border, border), (border, border)), padding)
        floor: Any = 0.0
        order = ("off", "on")  # the released DoG is the off map
    else:
        # The DoG must be read up to the largest shift plus blur radius from the image;
        # padding by its own radius too makes those values depend on the padding mode only.
        pad = reach + max(int(3.0 * sigma + 0.5) for sigma in plan.sigma.values())
        padded = _pad(xp, images, ((pad, pad), (pad, pad)), padding)
        scale = xp.max(xp.abs(images), axis=(-2, -1), keepdims=True)
        floor = _FLOOR_EPS * float(xp.finfo(images.dtype).eps) * scale
        order = ("on", "off")

    stride = width + 2 * plan.columns
    numpy = is_numpy(xp)
    # NumPy work is split over the cores (SciPy's and NumPy's loops release the GIL); other
    # backends parallelise inside each operation, so their blurs run one at a time
    blur_workers = _BLUR_WORKERS if numpy else 1
    maps: dict[int, Any] = {}
    device = device_of(images)
    sigmas = sorted(set(plan.sigma.values()))
    compiled = geometric_mean_kernel() if numpy else None
    batch = tuple(images.shape[:-2])
    count = math.prod(batch)
    if numpy:
        # every map of every image in one array: map m is columns base[m] … of each row
        sizes = {m: plan.size(m, height, stride) for m in plan.maps}
        base = dict(zip(plan.maps, np.cumsum([0, *sizes.values()])[:-1].tolist(), strict=True))
        storage = np.empty((count, sum(sizes.values())), dtype=images.dtype)
        map_views = {
            m: storage[:, base[m] : base[m] + sizes[m]].reshape(*batch, sizes[m]) for m in base
        }
    else:
        map_views = {}
    # Buffers are released as soon as possible and updated in place: the peak memory is the
    # stored maps plus a few image-sized buffers.
    for position, sigma in enumerate(sigmas):
        if released:
            linear = _released_dog(xp, padded, sigma)
        else:
            kernel = dog_kernel(sigma, xp=xp, device=device, dtype=images.dtype)
            linear = _filter_bank(xp, padded, kernel[None, ...], padding)[..., 0, :, :]
        if position == len(sigmas) - 1:
            del padded
        lgn = {}
        for polarity in order:
            if polarity == order[1]:
                linear *= -1.0
            if plan.groups(polarity, sigma):
                if released and numpy:
                    rectified = np.maximum(linear, 0.0)  # the released floor is 0: one pass
                else:
                    rectified = xp.where(linear > floor, linear, 0.0)
                if released and extra:
                    rectified = _pad(xp, rectified, ((extra, extra), (extra, extra)), "constant")
                lgn[polarity] = rectified
                del rectified
        del linear
        # one task per blur: the widest first, so that the threads finish together
        tasks = sorted(
            ((lgn[polarity], radius, members) for polarity in lgn
             for radius, members in plan.groups(polarity, sigma).items()),
            key=lambda task: -task[1],
        )  # fmt: skip
        del lgn

        def blur_and_store(task: tuple[Any, int, list[int]]) -> dict[int, Any]:
            rectified, radius, members = task
            rows_shift = max(plan.rows_reach[m] for m in members)
            cols_shift = max(plan.cols_reach[m] for m in members)
            blurred = _separable_blur(
                xp, rectified, pad, rows_shift, cols_shift, radius, height, width
            )
            if released:
                # the released shift reads zeros beyond the padded image
                for axis, shift in ((-2, rows_shift), (-1, cols_shift)):
                    outside = shift - border
                    if outside > 0:
                        index = [slice(None)] * blurred.ndim
                        for edge in (slice(0, outside), slice(-outside, None)):
                            index[axis] = edge
                            blurred[tuple(index)] = 0.0
            with np.errstate(divide="ignore"):
                logged = np.log(blurred, out=blurred) if numpy else xp.log(blurred)
            del blurred
            reach = (rows_shift, cols_shift)
            return {
                m: _store_map(
                    xp, logged, reach, plan, m, width, stride, map_views.get(m), compiled is None
                )
                for m in members
            }

        for stored in parallel_map(blur_and_store, tasks, workers=blur_workers):
            maps.update(stored)
        del tasks, stored

    if compiled is not None:
        out = np.empty((*batch, theta.size, height, width), dtype=images.dtype)
        offsets = plan.offsets(stride)
        terms = [
            np.array(cell_offsets, dtype=np.int64).reshape(theta.size, len(kept))
            + np.array([base[m] for _, m in kept], dtype=np.int64)
            for cell_offsets, (kept, _, _) in zip(offsets, plan.entries, strict=True)
        ]
        if strength is None:
            terms.append(np.empty((theta.size, 0), dtype=np.int64))
        # in the images' dtype, as the NumPy path computes (float32 stays float32)
        scalar = images.dtype.type
        threshold = scalar(_candidate_threshold(strength))
        shares = min(thread_count(), theta.size)
        flat_out = out.reshape(count, theta.size, height, width)
        value = scalar(0.0 if strength is None else strength)

        def orientations(share: int) -> None:
            start, stop = share * theta.size // shares, (share + 1) * theta.size // shares
            compiled(storage, *terms, flat_out, stride, value, threshold, start, stop)

        parallel_map(orientations, range(shares))
        return out
    # a push-pull output is written sparsely (see _combine): fresh zeros cost no more than
    # an empty array
    allocate = xp.zeros if numpy and strength is not None else xp.empty
    out = allocate((*batch, theta.size, height, width), dtype=images.dtype, device=device)
    bands = _row_bands(height, count * stride, numpy)
    longest = count * max(stop - start for start, stop in bands) * stride
    # NumPy: reused buffers, contiguous for every band: one sum per cell and one for the
    # difference of a push-pull pair. The loop is not split over threads: its sums are
    # bound by memory bandwidth and by the interpreter, and were measured slower on two.
    scratch = (
        [np.empty(longest, dtype=images.dtype) for _ in range(len(cells) + 1)] if numpy else []
    )
    offsets = plan.offsets(stride)
    stored = [[maps[m] for _, m in kept] for kept, _, _ in plan.entries]
    with np.errstate(invalid="ignore"):  # −inf − (−inf) in a push-pull difference (silent cells)
        for i in range(theta.size):
            terms = [
                list(zip(cell_maps, cell_offsets[i], strict=True))
                for cell_maps, cell_offsets in zip(stored, offsets, strict=True)
            ]
            for start, stop in bands:
                first, size = start * stride, (stop - start) * stride
                shape = (*batch, stop - start, stride)
                per_cell = []
                for c, cell_terms in enumerate(terms):
                    views = [m[..., o + first : o + first + size] for m, o in cell_terms]
                    if numpy:
                        total = scratch[c][: count * size].reshape(*batch, size)
                        if len(views) > 1:
                            np.add(views[0], views[1], out=total)
                        else:
                            np.copyto(total, views[0])
                    else:
                        # the first sum allocates the buffer: one pass fewer than copy, then add
                        total = (
                            views[0] + views[1]
                            if len(views) > 1
                            else xp.asarray(views[0], copy=True)
                        )
                    for view in views[2:]:
                        total += view
                    per_cell.append(xp.reshape(total, shape))
                    del total, views
                difference = scratch[-1][: count * size].reshape(shape) if numpy else None
                _combine(xp, per_cell, strength, out, i, start, width, difference)
                del per_cell, difference
    return out


def _candidate_threshold(strength: float | None) -> float:
    """``exp`` is computed only where ``[push − k·pull]₊`` can be positive: where
    ``log push − log pull > log k − 1e-3`` (a superset: the margin is far above the rounding
    of ``exp``), about a tenth of the pixels of a natural image; the result is the same to
    the last bit. −inf for k ≤ 0 (every pixel) and for a single cell (no pull)."""
    return (math.log(strength) if strength is not None and strength > 0 else -math.inf) - 1e-3


def _combine(
    xp: ModuleType,
    logs: list[Any],
    strength: float | None,
    out: Any,
    orientation: int,
    start: int,
    width: int,
    difference: Any = None,
) -> None:
    """Write ``exp`` of one cell's log response, or ``[exp(push) − k·exp(pull)]₊``, into
    ``out[..., orientation, start : start + rows, :]``; ``logs`` are (..., rows, stride), and
    so is ``difference``, a NumPy work buffer (push-pull only; ``out`` is zero there)."""
    rows = int(logs[0].shape[-2])
    stop = start + rows
    if not is_numpy(xp):
        value = xp.exp(logs[0][..., :width])
        if strength is not None:
            inhibition = xp.exp(logs[1][..., :width])
            inhibition *= strength
            value -= inhibition
            del inhibition
            value = xp.clip(value, min=0.0)
        out[..., orientation, start:stop, :] = value
        return
    if strength is None:
        np.exp(logs[0][..., :width], out=out[..., orientation, start:stop, :])
        return
    push, inhibition = logs
    threshold = _candidate_threshold(strength)
    np.subtract(push, inhibition, out=difference)  # NaN where both are −inf: not a candidate
    difference[..., width:] = -math.inf  # the columns beyond the image
    # flat indices: take/put are 3× faster than boolean masks here
    source = np.flatnonzero(difference > threshold)  # also the index into push and pull
    positive = np.exp(push.take(source))
    negative = np.exp(inhibition.take(source))
    negative *= strength
    positive -= negative
    stride = int(push.shape[-1])
    height, count = int(out.shape[-2]), int(out.shape[-3])
    if push.ndim == 2:  # one image: source = row·stride + column
        destination = source // stride
        destination *= width - stride
        destination += source
        destination += (orientation * height + start) * width
    else:
        image, pixel = np.divmod(source, rows * stride)  # the (flattened) batch element
        row, column = np.divmod(pixel, stride)
        destination = (((image * count + orientation) * height + start + row) * width) + column
    out.put(destination, np.maximum(positive, 0.0, out=positive))
