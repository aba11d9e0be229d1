"""Gabor simple cell: a linear Gabor receptive field followed by a threshold-linear output.

References
----------
.. [G03] Grigorescu, Petkov, Westenberg. Contour detection based on nonclassical receptive
   field inhibition. IEEE Trans. Image Processing 12(7), 2003.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from .._backend import (
    as_float_images,
    as_orientations,
    check_positive,
    check_wavelengths,
    device_of,
)
from ..filtering import PADDING_MODES, Padding, _filter_bank
from ..kernels import Normalization, _default_gabor_size, _gabor_sigmas, gabor_bank
from ._validation import check_real
from .base import SimpleCell

__all__ = ["GaborCell"]


@dataclass(frozen=True)
class GaborCell(SimpleCell):
    """Gabor simple cell: ``r = [g_θ ⋆ I − t]₊`` [G03]_.

    The receptive field ``g_θ`` is the Gabor function of :func:`v1pushpull.gabor_kernel`
    (Petkov's normalisation by default: DC-free, positive and negative lobes summing to +1 and
    −1), the response is its correlation with the image, minus the threshold ``t`` and
    half-wave rectified.

    Parameters
    ----------
    wavelength : float
        Wavelength λ of the carrier in px, ≥ 2.
    bandwidth : float, optional
        Half-response spatial-frequency bandwidth in octaves (default 1, σ = 0.56 λ).
    sigma : float, optional
        Standard deviation σ of the envelope in px, instead of ``bandwidth``.
    aspect_ratio : float, optional
        Spatial aspect ratio γ of the envelope (default 0.5).
    phase : float, optional
        Phase offset φ in rad: 0 (default) an even, line-detecting cell, ±π/2 an odd,
        edge-detecting one. Odd cells are polarity specific: use orientations in [0, 2π).
        With the spec's ``cos(2πx'/λ + φ)``, φ = −π/2 gives ``sin(2πx'/λ)``, positive where
        ``x' > 0``: that cell prefers ``step_edge(size, θ)`` (bright where ``x' ≥ 0``) at its
        own θ, as :class:`~v1pushpull.cells.CORFCell` does, while φ = +π/2 prefers it at
        θ + π (see Notes).
    threshold : float, optional
        Threshold ``t`` of the output non-linearity, in response units (default 0), ≥ 0.
    normalization : {"petkov", "zero_mean", "none"}, optional
        Kernel normalisation, see :func:`v1pushpull.gabor_kernel`.
    padding : {"reflect", "symmetric", "constant", "wrap"}, optional
        Image extension at the borders (default ``"reflect"``).

    Raises
    ------
    ValueError
        If a parameter is out of range (message names it).

    Notes
    -----
    Edge polarity: the kernel at θ + π with phase φ equals the kernel at θ with phase −φ, so
    an odd cell with φ = π/2 at θ + π is the cell with φ = −π/2 at θ. To compare odd Gabor
    cells with CORF cells at the same orientation, use ``phase=-np.pi / 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.cells import GaborCell
    >>> from v1pushpull.stimuli import grating
    >>> cell = GaborCell(wavelength=8.0)
    >>> orientations = np.linspace(0, np.pi, 8, endpoint=False)
    >>> responses = cell.response(grating(64, 8.0, 0.0), orientations)
    >>> responses.shape
    (8, 64, 64)
    >>> int(responses[:, 32, 32].argmax())
    0
    """

    wavelength: float
    bandwidth: float = 1.0
    sigma: float | None = None
    aspect_ratio: float = 0.5
    phase: float = 0.0
    threshold: float = 0.0
    normalization: Normalization = "petkov"
    padding: Padding = "reflect"

    #: PushPullCell's field that parametrises :meth:`pull_cell`, and the defaults of [S20]_.
    pull_parameter: ClassVar[str] = "pull_scale"
    default_inhibition_strength: ClassVar[float] = 1.0
    default_pull_parameter: ClassVar[float] = 2.0

    def __post_init__(self) -> None:
        # every numeric field is checked (TypeError for non-numbers, ValueError for NaN or out
        # of range, naming the field) and stored as a Python float
        wavelength = check_positive(self.wavelength, "wavelength")
        check_wavelengths(wavelength, "wavelength")
        numeric = {
            "wavelength": wavelength,
            "bandwidth": check_positive(self.bandwidth, "bandwidth"),
            "aspect_ratio": check_positive(self.aspect_ratio, "aspect_ratio"),
            "phase": check_real(self.phase, "phase"),
            "threshold": check_positive(self.threshold, "threshold", allow_zero=True),
        }
        if self.sigma is not None:
            numeric["sigma"] = check_positive(self.sigma, "sigma")
        for name, value in numeric.items():
            object.__setattr__(self, name, value)
        if self.normalization not in ("petkov", "zero_mean", "none"):
            raise ValueError(
                f"normalization must be 'petkov', 'zero_mean' or 'none', got {self.normalization!r}"
            )
        if self.padding not in PADDING_MODES:
            raise ValueError(f"padding must be one of {PADDING_MODES}, got {self.padding!r}")

    @property
    def envelope_sigma(self) -> float:
        """Standard deviation σ of the Gaussian envelope along ``x'``, in px."""
        return float(
            _gabor_sigmas(np.array([float(self.wavelength)]), self.bandwidth, self.sigma)[0]
        )

    @property
    def support(self) -> int:
        """Side of the square kernel in px: ``2·ceil(2.5σ/γ) + 1``."""
        return _default_gabor_size(np.array([self.envelope_sigma]), float(self.aspect_ratio))

    def _bank(self, orientations: Any, phase: float, size: int | None, xp, device, dtype) -> Any:
        return gabor_bank(
            float(self.wavelength),
            orientations,
            phase,
            aspect_ratio=float(self.aspect_ratio),
            sigma=self.envelope_sigma,
            size=size,
            normalization=self.normalization,
            xp=xp,
            device=device,
            dtype=dtype,
        )

    def linear_receptive_fields(
        self,
        orientations: Any,
        size: int | None = None,
        *,
        xp: ModuleType | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> Any:
        """The Gabor kernels of the cell at each orientation.

        Parameters
        ----------
        orientations : float or 1-D sequence of float
            Orientations θ in rad.
        size : int, optional
            Side of the kernels in px (default :attr:`support`).
        xp, device, dtype :
            Array library, device and dtype of the result (default NumPy, float64).

        Returns
        -------
        array, shape (n_orientations, size, size)

        Examples
        --------
        >>> from v1pushpull.cells import GaborCell
        >>> GaborCell(wavelength=4.0).linear_receptive_fields([0.0, 1.0]).shape
        (2, 25, 25)
        """
        theta = as_orientations(orientations)
        return self._bank(theta, float(self.phase), size, xp, device, dtype)

    def pull_cell(self, scale: float = 2.0) -> GaborCell:
        """The antiphase (pull) cell: the opposite-polarity Gabor (phase + π) widened by s.

        Wavelength and envelope σ are multiplied by ``scale``; aspect ratio, threshold,
        normalisation and padding are kept (see :mod:`v1pushpull.cells.pushpull`).

        Parameters
        ----------
        scale : float, optional
            s > 0 (default 2, the push-pull layer's [S20]_).

        Returns
        -------
        GaborCell

        Examples
        --------
        >>> from v1pushpull.cells import GaborCell
        >>> pull = GaborCell(wavelength=6.0).pull_cell(2.0)
        >>> pull.wavelength, round(pull.phase, 6)
        (12.0, 3.141593)
        """
        scale = check_positive(scale, "scale")
        return replace(
            self,
            wavelength=self.wavelength * scale,
            sigma=self.envelope_sigma * scale,
            phase=float(self.phase) + math.pi,
        )

    def _linear(self, xp: ModuleType, images: Any, theta: Any) -> Any:
        """``g_θ ⋆ I`` of validated images."""
        bank = self._bank(theta, float(self.phase), None, xp, device_of(images), images.dtype)
        return _filter_bank(xp, images, bank, self.padding)

    def linear_response(self, images: Any, orientations: Any) -> Any:
        """The linear stage ``g_θ ⋆ I`` before threshold and rectification.

        Parameters
        ----------
        images : array, shape (..., H, W)
            Real floating images of any backend.
        orientations : float or 1-D sequence of float
            Orientations θ in rad.

        Returns
        -------
        array, shape (..., n_orientations, H, W)

        Examples
        --------
        >>> import numpy as np
        >>> from v1pushpull.cells import GaborCell
        >>> cell = GaborCell(wavelength=4.0)
        >>> float(abs(cell.linear_response(np.full((32, 32), 0.5), [0.0])).max()) < 1e-9
        True
        """
        images, xp = as_float_images(images)
        return self._linear(xp, images, as_orientations(orientations))

    def response(self, images: Any, orientations: Any) -> Any:
        """Simple-cell responses ``[g_θ ⋆ I − t]₊`` at each orientation.

        Parameters
        ----------
        images : array, shape (..., H, W)
            Real floating images of any backend. Images smaller than the kernel are allowed:
            the padding mode extends them as far as needed (the pattern repeats).
        orientations : float or 1-D sequence of float
            Orientations θ in rad (direction across the preferred stripes or edge).

        Returns
        -------
        array, shape (..., n_orientations, H, W)
            Non-negative responses, same backend, device and dtype as ``images``.

        Raises
        ------
        TypeError
            If ``images`` is not a real floating array.
        ValueError
            If ``orientations`` is not 1-D.

        Examples
        --------
        >>> import numpy as np
        >>> from v1pushpull.cells import GaborCell
        >>> cell = GaborCell(wavelength=8.0, threshold=0.1)
        >>> cell.response(np.zeros((2, 48, 48)), [0.0, np.pi / 2]).shape
        (2, 2, 48, 48)
        """
        images, xp = as_float_images(images)
        linear = self._linear(xp, images, as_orientations(orientations))
        return xp.clip(linear - float(self.threshold), min=0.0)

    def _push_pull_response(
        self, pull: SimpleCell, strength: float, images: Any, orientations: Any
    ) -> Any:
        # One validation for both cells. Each cell filters at its own kernel size, so the
        # push part is bit for bit the push cell's response and [push − k·pull]₊ never
        # exceeds it (one transform for both banks would change it by rounding, ~2e-16).
        images, xp = as_float_images(images)
        theta = as_orientations(orientations)
        push = xp.clip(self._linear(xp, images, theta) - float(self.threshold), min=0.0)
        if strength == 0.0:
            return push
        inhibition = xp.clip(pull._linear(xp, images, theta) - float(pull.threshold), min=0.0)
        inhibition *= strength
        push -= inhibition
        return xp.clip(push, min=0.0)

    def energy(self, images: Any, orientations: Any) -> Any:
        """Gabor energy (complex cell): ``sqrt((g_θ,φ ⋆ I)² + (g_θ,φ+π/2 ⋆ I)²)``.

        Uses the cell's phase φ and the quadrature phase φ + π/2; no threshold.

        Parameters
        ----------
        images : array, shape (..., H, W)
            Real floating images of any backend.
        orientations : float or 1-D sequence of float
            Orientations θ in rad; the energy is π-periodic in θ.

        Returns
        -------
        array, shape (..., n_orientations, H, W)

        Examples
        --------
        >>> import numpy as np
        >>> from v1pushpull.cells import GaborCell
        >>> from v1pushpull.stimuli import grating
        >>> cell = GaborCell(wavelength=8.0)
        >>> energy = cell.energy(grating(64, 8.0, 0.0), [0.0])
        >>> bool(energy[0, 20:44, 20:44].std() < 0.05 * energy[0, 20:44, 20:44].mean())
        True
        """
        images, xp = as_float_images(images)
        return self._energy(xp, images, as_orientations(orientations))

    def _energy(self, xp: ModuleType, images: Any, theta: Any) -> Any:
        """Gabor energy of validated images."""
        n = theta.size
        phases = [float(self.phase), float(self.phase) + math.pi / 2]
        # phase varies fastest in the bank: even and odd kernels alternate
        bank = self._bank(theta, phases, None, xp, device_of(images), images.dtype)
        linear = _filter_bank(xp, images, bank, self.padding)
        return xp.sqrt(
            linear[..., 0 : 2 * n : 2, :, :] ** 2 + linear[..., 1 : 2 * n : 2, :, :] ** 2
        )
