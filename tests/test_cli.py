"""Tests of the ``v1pushpull`` command line (train → evaluate → compare, and its errors)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from v1pushpull.cli import PLACEMENTS, main
from v1pushpull.robustness import comparison_table

CHECKPOINTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "s20-checkpoints"
SCHEDULE = ["--epochs", "3", "--lr", "0.05", "--batch-size", "16"]


@pytest.fixture
def one_thread():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    # tiny models train faster on one thread, and much faster on a busy machine
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def fail(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A plain and a push-pull LeNet-D trained for 3 epochs on the digits and evaluated."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("runs")
    for placement in ("none", "first"):
        run = root / placement
        common = ["--dataset", "digits", "--arch", "lenet-d", "--pushpull", placement]
        main(["train", *common, "--out", str(run), *SCHEDULE])
        main(["evaluate", str(run)])
    torch.set_num_threads(threads)
    return root


def test_train_writes_a_resumable_run_with_its_metadata(two_runs, capsys, one_thread):
    import torch

    from v1pushpull.torch.checkpoints import load_checkpoint

    run = two_runs / "first"
    metadata = json.loads((run / "run.json").read_text())
    assert metadata["arch"] == "lenet-d" and metadata["pushpull"] == "first"
    assert metadata["in_channels"] == 1 and metadata["input_size"] == 28
    assert metadata["pull"] == "upsample" and metadata["scale"] == 2.0
    before = load_checkpoint(run)["model"]
    history = xr.open_dataset(run / "history.nc").load()
    assert history.sizes["epoch"] == 3 and "test_error" in history
    # the same command again finds the finished checkpoint and trains no further
    common = ["--dataset", "digits", "--arch", "lenet-d", "--pushpull", "first"]
    main(["train", *common, "--out", str(run), *SCHEDULE])
    after = load_checkpoint(run)["model"]
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert "conv1.push.weight" in after
    # a different run in the same folder is refused with a message, not a traceback
    other = ["--dataset", "digits", "--arch", "lenet-d", "--pushpull", "none"]
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *other, "--out", str(run), *SCHEDULE])
    assert exit_info.value.code == 2
    assert "checkpoint of another run" in capsys.readouterr().err


def test_evaluate_writes_the_digits_protocol(two_runs):
    results = xr.open_dataset(two_runs / "first" / "robustness.nc").load()
    assert results.error.dims == ("corruption", "severity")
    assert results.attrs["model"] == "lenet-d-pp-first"
    np.testing.assert_allclose(
        results.level.sel(corruption="contrast_poisson"), [0.5, 0.4, 0.3, 0.2]
    )
    assert float(results.clean_error) < 50  # it learned: chance is 90 %


def test_compare_writes_figure_and_table_relative_to_the_baseline(two_runs, tmp_path, capsys):
    files = [str(two_runs / p / "robustness.nc") for p in ("none", "first")]
    main(["compare", *files, "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "lenet-d-pp-first" in printed and "mCE_vs_baseline" in printed
    assert (tmp_path / "comparison.png").stat().st_size > 10_000
    table = xr.open_dataset(tmp_path / "comparison.nc").load()
    assert float(table.mCE_vs_baseline.sel(run="lenet-d")) == pytest.approx(100.0)
    # CE relative to the baseline by hand: ratio of the summed errors, per corruption
    plain, pushpull = (xr.open_dataset(f).load() for f in files)
    expected = 100 * pushpull.error.sum("severity") / plain.error.sum("severity")
    np.testing.assert_allclose(
        float(table.mCE_vs_baseline.sel(run="lenet-d-pp-first")), float(expected.mean())
    )
    csv = (tmp_path / "comparison.csv").read_text()
    assert csv.splitlines()[0].startswith("run,corruption")


def test_comparison_table_rejects_different_protocols():
    a = xr.Dataset(
        {"error": (("corruption", "severity"), [[20.0, 40.0]]), "clean_error": 10.0},
        coords={"corruption": ["noise"], "severity": [1, 2]},
    )
    b = a.assign_coords(corruption=["blur"])
    with pytest.raises(ValueError, match="other corruptions"):
        comparison_table([a, b], ["a", "b"])
    with pytest.raises(ValueError, match="baseline=2"):
        comparison_table([a, a], ["a", "b"], baseline=2)


def test_cifar10_without_files_says_where_to_put_them(tmp_path, capsys):
    message = fail(["train", "--dataset", "cifar10", "--arch", "resnet20", "--out", "x"], capsys)
    assert "--data-root" in message and "cifar-10-python.tar.gz" in message
    empty = tmp_path / "data"
    empty.mkdir()
    message = fail(
        [
            "train",
            "--dataset",
            "cifar10",
            "--arch",
            "resnet20",
            "--out",
            str(tmp_path / "r"),
            "--data-root",
            str(empty),
        ],
        capsys,
    )
    assert "cifar-10-batches-py" in message and "download_cifar10" in message


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["train", "--arch", "vgg16", "--out", "x"], "--arch 'vgg16' is not known"),
        (["train", "--arch", "lenet-a", "--out", "x", "--epochs", "0"], "--epochs 0"),
        (["compare", "only.nc", "--out", "x"], "two or more"),
        (["compare", "a.nc", "b.nc", "--out", "x"], "no evaluation file"),
        (["evaluate", "missing-run"], "no model at"),
    ],
)
def test_bad_arguments_exit_with_a_clear_message(argv, expected, capsys):
    assert expected in fail(argv, capsys)


def test_argparse_rejects_unknown_choices(capsys):
    assert "invalid choice: 'some'" in fail(
        ["train", "--arch", "lenet-a", "--pushpull", "some", "--out", "x"], capsys
    )


def test_placements_match_the_models():
    pytest.importorskip("torch")
    from v1pushpull.torch.models import PUSHPULL_PLACEMENTS

    assert PLACEMENTS == PUSHPULL_PLACEMENTS


@pytest.mark.skipif(not CHECKPOINTS.is_dir(), reason="released checkpoints not available")
def test_evaluate_a_released_checkpoint_needs_its_architecture(tmp_path, capsys):
    released = str(CHECKPOINTS / "resnet-20-pp.pth.tar")
    assert "--arch --pushpull" in fail(["evaluate", released, "--out", "x.nc"], capsys)
    wrong = fail(
        ["evaluate", released, "--arch", "resnet20", "--pushpull", "none", "--out", "x.nc"], capsys
    )
    assert "do not fit resnet20" in wrong
    # right architecture, no CIFAR-10 files: the message says what is missing
    message = fail(
        [
            "evaluate",
            released,
            "--arch",
            "resnet20",
            "--pushpull",
            "first",
            "--out",
            "x.nc",
            "--data-root",
            str(tmp_path),
        ],
        capsys,
    )
    assert "cifar-10-batches-py" in message


def test_python_dash_m_runs_the_command():
    process = subprocess.run(
        [sys.executable, "-m", "v1pushpull", "compare", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 0
    assert "--baseline" in process.stdout and "two or more netCDF files" in process.stdout


def fake_cifar10(root: Path, corruptions: list[str]) -> None:
    """A CIFAR-10 test batch and CIFAR-10-C files made of 14 crops of skimage's cat photo."""
    import pickle

    from skimage import data, transform

    from v1pushpull.corruptions import corrupt

    image = data.chelsea()
    crops = [image[:, s : s + 300] for s in (40, 60, 75, 90, 110, 130, 150)]
    crops += [c[:, ::-1] for c in crops]
    small = np.stack([transform.resize(c, (32, 32), anti_aliasing=True) for c in crops])
    as_uint8 = np.round(small * 255).astype(np.uint8)  # (N, 32, 32, 3)
    labels = [3] * len(crops)  # CIFAR-10 "cat"
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rows = as_uint8.transpose(0, 3, 1, 2).reshape(len(crops), -1)
    with open(folder / "test_batch", "wb") as handle:
        pickle.dump({b"data": rows, b"labels": labels}, handle)
    corrupted_folder = root / "CIFAR-10-C"
    corrupted_folder.mkdir()
    clean = as_uint8.transpose(0, 3, 1, 2).astype(np.float32) / 255
    for name in corruptions:
        severities = [corrupt(clean, name, s, seed=s) for s in range(1, 6)]
        stacked = np.concatenate(severities).transpose(0, 2, 3, 1)
        np.save(corrupted_folder / f"{name}.npy", np.round(stacked * 255).astype(np.uint8))
    np.save(corrupted_folder / "labels.npy", np.array(labels * 5, dtype=np.uint8))


@pytest.mark.skipif(not CHECKPOINTS.is_dir(), reason="released checkpoints not available")
def test_evaluate_a_released_checkpoint_on_cifar10c_files(tmp_path, capsys):
    names = ["brightness", "gaussian_noise"]
    fake_cifar10(tmp_path / "data", names)
    out = tmp_path / "released.nc"
    main(
        [
            "evaluate",
            str(CHECKPOINTS / "resnet-20-pp.pth.tar"),
            "--arch",
            "resnet20",
            "--pushpull",
            "first",
            "--dataset",
            "cifar10",
            "--data-root",
            str(tmp_path / "data"),
            "--out",
            str(out),
            "--corruptions",
            *names,
        ]
    )
    results = xr.open_dataset(out).load()
    assert results.attrs["corrupted_data"].startswith("CIFAR-10-C files")
    assert float(results.clean_error) == 0.0  # all 14 photos of the cat are cats
    assert results.error.shape == (2, 5)
    # the AlexNet-normalised scores follow from the stored errors (REFERENCE-numbers §1)
    from v1pushpull.robustness import ALEXNET_ERRORS

    ce = [
        100 * float(results.error.sel(corruption=n).sum()) / (5 * ALEXNET_ERRORS[n]) for n in names
    ]
    np.testing.assert_allclose(float(results.mCE), np.mean(ce))
    assert "mCE" in capsys.readouterr().out


def test_train_under_torchrun_on_two_processes(tmp_path):
    pytest.importorskip("torch")
    from v1pushpull.datasets import load_digits
    from v1pushpull.torch.checkpoints import load_checkpoint
    from v1pushpull.torch.evaluation import error_rate
    from v1pushpull.torch.models import build_model

    run = tmp_path / "ddp"
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            "-m",
            "v1pushpull",
            "train",
            "--dataset",
            "digits",
            "--arch",
            "lenet-d",
            "--pushpull",
            "first",
            "--out",
            str(run),
            "--epochs",
            "1",
            "--batch-size",
            "32",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert process.returncode == 0, process.stderr[-3000:]
    assert process.stdout.count("lenet-d (push-pull: first) on digits") == 1  # rank 0 only
    saved = load_checkpoint(run)
    assert saved["metadata"]["world_size"] == 2 and saved["metadata"]["batch_size"] == 32
    # each rank tested half of the 450 digits; the reported error is the whole set's
    model = build_model("lenet-d", pushpull="first")
    model.load_state_dict(saved["model"])
    history = xr.open_dataset(run / "history.nc").load()
    expected = error_rate(model, *load_digits("test"))
    assert float(history.test_error[-1]) == pytest.approx(expected, abs=1e-9)


def test_cli_reaches_torch_only_through_the_torch_subpackage():
    # architecture: only v1pushpull/torch/ imports torch; cli.py goes through it lazily
    import ast

    import v1pushpull.cli

    tree = ast.parse(Path(v1pushpull.cli.__file__).read_text())
    absolute = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.split(".")[0] == "torch"
    ]
    absolute += [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
        if (node.module or "").split(".")[0] == "torch"
    ]
    assert absolute == []
    probe = "import sys, v1pushpull.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_evaluate_warns_on_an_unfinished_run_and_records_its_epoch(two_runs, tmp_path, capsys):
    import torch

    from v1pushpull.torch.checkpoints import load_checkpoint

    # the checkpoint of a run planned for 5 epochs, interrupted after 3 (no model.pt yet)
    state = load_checkpoint(two_runs / "none" / "checkpoint.pt")
    state["metadata"]["epochs"] = 5
    run = tmp_path / "unfinished"
    run.mkdir()
    torch.save(state, run / "checkpoint.pt")
    main(["evaluate", str(run), "--corruptions", "contrast_poisson"])
    captured = capsys.readouterr()
    assert "unfinished run" in captured.err and "3 of 5 epochs" in captured.err
    assert "(epoch 3)" in captured.out
    assert xr.open_dataset(run / "robustness.nc").attrs["epoch"] == 3


def test_train_refuses_fewer_epochs_than_the_checkpoint_naming_the_options(
    tmp_path, capsys, one_thread
):
    common = ["train", "--dataset", "digits", "--arch", "lenet-d", "--out", str(tmp_path)]
    main([*common, "--epochs", "1", "--batch-size", "64"])
    capsys.readouterr()
    error = fail([*common, "--epochs", "2", "--batch-size", "64", "--pushpull", "first"], capsys)
    assert "another run" in error and "another --out folder or pass --restart" in error
    main([*common, "--epochs", "2", "--batch-size", "64"])
    error = fail([*common, "--epochs", "1", "--batch-size", "64"], capsys)
    assert "already at epoch 2; pass --epochs >= 2 or --restart" in error


def test_train_on_digits_uses_the_digits_recipe_and_warns_near_chance(tmp_path, capsys, one_thread):
    from v1pushpull.torch.checkpoints import load_checkpoint

    # a learning rate too small to move the weights: the error stays at chance (90 %)
    main(["train", "--arch", "lenet-d", "--out", str(tmp_path), "--epochs", "1", "--lr", "1e-6"])
    captured = capsys.readouterr()
    assert "near chance" in captured.err and "lower --lr" in captured.err
    metadata = load_checkpoint(tmp_path)["metadata"]
    assert metadata["batch_size"] == 32 and "batch_size=32" in metadata["recipe"]


def _result(errors, clean, model):
    return xr.Dataset(
        {"error": (("corruption", "severity"), errors), "clean_error": clean},
        coords={"corruption": ["noise", "blur"], "severity": [1, 2]},
        attrs={"model": model},
    )


def test_compare_keeps_ce_when_only_the_relative_score_is_undefined(tmp_path, capsys):
    # the baseline's blur errors equal its clean error: its rCE denominator is zero there
    baseline = _result([[20.0, 40.0], [10.0, 10.0]], 10.0, "plain")
    other = _result([[10.0, 20.0], [15.0, 25.0]], 5.0, "pp")
    with pytest.warns(
        UserWarning, match=r"rCE is undefined \(NaN\) for the corruptions \['blur'\]"
    ):
        table = comparison_table([baseline, other], ["plain", "pp"])
    np.testing.assert_allclose(table.CE_vs_baseline.sel(run="plain"), [100.0, 100.0])
    np.testing.assert_allclose(table.CE_vs_baseline.sel(run="pp"), [50.0, 200.0])
    assert float(table.mCE_vs_baseline.sel(run="pp")) == pytest.approx(125.0)
    assert np.isnan(float(table.relative_mCE_vs_baseline.sel(run="pp")))
    files = []
    for result in (baseline, other):
        files.append(str(tmp_path / f"{result.attrs['model']}.nc"))
        result.to_netcdf(files[-1])
    main(["compare", *files, "--out", str(tmp_path / "cmp")])
    captured = capsys.readouterr()
    assert "note: rCE is undefined" in captured.err and "'plain'" in captured.err
    assert "125.00" in captured.out


def test_train_says_when_it_resumes_or_is_done_and_ctrl_c_says_how_to_resume(
    tmp_path, capsys, monkeypatch, one_thread
):
    import v1pushpull.torch.training as training

    common = ["train", "--arch", "lenet-d", "--out", str(tmp_path), "--batch-size", "64"]
    main([*common, "--epochs", "1"])
    assert "resuming" not in capsys.readouterr().err
    main([*common, "--epochs", "2"])
    assert "resuming from epoch 1 of 2" in capsys.readouterr().err
    main([*common, "--epochs", "2"])
    assert "already trained for 2 epochs" in capsys.readouterr().err

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "train", interrupted)
    with pytest.raises(SystemExit) as exit_info:
        main([*common, "--epochs", "4"])
    assert exit_info.value.code == 130
    err = capsys.readouterr().err
    assert "interrupted during epoch 3; rerun the same command to resume" in err
    assert "Traceback" not in err


def test_help_shows_defaults_and_errors_name_the_options(two_runs, tmp_path, capsys):
    for command, shown in (
        ("evaluate", "(default: 500)"),
        ("compare", "(default: 0)"),
        ("train", "(default: digits)"),
    ):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert shown in text and "(default: None)" not in text
    files = [str(two_runs / p / "robustness.nc") for p in ("none", "first")]
    error = fail(["compare", *files, "--out", str(tmp_path), "--baseline", "5"], capsys)
    assert "--baseline 5 is not valid; expected 0..1" in error
    # a misspelt corruption on digits lists the MNIST protocol of [S20]
    out = str(tmp_path / "r.nc")
    error = fail(
        ["evaluate", str(two_runs / "none"), "--out", out, "--corruptions", "noise"], capsys
    )
    assert "['additive_gaussian_noise', 'contrast_poisson']" in error
    error = fail(["evaluate", str(two_runs / "none"), "--out", out, "--batch-size", "0"], capsys)
    assert "--batch-size 0 is not valid" in error


def test_evaluate_warns_when_a_continued_run_has_not_finished(two_runs, tmp_path, capsys):
    import shutil

    import torch

    from v1pushpull.torch.checkpoints import load_checkpoint

    # model.pt of the finished 3 epochs, and a checkpoint of its continuation to 6, at epoch 4
    run = tmp_path / "continued"
    shutil.copytree(two_runs / "none", run)
    state = load_checkpoint(run / "checkpoint.pt")
    state["epoch"], state["metadata"]["epochs"] = 4, 6
    torch.save(state, run / "checkpoint.pt")
    main(["evaluate", str(run), "--out", str(tmp_path / "r.nc"), "--corruptions", "fog"])
    err = capsys.readouterr().err
    assert "model.pt has 3 epochs but training was continued" in err
    assert "epoch 4 of 6" in err


# --- issue 10: nothing silent, no traceback -------------------------------------------------


def _train_argv(out, *extra):
    return ["train", "--arch", "lenet-d", "--epochs", "1", "--out", str(out), *extra]


def test_train_without_torch_says_which_extra_to_install(tmp_path):
    # torch hidden by a finder: `import torch` fails as on a core-only install (a None in
    # sys.modules would also break SciPy's own probing for torch)
    code = "\n".join(
        [
            "import importlib.abc, sys",
            "class Hide(importlib.abc.MetaPathFinder):",
            "    def find_spec(self, name, path, target=None):",
            "        if name.partition('.')[0] == 'torch':",
            "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)",
            "sys.meta_path.insert(0, Hide())",
            "from v1pushpull.cli import main",
            f"sys.exit(main({_train_argv(tmp_path / 'run')!r}))",
        ]
    )
    process = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert process.returncode == 2, process.stderr
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in process.stderr
    assert "v1pushpull[torch]" in lines[0] and "PyTorch" in lines[0]
    assert not (tmp_path / "run").exists()


def test_a_bad_out_folder_fails_before_the_data_are_loaded(tmp_path, capsys, monkeypatch):
    pytest.importorskip("torch")
    from v1pushpull.torch import data

    def no_loading(*args, **kwargs):
        raise AssertionError("the data were loaded before --out was checked")

    monkeypatch.setattr(data, "make_loaders", no_loading)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    message = fail(_train_argv(blocker / "run"), capsys)
    assert "--out" in message and "a-file" in message and "Traceback" not in message


def test_files_written_by_train_get_the_users_permissions(tmp_path, capsys, one_thread):
    # an unusual umask, so that neither mkstemp's 0600 nor the common 0644 passes by chance
    previous = os.umask(0o027)
    try:
        main(_train_argv(tmp_path / "run", "--batch-size", "64"))
    finally:
        os.umask(previous)
    files = sorted(p for p in (tmp_path / "run").iterdir() if p.is_file())
    assert {p.name for p in files} >= {"checkpoint.pt", "model.pt", "history.nc", "run.json"}
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in files}
    assert set(modes.values()) == {oct(0o640)}, modes


def test_no_augment_on_digits_says_it_changes_nothing(tmp_path, capsys, one_thread):
    main(_train_argv(tmp_path / "run", "--no-augment", "--batch-size", "64"))
    err = capsys.readouterr().err
    assert "--no-augment changes nothing on digits" in err


def test_pushpull_options_without_pushpull_layers_are_refused(tmp_path, capsys):
    message = fail(_train_argv(tmp_path / "run", "--alpha", "0.5"), capsys)
    assert "--alpha" in message and "--pushpull" in message
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_threads_default_to_one_on_two_cores_and_follow_the_flag(monkeypatch, capsys):
    torch = pytest.importorskip("torch")
    from v1pushpull import cli
    from v1pushpull.torch import distributed

    before = torch.get_num_threads()
    try:
        monkeypatch.setattr(distributed, "usable_cores", lambda: 2)
        cli._set_threads(None)
        assert torch.get_num_threads() == 1
        assert "torch threads: 1 (default" in capsys.readouterr().err
        cli._set_threads(3)
        assert torch.get_num_threads() == 3
        assert "torch threads: 3 (--threads" in capsys.readouterr().err
    finally:
        torch.set_num_threads(before)


def test_a_poorly_trained_run_is_warned_about(capsys):
    from v1pushpull import cli

    # `--epochs 6` on digits once ended at 63 % error without a word
    history = xr.Dataset(
        {"train_error": ("epoch", [80.0, 63.0]), "test_error": ("epoch", [81.0, 64.0])}
    )
    args = cli._parser().parse_args(["train", "--arch", "lenet-a", "--out", "x"])
    cli._report_training(args, history, 0.02)
    err = capsys.readouterr().err
    assert "63.0 %" in err and "learned little" in err and "--epochs" in err
    cli._report_training(args, history.isel(epoch=[0]).assign(train_error=("epoch", [2.0])), 0.02)
    assert capsys.readouterr().err == ""


def test_compare_labels_the_x_axis_by_what_the_levels_are(tmp_path):
    from v1pushpull.plotting import plot_comparison

    result = xr.Dataset(
        {"error": (("corruption", "severity"), [[10.0, 20.0], [15.0, 30.0], [5.0, 9.0]])},
        coords={
            "corruption": ["additive_gaussian_noise", "contrast_poisson", "fog"],
            "severity": [1, 2],
            "level": (("corruption", "severity"), [[0.01, 0.1], [0.5, 0.4], [1.0, 2.0]]),
        },
    ).assign(clean_error=5.0)
    figure = plot_comparison([result, result], ["plain", "pp"])
    labels = [ax.get_xlabel() for ax in figure.axes[:3]]
    assert labels == ["noise variance σ²", "contrast factor C (+ Poisson noise)", "severity"]
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert ticks == ["clean", "0.01", "0.1"]
