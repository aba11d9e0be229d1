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
    responding = ds.response.max("orientation") > 0
    # every cell prefers the orientation of its receptive field (0 rad, modulo π)
    preferred = ds.preferred_orientation.where(responding)
    deviation = np.abs(np.angle(np.exp(2j * preferred.values)) / 2)
    assert np.nanmax(deviation) < math.radians(0.5)
    # the rectified linear Gabor cell scales with contrast: the same tuning width everywhere
    gabor = ds.hwhh.sel(model="gabor")
    assert float(gabor.max() - gabor.min()) < math.radians(0.05)
    # the threshold narrows the tuning at low contrast (iceberg effect) ...
    thresholded = ds.hwhh.sel(model="gabor_threshold")
    assert bool((thresholded.diff("contrast") > 0).all())
    assert float(thresholded.sel(contrast=0.05)) < 0.7 * float(gabor.sel(contrast=0.05))
    # ... and hardly at full contrast, where the threshold is 3 % of the response
    assert float(thresholded.sel(contrast=1.0)) == pytest.approx(
        float(gabor.sel(contrast=1.0)), rel=0.05
    )
    cii = ds.contrast_invariance_index
    assert float(cii.sel(model="gabor")) < 0.01 < 0.3 < float(cii.sel(model="gabor_threshold"))
