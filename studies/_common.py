"""Shared set-up of the studies: the models compared, their stimulus sizes, and file output.

Not a study itself (sphinx-gallery skips files starting with an underscore). Everything that
computes lives in the library (:mod:`v1pushpull.cells`, :mod:`v1pushpull.analysis`,
:mod:`v1pushpull.plotting`); this module only fixes the parameters every study shares, so that
"the CORF cell" means the same cell on every page.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

import v1pushpull
from v1pushpull.analysis import centre_responses, save_netcdf
from v1pushpull.cells import CORFCell, GaborCell, PushPullCell
from v1pushpull.stimuli import grating

#: Preferred wavelength of the Gabor cells, in px.
GABOR_WAVELENGTH = 8.0
#: Threshold of the thresholded Gabor cell, as a fraction of its response to the optimal
#: full-contrast grating: small enough that the cell still answers 5 % contrast.
THRESHOLD_FRACTION = 0.03
#: DoG scale σ (px) of the CORF cells, the value of the released push-pull example [A14].
CORF_SIGMA = 2.2
#: Smallest stimulus side in px: larger than the reach of every cell's receptive field around
#: the centre (CORF: ρ_max + blur radius + DoG radius ≈ 36 px), so image borders never
#: influence the centre response.
MIN_IMAGE_SIZE = 72
#: Grating wavelengths (px) scanned to find each model's preferred wavelength.
WAVELENGTH_SCAN = 2.0 ** np.arange(2.0, 5.01, 0.25)
#: Names of all models, in the order of the figures. ``corf`` and ``pushpull_corf`` are the
#: published model as the authors' released code computes it (``convention="released"``);
#: ``corf_corrected`` and ``pushpull_corf_corrected`` are the same cells with the released
#: code's discretisation quirks fixed (``convention="corrected"``, see
#: :doc:`/corf_conventions`).
ALL_MODELS = (
    "gabor",
    "gabor_threshold",
    "pushpull_gabor",
    "corf",
    "pushpull_corf",
    "corf_corrected",
    "pushpull_corf_corrected",
)


def make_models(names: Iterable[str] = ALL_MODELS, *, phase: float = 0.0) -> dict[str, Any]:
    """The cells compared in the studies, by name.

    ``phase`` is the Gabor cells' phase offset (0: even, line-like receptive field; π/2: odd,
    edge-like); the CORF cells are edge-selective by construction. ``corf`` and
    ``pushpull_corf`` are in the released code's convention, the ``*_corrected`` ones in the
    corrected convention.
    """
    names = tuple(names)
    gabor = GaborCell(wavelength=GABOR_WAVELENGTH, phase=phase)
    corf = CORFCell(sigma=CORF_SIGMA, convention="released")
    corf_corrected = CORFCell(sigma=CORF_SIGMA, convention="corrected")
    models: dict[str, Any] = {}
    for name in names:
        if name == "gabor":
            models[name] = gabor
        elif name == "gabor_threshold":
            optimal = centre_responses(
                gabor,
                grating,
                {"phase": np.linspace(0, 2 * math.pi, 16, endpoint=False)},
                size=image_size(gabor),
                wavelength=GABOR_WAVELENGTH,
                orientation=0.0,
            )
            threshold = THRESHOLD_FRACTION * float(optimal.max())
            models[name] = GaborCell(wavelength=GABOR_WAVELENGTH, phase=phase, threshold=threshold)
        elif name == "pushpull_gabor":
            models[name] = PushPullCell(gabor)
        elif name == "corf":
            models[name] = corf
        elif name == "pushpull_corf":
            models[name] = PushPullCell(corf)
        elif name == "corf_corrected":
            models[name] = corf_corrected
        elif name == "pushpull_corf_corrected":
            models[name] = PushPullCell(corf_corrected)
        else:
            raise ValueError(f"unknown model {name!r}; expected one of {ALL_MODELS}")
    return models


def tuning_phases(quick: bool) -> np.ndarray:
    """Grating phases (rad) over which the orientation studies take the maximum response.

    16 phases at least: the maximum over fewer understates the CORF cells' peak response (by
    up to 8 % at 8 phases) and so widens their HWHH by 1-2°. The default mode's 24 matter
    for the released cells: 16 give their HWHH 0.2-0.3° off (17.6° and 21.7° instead of
    17.4° and 22.0°; the corrected cells' and the Gabor cells' agree to 0.05°).
    """
    return np.linspace(0.0, 2 * math.pi, 16 if quick else 24, endpoint=False)


def image_size(cell: Any) -> int:
    """Stimulus side in px for a cell: at least :data:`MIN_IMAGE_SIZE` and its support."""
    size = max(MIN_IMAGE_SIZE, int(cell.support))
    return size + size % 2


def preferred_wavelengths(
    models: Mapping[str, Any], phases: np.ndarray, dtype: Any = np.float32
) -> dict[str, float]:
    """Each model's preferred grating wavelength (px) at full contrast and orientation 0."""
    preferred = {}
    for name, cell in models.items():
        curve = centre_responses(
            cell,
            grating,
            {"wavelength": WAVELENGTH_SCAN, "phase": phases},
            size=image_size(cell),
            orientation=0.0,
            dtype=dtype,
        ).max("phase")
        preferred[name] = float(curve.idxmax("wavelength"))
    return preferred


def model_responses(
    models: Mapping[str, Any],
    stimulus: Callable[..., Any],
    grid: Mapping[str, np.ndarray],
    wavelengths: Mapping[str, float],
    **fixed: Any,
) -> xr.DataArray:
    """Centre responses of every model to ``stimulus`` over ``grid``, each at its preferred
    wavelength, stacked along a ``model`` dimension (float32 stimuli)."""
    curves = [
        centre_responses(
            cell,
            stimulus,
            grid,
            size=image_size(cell),
            wavelength=wavelengths[name],
            dtype=np.float32,
            **fixed,
        )
        for name, cell in models.items()
    ]
    return xr.concat(curves, dim=xr.DataArray(list(models), dims="model", name="model"))


def model_attrs(models: Mapping[str, Any]) -> dict[str, str]:
    """One attribute per model: its full parameter set, as the dataclass prints it."""
    return {f"model_{name}": repr(cell) for name, cell in models.items()}


def study_attrs(study: str, title: str, quick: bool, **parameters: Any) -> dict[str, Any]:
    """Attributes every study's Dataset carries."""
    return {
        "title": title,
        "study": study,
        "v1pushpull_version": v1pushpull.__version__,
        "quick": int(quick),
        **parameters,
    }


def parse_args(
    description: str | None,
    argv: list[str] | None,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """The command line shared by every study: ``[--out DIR] [--quick]`` (and its own)."""
    # sphinx-gallery runs the code without its docstring: __doc__ may be empty there
    title = (description or "").strip().splitlines()
    parser = argparse.ArgumentParser(description=title[0] if title else None)
    parser.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    parser.add_argument(
        "--quick", action="store_true", help="coarser sampling (tests, documentation build)"
    )
    if add_arguments is not None:
        add_arguments(parser)
    return parser.parse_args(sys.argv[1:] if argv is None else argv)


def run_study(
    name: str,
    doc: str | None,
    argv: list[str] | None,
    run: Callable[..., xr.Dataset],
    plot: Callable[[xr.Dataset], Mapping[str, plt.Figure]],
    summary: Callable[[xr.Dataset], str],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> xr.Dataset:
    """Parse the command line, run, save ``NAME.nc`` and the figures, print the summary.

    ``run`` is called as ``run(quick, **extra)``, ``extra`` being the study's own options
    declared by ``add_arguments``.
    """
    args = parse_args(doc, argv, add_arguments)
    extra = {k: v for k, v in vars(args).items() if k not in ("out", "quick")}
    start = time.perf_counter()
    dataset = run(args.quick, **extra)
    args.out.mkdir(parents=True, exist_ok=True)
    save_netcdf(dataset, args.out / f"{name}.nc")
    for figure_name, figure in plot(dataset).items():
        figure.savefig(args.out / f"{figure_name}.png", dpi=110)
    print(summary(dataset))
    print(f"\n{name}: results in {shown_path(args.out)}/ ({time.perf_counter() - start:.1f} s)")
    return dataset


def shown_path(path: Path) -> str:
    """``path`` as printed: relative to the working folder when it is inside it or beside it
    (the documentation's results folder), so a page built from the output never shows the
    build machine's folders; otherwise as given."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    far = relative.startswith(os.path.join(os.pardir, os.pardir))
    return str(path) if far else relative


def degrees_table(values: xr.DataArray, decimals: int = 1, missing: str | None = None) -> str:
    """A model × contrast (or similar) table of angles in degrees, as text.

    ``missing`` replaces the NaN entries (e.g. ``"silent"`` for a cell that does not respond).
    """
    table = (values * 180.0 / math.pi).to_pandas().round(decimals)
    if missing is not None:
        table = table.astype(object).where(table.notna(), missing)
    return table.to_string()
