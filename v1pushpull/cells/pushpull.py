"""Push-pull inhibition for any simple cell: ``r = [r_push − k·r_pull]₊``.

The pull (antiphase) cell is derived from the push cell, so a study compares "with and
without push-pull" by wrapping the cell it already has:

- CORF [A14]_: the pull cell has every subunit's polarity inverted and moved outward by β px
  along the cell's x axis (:meth:`v1pushpull.cells.CORFCell.pull_cell`).
- Gabor: the pull receptive field is the opposite-polarity Gabor (phase + π, i.e. the negated
  kernel) widened by a factor s (wavelength and envelope σ times s), the continuous analogue
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

import math
from dataclasses import dataclass, field, replace
from typing import Any

from .._backend import array_namespace, check_positive
from .corf import CORFCell, _geometric_mean_responses
from .gabor import GaborCell

__all__ = ["PushPullCell"]

_DEFAULTS = {
    # model: (inhibition strength k, pull shift β in px, pull scale s)
    "corf": (1.8, 4.0, None),  # released example of [A14]
    "gabor": (1.0, None, 2.0),  # published setting of the CNN layer [S20]
}


@dataclass(frozen=True)
class PushPullCell:
    """A simple cell with push-pull (antiphase) inhibition: ``r = [r_push − k·r_pull]₊``.

    Parameters
    ----------
    push : CORFCell or GaborCell
        The excitatory (push) cell.
    inhibition_strength : float, optional
        k ≥ 0 (default 1.8 for CORF [A14]_, 1 for Gabor [S20]_). ``k = 0`` gives the push
        cell's response.
    pull_shift : float, optional
        CORF only: β in px, how far each pull subunit moves outward (default 4).
    pull_scale : float, optional
        Gabor only: s > 0, the widening of the pull receptive field (default 2).

    Attributes
    ----------
    pull : CORFCell or GaborCell
        The derived pull cell.

    Raises
    ------
    TypeError
        If ``push`` is not a CORFCell or GaborCell.
    ValueError
        If k, β or s is invalid, or β/s is given for the other model.

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
        if isinstance(self.push, CORFCell):
            model, other, other_name = "corf", self.pull_scale, "pull_scale"
        elif isinstance(self.push, GaborCell):
            model, other, other_name = "gabor", self.pull_shift, "pull_shift"
        else:
            raise TypeError(
                f"push must be a CORFCell or a GaborCell, got {type(self.push).__name__}"
            )
        if other is not None:
            raise ValueError(
                f"{other_name} does not apply to a {type(self.push).__name__} push cell, "
                f"got {other_name}={other!r}"
            )
        strength, shift, scale = _DEFAULTS[model]
        if self.inhibition_strength is not None:
            strength = check_positive(
                self.inhibition_strength, "inhibition_strength", allow_zero=True
            )
        object.__setattr__(self, "inhibition_strength", strength)
        if model == "corf":
            if self.pull_shift is not None:
                shift = check_positive(self.pull_shift, "pull_shift")
            object.__setattr__(self, "pull_shift", shift)
            object.__setattr__(self, "pull", self.push.pull_cell(shift))
            return
        if self.pull_scale is not None:
            scale = check_positive(self.pull_scale, "pull_scale")
        object.__setattr__(self, "pull_scale", scale)
        push = self.push
        object.__setattr__(
            self,
            "pull",
            replace(
                push,
                wavelength=push.wavelength * scale,
                sigma=push.envelope_sigma * scale,
                phase=float(push.phase) + math.pi,
            ),
        )

    @property
    def support(self) -> int:
        """Spatial support in px: the larger of the push and the pull cell's (for CORF, the
        smallest image side accepted)."""
        return max(self.push.support, self.pull.support)

    def response(self, images: Any, orientations: Any) -> Any:
        """Push-pull responses ``[r_push − k·r_pull]₊`` at each orientation.

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
            Non-negative responses, never larger than the push cell's.

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
        k = float(self.inhibition_strength)
        if isinstance(self.push, CORFCell):

            def combine(responses: list[Any]) -> Any:
                # in place: the per-orientation work stays at three image-sized buffers
                push, pull = responses
                responses.clear()
                pull *= k
                push -= pull
                del pull
                return array_namespace(push).clip(push, min=0.0)

            return _geometric_mean_responses(images, orientations, [self.push, self.pull], combine)
        pull = self.pull.response(images, orientations)
        push = self.push.response(images, orientations)
        xp = array_namespace(push)
        return xp.clip(push - k * pull, min=0.0)
