"""Simple-cell models: Gabor, CORF and their push-pull versions, each with one ``response``.

Every cell maps images ``(..., H, W)`` and orientations (rad, 1-D) to responses
``(..., n_orientations, H, W)`` on the images' array backend.
"""

from __future__ import annotations

from .corf import (
    CORFCell,
    Subunit,
    SubunitSet,
    configure_subunits,
    default_rho,
    edge_prototype,
    line_prototype,
)
from .gabor import GaborCell
from .pushpull import PushPullCell
from .surround import SurroundInhibitionCell, surround_inhibition, surround_weighting

__all__ = [
    "CORFCell",
    "GaborCell",
    "PushPullCell",
    "Subunit",
    "SubunitSet",
    "SurroundInhibitionCell",
    "configure_subunits",
    "default_rho",
    "edge_prototype",
    "line_prototype",
    "surround_inhibition",
    "surround_weighting",
]
