"""The shape every simple cell shares, so that push-pull and analyses need no type branches.

A simple cell (:class:`~v1pushpull.cells.GaborCell`, :class:`~v1pushpull.cells.CORFCell`)
has a ``response`` to images at orientations, a spatial ``support``, its
``linear_receptive_fields``, and builds its own antiphase ``pull_cell`` for
:class:`~v1pushpull.cells.PushPullCell`.
"""

from __future__ import annotations

import abc
from types import ModuleType
from typing import Any, ClassVar

__all__ = ["SimpleCell"]


class SimpleCell(abc.ABC):
    """Base of the simple cells: ``response``, ``support``, ``linear_receptive_fields`` and
    ``pull_cell``.

    Subclasses are frozen dataclasses. They also name the :class:`PushPullCell` field that
    sets their pull cell (``pull_parameter``, e.g. ``"pull_shift"``) and its default
    settings, and compute ``[push − k·pull]₊`` in one pass over the images
    (``_push_pull_response``: one validation, shared transforms).

    Examples
    --------
    >>> from v1pushpull.cells import CORFCell, GaborCell
    >>> from v1pushpull.cells.base import SimpleCell
    >>> isinstance(GaborCell(8.0), SimpleCell), CORFCell.pull_parameter
    (True, 'pull_shift')
    """

    #: Name of the PushPullCell field passed to :meth:`pull_cell`.
    pull_parameter: ClassVar[str]
    #: Default inhibition strength k of a push-pull cell with this push cell.
    default_inhibition_strength: ClassVar[float]
    #: Default value of the ``pull_parameter``.
    default_pull_parameter: ClassVar[float]

    @abc.abstractmethod
    def response(self, images: Any, orientations: Any) -> Any:
        """Responses, shape (..., n_orientations, H, W), to images (..., H, W)."""

    @property
    @abc.abstractmethod
    def support(self) -> int:
        """Spatial extent of the cell in px."""

    @abc.abstractmethod
    def linear_receptive_fields(
        self,
        orientations: Any,
        size: int | None = None,
        *,
        xp: ModuleType | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> Any:
        """The cell's linear receptive field at each orientation, (n_orientations, S, S)."""

    @abc.abstractmethod
    def pull_cell(self, parameter: float) -> SimpleCell:
        """The antiphase (pull) cell of push-pull inhibition."""

    @abc.abstractmethod
    def _push_pull_response(
        self, pull: SimpleCell, strength: float, images: Any, orientations: Any
    ) -> Any:
        """``[self − strength·pull]₊`` with ``pull = self.pull_cell(...)``; validates once."""
