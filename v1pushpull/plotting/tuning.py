"""Figures of tuning curves: Cartesian and polar curves, grids of panels, widths against contrast.

Every function takes an :class:`xarray.DataArray` with named dimensions (as made by
:func:`v1pushpull.analysis.tuning_curve`) and draws into a given matplotlib ``Axes`` (or a new
one), returning it, so figures compose. Angles are stored in radians and shown in degrees.
Colours: one fixed colour per model (:data:`MODEL_COLORS`) and a sequential colour map for
ordered quantities such as contrast (:data:`SEQUENTIAL_CMAP`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis import _angles_in_rad

__all__ = [
    "MODEL_COLORS",
    "MODEL_LABELS",
    "SEQUENTIAL_CMAP",
    "curve_grid",
    "kernel_gallery",
    "line_styles",
    "model_color",
    "model_label",
    "polar_tuning",
    "tuning_curves",
    "width_against_contrast",
]

#: A fixed colour for each model name used by the studies, so a model looks the same in every
#: figure (colour-blind-safe Okabe–Ito palette, and Paul Tol's olive).
MODEL_COLORS: dict[str, str] = {
    "gabor": "#0072B2",
    "gabor_threshold": "#56B4E9",
    "gabor_energy": "#009E73",
    "gabor_surround": "#999933",
    "pushpull_gabor": "#E69F00",
    "corf": "#CC79A7",
    "pushpull_corf": "#D55E00",
    "corf_corrected": "#882255",
    "pushpull_corf_corrected": "#AA4499",
    "canny": "#000000",
}

#: Human-readable names of the models, for legends and titles.
MODEL_LABELS: dict[str, str] = {
    "gabor": "Gabor (rectified)",
    "gabor_threshold": "Gabor + threshold",
    "gabor_energy": "Gabor energy",
    "gabor_surround": "Gabor + surround inhibition",
    "pushpull_gabor": "push-pull Gabor",
    "corf": "CORF",
    "pushpull_corf": "push-pull CORF",
    "corf_corrected": "CORF (corrected)",
    "pushpull_corf_corrected": "push-pull CORF (corrected)",
    "canny": "Canny",
}

#: Colour map for ordered quantities (contrast, noise level).
SEQUENTIAL_CMAP = "viridis"

_DEGREE_DIMS = ("orientation", "phase", "mask_orientation")
_DEG = ("deg", "degree", "degrees", "°")


def model_color(name: str) -> str:
    """Colour of a model in every figure (grey for models without an assigned colour).

    Parameters
    ----------
    name : str
        Model name as used in the ``model`` dimension of the studies' results.

    Returns
    -------
    str
        A matplotlib colour.

    Examples
    --------
    >>> from v1pushpull.plotting import model_color
    >>> model_color("corf")
    '#CC79A7'
    """
    return MODEL_COLORS.get(str(name), "#777777")


def model_label(name: str) -> str:
    """Human-readable label of a model name (the name itself if it has none).

    Parameters
    ----------
    name : str
        Model name.

    Returns
    -------
    str

    Examples
    --------
    >>> from v1pushpull.plotting import model_label
    >>> model_label("pushpull_corf")
    'push-pull CORF'
    """
    return MODEL_LABELS.get(str(name), str(name))


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_DASHES = ("-", "--", "-.", ":")


def line_styles(count: int, *, markers: bool = True) -> list[dict[str, Any]]:
    """Styles for ``count`` lines that stay visible where the lines coincide.

    Identical curves (a Gabor cell and its push-pull version at the same width, tuning
    curves that overlap exactly) would hide each other. Each line gets its own dash pattern
    and marker, and lines drawn earlier are wider with larger markers, so a later line on
    top of an earlier one leaves it showing around it.

    Parameters
    ----------
    count : int
        Number of lines, ≥ 0.
    markers : bool, optional
        Give every line a marker too (default True); False for densely sampled curves.

    Returns
    -------
    list of dict
        Keyword arguments for :meth:`matplotlib.axes.Axes.plot`, one per line.

    Examples
    --------
    >>> from v1pushpull.plotting import line_styles
    >>> [style["linestyle"] for style in line_styles(3)]
    ['-', '--', '-.']
    >>> line_styles(2)[0]["linewidth"] > line_styles(2)[1]["linewidth"]
    True
    """
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ValueError(f"count must be a non-negative int, got {count!r}")
    styles = []
    for index in range(count):
        shrink = index / max(count - 1, 1)
        style: dict[str, Any] = {
            "linestyle": _DASHES[index % len(_DASHES)],
            "linewidth": 2.8 - 1.6 * shrink,
        }
        if markers:
            style.update(marker=_MARKERS[index % len(_MARKERS)], markersize=8.5 - 4.0 * shrink)
        styles.append(style)
    return styles


def _check_curve(curve: Any, dims: Sequence[str], argument: str = "curve") -> xr.DataArray:
    if not isinstance(curve, xr.DataArray):
        raise TypeError(f"{argument} must be an xarray.DataArray, got {type(curve).__name__}")
    missing = [d for d in dims if d is not None and d not in curve.dims]
    if missing:
        raise ValueError(f"{argument} has no dimension {missing[0]!r} (dims {curve.dims})")
    return curve


def _label(coordinate: xr.DataArray, degrees: bool) -> str:
    name = coordinate.attrs.get("long_name", str(coordinate.name).replace("_", " "))
    units = "deg" if degrees else coordinate.attrs.get("units")
    return f"{name} ({units})" if units and units != "1" else name


def _format_value(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return model_label(value) if isinstance(value, str) else str(value)


def _hue_colors(values: np.ndarray, hue: str | None) -> list[Any]:
    if hue == "model":
        return [model_color(v) for v in values]
    cmap = plt.get_cmap(SEQUENTIAL_CMAP)
    if len(values) == 1:
        return [cmap(0.5)]
    return [cmap(0.1 + 0.8 * i / (len(values) - 1)) for i in range(len(values))]


def _normalised(curve: xr.DataArray, dim: str) -> xr.DataArray:
    peak = curve.max(dim)
    return curve / peak.where(peak != 0)


def _style(ax: Axes) -> None:
    if ax.name != "polar":
        ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, alpha=0.3, linewidth=0.6)


def _centred_on_peak(curve: xr.DataArray, x: str, xs: np.ndarray, period: float) -> np.ndarray:
    """Angles wrapped into one period centred on the orientation of the largest response."""
    values = curve.transpose(x, ...).values.reshape(xs.size, -1)
    if not np.any(np.isfinite(values)):
        return xs
    centre = xs[int(np.nanargmax(np.nanmax(values, axis=1)))]
    return centre + np.mod(xs - centre + period / 2, period) - period / 2


def tuning_curves(
    curve: xr.DataArray,
    *,
    x: str = "orientation",
    hue: str | None = "contrast",
    ax: Axes | None = None,
    normalise: bool = False,
    degrees: bool | None = None,
    period: float | None = math.pi,
    legend: bool = True,
    **plot_kwargs: Any,
) -> Axes:
    """Draw tuning curves against one dimension, one line per value of ``hue``.

    Parameters
    ----------
    curve : xarray.DataArray
        Responses with dimension ``x`` and, if given, ``hue``; any other dimension must have
        been selected away.
    x : str, optional
        Dimension on the horizontal axis (default ``"orientation"``).
    hue : str or None, optional
        Dimension drawn as separate lines (default ``"contrast"``); ``"model"`` uses
        :data:`MODEL_COLORS`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (default: a new figure).
    normalise : bool, optional
        Divide each curve by its maximum (compares shapes, e.g. for contrast invariance).
    degrees : bool, optional
        Show angles in degrees; default True when ``x`` is an angle dimension.
    period : float or None, optional
        Period (rad) of an angle dimension ``x`` (default π). The axis then spans one period
        centred on the largest response, so the peak is in the middle. None keeps the sampled
        values.
    legend : bool, optional
        Draw a legend when there is more than one line (default True).
    **plot_kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If a dimension is missing or ``curve`` has dimensions other than ``x`` and ``hue``.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import tuning_curve
    >>> from v1pushpull.plotting import tuning_curves
    >>> theta = np.linspace(0, np.pi, 36, endpoint=False)
    >>> curve = tuning_curve(np.cos(theta)[None] ** 2 * [[0.5], [1.0]],
    ...                      {"contrast": [0.5, 1.0], "orientation": theta})
    >>> ax = tuning_curves(curve)
    >>> len(ax.lines)
    2
    """
    _check_curve(curve, [x, hue])
    extra = [d for d in curve.dims if d not in (x, hue)]
    if extra:
        raise ValueError(f"curve has dimensions {extra} besides x={x!r} and hue={hue!r}; select")
    degrees = x in _DEGREE_DIMS if degrees is None else degrees
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2), layout="constrained")
    if normalise:
        curve = _normalised(curve, x)
    # angles are read with their coordinate's units (rad, or deg), like the analyses
    xs = _angles_in_rad(curve, x) if x in _DEGREE_DIMS else np.asarray(curve[x].values, float)
    if x in _DEGREE_DIMS and period is not None:
        xs = _centred_on_peak(curve, x, xs, period)
    order = np.argsort(xs)
    shown = np.degrees(xs[order]) if degrees else xs[order]
    hue_values = curve[hue].values if hue is not None else [None]
    styles = line_styles(len(hue_values), markers=False) if len(hue_values) > 1 else [{}]
    for value, color, style in zip(
        hue_values, _hue_colors(np.asarray(hue_values), hue), styles, strict=True
    ):
        line = curve if value is None else curve.sel({hue: value})
        label = None if value is None else _format_value(value)
        ax.plot(
            shown,
            np.asarray(line.values)[order],
            color=color,
            label=label,
            **{**style, **plot_kwargs},
        )
    ax.set_xlabel(_label(curve[x], degrees))
    ax.set_ylabel(
        "normalised response" if normalise else f"response ({curve.attrs.get('units', 'a.u.')})"
    )
    if legend and hue is not None and len(hue_values) > 1:
        ax.legend(title=hue.replace("_", " "), fontsize="small", title_fontsize="small")
    _style(ax)
    return ax


def polar_tuning(
    curve: xr.DataArray,
    *,
    hue: str | None = "contrast",
    dim: str = "orientation",
    period: float = math.pi,
    ax: Axes | None = None,
    normalise: bool = False,
    legend: bool = False,
    **plot_kwargs: Any,
) -> Axes:
    """Polar plot of orientation tuning: radius = response, angle = orientation.

    A curve with period π is drawn twice (θ and θ + π), the usual symmetric picture of
    orientation (not direction) tuning.

    Parameters
    ----------
    curve : xarray.DataArray
        Responses with dimension ``dim`` (rad, or degrees with ``attrs["units"] = "deg"``)
        and, if given, ``hue``.
    hue : str or None, optional
        Dimension drawn as separate lines (default ``"contrast"``).
    dim : str, optional
        The orientation dimension (default ``"orientation"``).
    period : float, optional
        Period of the tuning in rad (π default, 2π for polarity-selective curves).
    ax : matplotlib.axes.Axes, optional
        A polar Axes (default: a new figure with one).
    normalise : bool, optional
        Divide each curve by its maximum.
    legend : bool, optional
        Draw a legend (default False).
    **plot_kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes
        The polar Axes.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If ``ax`` is not polar, a dimension is missing, or extra dimensions remain.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import tuning_curve
    >>> from v1pushpull.plotting import polar_tuning
    >>> theta = np.linspace(0, np.pi, 36, endpoint=False)
    >>> ax = polar_tuning(tuning_curve(np.cos(theta) ** 2, {"orientation": theta}), hue=None)
    >>> ax.name
    'polar'
    """
    _check_curve(curve, [dim, hue])
    extra = [d for d in curve.dims if d not in (dim, hue)]
    if extra:
        raise ValueError(f"curve has dimensions {extra} besides {dim!r} and hue={hue!r}; select")
    if ax is None:
        fig = plt.figure(figsize=(3.5, 3.5), layout="constrained")
        ax = fig.add_subplot(projection="polar")
    if ax.name != "polar":
        raise ValueError("ax must be a polar Axes (projection='polar')")
    if normalise:
        curve = _normalised(curve, dim)
    angles = np.mod(_angles_in_rad(curve, dim), period)
    order = np.argsort(angles)
    repeats = max(1, round(2 * math.pi / period))
    full = np.concatenate([angles[order] + k * period for k in range(repeats)])
    closed = np.append(full, full[0] + 2 * math.pi)
    hue_values = curve[hue].values if hue is not None else [None]
    styles = line_styles(len(hue_values), markers=False) if len(hue_values) > 1 else [{}]
    for value, color, style in zip(
        hue_values, _hue_colors(np.asarray(hue_values), hue), styles, strict=True
    ):
        line = np.asarray((curve if value is None else curve.sel({hue: value})).values)[order]
        radii = np.tile(line, repeats)
        label = None if value is None else _format_value(value)
        ax.plot(
            closed,
            np.append(radii, radii[0]),
            color=color,
            label=label,
            **{**style, **plot_kwargs},
        )
    ax.set_yticklabels([])
    if legend and hue is not None and len(hue_values) > 1:
        ax.legend(fontsize="x-small", loc="upper right", bbox_to_anchor=(1.25, 1.1))
    _style(ax)
    return ax


def curve_grid(
    curve: xr.DataArray,
    *,
    col: str = "model",
    x: str = "orientation",
    hue: str | None = "contrast",
    polar: bool = False,
    normalise: bool = False,
    period: float = math.pi,
    panel_size: float = 2.8,
    max_columns: int = 5,
) -> Figure:
    """A row of panels, one per value of ``col``, each with its tuning curves, one legend.

    Parameters
    ----------
    curve : xarray.DataArray
        Responses with dimensions ``col``, ``x`` and (optionally) ``hue``.
    col : str, optional
        Dimension spread over the panels (default ``"model"``).
    x, hue, normalise :
        As in :func:`tuning_curves`.
    polar : bool, optional
        Draw polar panels with :func:`polar_tuning` (``x`` is then the orientation dimension).
    period : float, optional
        Period of polar panels in rad (default π).
    panel_size : float, optional
        Size of each panel in inches (default 2.8).
    max_columns : int, optional
        Panels per row before wrapping (default 5).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, with one legend for all panels on its right.

    Raises
    ------
    TypeError
        If ``curve`` is not a DataArray.
    ValueError
        If a dimension is missing.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.analysis import tuning_curve
    >>> from v1pushpull.plotting import curve_grid
    >>> theta = np.linspace(0, np.pi, 36, endpoint=False)
    >>> curve = tuning_curve(np.ones((2, 36)), {"model": ["gabor", "corf"], "orientation": theta})
    >>> len(curve_grid(curve, hue=None).axes)
    2
    """
    _check_curve(curve, [col, x, hue])
    values = curve[col].values
    columns = min(len(values), max_columns)
    rows = math.ceil(len(values) / columns)
    fig = plt.figure(figsize=(panel_size * columns, panel_size * rows + 0.3), layout="constrained")
    for index, value in enumerate(values):
        kwargs = {"projection": "polar"} if polar else {}
        ax = fig.add_subplot(rows, columns, index + 1, **kwargs)
        panel = curve.sel({col: value})
        if polar:
            polar_tuning(panel, hue=hue, dim=x, period=period, ax=ax, normalise=normalise)
        else:
            tuning_curves(
                panel, x=x, hue=hue, ax=ax, normalise=normalise, period=period, legend=False
            )
            if index > 0:
                ax.set_ylabel("")
        ax.set_title(_format_value(value), fontsize="medium")
    if hue is not None and curve.sizes[hue] > 1:
        fig.legend(
            *fig.axes[0].get_legend_handles_labels(),
            title=hue.replace("_", " "),
            loc="outside right center",
            fontsize="small",
            title_fontsize="small",
        )
    return fig


def width_against_contrast(
    width: xr.DataArray,
    *,
    hue: str = "model",
    dim: str = "contrast",
    ax: Axes | None = None,
    degrees: bool = True,
    reference: tuple[float, str] | None = None,
) -> Axes:
    """Tuning width (e.g. HWHH) against contrast, one line per model, log contrast axis.

    Parameters
    ----------
    width : xarray.DataArray
        Widths with dimensions ``dim`` and ``hue``, in rad (or in degrees if its
        ``attrs["units"]`` says ``"deg"``).
    hue : str, optional
        One line per value (default ``"model"``).
    dim : str, optional
        The contrast dimension (default ``"contrast"``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (default: a new figure).
    degrees : bool, optional
        Show the width in degrees (default True).
    reference : (float, str), optional
        A horizontal reference line (value in rad, label), e.g. the physiological median.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        If ``width`` is not a DataArray.
    ValueError
        If a dimension is missing.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from v1pushpull.plotting import width_against_contrast
    >>> w = xr.DataArray([[0.2, 0.2]], dims=("model", "contrast"),
    ...                  coords={"model": ["gabor"], "contrast": [0.1, 1.0]})
    >>> len(width_against_contrast(w).lines)
    1
    """
    _check_curve(width, [dim, hue], "width")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2), layout="constrained")
    # widths are angles too: honour their units like the analyses do
    in_rad = math.pi / 180.0 if str(width.attrs.get("units", "rad")).lower() in _DEG else 1.0
    scale = in_rad * (180.0 / math.pi if degrees else 1.0)
    values = width[hue].values
    for value, style in zip(values, line_styles(len(values)), strict=True):
        line = width.sel({hue: value})
        ax.plot(
            line[dim].values,
            line.values * scale,
            color=model_color(value) if hue == "model" else None,
            label=_format_value(value),
            **style,
        )
    ax.set_xscale("log")
    ax.set_xlabel(_label(width[dim], False))
    ax.set_ylabel(f"HWHH ({'deg' if degrees else 'rad'})")
    if reference is not None:
        ax.axhline(reference[0] * scale, color="0.4", linestyle="--", linewidth=1)
        ax.text(
            0.02,
            reference[0] * scale,
            reference[1],
            transform=ax.get_yaxis_transform(),
            fontsize="x-small",
            color="0.3",
            va="bottom",
        )
    ax.set_ylim(bottom=0)
    # beside the axes, where it hides no line (the reference line runs across the whole axes)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    _style(ax)
    return ax


def kernel_gallery(
    kernels: xr.DataArray | np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    columns: int = 6,
    panel_size: float = 1.4,
    cmap: str = "RdBu_r",
) -> Figure:
    """Show receptive-field kernels side by side, on one symmetric diverging colour scale
    (with its colour bar).

    Parameters
    ----------
    kernels : xarray.DataArray or numpy.ndarray, shape (..., h, w)
        Kernels (e.g. :func:`v1pushpull.gabor_bank` with ``as_xarray=True``); leading
        dimensions are flattened in C order. A DataArray's leading coordinates label the
        panels (angles in degrees).
    titles : sequence of str, optional
        Panel titles, overriding the automatic ones.
    columns : int, optional
        Panels per row (default 6).
    panel_size : float, optional
        Size of each panel in inches.
    cmap : str, optional
        Diverging colour map, zero in the middle (default ``"RdBu_r"``: red positive).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``kernels`` has fewer than two dimensions or ``titles`` has the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull import gabor_bank
    >>> from v1pushpull.plotting import kernel_gallery
    >>> bank = gabor_bank(8.0, np.linspace(0, np.pi, 4, endpoint=False), as_xarray=True)
    >>> len(kernel_gallery(bank).axes)  # 4 panels and the colour bar
    5
    """
    values = np.asarray(kernels.values if isinstance(kernels, xr.DataArray) else kernels)
    if values.ndim < 2:
        raise ValueError(f"kernels must have shape (..., h, w), got {values.shape}")
    flat = values.reshape(-1, *values.shape[-2:])
    labels = _kernel_titles(kernels, flat.shape[0]) if titles is None else list(titles)
    if len(labels) != flat.shape[0]:
        raise ValueError(f"titles has {len(labels)} entries for {flat.shape[0]} kernels")
    columns = max(1, min(columns, flat.shape[0]))
    rows = math.ceil(flat.shape[0] / columns)
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(panel_size * columns, panel_size * rows + 0.2),
        layout="constrained",
        squeeze=False,
    )
    limit = float(np.abs(flat).max()) or 1.0
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, kernel, label in zip(axes.ravel(), flat, labels, strict=False):
        image = ax.imshow(kernel, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(label, fontsize="x-small")
    # one colour scale for every panel, so the bar reads the weights of all of them
    bar = fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
    bar.ax.tick_params(labelsize="x-small")
    return fig


def _kernel_titles(kernels: Any, count: int) -> list[str]:
    if not isinstance(kernels, xr.DataArray) or kernels.ndim < 3:
        return [""] * count
    leading = kernels.dims[:-2]
    grids = np.meshgrid(*(kernels[d].values for d in leading), indexing="ij")
    titles = []
    for index in range(count):
        parts = []
        for dim, grid in zip(leading, grids, strict=True):
            value = grid.ravel()[index]
            if dim in _DEGREE_DIMS:
                parts.append(f"{math.degrees(float(value)):.0f}°")
            else:
                parts.append(f"{dim[:2]}={_format_value(value)}")
        titles.append(" ".join(parts))
    return titles
