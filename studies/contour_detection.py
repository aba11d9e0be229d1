"""
Contour detection in noise
==========================

Azzopardi & Petkov (2012) and Azzopardi et al. (2014) use their cells as contour detectors:
the maximum response over orientations, thinned by non-maximum suppression and binarised by
hysteresis thresholding. They report that CORF detects contours better than the Gabor model,
and push-pull CORF better than CORF, Canny and the Gabor model with surround inhibition, on
the RuG and Berkeley (BSDS) data sets, and especially in noise.

This study compares seven detectors, each with 16 (CORF) or 8 (Gabor energy, π-periodic)
orientations:

* **Canny** (:func:`skimage.feature.canny`, σ = 2 px);
* **Gabor energy** (complex cell, λ = 8 px), thinned and thresholded like the cells;
* **Gabor + surround inhibition** of Grigorescu et al. (2003): the same energy minus α = 1
  times its isotropic surround, weighted by ``[G(4σ) − G(σ)]₊`` with σ the envelope σ
  (:class:`v1pushpull.cells.SurroundInhibitionCell`);
* **CORF** (σ = 2.2 px) and **push-pull CORF** (k = 1.8, β = 4 px) as the authors' released
  code computes them (``CORFCell(convention="released")``, its min–max rescaling of the input,
  its thinning, 64-bin threshold rule and hysteresis: :func:`v1pushpull.contours.detect_contours`
  with ``convention="released"``): the published model;
* the same two detectors in the corrected convention (``corf_corrected``,
  ``pushpull_corf_corrected``: the released code's discretisation quirks fixed, no rescaling,
  bilinear non-maximum suppression; see :doc:`/corf_conventions`).

Part 1 shows contour maps of natural images shipped with scikit-image, with added Gaussian
noise (no ground truth; the corrected detectors keep their strongest 10 % of thinned pixels,
the released ones apply the released code's threshold rule for p = 0.1, which keeps fewer,
Canny its strongest 10 % of gradients). Part 2 measures the F-measure against noise level on
generated scenes of overlapping shapes whose boundaries are known exactly: the best F over
thresholds common to all scenes (ODS, as in the BSDS benchmark, tolerance 0.75 % of the diagonal).
For Canny the "thresholds" are a series of hysteresis settings. Part 3 runs on the BSDS500
test set when you give its folder: ``--bsds DIR`` with ``DIR/images/test/*.jpg`` and
``DIR/groundTruth/test/*.mat`` (no data set is downloaded).

``--convention released`` (or ``corrected``) keeps only the CORF detectors of that
convention; the default, ``both``, runs all seven. The Gabor detectors and Canny are the same
in both conventions.

Run it with ``python studies/contour_detection.py [--out DIR] [--quick] [--bsds DIR]
[--convention both|released|corrected]``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import skimage.color
import skimage.data
import skimage.draw
import skimage.feature
import skimage.io
import skimage.transform
import skimage.util
import xarray as xr
from _common import CORF_SIGMA, GABOR_WAVELENGTH, model_attrs, run_study, study_attrs

from v1pushpull.cells import CORFCell, GaborCell, PushPullCell, SurroundInhibitionCell
from v1pushpull.contours import (
    RELEASED_ORIENTATIONS,
    detect_contours,
    evaluate_contours,
    read_bsds_ground_truth,
    rescale_min_max,
)
from v1pushpull.plotting import line_styles, model_color, model_label
from v1pushpull.stimuli import gaussian_noise

DETECTORS = (
    "canny",
    "gabor_energy",
    "gabor_surround",
    "corf",
    "pushpull_corf",
    "corf_corrected",
    "pushpull_corf_corrected",
)
#: The CORF detectors of each convention: the released ones are the published model.
CORF_DETECTORS = {
    "released": ("corf", "pushpull_corf"),
    "corrected": ("corf_corrected", "pushpull_corf_corrected"),
}
CONVENTIONS = ("both", "released", "corrected")
EDGE_ORIENTATIONS = np.linspace(0.0, 2 * math.pi, 16, endpoint=False)  # polarity-selective
AXIAL_ORIENTATIONS = np.linspace(0.0, math.pi, 8, endpoint=False)  # π-periodic energy
CANNY_SIGMA = 2.0  # px
CANNY_QUANTILES = np.linspace(0.5, 0.98, 16)  # hysteresis settings for Canny's "thresholds"
SCENE_SIZE = 128  # px
N_THRESHOLDS = 24


def detectors(convention: str = "both") -> tuple[str, ...]:
    """The detectors compared: all of them, or the CORF ones of one convention only."""
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    if convention == "both":
        return DETECTORS
    dropped = CORF_DETECTORS["corrected" if convention == "released" else "released"]
    return tuple(name for name in DETECTORS if name not in dropped)


def cells() -> dict[str, object]:
    """The cells behind the model detectors (CORF cells in both conventions)."""
    corf = CORFCell(sigma=CORF_SIGMA, convention="released")
    corf_corrected = CORFCell(sigma=CORF_SIGMA, convention="corrected")
    gabor = GaborCell(wavelength=GABOR_WAVELENGTH)
    return {
        "gabor_energy": gabor,
        "gabor_surround": SurroundInhibitionCell(gabor),
        "corf": corf,
        "pushpull_corf": PushPullCell(corf),
        "corf_corrected": corf_corrected,
        "pushpull_corf_corrected": PushPullCell(corf_corrected),
    }


def contour_strength(detector: str, image: np.ndarray, models: dict[str, object]) -> np.ndarray:
    """Thinned contour strength of one image (H, W); for Canny, the fraction of settings that
    mark a pixel, so that thresholding it reproduces Canny at one setting."""
    if detector == "canny":
        maps = [
            skimage.feature.canny(
                image,
                sigma=CANNY_SIGMA,
                low_threshold=max(q - 0.1, 0.0),
                high_threshold=q,
                use_quantiles=True,
            )
            for q in CANNY_QUANTILES
        ]
        return np.mean(maps, axis=0)
    responses, orientations, convention = _responses(detector, image, models)
    return np.asarray(detect_contours(responses, orientations, convention=convention).thinned)


def contour_map(detector: str, image: np.ndarray, models: dict[str, object]) -> np.ndarray:
    """Binary contour map with each detector's default threshold (p = 0.1: the strongest 10 %
    for the corrected detectors, the released rule for the released CORF detectors)."""
    if detector == "canny":
        return skimage.feature.canny(
            image, sigma=CANNY_SIGMA, low_threshold=0.8, high_threshold=0.9, use_quantiles=True
        )
    responses, orientations, convention = _responses(detector, image, models)
    return np.asarray(detect_contours(responses, orientations, convention=convention).edges)


def _responses(
    detector: str, image: np.ndarray, models: dict[str, object]
) -> tuple[np.ndarray, np.ndarray, str]:
    """A model detector's responses (n_orientations, H, W), their orientations (rad), and the
    convention of its post-processing (the CORF detectors' own; corrected for Gabor)."""
    if detector in CORF_DETECTORS["released"]:
        convention = "released"
        # as CORFContourDetection: min–max rescaled, in float64, its 16 channels in its order
        image = rescale_min_max(image.astype(np.float64))
        return (
            models[detector].response(image, RELEASED_ORIENTATIONS),
            RELEASED_ORIENTATIONS,
            convention,
        )
    image = image.astype(np.float32)
    if detector == "gabor_energy":
        return models[detector].energy(image, AXIAL_ORIENTATIONS), AXIAL_ORIENTATIONS, "corrected"
    if detector == "gabor_surround":
        return models[detector].response(image, AXIAL_ORIENTATIONS), AXIAL_ORIENTATIONS, "corrected"
    return models[detector].response(image, EDGE_ORIENTATIONS), EDGE_ORIENTATIONS, "corrected"


def generated_scene(seed: int, size: int = SCENE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """A scene of overlapping uniform shapes and its exact boundary map.

    Ellipses, rectangles and triangles of random grey levels in [0.1, 0.9] are painted on a
    background of 0.5; a pixel is a boundary pixel when its region differs from the pixel to
    its right or below (boundaries one pixel thick).
    """
    rng = np.random.default_rng(seed)
    labels = np.zeros((size, size), dtype=np.int32)
    levels = [0.5]
    for label in range(1, 7):
        kind = label % 3
        centre = rng.uniform(0.2 * size, 0.8 * size, 2)
        if kind == 0:
            radii = rng.uniform(0.1 * size, 0.3 * size, 2)
            rows, cols = skimage.draw.ellipse(
                centre[0],
                centre[1],
                radii[0],
                radii[1],
                shape=labels.shape,
                rotation=rng.uniform(0, math.pi),
            )
        elif kind == 1:
            half = rng.uniform(0.08 * size, 0.25 * size, 2)
            rows, cols = skimage.draw.rectangle(centre - half, centre + half, shape=labels.shape)
            rows, cols = rows.ravel().astype(int), cols.ravel().astype(int)
        else:
            corners = centre + rng.uniform(-0.3 * size, 0.3 * size, (3, 2))
            rows, cols = skimage.draw.polygon(corners[:, 0], corners[:, 1], shape=labels.shape)
        labels[rows, cols] = label
        levels.append(float(rng.uniform(0.1, 0.9)))
    image = np.asarray(levels)[labels]
    boundary = np.zeros_like(labels, dtype=bool)
    boundary[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    boundary[:-1, :] |= labels[:-1, :] != labels[1:, :]
    return image, boundary


def f_measure_against_noise(
    quick: bool, models: dict[str, object], compared: tuple[str, ...] = DETECTORS
) -> xr.Dataset:
    """ODS F-measure, precision and recall of every detector at every noise level."""
    noise_levels = np.array([0.0, 0.1] if quick else [0.0, 0.05, 0.1, 0.2])
    scenes = [generated_scene(seed) for seed in range(2 if quick else 4)]
    names = ("f_measure", "precision", "recall", "ois")
    table = np.zeros((len(names), len(compared), noise_levels.size))
    for j, level in enumerate(noise_levels):
        noisy = [
            gaussian_noise(image, float(level), seed=100 + k) if level > 0 else image
            for k, (image, _) in enumerate(scenes)
        ]
        truths = [[boundary] for _, boundary in scenes]
        for i, detector in enumerate(compared):
            strengths = [contour_strength(detector, image, models) for image in noisy]
            result = evaluate_contours(strengths, truths, thresholds=N_THRESHOLDS)
            table[:, i, j] = [
                result.attrs["ods"],
                result.attrs["ods_precision"],
                result.attrs["ods_recall"],
                result.attrs["ois"],
            ]
    coords = {"detector": list(compared), "noise_std": noise_levels}
    return xr.Dataset(
        {
            name: (("detector", "noise_std"), table[k], {"units": "1"})
            for k, name in enumerate(names)
        },
        coords=coords,
        attrs={"n_scenes": len(scenes), "scene_size_px": SCENE_SIZE},
    )


def natural_images(quick: bool) -> dict[str, np.ndarray]:
    """Grey-level images shipped with scikit-image, scaled to at most 256 px (192 quick)."""
    images = {
        "camera": skimage.data.camera(),
        "coins": skimage.data.coins(),
        "astronaut": skimage.color.rgb2gray(skimage.data.astronaut()),
    }
    if quick:
        images = {"camera": images["camera"]}
    side = 192 if quick else 256
    scaled = {}
    for name, image in images.items():
        image = skimage.util.img_as_float(image)
        factor = side / max(image.shape)
        scaled[name] = skimage.transform.rescale(image, factor, anti_aliasing=True)
    return scaled


def _grey(image: np.ndarray) -> np.ndarray:
    """A float grey-level image in [0, 1] from a grey or RGB image."""
    image = skimage.util.img_as_float(image)
    return skimage.color.rgb2gray(image) if image.ndim == 3 else image


def bsds_f_measure(
    folder: Path, limit: int, models: dict[str, object], compared: tuple[str, ...] = DETECTORS
) -> xr.Dataset:
    """ODS and OIS F-measures on the BSDS500 test images found in ``folder``."""
    image_paths = sorted((folder / "images" / "test").glob("*.jpg"))[:limit]
    if not image_paths:
        raise FileNotFoundError(f"no images in {folder / 'images' / 'test'}")
    images = [_grey(skimage.io.imread(p)) for p in image_paths]
    truths = [
        read_bsds_ground_truth(folder / "groundTruth" / "test" / f"{p.stem}.mat")
        for p in image_paths
    ]
    ods, ois = [], []
    for detector in compared:
        strengths = [contour_strength(detector, image, models) for image in images]
        result = evaluate_contours(
            strengths, [t.boundaries for t in truths], thresholds=N_THRESHOLDS
        )
        ods.append(result.attrs["ods"])
        ois.append(result.attrs["ois"])
    return xr.Dataset(
        {"bsds_ods": ("detector", ods), "bsds_ois": ("detector", ois)},
        coords={"detector": list(compared)},
        attrs={"bsds_images": len(images)},
    )


def run(
    quick: bool = False,
    bsds: Path | None = None,
    bsds_limit: int = 20,
    convention: str = "both",
) -> xr.Dataset:
    """F-measures on generated scenes (and BSDS500 when given)."""
    compared = detectors(convention)
    models = cells()
    dataset = f_measure_against_noise(quick, models, compared)
    if bsds is not None:
        bsds_result = bsds_f_measure(bsds, bsds_limit, models, compared)
        dataset = dataset.merge(bsds_result)
        dataset.attrs.update(bsds_result.attrs)
    dataset["noise_std"].attrs.update(units="1", long_name="noise std (luminance units)")
    dataset.attrs.update(
        study_attrs(
            "contour_detection",
            "Contour detection in noise: Canny, Gabor energy, Gabor + surround inhibition, CORF, "
            "push-pull CORF",
            quick,
            max_distance="0.0075 of the image diagonal",
            n_thresholds=N_THRESHOLDS,
            canny_sigma_px=CANNY_SIGMA,
            canny_quantiles=CANNY_QUANTILES,
            corf_convention=convention,
            **dataset.attrs,
            **model_attrs(models),
        )
    )
    return dataset


def summary(dataset: xr.Dataset) -> str:
    """F-measure (ODS) per detector and noise level."""
    table = dataset.f_measure.to_pandas().round(3)
    table.columns = [f"std={c:g}" for c in table.columns]
    text = "F-measure (ODS) on generated scenes, per detector and noise std\n" + table.to_string()
    if "bsds_ods" in dataset:
        bsds = xr.Dataset({"ODS": dataset.bsds_ods, "OIS": dataset.bsds_ois}).to_pandas()
        text += (
            f"\n\nBSDS500 test ({dataset.attrs['bsds_images']} images)\n"
            + bsds.round(3).to_string()
        )
    return text


def plot(dataset: xr.Dataset, quick: bool = False) -> dict[str, plt.Figure]:
    """Contour maps of natural images in noise; F-measure against noise level."""
    compared = [str(name) for name in dataset.detector.values]
    models = cells()
    images = natural_images(quick)
    noise = 0.1
    maps = plt.figure(figsize=(2.3 * (len(compared) + 1), 2.4 * len(images)), layout="constrained")
    axes = maps.subplots(len(images), len(compared) + 1, squeeze=False)
    for row, (name, image) in enumerate(images.items()):
        noisy = np.clip(gaussian_noise(image, noise, seed=row), 0.0, 1.0)
        axes[row, 0].imshow(noisy, cmap="gray", vmin=0, vmax=1)
        axes[row, 0].set_title(f"{name} + noise {noise:g}" if row == 0 else name, fontsize="small")
        for col, detector in enumerate(compared, start=1):
            edges = contour_map(detector, noisy, models)
            axes[row, col].imshow(edges, cmap="gray_r")
            if row == 0:
                axes[row, col].set_title(model_label(detector), fontsize="small")
    for ax in axes.ravel():
        # a frame without ticks: a white contour map needs its edges drawn
        ax.set_xticks([])
        ax.set_yticks([])
    curves, ax = plt.subplots(figsize=(5, 3.6), layout="constrained")
    styles = line_styles(dataset.sizes["detector"])
    for detector, style in zip(dataset.detector.values, styles, strict=True):
        line = dataset.f_measure.sel(detector=detector)
        ax.plot(
            line.noise_std,
            line,
            label=model_label(detector),
            color=model_color(detector),
            **style,
        )
    ax.set_xlabel("noise std (luminance units)")
    ax.set_ylabel("F-measure (ODS)")
    ax.set_ylim(0, 1)
    ax.set_title("Generated scenes with known boundaries", fontsize="medium")
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    scene, boundary = generated_scene(0)
    example, example_axes = plt.subplots(1, 2, figsize=(5, 2.6), layout="constrained")
    example_axes[0].imshow(scene, cmap="gray", vmin=0, vmax=1)
    example_axes[0].set_title("generated scene", fontsize="small")
    example_axes[1].imshow(boundary, cmap="gray_r")
    example_axes[1].set_title("its boundaries", fontsize="small")
    for a in example_axes:
        a.set_xticks([])
        a.set_yticks([])
    return {
        "contour_maps_natural": maps,
        "contour_f_measure": curves,
        "contour_scene_example": example,
    }


def main(argv: list[str] | None = None) -> xr.Dataset:
    """Run the study; save ``contour_detection.nc`` and the figures in ``--out``."""

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--bsds",
            type=Path,
            default=None,
            help="BSDS500 folder with images/test/*.jpg and groundTruth/test/*.mat",
        )
        parser.add_argument(
            "--bsds-limit", type=int, default=20, help="number of BSDS test images (default 20)"
        )
        parser.add_argument(
            "--convention",
            choices=CONVENTIONS,
            default="both",
            help="CORF detectors of this convention only (default both)",
        )

    return run_study(
        "contour_detection",
        __doc__,
        argv,
        run,
        lambda dataset: plot(dataset, quick=bool(dataset.attrs["quick"])),
        summary,
        add_arguments,
    )


# each figure on its own row in the documentation gallery
# sphinx_gallery_multi_image = "single"

if __name__ == "__main__":
    main()
