"""Contour detection from oriented cell responses, and its evaluation against human boundaries.

Detection follows the CORF papers [A12]_ [A14]_: the maximum response over orientations and
the orientation where it occurs, non-maximum suppression across the contour (thinning), and
hysteresis thresholding with ``low = 0.5·high``; by default ``high`` keeps the strongest 10% of
the thinned pixels. Evaluation follows the Berkeley benchmark [M04]_: a detected boundary
pixel is correct if it can be matched one-to-one to a ground-truth boundary pixel within a
tolerance given as a fraction of the image diagonal (0.0075 by default, as in BSDS500).

Host steps: hysteresis (connected components with :func:`scipy.ndimage.label`), matching
(:mod:`scipy.spatial`, :mod:`scipy.sparse.csgraph`) and the ``.mat`` reader run on the host;
GPU arrays are copied there for these steps (the results of hysteresis go back to the
device). Maximum, orientation and non-maximum suppression run on any backend.

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
from typing import Any, NamedTuple

import numpy as np
import scipy.io
import scipy.ndimage as ndi
import xarray as xr
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching
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
    "BSDSGroundTruth",
    "ContourMap",
    "boundary_counts",
    "contour_scores",
    "detect_contours",
    "evaluate_contours",
    "hysteresis_threshold",
    "match_boundaries",
    "non_maximum_suppression",
    "orientation_maximum",
    "read_bsds_ground_truth",
]

BSDS_MAX_DISTANCE = 0.0075  # fraction of the image diagonal, BSDS500 default


def orientation_maximum(responses: Any, orientations: Any) -> tuple[Any, Any]:
    """Maximum response over orientations and the orientation (rad) where it occurs.

    Parameters
    ----------
    responses : array, shape (..., n_orientations, H, W)
        Cell responses of any backend, e.g. from ``CORFCell.response``.
    orientations : 1-D sequence of float
        The orientations θ in rad of the channels.

    Returns
    -------
    strength : array, shape (..., H, W)
    orientation : array, shape (..., H, W)
        Preferred orientation in rad (the first one on ties).

    Raises
    ------
    ValueError
        If the number of orientations does not match axis −3.

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
    if theta.size != responses.shape[-3]:
        raise ValueError(
            f"orientations has {theta.size} values but responses has {responses.shape[-3]} "
            "orientation channels (axis -3)"
        )
    strength = xp.max(responses, axis=-3)
    index = xp.argmax(responses, axis=-3)
    values = asarray_on(xp, theta, device=device_of(responses), dtype=responses.dtype)
    orientation = xp.reshape(xp.take(values, xp.reshape(index, (-1,))), index.shape)
    return strength, orientation


def non_maximum_suppression(strength: Any, orientation: Any) -> Any:
    """Thin contours: keep a pixel only if it is a maximum across the contour.

    The strength is compared with its values one pixel ahead and one pixel behind along the
    preferred orientation θ (rad, the direction across the edge), read by bilinear
    interpolation at ``(x ± cos θ, y ± sin θ)``. Interpolating at unit distance (rather than
    at the nearest of the 8 neighbours) keeps 45° contours one pixel thin: a diagonal step
    would jump over the ridge. A pixel is kept if it is > 0, strictly larger than the value
    behind and at least as large as the value ahead, so a two-pixel plateau keeps one pixel.
    Pixels outside the image count as 0.

    Parameters
    ----------
    strength : array, shape (..., H, W)
        Non-negative contour strength of any backend.
    orientation : array, shape (..., H, W)
        Preferred orientation θ in rad, same backend.

    Returns
    -------
    array, shape (..., H, W)
        ``strength`` where it is kept, 0 elsewhere.

    Raises
    ------
    ValueError
        If the shapes differ.

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


def hysteresis_threshold(
    thinned: Any,
    high: float | None = None,
    *,
    low_ratio: float = 0.5,
    keep_fraction: float = 0.1,
) -> Any:
    """Hysteresis thresholding of thinned contour maps (on the host).

    A pixel is a contour pixel if it is ≥ ``low`` and 8-connected, through pixels ≥ ``low``,
    to a pixel ≥ ``high``; ``low = low_ratio·high``.

    Parameters
    ----------
    thinned : array, shape (..., H, W)
        Non-negative thinned contour strength of any backend (e.g. from
        :func:`non_maximum_suppression`).
    high : float, optional
        High threshold, in the units of ``thinned``, for every image. Default: per image, the
        value that keeps the strongest ``keep_fraction`` of its nonzero pixels above it
        (the released CORF code's rule).
    low_ratio : float, optional
        ``low / high`` in (0, 1] (default 0.5).
    keep_fraction : float, optional
        Fraction in (0, 1] of the nonzero thinned pixels at or above the default ``high``
        (default 0.1).

    Returns
    -------
    array of bool, shape (..., H, W)
        Same backend and device as ``thinned``.

    Raises
    ------
    ValueError
        If ``high`` is negative or a fraction is out of range.

    Notes
    -----
    Thinned contours step diagonally, so components are 8-connected;
    :func:`skimage.filters.apply_hysteresis_threshold` labels 4-connected components, which
    would break such contours (the results are identical when no diagonal link matters).
    The step runs with :func:`scipy.ndimage.label` on the host: CuPy and CUDA torch arrays are
    copied to the host and the result copied back.

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
    keep_fraction = _check_fraction(keep_fraction, "keep_fraction")
    if high is not None and not (
        isinstance(high, numbers.Real) and math.isfinite(high) and high >= 0
    ):
        raise ValueError(f"high must be a finite number >= 0, got {high!r}")
    host = to_numpy(thinned)
    flat = host.reshape(-1, *host.shape[-2:])
    result = np.zeros(flat.shape, dtype=bool)
    for index, image in enumerate(flat):
        positive = image[image > 0]
        if positive.size == 0:
            continue
        level = (
            float(np.quantile(positive, 1.0 - keep_fraction, method="higher"))
            if high is None
            else float(high)
        )
        candidates = (image >= low_ratio * level) & (image > 0)
        labels, count = ndi.label(candidates, structure=_EIGHT_NEIGHBOURS)
        seeded = np.zeros(count + 1, dtype=bool)
        seeded[labels[(image >= level) & candidates]] = True
        seeded[0] = False
        result[index] = seeded[labels]
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
) -> ContourMap:
    """Contour map from oriented responses: max over orientations, thinning, hysteresis.

    Parameters
    ----------
    responses : array, shape (..., n_orientations, H, W)
        Cell responses of any backend (e.g. ``PushPullCell(CORFCell()).response``).
    orientations : 1-D sequence of float
        Orientations in rad of the response channels.
    high, low_ratio, keep_fraction :
        As in :func:`hysteresis_threshold` (default: keep the strongest 10% of the thinned
        pixels, ``low = 0.5·high``).

    Returns
    -------
    ContourMap
        ``edges`` (bool), ``thinned``, ``strength`` and ``orientation``.

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
    strength, orientation = orientation_maximum(responses, orientations)
    thinned = non_maximum_suppression(strength, orientation)
    edges = hysteresis_threshold(thinned, high, low_ratio=low_ratio, keep_fraction=keep_fraction)
    return ContourMap(edges, thinned, strength, orientation)


def _as_host_boundary(values: Any, name: str) -> np.ndarray:
    array = np.asarray(to_numpy(values))
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (H, W) boundary map, got shape {array.shape}")
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
    any_match = np.zeros_like(predicted)
    matched_truth = n_truth = 0
    for truth in _truth_stack(ground_truths):
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
    if len(maps) != len(truths) or not maps:
        raise ValueError(
            f"need one ground truth per strength map, got {len(maps)} maps and "
            f"{len(truths)} ground truths"
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
