"""Figures of cells and their responses: CORF subunit layouts, response maps, contour maps.

Every function draws into a given Matplotlib ``Axes`` (or makes a new figure) and returns
what it drew on, so a study can compose panels. Arrays of any backend are copied to the host.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._backend import as_orientations, to_numpy
from ..cells import CORFCell, PushPullCell

__all__ = ["plot_contours", "plot_response_maps", "plot_subunits"]

_POLARITY_COLOURS = {"on": "tab:red", "off": "tab:blue"}


def _new_axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(4.5, 4.5))
    return ax


def plot_subunits(
    cell: CORFCell | PushPullCell, orientation: float = 0.0, *, ax: Any = None
) -> Any:
    """Draw the subunit layout of a CORF cell (and of its pull cell for push-pull).

    Each subunit is a circle at its position (x to the right, y downwards, px) when the cell
    has orientation θ; its radius is the std of the subunit's blur (``r/3`` px), its colour
    the polarity (red on, blue off), its opacity the weight relative to the largest. Pull
    subunits are drawn dashed.

    Parameters
    ----------
    cell : CORFCell or PushPullCell
        A CORF cell, or a push-pull cell whose push cell is a CORF cell.
    orientation : float, optional
        Orientation θ in rad (default 0).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        If ``cell`` is not a CORF or push-pull CORF cell.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from v1pushpull.cells import CORFCell
    >>> from v1pushpull.plotting.cells import plot_subunits
    >>> ax = plot_subunits(CORFCell())
    >>> len(ax.patches)
    16
    """
    from matplotlib.patches import Circle

    if isinstance(cell, PushPullCell) and isinstance(cell.push, CORFCell):
        layers = [(cell.push, "solid", "push"), (cell.pull, "dashed", "pull")]
    elif isinstance(cell, CORFCell):
        layers = [(cell, "solid", None)]
    else:
        raise TypeError(
            f"cell must be a CORFCell or a PushPullCell of a CORFCell, got {type(cell).__name__}"
        )
    ax = _new_axes(ax)
    reach = 1.0
    for layer, style, label in layers:
        units = layer.subunit_set
        x, y = units.positions(orientation)
        weights = units.weights / units.weights.max()
        for unit, xi, yi, weight in zip(units, x, y, weights, strict=True):
            radius = max(layer.blur_radius(unit.rho) / 3.0, 0.3)
            ax.add_patch(
                Circle(
                    (xi, yi),
                    radius,
                    facecolor=_POLARITY_COLOURS[unit.polarity],
                    edgecolor="black",
                    linestyle=style,
                    alpha=0.25 + 0.75 * float(weight),
                )
            )
            reach = max(reach, abs(xi) + radius, abs(yi) + radius)
        if label is not None:
            ax.plot([], [], linestyle=style, color="black", label=label)
    for polarity, colour in _POLARITY_COLOURS.items():
        ax.plot([], [], "o", color=colour, label=polarity)
    ax.plot([0], [0], "k+", markersize=8)
    limit = math.ceil(reach) + 1
    ax.set_xlim(-limit, limit)
    ax.set_ylim(limit, -limit)  # y downwards, as in images
    ax.set_aspect("equal")
    ax.set_xlabel("x (px)")
    ax.set_ylabel("y (px)")
    ax.set_title(f"subunits at θ = {math.degrees(orientation):.0f}°")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_response_maps(
    responses: Any,
    orientations: Any,
    *,
    ncols: int = 6,
    cmap: str = "gray",
    panel_size: float = 2.0,
) -> Any:
    """Draw one response map per orientation, on a shared colour scale.

    Parameters
    ----------
    responses : array, shape (n_orientations, H, W)
        Responses of one image, any backend.
    orientations : 1-D sequence of float
        Orientations θ in rad (titles show degrees).
    ncols : int, optional
        Panels per row (default 6).
    cmap : str, optional
        Matplotlib colour map (default ``"gray"``).
    panel_size : float, optional
        Side of each panel in inches (default 2).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the shapes do not match.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from v1pushpull.plotting.cells import plot_response_maps
    >>> figure = plot_response_maps(np.random.rand(4, 16, 16), np.arange(4) * np.pi / 2)
    >>> len(figure.axes)
    5
    """
    import matplotlib.pyplot as plt

    maps = np.asarray(to_numpy(responses))
    theta = as_orientations(orientations)
    if maps.ndim != 3 or maps.shape[0] != theta.size:
        raise ValueError(
            f"responses must have shape (n_orientations, H, W) with n_orientations = "
            f"{theta.size}, got {maps.shape}"
        )
    columns = max(1, min(int(ncols), theta.size))
    rows = math.ceil(theta.size / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(panel_size * columns + 0.8, panel_size * rows), squeeze=False
    )
    top = float(maps.max()) if maps.size else 1.0
    image = None
    for index, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if index >= theta.size:
            continue
        image = ax.imshow(maps[index], cmap=cmap, vmin=min(0.0, float(maps.min())), vmax=top)
        ax.set_title(f"{math.degrees(theta[index]):.0f}°", fontsize="small")
    figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="response")
    return figure


def plot_contours(image: Any, edges: Any, truth: Any = None, *, ax: Any = None) -> Any:
    """Overlay a binary contour map (and optionally ground truth) on an image.

    Detected contours are red; with ``truth``, true boundaries are green (yellow where both).

    Parameters
    ----------
    image : array, shape (H, W)
        Grey-level image, any backend.
    edges : array, shape (H, W)
        Binary contour map (e.g. ``detect_contours(...).edges``).
    truth : array, shape (H, W), optional
        Binary ground-truth boundaries.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from v1pushpull.plotting.cells import plot_contours
    >>> ax = plot_contours(np.zeros((8, 8)), np.eye(8, dtype=bool))
    >>> ax.images[0].get_array().shape
    (8, 8, 3)
    """
    grey = np.asarray(to_numpy(image), dtype=np.float64)
    detected = np.asarray(to_numpy(edges)).astype(bool)
    if grey.ndim != 2 or detected.shape != grey.shape:
        raise ValueError(
            f"image and edges must be 2-D maps of one shape, got {grey.shape} and {detected.shape}"
        )
    span = float(grey.max() - grey.min())
    grey = (grey - grey.min()) / span if span > 0 else np.zeros_like(grey)
    rgb = np.repeat(0.6 * grey[..., None], 3, axis=-1)
    rgb[detected] = (1.0, 0.0, 0.0)
    if truth is not None:
        true = np.asarray(to_numpy(truth)).astype(bool)
        rgb[true & ~detected] = (0.0, 0.8, 0.0)
        rgb[true & detected] = (1.0, 0.9, 0.0)
    ax = _new_axes(ax)
    ax.imshow(rgb, interpolation="nearest")
    ax.set_axis_off()
    return ax
