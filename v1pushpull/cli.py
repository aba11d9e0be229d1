"""The ``v1pushpull`` command: train, evaluate and compare CNNs with push-pull layers [S20].

::

    v1pushpull train --dataset digits --arch lenet-a --pushpull first --out runs/lenet-a-pp
    v1pushpull evaluate runs/lenet-a-pp
    v1pushpull compare runs/lenet-a/robustness.nc runs/lenet-a-pp/robustness.nc --out cmp

``train`` writes ``checkpoint.pt`` after every epoch (a rerun of the same command resumes
from it), then ``model.pt``, ``history.nc`` and ``run.json``. Under ``torchrun`` it trains
with DistributedDataParallel, e.g. ``torchrun --nproc_per_node=4 -m v1pushpull train ...``.
``evaluate`` writes the errors under each corruption to ``robustness.nc``, resuming an
interrupted evaluation of the same weights (the file records their SHA-256 and epoch; results
of other weights are evaluated anew). ``compare`` writes ``comparison.png`` (error against
severity per corruption) and ``comparison.csv``, and prints the table.

Only ``train`` and ``evaluate`` import torch, and only through :mod:`v1pushpull.torch`
(:mod:`v1pushpull.torch.cli_support` holds their torch steps).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["comparison_table", "main", "plot_comparison"]

DATASETS = ("digits", "mnist", "cifar10")
# the placements of v1pushpull.torch.models, repeated so that `compare` needs no torch
PLACEMENTS = ("none", "first", "first_stage", "all")
_ARCH_HELP = (
    "lenet-a … lenet-d, resnet20, resnet32, resnet44, resnet56, densenet-bc-40-12, "
    "densenet-bc-100-12, densenet-bc-100-24"
)
_PUSHPULL_HELP = "which convolutions are push-pull layers; 'first' is the paper's setting"
_DATA_HELP = {
    "mnist": (
        "MNIST needs its four IDX files (train-images-idx3-ubyte[.gz], ...) in --data-root; "
        'download them with `python -c "from v1pushpull.datasets import download_mnist; '
        "download_mnist('DIR')\"` or from https://yann.lecun.com/exdb/mnist/"
    ),
    "cifar10": (
        "CIFAR-10 needs the python version (cifar-10-batches-py/) in --data-root, from "
        'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz (or `python -c "from '
        "v1pushpull.datasets import download_cifar10; download_cifar10('DIR')\"`); "
        "evaluation also needs CIFAR-10-C (CIFAR-10-C/<corruption>.npy and labels.npy) from "
        "https://zenodo.org/records/2535967"
    ),
}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: X)" after every option with a real default (not None, not a flag)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default is None or action.default is False or "default" in text:
            return action.help
        return super()._get_help_string(action)


class CommandError(Exception):
    """A user error: printed as ``v1pushpull <command>: error: <message>``, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="v1pushpull",
        description="Train and evaluate CNNs with push-pull inhibition layers "
        "(Strisciuglio et al. 2020).",
        formatter_class=_HelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--data-root", type=Path, help="folder of the MNIST / CIFAR-10 files")
        sub.add_argument("--device", help="torch device, e.g. cpu or cuda:0 (default: auto)")
        sub.add_argument("--seed", type=int, default=0, help="random seed")

    train = commands.add_parser(
        "train", help="train a model, resuming from its checkpoint", formatter_class=_HelpFormatter
    )
    train.add_argument(
        "--dataset",
        choices=DATASETS,
        default="digits",
        help="training set (digits: scikit-learn's 8×8 digits at 28×28, no download)",
    )
    train.add_argument("--arch", required=True, help=_ARCH_HELP)
    train.add_argument("--pushpull", choices=PLACEMENTS, default="none", help=_PUSHPULL_HELP)
    train.add_argument("--out", type=Path, required=True, help="run folder")
    train.add_argument(
        "--epochs", type=int, help="epochs (default: the paper's recipe, 90 for the LeNets)"
    )
    train.add_argument(
        "--batch-size",
        type=int,
        help="global batch size (default: the recipe's; 32 on digits, 128 LeNet, 128 ResNet, "
        "64 DenseNet)",
    )
    train.add_argument(
        "--lr",
        type=float,
        help="initial learning rate (default: 0.1 as in the paper; 0.02 on digits, where 0.1 "
        "often stays at chance)",
    )
    train.add_argument("--workers", type=int, default=0, help="data loader worker processes")
    train.add_argument("--alpha", type=float, default=1.0, help="inhibition strength α")
    train.add_argument("--scale", type=float, default=2.0, help="pull kernel upsampling s")
    train.add_argument("--trainable-alpha", action="store_true", help="learn α per channel")
    train.add_argument(
        "--pull",
        choices=("upsample", "inverted"),
        default="upsample",
        help="pull kernel: upsampled push kernel [S20] or inverted one (PushPull-Net)",
    )
    train.add_argument("--no-amp", action="store_true", help="no mixed precision on CUDA")
    train.add_argument("--no-augment", action="store_true", help="no data augmentation")
    train.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    common(train)

    evaluate = commands.add_parser(
        "evaluate", help="error under corruptions → netCDF", formatter_class=_HelpFormatter
    )
    evaluate.add_argument(
        "run",
        type=Path,
        help="run folder of `v1pushpull train`, its model.pt / checkpoint.pt, or a checkpoint "
        "of the authors' release (*.pth.tar, with --arch and --pushpull)",
    )
    evaluate.add_argument("--dataset", choices=DATASETS, help="default: the run's")
    evaluate.add_argument("--arch", help="default: the run's; " + _ARCH_HELP)
    evaluate.add_argument("--pushpull", choices=PLACEMENTS, help="default: the run's")
    evaluate.add_argument("--out", type=Path, help="netCDF file (default RUN/robustness.nc)")
    evaluate.add_argument("--name", help="model label for tables and figures")
    evaluate.add_argument(
        "--corruptions",
        nargs="+",
        help="corruption names; digits and mnist: the protocol of [S20], "
        "additive_gaussian_noise and contrast_poisson, or CIFAR-10-C names generated on the "
        "fly; cifar10: CIFAR-10-C names (default: all of the data set's protocol)",
    )
    evaluate.add_argument(
        "--severities",
        nargs="+",
        type=int,
        help="severities 1-5 of the CIFAR-10-C corruptions; for additive_gaussian_noise and "
        "contrast_poisson, indices 1-4 into the levels of [S20] (default: all)",
    )
    evaluate.add_argument("--batch-size", type=int, default=500, help="images per forward pass")
    common(evaluate)

    compare = commands.add_parser(
        "compare", help="figure and table from evaluation files", formatter_class=_HelpFormatter
    )
    compare.add_argument("results", nargs="+", type=Path, help="two or more netCDF files")
    compare.add_argument("--out", type=Path, required=True, help="folder of the outputs")
    compare.add_argument("--labels", nargs="+", help="one label per file")
    compare.add_argument(
        "--baseline", type=int, default=0, help="index (from 0) of the reference file"
    )
    return parser


# --- train ----------------------------------------------------------------------------------


def _check_data(dataset: str, data_root: Path | None) -> None:
    if dataset == "digits":
        return
    if data_root is None:
        raise CommandError(f"--dataset {dataset} needs --data-root. {_DATA_HELP[dataset]}")
    if not data_root.is_dir():
        raise CommandError(f"--data-root {str(data_root)!r} is not a folder. {_DATA_HELP[dataset]}")


# a final training error at or above this (%, chance is 90 % on the 10 classes of every data
# set) means the run did not learn
_NEAR_CHANCE = 80.0

# the keyword arguments of the Python API that errors name, as the command's options
_OPTION_NAMES = (
    ("resume=False", "--restart"),
    ("epochs >= ", "--epochs >= "),
    ("out_dir=", "--out "),
    ("another out_dir", "another --out folder"),
    ("out=", "--out "),
    ("baseline=", "--baseline "),
    ("batch_size=", "--batch-size "),
    ("lr=", "--lr "),
    ("seed=", "--seed "),
    ("device=", "--device "),
)


def _option_names(message: str) -> str:
    for keyword, option in _OPTION_NAMES:
        message = message.replace(keyword, option)
    return message


def _train(args: argparse.Namespace) -> None:
    from .torch.cli_support import end_distributed
    from .torch.data import make_loaders, normalization
    from .torch.models import ARCHITECTURES, build_model, model_family
    from .torch.training import init_distributed, recipe_for, seed_everything, train

    _check_data(args.dataset, args.data_root)
    if args.arch not in ARCHITECTURES:
        raise CommandError(f"--arch {args.arch!r} is not known; expected one of {_ARCH_HELP}")
    for name in ("epochs", "batch_size"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise CommandError(f"--{name.replace('_', '-')} {value} is not valid; expected >= 1")
    rank, world_size, _ = init_distributed()
    family = model_family(args.arch)
    recipe = recipe_for(family, args.dataset)
    batch_size = args.batch_size or recipe.batch_size
    if batch_size % world_size:
        raise CommandError(
            f"the batch size {batch_size} does not split over {world_size} processes"
        )
    try:
        train_loader, test_loader = make_loaders(
            args.dataset,
            root=args.data_root,
            batch_size=batch_size // world_size,
            augment=not args.no_augment,
            seed=args.seed,
            num_workers=args.workers,
            distributed=world_size > 1,
        )
    except FileNotFoundError as error:
        raise CommandError(f"{error}. {_DATA_HELP.get(args.dataset, '')}") from error
    images, _ = next(iter(test_loader))
    options = {
        "arch": args.arch,
        "pushpull": args.pushpull,
        "in_channels": int(images.shape[1]),
        "alpha": args.alpha,
        "scale": args.scale,
        "trainable_alpha": args.trainable_alpha,
        "pull": args.pull,
    }
    if family == "lenet":
        options["input_size"] = int(images.shape[-1])
    seed_everything(args.seed)
    try:
        model = build_model(**options)
    except ValueError as error:
        raise CommandError(str(error)) from error
    metadata = {**options, "dataset": args.dataset, "batch_size": batch_size}
    try:
        history = train(
            model,
            train_loader,
            recipe=recipe,
            epochs=args.epochs,
            lr=args.lr,
            device=args.device,
            out_dir=args.out,
            seed=args.seed,
            amp=False if args.no_amp else None,
            test_loader=test_loader,
            resume=not args.restart,
            metadata=metadata,
            normalization=normalization(args.dataset),
        )
    except ValueError as error:
        raise CommandError(_option_names(str(error))) from error
    if rank == 0:
        (args.out / "run.json").write_text(json.dumps(metadata, indent=2) + "\n")
        last = history.isel(epoch=-1)
        print(
            f"{args.arch} (push-pull: {args.pushpull}) on {args.dataset}: "
            f"{history.sizes['epoch']} epochs, train error {float(last.train_error):.2f} %, "
            f"test error {float(last.test_error):.2f} % → {args.out}"
        )
        final = float(last.train_error)
        if final >= _NEAR_CHANCE:
            print(
                f"warning: the final training error {final:.1f} % is near chance (90 % for 10 "
                f"classes): the network has not learned. Train longer, or lower --lr (now "
                f"{args.lr or recipe.lr:g}) and rerun with --restart",
                file=sys.stderr,
            )
    if world_size > 1:
        end_distributed()


# --- evaluate -------------------------------------------------------------------------------


def _load_model(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    from .torch.cli_support import load_model

    try:
        return load_model(args.run, arch=args.arch, pushpull=args.pushpull, dataset=args.dataset)
    except (FileNotFoundError, ValueError) as error:
        raise CommandError(str(error)) from error


def _evaluate(args: argparse.Namespace) -> None:
    from .torch.training import evaluate

    model, metadata = _load_model(args)
    trained, planned = metadata.get("trained_epochs"), metadata.get("epochs")
    if trained is not None and planned is not None and trained < planned:
        print(
            f"warning: {args.run} is an unfinished run: its checkpoint has {trained} of "
            f"{planned} epochs; evaluating these half-trained weights (finish it with the same "
            "`v1pushpull train` command, then evaluate again)",
            file=sys.stderr,
        )
    if "checkpoint_epochs" in metadata:
        at, of = metadata["checkpoint_epochs"]
        print(
            f"warning: {args.run}/model.pt has {trained} epochs but training was continued: "
            f"its checkpoint is at epoch {at} of {of}; evaluating model.pt (finish the run "
            "with its `v1pushpull train` command, then evaluate again)",
            file=sys.stderr,
        )
    dataset = metadata["dataset"]
    _check_data(dataset, args.data_root)
    out = args.out
    if out is None:
        if not args.run.is_dir():
            raise CommandError("give --out FILE.nc when RUN is a file")
        out = args.run / "robustness.nc"
    name = args.name or (
        metadata["arch"] + ("" if metadata["pushpull"] == "none" else f"-pp-{metadata['pushpull']}")
    )
    try:
        results = evaluate(
            model,
            dataset,
            args.corruptions,
            args.severities,
            data_root=args.data_root,
            out=out,
            name=name,
            batch_size=args.batch_size,
            device=args.device,
            seed=args.seed,
            epoch=trained,
        )
    except FileNotFoundError as error:
        raise CommandError(f"{error}. {_DATA_HELP.get(dataset, '')}") from error
    except (ValueError, TypeError) as error:
        raise CommandError(_option_names(str(error))) from error
    print(_format_results(results))
    print(f"→ {out}")


# --- compare --------------------------------------------------------------------------------


def comparison_table(
    results: Sequence[xr.Dataset], labels: Sequence[str], baseline: int = 0
) -> xr.Dataset:
    """Summarise several evaluations side by side.

    Parameters
    ----------
    results : sequence of xarray.Dataset
        Outputs of :func:`v1pushpull.torch.training.evaluate` on the same corruptions and
        severities.
    labels : sequence of str
        One name per result.
    baseline : int
        Index of the reference for the relative scores.

    Returns
    -------
    xarray.Dataset
        Dims ``run`` and ``corruption``: ``clean_error`` and ``E_corr`` (%, mean over
        corruptions and severities), ``corruption_error`` (%, per corruption, mean over
        severities), ``CE_vs_baseline`` and ``mCE_vs_baseline`` / ``relative_mCE_vs_baseline``
        (×100, baseline = 100, :func:`v1pushpull.robustness.robustness_metrics` with the
        baseline as reference; NaN only where the baseline's denominator is zero) and, where
        the inputs carry them, the AlexNet-normalised ``mCE`` and ``relative_mCE``.

    Warns
    -----
    UserWarning
        When a relative score is NaN because the baseline's denominator is zero.

    Raises
    ------
    ValueError
        If the lengths differ, ``baseline`` is out of range, or the evaluations do not share
        their corruptions and levels.

    Examples
    --------
    >>> import xarray as xr
    >>> from v1pushpull.cli import comparison_table
    >>> a = xr.Dataset({"error": (("corruption", "severity"), [[20.0, 40.0]]),
    ...                 "clean_error": 10.0}, coords={"corruption": ["noise"], "severity": [1, 2]})
    >>> b = a.assign(error=a.error / 2)
    >>> float(comparison_table([a, b], ["plain", "pp"]).mCE_vs_baseline.sel(run="pp"))
    50.0
    """
    from .robustness import robustness_metrics

    if len(results) != len(labels):
        raise ValueError(f"got {len(results)} results but {len(labels)} labels")
    if not 0 <= baseline < len(results):
        raise ValueError(f"baseline={baseline!r} is not valid; expected 0..{len(results) - 1}")
    reference = results[baseline]
    for label, result in zip(labels, results, strict=True):
        same = result["corruption"].values.tolist() == reference["corruption"].values.tolist()
        same = same and result.sizes.get("severity") == reference.sizes.get("severity")
        if same and "level" in reference.coords and "level" in result.coords:
            same = bool(np.allclose(result["level"].values, reference["level"].values))
        if not same:
            raise ValueError(
                f"{label!r} was evaluated on other corruptions or levels than the baseline "
                f"{labels[baseline]!r}"
            )
    rows = []
    reference_core = reference[["error", "clean_error"]].assign_attrs(model=labels[baseline])
    for result in results:
        core = result[["error", "clean_error"]]
        corruption_error = core["error"].mean("severity")
        row = xr.Dataset(
            {
                "clean_error": core["clean_error"],
                "E_corr": corruption_error.mean("corruption"),
                "corruption_error": corruption_error,
            }
        )
        # a zero denominator (e.g. the baseline's corrupted errors equal its clean error)
        # makes only that score NaN, with a UserWarning that says why
        relative = robustness_metrics(core, reference=reference_core)
        for name, source in (
            ("CE_vs_baseline", "CE"),
            ("mCE_vs_baseline", "mCE"),
            ("relative_mCE_vs_baseline", "relative_mCE"),
        ):
            row[name] = relative[source]
        if "mCE" in result:
            row["mCE"] = result["mCE"]
            row["relative_mCE"] = result["relative_mCE"]
        rows.append(row.drop_vars([c for c in row.coords if c != "corruption"]))
    table = xr.concat(rows, dim="run", join="outer")
    table = table.assign_coords(run=list(labels))
    table.attrs["baseline"] = labels[baseline]
    for name in ("clean_error", "E_corr", "corruption_error"):
        table[name].attrs["units"] = "%"
    return table


def _format_results(results: xr.Dataset) -> str:
    epoch = results.attrs.get("epoch")
    lines = [
        f"{results.attrs.get('model', 'model')}"
        + ("" if epoch is None else f" (epoch {epoch})")
        + f": clean error {float(results.clean_error):.2f} %"
    ]
    for corruption in results["corruption"].values.tolist():
        errors = results["error"].sel(corruption=corruption).values
        if "level" in results.coords:
            levels = results["level"].sel(corruption=corruption).values
        else:
            levels = results["severity"].values
        pairs = ", ".join(
            f"{level:g}: {error:.2f}" for level, error in zip(levels, errors, strict=True)
        )
        lines.append(f"  {corruption} — {pairs}")
    if "mCE" in results:
        lines.append(
            f"  mCE {float(results.mCE):.1f}, relative mCE {float(results.relative_mCE):.1f} "
            f"(AlexNet = 100), E_corr {float(results.E_corr):.2f} %"
        )
    return "\n".join(lines)


def _format_table(table: xr.Dataset) -> str:
    corruptions = table["corruption"].values.tolist()
    columns = ["clean", *corruptions, "E_corr"]
    scores = [s for s in ("mCE", "relative_mCE", "mCE_vs_baseline") if s in table]
    headers = ["run", *columns, *scores]
    lines = []
    for run in table["run"].values.tolist():
        row = table.sel(run=run)
        values = [float(row.clean_error)]
        values += [float(row.corruption_error.sel(corruption=c)) for c in corruptions]
        values += [float(row.E_corr), *(float(row[s]) for s in scores)]
        lines.append([str(run), *(f"{v:.2f}" for v in values)])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    text = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    text += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    note = "errors in %, per corruption the mean over severities"
    if "mCE_vs_baseline" in scores:
        note += f"; mCE_vs_baseline: 100 = {table.attrs.get('baseline')}"
    if "mCE" in scores:
        note += "; mCE, relative_mCE: AlexNet = 100"
    return "\n".join([*text, f"({note})"])


def plot_comparison(results: Sequence[xr.Dataset], labels: Sequence[str]) -> Any:
    """Error against severity, one panel per corruption, one line per evaluation.

    Parameters
    ----------
    results : sequence of xarray.Dataset
        Outputs of :func:`v1pushpull.torch.training.evaluate` on the same corruptions.
    labels : sequence of str
        One name per result; names containing "pp" or "push" are drawn with solid lines,
        the others dashed.

    Returns
    -------
    matplotlib.figure.Figure
        The clean error is drawn at the left of each panel ("clean").

    Examples
    --------
    >>> import xarray as xr
    >>> from v1pushpull.cli import plot_comparison
    >>> a = xr.Dataset({"error": (("corruption", "severity"), [[20.0, 40.0]]),
    ...                 "clean_error": 10.0}, coords={"corruption": ["noise"], "severity": [1, 2]})
    >>> len(plot_comparison([a, a], ["plain", "pp"]).axes)
    1
    """
    import matplotlib.pyplot as plt

    corruptions = results[0]["corruption"].values.tolist()
    columns = min(4, len(corruptions))
    rows = -(-len(corruptions) // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.2 * columns, 2.8 * rows), squeeze=False, sharey=True
    )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, corruption in enumerate(corruptions):
        ax = axes.flat[index]
        for number, (result, label) in enumerate(zip(results, labels, strict=True)):
            error = result["error"].sel(corruption=corruption)
            x = np.arange(error.sizes["severity"] + 1)
            y = np.concatenate([[float(result["clean_error"])], error.values])
            pushpull = "pp" in label.lower() or "push" in label.lower()
            ax.plot(
                x,
                y,
                marker="o",
                linestyle="-" if pushpull else "--",
                color=colors[number % len(colors)],
                label=label,
            )
        if "level" in results[0].coords:
            levels = results[0]["level"].sel(corruption=corruption).values
            ticks = ["clean", *(f"{v:g}" for v in levels)]
        else:
            ticks = ["clean", *(str(s) for s in results[0]["severity"].values)]
        ax.set_xticks(np.arange(len(ticks)), ticks)
        ax.set_title(corruption.replace("_", " "))
        ax.set_xlabel("severity")
        ax.grid(alpha=0.3)
        if index % columns == 0:
            ax.set_ylabel("top-1 error (%)")
    for ax in axes.flat[len(corruptions) :]:
        ax.remove()
    axes.flat[0].legend(fontsize="small")
    figure.tight_layout()
    return figure


def _compare(args: argparse.Namespace) -> None:
    if len(args.results) < 2:
        raise CommandError("compare needs two or more evaluation files")
    labels = args.labels
    if labels is not None and len(labels) != len(args.results):
        raise CommandError(f"got {len(args.results)} files but {len(labels)} --labels")
    results = []
    for path in args.results:
        if not path.exists():
            raise CommandError(f"no evaluation file {str(path)!r}; run `v1pushpull evaluate`")
        with xr.open_dataset(path) as stored:
            results.append(stored.load())
    if labels is None:
        labels = [r.attrs.get("model", p.stem) for r, p in zip(results, args.results, strict=True)]
        if len(set(labels)) < len(labels):
            labels = [f"{label} ({p})" for label, p in zip(labels, args.results, strict=True)]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = comparison_table(results, labels, baseline=args.baseline)
    except ValueError as error:
        raise CommandError(_option_names(str(error))) from error
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"note: {message}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    figure = plot_comparison(results, labels)
    figure.savefig(args.out / "comparison.png", dpi=120)
    table.to_dataframe().to_csv(args.out / "comparison.csv")
    table.to_netcdf(args.out / "comparison.nc")
    print(_format_table(table))
    print(f"→ {args.out / 'comparison.png'}, {args.out / 'comparison.csv'}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``v1pushpull`` command line.

    Parameters
    ----------
    argv : sequence of str or None
        The arguments after the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success. Bad arguments and missing data exit with status 2 and
        a message that says what to do; Ctrl-C exits with status 130 and says how to resume.

    Examples
    --------
    >>> from v1pushpull.cli import main
    >>> main(["compare", "--help"])  # doctest: +SKIP
    """
    parser = _parser()
    args = parser.parse_args(argv)
    commands = {"train": _train, "evaluate": _evaluate, "compare": _compare}
    try:
        commands[args.command](args)
    except CommandError as error:
        parser.exit(2, f"v1pushpull {args.command}: error: {error}\n")
    except KeyboardInterrupt:
        # Ctrl-C is a normal way to stop a long run: say how to go on, not where Python was
        parser.exit(130, f"\nv1pushpull {args.command}: {_interrupted(args)}\n")
    return 0


def _interrupted(args: argparse.Namespace) -> str:
    if args.command == "train":
        from .torch.training import CHECKPOINT_NAME, load_checkpoint

        checkpoint = args.out / CHECKPOINT_NAME
        done = 0
        if checkpoint.exists():
            try:
                done = int(load_checkpoint(checkpoint)["epoch"])
            except Exception:  # an unreadable checkpoint changes only the message
                done = 0
        return (
            f"interrupted during epoch {done + 1}; rerun the same command to resume "
            f"(epochs 1-{done} are saved in {checkpoint})"
            if done
            else "interrupted during epoch 1; rerun the same command to start again"
        )
    if args.command == "evaluate":
        return "interrupted; rerun the same command to resume (finished corruptions are kept)"
    return "interrupted"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
