"""Figures for v1pushpull results: tuning curves, polar plots, kernel and subunit galleries,
response and contour maps, robustness against corruption severity.

Every function draws into a matplotlib ``Axes`` it is given (or a new one) and returns the
``Axes`` or ``Figure``, so figures compose. Import this subpackage explicitly
(``from v1pushpull import plotting``): ``import v1pushpull`` does not load matplotlib.
"""

from __future__ import annotations

from .cells import plot_contours, plot_response_maps, plot_subunits
from .robustness import plot_comparison
from .tuning import (
    MODEL_COLORS,
    MODEL_LABELS,
    SEQUENTIAL_CMAP,
    curve_grid,
    kernel_gallery,
    line_styles,
    model_color,
    model_label,
    polar_tuning,
    tuning_curves,
    width_against_contrast,
)

__all__ = [
    "MODEL_COLORS",
    "MODEL_LABELS",
    "SEQUENTIAL_CMAP",
    "curve_grid",
    "kernel_gallery",
    "line_styles",
    "model_color",
    "model_label",
    "plot_comparison",
    "plot_contours",
    "plot_response_maps",
    "plot_subunits",
    "polar_tuning",
    "tuning_curves",
    "width_against_contrast",
]
