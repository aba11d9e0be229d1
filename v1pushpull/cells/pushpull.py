"""Push-pull inhibition for any simple cell: ``r = [r_push − k·r_pull]₊``.

The pull (antiphase) cell is derived from the push cell — each
:class:`~v1pushpull.cells.base.SimpleCell` builds its own with ``pull_cell`` — so a study
compares "with and without push-pull" by wrapping the cell it already has:

- CORF [A14]_: the pull cell has every subunit's polarity inverted and moved outward by β px
  along the cell's x axis (:meth:`v1pushpull.cells.CORFCell.pull_cell`).
- Gabor: the pull receptive field is the opposite-polarity Gabor (phase + π, i.e. the negated
  kernel) widened by a factor s (wavelength and envelope σ times s;
  :meth:`v1pushpull.cells.GaborCell.pull_cell`), the continuous analogue
  of the push-pull CNN layer's negated, upsampled kernel ``−k↑`` [S20]_ — in shape, not in
  gain. The Gabor pull cell is normalised like the push cell (Petkov's normalisation: lobes
  summing to ±1, so both kernels have L1 norm 2), while bilinear upsampling to the size
  ``ŝ ≈ 2h`` multiplies the L1 norm: ``‖k↑‖₁ / ‖k‖₁`` is about 3 to 4 at s = 2 (measured: 3.0
  to 3.95 on average for random 3×3 to 11×11 kernels, 4.0 to 4.4 for smooth Gabor kernels).
  An inhibition strength k here therefore corresponds to α ≈ k/3 to k/4 in
  :class:`v1pushpull.torch.PushPullConv2d`; k = 1 is not the layer's α = 1.

References
----------
.. [A14] Azzopardi, Rodríguez-Sánchez, Piater, Petkov. A push-pull CORF model of a simple cell
   with antiphase inhibition improves SNR and contour detection. PLoS ONE 9(7):e98424, 2014.
.. [S20] Strisciuglio, Lopez-Antequera, Petkov. Enhanced robustness of convolutional networks
   with a push-pull inhibition layer. Neural Computing and Applications 32:17957–17971, 2020.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._backend import check_positive
from .base import SimpleCell
from .corf import CORFCell
from .gabor import GaborCell

__all__ = ["PushPullCell"]


@dataclass(frozen=True)
class PushPullCell:
    """A simple cell with push-pull (antiphase) inhibition: ``r = [r_push − k·r_pull]₊``.

    Parameters
    ----------
    push : CORFCell or GaborCell
        The excitatory (push) cell, any :class:`~v1pushpull.cells.base.SimpleCell`.
    inhibition_strength : float, optional
        k ≥ 0 (default 1.8 for CORF [A14]_, 1 for Gabor [S20]_). ``k = 0`` gives the push
        cell's response (in the released CORF convention, with the shared σ̂, see Notes).
    pull_shift : float, optional
        CORF only: β in px, how far each pull subunit moves outward (default 4).
    pull_scale : float, optional
        Gabor only: s > 0, the widening of the pull receptive field (default 2).

    Attributes
    ----------
    pull : CORFCell or GaborCell
        The derived pull cell, ``push.pull_cell(pull_shift or pull_scale)``.

    Raises
    ------
    TypeError
        If ``push`` is not a CORFCell or GaborCell.
    ValueError
        If k, β or s is invalid, or β/s is given for the other model.

    Notes
    -----
    With a ``CORFCell(convention="released")`` push cell, push and pull share one weight σ̂,
    the largest ρ (rounded to 3 decimals) over the push and the pull subunits, / 3, as the
    released code computes it (6.632667 px instead of the push cell's own 6.393333 px at
    σ = 2.2, β = 4) — also at k = 0, where the response is therefore not the push cell's
    own. The corrected convention keeps the push cell's σ̂ for both.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.cells import CORFCell, PushPullCell
    >>> from v1pushpull.stimuli import step_edge
    >>> cell = PushPullCell(CORFCell())
    >>> cell.inhibition_strength, cell.pull_shift
    (1.8, 4.0)
    >>> cell.response(step_edge(64, 0.0), [0.0, np.pi]).shape
    (2, 64, 64)
    """

    push: CORFCell | GaborCell
    inhibition_strength: float | None = None
    pull_shift: float | None = None
    pull_scale: float | None = None
    pull: CORFCell | GaborCell = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.push, SimpleCell):
            raise TypeError(
                f"push must be a CORFCell or a GaborCell, got {type(self.push).__name__}"
            )
        name = self.push.pull_parameter
        given = {"pull_shift": self.pull_shift, "pull_scale": self.pull_scale}
        for other, value in given.items():
            if other != name and value is not None:
                raise ValueError(
                    f"{other} does not apply to a {type(self.push).__name__} push cell, "
                    f"got {other}={value!r}"
                )
        strength = self.push.default_inhibition_strength
        if self.inhibition_strength is not None:
            strength = check_positive(
                self.inhibition_strength, "inhibition_strength", allow_zero=True
            )
        object.__setattr__(self, "inhibition_strength", strength)
        value = self.push.default_pull_parameter
        if given[name] is not None:
            value = check_positive(given[name], name)
        object.__setattr__(self, name, value)
        object.__setattr__(self, "pull", self.push.pull_cell(value))

    @property
    def support(self) -> int:
        """Spatial support in px: the larger of the push and the pull cell's (for CORF, the
        smallest image side accepted)."""
        return max(self.push.support, self.pull.support)

    def response(self, images: Any, orientations: Any) -> Any:
        """Push-pull responses ``[r_push − k·r_pull]₊`` at each orientation.

        The images are validated once and, for Gabor cells, transformed once for both
        kernels; CORF cells share their DoG responses.

        Parameters
        ----------
        images : array, shape (..., H, W)
            Real floating images of any backend; for CORF at least :attr:`support` px on each
            side.
        orientations : float or 1-D sequence of float
            Orientations θ in rad.

        Returns
        -------
        array, shape (..., n_orientations, H, W)
            Non-negative responses, never larger than the push cell's (released CORF: than
            the push cell's with the shared σ̂).

        Raises
        ------
        TypeError, ValueError
            As the push cell's ``response``.

        Examples
        --------
        >>> import numpy as np
        >>> from v1pushpull.cells import GaborCell, PushPullCell
        >>> cell = PushPullCell(GaborCell(wavelength=4.0, phase=np.pi / 2))
        >>> cell.response(np.zeros((48, 48)), [0.0]).shape
        (1, 48, 48)
        """
        return self.push._push_pull_response(
            self.pull, float(self.inhibition_strength), images, orientations
        )
