"""Contour detection from oriented cell responses, and its evaluation against human boundaries.

Detection follows the CORF papers [A12]_ [A14]_: the maximum response over orientations and
the orientation where it occurs, non-maximum suppression across the contour (thinning), and
hysteresis thresholding with ``low = 0.5·high``; by default ``high`` keeps the strongest 10% of
the thinned pixels. Evaluation follows the Berkeley benchmark [M04]_: a detected boundary
pixel is correct if it can be matched one-to-one to a ground-truth boundary pixel within a
tolerance given as a fraction of the image diagonal (0.0075 by default, as in BSDS500).

Two conventions. ``convention="corrected"`` (the default) is this library's model:
bilinear non-maximum suppression at unit distance, a quantile threshold and 8-connected
hysteresis. ``convention="released"`` reproduces, bit for bit, the post-processing of the
authors' released push-pull CORF code (``CORFContourDetection`` of the MATLAB code in GitHub
``brianhhu/FG_RNN``, ``other/CORFPushPull``): the maximum of ``|response|`` over orientations
with the first channel in list order on ties, its linearly interpolated thinning
(``thinning`` method 2), its 64-bin histogram threshold rule and Peter Kovesi's
``hysthresh``, with its quirks; :func:`detect_corf_contours` adds its grey conversion and
per-image min–max rescaling of the input. Orientations keep this library's convention in both:
the released code's θ_m (y axis up, counter-clockwise) is ``θ_m = (π − θ) mod 2π``.

Host steps: hysteresis (connected components with :func:`scipy.ndimage.label`, or a
breadth-first search of :mod:`scipy.sparse.csgraph` for the released one), the released
thinning (float64, as the released code), thresholds, matching (:mod:`scipy.spatial`,
:mod:`scipy.sparse.csgraph`) and the ``.mat`` reader run on the host; GPU arrays are copied
there for these steps (thinned maps and binary maps go back to the device). Maximum,
orientation and the corrected non-maximum suppression run on any backend.

References
----------
.. [A12] Azzopardi, Petkov. A CORF computational model of a simple cell that relies on LGN
   input outperforms the Gabor function model. Biological Cybernetics 106:177–189, 2012.
.. [A14] Azzopardi, Rodríguez-Sánchez, Piater, Petkov. A push-pull CORF model of a simple cell
   with antiphase inhibition improves SNR and contour detection. PLoS ONE 9(7):e98424, 2014.
.. [M04] Martin, Fowlkes, Malik. Learning to detect natural image boundaries using local
   brightness, color, and texture cues. IEEE TPAMI 26(5), 2004 (the BSDS benchmark).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
import scipy.io
import scipy.ndimage as ndi
import xarray as xr
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, maximum_bipartite_matching
from scipy.spatial import cKDTree

from ._backend import (
    as_1d_parameter,
    as_float_images,
    as_orientations,
    asarray_on,
    device_of,
    to_numpy,
)

__all__ = [
    "RELEASED_ORIENTATIONS",
    "BSDSGroundTruth",
    "ContourMap",
    "boundary_counts",
    "contour_scores",
    "contour_threshold",
    "detect_contours",
    "detect_corf_contours",
    "evaluate_contours",
    "hysteresis_threshold",
    "match_boundaries",
    "non_maximum_suppression",
    "orientation_maximum",
    "read_bsds_ground_truth",
    "rescale_min_max",
    "rgb_to_gray",
]

BSDS_MAX_DISTANCE = 0.0075  # fraction of the image diagonal, BSDS500 default

Convention = Literal["corrected", "released"]
_CONVENTIONS = ("corrected", "released")

# The released code's channels, θ_m = 0:22.5:337.5 degrees, in its list order (which decides
# its ties), as radians the way it computes them, ``(θ_m·π)/180``.
_RELEASED_THETA_M = (np.arange(16) * 22.5 * np.pi) / 180.0
RELEASED_ORIENTATIONS: np.ndarray = np.mod(np.pi - _RELEASED_THETA_M, 2 * np.pi)
"""The 16 orientations θ (rad, this library's convention) of ``CORFContourDetection``'s
channels θ_m = 0°, 22.5°, …, 337.5°, in its order: ``θ = (π − θ_m) mod 2π``, i.e. 180°,
157.5°, …, 0°, 337.5°, …, 202.5°. Mapped back, ``(π − θ) mod 2π`` gives the released θ_m
bit for bit."""

# MATLAB's rgb2gray: the luma row of the inverse of the NTSC (YIQ) matrix. These differ from
# scikit-image's rgb2gray (0.2125, 0.7154, 0.0721, Rec. 709 for linear RGB).
_MATLAB_GRAY_WEIGHTS = (0.298936021293775, 0.587043074451121, 0.114020904255103)


def _check_convention(convention: Any) -> str:
    if convention not in _CONVENTIONS:
        raise ValueError(f"convention must be 'corrected' or 'released', got {convention!r}")
    return convention


def rgb_to_gray(image: Any) -> Any:
    """Grey levels of RGB images with MATLAB's ``rgb2gray`` weights (Rec. 601 luma).

    ``gray = 0.298936021293775·R + 0.587043074451121·G + 0.114020904255103·B``, the weights
    of MATLAB's (and GNU Octave's) ``rgb2gray``, which the released CORF contour code applies
    to colour input. They are not scikit-image's :func:`skimage.color.rgb2gray` weights
    (0.2125, 0.7154, 0.0721).

    Parameters
    ----------
    image : array, shape (..., H, W, 3)
        Real floating RGB images of any backend (channels last).

    Returns
    -------
    array, shape (..., H, W)
        Same backend, device and dtype.

    Raises
    ------
    ValueError
        If the last axis does not have length 3.

    Notes
    -----
    MATLAB rounds the grey levels of an integer image to its integer type; this function takes
    floating images only (convert ``uint8`` images with ``image / 255``), so it differs from
    MATLAB on integer input by that rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import rgb_to_gray
    >>> float(rgb_to_gray(np.array([[[1.0, 0.0, 0.0]]]))[0, 0])
    0.298936021293775
    """
    image, _ = as_float_images(image, "image", min_ndim=3)
    if image.shape[-1] != 3:
        raise ValueError(
            f"image must have 3 colour channels on its last axis, got shape {tuple(image.shape)}"
        )
    return _gray(image)


def _gray(image: Any) -> Any:
    red, green, blue = (image[..., channel] for channel in range(3))
    weight_red, weight_green, weight_blue = _MATLAB_GRAY_WEIGHTS
    return weight_red * red + weight_green * green + weight_blue * blue


def rescale_min_max(image: Any) -> Any:
    """Per-image min–max scaling to [0, 1], the released CORF code's ``rescaleImage(·, 0, 1)``.

    ``(x − min) / (max − min)`` over each image's pixels; a constant image becomes all ones.
    It is the released contour pipeline's only contrast normalisation: as the cells are
    exactly proportional to contrast, it makes the released contour map independent of the
    contrast of the input.

    Parameters
    ----------
    image : array, shape (..., H, W)
        Real floating images of any backend.

    Returns
    -------
    array, shape (..., H, W)
        Same backend, device and dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import rescale_min_max
    >>> rescale_min_max(np.array([[1.0, 2.0, 3.0]])).tolist()
    [[0.0, 0.5, 1.0]]
    >>> rescale_min_max(np.full((1, 2), 0.3)).tolist()
    [[1.0, 1.0]]
    """
    image, xp = as_float_images(image, "image")
    return _rescale(image, xp)


def _rescale(image: Any, xp: Any) -> Any:
    low = xp.min(image, axis=(-2, -1), keepdims=True)
    span = xp.max(image, axis=(-2, -1), keepdims=True) - low
    flat = span == 0
    scaled = (image - low) / xp.where(flat, 1.0, span)
    return xp.where(flat, xp.ones_like(image), scaled)


def orientation_maximum(
    responses: Any, orientations: Any, *, convention: Convention = "corrected"
) -> tuple[Any, Any]:
    """Maximum response over orientations and the orientation (rad) where it occurs.

    Parameters
    ----------
    responses : array, shape (..., n_orientations, H, W)
        Cell responses of any backend, e.g. from ``CORFCell.response``.
    orientations : 1-D sequence of float
        The orientations θ in rad of the channels.
    convention : {"corrected", "released"}, optional
        ``"released"`` takes the maximum of ``|responses|``, as the released code's
        ``calc_viewimage``; for rectified (non-negative) responses both are the same.

    Returns
    -------
    strength : array, shape (..., H, W)
    orientation : array, shape (..., H, W)
        Preferred orientation in rad: the first channel in list order that reaches the
        maximum, so a pixel where every channel is 0 gets the first orientation (the
        released ``calc_viewimage`` rule, with its strict ``>``).

    Raises
    ------
    ValueError
        If the number of orientations does not match axis −3, or ``convention`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import orientation_maximum
    >>> responses = np.stack([np.zeros((4, 4)), np.ones((4, 4))])
    >>> strength, orientation = orientation_maximum(responses, [0.0, 1.5])
    >>> float(strength[0, 0]), float(orientation[0, 0])
    (1.0, 1.5)
    """
    responses, xp = as_float_images(responses, "responses", min_ndim=3)
    theta = as_orientations(orientations)
    released = _check_convention(convention) == "released"
    strength, index = _orientation_maximum(responses, theta, xp, released)
    return strength, _orientation_of(index, theta, xp, responses.dtype, device_of(responses))


def _orientation_maximum(responses: Any, theta: np.ndarray, xp: Any, released: bool) -> Any:
    """Maximum over axis −3 (of ``|responses|`` if ``released``) and its first index."""
    if theta.size != responses.shape[-3]:
        raise ValueError(
            f"orientations has {theta.size} values but responses has {responses.shape[-3]} "
            "orientation channels (axis -3)"
        )
    if released:
        responses = xp.abs(responses)
    return xp.max(responses, axis=-3), xp.argmax(responses, axis=-3)


def _orientation_of(index: Any, theta: np.ndarray, xp: Any, dtype: Any, device: Any) -> Any:
    values = asarray_on(xp, theta, device=device, dtype=dtype)
    return xp.reshape(xp.take(values, xp.reshape(index, (-1,))), index.shape)


def _released_thinning(strength: Any, orientation: np.ndarray, xp: Any) -> Any:
    """The released thinning of ``strength`` (any backend) for host orientations θ (rad)."""
    host = np.asarray(to_numpy(strength), dtype=np.float64)
    keep = _interpolated_thinning_keep(host, orientation)
    kept = asarray_on(xp, keep, device=device_of(strength), dtype=xp.bool)
    return xp.where(kept, strength, xp.zeros_like(strength))


def non_maximum_suppression(
    strength: Any, orientation: Any, *, convention: Convention = "corrected"
) -> Any:
    """Thin contours: keep a pixel only if it is a maximum across the contour.

    ``convention="corrected"``: the strength is compared with its values one pixel ahead and
    one pixel behind along the preferred orientation θ (rad, the direction across the edge),
    read by bilinear interpolation at ``(x ± cos θ, y ± sin θ)``. Interpolating at unit
    distance (rather than at the nearest of the 8 neighbours) keeps 45° contours one pixel
    thin: a diagonal step would jump over the ridge. A pixel is kept if it is > 0, strictly
    larger than the value behind and at least as large as the value ahead, so a two-pixel
    plateau keeps one pixel. Pixels outside the image count as 0.

    ``convention="released"``: the released code's ``thinning`` method 2 (which its
    ``calc_thinning(·, ·, 1)`` calls). With ``o = θ_m mod π``, ``θ_m = (π − θ) mod 2π``
    (counter-clockwise with the y axis up), the two values compared lie on the square of the
    8 neighbours, interpolated linearly between the two neighbours on either side of the
    direction ``o``: for ``o ≤ π/4`` between E and NE (and W and SW) with weight
    ``f = o/(π/4)`` on NE, then NE→N, N→NW and NW→W per quarter (N is the row above). A pixel
    keeps its value if it is ≥ both (so plateaus stay two pixels wide); pixels outside the
    image count as 0. It is computed in float64 on the host, as the released code does; its
    result depends on the exact θ (a float32 θ is rounded), which :func:`detect_contours`
    passes in float64 whatever the dtype of the responses.

    Parameters
    ----------
    strength : array, shape (..., H, W)
        Non-negative contour strength of any backend.
    orientation : array, shape (..., H, W)
        Preferred orientation θ in rad, same backend.
    convention : {"corrected", "released"}, optional
        Which thinning (default ``"corrected"``).

    Returns
    -------
    array, shape (..., H, W)
        ``strength`` where it is kept, 0 elsewhere (same backend, device and dtype).

    Raises
    ------
    ValueError
        If the shapes differ or ``convention`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import non_maximum_suppression
    >>> ridge = np.tile([0.0, 1.0, 3.0, 2.0, 0.0], (3, 1))
    >>> non_maximum_suppression(ridge, np.zeros_like(ridge))[1].tolist()
    [0.0, 0.0, 3.0, 0.0, 0.0]
    """
    strength, xp = as_float_images(strength, "strength")
    orientation, _ = as_float_images(orientation, "orientation")
    if tuple(orientation.shape) != tuple(strength.shape):
        raise ValueError(
            f"orientation must have the shape of strength {tuple(strength.shape)}, "
            f"got {tuple(orientation.shape)}"
        )
    if _check_convention(convention) == "released":
        return _released_thinning(strength, np.asarray(to_numpy(orientation)), xp)
    height, width = strength.shape[-2:]
    device = device_of(strength)
    zero_row = xp.zeros((*strength.shape[:-2], 1, width), dtype=strength.dtype, device=device)
    padded = xp.concat([zero_row, strength, zero_row], axis=-2)
    zero_col = xp.zeros((*padded.shape[:-1], 1), dtype=strength.dtype, device=device)
    padded = xp.concat([zero_col, padded, zero_col], axis=-1)

    def direction(values: Any) -> Any:
        # cos(π/2) is 6e-17, not 0: snap so that axis-aligned comparisons are exact
        values = xp.astype(values, strength.dtype)
        return xp.where(xp.abs(values) < 1e-12, 0.0, values)

    step_x = direction(xp.cos(orientation))
    step_y = direction(xp.sin(orientation))
    # bilinear weights of the point (step_x, step_y) on the 3 × 3 neighbourhood, per axis
    weight_x = {d: xp.clip(1.0 - xp.abs(step_x - d), min=0.0) for d in (-1, 0, 1)}
    weight_y = {d: xp.clip(1.0 - xp.abs(step_y - d), min=0.0) for d in (-1, 0, 1)}
    ahead = xp.zeros_like(strength)
    behind = xp.zeros_like(strength)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            weight = weight_y[dy] * weight_x[dx]
            ahead += weight * padded[..., 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]
            behind += weight * padded[..., 1 - dy : 1 - dy + height, 1 - dx : 1 - dx + width]
    keep = (strength > 0) & (strength >= ahead) & (strength > behind)
    return xp.where(keep, strength, 0.0)


def _interpolated_thinning_keep(strength: np.ndarray, orientation: np.ndarray) -> np.ndarray:
    """Pixels the released ``thinning`` (method 2) keeps; float64 host arrays (..., H, W)."""
    # the released code's own orientation, counter-clockwise with the y axis up, mod π
    direction = np.mod(np.mod(np.pi - orientation.astype(np.float64), 2 * np.pi), np.pi)
    padded = np.pad(strength, [(0, 0)] * (strength.ndim - 2) + [(1, 1), (1, 1)])

    def neighbour(row: int, col: int) -> np.ndarray:
        height, width = strength.shape[-2:]
        return padded[..., 1 + row : 1 + row + height, 1 + col : 1 + col + width]

    north, south, east, west = neighbour(-1, 0), neighbour(1, 0), neighbour(0, 1), neighbour(0, -1)
    north_east, north_west = neighbour(-1, 1), neighbour(-1, -1)
    south_east, south_west = neighbour(1, 1), neighbour(1, -1)
    quarter = 0.25 * np.pi
    # per quarter of [0, π]: its start, and the neighbour pairs interpolated between, on the
    # two sides (first pair at the quarter's start, second at its end)
    quarters = (
        (0.0, (east, north_east), (west, south_west)),
        (quarter, (north_east, north), (south_west, south)),
        (0.5 * np.pi, (north, north_west), (south, south_east)),
        (0.75 * np.pi, (north_west, west), (south_east, east)),
    )
    ends = (quarter, 0.5 * np.pi, 0.75 * np.pi)
    chosen = np.select([direction <= end for end in ends], [0, 1, 2], default=3)
    ahead = np.zeros_like(strength)
    behind = np.zeros_like(strength)
    for index, (start, (a0, a1), (b0, b1)) in enumerate(quarters):
        mask = chosen == index
        if not mask.any():
            continue
        # the released arithmetic, operation for operation (o − 0 is exact)
        fraction = (direction[mask] - start) / quarter
        ahead[mask] = (1 - fraction) * a0[mask] + fraction * a1[mask]
        behind[mask] = (1 - fraction) * b0[mask] + fraction * b1[mask]
    return (strength >= ahead) & (strength >= behind)


def _check_fraction(value: Any, name: str, *, allow_one: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    upper_ok = value <= 1.0 if allow_one else value < 1.0
    if not (math.isfinite(value) and value > 0.0 and upper_ok):
        bound = "(0, 1]" if allow_one else "(0, 1)"
        raise ValueError(f"{name} must be in {bound}, got {value!r}")
    return value


_EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)
_RELEASED_BINS = 64


def _check_keep_fraction(keep_fraction: Any) -> float:
    return _check_fraction(keep_fraction, "keep_fraction")


def _quantile_threshold(image: np.ndarray, keep_fraction: float) -> float:
    positive = image[image > 0]
    if positive.size == 0:
        return math.nan
    return float(np.quantile(positive, 1.0 - keep_fraction, method="higher"))


def _histogram_threshold(image: np.ndarray, keep_fraction: float) -> float:
    """The released rule: ``k/64`` for the first 1-based bin k of the 64-bin ``imhist`` of the
    positive values whose cumulative count exceeds ``(1 − p)·N``."""
    positive = image[image > 0]
    if positive.size == 0:
        return math.nan
    above = np.cumsum(_imhist(positive)) > (1.0 - keep_fraction) * positive.size
    return float(np.argmax(above) + 1) / _RELEASED_BINS


def _imhist(values: np.ndarray) -> np.ndarray:
    """``imhist(values, 64)`` of octave-image 2.14 for floating values: bin centres
    ``linspace(0, 1, 64)``, edges halfway between them; values beyond the outer edges count
    in the outer bins."""
    centres = np.linspace(0.0, 1.0, _RELEASED_BINS)
    edges = (centres[:-1] + centres[1:]) / 2
    return np.bincount(np.searchsorted(edges, values, side="left"), minlength=_RELEASED_BINS)


def contour_threshold(
    thinned: Any, keep_fraction: float = 0.1, *, convention: Convention = "corrected"
) -> np.ndarray:
    """The default high hysteresis threshold of each thinned contour map.

    ``convention="corrected"``: the value that keeps the strongest ``keep_fraction`` p of the
    positive pixels at or above it (the ``higher`` (1 − p) quantile of the positive values).

    ``convention="released"``: the released ``CORFContourDetection`` rule,
    ``high = k/64`` with k the first (1-based) bin of the 64-bin ``imhist`` of the positive
    values (bin centres ``linspace(0, 1, 64)``) whose cumulative count exceeds ``(1 − p)·N``.
    As ``k/64`` lies above the upper edge ``(2k − 1)/126`` of bin k for k < 32, fewer than
    ``p·N`` positive pixels reach it; and it is absolute (in the units of ``thinned``, on a
    1/64 grid), so it depends on the scale of the responses, which the released pipeline fixes
    by rescaling its input (:func:`rescale_min_max`).

    Parameters
    ----------
    thinned : array, shape (..., H, W)
        Non-negative thinned contour strength of any backend.
    keep_fraction : float, optional
        p in (0, 1] (default 0.1; the released ``FG_RNN`` copy hard-codes 0.3, the original
        code 0.1).
    convention : {"corrected", "released"}, optional
        Which rule (default ``"corrected"``).

    Returns
    -------
    numpy.ndarray of float64, shape (...)
        One threshold per map; NaN for a map without positive pixels.

    Raises
    ------
    ValueError
        If ``keep_fraction`` is out of range or ``convention`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import contour_threshold
    >>> thinned = np.linspace(0.0, 0.1, 101).reshape(1, 101)
    >>> float(contour_threshold(thinned))
    0.091
    >>> float(contour_threshold(thinned, convention="released")) * 64  # above every value
    7.0
    """
    thinned, _ = as_float_images(thinned, "thinned")
    keep_fraction = _check_keep_fraction(keep_fraction)
    released = _check_convention(convention) == "released"
    host = np.asarray(to_numpy(thinned))
    return _threshold_levels(host, keep_fraction, released).reshape(host.shape[:-2])


def _threshold_levels(host: np.ndarray, keep_fraction: float, released: bool) -> np.ndarray:
    """:func:`contour_threshold` of validated host maps (..., H, W), flattened to (n,)."""
    rule = _histogram_threshold if released else _quantile_threshold
    flat = host.reshape(-1, *host.shape[-2:])
    return np.array([rule(image, keep_fraction) for image in flat], dtype=np.float64)


def _label_hysteresis(image: np.ndarray, high: float, low: float) -> np.ndarray:
    candidates = (image >= low) & (image > 0)
    labels, count = ndi.label(candidates, structure=_EIGHT_NEIGHBOURS)
    seeded = np.zeros(count + 1, dtype=bool)
    seeded[labels[(image >= high) & candidates]] = True
    seeded[0] = False
    return seeded[labels]


def _kovesi_hysteresis(image: np.ndarray, high: float, low: float) -> np.ndarray:
    """Kovesi's ``hysthresh(image, high, low)``, as the released code calls it.

    ``hysthresh`` grows regions from the seeds (≥ ``high``, marked first) with a stack of
    column-major linear indices v (1-based): a popped v with ``rows + 1 < v < rows·cols − rows``
    marks and pushes each unmarked ``v + o``, ``o`` in ``(±1, ±rows, ±rows ± 1)``, whose value
    is > ``low``. Whatever the order of the stack, the marked set is the set of pixels
    reachable from the seeds in the directed graph with an edge from each such v to each
    ``v + o`` with value > ``low``: every marked pixel is pushed once and expanded when popped.
    This computes that set with one breadth-first search. In image terms: the first and last
    columns (and the top pixel of column 2 and the bottom pixel of column W − 1) never expand,
    and the ±1 offsets wrap, so the row above the top row is the bottom row one column to the
    left, and the row below the bottom row is the top row one column to the right.
    """
    rows, cols = image.shape
    size = rows * cols
    values = image.ravel(order="F")
    seeds = np.flatnonzero(values >= high)
    if seeds.size == 0:
        return np.zeros(image.shape, dtype=bool)
    index = np.arange(size)
    # 0-based form of the released bound rows + 1 < v < rows·cols − rows on 1-based v
    grows = (index > rows) & (index < size - rows - 1) & (values > low)  # seeds are > low
    sources = np.flatnonzero(grows)
    offsets = np.array([-1, 1, -rows - 1, -rows, -rows + 1, rows - 1, rows, rows + 1])
    targets = sources[:, None] + offsets[None, :]
    linked = values[targets] > low
    edge_from = np.concatenate([np.repeat(sources, linked.sum(axis=1)), np.full(seeds.size, size)])
    edge_to = np.concatenate([targets[linked], seeds])
    graph = csr_matrix(
        (np.ones(edge_from.size, dtype=np.int8), (edge_from, edge_to)), shape=(size + 1, size + 1)
    )
    # a virtual node (index ``size``) links to every seed
    reached = breadth_first_order(graph, size, directed=True, return_predecessors=False)
    marked = np.zeros(size + 1, dtype=bool)
    marked[reached] = True
    return marked[:size].reshape((rows, cols), order="F")


def hysteresis_threshold(
    thinned: Any,
    high: float | None = None,
    *,
    low_ratio: float = 0.5,
    keep_fraction: float = 0.1,
    convention: Convention = "corrected",
) -> Any:
    """Hysteresis thresholding of thinned contour maps (on the host).

    ``convention="corrected"``: a pixel is a contour pixel if it is ≥ ``low`` and
    8-connected, through pixels ≥ ``low``, to a pixel ≥ ``high``; ``low = low_ratio·high``.

    ``convention="released"``: Peter Kovesi's ``hysthresh``, which the released code's
    ``calc_hysteresis`` calls (without normalising the map): seeds are the pixels ≥ ``high``,
    and regions grow into 8-neighbours > ``low``, with two quirks of its column-major stack
    that are reproduced exactly: pixels of the first and last image columns (and the top
    pixel of the second column, the bottom pixel of the second-to-last) never grow a region,
    and the neighbourhood wraps between columns: the row above the top row is the bottom row
    one column to the left, the row below the bottom row is the top row one column to the
    right (in place of the pixels outside the image).

    Parameters
    ----------
    thinned : array, shape (..., H, W)
        Non-negative thinned contour strength of any backend (e.g. from
        :func:`non_maximum_suppression`).
    high : float, optional
        High threshold, in the units of ``thinned``, for every image (the released code's 5th
        argument ``highthresh``). Default: per image, :func:`contour_threshold` of
        ``keep_fraction`` in the same convention.
    low_ratio : float, optional
        ``low / high`` in (0, 1] (default 0.5); ``"released"`` needs it < 1.
    keep_fraction : float, optional
        Fraction p in (0, 1] for the default ``high`` (default 0.1).
    convention : {"corrected", "released"}, optional
        Which hysteresis (default ``"corrected"``).

    Returns
    -------
    array of bool, shape (..., H, W)
        Same backend and device as ``thinned``.

    Raises
    ------
    ValueError
        If ``high`` is negative (or 0 with ``"released"``), a fraction is out of range (or
        ``low_ratio`` is 1 with ``"released"``), or ``convention`` is unknown.

    Notes
    -----
    Thinned contours step diagonally, so components are 8-connected;
    :func:`skimage.filters.apply_hysteresis_threshold` labels 4-connected components, which
    would break such contours (the results are identical when no diagonal link matters).
    The corrected step runs with :func:`scipy.ndimage.label`, the released one with a
    breadth-first search (:func:`scipy.sparse.csgraph.breadth_first_order`) on the host: CuPy
    and CUDA torch arrays are copied to the host and the result copied back. The released
    code checks ``low < high`` and otherwise returns the map unthresholded; here that is an
    error.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import hysteresis_threshold
    >>> row = np.array([[0.0, 0.3, 0.6, 1.0, 0.0, 0.6]])
    >>> hysteresis_threshold(row, high=1.0).astype(int).tolist()
    [[0, 0, 1, 1, 0, 0]]
    """
    thinned, xp = as_float_images(thinned, "thinned")
    low_ratio = _check_fraction(low_ratio, "low_ratio")
    keep_fraction = _check_keep_fraction(keep_fraction)
    released = _check_convention(convention) == "released"
    if high is not None and not (
        isinstance(high, numbers.Real) and math.isfinite(high) and high >= 0
    ):
        raise ValueError(f"high must be a finite number >= 0, got {high!r}")
    if released and high is not None and high == 0:
        raise ValueError("high must be > 0 with convention='released' (its low < high check)")
    if released and low_ratio == 1.0:
        raise ValueError(
            "low_ratio must be < 1 with convention='released' (its low < high check), got 1.0"
        )
    host = np.asarray(to_numpy(thinned), dtype=np.float64 if released else None)
    flat = host.reshape(-1, *host.shape[-2:])
    levels = (
        np.full(flat.shape[0], float(high))
        if high is not None
        else _threshold_levels(flat, keep_fraction, released)
    )
    grow = _kovesi_hysteresis if released else _label_hysteresis
    result = np.zeros(flat.shape, dtype=bool)
    for index, (image, level) in enumerate(zip(flat, levels, strict=True)):
        if not math.isnan(level):
            result[index] = grow(image, level, low_ratio * level)
    edges = result.reshape(host.shape)
    return asarray_on(xp, edges, device=device_of(thinned), dtype=xp.bool)


class ContourMap(NamedTuple):
    """Result of :func:`detect_contours`, every field shaped (..., H, W) on the input backend."""

    edges: Any
    """Binary contour map (bool) after hysteresis."""
    thinned: Any
    """Contour strength after non-maximum suppression (0 off the thinned contours)."""
    strength: Any
    """Maximum response over orientations."""
    orientation: Any
    """Orientation (rad) of the maximum."""


def detect_contours(
    responses: Any,
    orientations: Any,
    high: float | None = None,
    *,
    low_ratio: float = 0.5,
    keep_fraction: float = 0.1,
    convention: Convention = "corrected",
) -> ContourMap:
    """Contour map from oriented responses: max over orientations, thinning, hysteresis.

    Parameters
    ----------
    responses : array, shape (..., n_orientations, H, W)
        Cell responses of any backend (e.g. ``PushPullCell(CORFCell()).response``).
    orientations : 1-D sequence of float
        Orientations in rad of the response channels (this library's convention in both
        conventions).
    high, low_ratio, keep_fraction :
        As in :func:`hysteresis_threshold` (default: keep the strongest 10% of the thinned
        pixels, ``low = 0.5·high``).
    convention : {"corrected", "released"}, optional
        ``"corrected"`` (default): this library's steps. ``"released"``: the released
        ``CORFContourDetection`` post-processing (``calc_viewimage``, ``thinning`` method 2,
        the 64-bin threshold rule and Kovesi's ``hysthresh``), each step in
        :func:`orientation_maximum`, :func:`non_maximum_suppression`,
        :func:`contour_threshold` and :func:`hysteresis_threshold` with
        ``convention="released"``. To match the released code exactly, give the channels in
        its order, :data:`RELEASED_ORIENTATIONS` (its ties go to the first channel).

    Returns
    -------
    ContourMap
        ``edges`` (bool), ``thinned``, ``strength`` and ``orientation``.

    See Also
    --------
    detect_corf_contours : the whole pipeline from an image, with the CORF cells.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.cells import CORFCell
    >>> from v1pushpull.contours import detect_contours
    >>> from v1pushpull.stimuli import step_edge
    >>> orientations = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    >>> contours = detect_contours(CORFCell().response(step_edge(64, 0.0), orientations),
    ...                            orientations)
    >>> sorted(set(np.nonzero(contours.edges[16:48])[1].tolist()))  # the edge: columns 31|32
    [31]
    """
    if _check_convention(convention) == "corrected":
        strength, orientation = orientation_maximum(responses, orientations)
        thinned = non_maximum_suppression(strength, orientation)
    else:
        responses, xp = as_float_images(responses, "responses", min_ndim=3)
        theta = as_orientations(orientations)
        strength, index = _orientation_maximum(responses, theta, xp, released=True)
        device = device_of(responses)
        orientation = _orientation_of(index, theta, xp, responses.dtype, device)
        # the thinning reads θ in float64, as the released code its θ_m
        thinned = _released_thinning(strength, theta[np.asarray(to_numpy(index))], xp)
    edges = hysteresis_threshold(
        thinned, high, low_ratio=low_ratio, keep_fraction=keep_fraction, convention=convention
    )
    return ContourMap(edges, thinned, strength, orientation)


def _released_cell(sigma: float, pull_shift: float, inhibition_strength: float) -> Any:
    """The released code's push-pull CORF cell (``configureSimpleCell(σ, 0.5, 0.5)`` and
    ``modifyModel(…, 'invertpolarity', 1, 'overlappixels', β)``)."""
    from .cells import CORFCell, PushPullCell

    return PushPullCell(
        CORFCell(sigma, convention="released"),
        inhibition_strength=inhibition_strength,
        pull_shift=pull_shift,
    )


def _corrected_cell(sigma: float, pull_shift: float, inhibition_strength: float) -> Any:
    from .cells import CORFCell, PushPullCell

    return PushPullCell(
        CORFCell(sigma), inhibition_strength=inhibition_strength, pull_shift=pull_shift
    )


def detect_corf_contours(
    image: Any,
    sigma: float = 2.2,
    pull_shift: float = 4.0,
    inhibition_strength: float = 1.8,
    high: float | None = None,
    *,
    keep_fraction: float = 0.1,
    convention: Convention = "corrected",
) -> ContourMap:
    """Contours of an image with push-pull CORF cells: the released ``CORFContourDetection``.

    The released ``CORFContourDetection(img, sigma, beta, inhibitionFactor, highthresh)``:
    a colour image goes to grey (:func:`rgb_to_gray`), the cell responds at the 16
    orientations :data:`RELEASED_ORIENTATIONS` (its θ_m = 0°, 22.5°, …, 337.5°, in that
    order), and :func:`detect_contours` makes the binary map with ``low = 0.5·high``.

    ``convention="released"`` reproduces it: the grey image is min–max rescaled to [0, 1]
    (:func:`rescale_min_max`, in float64 as the released code's ``double(img)``), the cell is
    the released push-pull CORF cell (``CORFCell(sigma, convention="released")``), and every
    post-processing step follows the released code. ``convention="corrected"`` (default) uses
    this library's cell (``PushPullCell(CORFCell(sigma))``) on the grey image as given, and
    its own post-processing; its rescaling would change nothing, since the cells are
    proportional to contrast and blind to a uniform offset and the corrected threshold is
    relative.

    Parameters
    ----------
    image : array, shape (H, W) or (H, W, 3)
        One grey or RGB image (real floating, any backend), at least the cell's support on
        each side.
    sigma : float, optional
        DoG σ of the LGN subunits in px (default 2.2).
    pull_shift : float, optional
        β in px, how far each pull subunit moves outward (default 4).
    inhibition_strength : float, optional
        k ≥ 0, the push-pull inhibition (default 1.8).
    high : float, optional
        High threshold (the released 5th argument ``highthresh``). Default: the rule of
        :func:`contour_threshold` with ``keep_fraction``.
    keep_fraction : float, optional
        p for the default ``high`` (default 0.1, the original code's value; the ``FG_RNN``
        copy hard-codes 0.3).
    convention : {"corrected", "released"}, optional
        Which model (default ``"corrected"``).

    Returns
    -------
    ContourMap
        As :func:`detect_contours`, shaped (H, W).

    Raises
    ------
    ValueError
        If ``image`` is neither (H, W) nor (H, W, 3), or a parameter is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import detect_corf_contours
    >>> image = np.full((64, 64), 0.2); image[:, 32:] = 0.8
    >>> contours = detect_corf_contours(image)
    >>> sorted(set(np.nonzero(contours.edges[16:48])[1].tolist()))
    [31]
    """
    image, xp = as_float_images(image, "image")
    if image.ndim == 3 and image.shape[-1] == 3:
        image = _gray(image)
    elif image.ndim != 2:
        raise ValueError(
            f"image must be one (H, W) grey or (H, W, 3) RGB image, got shape {tuple(image.shape)}"
        )
    if _check_convention(convention) == "released":
        image = _rescale(xp.astype(image, xp.float64), xp)
        cell = _released_cell(sigma, pull_shift, inhibition_strength)
    else:
        cell = _corrected_cell(sigma, pull_shift, inhibition_strength)
    responses = cell.response(image, RELEASED_ORIENTATIONS)
    return detect_contours(
        responses,
        RELEASED_ORIENTATIONS,
        high,
        keep_fraction=keep_fraction,
        convention=convention,
    )


def _as_host_boundary(values: Any, name: str) -> np.ndarray:
    array = np.asarray(to_numpy(values))
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (H, W) boundary map, got shape {array.shape}")
    if array.dtype != bool and not np.all((array == 0) | (array == 1)):
        raise ValueError(
            f"{name} must be a binary boundary map (bool, or 0/1 values), got {array.dtype} "
            f"values in [{np.nanmin(array):.3g}, {np.nanmax(array):.3g}]; threshold a strength "
            "map first, or give strength maps to evaluate_contours"
        )
    return array.astype(bool)


def _check_max_distance(max_distance: Any) -> float:
    return _check_fraction(max_distance, "max_distance", allow_one=True)


def match_boundaries(
    predicted: Any, truth: Any, max_distance: float = BSDS_MAX_DISTANCE
) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching of predicted and true boundary pixels within a tolerance.

    Two pixels may be matched if their Euclidean distance is at most
    ``max_distance × sqrt(H² + W²)`` px; a maximum-cardinality bipartite matching
    (:func:`scipy.sparse.csgraph.maximum_bipartite_matching`) then pairs as many as possible,
    each pixel at most once, as the Berkeley benchmark does [M04]_.

    Parameters
    ----------
    predicted, truth : array, shape (H, W)
        Binary boundary maps (any backend; nonzero = boundary).
    max_distance : float, optional
        Tolerance as a fraction of the image diagonal, in (0, 1] (default 0.0075, BSDS500).

    Returns
    -------
    matched_predicted, matched_truth : numpy bool arrays, shape (H, W)
        The matched pixels of each map.

    Raises
    ------
    ValueError
        If the maps are not 2-D, differ in shape, or ``max_distance`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import match_boundaries
    >>> truth = np.zeros((100, 100), bool); truth[:, 50] = True
    >>> shifted = np.roll(truth, 1, axis=1)  # 1 px < 0.0075 × 141 px
    >>> [int(m.sum()) for m in match_boundaries(shifted, truth)]
    [100, 100]
    """
    predicted = _as_host_boundary(predicted, "predicted")
    truth = _as_host_boundary(truth, "truth")
    if predicted.shape != truth.shape:
        raise ValueError(
            f"predicted and truth must have the same shape, got {predicted.shape} and {truth.shape}"
        )
    radius = _check_max_distance(max_distance) * math.hypot(*predicted.shape)
    matched_predicted = np.zeros_like(predicted)
    matched_truth = np.zeros_like(truth)
    points_predicted = np.argwhere(predicted)
    points_truth = np.argwhere(truth)
    if len(points_predicted) == 0 or len(points_truth) == 0:
        return matched_predicted, matched_truth
    candidates = cKDTree(points_predicted).query_ball_tree(cKDTree(points_truth), radius)
    rows = np.repeat(np.arange(len(candidates)), [len(c) for c in candidates])
    columns = np.fromiter((j for c in candidates for j in c), dtype=np.int64, count=rows.size)
    graph = csr_matrix(
        (np.ones(rows.size, dtype=np.int8), (rows, columns)),
        shape=(len(points_predicted), len(points_truth)),
    )
    partner = maximum_bipartite_matching(graph, perm_type="column")
    hits = partner >= 0
    matched_predicted[tuple(points_predicted[hits].T)] = True
    matched_truth[tuple(points_truth[partner[hits]].T)] = True
    return matched_predicted, matched_truth


def _truth_stack(ground_truths: Any) -> list[np.ndarray]:
    if isinstance(ground_truths, BSDSGroundTruth):
        return list(ground_truths.boundaries)
    host = (
        np.asarray(to_numpy(ground_truths)) if not isinstance(ground_truths, list | tuple) else None
    )
    if host is not None and host.ndim == 2:
        return [host.astype(bool)]
    items = list(host) if host is not None else list(ground_truths)
    if not items:
        raise ValueError("ground_truths must hold at least one boundary map")
    return [_as_host_boundary(item, "ground truth") for item in items]


def boundary_counts(
    predicted: Any, ground_truths: Any, max_distance: float = BSDS_MAX_DISTANCE
) -> dict[str, int]:
    """Matching counts of one binary map against one or more human boundary maps.

    As in the BSDS benchmark: recall counts the matched pixels of every human map,
    precision counts a predicted pixel as correct if it is matched in any human map.

    Parameters
    ----------
    predicted : array, shape (H, W)
        Binary contour map of any backend.
    ground_truths : BSDSGroundTruth, array (H, W) or (n, H, W), or sequence of (H, W)
        Human boundary maps.
    max_distance : float, optional
        Tolerance, fraction of the image diagonal (default 0.0075).

    Returns
    -------
    dict
        ``matched_predicted``, ``n_predicted``, ``matched_truth``, ``n_truth`` (ints).

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import boundary_counts
    >>> truth = np.eye(20, dtype=bool)
    >>> boundary_counts(truth, [truth, truth])
    {'matched_predicted': 20, 'n_predicted': 20, 'matched_truth': 40, 'n_truth': 40}
    """
    predicted = _as_host_boundary(predicted, "predicted")
    truths = _truth_stack(ground_truths)
    for truth in truths:
        if truth.shape != predicted.shape:
            raise ValueError(
                f"ground_truths must hold (H, W) maps of the predicted map's shape "
                f"{predicted.shape}, got a map of shape {truth.shape}"
            )
    any_match = np.zeros_like(predicted)
    matched_truth = n_truth = 0
    for truth in truths:
        hit_predicted, hit_truth = match_boundaries(predicted, truth, max_distance)
        any_match |= hit_predicted
        matched_truth += int(hit_truth.sum())
        n_truth += int(truth.sum())
    return {
        "matched_predicted": int(any_match.sum()),
        "n_predicted": int(predicted.sum()),
        "matched_truth": matched_truth,
        "n_truth": n_truth,
    }


def _scores(matched_p: Any, n_p: Any, matched_t: Any, n_t: Any) -> tuple[Any, Any, Any]:
    """Precision, recall and F from counts (0 where a denominator is 0, as in BSDS)."""
    precision = np.divide(matched_p, n_p, out=np.zeros(np.shape(n_p)), where=np.asarray(n_p) > 0)
    recall = np.divide(matched_t, n_t, out=np.zeros(np.shape(n_t)), where=np.asarray(n_t) > 0)
    total = precision + recall
    f_measure = np.divide(
        2 * precision * recall, total, out=np.zeros(np.shape(total)), where=total > 0
    )
    return precision, recall, f_measure


def contour_scores(
    predicted: Any, ground_truths: Any, max_distance: float = BSDS_MAX_DISTANCE
) -> tuple[float, float, float]:
    """Precision, recall and F-measure of one binary contour map.

    Parameters
    ----------
    predicted : array, shape (H, W)
        Binary contour map of any backend.
    ground_truths :
        Human boundary maps, as in :func:`boundary_counts`.
    max_distance : float, optional
        Tolerance, fraction of the image diagonal (default 0.0075).

    Returns
    -------
    precision, recall, f_measure : float
        In [0, 1]; F = 2PR/(P + R).

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import contour_scores
    >>> truth = np.zeros((50, 50), bool); truth[10, :] = True
    >>> contour_scores(truth, truth)
    (1.0, 1.0, 1.0)
    """
    counts = boundary_counts(predicted, ground_truths, max_distance)
    scores = _scores(*counts.values())
    return tuple(float(s) for s in scores)  # type: ignore[return-value]


def evaluate_contours(
    strengths: Sequence[Any],
    ground_truths: Sequence[Any],
    thresholds: int | Sequence[float] = 99,
    *,
    max_distance: float = BSDS_MAX_DISTANCE,
    normalize: bool = True,
) -> xr.Dataset:
    """Precision–recall over thresholds for a set of images, with ODS and OIS F-measures.

    Each (thinned) strength map is divided by its maximum (``normalize=True``) and
    binarised at every threshold (``strength ≥ t``); each binary map is matched against the
    image's human boundary maps (:func:`boundary_counts`).

    Parameters
    ----------
    strengths : sequence of arrays (H, W)
        One thinned contour-strength map per image (e.g. ``detect_contours(...).thinned``),
        any backend; images may differ in size.
    ground_truths : sequence
        Per image, its human boundary maps (:class:`BSDSGroundTruth`, (n, H, W) or a list).
    thresholds : int or 1-D sequence of float, optional
        Number of thresholds equally spaced in (0, 1) (default 99, as the BSDS benchmark), or
        the thresholds themselves: each in (0, 1) when ``normalize`` is True (the maps then
        have maximum 1), finite and > 0 otherwise (in the maps' units).
    max_distance : float, optional
        Matching tolerance, fraction of the image diagonal (default 0.0075).
    normalize : bool, optional
        Scale each map to a maximum of 1 before thresholding (default True).

    Returns
    -------
    xarray.Dataset
        Counts ``matched_predicted``, ``n_predicted``, ``matched_truth``, ``n_truth`` with
        dimensions ``(image, threshold)``; ``precision``, ``recall``, ``f_measure`` over the
        data set (dimension ``threshold``); ``attrs``: ``ods`` (best F at one threshold for
        all images), ``ods_threshold``, ``ods_precision``, ``ods_recall``, ``ois`` (F of the
        counts at each image's best threshold) and ``max_distance``.

    Raises
    ------
    ValueError
        If the numbers of maps and ground truths differ, a threshold is out of range, or a
        map holds NaN or inf.

    Examples
    --------
    >>> import numpy as np
    >>> from v1pushpull.contours import evaluate_contours
    >>> truth = np.zeros((40, 40), bool); truth[20, :] = True
    >>> strength = truth * 0.8
    >>> result = evaluate_contours([strength], [[truth]], thresholds=[0.5, 0.9])
    >>> float(result.attrs["ods"])
    1.0
    """
    maps = list(strengths)
    truths = list(ground_truths)
    if not maps:
        raise ValueError("strengths must hold at least one strength map, got none")
    if len(maps) != len(truths):
        raise ValueError(
            "strengths and ground_truths must have one entry per image (one ground truth per "
            f"strength map), got {len(maps)} "
            f"strength maps and {len(truths)} ground_truths entries"
        )
    if isinstance(thresholds, numbers.Integral) and not isinstance(thresholds, bool):
        if thresholds < 1:
            raise ValueError(f"thresholds must be a positive count, got {thresholds!r}")
        levels = np.linspace(1.0 / (thresholds + 1), 1.0 - 1.0 / (thresholds + 1), thresholds)
    else:
        levels = as_1d_parameter(thresholds, "thresholds")
        upper = 1.0 if normalize else math.inf
        if not np.all((levels > 0) & (levels < upper)):
            expected = "in (0, 1) (the maps are normalised to maximum 1)" if normalize else "> 0"
            raise ValueError(f"thresholds must be {expected}, got {thresholds!r}")
    counts = np.zeros((4, len(maps), levels.size), dtype=np.int64)
    for i, (strength, truth) in enumerate(zip(maps, truths, strict=True)):
        host = np.asarray(to_numpy(strength), dtype=np.float64)
        if not np.all(np.isfinite(host)):
            raise ValueError(
                f"strength map {i} holds NaN or inf ({int(np.sum(~np.isfinite(host)))} of "
                f"{host.size} pixels); contour strengths must be finite"
            )
        if normalize and host.max() > 0:
            host = host / host.max()
        stack = _truth_stack(truth)
        for j, level in enumerate(levels):
            result = boundary_counts(host >= level, stack, max_distance)
            counts[:, i, j] = list(result.values())
    names = ("matched_predicted", "n_predicted", "matched_truth", "n_truth")
    totals = counts.sum(axis=1)
    precision, recall, f_measure = _scores(*totals)
    best = int(np.argmax(f_measure))
    per_image = _scores(*counts)[2]
    best_per_image = np.argmax(per_image, axis=1)
    chosen = counts[:, np.arange(len(maps)), best_per_image].sum(axis=1)
    ois = float(_scores(*chosen)[2])
    data = {name: (("image", "threshold"), counts[k]) for k, name in enumerate(names)}
    data.update(
        precision=("threshold", precision),
        recall=("threshold", recall),
        f_measure=("threshold", f_measure),
    )
    return xr.Dataset(
        data,
        coords={"threshold": levels, "image": np.arange(len(maps))},
        attrs={
            "ods": float(f_measure[best]),
            "ods_threshold": float(levels[best]),
            "ods_precision": float(precision[best]),
            "ods_recall": float(recall[best]),
            "ois": ois,
            "max_distance": float(max_distance),
            "max_distance_units": "fraction of the image diagonal",
            "normalize": int(normalize),
        },
    )


class BSDSGroundTruth(NamedTuple):
    """Human annotations of one BSDS500 image."""

    segmentations: np.ndarray
    """Region labels, int32, shape (n_annotators, H, W)."""
    boundaries: np.ndarray
    """Boundary maps, bool, shape (n_annotators, H, W)."""


def read_bsds_ground_truth(path: str | os.PathLike[str]) -> BSDSGroundTruth:
    """Read a BSDS500 ground-truth ``.mat`` file (``groundTruth/<split>/<id>.mat``).

    The file holds ``groundTruth``, a 1 × n cell array of structs with fields
    ``Segmentation`` (region labels) and ``Boundaries`` (binary boundary map), one per human
    annotator; it is read with :func:`scipy.io.loadmat` (host).

    Parameters
    ----------
    path : str or path-like
        The ``.mat`` file.

    Returns
    -------
    BSDSGroundTruth
        ``segmentations`` (n, H, W) int32 and ``boundaries`` (n, H, W) bool.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it has no ``groundTruth`` cell array of structs with these fields.

    Examples
    --------
    >>> import numpy as np, scipy.io, tempfile, os
    >>> from v1pushpull.contours import read_bsds_ground_truth
    >>> cell = np.empty((1, 1), dtype=object)
    >>> cell[0, 0] = {"Segmentation": np.ones((4, 6), np.uint16),
    ...               "Boundaries": np.zeros((4, 6), np.uint8)}
    >>> path = os.path.join(tempfile.mkdtemp(), "1.mat")
    >>> scipy.io.savemat(path, {"groundTruth": cell})
    >>> read_bsds_ground_truth(path).boundaries.shape
    (1, 4, 6)
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"no BSDS ground-truth file at {os.fspath(path)!r}")
    if os.path.isdir(path):
        raise ValueError(f"{os.fspath(path)!r} is a directory, not a MATLAB .mat file")
    try:
        content = scipy.io.loadmat(path, squeeze_me=False, struct_as_record=True)
    except (ValueError, OSError, EOFError, TypeError, NotImplementedError) as error:
        raise ValueError(
            f"{os.fspath(path)!r} is not a readable MATLAB .mat file ({error}); expected a "
            "BSDS500 ground-truth file"
        ) from None
    if "groundTruth" not in content:
        raise ValueError(
            f"{os.fspath(path)!r} has no 'groundTruth' variable (found {sorted(content)}); "
            "is it a BSDS500 ground-truth file?"
        )
    cells = np.asarray(content["groundTruth"]).ravel()
    segmentations, boundaries = [], []
    for annotation in cells:
        record = np.asarray(annotation).ravel()
        fields = record.dtype.names or ()
        if "Segmentation" not in fields or "Boundaries" not in fields:
            raise ValueError(
                f"{os.fspath(path)!r}: groundTruth entries must be structs with fields "
                f"'Segmentation' and 'Boundaries', got fields {fields}"
            )
        segmentations.append(np.asarray(record[0]["Segmentation"], dtype=np.int32))
        boundaries.append(np.asarray(record[0]["Boundaries"]).astype(bool))
    if not boundaries:
        raise ValueError(f"{os.fspath(path)!r}: groundTruth is empty")
    return BSDSGroundTruth(np.stack(segmentations), np.stack(boundaries))
