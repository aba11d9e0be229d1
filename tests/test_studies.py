"""The studies in ``studies/`` run in quick mode and their saved results show the science.

Each test runs a study's ``main`` into a temporary folder, reads the netCDF file back and checks
properties of the models that follow from their definitions or that the papers claim, so a
study that silently computes the wrong thing fails here.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

import v1pushpull
import v1pushpull.analysis

STUDIES = Path(__file__).resolve().parents[1] / "studies"
#: The CORF models of the studies: the released convention (the published model) and the
#: corrected one.
CORF_MODELS = ("corf", "pushpull_corf", "corf_corrected", "pushpull_corf_corrected")
#: The models without a threshold: positively homogeneous in contrast.
HOMOGENEOUS = ("gabor", "pushpull_gabor", *CORF_MODELS)
#: Relative response of the released CORF cell to the optimal grating plus an orthogonal
#: mask of contrast 0.5 (default run, docs/reproduction.rst).
RELEASED_SUPPRESSION = 0.89


def load_study(name: str) -> ModuleType:
    # the studies share their set-up through studies/_common.py, found on sys.path as it is
    # when a study runs as a script or in sphinx-gallery
    if str(STUDIES) not in sys.path:
        sys.path.append(str(STUDIES))
    spec = importlib.util.spec_from_file_location(f"study_{name}", STUDIES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def run_study(name: str, out: Path) -> xr.Dataset:
    load_study(name).main(["--out", str(out), "--quick"])
    path = out / f"{name}.nc"
    assert path.is_file()
    assert any(out.glob("*.png"))
    with xr.open_dataset(path) as saved:
        dataset = saved.load()
    assert dataset.attrs["v1pushpull_version"] == v1pushpull.__version__
    return dataset


def test_orientation_tuning(tmp_path):
    ds = run_study("orientation_tuning", tmp_path)
    assert ds.response.dims == ("model", "contrast", "orientation")
    assert ds.orientation.attrs["units"] == "rad"
    assert set(ds.model.values) == {
        "gabor",
        "gabor_threshold",
        "pushpull_gabor",
        "corf",
        "pushpull_corf",
        "corf_corrected",
        "pushpull_corf_corrected",
    }
    # the CORF rows are the published model as the released code computes it, the corrected
    # convention beside them
    assert "CORFCell" in ds.attrs["model_corf"]
    assert "convention='released'" in ds.attrs["model_corf"]
    assert "convention='released'" in ds.attrs["model_pushpull_corf"]
    assert "convention='corrected'" in ds.attrs["model_corf_corrected"]
    assert "convention='corrected'" in ds.attrs["model_pushpull_corf_corrected"]
    # every cell prefers the orientation of its receptive field (0 rad, modulo π)
    assert bool((ds.response.max("orientation") > 0).all())
    deviation = np.abs(np.angle(np.exp(2j * ds.preferred_orientation.values)) / 2)
    assert deviation.max() < math.radians(1.0)
    # Rectified linear cells, CORF's geometric mean and the push-pull difference are all
    # positively homogeneous in contrast, so their tuning width cannot change with contrast.
    for model in HOMOGENEOUS:
        widths = ds.hwhh.sel(model=model)
        assert float(widths.max() - widths.min()) < math.radians(0.05), model
    # The threshold narrows the tuning at low contrast (iceberg effect) and hardly matters at
    # full contrast, where it is 3 % of the response.
    gabor, thresholded = ds.hwhh.sel(model="gabor"), ds.hwhh.sel(model="gabor_threshold")
    assert bool((thresholded.diff("contrast") > 0).all())
    assert float(thresholded.sel(contrast=0.05)) < 0.7 * float(gabor.sel(contrast=0.05))
    assert float(thresholded.sel(contrast=1.0)) == pytest.approx(
        float(gabor.sel(contrast=1.0)), rel=0.05
    )
    # [A12]: the CORF cell's tuning width spreads less across contrast than the thresholded
    # Gabor cell's
    cii = ds.contrast_invariance_index
    assert float(cii.sel(model="corf")) < 0.01 < 0.3 < float(cii.sel(model="gabor_threshold"))
    assert float(cii.sel(model="corf_corrected")) < 0.01
    # quick mode gives the widths of the default run (docs/reproduction.rst: Gabor 9.8°; CORF
    # 17.4° released, 23.0° corrected; push-pull CORF 22.0° released, 30.9° corrected)
    # within 0.5°: the HWHH is measured on a spline and the phases are sampled densely enough
    for model, degrees in (
        ("gabor", 9.8),
        ("corf_corrected", 23.0),
        ("pushpull_corf", 22.0),
        ("pushpull_corf_corrected", 30.9),
    ):
        measured = math.degrees(float(ds.hwhh.sel(model=model, contrast=1.0)))
        assert measured == pytest.approx(degrees, abs=0.5), model
    # the released CORF cell's width depends more on the orientation sampling: 18.1° in quick
    # mode (18 orientations, 16 phases) against 17.4° in the default run (30, 24)
    measured = math.degrees(float(ds.hwhh.sel(model="corf", contrast=1.0)))
    assert measured == pytest.approx(17.4, abs=1.0)
    # the released code's discretisation, mainly its subunit configuration, makes both CORF
    # cells narrower than the corrected convention (docs/corf_conventions.md)
    for released, corrected in (
        ("corf", "corf_corrected"),
        ("pushpull_corf", "pushpull_corf_corrected"),
    ):
        assert bool((ds.hwhh.sel(model=released) < ds.hwhh.sel(model=corrected) - 0.05).all())
    # the Gabor cell's width follows from its kernel: Gaussian orientation tuning of the
    # envelope, std 1/(2π σ_y f) rad with σ_y = σ/γ = 1.12 λ, HWHH = 1.177 std ≈ 9.6°
    assert math.degrees(float(gabor.sel(contrast=1.0))) == pytest.approx(9.6, abs=0.6)


def test_contrast_invariance(tmp_path, capsys):
    ds = run_study("contrast_invariance", tmp_path)
    # the thresholded cell is silent at 3 % contrast: marked as such, not printed as NaN
    assert bool(ds.response.sel(model="gabor_threshold", contrast=0.03).max() == 0)
    assert math.isnan(float(ds.hwhh.sel(model="gabor_threshold", contrast=0.03)))
    printed = capsys.readouterr().out
    assert "NaN" not in printed
    assert "silent" in printed.split("gabor_threshold", 1)[1].splitlines()[0]
    cii = ds.contrast_invariance_index
    # homogeneous models are exactly invariant; the threshold is not ([A12])
    for model in HOMOGENEOUS:
        assert float(cii.sel(model=model)) < 0.01, model
        assert float(ds.width_ratio_low_high.sel(model=model)) == pytest.approx(1.0, abs=0.01)
    assert float(cii.sel(model="gabor_threshold")) > 0.2
    assert float(ds.width_ratio_low_high.sel(model="gabor_threshold")) < 0.85
    # the von Mises fits agree with the direct measurement of the width, where they fit well
    for model in ("corf", "corf_corrected"):
        corf = ds.sel(model=model, contrast=1.0)
        assert float(corf.hwhh_von_mises) == pytest.approx(float(corf.hwhh), rel=0.15), model


def test_contrast_response(tmp_path):
    ds = run_study("contrast_response", tmp_path)
    saturation = ds.saturation_index
    # all rectified models without a threshold respond in proportion to contrast: no saturation
    # (neither convention of the CORF model shows the saturation reported in [A12]; see the
    # reproduction page)
    for model in HOMOGENEOUS:
        assert abs(float(saturation.sel(model=model))) < 0.01, model
        curve = ds.normalised_response.sel(model=model)
        np.testing.assert_allclose(curve.values, curve.contrast.values, rtol=1e-3, atol=1e-5)
    # a threshold makes the response expansive (R(1)/R(0.5) > 2)
    assert float(saturation.sel(model="gabor_threshold")) < -0.01
    # the Naka-Rushton fit reproduces the measured curve of the thresholded cell
    fit = ds.sel(model="gabor_threshold")
    parameters = [float(fit[f"fit_{p}"]) for p in ("r_max", "c50", "exponent", "baseline")]
    predicted = v1pushpull.analysis.naka_rushton(fit.contrast.values, *parameters)
    np.testing.assert_allclose(predicted, fit.normalised_response, atol=0.02)


def test_cross_orientation_suppression(tmp_path):
    ds = run_study("cross_orientation_suppression", tmp_path)
    relative = ds.relative_response
    # an orthogonal grating adds nothing to a linear Gabor response: no suppression
    for model in ("gabor", "gabor_threshold", "pushpull_gabor"):
        np.testing.assert_allclose(relative.sel(model=model), 1.0, atol=0.01)
    # [A12]: CORF shows cross-orientation suppression, growing with the mask contrast,
    # although the mask alone excites it little, in both conventions
    for model in CORF_MODELS:
        line = relative.sel(model=model)
        assert float(line.isel(mask_contrast=-1)) < 0.9, model
        assert float(line.isel(mask_contrast=-1)) < float(line.isel(mask_contrast=1))
    for model in ("corf", "corf_corrected"):
        assert float(ds.mask_alone_response.sel(model=model)) < 0.25 * float(
            ds.test_alone_response.sel(model=model)
        ), model
    # quick mode samples the mask phase densely enough to give the default run's numbers (0.83
    # corrected, RELEASED_SUPPRESSION released, on docs/reproduction.rst); 2 mask phases gave
    # 0.75 for the corrected cell
    at_half = relative.isel(mask_contrast=-1)
    assert float(at_half.sel(model="corf_corrected")) == pytest.approx(0.83, abs=0.01)
    assert float(at_half.sel(model="corf")) == pytest.approx(RELEASED_SUPPRESSION, abs=0.01)


def test_spatial_frequency_tuning(tmp_path):
    ds = run_study("spatial_frequency_tuning", tmp_path)
    # the Gabor cell's bandwidth is the one its kernel was built with (1 octave), and its
    # peak is at its wavelength (8 px)
    gabor = ds.sel(model="gabor", contrast=1.0)
    assert float(gabor.bandwidth) == pytest.approx(1.0, abs=0.1)
    assert 1 / float(gabor.peak_frequency) == pytest.approx(8.0, rel=0.15)
    # homogeneous models: the SF tuning does not change with contrast
    spread = ds.bandwidth.max("contrast") - ds.bandwidth.min("contrast")
    assert float(spread.max()) < 0.01
    # [A14]: push-pull makes the CORF cell's orientation × SF response more separable
    separability = ds.separability_index
    for push, pushpull in (
        ("corf", "pushpull_corf"),
        ("corf_corrected", "pushpull_corf_corrected"),
    ):
        assert float(separability.sel(model=pushpull)) > float(separability.sel(model=push))
    # the model bandwidths fall in the range of macaque V1 cells, 0.8-3 octaves
    assert bool(((ds.bandwidth > 0.8) & (ds.bandwidth < 3.0)).all())


def test_noise_snr(tmp_path):
    ds = run_study("noise_snr", tmp_path)
    snr = ds.snr
    # SNR falls as the noise grows, for every model
    finite = snr.where(np.isfinite(snr))
    assert bool((finite.diff("noise_std") < 0).sum() == np.isfinite(finite.diff("noise_std")).sum())
    # [A14]: push-pull inhibition raises the SNR of the CORF cell, at every noise level,
    # and more inhibition raises it further, in both conventions
    for push, pushpull in (
        ("corf", "pushpull_corf"),
        ("corf_corrected", "pushpull_corf_corrected"),
    ):
        assert bool((snr.sel(model=pushpull) > 2 * snr.sel(model=push)).all()), pushpull
        sweep = ds[f"snr_{pushpull}_strength"].isel(noise_std=-1)
        assert bool((sweep.diff(sweep.dims[0]) > 0).all()), pushpull
    # and (less) that of the Gabor cell
    assert bool((snr.sel(model="pushpull_gabor") > snr.sel(model="gabor")).all())


def test_contour_detection(tmp_path):
    ds = run_study("contour_detection", tmp_path)
    f = ds.f_measure
    assert bool(((f >= 0) & (f <= 1)).all())
    # noise-free scenes: every detector finds most of the known boundaries
    assert bool((f.sel(noise_std=0.0) > 0.7).all())
    # noise hurts every detector
    assert bool((f.isel(noise_std=-1) < f.sel(noise_std=0.0)).all())
    # [A14]: in noise, push-pull CORF detects contours better than CORF and Gabor energy, in
    # both conventions (the released detectors: released cell, rescaling and thinning)
    assert set(ds.detector.values) >= set(CORF_MODELS)
    noisy = f.isel(noise_std=-1)
    for push, pushpull in (
        ("corf", "pushpull_corf"),
        ("corf_corrected", "pushpull_corf_corrected"),
    ):
        assert float(noisy.sel(detector=pushpull)) > float(noisy.sel(detector=push)) + 0.03
        assert float(noisy.sel(detector=pushpull)) > float(noisy.sel(detector="gabor_energy"))


def test_contour_detection_convention_option_keeps_one_convention_s_corf_detectors():
    study = load_study("contour_detection")
    assert study.detectors("both") == study.DETECTORS
    released = study.detectors("released")
    assert "corf" in released and "pushpull_corf" in released
    assert not set(released) & {"corf_corrected", "pushpull_corf_corrected"}
    corrected = study.detectors("corrected")
    assert not set(corrected) & {"corf", "pushpull_corf"}
    assert {"canny", "gabor_energy", "gabor_surround"} <= set(corrected)
    with pytest.raises(ValueError, match="convention"):
        study.detectors("matlab")


def test_contour_detection_reads_a_bsds_folder(tmp_path):
    import scipy.io
    import skimage.io

    study = load_study("contour_detection")
    bsds = tmp_path / "BSDS500"
    (bsds / "images" / "test").mkdir(parents=True)
    (bsds / "groundTruth" / "test").mkdir(parents=True)
    image, boundary = study.generated_scene(3, size=96)
    skimage.io.imsave(bsds / "images" / "test" / "1.jpg", (image * 255).astype(np.uint8))
    annotation = np.empty((1, 1), dtype=object)
    annotation[0, 0] = {
        "Segmentation": np.ones(boundary.shape, np.uint16),
        "Boundaries": boundary.astype(np.uint8),
    }
    scipy.io.savemat(bsds / "groundTruth" / "test" / "1.mat", {"groundTruth": annotation})
    ds = study.run(quick=True, bsds=bsds, bsds_limit=5)
    assert ds.attrs["bsds_images"] == 1
    # a clean piecewise-constant image: CORF finds its boundaries (JPEG adds small ringing),
    # in both conventions
    assert float(ds.bsds_ods.sel(detector="corf")) > 0.7
    assert float(ds.bsds_ods.sel(detector="corf_corrected")) > 0.7


def test_printed_output_folder_never_shows_the_machine_s_folders(tmp_path, monkeypatch):
    # the gallery printed the build machine's absolute path of docs/_build/study_results
    load_study("contrast_response")
    from _common import shown_path

    work = tmp_path / "docs"
    (work / "_build" / "results").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "docs")
    assert shown_path(work / "_build" / "results") == str(Path("_build", "results"))
    (tmp_path / "studies").mkdir()
    monkeypatch.chdir(tmp_path / "studies")
    assert shown_path(work / "_build" / "results") == str(Path("..", "docs", "_build", "results"))
    assert shown_path(Path("/elsewhere/out")) == str(Path("/elsewhere/out"))


def test_corf_layer_maps(tmp_path):
    pytest.importorskip("torch")
    ds = run_study("corf_layer_maps", tmp_path)
    study = load_study("corf_layer_maps")
    # the stored core maps are the core's: recomputed here at two of the orientations
    theta = ds.orientation.values
    core = np.asarray(study.MAP_CELL.response(ds.image.values, theta[[0, 3]]))
    np.testing.assert_allclose(ds.core_response.values[[0, 3]], core, rtol=0, atol=1e-12)
    # the layer's maps (float64) equal the core cell's to < 1e-10 of the peak, zeros included
    peak = float(ds.core_response.max())
    assert float(abs(ds.layer_response - ds.core_response).max()) < 1e-10 * peak
    assert bool(((ds.layer_response == 0) == (ds.core_response == 0)).all())
    assert ds.attrs["max_error_over_peak"] < 1e-10
    # training starts from the cell's parameters, and moves every one of them
    cell = study.TRAIN_CELL
    start, end = ds.sel(stage="initial"), ds.sel(stage="trained")
    np.testing.assert_allclose(start.inhibition_strength, cell.inhibition_strength, rtol=1e-6)
    assert float(start.weight_sigma) == pytest.approx(cell.pull.subunit_set.weight_sigma, rel=1e-6)
    assert float(start.dog_sigma) == pytest.approx(cell.push.sigma, rel=1e-6)
    assert float(abs(end.inhibition_strength - start.inhibition_strength).max()) > 1e-3
    assert abs(float(end.weight_sigma) - float(start.weight_sigma)) > 1e-3
    assert abs(float(end.dog_sigma) - float(start.dog_sigma)) > 1e-3
    assert bool(np.isfinite(ds.loss).all())
