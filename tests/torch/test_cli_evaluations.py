"""The issue-14 evaluations and options through the ``v1pushpull`` command: adversarial error
and CIFAR-10-P stability from ``evaluate``, ``--antialias`` / ``--pull-pooling`` /
``--dual-output`` in ``train``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

torch = pytest.importorskip("torch")

from v1pushpull.cli import main  # noqa: E402
from v1pushpull.perturbations import perturbation_sequence  # noqa: E402
from v1pushpull.registry import get_dataset  # noqa: E402
from v1pushpull.torch.checkpoints import load_model  # noqa: E402

SCHEDULE = ["--epochs", "3", "--lr", "0.05", "--batch-size", "16"]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """A LeNet-D trained for 3 epochs on the digits (a few seconds on one thread)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    run = tmp_path_factory.mktemp("run")
    main(["train", "--arch", "lenet-d", "--pushpull", "first", "--out", str(run), *SCHEDULE])
    yield run
    torch.set_num_threads(threads)


def test_adversarial_error_from_the_cli(digits_run, capsys):
    main(["evaluate", str(digits_run), "--corruptions", "contrast_poisson", "--severities", "1",
          "--adv-eps", "0", "0.1", "0.3"])  # fmt: skip
    out = capsys.readouterr().out
    assert "FGSM error" in out and "adversarial.nc" in out
    with xr.open_dataset(digits_run / "adversarial.nc") as stored:
        adversarial = stored.load()
    with xr.open_dataset(digits_run / "robustness.nc") as stored:
        robustness = stored.load()
    # kept apart from the corruptions' file
    assert "fgsm" not in robustness.corruption.values
    np.testing.assert_allclose(adversarial.level.values[0], [0.0, 0.1, 0.3])
    error = adversarial.error.values[0]
    # ε = 0 is the clean error, which the corruption evaluation measured on its own path
    assert error[0] == pytest.approx(float(adversarial.clean_error))
    assert error[0] == pytest.approx(float(robustness.clean_error), abs=1e-9)
    # a trained model is fooled more and more as ε grows; at 0.3 most digits fall
    assert error[0] < 40 and error[0] < error[1] < error[2] and error[2] > error[0] + 20


def test_pgd_is_at_least_as_strong_as_fgsm_from_the_cli(digits_run, tmp_path):
    eps = ["0.1"]
    out = tmp_path / "r.nc"
    common = ["evaluate", str(digits_run), "--out", str(out), "--corruptions", "contrast_poisson",
              "--severities", "1", "--adv-eps", *eps]  # fmt: skip
    main([*common, "--attack", "fgsm"])
    fgsm = xr.open_dataset(tmp_path / "adversarial.nc").load()
    main([*common, "--attack", "pgd", "--pgd-steps", "10"])
    pgd = xr.open_dataset(tmp_path / "adversarial.nc").load()
    assert pgd.attrs["attack"] == "pgd" and int(pgd.attrs["steps"]) == 10
    # PGD's ten steps of 0.025 (2.5 ε / 10) search the ball FGSM's one step only samples
    assert float(pgd.error[0, 0]) >= float(fgsm.error[0, 0])


def test_stability_from_the_cli_is_the_flip_rate_of_the_model(digits_run, capsys):
    main(["evaluate", str(digits_run), "--corruptions", "contrast_poisson", "--severities", "1",
          "--stability", "translate", "--stability-sequences", "12"])  # fmt: skip
    assert "mFP" in capsys.readouterr().out
    with xr.open_dataset(digits_run / "stability.nc") as stored:
        stability = stored.load()
    # translate is deterministic: the flip probability is the share of consecutive frames
    # whose prediction changes [H19], counted here from the model's own predictions
    model, _ = load_model(digits_run)
    model.eval()
    images, _ = get_dataset("digits").load("test", None)
    sequences = perturbation_sequence(images[:12], "translate")
    with torch.no_grad():
        frames = torch.as_tensor(sequences.reshape(-1, *sequences.shape[2:]), dtype=torch.float32)
        predictions = model(frames).argmax(1).reshape(12, -1).numpy()
    flips = np.mean(predictions[:, 1:] != predictions[:, :-1])
    fp = float(stability.flip_probability.sel(perturbation="translate"))
    assert fp == pytest.approx(flips)
    assert float(stability.mFP) == pytest.approx(fp)
    assert stability.attrs["convention"] == "hendrycks"


def test_train_options_reach_the_model_and_its_metadata(tmp_path):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run = tmp_path / "pp3"
        main(["train", "--arch", "resnet20", "--pushpull", "first", "--pull", "inverted",
              "--pull-pooling", "3", "--antialias", "3", "--out", str(run), "--epochs", "1",
              "--batch-size", "64"])  # fmt: skip
        metadata = json.loads((run / "run.json").read_text())
        assert metadata["antialias"] == 3 and metadata["pull_pooling"] == 3
        model, _ = load_model(run)  # strict: the blur buffers are rebuilt from the metadata
        assert model.conv1.options.pull_pooling == 3
        assert "layer2.0.conv1.0.filt" in model.state_dict()
        dual = tmp_path / "dual"
        main(["train", "--arch", "lenet-d", "--pushpull", "first", "--dual-output",
              "--out", str(dual), "--epochs", "1"])  # fmt: skip
        model, metadata = load_model(dual)
        assert metadata["dual_output"] is True and model.conv1.push.out_channels == 2
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--pull-pooling", "3"], "--pull-pooling"),
        (["--pull", "inverted", "--pull-pooling", "4"], "--pull-pooling"),
        (["--dual-output", "--alpha", "0.5"], "--dual-output"),
    ],
)
def test_bad_new_train_options_name_their_flag(argv, expected, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--arch", "lenet-d", "--out", str(tmp_path), *argv])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err
