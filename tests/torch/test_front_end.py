"""Tests of the CORF front end of the models (v1pushpull.torch.front_end): its maps are the
core cell's responses, it learns or stays fixed as asked, it survives a checkpoint round trip,
and the command line trains and evaluates a network with it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr

torch = pytest.importorskip("torch")

from v1pushpull._errors import ArgumentError  # noqa: E402
from v1pushpull.cells import CORFCell, PushPullCell  # noqa: E402
from v1pushpull.cli import FRONT_ENDS as CLI_FRONT_ENDS  # noqa: E402
from v1pushpull.cli import main  # noqa: E402
from v1pushpull.corruptions import LUMINANCE_WEIGHTS  # noqa: E402
from v1pushpull.torch.checkpoints import load_model  # noqa: E402
from v1pushpull.torch.corf_layer import CORFConv2d  # noqa: E402
from v1pushpull.torch.front_end import (  # noqa: E402
    FRONT_END_ORIENTATIONS,
    FRONT_ENDS,
    SMALL_IMAGE_RHO,
    FrontEndNet,
    front_end_cell,
)
from v1pushpull.torch.models import build_model  # noqa: E402

F64 = torch.float64
THETA = np.arange(FRONT_END_ORIENTATIONS) * 2 * math.pi / FRONT_END_ORIENTATIONS


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build_float64(arch, **options):
    """The model with float64 parameters from the start (cast later, the cell's σ and σ̂ would
    keep their float32 rounding, ~1e-8 of the response)."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(F64)
    try:
        return build_model(arch, **options)
    finally:
        torch.set_default_dtype(default)


def test_the_cell_fits_the_image_size():
    # the default push-pull CORF cell needs 41 px; 28 and 32 px images take the σ = 1 px cell
    # with three rings, whose support with its β = 4 px pull is 19 px
    assert PushPullCell(CORFCell()).support == 41
    small = front_end_cell("pushpull_corf", 28)
    assert small.push.sigma == 1.0 and small.push.rho == SMALL_IMAGE_RHO
    assert (
        small.support == 19
        and small.inhibition_strength == PushPullCell(CORFCell()).inhibition_strength
    )
    assert front_end_cell("pushpull_corf", 41).push.sigma == CORFCell().sigma
    assert isinstance(front_end_cell("corf", 32), CORFCell)
    with pytest.raises(ValueError, match="at least 19 px"):
        front_end_cell("pushpull_corf", 18)
    with pytest.raises(ValueError, match="at least 15 px"):  # no pull: 2·ceil(6.98) + 1
        front_end_cell("corf", 14)


@pytest.mark.parametrize("kind", ["corf", "pushpull_corf"])
def test_lenet_front_end_maps_are_the_core_cells_responses(kind):
    model = build_float64("lenet-a", front_end=kind)
    assert isinstance(model, FrontEndNet) and isinstance(model.front_end, CORFConv2d)
    assert model.body.conv1.in_channels == FRONT_END_ORIENTATIONS
    image = np.random.default_rng(0).random((28, 28))
    with torch.no_grad():
        maps = model.front_end(torch.as_tensor(image)[None, None])[0].numpy()
    expected = np.asarray(front_end_cell(kind, 28).response(image, THETA))
    assert np.abs(maps - expected).max() <= 1e-10 * np.abs(expected).max()
    # fixed by default: nothing in the front end learns, the BatchNorm and the body do
    assert not any(p.requires_grad for p in model.front_end.parameters())
    assert all(p.requires_grad for p in model.body.parameters())


def test_resnet_front_end_sees_the_luminance_of_rgb_images():
    model = build_float64("resnet20", front_end="pushpull_corf", front_end_trainable=True)
    assert model.body.conv1.in_channels == FRONT_END_ORIENTATIONS
    rgb = np.random.default_rng(1).random((3, 32, 32))
    with torch.no_grad():
        maps = model.front_end(torch.as_tensor(rgb)[None])[0].numpy()
    luma = np.tensordot(np.asarray(LUMINANCE_WEIGHTS), rgb, axes=1)
    expected = np.asarray(front_end_cell("pushpull_corf", 32).response(luma, THETA))
    assert np.abs(maps - expected).max() <= 1e-10 * np.abs(expected).max()
    # learnable: a loss on the network's output reaches k, σ̂ and the DoG σ, finitely
    model.train()
    model(torch.as_tensor(rgb)[None].repeat(2, 1, 1, 1)).square().sum().backward()
    for name, parameter in model.front_end.named_parameters():
        assert parameter.grad is not None and bool(torch.isfinite(parameter.grad).all()), name
        assert float(parameter.grad.abs().max()) > 0, name


def test_checkpoint_round_trip_rebuilds_the_front_end(tmp_path):
    torch.manual_seed(0)
    model = build_model("lenet-d", front_end="pushpull_corf", front_end_trainable=True)
    with torch.no_grad():  # away from the cell's values, so the load must restore them
        model.front_end.inhibition_strength.mul_(0.5)
        model.front_end.weight_sigma.add_(0.25)
        model.front_end.dog_sigma.mul_(1.1)
    metadata = {
        "arch": "lenet-d",
        "pushpull": "none",
        "front_end": "pushpull_corf",
        "front_end_trainable": True,
        "dataset": "digits",
    }
    torch.save({"model": model.state_dict(), "metadata": metadata}, tmp_path / "model.pt")
    loaded, saved = load_model(tmp_path)  # strict=True inside
    assert saved["front_end"] == "pushpull_corf"
    state, restored = model.state_dict(), loaded.state_dict()
    assert state.keys() == restored.keys()
    assert all(torch.equal(state[k], restored[k]) for k in state)
    assert all(p.requires_grad for p in loaded.front_end.parameters())
    x = torch.rand(3, 1, 28, 28)
    model.eval(), loaded.eval()
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    # the weights of a front-end network do not fit the plain network, and say so
    plain = {"front_end": "none", "front_end_trainable": False}
    torch.save(
        {"model": model.state_dict(), "metadata": {**metadata, **plain}},
        tmp_path / "model.pt",
    )
    with pytest.raises(ValueError, match="do not fit lenet-d"):
        load_model(tmp_path, dataset="digits")


def test_unknown_front_end_options_are_refused():
    with pytest.raises(ArgumentError, match="front_end"):
        build_model("lenet-a", front_end="gabor")
    with pytest.raises(ValueError, match="needs a front end"):
        build_model("lenet-a", front_end_trainable=True)
    with pytest.raises(TypeError, match="front_end_trainable must be a bool"):
        build_model("lenet-a", front_end="corf", front_end_trainable="yes")
    assert CLI_FRONT_ENDS == FRONT_ENDS  # the command repeats them to avoid importing torch


def test_cli_trains_and_evaluates_a_front_end_lenet(tmp_path, one_thread, capsys):
    run = tmp_path / "run"
    main(
        [
            "train",
            "--dataset",
            "digits",
            "--arch",
            "lenet-d",
            "--front-end",
            "pushpull_corf",
            "--out",
            str(run),
            "--epochs",
            "3",
            "--lr",
            "0.05",
            "--batch-size",
            "16",
        ]
    )
    metadata = json.loads((run / "run.json").read_text())
    assert metadata["front_end"] == "pushpull_corf" and metadata["front_end_trainable"] is False
    model, _ = load_model(run)
    # a fixed front end keeps the core cell's parameters through training (weight decay too)
    cell = front_end_cell("pushpull_corf", 28)
    k = model.front_end.inhibition_strength.detach()
    assert torch.equal(k, torch.full_like(k, cell.inhibition_strength))
    assert float(model.front_end.weight_sigma) == pytest.approx(
        cell.pull.subunit_set.weight_sigma, rel=1e-6
    )
    main(["evaluate", str(run), "--corruptions", "additive_gaussian_noise"])
    results = xr.open_dataset(run / "robustness.nc").load()
    assert results.attrs["model"] == "lenet-d-pushpull_corf"
    assert float(results.clean_error) < 50  # it learned: chance is 90 %
    assert "pushpull_corf" in capsys.readouterr().out
