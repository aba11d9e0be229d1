"""v1pushpull._io: the one atomic writer of results."""

from __future__ import annotations

from pathlib import Path

import pytest

from v1pushpull._io import atomic_write


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
