"""The one way results leave the program: atomic, fsync'd writes and one netCDF writer.

:func:`atomic_write` writes a file through a temporary file beside it, flushes it to disk and
renames it over the target, so a reader (or a run killed mid-write) sees the old file or the
new one, never half of one. :func:`write_netcdf` cleans a Dataset for netCDF-3 (one place for
the conversions of booleans, 64-bit integers and nested attributes) and writes it atomically
with SciPy's engine. Training checkpoints (:mod:`v1pushpull.torch.checkpoints`), evaluation
files, the command line and the studies (:func:`v1pushpull.analysis.save_netcdf`) all go
through here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ._errors import ArgumentError

__all__ = ["atomic_write", "netcdf_ready", "writable_folder", "write_netcdf", "write_text"]

#: The one netCDF engine: SciPy's netCDF-3 writer needs no extra dependency.
NETCDF_ENGINE = "scipy"


def atomic_write(path: str | os.PathLike, write: Callable[[str], Any]) -> Path:
    """Write ``path`` through ``write(temporary_path)``, fsync it and rename it into place.

    Parameters
    ----------
    path : str or path-like
        The target; its parent folders are created.
    write : callable
        Writes the whole file to the temporary path it is given.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = atomic_write(target, lambda tmp: pathlib.Path(tmp).write_text("done"))
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(temporary)
        # mkstemp makes the file private (0600); give it the mode a plain open() would
        os.chmod(temporary, _default_mode())
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    with contextlib.suppress(OSError):  # directories cannot be opened on every platform
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return path


def writable_folder(path: str | os.PathLike, argument: str = "out_dir") -> Path:
    """Create the folder ``path`` if needed and check that files can be written in it.

    Call it before long work whose results go there, so that a bad output folder fails at
    once rather than after the work.

    Parameters
    ----------
    path : str or path-like
        The folder.
    argument : str
        The name of the argument that gave it, for the error.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ArgumentError
        (a ValueError naming ``argument`` and the folder) If it is a file, cannot be created
        or is not writable.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> writable_folder(pathlib.Path(tempfile.mkdtemp()) / "run").is_dir()
    True
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ArgumentError(argument, str(folder), "is a file; expected a folder for the results")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ArgumentError(
            argument, str(folder), f"is not a folder where results can be written ({reason})"
        ) from error
    return folder


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write a text file atomically (:func:`atomic_write`)."""
    return atomic_write(path, lambda temporary: Path(temporary).write_text(text))


def _netcdf_attribute(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return np.int32(value) if abs(int(value)) < 2**31 else float(value)
    if isinstance(value, (float, np.floating, str)):
        return value
    if isinstance(value, (list, tuple, np.ndarray)) and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in np.asarray(value, dtype=object).ravel()
    ):
        return np.asarray(value, dtype=float)
    return str(value)


def netcdf_ready(dataset: xr.Dataset) -> xr.Dataset:
    """A copy of ``dataset`` that netCDF-3 can hold.

    Booleans become 0/1, integers int32 (or float when too large), numeric sequences float
    arrays and anything else (None, dicts) its string, in the attributes of the dataset and of
    every variable; boolean and 64-bit integer variables become int32.

    Parameters
    ----------
    dataset : xarray.Dataset

    Returns
    -------
    xarray.Dataset
    """
    ready = dataset.copy()
    for name, variable in dataset.variables.items():
        narrow = variable.dtype == bool or (
            np.issubdtype(variable.dtype, np.integer) and variable.dtype.itemsize > 4
        )
        if narrow:
            converted = variable.astype(np.int32)
            if name in ready.coords:
                ready = ready.assign_coords({name: converted})
            else:
                ready[name] = converted
    for obj in (ready, *ready.variables.values()):
        obj.attrs = {str(k): _netcdf_attribute(v) for k, v in obj.attrs.items()}
    return ready


def write_netcdf(dataset: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ``dataset`` atomically to a netCDF-3 file (:func:`netcdf_ready`, SciPy engine).

    Parameters
    ----------
    dataset : xarray.Dataset
        Not modified.
    path : str or path-like

    Returns
    -------
    pathlib.Path
        The path written.
    """
    ready = netcdf_ready(dataset)
    return atomic_write(path, lambda temporary: ready.to_netcdf(temporary, engine=NETCDF_ENGINE))
