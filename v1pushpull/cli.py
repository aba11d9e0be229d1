"""The ``v1pushpull`` command: train, evaluate and compare CNNs with push-pull layers [S20].

::

    v1pushpull train --dataset digits --arch lenet-a --pushpull first --out runs/lenet-a-pp
    v1pushpull evaluate runs/lenet-a-pp
    v1pushpull compare runs/lenet-a/robustness.nc runs/lenet-a-pp/robustness.nc --out cmp

``train`` writes ``checkpoint.pt`` after every epoch (a rerun of the same command resumes
from it), then ``model.pt``, ``history.nc`` and ``run.json``. Under ``torchrun`` it trains
with DistributedDataParallel, e.g. ``torchrun --nproc_per_node=4 -m v1pushpull train ...``.
``evaluate`` writes the errors under each corruption to ``robustness.nc`` (and, asked for,
the CIFAR-10-P stability to ``stability.nc`` with ``--stability``, the FGSM / PGD error to
``adversarial.nc`` with ``--adv-eps``), resuming an
interrupted evaluation of the same weights (the file records their SHA-256 and epoch; results
of other weights are evaluated anew). ``compare`` writes ``comparison.png`` (error against
severity per corruption) and ``comparison.csv``, and prints the table. ``make-cifar10c``
writes the CIFAR-10-C files (:mod:`v1pushpull.cifar10c`).

``train`` and ``evaluate`` say how many torch CPU threads they use (one on machines with at
most two usable cores, where more only slow these small networks down; ``--threads`` sets
it). A usage or file error (a bad flag, an output folder that cannot be written, a file that
is not a run or an evaluation, PyTorch missing) prints one line and exits with status 2,
before any work is done.

This module parses arguments, calls the library and prints: the tables come from
:mod:`v1pushpull.robustness`, the figure from :mod:`v1pushpull.plotting`, the runs from
:mod:`v1pushpull.torch`. Library errors name their argument as data
(:class:`~v1pushpull._errors.ArgumentError`); :data:`FLAGS` spells them as this command's
options, in one place. Only ``train`` and ``evaluate`` import torch, and only through
:mod:`v1pushpull.torch`.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from ._errors import ArgumentError
from ._io import writable_folder, write_netcdf, write_text
from .registry import DATASETS, DataSet, get_dataset
from .robustness import comparison_table, format_comparison, format_results

__all__ = ["FLAGS", "main"]

# the placements of v1pushpull.torch.models, repeated so that `compare` needs no torch
PLACEMENTS = ("none", "first", "first_stage", "all")
# the front ends of v1pushpull.torch.front_end, repeated for the same reason
FRONT_ENDS = ("none", "corf", "pushpull_corf")

#: The option of this command that sets each argument of the library (the one place where
#: API names become flags in error messages).
FLAGS: dict[str, str] = {
    "alpha": "--alpha",
    "antialias": "--antialias",
    "pull_pooling": "--pull-pooling",
    "arch": "--arch",
    "baseline": "--baseline",
    "batch_size": "--batch-size",
    "corruptions": "--corruptions",
    "data_root": "--data-root",
    "dataset": "--dataset",
    "device": "--device",
    "dual_output": "--dual-output",
    "epochs": "--epochs",
    "front_end": "--front-end",
    "front_end_trainable": "--front-end-trainable",
    "labels": "--labels",
    "lr": "--lr",
    "num_workers": "--workers",
    "out": "--out",
    "out_dir": "--out",
    "pull": "--pull",
    "pushpull": "--pushpull",
    "resume": "--restart",
    "root": "--data-root",
    "scale": "--scale",
    "seed": "--seed",
    "severities": "--severities",
    "threads": "--threads",
    "trainable_alpha": "--trainable-alpha",
}

_ARCH_HELP = (
    "lenet-a … lenet-d, resnet20, resnet32, resnet44, resnet56, densenet-bc-40-12, "
    "densenet-bc-100-12, densenet-bc-100-24"
)
_PUSHPULL_HELP = "which convolutions are push-pull layers; 'first' is the paper's setting"
# a final training error at or above this (%, chance is 90 % on the 10 classes of every data
# set) means the run did not learn
_NEAR_CHANCE = 80.0
# ... and at or above this it learned little: every recipe's network ends far below it on its
# data set (digits: ~1-5 %), so a run that ends here was stopped early or had a bad lr
_POORLY_TRAINED = 30.0


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: X)" after every option with a real default (not None, not a flag)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default is None or action.default is False or "default" in text:
            return action.help
        return super()._get_help_string(action)


class CommandError(Exception):
    """A user error: printed as ``v1pushpull <command>: error: <message>``, exit status 2."""


def _message(error: Exception) -> str:
    """An error's message with the library's argument names spelled as this command's flags."""
    if isinstance(error, ArgumentError):
        return error.render(FLAGS)
    return str(error)


# --- parsing ---------------------------------------------------------------------------------


def _common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--data-root", type=Path, help="folder of the MNIST / CIFAR-10 files")
    sub.add_argument("--device", help="torch device, e.g. cpu or cuda:0 (default: auto)")
    sub.add_argument("--seed", type=int, default=0, help="random seed")
    sub.add_argument(
        "--threads",
        type=int,
        help="torch CPU threads (default: 1 on machines with <= 2 usable cores, where more "
        "threads only slow these small networks down; torch's own choice otherwise)",
    )


def _add_train(commands: Any) -> None:
    train = commands.add_parser(
        "train", help="train a model, resuming from its checkpoint", formatter_class=_HelpFormatter
    )
    train.add_argument(
        "--dataset",
        choices=tuple(DATASETS),
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
    train.add_argument(
        "--scale",
        type=float,
        default=2.0,
        help="pull kernel size factor s (> 0; below 1 "
        "the pull kernel is smaller than the push kernel)",
    )
    train.add_argument("--trainable-alpha", action="store_true", help="learn α per channel")
    train.add_argument(
        "--dual-output",
        action="store_true",
        help="push-pull layers return the push and the pull maps as separate channels "
        "(the released layer's dual_output; --pull upsample, α unused)",
    )
    train.add_argument(
        "--pull",
        choices=("upsample", "inverted"),
        default="upsample",
        help="pull kernel: upsampled push kernel [S20] or inverted one (PushPull-Net)",
    )
    train.add_argument(
        "--front-end",
        choices=FRONT_ENDS,
        default="none",
        help="a CORF or push-pull CORF layer (8 orientations, a cell that fits the images) "
        "in front of the network",
    )
    train.add_argument(
        "--front-end-trainable",
        action="store_true",
        help="learn the front end's k, subunit weights and DoG σ (default: the core cell's)",
    )
    train.add_argument(
        "--pull-pooling",
        type=int,
        help="--pull inverted only: odd side (px) of the average pooling of the pull response "
        "(PushPull-Net's PP3 / PP5: 3 / 5; default: none)",
    )
    train.add_argument(
        "--antialias",
        type=int,
        choices=(1, 2, 3, 5),
        default=1,
        help="binomial blur of this size before every strided convolution (the release's "
        "size_lpf, Zhang 2019; ResNets only; 1 = off)",
    )
    train.add_argument("--no-amp", action="store_true", help="no mixed precision on CUDA")
    train.add_argument("--no-augment", action="store_true", help="no data augmentation")
    train.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    _common(train)


def _add_evaluate(commands: Any) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="error under corruptions → netCDF", formatter_class=_HelpFormatter
    )
    evaluate.add_argument(
        "run",
        type=Path,
        help="run folder of `v1pushpull train`, its model.pt / checkpoint.pt, or a checkpoint "
        "of the authors' release (*.pth.tar, with --arch and --pushpull)",
    )
    evaluate.add_argument("--dataset", choices=tuple(DATASETS), help="default: the run's")
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
    evaluate.add_argument(
        "--stability",
        nargs="*",
        metavar="NAME",
        help="also the CIFAR-10-P stability (flip probability, top-5 and Zipf distances) → "
        "stability.nc beside the --out file (default RUN/), under these perturbations "
        "(none named: the 10 of the release's evaluation); sequences generated from the test "
        "images, or read from --cifar10p-root",
    )
    evaluate.add_argument(
        "--stability-convention",
        choices=("hendrycks", "released"),
        default="hendrycks",
        help="reference frame of the noise perturbations: the first frame (the paper) or the "
        "previous one (the released cifar-p-eval.py)",
    )
    evaluate.add_argument(
        "--stability-sequences", type=int, help="use only the first N sequences (default: all)"
    )
    evaluate.add_argument(
        "--cifar10p-root", type=Path, help="folder of the released CIFAR-10-P .npy files"
    )
    evaluate.add_argument(
        "--adv-eps",
        nargs="+",
        type=float,
        metavar="E",
        help="also the error under an adversarial attack at these L∞ radii, in pixel units "
        "(e.g. 0.0314 for 8/255) → adversarial.nc beside the --out file (default RUN/)",
    )
    evaluate.add_argument(
        "--attack", choices=("fgsm", "pgd"), default="fgsm", help="attack of --adv-eps"
    )
    evaluate.add_argument(
        "--pgd-steps", type=int, default=10, help="PGD iterations (step 2.5·ε/steps)"
    )
    _common(evaluate)


def _add_compare(commands: Any) -> None:
    compare = commands.add_parser(
        "compare", help="figure and table from evaluation files", formatter_class=_HelpFormatter
    )
    compare.add_argument("results", nargs="+", type=Path, help="two or more netCDF files")
    compare.add_argument("--out", type=Path, required=True, help="folder of the outputs")
    compare.add_argument("--labels", nargs="+", help="one label per file")
    compare.add_argument(
        "--baseline", type=int, default=0, help="index (from 0) of the reference file"
    )


def _add_make_cifar10c(commands: Any) -> None:
    from . import cifar10c

    make = commands.add_parser(
        "make-cifar10c",
        help="write CIFAR-10-C from the CIFAR-10 test batch",
        description=cifar10c.DESCRIPTION,
        formatter_class=_HelpFormatter,
    )
    cifar10c.add_arguments(make)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="v1pushpull",
        description="Train and evaluate CNNs with push-pull inhibition layers "
        "(Strisciuglio et al. 2020).",
        formatter_class=_HelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(commands)
    _add_evaluate(commands)
    _add_compare(commands)
    _add_make_cifar10c(commands)
    return parser


# --- train ----------------------------------------------------------------------------------


def _data_set(name: str, data_root: Path | None) -> DataSet:
    spec = get_dataset(name)
    if not spec.needs_root:
        return spec
    if data_root is None:
        raise CommandError(f"--dataset {name} needs --data-root. {spec.how_to_get}")
    if not data_root.is_dir():
        raise CommandError(f"--data-root {str(data_root)!r} is not a folder. {spec.how_to_get}")
    return spec


def _loaders(args: argparse.Namespace, spec: DataSet, batch_size: int, world_size: int) -> Any:
    from .torch.data import make_loaders

    try:
        return make_loaders(
            spec.name,
            root=args.data_root,
            batch_size=batch_size // world_size,
            augment=not args.no_augment,
            seed=args.seed,
            num_workers=args.workers,
            distributed=world_size > 1,
        )
    except FileNotFoundError as error:
        raise CommandError(f"{error}. {spec.how_to_get}") from error


def _set_threads(requested: int | None) -> None:
    """Set torch's CPU threads (``--threads``, else the library's rule) and say so."""
    from .torch.distributed import set_cpu_threads, usable_cores

    threads = set_cpu_threads(requested)
    why = "--threads" if requested is not None else "default; change with --threads"
    print(f"torch threads: {threads} ({why}; {usable_cores()} usable cores)", file=sys.stderr)


def _check_pushpull_flags(args: argparse.Namespace, options: Any) -> None:
    """Push-pull options without push-pull layers would be ignored yet stored: refuse them."""
    if args.pushpull != "none":
        return
    defaults = type(options)()
    changed = [
        name
        for name in options.as_metadata()
        if options.as_metadata()[name] != defaults.as_metadata()[name]
    ]
    if changed:
        flags = ", ".join(FLAGS.get(name, "--" + name.replace("_", "-")) for name in changed)
        raise CommandError(
            f"{flags} set the push-pull layers, but --pushpull is 'none' (no push-pull "
            "layer): add --pushpull first (the paper's setting) or leave them out"
        )


def _note_augmentation(args: argparse.Namespace, spec: DataSet) -> None:
    if args.no_augment and not spec.augment:
        print(
            f"note: --no-augment changes nothing on {spec.name}: only cifar10 is augmented "
            "(digits and MNIST never are)",
            file=sys.stderr,
        )


def _train(args: argparse.Namespace) -> None:
    import dataclasses

    from .torch import distributed, models, training
    from .torch.layers import PushPullOptions

    spec = _data_set(args.dataset, args.data_root)
    options = PushPullOptions(
        args.alpha, args.scale, args.trainable_alpha, args.pull, args.pull_pooling, args.dual_output
    )
    _check_pushpull_flags(args, options)
    _note_augmentation(args, spec)
    if args.workers < 0:
        raise ArgumentError("num_workers", args.workers, "is not valid; expected >= 0")
    # a bad run folder fails now, not after the data are loaded or an epoch is trained
    writable_folder(args.out, "out")
    _set_threads(args.threads)
    family = models.model_family(args.arch)
    recipe = training.recipe_for(family, spec.name)
    if args.batch_size is not None:
        recipe = dataclasses.replace(recipe, batch_size=args.batch_size)
    rank, world_size, _ = distributed.init_distributed()
    if recipe.batch_size % world_size:
        raise CommandError(
            f"the batch size {recipe.batch_size} does not split over {world_size} processes"
        )
    train_loader, test_loader = _loaders(args, spec, recipe.batch_size, world_size)
    shape = {"in_channels": spec.channels}
    if family == "lenet":
        shape["input_size"] = spec.image_size
    training.seed_everything(args.seed)
    front = {"front_end": args.front_end, "front_end_trainable": args.front_end_trainable}
    model = models.build_model(
        args.arch,
        pushpull=args.pushpull,
        options=options,
        antialias=args.antialias,
        **shape,
        **front,
    )
    metadata = {
        "arch": args.arch,
        "pushpull": args.pushpull,
        **shape,
        **front,
        "antialias": args.antialias,
        **options.as_metadata(),
        "dataset": spec.name,
        "batch_size": recipe.batch_size,
    }
    history = training.train(
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
        normalization=spec.normalization,
    )
    if rank == 0:
        write_text(args.out / "run.json", json.dumps(metadata, indent=2) + "\n")
        _report_training(args, history, args.lr or recipe.lr)
    if world_size > 1:
        distributed.end_distributed()


def _report_training(args: argparse.Namespace, history: xr.Dataset, lr: float) -> None:
    last = history.isel(epoch=-1)
    print(
        f"{args.arch} (push-pull: {args.pushpull}) on {args.dataset}: "
        f"{history.sizes['epoch']} epochs, train error {float(last.train_error):.2f} %, "
        f"test error {float(last.test_error):.2f} % → {args.out}"
    )
    final = float(last.train_error)
    if final >= _POORLY_TRAINED:
        verdict = (
            "is near chance (90 % for 10 classes): the network has not learned"
            if final >= _NEAR_CHANCE
            else f"is far above a trained network's (chance: 90 %; trained: below "
            f"{_POORLY_TRAINED:g} %): the network has learned little"
        )
        print(
            f"warning: the final training error {final:.1f} % {verdict}. Train longer "
            f"(--epochs), or lower --lr (now {lr:g}) and rerun with --restart",
            file=sys.stderr,
        )


# --- evaluate -------------------------------------------------------------------------------


def _warn_unfinished(run: Path, metadata: dict[str, Any]) -> None:
    trained, planned = metadata.get("trained_epochs"), metadata.get("epochs")
    if trained is not None and planned is not None and trained < planned:
        print(
            f"warning: {run} is an unfinished run: its checkpoint has {trained} of "
            f"{planned} epochs; evaluating these half-trained weights (finish it with the same "
            "`v1pushpull train` command, then evaluate again)",
            file=sys.stderr,
        )
    if "checkpoint_epochs" in metadata:
        at, of = metadata["checkpoint_epochs"]
        print(
            f"warning: {run}/model.pt has {trained} epochs but training was continued: "
            f"its checkpoint is at epoch {at} of {of}; evaluating model.pt (finish the run "
            "with its `v1pushpull train` command, then evaluate again)",
            file=sys.stderr,
        )


def _evaluate(args: argparse.Namespace) -> None:
    from .torch import checkpoints, evaluation

    if args.batch_size < 1:
        raise ArgumentError("batch_size", args.batch_size, "is not valid; expected >= 1")
    _set_threads(args.threads)
    model, metadata = checkpoints.load_model(
        args.run, arch=args.arch, pushpull=args.pushpull, dataset=args.dataset
    )
    _warn_unfinished(args.run, metadata)
    spec = _data_set(metadata["dataset"], args.data_root)
    out = args.out
    if out is None:
        if not args.run.is_dir():
            raise CommandError("give --out FILE.nc when RUN is a file")
        out = args.run / "robustness.nc"
    writable_folder(out.parent, "out")
    placement = metadata["pushpull"]
    name = args.name or metadata["arch"] + ("" if placement == "none" else f"-pp-{placement}")
    if args.name is None and metadata.get("front_end", "none") != "none":
        name += f"-{metadata['front_end']}"
    try:
        results = evaluation.evaluate(
            model,
            spec.name,
            args.corruptions,
            args.severities,
            data_root=args.data_root,
            out=out,
            name=name,
            batch_size=args.batch_size,
            device=args.device,
            seed=args.seed,
            epoch=metadata.get("trained_epochs"),
        )
    except FileNotFoundError as error:
        raise CommandError(f"{error}. {spec.how_to_get}") from error
    print(format_results(results))
    print(f"→ {out}")
    if args.adv_eps is not None:
        _evaluate_adversarial(args, model, spec, name, out.with_name("adversarial.nc"))
    if args.stability is not None:
        _evaluate_stability(args, model, spec, name, out.with_name("stability.nc"))


def _evaluate_adversarial(
    args: argparse.Namespace, model: Any, spec: DataSet, name: str, out: Path
) -> None:
    from .torch.adversarial import adversarial_error

    images, labels = spec.load("test", args.data_root)
    results = adversarial_error(
        model,
        images,
        labels,
        args.adv_eps,
        attack=args.attack,
        steps=args.pgd_steps,
        seed=args.seed,
        normalization=spec.normalization,
        batch_size=args.batch_size,
        device=args.device,
        name=name,
    )
    write_netcdf(results, out)
    errors = ", ".join(
        f"ε={float(e):g}: {float(r):.2f} %"
        for e, r in zip(results.level.values[0], results.error.values[0], strict=True)
    )
    print(f"{args.attack.upper()} error (clean {float(results.clean_error):.2f} %): {errors}")
    print(f"→ {out}")


def _evaluate_stability(
    args: argparse.Namespace, model: Any, spec: DataSet, name: str, out: Path
) -> None:
    from .torch.stability_eval import evaluate_stability

    if args.cifar10p_root is not None:
        source: Any = args.cifar10p_root
    else:
        source, _ = spec.load("test", args.data_root)
    results = evaluate_stability(
        model,
        source,
        args.stability or None,
        convention=args.stability_convention,
        normalization=spec.normalization,
        n_sequences=args.stability_sequences,
        seed=args.seed,
        device=args.device,
        name=name,
    )
    write_netcdf(results, out)
    print(results[["flip_probability", "top5_distance"]].to_dataframe().to_string())
    print(f"mFP {float(results.mFP):.4f}, mT5D {float(results.mT5D):.4f} → {out}")


# --- compare --------------------------------------------------------------------------------


_EVALUATION = "an evaluation file of `v1pushpull evaluate` (netCDF with 'error' and 'clean_error')"


def _read_results(paths: Sequence[Path]) -> list[xr.Dataset]:
    results = []
    for path in paths:
        if not path.exists():
            raise CommandError(f"no evaluation file {str(path)!r}; run `v1pushpull evaluate`")
        try:
            with xr.open_dataset(path) as stored:
                result = stored.load()
        except Exception as error:  # xarray's engines fail in their own words
            raise CommandError(
                f"{str(path)!r} is not a readable netCDF file; expected {_EVALUATION}"
            ) from error
        missing = [
            name
            for name in ("error", "clean_error", "corruption", "severity")
            if name not in result
        ]
        if missing:
            raise CommandError(f"{str(path)!r} has no {missing}; expected {_EVALUATION}")
        results.append(result)
    return results


def _compare(args: argparse.Namespace) -> None:
    from .plotting import plot_comparison

    if len(args.results) < 2:
        raise CommandError("compare needs two or more evaluation files")
    if args.labels is not None and len(args.labels) != len(args.results):
        raise CommandError(f"got {len(args.results)} files but {len(args.labels)} --labels")
    seen: dict[Path, Path] = {}
    for path in args.results:
        if path.resolve() in seen:
            first = seen[path.resolve()]
            also = "" if str(first) == str(path) else f" (also as {str(first)!r})"
            raise CommandError(
                f"{str(path)!r} is given twice{also}; compare needs two or more different "
                "evaluation files"
            )
        seen[path.resolve()] = path
    writable_folder(args.out, "out")
    results = _read_results(args.results)
    labels = args.labels
    if labels is None:
        labels = [r.attrs.get("model", p.stem) for r, p in zip(results, args.results, strict=True)]
        if len(set(labels)) < len(labels):
            labels = [f"{label} ({p})" for label, p in zip(labels, args.results, strict=True)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = comparison_table(results, labels, baseline=args.baseline)
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"note: {message}", file=sys.stderr)
    figure = plot_comparison(results, labels)
    args.out.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out / "comparison.png", dpi=120)
    write_text(args.out / "comparison.csv", table.to_dataframe().to_csv())
    write_netcdf(table, args.out / "comparison.nc")
    print(format_comparison(table))
    print(f"→ {args.out / 'comparison.png'}, {args.out / 'comparison.csv'}")


# --- make-cifar10c ---------------------------------------------------------------------------


def _make_cifar10c(args: argparse.Namespace) -> None:
    from .cifar10c import run

    run(args)


# --- entry point ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``v1pushpull`` command line.

    Parameters
    ----------
    argv : sequence of str or None
        The arguments after the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success. Bad arguments, missing or unreadable files and a
        missing PyTorch (for ``train`` and ``evaluate``) exit with status 2 and one line that
        says what to do, never a traceback; Ctrl-C exits with status 130 and says how to
        resume.

    Examples
    --------
    >>> from v1pushpull.cli import main
    >>> main(["compare", "--help"])  # doctest: +SKIP
    """
    parser = _parser()
    args = parser.parse_args(argv)
    commands = {
        "train": _train,
        "evaluate": _evaluate,
        "compare": _compare,
        "make-cifar10c": _make_cifar10c,
    }
    try:
        commands[args.command](args)
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] != "torch":
            raise
        parser.exit(
            2,
            f"v1pushpull {args.command}: error: needs PyTorch, which is not installed: "
            "pip install 'v1pushpull[torch]' (CPU only: install torch from its CPU wheel "
            "index first, see the README)\n",
        )
    except (CommandError, ValueError, OSError) as error:
        # usage and file errors: one line, never a traceback
        parser.exit(2, f"v1pushpull {args.command}: error: {_message(error)}\n")
    except KeyboardInterrupt:
        # Ctrl-C is a normal way to stop a long run: say how to go on, not where Python was
        parser.exit(130, f"\nv1pushpull {args.command}: {_interrupted(args)}\n")
    return 0


def _interrupted(args: argparse.Namespace) -> str:
    if args.command == "train":
        from .torch.checkpoints import CHECKPOINT_NAME, load_checkpoint

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
