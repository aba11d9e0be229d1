"""Analyses of cell responses: tuning curves as :mod:`xarray` objects, tuning metrics and fits.

Every function here turns responses (arrays of any backend, or :class:`xarray.DataArray`) into
labelled results on the host: named dimensions (``model``, ``contrast``, ``orientation``,
``spatial_frequency``, ``phase``, ...), coordinates with their units in ``attrs``, and the
quantities a vision scientist reports — preferred orientation, half-width at half-height (HWHH),
orientation selectivity index, circular variance, spatial-frequency bandwidth, Naka–Rushton and
von Mises fits with parameter uncertainties, signal-to-noise ratio and a contrast-invariance
index.

Responses are copied to NumPy (:func:`v1pushpull._backend.to_numpy`) before they are analysed:
the analyses are small host-side computations on a few hundred numbers, and xarray, SciPy's
optimisers and netCDF all live on the host.

Conventions: angles are radians; orientation tuning is periodic with period π (a grating of
orientation θ + π is the same grating) unless ``period`` says otherwise (2π for direction- or
polarity-selective curves); spatial frequency is in cycles per pixel.

The orientation analyses read the units of their angle coordinate from its
``attrs["units"]``: ``"rad"`` (also assumed when there is none) or ``"deg"`` (physiology data
usually arrive in degrees). Results are in rad either way, and ``period`` is always in rad. A
coordinate that spans more than a full turn in its declared units (degrees with no units or
labelled ``"rad"``) is refused with a :class:`ValueError` rather than read as radians.

References
----------
.. [DV82] De Valois, Yund, Hepler. The orientation and direction selectivity of cells in macaque
   visual cortex. Vision Research 22:531–544, 1982.
.. [R02] Ringach, Shapley, Hawken. Orientation selectivity in macaque V1: diversity and laminar
   dependence. J. Neuroscience 22:5639–5651, 2002 (circular variance).
.. [A14] Azzopardi, Rodríguez-Sánchez, Piater, Petkov. A push-pull CORF model of a simple cell
   with antiphase inhibition improves SNR and contour detection. PLoS ONE 9(7):e98424, 2014.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import scipy.interpolate
import scipy.optimize
import xarray as xr

from ._backend import as_float_images, to_numpy

__all__ = [
    "DEFAULT_UNITS",
    "centre_responses",
    "circular_variance",
    "contrast_invariance_index",
    "contrast_saturation_index",
    "fit_naka_rushton",
    "fit_von_mises",
    "half_width_at_half_height",
    "naka_rushton",
    "orientation_selectivity_index",
    "preferred_orientation",
    "response_at_centre",
    "save_netcdf",
    "separability_index",
    "signal_to_noise_ratio",
    "spatial_frequency_bandwidth",
    "tuning_curve",
    "von_mises",
]

#: Units (and long names) given to the coordinates of :func:`tuning_curve` when their dimension
#: has one of these names. ``"1"`` is the CF convention for a dimensionless quantity.
#:
#: :meta hide-value:
DEFAULT_UNITS: dict[str, dict[str, str]] = {
    "orientation": {
        "units": "rad",
        "long_name": "orientation",
        "description": "direction of the grating's wave vector (across the stripes)",
    },
    "phase": {"units": "rad", "long_name": "phase", "description": "at the image centre"},
    "contrast": {"units": "1", "long_name": "Michelson contrast"},
    "mask_contrast": {"units": "1", "long_name": "mask contrast"},
    "spatial_frequency": {"units": "cycles/px", "long_name": "spatial frequency"},
    "wavelength": {"units": "px", "long_name": "wavelength"},
    "noise_std": {
        "units": "1",
        "long_name": "noise std",
        "description": "standard deviation of the added noise, in luminance units",
    },
    "noise_level": {"units": "1", "long_name": "noise level"},
    "inhibition_strength": {"units": "1", "long_name": "inhibition strength"},
}

Baseline = Literal["min", "zero"]


# --------------------------------------------------------------------------------------------
# Building tuning curves
# --------------------------------------------------------------------------------------------


def response_at_centre(responses: Any) -> np.ndarray:
    """Return the value of each response map at the image centre, on the host.

    The centre pixel is ``(H // 2, W // 2)``, the origin of the kernels and stimuli of this
    library, so a cell "at the centre" is the cell whose receptive field is centred on the
    stimulus.

    Parameters
    ----------
    responses : array, shape (..., H, W)
        Response maps of any backend (NumPy, CuPy, torch, ...), real floating.

    Returns
    -------
    numpy.ndarray, shape (...)
        The centre values (a 0-d array for a single map).

    Raises
    ------
    TypeError
        If ``responses`` is not a real floating array.
    ValueError
        If it has fewer than two dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import response_at_centre
    >>> maps = np.zeros((3, 5, 5))
    >>> maps[:, 2, 2] = [1.0, 2.0, 3.0]
    >>> response_at_centre(maps)
    array([1., 2., 3.])
    """
    responses, _ = as_float_images(responses, "responses", check_finite=False)
    height, width = responses.shape[-2], responses.shape[-1]
    return np.asarray(to_numpy(responses[..., height // 2, width // 2]))


class Cell(Protocol):
    """Anything with the cells' ``response(images, orientations) -> (..., n_or, H, W)``."""

    def response(self, images: Any, orientations: Any) -> Any: ...  # pragma: no cover


def centre_responses(
    cell: Cell,
    stimulus: Callable[..., Any],
    coords: Mapping[str, Any],
    *,
    cell_orientation: float = 0.0,
    batch_size: int = 256,
    name: str = "response",
    attrs: Mapping[str, Any] | None = None,
    **stimulus_kwargs: Any,
) -> xr.DataArray:
    """Responses of a cell centred on the image to a grid of stimuli, as a labelled array.

    The classic physiology protocol: one cell with a fixed preferred orientation, many stimuli.
    Every combination of the values in ``coords`` (outer product, in order) is passed to
    ``stimulus`` as keyword arguments, together with ``stimulus_kwargs``; the cell's response
    at the image centre (:func:`response_at_centre`) is recorded. Images are made and filtered
    in batches of ``batch_size`` to bound memory.

    Parameters
    ----------
    cell : object with ``response(images, orientations)``
        A :class:`~v1pushpull.cells.GaborCell`, :class:`~v1pushpull.cells.CORFCell`,
        :class:`~v1pushpull.cells.PushPullCell`, or anything with that method.
    stimulus : callable
        A stimulus function such as :func:`v1pushpull.stimuli.grating` or
        :func:`v1pushpull.stimuli.plaid`, whose numeric parameters broadcast.
    coords : mapping of str to 1-D sequence
        Stimulus parameters to vary (keyword names of ``stimulus``), e.g. ``{"contrast": [...],
        "orientation": [...], "phase": [...]}``; they become the dimensions of the result.
    cell_orientation : float, optional
        The cell's orientation θ in rad (default 0).
    batch_size : int, optional
        Images per call of ``cell.response`` (default 256).
    name : str, optional
        Name of the result (default ``"response"``).
    attrs : mapping, optional
        Attributes of the result (model parameters, ...).
    **stimulus_kwargs
        Fixed arguments of ``stimulus`` (``size``, ``wavelength``, ``xp``, ``device``,
        ``dtype``, ...).

    Returns
    -------
    xarray.DataArray
        Dims ``tuple(coords)``, units from :data:`DEFAULT_UNITS`, on the host.

    Raises
    ------
    ValueError
        If ``batch_size`` is not a positive int or a coordinate is not 1-D.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import centre_responses
    >>> from v1pushpull.cells import GaborCell
    >>> from v1pushpull.stimuli import grating
    >>> curve = centre_responses(
    ...     GaborCell(wavelength=8.0), grating, {"orientation": [0.0, np.pi / 2]},
    ...     size=64, wavelength=8.0)
    >>> bool(curve.sel(orientation=0.0) > curve.sel(orientation=np.pi / 2))
    True
    """
    if not callable(getattr(cell, "response", None)):
        raise TypeError(
            f"cell must have a response(images, orientations) method (a GaborCell, CORFCell, "
            f"...), got {type(cell).__name__}"
        )
    if not callable(stimulus):
        raise TypeError(f"stimulus must be a stimulus function, got {type(stimulus).__name__}")
    if not isinstance(coords, Mapping):
        raise TypeError(f"coords must be a mapping of stimulus parameter to values, got {coords!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    grid = {dim: np.asarray(value) for dim, value in coords.items()}
    for dim, value in grid.items():
        if value.ndim != 1:
            raise ValueError(f"coords[{dim!r}] must be 1-D, got shape {value.shape}")
    shape = tuple(value.size for value in grid.values())
    flat = {
        dim: np.broadcast_to(
            value.reshape([-1 if i == axis else 1 for i in range(len(grid))]), shape
        ).ravel()
        for axis, (dim, value) in enumerate(grid.items())
    }
    total = int(np.prod(shape))
    values = np.empty(total)
    for start in range(0, total, batch_size):
        chunk = {dim: value[start : start + batch_size] for dim, value in flat.items()}
        images = stimulus(**stimulus_kwargs, **chunk)
        responses = cell.response(images, [cell_orientation])
        values[start : start + batch_size] = response_at_centre(responses[..., 0, :, :])
    return tuning_curve(values.reshape(shape), grid, name=name, attrs=attrs)


def tuning_curve(
    values: Any,
    coords: Mapping[str, Any],
    *,
    name: str = "response",
    units: Mapping[str, str] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> xr.DataArray:
    """Label an array of responses as a tuning curve with named dimensions and units.

    Parameters
    ----------
    values : array
        Responses of any backend, with one axis per entry of ``coords``, in the same order.
    coords : mapping of str to 1-D sequence
        Dimension name → coordinate values, e.g. ``{"contrast": [...], "orientation": [...]}``.
        Dimensions named in :data:`DEFAULT_UNITS` get their units and long name in ``attrs``.
    name : str, optional
        Name of the DataArray (default ``"response"``).
    units : mapping of str to str, optional
        Units of further coordinates (``{"noise_std": "1"}``), or of the response itself under
        the key ``name`` (default ``"a.u."``, arbitrary units).
    attrs : mapping, optional
        Further attributes of the DataArray (model parameters, ...).

    Returns
    -------
    xarray.DataArray
        NumPy-backed, dims ``tuple(coords)``.

    Raises
    ------
    ValueError
        If the shape of ``values`` does not match the lengths of the coordinates.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import tuning_curve
    >>> theta = np.linspace(0, np.pi, 4, endpoint=False)
    >>> curve = tuning_curve(np.cos(theta) ** 2, {"orientation": theta})
    >>> curve.dims, curve.orientation.attrs["units"]
    (('orientation',), 'rad')
    """
    if not isinstance(coords, Mapping):
        raise TypeError(
            "coords must be a mapping of dimension name to 1-D coordinate values, e.g. "
            f"{{'orientation': theta}}, got {type(coords).__name__}"
        )
    array = np.asarray(to_numpy(values) if not isinstance(values, np.ndarray) else values)
    coordinate_values = {dim: np.asarray(value) for dim, value in coords.items()}
    expected = tuple(v.size for v in coordinate_values.values())
    if array.shape != expected:
        raise ValueError(
            f"values has shape {array.shape}, but coords {tuple(coords)} have lengths {expected}"
        )
    units = dict(units or {})
    coordinates = {}
    for dim, value in coordinate_values.items():
        coordinate_attrs = dict(DEFAULT_UNITS.get(dim, {}))
        if dim in units:
            coordinate_attrs["units"] = units[dim]
        coordinates[dim] = (dim, value.ravel(), coordinate_attrs)
    curve_attrs = {"units": units.get(name, "a.u."), **dict(attrs or {})}
    return xr.DataArray(
        array, dims=tuple(coordinate_values), coords=coordinates, name=name, attrs=curve_attrs
    )


# --------------------------------------------------------------------------------------------
# Orientation tuning metrics
# --------------------------------------------------------------------------------------------


def _check_dim(curve: xr.DataArray, dim: str, argument: str = "curve") -> None:
    if not isinstance(curve, xr.DataArray):
        raise TypeError(f"{argument} must be an xarray.DataArray, got {type(curve).__name__}")
    if dim not in curve.dims:
        raise ValueError(f"dim {dim!r} is not a dimension of {argument} (dims {curve.dims})")


def _check_period(period: float) -> float:
    if isinstance(period, bool) or not isinstance(period, (int, float, np.integer, np.floating)):
        raise ValueError(f"period must be a finite positive number of rad, got {period!r}")
    if not (math.isfinite(period) and period > 0):
        raise ValueError(f"period must be a finite positive number of rad, got {period!r}")
    if period > _FULL_TURN * (1 + 1e-9):
        raise ValueError(
            f"period is in rad whatever the units of the coordinate (π for orientation, 2π for "
            f"direction), got {period!r}; for a coordinate in degrees keep period=math.pi and "
            "set its attrs['units'] = 'deg'"
        )
    return float(period)


_FULL_TURN = 2 * math.pi
#: Angle units understood in a coordinate's ``attrs["units"]``, and their size in rad.
_ANGLE_UNITS = {
    "rad": 1.0,
    "radian": 1.0,
    "radians": 1.0,
    "deg": math.pi / 180,
    "degree": math.pi / 180,
    "degrees": math.pi / 180,
    "°": math.pi / 180,
}


def _angles_in_rad(curve: xr.DataArray, dim: str) -> np.ndarray:
    """The values of the angle coordinate ``dim`` in rad, read with its ``attrs["units"]``.

    A coordinate without units is taken to be in rad (the library's convention). A coordinate
    that spans more than a full turn cannot be an angle in its declared units (degrees
    labelled as rad, most often) and is refused rather than folded.
    """
    if dim not in curve.coords:
        raise ValueError(
            f"dim {dim!r} has no coordinate: give the angles as its coordinate values (rad, or "
            "degrees with attrs['units'] = 'deg')"
        )
    coordinate = curve[dim]
    declared = coordinate.attrs.get("units")
    units = "rad" if declared is None else str(declared).strip()
    if units.lower() not in _ANGLE_UNITS:
        raise ValueError(
            f"the {dim!r} coordinate has units {declared!r}; expected an angle in 'rad' or "
            f"'deg' (attrs['units'])"
        )
    try:
        values = np.asarray(coordinate.values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"the {dim!r} coordinate must hold angles (numbers), got dtype {coordinate.dtype}"
        ) from None
    if not np.all(np.isfinite(values)):
        raise ValueError(f"the {dim!r} coordinate holds NaN or infinite angles")
    angles = values * _ANGLE_UNITS[units.lower()]
    span = float(angles.max() - angles.min()) if angles.size else 0.0
    if span > _FULL_TURN * (1 + 1e-9):
        assumed = (
            "no units attribute, so rad is assumed" if declared is None else f"units {units!r}"
        )
        hint = (
            "; they look like degrees: set attrs['units'] = 'deg'"
            if _ANGLE_UNITS[units.lower()] == 1.0 and span <= 360 * (1 + 1e-9)
            else ""
        )
        raise ValueError(
            f"the {dim!r} coordinate spans {span / _ANGLE_UNITS[units.lower()]:g} {units} "
            f"({assumed}), more than a full turn, so its values cannot be angles in these "
            f"units{hint}"
        )
    return angles


def _in_rad(curve: xr.DataArray, dim: str) -> xr.DataArray:
    """``curve`` with its angle coordinate ``dim`` converted to rad."""
    angles = _angles_in_rad(curve, dim)
    attrs = {**curve[dim].attrs, "units": "rad"}
    return curve.assign_coords({dim: (dim, angles, attrs)})


def _in_contrast(curve: xr.DataArray, dim: str) -> xr.DataArray:
    """``curve`` with its contrast coordinate ``dim`` as Michelson contrasts in [0, 1].

    A coordinate in percent (``attrs["units"]`` ``"%"``) is divided by 100; any other
    coordinate must already lie in [0, 1] (a Michelson contrast cannot exceed 1).
    """
    coordinate = curve[dim]
    declared = str(coordinate.attrs.get("units", "1")).strip().lower()
    values = np.asarray(coordinate.values, dtype=float)
    if declared in ("%", "percent"):
        values = values / 100.0
    if not np.all(np.isfinite(values)) or np.any(values < 0) or np.any(values > 1):
        raise ValueError(
            f"the {dim!r} coordinate must hold Michelson contrasts in [0, 1] (or percentages "
            f"with attrs['units'] = '%'), got values from {np.nanmin(coordinate.values):g} to "
            f"{np.nanmax(coordinate.values):g} with units {coordinate.attrs.get('units')!r}"
        )
    attrs = {**coordinate.attrs, "units": "1"}
    return curve.assign_coords({dim: (dim, values, attrs)})


def _check_non_negative(curve: xr.DataArray, what: str) -> None:
    values = np.asarray(curve.values, dtype=float)
    if np.any(values < 0):
        raise ValueError(
            f"curve holds negative responses (min {np.nanmin(values):g}); {what} is defined for "
            "non-negative responses (rectify them, or subtract the smallest response first)"
        )


def _with_units(result: xr.DataArray, name: str, units: str, **attrs: Any) -> xr.DataArray:
    result = result.rename(name)
    result.attrs = {"units": units, **attrs}
    return result


def _sorted_on_circle(curve: xr.DataArray, dim: str, period: float) -> xr.DataArray:
    angles = np.mod(np.asarray(curve[dim].values, dtype=float), period)
    return curve.assign_coords({dim: angles}).sortby(dim)


def _vector_sum(curve: xr.DataArray, dim: str, period: float) -> tuple[xr.DataArray, xr.DataArray]:
    """Σ r·exp(i·2πθ/P) and Σ r over ``dim``."""
    angles = np.asarray(curve[dim].values, dtype=float)
    phasor = xr.DataArray(np.exp(2j * np.pi * angles / period), dims=(dim,))
    return (curve * phasor).sum(dim), curve.sum(dim)


def preferred_orientation(
    curve: xr.DataArray, dim: str = "orientation", *, period: float = math.pi
) -> xr.DataArray:
    """Preferred orientation: the direction of the vector sum of the responses.

    ``θ_pref = (P/2π)·arg Σ_k r_k exp(i·2πθ_k/P)  (mod P)``, which for a symmetric tuning curve
    is its peak, located between samples.

    Parameters
    ----------
    curve : xarray.DataArray
        Non-negative responses with dimension ``dim`` (orientations in the coordinate's
        ``attrs["units"]``, ``"rad"`` or ``"deg"``; rad when there is none).
    dim : str, optional
        The orientation dimension (default ``"orientation"``).
    period : float, optional
        Period of the tuning in rad: π for orientation (default), 2π for direction or polarity.

    Returns
    -------
    xarray.DataArray
        Preferred orientation in rad, in [0, period), over the other dimensions. NaN where all
        responses are zero.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If ``dim`` is not one of its dimensions, its units are not an angle or its span
        cannot be in them, ``period`` is not in (0, 2π] or a response is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import preferred_orientation, tuning_curve
    >>> theta = np.linspace(0, np.pi, 36, endpoint=False)
    >>> curve = tuning_curve(np.exp(2 * np.cos(2 * (theta - 0.5))), {"orientation": theta})
    >>> round(float(preferred_orientation(curve)), 6)
    0.5
    """
    _check_dim(curve, dim)
    period = _check_period(period)
    curve = _in_rad(curve, dim)
    _check_non_negative(curve, "the preferred orientation (a vector sum)")
    vector, _ = _vector_sum(curve, dim, period)
    angle = xr.apply_ufunc(np.angle, vector)
    result = np.mod(angle * period / (2 * np.pi), period).where(np.abs(vector) > 0)
    return _with_units(result, "preferred_orientation", "rad", period=period)


def circular_variance(
    curve: xr.DataArray, dim: str = "orientation", *, period: float = math.pi
) -> xr.DataArray:
    """Circular variance of a tuning curve, ``1 − |Σ r_k exp(i·2πθ_k/P)| / Σ r_k`` [R02]_.

    0 for a response at a single orientation, 1 for a flat curve. The orientations should sample
    the period uniformly.

    Parameters
    ----------
    curve : xarray.DataArray
        Non-negative responses with dimension ``dim`` (orientations in ``"rad"`` or ``"deg"``
        by the coordinate's ``attrs["units"]``; rad when there is none).
    dim : str, optional
        The orientation dimension (default ``"orientation"``).
    period : float, optional
        Period of the tuning in rad (default π).

    Returns
    -------
    xarray.DataArray
        Dimensionless, in [0, 1] for non-negative responses; NaN where all responses are zero.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If ``dim`` is not one of its dimensions, its units are not an angle or its span
        cannot be in them, ``period`` is not in (0, 2π] or a response is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import circular_variance, tuning_curve
    >>> theta = np.linspace(0, np.pi, 8, endpoint=False)
    >>> float(circular_variance(tuning_curve(np.ones(8), {"orientation": theta})))
    1.0
    """
    _check_dim(curve, dim)
    period = _check_period(period)
    curve = _in_rad(curve, dim)
    _check_non_negative(curve, "the circular variance")
    vector, total = _vector_sum(curve, dim, period)
    result = (1.0 - np.abs(vector) / total.where(total != 0)).clip(0.0, 1.0)
    return _with_units(result, "circular_variance", "1", period=period)


def _interpolate_circular(
    angles: np.ndarray, values: np.ndarray, at: float, period: float
) -> float:
    extended = np.concatenate([angles[-1:] - period, angles, angles[:1] + period])
    extended_values = np.concatenate([values[-1:], values, values[:1]])
    return float(np.interp(np.mod(at, period), extended, extended_values))


def _crossing_offset(
    angles: np.ndarray, values: np.ndarray, peak: int, level: float, step: int, period: float
) -> float:
    """Distance (rad) from the peak sample to where the curve first falls to ``level``."""
    n = values.size
    distance = 0.0
    previous = peak
    for count in range(1, n + 1):
        index = (peak + step * count) % n
        spacing = np.mod(step * (angles[index] - angles[previous]), period)
        if values[index] <= level:
            fraction = (values[previous] - level) / (values[previous] - values[index])
            return distance + fraction * spacing
        distance += spacing
        previous = index
    return math.nan


def _hwhh_linear(values: np.ndarray, angles: np.ndarray, period: float, baseline: str) -> float:
    peak = int(np.argmax(values))
    top = float(values[peak])
    bottom = float(values.min()) if baseline == "min" else 0.0
    if top <= bottom:
        return math.nan
    level = bottom + 0.5 * (top - bottom)
    right = _crossing_offset(angles, values, peak, level, +1, period)
    left = _crossing_offset(angles, values, peak, level, -1, period)
    return 0.5 * (right + left)


#: Points of the fine grid per sample interval on which the spline HWHH is evaluated: the
#: linear interpolation between them is then exact to ~1e-4 of a sample spacing.
_SPLINE_OVERSAMPLING = 64


def _hwhh_spline(values: np.ndarray, angles: np.ndarray, period: float, baseline: str) -> float:
    closed = np.append(angles, angles[0] + period)
    spline = scipy.interpolate.CubicSpline(
        closed, np.append(values, values[0]), bc_type="periodic", extrapolate="periodic"
    )
    # the peak between samples: the largest of the samples and the spline's local maxima
    extrema = spline.derivative().roots(extrapolate=False)
    candidates = np.concatenate([angles, extrema[(extrema >= closed[0]) & (extrema < closed[-1])]])
    candidate_values = spline(candidates)
    peak = float(candidates[int(np.argmax(candidate_values))])
    top = float(np.max(candidate_values))
    # the baseline from the samples: a spline through a rectified curve dips below its zeros
    bottom = float(values.min()) if baseline == "min" else 0.0
    if top <= bottom:
        return math.nan
    level = bottom + 0.5 * (top - bottom)
    steps = _SPLINE_OVERSAMPLING * values.size
    offsets = np.arange(steps + 1) * (period / steps)

    def crossing(direction: int) -> float:
        fine = spline(peak + direction * offsets)
        below = np.flatnonzero(fine <= level)
        if below.size == 0:
            return math.nan
        i = int(below[0])
        fraction = (fine[i - 1] - level) / (fine[i - 1] - fine[i])
        return float(offsets[i - 1] + fraction * (offsets[i] - offsets[i - 1]))

    return 0.5 * (crossing(+1) + crossing(-1))


def _hwhh_1d(
    values: np.ndarray, angles: np.ndarray, period: float, baseline: str, interpolation: str
) -> float:
    if not np.all(np.isfinite(values)):
        return math.nan
    if interpolation == "spline":
        return _hwhh_spline(values, angles, period, baseline)
    return _hwhh_linear(values, angles, period, baseline)


def half_width_at_half_height(
    curve: xr.DataArray,
    dim: str = "orientation",
    *,
    period: float = math.pi,
    baseline: Baseline = "min",
    interpolation: Literal["spline", "linear"] = "spline",
) -> xr.DataArray:
    """Half-width at half-height (HWHH) of an orientation tuning curve, on the circular domain.

    With ``interpolation="spline"`` (default) the samples are interpolated by a periodic cubic
    spline; the peak is the spline's maximum (between samples, where the true peak lies
    between them), and the half-height crossings on either side are found on the spline. The
    estimate then hardly depends on the sampling density: a curve sampled every 5–10° gives
    the same HWHH to a few hundredths of a degree for smooth tuning, where linear
    interpolation between samples is biased by up to a few tenths of a degree (it
    overestimates the width of a curve that is concave near its half height).

    With ``interpolation="linear"``, from the largest sample the curve is followed in both
    directions (wrapping around the period) to the first sample at or below the half height;
    the crossing is found by linear interpolation between that sample and the one before.

    In both cases the HWHH is half the angular distance between the two crossings, so it does
    not depend on where the peak lies relative to the samples.

    Parameters
    ----------
    curve : xarray.DataArray
        Responses with dimension ``dim`` (orientations in any order and sampling, in ``"rad"``
        or ``"deg"`` by the coordinate's ``attrs["units"]``; rad when there is none).
    dim : str, optional
        The orientation dimension (default ``"orientation"``).
    period : float, optional
        Period of the tuning in rad (default π).
    baseline : {"min", "zero"}, optional
        Half height is measured above the curve's smallest sample (default; the convention of
        bandwidths measured on curves with a spontaneous rate, [DV82]_) or above zero.
    interpolation : {"spline", "linear"}, optional
        Periodic cubic spline (default; needs at least 4 distinct orientations) or linear
        interpolation between samples.

    Returns
    -------
    xarray.DataArray
        HWHH in rad over the other dimensions; NaN for flat or non-finite curves.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If ``dim`` is not one of its dimensions, its units are not an angle or its span
        cannot be in them, ``period`` is not in (0, 2π], ``baseline`` or
        ``interpolation`` is unknown, or ``interpolation="spline"`` and the curve has fewer
        than 4 orientations or repeats one (modulo the period).

    Examples
    --------
    A von Mises curve ``exp(κ(cos 2θ − 1))`` has HWHH ``arccos(1 − ln 2/κ)/2`` above zero;
    sampled every 7.5°, its HWHH is recovered to 0.001 rad (0.06°):

    >>> import numpy as np
    >>> from v1pushpull.analysis import half_width_at_half_height, tuning_curve
    >>> theta = np.linspace(0, np.pi, 24, endpoint=False)
    >>> curve = tuning_curve(np.exp(4 * (np.cos(2 * (theta - 0.3)) - 1)), {"orientation": theta})
    >>> measured = float(half_width_at_half_height(curve, baseline="zero"))
    >>> bool(abs(measured - np.arccos(1 - np.log(2) / 4) / 2) < 1e-3)
    True
    """
    _check_dim(curve, dim)
    period = _check_period(period)
    if baseline not in ("min", "zero"):
        raise ValueError(f"baseline must be 'min' or 'zero', got {baseline!r}")
    if interpolation not in ("spline", "linear"):
        raise ValueError(f"interpolation must be 'spline' or 'linear', got {interpolation!r}")
    ordered = _sorted_on_circle(_in_rad(curve, dim), dim, period)
    angles = ordered[dim].values
    if interpolation == "spline" and (angles.size < 4 or np.any(np.diff(angles) <= 0)):
        raise ValueError(
            f"interpolation='spline' needs at least 4 distinct orientations (mod {period:g} "
            f"rad) along {dim!r}, got {angles.size} values {np.round(angles, 4).tolist()[:8]}"
        )
    result = xr.apply_ufunc(
        _hwhh_1d,
        ordered,
        input_core_dims=[[dim]],
        vectorize=True,
        kwargs={
            "angles": angles,
            "period": period,
            "baseline": baseline,
            "interpolation": interpolation,
        },
    )
    return _with_units(
        result, "hwhh", "rad", baseline=baseline, period=period, interpolation=interpolation
    )


def orientation_selectivity_index(
    curve: xr.DataArray, dim: str = "orientation", *, period: float = math.pi
) -> xr.DataArray:
    """Orientation selectivity index ``(R_pref − R_orth)/(R_pref + R_orth)``.

    ``R_pref`` is the largest response; ``R_orth`` the response a quarter turn (π/2) away from
    its orientation, interpolated linearly on the circle (the mean of both sides when the
    period is 2π).

    Parameters
    ----------
    curve : xarray.DataArray
        Non-negative responses with dimension ``dim`` (orientations in ``"rad"`` or ``"deg"``
        by the coordinate's ``attrs["units"]``; rad when there is none).
    dim : str, optional
        The orientation dimension (default ``"orientation"``).
    period : float, optional
        Period of the tuning in rad (default π).

    Returns
    -------
    xarray.DataArray
        Dimensionless, in [0, 1] for non-negative responses (1: no response at the orthogonal
        orientation); NaN where the curve is zero.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If ``dim`` is not one of its dimensions, its units are not an angle or its span
        cannot be in them, ``period`` is not in (0, 2π] or a response is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import orientation_selectivity_index, tuning_curve
    >>> theta = np.linspace(0, np.pi, 4, endpoint=False)
    >>> curve = tuning_curve(np.array([3.0, 2.0, 1.0, 2.0]), {"orientation": theta})
    >>> float(orientation_selectivity_index(curve))
    0.5
    """
    _check_dim(curve, dim)
    period = _check_period(period)
    curve = _in_rad(curve, dim)
    _check_non_negative(curve, "the orientation selectivity index")
    ordered = _sorted_on_circle(curve, dim, period)
    angles = ordered[dim].values

    def osi(values: np.ndarray) -> float:
        peak = int(np.argmax(values))
        preferred = float(values[peak])
        orthogonal = 0.5 * (
            _interpolate_circular(angles, values, angles[peak] + math.pi / 2, period)
            + _interpolate_circular(angles, values, angles[peak] - math.pi / 2, period)
        )
        total = preferred + orthogonal
        return (preferred - orthogonal) / total if total > 0 else math.nan

    result = xr.apply_ufunc(osi, ordered, input_core_dims=[[dim]], vectorize=True)
    return _with_units(result, "osi", "1", period=period)


def contrast_invariance_index(hwhh: xr.DataArray, dim: str = "contrast") -> xr.DataArray:
    """Spread of the tuning width across contrasts: ``(max − min)/mean`` of the HWHH.

    0 for a tuning width that does not change with contrast; 0.3 means the HWHH varies by 30 %
    of its mean across the contrasts tested. Contrasts at which the width is undefined (NaN: no
    response) are skipped, so read the index together with the contrasts that gave a response.

    Parameters
    ----------
    hwhh : xarray.DataArray
        Tuning widths (any unit) with dimension ``dim``, e.g. from
        :func:`half_width_at_half_height`.
    dim : str, optional
        The contrast dimension (default ``"contrast"``).

    Returns
    -------
    xarray.DataArray
        Dimensionless index over the other dimensions (NaN if fewer than two finite widths).

    Raises
    ------
    TypeError
        If ``hwhh`` is not a DataArray.
    ValueError
        If ``dim`` is not one of its dimensions.

    Examples
    --------
    >>> import xarray as xr
    >>> from v1pushpull.analysis import contrast_invariance_index
    >>> widths = xr.DataArray([0.3, 0.4, 0.5], dims="contrast")
    >>> round(float(contrast_invariance_index(widths)), 6)
    0.5
    """
    _check_dim(hwhh, dim, "hwhh")
    finite = hwhh.notnull().sum(dim)
    spread = (hwhh.max(dim) - hwhh.min(dim)) / hwhh.mean(dim)
    return _with_units(spread.where(finite >= 2), "contrast_invariance_index", "1")


# --------------------------------------------------------------------------------------------
# Spatial frequency
# --------------------------------------------------------------------------------------------


def _sf_bandwidth_1d(values: np.ndarray, log_frequency: np.ndarray) -> np.ndarray:
    nan = np.array([math.nan, math.nan, math.nan])
    if not np.all(np.isfinite(values)):
        return nan
    peak = int(np.argmax(values))
    top = float(values[peak])
    if top <= 0:
        return nan
    level = 0.5 * top

    def crossing(step: int) -> float:
        index = peak
        while 0 <= index + step < values.size:
            following = index + step
            if values[following] <= level:
                fraction = (values[index] - level) / (values[index] - values[following])
                return log_frequency[index] + fraction * (
                    log_frequency[following] - log_frequency[index]
                )
            index = following
        return math.nan

    low, high = crossing(-1), crossing(+1)
    return np.array([high - low, 2.0 ** log_frequency[peak], 2.0 ** (0.5 * (low + high))])


def spatial_frequency_bandwidth(curve: xr.DataArray, dim: str = "spatial_frequency") -> xr.Dataset:
    """Spatial-frequency bandwidth in octaves, at half the peak response.

    ``bandwidth = log2(f_high / f_low)``, where ``f_low < f_peak < f_high`` are the frequencies
    at which the response falls to half its maximum, interpolated linearly in log frequency.
    If the curve does not fall to half on one side within the sampled range (low-pass or
    high-pass), the bandwidth is NaN, not a lower bound.

    Parameters
    ----------
    curve : xarray.DataArray
        Non-negative responses with dimension ``dim`` (frequencies > 0, cycles/px).
    dim : str, optional
        The frequency dimension (default ``"spatial_frequency"``).

    Returns
    -------
    xarray.Dataset
        ``bandwidth`` (octaves), ``peak_frequency`` (the sampled frequency of the largest
        response) and ``centre_frequency`` (geometric mean of the half-height frequencies), in
        the units of ``dim``, over the other dimensions.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If ``dim`` is not one of its dimensions, its units are those of a wavelength or an
        angle, or a frequency is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import spatial_frequency_bandwidth, tuning_curve
    >>> f = 2.0 ** np.linspace(-6, -1, 51)
    >>> gauss = np.exp(-((np.log2(f) + 3.5) ** 2) / (2 * 0.5**2))
    >>> result = spatial_frequency_bandwidth(tuning_curve(gauss, {"spatial_frequency": f}))
    >>> round(float(result.bandwidth), 2)  # 2·sqrt(2 ln 2)·0.5 octaves
    1.18
    """
    _check_dim(curve, dim)
    units = str(curve[dim].attrs.get("units", "cycles/px")).strip().lower()
    if units in ("px", "pixel", "pixels", "deg", "rad"):
        raise ValueError(
            f"the {dim!r} coordinate has units {units!r}, not a spatial frequency; give "
            "frequencies (cycles/px, e.g. 1 / wavelength) with their units in attrs['units']"
        )
    frequencies = np.asarray(curve[dim].values, dtype=float)
    if np.any(~(frequencies > 0)):
        raise ValueError(f"{dim} values must be positive frequencies, got {frequencies!r}")
    ordered = curve.sortby(dim)
    log_frequency = np.log2(ordered[dim].values.astype(float))
    result = xr.apply_ufunc(
        _sf_bandwidth_1d,
        ordered,
        input_core_dims=[[dim]],
        output_core_dims=[["quantity"]],
        vectorize=True,
        kwargs={"log_frequency": log_frequency},
    )
    units = curve[dim].attrs.get("units", "cycles/px")
    return xr.Dataset(
        {
            "bandwidth": _with_units(result.isel(quantity=0, drop=True), "bandwidth", "octaves"),
            "peak_frequency": _with_units(
                result.isel(quantity=1, drop=True), "peak_frequency", units
            ),
            "centre_frequency": _with_units(
                result.isel(quantity=2, drop=True), "centre_frequency", units
            ),
        }
    )


def separability_index(curve: xr.DataArray, dims: tuple[str, str]) -> xr.DataArray:
    """How well a two-dimensional tuning surface factorises into a product of two curves.

    The surface ``R(a, b)`` (e.g. orientation × spatial frequency) is decomposed by singular
    values ``s₁ ≥ s₂ ≥ …``; the index is ``s₁² / Σ sᵢ²``, the fraction of the surface's energy
    captured by the best separable approximation ``u(a)·v(b)``. 1 means fully separable (the
    orientation tuning has the same shape at every spatial frequency).

    Parameters
    ----------
    curve : xarray.DataArray
        Responses with both dimensions in ``dims``; others are kept.
    dims : (str, str)
        The two dimensions of the surface.

    Returns
    -------
    xarray.DataArray
        Dimensionless, in (0, 1]; NaN for an all-zero surface.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If a dimension is missing.

    Examples
    --------
    >>> import numpy as np
    >>> import xarray as xr
    >>> from v1pushpull.analysis import separability_index
    >>> surface = xr.DataArray(np.outer([1.0, 2.0, 1.0], [0.5, 1.0]), dims=("a", "b"))
    >>> round(float(separability_index(surface, ("a", "b"))), 12)
    1.0
    """
    if isinstance(dims, str) or len(dims) != 2 or dims[0] == dims[1]:
        raise ValueError(f"dims must be two different dimension names, got {dims!r}")
    first, second = dims
    _check_dim(curve, first)
    _check_dim(curve, second)

    def index(matrix: np.ndarray) -> float:
        singular = np.linalg.svd(matrix, compute_uv=False)
        energy = float(np.sum(singular**2))
        return float(singular[0] ** 2) / energy if energy > 0 else math.nan

    result = xr.apply_ufunc(index, curve, input_core_dims=[[first, second]], vectorize=True)
    return _with_units(result, "separability_index", "1")


def contrast_saturation_index(
    curve: xr.DataArray, dim: str = "contrast", *, low: float = 0.5, high: float = 1.0
) -> xr.DataArray:
    """Saturation of a contrast-response curve between two contrasts.

    ``1 − (R(high)/R(low) − 1)/(high/low − 1)``: 0 for a response proportional to contrast, 1
    for a response that no longer grows (fully saturated), negative for an expansive response
    (e.g. above a threshold). The responses are interpolated linearly at ``low`` and ``high``.

    Parameters
    ----------
    curve : xarray.DataArray
        Responses with dimension ``dim`` (contrast in [0, 1]).
    dim : str, optional
        The contrast dimension (default ``"contrast"``).
    low, high : float, optional
        The two contrasts compared, ``0 < low < high`` (default 0.5 and 1).

    Returns
    -------
    xarray.DataArray
        Dimensionless; NaN where ``R(low) ≤ 0``.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If ``dim`` is missing, its values are not Michelson contrasts in [0, 1] (or
        percentages with ``attrs["units"] = "%"``), or ``low``, ``high`` are not
        ``0 < low < high`` within the sampled contrasts.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import contrast_saturation_index, naka_rushton, tuning_curve
    >>> c = np.linspace(0.1, 1, 10)
    >>> round(float(contrast_saturation_index(tuning_curve(3 * c, {"contrast": c}))), 12)
    0.0
    >>> nr = naka_rushton(c, r_max=1.0, c50=0.1, exponent=2.0)
    >>> round(float(contrast_saturation_index(tuning_curve(nr, {"contrast": c}))), 3)
    0.97
    """
    _check_dim(curve, dim)
    curve = _in_contrast(curve, dim)
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high, got low={low!r}, high={high!r}")
    sampled = np.asarray(curve[dim].values, dtype=float)
    if low < sampled.min() or high > sampled.max():
        raise ValueError(
            f"low={low!r} and high={high!r} must lie within the sampled {dim} range "
            f"[{sampled.min():g}, {sampled.max():g}] (the responses are interpolated, not "
            "extrapolated)"
        )
    ordered = curve.sortby(dim)
    at_low = ordered.interp({dim: low}).drop_vars(dim)
    at_high = ordered.interp({dim: high}).drop_vars(dim)
    ratio = at_high / at_low.where(at_low > 0)
    result = 1.0 - (ratio - 1.0) / (high / low - 1.0)
    return _with_units(result, "saturation_index", "1", low=low, high=high)


# --------------------------------------------------------------------------------------------
# Fits
# --------------------------------------------------------------------------------------------


def naka_rushton(
    contrast: Any, r_max: float, c50: float, exponent: float, baseline: float = 0.0
) -> np.ndarray:
    """Naka–Rushton contrast-response function ``R = R_max·cⁿ/(cⁿ + c50ⁿ) + R_0``.

    Parameters
    ----------
    contrast : array_like
        Contrast in [0, 1].
    r_max : float
        Response range above the baseline (response units).
    c50 : float
        Semi-saturation contrast (the response is half-way at ``c = c50``), > 0.
    exponent : float
        Exponent n (steepness), > 0.
    baseline : float, optional
        Response at zero contrast R_0 (default 0).

    Returns
    -------
    numpy.ndarray
        Responses, the shape of ``contrast`` (NaN for NaN parameters, e.g. of a failed fit).

    Raises
    ------
    ValueError
        If a contrast is negative, or ``c50`` or ``exponent`` is not positive.

    Examples
    --------
    >>> from v1pushpull.analysis import naka_rushton
    >>> float(naka_rushton(0.2, r_max=10.0, c50=0.2, exponent=2.0))
    5.0
    """
    c = np.asarray(contrast, dtype=float)
    if np.any(c < 0):
        raise ValueError(f"contrast must be non-negative (Michelson contrast), got {contrast!r}")
    # NaN parameters (a failed fit) give NaN responses; a non-positive one is a mistake
    for name, value in (("c50", c50), ("exponent", exponent)):
        if value <= 0:
            raise ValueError(f"{name} must be > 0, got {value!r}")
    return _naka_rushton(c, r_max, c50, exponent, baseline)


def _naka_rushton(
    c: np.ndarray, r_max: float, c50: float, exponent: float, baseline: float = 0.0
) -> np.ndarray:
    # the fits' model: their bounds keep c50 and the exponent positive
    powered = c**exponent
    return r_max * powered / (powered + c50**exponent) + baseline


def von_mises(
    orientation: Any,
    amplitude: float,
    preferred: float,
    concentration: float,
    baseline: float = 0.0,
    *,
    period: float = math.pi,
) -> np.ndarray:
    """Von Mises tuning curve ``R = A·exp(κ·(cos(2π(θ − θ_pref)/P) − 1)) + R_0``.

    The peak response is ``A + R_0`` at ``θ_pref``; the half-width at half-height above
    ``R_0`` is ``(P/2π)·arccos(1 − ln 2/κ)`` (defined for ``κ ≥ ln 2 / 2``).

    Parameters
    ----------
    orientation : array_like
        Orientations in rad.
    amplitude : float
        Peak response above the baseline, A.
    preferred : float
        Preferred orientation θ_pref in rad.
    concentration : float
        Concentration κ ≥ 0 (larger is narrower).
    baseline : float, optional
        Baseline R_0 (default 0).
    period : float, optional
        Period P in rad (default π).

    Returns
    -------
    numpy.ndarray
        Responses, the shape of ``orientation``.

    Raises
    ------
    ValueError
        If ``concentration`` is negative or ``period`` is not in (0, 2π].

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import von_mises
    >>> float(von_mises(0.3, amplitude=2.0, preferred=0.3, concentration=5.0))
    2.0
    """
    if concentration < 0:
        raise ValueError(f"concentration must be >= 0 (κ < 0 is anti-tuned), got {concentration!r}")
    period = _check_period(period)
    return _von_mises(
        np.asarray(orientation, dtype=float), amplitude, preferred, concentration, baseline, period
    )


def _von_mises(
    theta: np.ndarray,
    amplitude: float,
    preferred: float,
    concentration: float,
    baseline: float,
    period: float,
) -> np.ndarray:
    # the fit's model: its bounds keep the concentration non-negative
    return (
        amplitude * np.exp(concentration * (np.cos(2 * np.pi * (theta - preferred) / period) - 1))
        + baseline
    )


def _fit_dataset(
    curve: xr.DataArray,
    dim: str,
    names: Sequence[str],
    units: Sequence[str],
    fit_one: Callable[[np.ndarray, np.ndarray, np.ndarray | None], tuple[np.ndarray, np.ndarray]],
    noise: xr.DataArray | None,
    attrs: Mapping[str, Any],
) -> xr.Dataset:
    """Fit every 1-D slice of ``curve`` along ``dim`` and gather values and standard errors."""
    x = np.asarray(curve[dim].values, dtype=float)
    other_dims = [d for d in curve.dims if d != dim]
    moved = curve.transpose(*other_dims, dim)
    data = moved.values.reshape(-1, x.size)
    if noise is not None:
        noise_values = np.broadcast_to(
            noise.broadcast_like(curve).transpose(*other_dims, dim).values, moved.shape
        ).reshape(-1, x.size)
    estimates = np.full((data.shape[0], len(names)), math.nan)
    errors = np.full_like(estimates, math.nan)
    for row in range(data.shape[0]):
        sigma = None if noise is None else noise_values[row]
        estimates[row], errors[row] = fit_one(x, data[row], sigma)
    shape = tuple(curve.sizes[d] for d in other_dims)
    coords = {d: curve[d] for d in other_dims if d in curve.coords}
    variables = {}
    for index, (parameter, unit) in enumerate(zip(names, units, strict=True)):
        for suffix, table in (("", estimates), ("_stderr", errors)):
            variables[parameter + suffix] = xr.DataArray(
                table[:, index].reshape(shape),
                dims=other_dims,
                coords=coords,
                attrs={"units": unit},
            )
    return xr.Dataset(variables, attrs=dict(attrs))


def _curve_fit(
    function: Callable[..., np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    p0: Sequence[float],
    bounds: tuple[Sequence[float], Sequence[float]],
    sigma: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    nan = np.full(len(p0), math.nan)
    finite = np.isfinite(y)
    if finite.sum() <= len(p0):
        return nan, nan
    try:
        estimate, covariance = scipy.optimize.curve_fit(
            function,
            x[finite],
            y[finite],
            p0=p0,
            bounds=bounds,
            sigma=None if sigma is None else sigma[finite],
            absolute_sigma=sigma is not None,
            maxfev=20000,
        )
    except (RuntimeError, ValueError):  # no convergence, or a degenerate curve
        return nan, nan
    with np.errstate(invalid="ignore"):
        errors = np.sqrt(np.diag(covariance))
    return estimate, errors


def fit_naka_rushton(
    curve: xr.DataArray,
    dim: str = "contrast",
    *,
    noise_std: float | xr.DataArray | None = None,
    fit_baseline: bool = True,
) -> xr.Dataset:
    """Least-squares fit of :func:`naka_rushton` to contrast-response curves.

    Parameters
    ----------
    curve : xarray.DataArray
        Responses with dimension ``dim`` (contrast in [0, 1]); every other dimension (``model``,
        ...) is fitted separately. More points than fitted parameters are needed (5 with the
        baseline, 4 without).
    dim : str, optional
        The contrast dimension (default ``"contrast"``).
    noise_std : float or xarray.DataArray, optional
        Known standard deviation of each response. When given, the standard errors are absolute
        (``absolute_sigma=True`` in :func:`scipy.optimize.curve_fit`); otherwise they are scaled
        by the residual variance of the fit.
    fit_baseline : bool, optional
        Fit the baseline R_0 (default) or fix it at 0.

    Returns
    -------
    xarray.Dataset
        Variables ``r_max``, ``c50``, ``exponent``, ``baseline`` and their one-sigma standard
        errors ``r_max_stderr``, ... over the other dimensions. NaN where the fit fails.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If ``dim`` is not one of its dimensions, its values are not Michelson contrasts in
        [0, 1] (or percentages with ``attrs["units"] = "%"``), ``noise_std`` is not positive
        or the curve has no more points than parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import fit_naka_rushton, naka_rushton, tuning_curve
    >>> c = np.linspace(0.02, 1, 12)
    >>> fit = fit_naka_rushton(tuning_curve(naka_rushton(c, 1.0, 0.3, 2.5), {"contrast": c}))
    >>> round(float(fit.c50), 3), round(float(fit.exponent), 3)
    (0.3, 2.5)
    """
    _check_dim(curve, dim)
    curve = _in_contrast(curve, dim)
    _check_enough_points(curve, dim, 4 if fit_baseline else 3, "fit_naka_rushton")
    noise = _noise_array(noise_std)

    def fit_one(x: np.ndarray, y: np.ndarray, sigma: np.ndarray | None):
        top = float(np.nanmax(np.abs(y))) if np.any(np.isfinite(y)) else 1.0
        top = top if top > 0 else 1.0
        increasing = np.nanmax(y) - np.nanmin(y)
        half = np.nanmin(y) + 0.5 * increasing
        above = x[np.nan_to_num(y, nan=-np.inf) >= half]
        c50 = float(above.min()) if above.size and above.min() > 0 else float(np.median(x))
        if fit_baseline:
            p0 = [max(increasing, 1e-12 * top), c50, 2.0, float(np.nanmin(y))]
            bounds = ([0.0, 1e-6, 0.05, -np.inf], [np.inf, 100.0, 20.0, np.inf])
            return _curve_fit(_naka_rushton, x, y, p0, bounds, sigma)
        p0 = [max(float(np.nanmax(y)), 1e-12 * top), c50, 2.0]
        bounds = ([0.0, 1e-6, 0.05], [np.inf, 100.0, 20.0])
        estimate, errors = _curve_fit(
            lambda c, r, c50_, n: _naka_rushton(c, r, c50_, n), x, y, p0, bounds, sigma
        )
        return np.append(estimate, 0.0), np.append(errors, 0.0)

    units = curve.attrs.get("units", "a.u.")
    return _fit_dataset(
        curve,
        dim,
        ("r_max", "c50", "exponent", "baseline"),
        (units, "1", "1", units),
        fit_one,
        noise,
        {"function": "R = r_max * c**n / (c**n + c50**n) + baseline"},
    )


def _check_enough_points(curve: xr.DataArray, dim: str, parameters: int, function: str) -> None:
    # a least-squares fit with standard errors needs more points than parameters
    if curve.sizes[dim] <= parameters:
        raise ValueError(
            f"{function} fits {parameters} parameters, so curve needs more than {parameters} "
            f"points along {dim!r} to fit them with standard errors, got {curve.sizes[dim]}"
        )


def _noise_array(noise_std: float | xr.DataArray | None) -> xr.DataArray | None:
    if noise_std is None:
        return None
    noise = noise_std if isinstance(noise_std, xr.DataArray) else xr.DataArray(noise_std)
    if not np.all(np.asarray(noise.values) > 0):
        raise ValueError(f"noise_std must be positive, got {noise_std!r}")
    return noise


def fit_von_mises(
    curve: xr.DataArray,
    dim: str = "orientation",
    *,
    period: float = math.pi,
    noise_std: float | xr.DataArray | None = None,
) -> xr.Dataset:
    """Least-squares fit of :func:`von_mises` to orientation tuning curves.

    Parameters
    ----------
    curve : xarray.DataArray
        Responses with dimension ``dim`` (orientations in ``"rad"`` or ``"deg"`` by the
        coordinate's ``attrs["units"]``; rad when there is none); other dimensions are fitted
        separately. More than 4 orientations are needed.
    dim : str, optional
        The orientation dimension (default ``"orientation"``).
    period : float, optional
        Period of the tuning in rad (default π).
    noise_std : float or xarray.DataArray, optional
        Known standard deviation of each response (absolute standard errors); otherwise the
        errors are scaled by the residual variance.

    Returns
    -------
    xarray.Dataset
        ``amplitude``, ``preferred`` (rad, in [0, period)), ``concentration``, ``baseline``,
        their standard errors (``*_stderr``), and the ``hwhh`` (rad) of the fitted curve above
        its baseline (NaN for ``κ < ln 2 / 2``, a curve that never falls to half).

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If ``dim`` is not one of its dimensions, its units are not an angle or its span
        cannot be in them, ``period`` is not in (0, 2π], ``noise_std`` is not positive or
        the curve has 4 orientations or fewer.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import fit_von_mises, tuning_curve, von_mises
    >>> theta = np.linspace(0, np.pi, 24, endpoint=False)
    >>> curve = tuning_curve(von_mises(theta, 1.0, 1.2, 3.0, 0.1), {"orientation": theta})
    >>> round(float(fit_von_mises(curve).concentration), 4)
    3.0
    """
    _check_dim(curve, dim)
    period = _check_period(period)
    curve = _in_rad(curve, dim)
    _check_enough_points(curve, dim, 4, "fit_von_mises")
    noise = _noise_array(noise_std)

    def model(theta: np.ndarray, amplitude: float, preferred: float, kappa: float, base: float):
        return _von_mises(theta, amplitude, preferred, kappa, base, period)

    def fit_one(x: np.ndarray, y: np.ndarray, sigma: np.ndarray | None):
        if not np.any(np.isfinite(y)) or np.nanmax(y) <= np.nanmin(y):
            return np.full(4, math.nan), np.full(4, math.nan)
        peak = x[int(np.nanargmax(y))]
        p0 = [float(np.nanmax(y) - np.nanmin(y)), float(peak), 2.0, float(np.nanmin(y))]
        lower = [0.0, peak - period / 2, 0.0, -np.inf]
        upper = [np.inf, peak + period / 2, 1e4, np.inf]
        estimate, errors = _curve_fit(model, x, y, p0, (lower, upper), sigma)
        estimate[1] = np.mod(estimate[1], period)
        return estimate, errors

    result = _fit_dataset(
        curve,
        dim,
        ("amplitude", "preferred", "concentration", "baseline"),
        (curve.attrs.get("units", "a.u."), "rad", "1", curve.attrs.get("units", "a.u.")),
        fit_one,
        noise,
        {
            "function": "R = amplitude * exp(kappa * (cos(2 pi (theta - preferred) / P) - 1)) "
            "+ baseline",
            "period": period,
        },
    )
    kappa = result.concentration
    cosine = (1.0 - math.log(2.0) / kappa.where(kappa > 0)).where(kappa >= math.log(2.0) / 2)
    result["hwhh"] = _with_units(
        xr.apply_ufunc(np.arccos, cosine) * period / (2 * np.pi), "hwhh", "rad"
    )
    return result


# --------------------------------------------------------------------------------------------
# Signal-to-noise ratio
# --------------------------------------------------------------------------------------------


def signal_to_noise_ratio(
    responses: Any,
    signal_mask: Any,
    background_mask: Any | None = None,
) -> Any:
    """SNR of response maps: mean response on the signal / standard deviation on the background.

    This is the measure of [A14]_: a cell that answers the stimulus strongly and the noise
    around it weakly has a high SNR.

    Parameters
    ----------
    responses : array or xarray.DataArray, shape (..., H, W)
        Response maps (any backend; a DataArray must have dims ``y`` and ``x`` last).
    signal_mask : array_like of bool, shape (H, W)
        Pixels where the stimulus (edge, bar) is: booleans, or integers 0/1.
    background_mask : array_like of bool, shape (H, W), optional
        Background pixels, disjoint from ``signal_mask``; default every pixel outside it.

    Returns
    -------
    numpy.ndarray or xarray.DataArray, shape (...)
        The SNR (dimensionless), a DataArray over the leading dims for a DataArray input.
        ``inf`` where the background response is constant and the signal response positive.

    Raises
    ------
    TypeError
        If a mask is not boolean (or 0/1 integers): a float map is not a mask.
    ValueError
        If a mask does not have shape (H, W) or selects no pixel, the masks overlap, or the
        signal leaves no background.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import signal_to_noise_ratio
    >>> maps = np.array([[[0.0, 1.0], [4.0, 4.0]]])
    >>> signal = np.array([[False, False], [True, True]])
    >>> signal_to_noise_ratio(maps, signal)
    array([8.])
    """
    labelled = isinstance(responses, xr.DataArray)
    if labelled:
        if responses.dims[-2:] != ("y", "x"):
            raise ValueError(f"responses must have dims (..., 'y', 'x'), got {responses.dims}")
        values = responses.values
    else:
        values, _ = as_float_images(responses, "responses", check_finite=False)
        values = np.asarray(to_numpy(values))
    shape = values.shape[-2:]
    signal = _check_mask(signal_mask, shape, "signal_mask")
    if background_mask is None:
        background = ~signal
        if not background.any():
            raise ValueError(
                "signal_mask selects every pixel, so no background is left for the noise; "
                "pass a smaller signal_mask or a background_mask"
            )
    else:
        background = _check_mask(background_mask, shape, "background_mask")
        if np.any(background & signal):
            raise ValueError(
                f"background_mask and signal_mask overlap on {int(np.sum(background & signal))} "
                "pixels; a pixel is either signal or background"
            )
    mean_signal = values[..., signal].mean(axis=-1)
    noise = values[..., background].std(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.where(noise > 0, mean_signal / np.where(noise > 0, noise, 1.0), np.inf)
    snr = np.where((noise == 0) & ~(mean_signal > 0), np.nan, snr)
    if not labelled:
        return snr
    leading = responses.dims[:-2]
    coords = {d: responses[d] for d in leading if d in responses.coords}
    return xr.DataArray(snr, dims=leading, coords=coords, name="snr", attrs={"units": "1"})


def _check_mask(mask: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    mask = np.asarray(to_numpy(mask) if not isinstance(mask, np.ndarray) else mask)
    if mask.dtype != bool:
        # 0/1 integers are a mask too; a float "mask" is more likely a weight map or an
        # image, whose every non-zero pixel would count
        integer = np.issubdtype(mask.dtype, np.integer)
        if not integer or not np.all((mask == 0) | (mask == 1)):
            raise TypeError(
                f"{name} must be a boolean mask (or 0/1 integers), got dtype {mask.dtype}; "
                f"threshold it first, e.g. {name} > 0.5"
            )
    if mask.shape != shape:
        raise ValueError(f"{name} must have the image shape {shape}, got {mask.shape}")
    mask = mask.astype(bool)
    if not mask.any():
        raise ValueError(f"{name} selects no pixel")
    return mask


# --------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------


def save_netcdf(dataset: xr.Dataset, path: str | Path) -> Path:
    """Write a Dataset to a self-describing netCDF-3 file with SciPy (no extra dependency).

    The file is written atomically (a temporary file beside it, fsync'd, then renamed), by the
    one writer of the package, :func:`v1pushpull._io.write_netcdf`.

    netCDF-3 has no boolean, 64-bit integer or nested attribute types, so attributes are
    converted first: booleans → 0/1, integers → int32 (or float if too large), numeric
    sequences → float arrays, anything else (None, dicts) → its string. Integer and boolean
    variables are stored as int32 or float64. Read the file back with
    :func:`xarray.open_dataset`.

    Parameters
    ----------
    dataset : xarray.Dataset
        The results; it is not modified.
    path : str or pathlib.Path
        Output file (parent folders are created).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If ``dataset`` is not an :class:`xarray.Dataset`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import xarray as xr
    >>> from v1pushpull.analysis import save_netcdf
    >>> ds = xr.Dataset({"r": ("contrast", [0.0, 1.0])}, attrs={"quick": True})
    >>> path = save_netcdf(ds, pathlib.Path(tempfile.mkdtemp()) / "r.nc")
    >>> int(xr.open_dataset(path).attrs["quick"])
    1
    """
    if not isinstance(dataset, xr.Dataset):
        raise TypeError(f"dataset must be an xarray.Dataset, got {type(dataset).__name__}")
    from ._io import write_netcdf

    return write_netcdf(dataset, path)
