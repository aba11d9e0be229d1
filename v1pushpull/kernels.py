"""Receptive-field kernels: Gabor, Gaussian and difference-of-Gaussians (DoG), and their banks.

Conventions (see the "Model theory" docs page): ``x`` is the column index, to the right, ``y`` the
row index, downwards, with the origin at the kernel centre ``(size // 2, size // 2)``; angles
are radians; the orientation ``θ`` is the direction of the carrier's wave vector, exactly as in
:func:`skimage.filters.gabor_kernel`: ``x' = x cos θ + y sin θ``, ``y' = −x sin θ + y cos θ``.

References
----------
.. [G03] Grigorescu, Petkov, Westenberg. Contour detection based on nonclassical receptive
   field inhibition. IEEE Trans. Image Processing 12(7), 2003.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Literal

import numpy as np
import xarray as xr

from ._backend import (
    as_1d_parameter,
    asarray_on,
    check_positive,
    check_wavelengths,
    creation_context,
    infer_creation_context,
    to_numpy,
)

__all__ = [
    "bandwidth_to_sigma_ratio",
    "dog_bank",
    "dog_kernel",
    "gabor_bank",
    "gabor_kernel",
    "gaussian_kernel",
    "sigma_ratio_to_bandwidth",
]

Normalization = Literal["petkov", "zero_mean", "none"]
_NORMALIZATIONS = ("petkov", "zero_mean", "none")
_SQRT_HALF_LN2 = math.sqrt(math.log(2.0) / 2.0)
# A default support wider than this is almost surely a unit mistake (a wavelength in µm or a
# frequency passed as a wavelength); an explicit ``size`` lifts the limit.
_MAX_DEFAULT_SIZE = 4097


def bandwidth_to_sigma_ratio(bandwidth: float) -> float:
    """Return σ/λ of a Gabor function with half-response spatial-frequency bandwidth ``b``.

    ``σ/λ = (1/π)·sqrt(ln 2 / 2)·(2^b + 1)/(2^b − 1)``, 0.56 for one octave [G03]_.

    Parameters
    ----------
    bandwidth : float
        Half-response spatial-frequency bandwidth in octaves, > 0.

    Returns
    -------
    float
        The ratio σ/λ (dimensionless).

    Raises
    ------
    ValueError
        If ``bandwidth`` is not a finite positive number.

    Examples
    --------
    >>> from v1pushpull.kernels import bandwidth_to_sigma_ratio
    >>> round(bandwidth_to_sigma_ratio(1.0), 4)
    0.5622
    """
    b = check_positive(bandwidth, "bandwidth")
    return _SQRT_HALF_LN2 / math.pi * (2.0**b + 1.0) / (2.0**b - 1.0)


def sigma_ratio_to_bandwidth(sigma_ratio: float) -> float:
    """Return the bandwidth in octaves of a Gabor function with ratio σ/λ (inverse of
    :func:`bandwidth_to_sigma_ratio`).

    Parameters
    ----------
    sigma_ratio : float
        σ/λ, larger than ``sqrt(ln 2 / 2)/π ≈ 0.187`` (smaller ratios have no finite bandwidth).

    Returns
    -------
    float
        Bandwidth in octaves.

    Raises
    ------
    ValueError
        If the ratio is not larger than ``sqrt(ln 2 / 2)/π``.

    Examples
    --------
    >>> from v1pushpull.kernels import sigma_ratio_to_bandwidth
    >>> round(sigma_ratio_to_bandwidth(0.5622), 3)
    1.0
    """
    ratio = check_positive(sigma_ratio, "sigma_ratio")
    q = math.pi * ratio / _SQRT_HALF_LN2
    if q <= 1.0:
        raise ValueError(
            f"sigma_ratio must be larger than sqrt(ln 2 / 2)/pi = {_SQRT_HALF_LN2 / math.pi:.4f} "
            f"for a finite bandwidth, got {sigma_ratio!r}"
        )
    return math.log2((q + 1.0) / (q - 1.0))


def _check_scalar(value: Any, name: str, bank: str) -> None:
    """A one-kernel function takes one number per parameter; many go to the bank function."""
    if isinstance(value, (str, bytes)) or np.ndim(value) != 0:
        raise TypeError(
            f"{name} must be a single number for one kernel, got {value!r}; use {bank} for a "
            "kernel per value"
        )


def _check_size(size: int | None, name: str = "size") -> int | None:
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"{name} must be a positive int (the kernel side in px), got {size!r}")
    return int(size)


def _grid(xp: ModuleType, size: int, device: Any, dtype: Any) -> tuple[Any, Any]:
    """Pixel coordinates ``(x, y)`` of a ``size × size`` kernel, origin at ``size // 2``."""
    coordinates = asarray_on(xp, np.arange(size) - size // 2, device=device, dtype=dtype)
    y = xp.reshape(coordinates, (size, 1))
    x = xp.reshape(coordinates, (1, size))
    return x, y


def _gabor_sigmas(
    wavelengths: np.ndarray, bandwidth: float | None, sigma: float | None
) -> np.ndarray:
    if sigma is not None:
        return np.full_like(wavelengths, check_positive(sigma, "sigma"))
    if bandwidth is None:
        raise TypeError("bandwidth must be a number of octaves when sigma is not given, got None")
    return wavelengths * bandwidth_to_sigma_ratio(bandwidth)


def _normalize(xp: ModuleType, kernels: Any, normalization: str) -> Any:
    """Apply the DC removal and Petkov's separate lobe normalisation over the last two axes."""
    if normalization == "none":
        return kernels
    kernels = kernels - xp.mean(kernels, axis=(-2, -1), keepdims=True)
    if normalization == "zero_mean":
        return kernels
    zeros = xp.zeros_like(kernels)
    positive = xp.sum(xp.where(kernels > 0, kernels, zeros), axis=(-2, -1), keepdims=True)
    negative = -xp.sum(xp.where(kernels < 0, kernels, zeros), axis=(-2, -1), keepdims=True)
    # A lobe that is missing (possible only for kernels of one or two pixels) stays as it is.
    ones = xp.ones_like(positive)
    positive = xp.where(positive > 0, positive, ones)
    negative = xp.where(negative > 0, negative, ones)
    return xp.where(kernels > 0, kernels / positive, kernels / negative)


def _gabor_stack(
    wavelengths: np.ndarray,
    orientations: np.ndarray,
    phases: np.ndarray,
    sigmas: np.ndarray,
    aspect_ratio: Any,
    size: int,
    normalization: str,
    xp: ModuleType,
    device: Any,
    dtype: Any,
) -> Any:
    """Gabor kernels for parameter vectors of equal length K, shape ``(K, size, size)``.

    The one Gabor formula of the package: the parameter vectors may also be arrays of ``xp``
    (the learnable parameters of :class:`v1pushpull.torch.GaborPushPullConv2d`, whose autograd
    graph is kept), and ``aspect_ratio`` a vector of length K.
    """
    x, y = _grid(xp, size, device, dtype)

    def column(values: Any) -> Any:
        if not isinstance(values, np.ndarray):  # already an array of xp: keep it (and its graph)
            return xp.reshape(values, (-1, 1, 1))
        return xp.reshape(asarray_on(xp, values, device=device, dtype=dtype), (-1, 1, 1))

    theta = column(orientations)
    x_rot = x * xp.cos(theta) + y * xp.sin(theta)
    y_rot = -x * xp.sin(theta) + y * xp.cos(theta)
    sigma = column(sigmas)
    gamma = column(aspect_ratio) if getattr(aspect_ratio, "ndim", 0) else aspect_ratio
    envelope = xp.exp(-(x_rot**2 + gamma**2 * y_rot**2) / (2.0 * sigma**2))
    carrier = xp.cos(2.0 * math.pi * x_rot / column(wavelengths) + column(phases))
    return _normalize(xp, envelope * carrier, normalization)


def _default_gabor_size(sigmas: np.ndarray, aspect_ratio: float) -> int:
    # support half-size ceil(2.5 σ / γ) of the reference implementation [G03]
    return 2 * math.ceil(2.5 * float(np.max(sigmas)) / aspect_ratio) + 1


def gabor_kernel(
    wavelength: float,
    orientation: float,
    phase: float = 0.0,
    bandwidth: float = 1.0,
    aspect_ratio: float = 0.5,
    *,
    sigma: float | None = None,
    size: int | None = None,
    normalization: Normalization = "petkov",
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """Gabor receptive field of a simple cell [G03]_.

    ``g(x, y) = exp(−(x'² + γ² y'²) / (2σ²)) · cos(2π x'/λ + φ)``, then normalised.

    Parameters
    ----------
    wavelength : float
        Wavelength λ of the cosine carrier in px, at least 2.
    orientation : float
        Orientation θ in rad: the direction of the carrier's wave vector (across the stripes).
    phase : float, optional
        Phase offset φ in rad: 0 is even (symmetric, ON centre), π/2 odd (antisymmetric).
    bandwidth : float, optional
        Half-response spatial-frequency bandwidth in octaves (default 1, σ/λ = 0.56).
        Ignored when ``sigma`` is given.
    aspect_ratio : float, optional
        Spatial aspect ratio γ of the Gaussian envelope (default 0.5: elongated along the
        stripes).
    sigma : float, optional
        Standard deviation σ of the envelope along ``x'`` in px, instead of ``bandwidth``.
    size : int, optional
        Side of the square kernel in px. Default ``2·ceil(2.5σ/γ) + 1``, the support of the
        reference implementation. The origin is at ``size // 2``.
    normalization : {"petkov", "zero_mean", "none"}, optional
        ``"petkov"`` (default): the mean is removed, so a uniform field gives 0, and the
        positive and negative lobes are scaled separately to sum to +1 and −1, as in Petkov's
        reference code. ``"zero_mean"``: the mean is removed only. ``"none"``: the formula
        above, as it is.
    xp : module, optional
        Array library of the result (``numpy`` default, ``cupy``, ``torch``, ...).
    device : optional
        Device of the result, in ``xp``'s terms (e.g. ``"cuda"`` for torch).
    dtype : optional
        Real floating dtype of the result (default float64).

    Returns
    -------
    array, shape (size, size)
        The kernel.

    Raises
    ------
    TypeError
        If ``wavelength``, ``orientation`` or ``phase`` is not a single number (a sequence
        of them asks for :func:`gabor_bank`).
    ValueError
        If ``wavelength`` is below 2 px, or ``sigma``, ``bandwidth`` or ``aspect_ratio`` are
        not positive, or ``normalization`` is unknown.

    See Also
    --------
    gabor_bank : many kernels in one call.
    skimage.filters.gabor_kernel : the same function, complex and with unit-area envelope.

    Notes
    -----
    Under ``normalization="none"`` the kernel equals
    ``skimage.filters.gabor_kernel(1/λ, θ, sigma_x=σ, sigma_y=σ/γ, offset=φ).real`` times
    ``2π·σ·(σ/γ)`` on the same grid.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull import gabor_kernel
    >>> kernel = gabor_kernel(wavelength=8.0, orientation=np.pi / 4)
    >>> kernel.shape
    (47, 47)
    >>> bool(abs(kernel.sum()) < 1e-12)
    True
    """
    for name, value in (("wavelength", wavelength), ("orientation", orientation), ("phase", phase)):
        _check_scalar(value, name, "gabor_bank")
    bank = gabor_bank(
        wavelength,
        orientation,
        phase,
        bandwidth=bandwidth,
        aspect_ratio=aspect_ratio,
        sigma=sigma,
        size=size,
        normalization=normalization,
        xp=xp,
        device=device,
        dtype=dtype,
    )
    return bank[0, ...]


def gabor_bank(
    wavelengths: float | Sequence[float],
    orientations: float | Sequence[float],
    phases: float | Sequence[float] = 0.0,
    *,
    bandwidth: float = 1.0,
    aspect_ratio: float = 0.5,
    sigma: float | None = None,
    size: int | None = None,
    normalization: Normalization = "petkov",
    as_xarray: bool = False,
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """A bank of Gabor kernels over wavelengths × orientations × phases, in one call.

    Parameters
    ----------
    wavelengths, orientations, phases : float or sequence of float
        Wavelengths λ (px, ≥ 2), orientations θ (rad) and phase offsets φ (rad); see
        :func:`gabor_kernel`.
    bandwidth, aspect_ratio, sigma, normalization :
        As in :func:`gabor_kernel`; ``sigma`` (px) applies to every wavelength.
    size : int, optional
        Common side of all kernels in px; default the support of the widest kernel.
    as_xarray : bool, optional
        If True, return an :class:`xarray.DataArray` (NumPy, on the host) with dimensions
        ``("wavelength", "orientation", "phase", "y", "x")``, coordinates with units and the
        parameters in ``attrs``.
    xp, device, dtype :
        Array library, device and dtype of the result, as in :func:`gabor_kernel`.

    Returns
    -------
    array, shape (n_wavelengths · n_orientations · n_phases, size, size)
        The kernels, wavelength varying slowest and phase fastest (C order), ready for
        :func:`v1pushpull.filter_bank`; ``bank.reshape(n_wl, n_or, n_ph, size, size)`` recovers
        the grid. Or the DataArray described above.

    Raises
    ------
    ValueError
        As :func:`gabor_kernel`, or if a parameter is not a scalar or 1-D.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull import gabor_bank
    >>> bank = gabor_bank([6.0, 12.0], np.linspace(0, np.pi, 8, endpoint=False), [0, np.pi / 2])
    >>> bank.shape
    (32, 69, 69)
    >>> gabor_bank(8.0, [0.0, np.pi / 2], as_xarray=True).dims
    ('wavelength', 'orientation', 'phase', 'y', 'x')
    """
    wl = as_1d_parameter(check_wavelengths(wavelengths, "wavelengths"), "wavelengths")
    theta = as_1d_parameter(orientations, "orientations")
    phi = as_1d_parameter(phases, "phases")
    gamma = check_positive(aspect_ratio, "aspect_ratio")
    if normalization not in _NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {_NORMALIZATIONS}, got {normalization!r}")
    sigmas = _gabor_sigmas(wl, bandwidth, sigma)
    explicit_size = size is not None
    size = _check_size(size) or _default_gabor_size(sigmas, gamma)
    if size > _MAX_DEFAULT_SIZE and not explicit_size:
        raise ValueError(
            f"the default support of these kernels is {size} px wide (wavelength up to "
            f"{wl.max():g} px, aspect_ratio {gamma:g}); pass size= explicitly if you really "
            f"want kernels larger than {_MAX_DEFAULT_SIZE} px"
        )
    namespace, device, real_dtype = infer_creation_context(
        xp, device, dtype, wavelengths, orientations, phases
    )

    grid_wl, grid_theta, grid_phi = (g.ravel() for g in np.meshgrid(wl, theta, phi, indexing="ij"))
    grid_sigma = np.repeat(sigmas, theta.size * phi.size)
    bank = _gabor_stack(
        grid_wl,
        grid_theta,
        grid_phi,
        grid_sigma,
        gamma,
        size,
        normalization,
        namespace,
        device,
        real_dtype,
    )
    if not as_xarray:
        return bank
    offsets = np.arange(size) - size // 2
    return xr.DataArray(
        to_numpy(bank).reshape(wl.size, theta.size, phi.size, size, size),
        dims=("wavelength", "orientation", "phase", "y", "x"),
        coords={
            "wavelength": ("wavelength", wl, {"units": "px"}),
            "orientation": ("orientation", theta, {"units": "rad"}),
            "phase": ("phase", phi, {"units": "rad"}),
            "sigma": ("wavelength", sigmas, {"units": "px"}),
            "y": ("y", offsets, {"units": "px"}),
            "x": ("x", offsets, {"units": "px"}),
        },
        name="gabor_kernel",
        attrs={
            "model": "Gabor receptive field (Grigorescu, Petkov, Westenberg 2003)",
            "aspect_ratio": gamma,
            "bandwidth_octaves": float(bandwidth) if sigma is None else float("nan"),
            "normalization": normalization,
        },
    )


def _gaussian_radius(sigma: float, truncate: float) -> int:
    # the same rule as scipy.ndimage.gaussian_filter, so the kernels agree pixel for pixel
    return int(truncate * sigma + 0.5)


def _gaussian_stack(sigmas: np.ndarray, size: int, xp: ModuleType, device: Any, dtype: Any) -> Any:
    """Unit-sum isotropic Gaussians, shape ``(K, size, size)``."""
    x, y = _grid(xp, size, device, dtype)
    sigma = xp.reshape(asarray_on(xp, sigmas, device=device, dtype=dtype), (-1, 1, 1))
    values = xp.exp(-(x**2 + y**2) / (2.0 * sigma**2))
    return values / xp.sum(values, axis=(-2, -1), keepdims=True)


def gaussian_kernel(
    sigma: float,
    *,
    truncate: float = 4.0,
    size: int | None = None,
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """Isotropic 2-D Gaussian kernel normalised to unit sum.

    Parameters
    ----------
    sigma : float
        Standard deviation in px, > 0.
    truncate : float, optional
        Half-size of the support in standard deviations (default 4, as
        :func:`scipy.ndimage.gaussian_filter`): ``radius = int(truncate·σ + 0.5)``.
    size : int, optional
        Side of the kernel in px, instead of ``truncate``.
    xp, device, dtype :
        Array library, device and dtype of the result (default NumPy, float64).

    Returns
    -------
    array, shape (size, size)
        The kernel; it sums to 1.

    Raises
    ------
    ValueError
        If ``sigma`` or ``truncate`` are not positive.

    Examples
    --------
    >>> from v1pushpull import gaussian_kernel
    >>> kernel = gaussian_kernel(1.0)
    >>> kernel.shape, round(float(kernel.sum()), 12)
    ((9, 9), 1.0)
    """
    sigma = check_positive(sigma, "sigma")
    truncate = check_positive(truncate, "truncate")
    size = _check_size(size) or 2 * _gaussian_radius(sigma, truncate) + 1
    namespace, real_dtype = creation_context(xp, device, dtype)
    return _gaussian_stack(np.array([sigma]), size, namespace, device, real_dtype)[0, ...]


Polarity = Literal["on", "off"]


def _polarity_signs(polarities: str | Sequence[str]) -> np.ndarray:
    values = [polarities] if isinstance(polarities, str) else list(polarities)
    if not values or any(p not in ("on", "off") for p in values):
        raise ValueError(
            f"polarity must be 'on' or 'off' (or a sequence of them), got {polarities!r}"
        )
    return np.array([1.0 if p == "on" else -1.0 for p in values])


def dog_bank(
    sigmas: float | Sequence[float],
    polarities: Polarity | Sequence[Polarity] = ("on", "off"),
    *,
    ratio: float = 0.5,
    truncate: float = 3.0,
    size: int | None = None,
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """A bank of difference-of-Gaussians kernels over σ × polarity.

    Parameters
    ----------
    sigmas : float or sequence of float
        Standard deviations σ of the outer (surround) Gaussian in px.
    polarities : "on", "off" or a sequence of them, optional
        Default both, ``("on", "off")``.
    ratio, truncate, size, xp, device, dtype :
        As in :func:`dog_kernel`; ``size`` defaults to the support of the largest σ.

    Returns
    -------
    array, shape (n_sigmas · n_polarities, size, size)
        σ varying slowest.

    Examples
    --------
    >>> from v1pushpull import dog_bank
    >>> dog_bank([1.0, 2.0]).shape
    (4, 13, 13)
    """
    values = as_1d_parameter(sigmas, "sigmas")
    if np.any(values <= 0):
        raise ValueError(f"sigmas must be > 0 px, got {sigmas!r}")
    signs = _polarity_signs(polarities)
    ratio = check_positive(ratio, "ratio")
    if ratio >= 1.0:
        raise ValueError(f"ratio (centre σ / surround σ) must be in (0, 1), got {ratio!r}")
    truncate = check_positive(truncate, "truncate")
    size = _check_size(size) or 2 * _gaussian_radius(float(values.max()), truncate) + 1
    namespace, device, real_dtype = infer_creation_context(xp, device, dtype, sigmas)
    centre = _gaussian_stack(ratio * values, size, namespace, device, real_dtype)
    surround = _gaussian_stack(values, size, namespace, device, real_dtype)
    on = centre - surround
    sign = asarray_on(namespace, signs, device=device, dtype=real_dtype)
    bank = on[:, None, ...] * namespace.reshape(sign, (1, -1, 1, 1))
    return namespace.reshape(bank, (values.size * signs.size, size, size))


def dog_kernel(
    sigma: float,
    ratio: float = 0.5,
    polarity: Polarity = "on",
    *,
    truncate: float = 3.0,
    size: int | None = None,
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """Difference-of-Gaussians receptive field of an LGN cell.

    Centre-on: ``G(ratio·σ) − G(σ)`` with each Gaussian normalised to unit sum on the grid, so
    the kernel sums to 0 exactly; centre-off is its negative.

    Parameters
    ----------
    sigma : float
        Standard deviation σ of the outer (surround) Gaussian in px, > 0.
    ratio : float, optional
        Centre σ over surround σ, in (0, 1) (default 0.5).
    polarity : {"on", "off"}, optional
        ``"on"`` (positive centre, default) or ``"off"``.
    truncate : float, optional
        Half-size of the support in surround σ (default 3): ``radius = int(truncate·σ + 0.5)``.
    size : int, optional
        Side of the kernel in px, instead of ``truncate``.
    xp, device, dtype :
        Array library, device and dtype of the result (default NumPy, float64).

    Returns
    -------
    array, shape (size, size)

    Raises
    ------
    ValueError
        If ``sigma`` is not positive, ``ratio`` not in (0, 1) or ``polarity`` is not ``"on"``
        or ``"off"`` (both polarities: :func:`dog_bank`).

    Notes
    -----
    The released CORF code labels ``G(σ) − G(0.5σ)`` as polarity 0 and calls it "on"; this
    library follows the physiological convention (an ON-centre cell is excited by light in its
    centre).

    Examples
    --------
    >>> from v1pushpull import dog_kernel
    >>> kernel = dog_kernel(2.0)
    >>> bool(kernel[6, 6] > 0), bool(abs(kernel.sum()) < 1e-12)
    (True, True)
    """
    sigma = check_positive(sigma, "sigma")
    if polarity not in ("on", "off"):
        raise ValueError(f"polarity must be 'on' or 'off' for one kernel, got {polarity!r}")
    return dog_bank(
        sigma,
        polarity,
        ratio=ratio,
        truncate=truncate,
        size=size,
        xp=xp,
        device=device,
        dtype=dtype,
    )[0, ...]
