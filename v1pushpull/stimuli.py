"""Visual stimuli: gratings, plaids, bars, step edges, and noise added to any image.

Every stimulus function takes its numeric parameters as scalars or arrays that broadcast
against each other (NumPy rules); the result has shape ``broadcast_shape + (H, W)``. A whole
tuning experiment is therefore one call::

    orientations = np.linspace(0, np.pi, 36, endpoint=False)
    contrasts = np.array([0.1, 0.3, 1.0])
    batch = grating(64, 8.0, orientations[:, None], contrast=contrasts[None, :])
    batch.shape  # (36, 3, 64, 64)

Luminance is ``mean·(1 + contrast·pattern)``, so with the default mean 0.5 and contrast in
[0, 1] a grating spans [0, 1]; the contrast is Michelson contrast. Stimuli live in [0, 1] (the
library's convention, the range of a display): parameters that would take the luminance
outside it (``grating(mean=2)``, a plaid whose contrasts sum above 1) raise a
:class:`ValueError`. Only the noise functions may leave [0, 1] (Gaussian noise is unbounded
unless clipped). Coordinates follow the
library's convention: ``x`` to the right, ``y`` downwards, origin at the image centre
``(H // 2, W // 2)``, ``x' = x cos θ + y sin θ`` (θ is the direction across the stripes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Literal

import numpy as np

from ._backend import (
    SeedLike,
    as_float_images,
    as_generator,
    as_parameter_array,
    asarray_on,
    check_positive,
    check_wavelengths,
    device_of,
    infer_creation_context,
    shape_tuple,
    to_numpy,
)

__all__ = [
    "bar",
    "gaussian_noise",
    "grating",
    "plaid",
    "poisson_noise",
    "salt_and_pepper_noise",
    "step_edge",
]

Size = int | Sequence[int]
Polarity = Literal["bright", "dark"]


def _params(
    xp: ModuleType | None, device: Any, dtype: Any, **values: Any
) -> tuple[ModuleType, Any, Any, dict[str, Any]]:
    """Resolve the array library, device and dtype (from ``xp``/``device``/``dtype`` or from
    array-valued parameters), check that the parameters broadcast, and move them to the device
    shaped ``shape + (1, 1)``."""
    namespace, device, real_dtype = infer_creation_context(xp, device, dtype, *values.values())
    arrays = {name: as_parameter_array(value, name) for name, value in values.items()}
    try:
        np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = {name: a.shape for name, a in arrays.items()}
        raise ValueError(
            f"stimulus parameters must broadcast together, got shapes {shapes}"
        ) from None
    for name in [n for n in arrays if n.endswith("orientation")]:
        # cos and sin on the host, rounded so that multiples of π/2 give exact 0 and ±1:
        # a stimulus rotated by 90° is then exactly the rotated image, edges included.
        angle = arrays.pop(name)
        arrays[name + "_cos"] = np.round(np.cos(angle), 15)
        arrays[name + "_sin"] = np.round(np.sin(angle), 15)
    moved = {
        name: namespace.reshape(
            asarray_on(namespace, a, device=device, dtype=real_dtype), (*a.shape, 1, 1)
        )
        for name, a in arrays.items()
    }
    return namespace, device, real_dtype, moved


def _check_contrast(contrast: Any, name: str = "contrast") -> None:
    values = as_parameter_array(contrast, name)
    if np.any(values < 0) or np.any(values > 1):
        raise ValueError(f"{name} must be a Michelson contrast in [0, 1], got {contrast!r}")


def _check_mean(mean: Any) -> None:
    if np.any(as_parameter_array(mean, "mean") <= 0):
        raise ValueError(f"mean (the mean luminance) must be > 0, got {mean!r}")


#: Rounding slack of the luminance range check (mean 0.5, contrast 1 reaches 1 exactly).
_LUMINANCE_SLACK = 1e-12


def _check_luminance(mean: Any, modulation: Any, what: str, names: str) -> None:
    """Luminance ``mean·(1 ± modulation)`` must stay in [0, 1], the library's convention.

    ``modulation`` is the largest swing (the contrast, or the sum of a plaid's contrasts);
    ``names`` the parameters that set it, for the message.
    """
    means = as_parameter_array(mean, "mean")
    swing = np.asarray(modulation, dtype=np.float64)
    low = np.min(means * (1.0 - swing))
    high = np.max(means * (1.0 + swing))
    if low < -_LUMINANCE_SLACK or high > 1.0 + _LUMINANCE_SLACK:
        raise ValueError(
            f"{what} luminance would span [{low:g}, {high:g}], outside [0, 1] (stimuli live in "
            f"[0, 1]: mean·(1 ± contrast) ≤ 1); lower mean or {names}, e.g. mean=0.5 with a "
            "contrast (sum) ≤ 1"
        )


def _rotated_x(xp: ModuleType, size: tuple[int, int], p: dict, name: str, device: Any, dtype: Any):
    """``x' = x cos θ + y sin θ`` for every pixel, shape ``orientation.shape[:-2] + (H, W)``."""
    height, width = size
    y = xp.reshape(
        asarray_on(xp, np.arange(height) - height // 2, device=device, dtype=dtype), (height, 1)
    )
    x = xp.reshape(
        asarray_on(xp, np.arange(width) - width // 2, device=device, dtype=dtype), (1, width)
    )
    return x * p[name + "_cos"] + y * p[name + "_sin"]


def _aperture_mask(xp: ModuleType, size: tuple[int, int], radius: float | None, device, dtype):
    if radius is None:
        return None
    radius = check_positive(radius, "aperture")
    height, width = size
    y = np.arange(height)[:, None] - height // 2
    x = np.arange(width)[None, :] - width // 2
    return asarray_on(xp, (x**2 + y**2 <= radius**2).astype(np.float64), device=device, dtype=dtype)


def _luminance(pattern: Any, contrast: Any, mean: Any, mask: Any) -> Any:
    """``mean·(1 + contrast·pattern)``; outside the aperture, the mean luminance."""
    modulation = contrast * pattern
    if mask is not None:
        modulation = modulation * mask
    return mean * (1.0 + modulation)


def grating(
    size: Size,
    wavelength: Any,
    orientation: Any,
    phase: Any = 0.0,
    contrast: Any = 1.0,
    mean: Any = 0.5,
    aperture: float | None = None,
    *,
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """Sinusoidal grating(s): ``mean·(1 + contrast·cos(2π x'/λ + φ))``.

    Parameters
    ----------
    size : int or (int, int)
        Image size in px, ``n`` for ``n × n`` or ``(H, W)``.
    wavelength : float or array
        Wavelength λ in px (≥ 2).
    orientation : float or array
        Orientation θ in rad, the direction across the stripes; a Gabor cell of orientation θ
        prefers it.
    phase : float or array, optional
        Phase φ in rad at the image centre (0: a bright stripe through the centre).
    contrast : float or array, optional
        Michelson contrast in [0, 1] (default 1).
    mean : float or array, optional
        Mean luminance (default 0.5); ``mean·(1 + contrast) ≤ 1``, so that the grating stays
        in [0, 1].
    aperture : float, optional
        Radius in px of a circular aperture centred on the image; outside it the image is at
        the mean luminance. Default: no aperture.
    xp, device, dtype :
        Array library (default NumPy), device and real floating dtype (default float64).

    Returns
    -------
    array, shape broadcast(parameters).shape + (H, W)

    Raises
    ------
    ValueError
        If a wavelength is below 2 px, a contrast outside [0, 1], the luminance outside
        [0, 1], the parameters do not broadcast, or the size or aperture are not positive.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.stimuli import grating
    >>> batch = grating(32, 8.0, np.linspace(0, np.pi, 4, endpoint=False), contrast=0.5)
    >>> batch.shape, float(batch.max()) <= 0.75
    ((4, 32, 32), True)
    """
    shape = shape_tuple(size, "size")
    check_wavelengths(wavelength)
    _check_contrast(contrast)
    _check_mean(mean)
    namespace, device, real_dtype, p = _params(
        xp,
        device,
        dtype,
        wavelength=wavelength,
        orientation=orientation,
        phase=phase,
        contrast=contrast,
        mean=mean,
    )
    _check_luminance(mean, as_parameter_array(contrast, "contrast"), "grating", "contrast")
    x_rot = _rotated_x(namespace, shape, p, "orientation", device, real_dtype)
    pattern = namespace.cos(2.0 * math.pi * x_rot / p["wavelength"] + p["phase"])
    mask = _aperture_mask(namespace, shape, aperture, device, real_dtype)
    return _luminance(pattern, p["contrast"], p["mean"], mask)


def plaid(
    size: Size,
    wavelength: Any,
    orientation: Any,
    mask_orientation: Any,
    contrast: Any = 0.5,
    mask_contrast: Any = 0.5,
    phase: Any = 0.0,
    mask_phase: Any = 0.0,
    mask_wavelength: Any = None,
    mean: Any = 0.5,
    aperture: float | None = None,
    *,
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """Plaid: a test grating plus a mask grating, ``mean·(1 + c·cos(…) + c_m·cos(…))``.

    Used for cross-orientation suppression: the mask is usually orthogonal to the test
    grating. The stimulus is the exact sum of its components (never clipped), so its
    luminance ``mean·(1 ± (contrast + mask_contrast))`` must stay in [0, 1]: with the default
    mean 0.5, ``contrast + mask_contrast ≤ 1``.

    Parameters
    ----------
    size : int or (int, int)
        Image size in px.
    wavelength, orientation, phase, contrast : float or array
        Test grating, as in :func:`grating` (default contrast 0.5).
    mask_orientation, mask_phase, mask_contrast : float or array
        Mask grating (default contrast 0.5, phase 0).
    mask_wavelength : float or array, optional
        Mask wavelength in px; default the test wavelength.
    mean, aperture, xp, device, dtype :
        As in :func:`grating`.

    Returns
    -------
    array, shape broadcast(parameters).shape + (H, W)

    Raises
    ------
    ValueError
        As :func:`grating`.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.stimuli import plaid
    >>> image = plaid(32, 8.0, 0.0, np.pi / 2, contrast=0.5, mask_contrast=0.5)
    >>> image.shape, float(image.max())
    ((32, 32), 1.0)
    """
    shape = shape_tuple(size, "size")
    if mask_wavelength is None:
        mask_wavelength = wavelength
    check_wavelengths(wavelength)
    check_wavelengths(mask_wavelength, "mask_wavelength")
    _check_contrast(contrast)
    _check_mean(mean)
    _check_contrast(mask_contrast, "mask_contrast")
    namespace, device, real_dtype, p = _params(
        xp,
        device,
        dtype,
        wavelength=wavelength,
        orientation=orientation,
        phase=phase,
        contrast=contrast,
        mask_wavelength=mask_wavelength,
        mask_orientation=mask_orientation,
        mask_phase=mask_phase,
        mask_contrast=mask_contrast,
        mean=mean,
    )
    swing = as_parameter_array(contrast, "contrast") + as_parameter_array(
        mask_contrast, "mask_contrast"
    )
    _check_luminance(mean, swing, "plaid", "contrast + mask_contrast")
    test = namespace.cos(
        2.0
        * math.pi
        * _rotated_x(namespace, shape, p, "orientation", device, real_dtype)
        / p["wavelength"]
        + p["phase"]
    )
    mask = namespace.cos(
        2.0
        * math.pi
        * _rotated_x(namespace, shape, p, "mask_orientation", device, real_dtype)
        / p["mask_wavelength"]
        + p["mask_phase"]
    )
    window = _aperture_mask(namespace, shape, aperture, device, real_dtype)
    pattern = p["contrast"] * test + p["mask_contrast"] * mask
    return _luminance(pattern, 1.0, p["mean"], window)


def _signed(polarity: Polarity) -> float:
    if polarity not in ("bright", "dark"):
        raise ValueError(f"polarity must be 'bright' or 'dark', got {polarity!r}")
    return 1.0 if polarity == "bright" else -1.0


def bar(
    size: Size,
    orientation: Any,
    width: Any,
    position: Any = 0.0,
    contrast: Any = 1.0,
    mean: Any = 0.5,
    polarity: Polarity = "bright",
    *,
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """Bar(s) of infinite length: ``mean·(1 ± contrast)`` where ``|x' − position| ≤ width/2``.

    The bar runs along the stripes of a grating of the same orientation θ (perpendicular to
    the direction ``(cos θ, sin θ)``), so it is the preferred bar of a cell with orientation θ.

    Parameters
    ----------
    size : int or (int, int)
        Image size in px.
    orientation : float or array
        Orientation θ in rad (the direction across the bar).
    width : float or array
        Bar width in px, > 0.
    position : float or array, optional
        Signed offset of the bar's axis from the image centre along ``x'``, in px.
    contrast : float or array, optional
        Contrast in [0, 1]: the bar is at ``mean·(1 + contrast)`` (bright) or
        ``mean·(1 − contrast)`` (dark) on a background at ``mean``.
    mean : float or array, optional
        Background luminance (default 0.5).
    polarity : {"bright", "dark"}, optional
        Bright bar on a grey background (default) or dark bar.
    xp, device, dtype :
        As in :func:`grating`.

    Returns
    -------
    array, shape broadcast(parameters).shape + (H, W)

    Raises
    ------
    ValueError
        If the width is not positive, a contrast outside [0, 1], the luminance
        ``mean·(1 ± contrast)`` outside [0, 1] or the polarity unknown.

    Examples
    --------
    >>> from v1pushpull.stimuli import bar
    >>> image = bar(9, 0.0, 3.0)
    >>> image[0].tolist()
    [0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    """
    shape = shape_tuple(size, "size")
    if np.any(as_parameter_array(width, "width") <= 0):
        raise ValueError(f"width must be > 0 px, got {width!r}")
    _check_contrast(contrast)
    _check_mean(mean)
    sign = _signed(polarity)
    namespace, device, real_dtype, p = _params(
        xp,
        device,
        dtype,
        orientation=orientation,
        width=width,
        position=position,
        contrast=contrast,
        mean=mean,
    )
    _check_luminance(mean, as_parameter_array(contrast, "contrast"), "bar", "contrast")
    x_rot = _rotated_x(namespace, shape, p, "orientation", device, real_dtype)
    inside = namespace.astype(namespace.abs(x_rot - p["position"]) <= p["width"] / 2.0, real_dtype)
    return _luminance(sign * inside, p["contrast"], p["mean"], None)


def step_edge(
    size: Size,
    orientation: Any,
    position: Any = 0.0,
    contrast: Any = 1.0,
    mean: Any = 0.5,
    polarity: Polarity = "bright",
    *,
    xp: ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Any:
    """Step edge(s): ``mean·(1 + contrast)`` on one side of the line ``x' = position``,
    ``mean·(1 − contrast)`` on the other.

    Parameters
    ----------
    size : int or (int, int)
        Image size in px.
    orientation : float or array
        Orientation θ in rad: the direction across the edge, from the dark to the bright side
        for ``polarity="bright"``.
    position : float or array, optional
        Signed offset of the edge from the image centre along ``x'``, in px. Pixels with
        ``x' ≥ position`` are on the bright side.
    contrast : float or array, optional
        Michelson contrast in [0, 1] (default 1: from 0 to 1 around mean 0.5).
    mean : float or array, optional
        Mean luminance (default 0.5).
    polarity : {"bright", "dark"}, optional
        ``"bright"`` (default): bright where ``x' ≥ position``; ``"dark"``: the reverse.
    xp, device, dtype :
        As in :func:`grating`.

    Returns
    -------
    array, shape broadcast(parameters).shape + (H, W)

    Raises
    ------
    ValueError
        If a contrast is outside [0, 1], the luminance ``mean·(1 ± contrast)`` outside
        [0, 1] or the polarity unknown.

    Examples
    --------
    >>> from v1pushpull.stimuli import step_edge
    >>> step_edge(6, 0.0)[0].tolist()
    [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    """
    shape = shape_tuple(size, "size")
    _check_contrast(contrast)
    _check_mean(mean)
    sign = _signed(polarity)
    namespace, device, real_dtype, p = _params(
        xp,
        device,
        dtype,
        orientation=orientation,
        position=position,
        contrast=contrast,
        mean=mean,
    )
    _check_luminance(mean, as_parameter_array(contrast, "contrast"), "step edge", "contrast")
    x_rot = _rotated_x(namespace, shape, p, "orientation", device, real_dtype)
    side = 2.0 * namespace.astype(x_rot >= p["position"], real_dtype) - 1.0
    return _luminance(sign * side, p["contrast"], p["mean"], None)


def _host_to(images: Any, xp: ModuleType, values: np.ndarray) -> Any:
    return asarray_on(xp, values, device=device_of(images), dtype=images.dtype)


def gaussian_noise(images: Any, std: float, *, seed: SeedLike = None, clip: bool = False) -> Any:
    """Add white Gaussian noise of standard deviation ``std`` to images.

    The noise is drawn on the host from a :class:`numpy.random.Generator`, so a seed gives
    the same noise on every backend, and then moved to the images' device.

    Parameters
    ----------
    images : array, shape (..., H, W)
        Real floating images of any backend.
    std : float
        Standard deviation of the noise, in luminance units, ≥ 0.
    seed : int or numpy.random.Generator, optional
        Seed or generator for reproducible noise.
    clip : bool, optional
        Clip the result to [0, 1] (default False, so the noise stays exactly Gaussian).

    Returns
    -------
    array
        Noisy images, same shape, backend, device and dtype.

    Raises
    ------
    TypeError, ValueError
        For non-float images or a negative ``std``.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.stimuli import gaussian_noise
    >>> noisy = gaussian_noise(np.full((256, 256), 0.5), std=0.1, seed=0)
    >>> round(float(noisy.std()), 2)
    0.1
    """
    images, xp = as_float_images(images, min_ndim=1)
    std = check_positive(std, "std", allow_zero=True)
    noise = as_generator(seed).normal(0.0, std, size=tuple(images.shape))
    noisy = images + _host_to(images, xp, noise)
    return xp.clip(noisy, 0.0, 1.0) if clip else noisy


def salt_and_pepper_noise(
    images: Any, amount: float, *, salt_fraction: float = 0.5, seed: SeedLike = None
) -> Any:
    """Set a random fraction ``amount`` of the pixels to 1 (salt) or 0 (pepper).

    Parameters
    ----------
    images : array, shape (..., H, W)
        Real floating images in [0, 1].
    amount : float
        Probability in [0, 1] that a pixel is replaced.
    salt_fraction : float, optional
        Probability that a replaced pixel becomes salt (1) rather than pepper (0); default 0.5.
    seed : int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    array
        Same shape, backend, device and dtype.

    Raises
    ------
    ValueError
        If ``amount`` or ``salt_fraction`` are outside [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.stimuli import salt_and_pepper_noise
    >>> noisy = salt_and_pepper_noise(np.full((100, 100), 0.5), amount=0.2, seed=0)
    >>> round(float(np.mean(noisy != 0.5)), 1)
    0.2
    """
    images, xp = as_float_images(images, min_ndim=1)
    for name, value in (("amount", amount), ("salt_fraction", salt_fraction)):
        if not 0.0 <= check_positive(value, name, allow_zero=True) <= 1.0:
            raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    generator = as_generator(seed)
    shape = tuple(images.shape)
    replaced = generator.random(shape) < amount
    salt = generator.random(shape) < salt_fraction
    values = np.where(salt, 1.0, 0.0)
    mask = _host_to(images, xp, replaced.astype(np.float64))
    return images * (1.0 - mask) + _host_to(images, xp, values) * mask


def poisson_noise(images: Any, peak: float, *, seed: SeedLike = None) -> Any:
    """Photon (shot) noise: ``Poisson(images·peak) / peak``.

    Parameters
    ----------
    images : array, shape (..., H, W)
        Real floating, non-negative images (luminance in [0, 1]).
    peak : float
        Expected photon count at luminance 1, > 0; the noise variance at luminance ``L`` is
        ``L / peak``.
    seed : int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    array
        Same shape, backend, device and dtype.

    Raises
    ------
    ValueError
        If ``peak`` is not positive or an image has negative values.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.stimuli import poisson_noise
    >>> noisy = poisson_noise(np.full((200, 200), 0.5), peak=100.0, seed=0)
    >>> round(float(noisy.var()) * 100 / 0.5, 1)
    1.0
    """
    images, xp = as_float_images(images, min_ndim=1)
    peak = check_positive(peak, "peak")
    if bool(xp.any(images < 0)):
        raise ValueError("images must be non-negative for Poisson noise (luminance >= 0)")
    counts = as_generator(seed).poisson(to_numpy(images).astype(np.float64) * peak)
    return _host_to(images, xp, counts / peak)
