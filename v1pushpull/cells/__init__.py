"""Simple-cell models: Gabor, CORF and their push-pull versions, each with one ``response``.

Every cell maps images ``(..., H, W)`` and orientations (rad, 1-D) to responses
``(..., n_orientations, H, W)`` on the images' array backend. The simple cells (Gabor, CORF)
share the :class:`SimpleCell` base: ``response``, ``support``, ``linear_receptive_fields`` and
``pull_cell``. The CORF family has two conventions (:data:`CONVENTIONS`): ``"corrected"``
(default) and ``"released"``, the authors' released code number for number.
"""

from __future__ import annotations

from .base import SimpleCell
from .corf import (
    CONVENTIONS,
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
    "CONVENTIONS",
    "CORFCell",
    "GaborCell",
    "PushPullCell",
    "SimpleCell",
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
