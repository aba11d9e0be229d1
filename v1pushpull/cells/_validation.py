"""Checks of the cells' scalar parameters, shared by the cell dataclasses."""

from __future__ import annotations

import math
import numbers
from typing import Any


def check_real(value: Any, name: str) -> float:
    """Return ``value`` as a float after checking that it is a finite real number.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (``bool``, ``None`` and strings included).
    ValueError
        If it is NaN or infinite.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)
