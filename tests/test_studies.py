"""The studies in ``studies/`` run in quick mode and their saved results show the science.

Each test runs a study's ``main`` into a temporary folder, reads the netCDF file back and checks
properties of the models that follow from their definitions or that the papers claim, so a
study that silently computes the wrong thing fails here.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

import v1pushpull

STUDIES = Path(__file__).resolve().parents[1] / "studies"


def load_study(name: str) -> ModuleType:
    # the studies share their set-up through studies/_common.py, found on sys.path as it is
    # when a study runs as a script or in sphinx-gallery
    if str(STUDIES) not in sys.path:
        sys.path.append(str(STUDIES))
    spec = importlib.util.spec_from_file_location(f"study_{name}", STUDIES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def run_study(name: str, out: Path) -> xr.Dataset:
    load_study(name).main(["--out", str(out), "--quick"])
    path = out / f"{name}.nc"
    assert path.is_file()
    assert any(out.glob("*.png"))
    with xr.open_dataset(path) as saved:
        dataset = saved.load()
    assert dataset.attrs["v1pushpull_version"] == v1pushpull.__version__
    return dataset


def test_orientation_tuning(tmp_path):
    ds = run_study("orientation_tuning", tmp_path)
    assert ds.response.dims == ("model", "contrast", "orientation")
    assert ds.orientation.attrs["units"] == "rad"
    assert set(ds.model.values) == {
        "gabor",
        "gabor_threshold",
        "pushpull_gabor",
        "corf",
        "pushpull_corf",
    }
    assert "CORFCell" in ds.attrs["model_corf"]
    # every cell prefers the orientation of its receptive field (0 rad, modulo π)
    assert bool((ds.response.max("orientation") > 0).all())
    deviation = np.abs(np.angle(np.exp(2j * ds.preferred_orientation.values)) / 2)
    assert deviation.max() < math.radians(1.0)
    # Rectified linear cells, CORF's geometric mean and the push-pull difference are all
    # positively homogeneous in contrast, so their tuning width cannot change with contrast.
    for model in ("gabor", "pushpull_gabor", "corf", "pushpull_corf"):
        widths = ds.hwhh.sel(model=model)
        assert float(widths.max() - widths.min()) < math.radians(0.05), model
    # The threshold narrows the tuning at low contrast (iceberg effect) and hardly matters at
    # full contrast, where it is 3 % of the response.
    gabor, thresholded = ds.hwhh.sel(model="gabor"), ds.hwhh.sel(model="gabor_threshold")
    assert bool((thresholded.diff("contrast") > 0).all())
    assert float(thresholded.sel(contrast=0.05)) < 0.7 * float(gabor.sel(contrast=0.05))
    assert float(thresholded.sel(contrast=1.0)) == pytest.approx(
        float(gabor.sel(contrast=1.0)), rel=0.05
    )
    # [A12]: the CORF cell's tuning width spreads less across contrast than the thresholded
    # Gabor cell's
    cii = ds.contrast_invariance_index
    assert float(cii.sel(model="corf")) < 0.01 < 0.3 < float(cii.sel(model="gabor_threshold"))
    # the Gabor cell's width follows from its kernel: Gaussian orientation tuning of the
    # envelope, std 1/(2π σ_y f) rad with σ_y = σ/γ = 1.12 λ, HWHH = 1.177 std ≈ 9.6°
    assert math.degrees(float(gabor.sel(contrast=1.0))) == pytest.approx(9.6, abs=0.6)
