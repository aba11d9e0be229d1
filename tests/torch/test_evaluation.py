"""v1pushpull.torch.evaluation: error rates under the MNIST protocol and CIFAR-10-C, the
resumable results file and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from v1pushpull.robustness import ALEXNET_ERRORS, MNIST_PROTOCOL  # noqa: E402
from v1pushpull.torch.evaluation import error_rate, evaluate  # noqa: E402
from v1pushpull.torch.models import build_model  # noqa: E402
from v1pushpull.torch.training import seed_everything, train  # noqa: E402

# --- evaluation -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_lenet():
    """LeNet-C trained for 4 epochs on the digits, and its training history."""
    from v1pushpull.datasets import load_digits

    images, labels = load_digits("train")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model trains much faster on one thread of a busy machine
    seed_everything(0)
    model = build_model("lenet-c")
    loader = DataLoader(
        TensorDataset(torch.tensor(images), torch.tensor(labels)), batch_size=32, shuffle=True
    )
    history = train(model, loader, recipe="lenet", epochs=4, lr=0.05, milestones=(), progress=False)
    torch.set_num_threads(threads)
    return model, history


def test_training_learns_the_digits(trained_lenet):
    from v1pushpull.datasets import load_digits

    model, history = trained_lenet
    assert history.train_loss.values[-1] < 0.5 * history.train_loss.values[0]
    assert error_rate(model, *load_digits("test")) < 25  # chance is 90 %


def test_evaluate_digits_protocol_shapes_levels_and_monotonic_noise(trained_lenet, tmp_path):
    results = evaluate(trained_lenet[0], "digits", out=tmp_path / "r.nc", progress=False)
    assert results.error.dims == ("corruption", "severity")
    assert list(results.corruption.values) == list(MNIST_PROTOCOL)
    np.testing.assert_allclose(
        results.level.sel(corruption="additive_gaussian_noise"), [0.01, 0.1, 0.3, 0.5]
    )
    noise = results.error.sel(corruption="additive_gaussian_noise").values
    # stronger noise, more errors (variance 0.01 → 0.5 is a large step on digits)
    assert noise[-1] > noise[0] > 0.5 * float(results.clean_error)
    assert float(results.clean_error) < 25
    # the file holds the same numbers, with their units
    import xarray as xr

    with xr.open_dataset(tmp_path / "r.nc") as stored:
        xr.testing.assert_allclose(stored.error, results.error)
        assert stored.error.attrs["units"] == "%"
    # no AlexNet normalisation outside CIFAR-10-C
    assert "mCE" not in results


def test_evaluate_names_of_the_mnist_protocol_take_the_papers_levels(trained_lenet):
    results = evaluate(trained_lenet[0], "digits", ["contrast_poisson"], progress=False)
    np.testing.assert_allclose(results.level.values, [MNIST_PROTOCOL["contrast_poisson"]])
    with pytest.raises(ValueError, match="same, non-zero number of levels"):
        evaluate(trained_lenet[0], "digits", ["contrast_poisson", "fog"], progress=False)


def test_evaluate_resumes_per_corruption(trained_lenet, tmp_path):
    out = tmp_path / "r.nc"
    full = evaluate(trained_lenet[0], "digits", out=out, progress=False)
    # an interrupted run that had stored only the first corruption, with a marker value
    partial = full.isel(corruption=[0]).copy(deep=True)
    partial["error"][:] = 42.0
    partial.to_netcdf(out)
    resumed = evaluate(trained_lenet[0], "digits", out=out, progress=False)
    np.testing.assert_array_equal(resumed.error.isel(corruption=0), 42.0)  # not recomputed
    np.testing.assert_array_equal(resumed.error.isel(corruption=1), full.error.isel(corruption=1))
    with pytest.raises(ValueError, match="different evaluation"):
        evaluate(trained_lenet[0], "digits", out=out, seed=1, progress=False)


class _Brightness(torch.nn.Module):
    """Class 0 for images brighter than 0.5 on average, class 1 otherwise."""

    def forward(self, x):
        m = x.mean(dim=(1, 2, 3))
        return torch.stack([m - 0.5, 0.5 - m], dim=1)


def _fake_cifar10(root, names):
    """10 bright test images of class 0; at severity s the first s corrupted images stay bright."""
    import pickle

    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    bright = np.full((10, 3 * 32 * 32), 200, dtype=np.uint8)
    with open(folder / "test_batch", "wb") as handle:
        pickle.dump({b"data": bright, b"labels": [0] * 10}, handle)
    corrupted = np.full((5, 10, 32, 32, 3), 20, dtype=np.uint8)
    for s in range(1, 6):
        corrupted[s - 1, :s] = 200
    (root / "CIFAR-10-C").mkdir()
    for name in names:
        np.save(root / "CIFAR-10-C" / f"{name}.npy", corrupted.reshape(50, 32, 32, 3))
    np.save(root / "CIFAR-10-C" / "labels.npy", np.zeros(50, dtype=np.uint8))


def test_evaluate_adds_the_alexnet_metrics_for_cifar10c_at_five_severities(tmp_path):
    _fake_cifar10(tmp_path, ["contrast", "fog"])
    kwargs = {"data_root": tmp_path, "progress": False, "normalization": ((0, 0, 0), (1, 1, 1))}
    # each corruption lists its severities in its own order; errors follow the levels
    levels = {"contrast": (5, 4, 3, 2, 1), "fog": (1, 2, 3, 4, 5)}
    results = evaluate(_Brightness(), "cifar10", levels, **kwargs)
    by_severity = [90.0, 80.0, 70.0, 60.0, 50.0]  # (10 - s) wrong of 10 at severity s
    np.testing.assert_allclose(results.error.sel(corruption="contrast"), by_severity[::-1])
    np.testing.assert_allclose(results.error.sel(corruption="fog"), by_severity)
    assert float(results.clean_error) == 0.0
    expected_ce = [100 * sum(by_severity) / (5 * ALEXNET_ERRORS[n]) for n in levels]
    np.testing.assert_allclose(results.CE.sel(corruption=list(levels)), expected_ce)
    np.testing.assert_allclose(float(results.mCE), np.mean(expected_ce))
    # a subset of the severities is not the CE of [H19]: no AlexNet scores
    subset = evaluate(_Brightness(), "cifar10", ["fog"], [1, 2], **kwargs)
    np.testing.assert_allclose(subset.error.values, [[90.0, 80.0]])
    assert "mCE" not in subset


def test_evaluate_adds_no_alexnet_metrics_outside_cifar10():
    # CIFAR-10-C names applied to other images: the AlexNet errors of [H19] do not apply
    rng = np.random.default_rng(0)
    images = rng.random((20, 3, 32, 32), dtype=np.float32)
    labels = np.repeat(np.arange(2), 10)
    results = evaluate(_Brightness(), (images, labels), ["contrast"], progress=False)
    assert results.error.shape == (1, 5)
    assert "mCE" not in results and "CE" not in results


def test_severities_of_the_mnist_protocol_index_its_levels():
    images = np.full((4, 1, 8, 8), 0.8, dtype=np.float32)
    data = (images, np.zeros(4, dtype=np.int64))
    noise = evaluate(_Brightness(), data, ["additive_gaussian_noise"], [2], progress=False)
    np.testing.assert_allclose(noise.level, [[MNIST_PROTOCOL["additive_gaussian_noise"][1]]])
    contrast = evaluate(_Brightness(), data, ["contrast_poisson", "fog"], [1, 3], progress=False)
    np.testing.assert_allclose(contrast.level.sel(corruption="contrast_poisson"), [0.5, 0.3])
    np.testing.assert_allclose(contrast.level.sel(corruption="fog"), [1, 3])
    with pytest.raises(ValueError, match=r"severities \[5\] are not valid.*1\.\.4"):
        evaluate(_Brightness(), data, ["contrast_poisson"], [1, 5], progress=False)
    with pytest.raises(ValueError, match="additive_gaussian_noise"):
        evaluate(_Brightness(), data, ["gausian_noise"], progress=False)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dataset": "svhn"}, "dataset='svhn'"),
        ({"dataset": "mnist"}, "data_root"),
        ({"dataset": "digits", "corruptions": {"a": (1,), "b": (1, 2)}}, "same, non-zero"),
        ({"dataset": "digits", "corruptions": []}, "empty"),
        ({"dataset": "digits", "seed": -2}, "seed=-2"),
        ({"dataset": "cifar10", "corruptions": ["fog"], "severities": [6]}, "severities"),
    ],
)
def test_bad_evaluation_arguments_raise_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluate(torch.nn.Identity(), progress=False, **kwargs)


def test_error_rate_checks_shapes():
    with pytest.raises(ValueError, match="do not match"):
        error_rate(torch.nn.Identity(), np.zeros((3, 1, 4, 4)), np.zeros(2))
    with pytest.raises(ValueError, match="batch_size=0"):
        error_rate(torch.nn.Identity(), np.zeros((3, 1, 4, 4)), np.zeros(3), batch_size=0)


def test_evaluate_discards_cached_results_of_other_weights(trained_lenet, tmp_path, capsys):
    import copy

    out = tmp_path / "r.nc"
    first = evaluate(trained_lenet[0], "digits", out=out, epoch=4, progress=False)
    assert first.attrs["epoch"] == 4 and len(first.attrs["weights_sha256"]) == 64
    # the "same run trained further": other weights, same architecture and settings
    changed = copy.deepcopy(trained_lenet[0])
    with torch.no_grad():
        for parameter in changed.parameters():
            parameter.mul_(0.5)
    fresh = evaluate(changed, "digits", progress=False)
    cached = evaluate(changed, "digits", out=out, epoch=5, progress=True)
    assert "other weights (epoch 4)" in capsys.readouterr().err
    assert float(cached.clean_error) == float(fresh.clean_error)
    np.testing.assert_array_equal(cached.error, fresh.error)
    assert cached.attrs["epoch"] == 5
    import xarray as xr

    assert xr.open_dataset(out).attrs["weights_sha256"] == fresh.attrs["weights_sha256"]
    assert fresh.attrs["weights_sha256"] != first.attrs["weights_sha256"]


def test_results_file_resumes_the_same_weights_and_discards_others(tmp_path):
    from v1pushpull.torch.evaluation import ResultsFile

    levels = {"fog": (1.0, 2.0), "contrast": (1.0, 2.0)}
    attrs = {"dataset": "custom", "n_images": 10, "seed": 0, "weights_sha256": "a" * 64}
    first = ResultsFile(tmp_path / "r.nc", levels, attrs)
    first.clean_error = 12.5
    first.errors["fog"] = [20.0, 30.0]
    first.save()
    again = ResultsFile(tmp_path / "r.nc", levels, attrs)
    again.resume(progress=False)
    assert again.clean_error == 12.5 and again.errors == {"fog": [20.0, 30.0]}
    assert again.todo == ["contrast"]
    other = ResultsFile(tmp_path / "r.nc", levels, {**attrs, "weights_sha256": "b" * 64})
    other.resume(progress=False)
    assert other.clean_error is None and other.todo == ["fog", "contrast"]
    changed = ResultsFile(tmp_path / "r.nc", {"fog": (3.0, 4.0)}, attrs)
    with pytest.raises(ValueError, match="different evaluation") as error:
        changed.resume(progress=False)
    assert error.value.argument == "out"
