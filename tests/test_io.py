"""v1pushpull._io: the one atomic writer of results."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from v1pushpull._errors import ArgumentError
from v1pushpull._io import atomic_write, write_netcdf


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "results.nc"
    target.write_bytes(b"old")

    def failing(path):
        Path(path).write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, failing)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.nc"]


def test_write_netcdf_cleans_attributes_in_one_place_and_keeps_the_umask_mode(tmp_path):
    dataset = xr.Dataset(
        {"count": ("x", np.array([1, 2], dtype=np.int64))},
        attrs={"quick": True, "seed": np.int64(3), "levels": (0.5, 0.2), "none": None},
    )
    path = write_netcdf(dataset, tmp_path / "sub" / "r.nc")
    with xr.open_dataset(path) as stored:
        assert stored.attrs["quick"] == 1 and stored.attrs["seed"] == 3
        np.testing.assert_allclose(stored.attrs["levels"], [0.5, 0.2])
        assert stored.attrs["none"] == "None"
        assert stored["count"].dtype == np.int32
    assert dataset["count"].dtype == np.int64 and dataset.attrs["quick"] is True  # untouched
    umask = os.umask(0)
    os.umask(umask)
    # a plain open() would give 0o666 & ~umask; mkstemp alone would give 0o600
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in path.parent.iterdir()) == ["r.nc"]


def test_argument_error_spells_names_by_a_table_and_leaves_data_alone():
    error = ArgumentError(
        "out_dir",
        "/runs/a",
        "holds another run ({'seed': (0, 1)}); choose another {out_dir} folder or pass {resume}",
        out_dir="out_dir",
        resume="resume=False",
    )
    assert isinstance(error, ValueError)
    assert str(error) == (
        "out_dir='/runs/a' holds another run ({'seed': (0, 1)}); choose another out_dir folder "
        "or pass resume=False"
    )
    flags = {"out_dir": "--out", "resume": "--restart"}
    assert error.render(flags) == (
        "--out '/runs/a' holds another run ({'seed': (0, 1)}); choose another --out folder or "
        "pass --restart"
    )
    whole = ArgumentError("severities", [5], "{argument} [5] are not valid")
    assert str(whole) == "severities [5] are not valid"
    assert whole.render({"severities": "--severities"}) == "--severities [5] are not valid"
