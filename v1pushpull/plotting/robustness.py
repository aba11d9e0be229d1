"""Figures of corruption robustness: error (or accuracy) against severity, per corruption.

:func:`plot_comparison` draws the evaluations of :func:`v1pushpull.torch.evaluation.evaluate`
side by side (the ``v1pushpull compare`` figure and the ``cnn_robustness`` study's), one panel
per corruption, the clean value at the left of each panel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["plot_comparison"]


def _curve(result: xr.Dataset, corruption: str, variable: str, clean: str, spread: str | None):
    """(mean, std or None) of [clean, level 1, level 2, ...] of one result."""
    values = result[variable].sel(corruption=corruption)
    if spread is None:
        return np.concatenate([[float(result[clean])], values.values]), None
    stacked = np.concatenate(
        [result[clean].values[:, None], values.transpose(spread, "severity").values], axis=1
    )
    return stacked.mean(0), stacked.std(0)


#: The x-axis of the corruptions whose levels are not CIFAR-10-C severities (the MNIST
#: protocol of [S20], :data:`v1pushpull.robustness.LEVEL_MEANING`).
_LEVEL_AXES = {
    "additive_gaussian_noise": "noise variance σ²",
    "contrast_poisson": "contrast factor C (+ Poisson noise)",
}


def _xlabel(result: xr.Dataset, corruption: str) -> str:
    if "level" in result.coords and corruption in _LEVEL_AXES:
        return _LEVEL_AXES[corruption]
    return "severity"


def _ticks(result: xr.Dataset, corruption: str) -> list[str]:
    if "level" in result.coords:
        return ["clean", *(f"{v:g}" for v in result["level"].sel(corruption=corruption).values)]
    return ["clean", *(str(s) for s in result["severity"].values)]


def plot_comparison(
    results: Sequence[xr.Dataset],
    labels: Sequence[str],
    *,
    variable: str = "error",
    clean: str = "clean_error",
    spread: str | None = None,
    solid: Sequence[bool] | None = None,
    colors: Sequence[str] | None = None,
    titles: Mapping[str, tuple[str, str]] | None = None,
    ylabel: str = "top-1 error (%)",
    columns: int = 4,
    panel_size: tuple[float, float] = (3.2, 2.8),
) -> Figure:
    """Error against severity, one panel per corruption, one line per evaluation.

    Parameters
    ----------
    results : sequence of xarray.Dataset
        Evaluations on the same corruptions: ``variable`` (corruption, severity[, spread]) and
        ``clean`` (scalar, or along ``spread``), with the ``level`` coordinate if known.
    labels : sequence of str
        One name per result.
    variable, clean : str
        The plotted quantities (``"accuracy"``, ``"clean_accuracy"`` for a study of
        accuracies).
    spread : str or None
        A dimension (e.g. ``"seed"``) to draw as mean ± one standard deviation (a band).
    solid : sequence of bool or None
        Per result, a solid line (else dashed); None: solid for labels that contain "pp" or
        "push" (the push-pull networks).
    colors : sequence of str or None
        Per result; None cycles matplotlib's colours.
    titles : mapping or None
        Corruption → (panel title, x-axis label); None: the name and what the ticks are
        (the noise variance or contrast of the MNIST protocol's ``level``, else "severity").
    ylabel : str
        The y-axis label.
    columns : int
        Panels per row at most.
    panel_size : (float, float)
        Width and height of one panel (inches).

    Returns
    -------
    matplotlib.figure.Figure
        The clean value is drawn at the left of each panel ("clean").

    Examples
    --------
    >>> import xarray as xr
    >>> from v1pushpull.plotting import plot_comparison
    >>> a = xr.Dataset({"error": (("corruption", "severity"), [[20.0, 40.0]]),
    ...                 "clean_error": 10.0}, coords={"corruption": ["noise"], "severity": [1, 2]})
    >>> len(plot_comparison([a, a], ["plain", "pp"]).axes)
    1
    """
    if len(results) != len(labels):
        raise ValueError(f"got {len(results)} results but {len(labels)} labels")
    corruptions = results[0]["corruption"].values.tolist()
    columns = min(columns, len(corruptions))
    rows = -(-len(corruptions) // columns)
    figure, axes = plt.subplots(
        rows,
        columns,
        figsize=(panel_size[0] * columns, panel_size[1] * rows),
        squeeze=False,
        sharey=True,
    )
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = colors or [palette[i % len(palette)] for i in range(len(results))]
    if solid is None:
        solid = ["pp" in label.lower() or "push" in label.lower() for label in labels]
    for index, corruption in enumerate(corruptions):
        ax = axes.flat[index]
        for result, label, color, line in zip(results, labels, colors, solid, strict=True):
            mean, std = _curve(result, corruption, variable, clean, spread)
            x = np.arange(len(mean))
            ax.plot(x, mean, "-" if line else "--", marker="o", color=color, label=label)
            if std is not None:
                ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.15)
        ticks = _ticks(results[0], corruption)
        title, xlabel = (titles or {}).get(
            corruption, (corruption.replace("_", " "), _xlabel(results[0], corruption))
        )
        ax.set_xticks(np.arange(len(ticks)), ticks)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        if index % columns == 0:
            ax.set_ylabel(ylabel)
    for ax in axes.flat[len(corruptions) :]:
        ax.remove()
    axes.flat[0].legend(fontsize="small")
    figure.tight_layout()
    return figure
