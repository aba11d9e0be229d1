"""Adversarial error: FGSM [G15] and PGD [M18] in the L∞ ball, in pixel units.

Both attacks perturb images in [0, 1] (the space the data live in, *before* any per-channel
normalisation), within ``‖δ‖∞ ≤ ε`` and the valid range ``[0, 1]``; the model sees
``normalize(x + δ)``, and the gradient flows back through the normalisation. So ε is in pixel
units whatever the model's input normalisation (ε = 8/255 is 8 grey levels).

- FGSM: ``x' = clip(x + ε·sign(∇ₓ L(x, y)), 0, 1)``, one step.
- PGD (Madry et al.): start at ``x + U(−ε, ε)`` (``random_start=True``) or at ``x``; then
  ``steps`` times ``x ← Π(x + α·sign(∇ₓ L(x, y)))`` with ``Π`` the projection onto
  ``[x₀ − ε, x₀ + ε] ∩ [0, 1]`` and step ``α = 2.5·ε / steps`` by default (the rule of [M18]'s
  CIFAR and MNIST settings: 2.5 ε over the iterations, so that a path can reach the ball's
  boundary from anywhere inside it). The last iterate is scored.

``L`` is the cross-entropy of the true label; the model runs in eval mode (batch-norm running
statistics), restored afterwards.

The push-pull release's ``--adv-eps`` (``test.py``'s ``validate``) differs in two ways worth
knowing when comparing numbers: it took the gradient with respect to the *normalised* input and
clipped the *normalised* image to [0, 1] (so its ε is in units of the channel standard deviation
and the clip cuts the normalised range), and it left the model in training mode for ε > 0
(batch statistics of the attacked batch). Here ε is in pixels, the clip is the pixel range,
and the model is in eval mode.

References
----------
.. [G15] I. Goodfellow, J. Shlens, C. Szegedy. Explaining and harnessing adversarial examples.
   ICLR 2015.
.. [M18] A. Madry, A. Makelov, L. Schmidt, D. Tsipras, A. Vladu. Towards deep learning models
   resistant to adversarial attacks. ICLR 2018.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
import xarray as xr
from torch import nn

__all__ = ["adversarial_error", "fgsm", "pgd"]

Attack = Literal["fgsm", "pgd"]
Normalization = tuple[Sequence[float], Sequence[float]] | None


def _normalizer(
    normalization: Normalization, like: torch.Tensor
) -> Callable[[torch.Tensor], torch.Tensor]:
    if normalization is None:
        return lambda x: x
    mean, std = (
        torch.as_tensor(
            np.asarray(v, dtype=np.float64), device=like.device, dtype=like.dtype
        ).reshape(1, -1, 1, 1)
        for v in normalization
    )
    return lambda x: (x - mean) / std


def _check_epsilon(epsilon: Any) -> float:
    if not (
        isinstance(epsilon, numbers.Real)
        and not isinstance(epsilon, bool)
        and math.isfinite(epsilon)
        and 0 <= epsilon <= 1
    ):
        raise ValueError(f"epsilon must be a number in [0, 1] (pixel units), got {epsilon!r}")
    return float(epsilon)


def _check_batch(images: Any, labels: Any) -> tuple[torch.Tensor, torch.Tensor]:
    images = torch.as_tensor(images)
    labels = torch.as_tensor(labels)
    if images.ndim != 4 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"images of shape {tuple(images.shape)} and labels of shape {tuple(labels.shape)} "
            "do not match; expected (N, C, H, W) and (N,)"
        )
    if not images.is_floating_point():
        raise TypeError(f"images must be floats in [0, 1], got dtype {images.dtype}")
    if images.numel() and (images.min() < 0 or images.max() > 1):
        raise ValueError("images must lie in [0, 1] (pixel units, before normalisation)")
    return images, labels


def _input_gradient(
    model: nn.Module,
    x: torch.Tensor,
    labels: torch.Tensor,
    normalize: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    loss = F.cross_entropy(model(normalize(x)), labels, reduction="sum")
    (gradient,) = torch.autograd.grad(loss, x)
    return gradient


class _EvalMode:
    """Run a model in eval mode and restore its mode afterwards."""

    def __init__(self, model: nn.Module) -> None:
        self.model, self.was_training = model, model.training

    def __enter__(self) -> nn.Module:
        self.model.eval()
        return self.model

    def __exit__(self, *exc: object) -> None:
        self.model.train(self.was_training)


def _fgsm(model, images, labels, epsilon, normalize):
    if epsilon == 0:
        return images.clone()
    step = epsilon * _input_gradient(model, images, labels, normalize).sign()
    return (images + step).clamp(0.0, 1.0).detach()


def _pgd(model, images, labels, epsilon, steps, step_size, random_start, generator, normalize):
    low = (images - epsilon).clamp(min=0.0)
    high = (images + epsilon).clamp(max=1.0)
    x = images.clone()
    if random_start and epsilon > 0:
        noise = torch.rand(
            images.shape, generator=generator, device=images.device, dtype=images.dtype
        )
        x = torch.minimum(torch.maximum(images + epsilon * (2 * noise - 1), low), high)
    if epsilon == 0:
        return x
    for _ in range(steps):
        x = x + step_size * _input_gradient(model, x, labels, normalize).sign()
        x = torch.minimum(torch.maximum(x, low), high).detach()
    return x


def _check_pgd(steps: Any, step_size: Any) -> tuple[int, float | None]:
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if step_size is None:
        return int(steps), None
    if not (
        isinstance(step_size, numbers.Real) and math.isfinite(step_size) and step_size >= 0
    ) or isinstance(step_size, bool):
        raise ValueError(f"step_size must be a number >= 0 or None, got {step_size!r}")
    return int(steps), float(step_size)


def _step(epsilon: float, steps: int, step_size: float | None) -> float:
    """The PGD step: ``step_size``, or Madry et al.'s ``2.5·ε / steps``."""
    return 2.5 * epsilon / steps if step_size is None else step_size


def fgsm(
    model: nn.Module,
    images: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray,
    epsilon: float,
    *,
    normalization: Normalization = None,
) -> torch.Tensor:
    """Fast gradient sign attack [G15]: ``clip(x + ε·sign(∇ₓ L), 0, 1)``.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier (run in eval mode, restored afterwards).
    images : torch.Tensor or numpy.ndarray
        ``(N, C, H, W)`` floats in [0, 1] on the model's device.
    labels : torch.Tensor or numpy.ndarray
        ``(N,)`` true classes.
    epsilon : float
        L∞ radius in pixel units, in [0, 1]; 0 returns the images unchanged.
    normalization : (mean, std) or None
        Per-channel normalisation the model expects after the perturbation.

    Returns
    -------
    torch.Tensor
        The adversarial images, in [0, 1], detached.

    Raises
    ------
    ValueError
        For ``epsilon`` outside [0, 1], images outside [0, 1] or mismatched shapes.
    TypeError
        For integer images.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    >>> x = torch.full((1, 1, 2, 2), 0.5)
    >>> adv = fgsm(model, x, torch.tensor([0]), 0.1)
    >>> bool(torch.allclose((adv - x).abs(), torch.tensor(0.1)))
    True
    """
    epsilon = _check_epsilon(epsilon)
    images, labels = _check_batch(images, labels)
    with _EvalMode(model):
        return _fgsm(model, images, labels, epsilon, _normalizer(normalization, images))


def pgd(
    model: nn.Module,
    images: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray,
    epsilon: float,
    *,
    steps: int = 10,
    step_size: float | None = None,
    random_start: bool = True,
    seed: int = 0,
    normalization: Normalization = None,
) -> torch.Tensor:
    """Projected gradient descent in the L∞ ball [M18] (see the module docstring).

    Parameters
    ----------
    model : torch.nn.Module
        The classifier (run in eval mode, restored afterwards).
    images : torch.Tensor or numpy.ndarray
        ``(N, C, H, W)`` floats in [0, 1] on the model's device.
    labels : torch.Tensor or numpy.ndarray
        ``(N,)`` true classes.
    epsilon : float
        L∞ radius in pixel units, in [0, 1].
    steps : int
        Gradient steps.
    step_size : float or None
        Step α in pixel units; None takes ``2.5·ε / steps`` [M18].
    random_start : bool
        Start from a uniform random point of the ball (clipped to [0, 1]).
    seed : int
        Seed of the random start.
    normalization : (mean, std) or None
        Per-channel normalisation the model expects after the perturbation.

    Returns
    -------
    torch.Tensor
        The last iterate, within ``ε`` of ``images`` and in [0, 1], detached.

    Raises
    ------
    ValueError
        For ``epsilon`` outside [0, 1], ``steps < 1``, a negative ``step_size``, images
        outside [0, 1] or mismatched shapes.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    >>> x = torch.rand(3, 1, 2, 2)
    >>> adv = pgd(model, x, torch.tensor([0, 1, 0]), 0.05, steps=5)
    >>> bool((adv - x).abs().max() <= 0.05 + 1e-7)
    True
    """
    epsilon = _check_epsilon(epsilon)
    steps, step_size = _check_pgd(steps, step_size)
    images, labels = _check_batch(images, labels)
    generator = torch.Generator(device=images.device).manual_seed(int(seed))
    with _EvalMode(model):
        return _pgd(
            model,
            images,
            labels,
            epsilon,
            steps,
            _step(epsilon, steps, step_size),
            random_start,
            generator,
            _normalizer(normalization, images),
        )


def adversarial_error(
    model: nn.Module,
    images: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray,
    epsilons: Sequence[float],
    *,
    attack: Attack = "fgsm",
    steps: int = 10,
    step_size: float | None = None,
    random_start: bool = True,
    seed: int = 0,
    normalization: Normalization = None,
    batch_size: int = 500,
    device: str | torch.device | None = None,
    name: str | None = None,
) -> xr.Dataset:
    """Top-1 error (%) under an FGSM or PGD attack at each ε, in the evaluation's format.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier.
    images : torch.Tensor or numpy.ndarray
        ``(N, C, H, W)`` clean test images in [0, 1] (pixel units, not normalised).
    labels : torch.Tensor or numpy.ndarray
        ``(N,)`` true classes.
    epsilons : sequence of float
        L∞ radii in pixel units, each in [0, 1] (e.g. ``k/255``).
    attack : {"fgsm", "pgd"}
        The attack (:func:`fgsm`, :func:`pgd`).
    steps, step_size, random_start, seed
        PGD options (see :func:`pgd`); ignored for FGSM. The seed of batch ``b`` is
        ``seed + b``.
    normalization : (mean, std) or None
        Per-channel normalisation the model expects (CIFAR-10's for the CIFAR models).
    batch_size : int
        Images per attacked batch.
    device : str, torch.device or None
        Where to run; None takes CUDA when available.
    name : str or None
        Model label stored in ``attrs["model"]``.

    Returns
    -------
    xarray.Dataset
        As :func:`v1pushpull.torch.evaluation.evaluate`: ``error`` (dims ``corruption`` = the
        attack name, ``severity`` = 1 … len(epsilons); %), the coordinate ``level``
        (corruption, severity) = ε in pixel units, and ``clean_error`` (%, unattacked). The
        attrs record the attack, its settings and the normalisation.

    Raises
    ------
    ValueError
        For an unknown attack, an empty or invalid ``epsilons``, bad PGD options or batch.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    >>> x, y = torch.rand(8, 1, 2, 2), torch.randint(0, 2, (8,))
    >>> results = adversarial_error(model, x, y, [0.0, 0.1], device="cpu")
    >>> results.error.dims, float(results.error[0, 0]) == float(results.clean_error)
    (('corruption', 'severity'), True)
    """
    if attack not in ("fgsm", "pgd"):
        raise ValueError(f"attack must be 'fgsm' or 'pgd', got {attack!r}")
    if isinstance(epsilons, (str, bytes)) or not isinstance(epsilons, Sequence) or not epsilons:
        raise ValueError(f"epsilons must be a non-empty sequence of numbers, got {epsilons!r}")
    epsilons = [_check_epsilon(e) for e in epsilons]
    steps, step_size = _check_pgd(steps, step_size)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} is not valid; expected a positive integer")
    images, labels = _check_batch(images, labels)
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    model = model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
    model.to(device)
    errors = np.zeros(len(epsilons))
    clean_errors = 0
    with _EvalMode(model):
        for batch, start in enumerate(range(0, len(labels), batch_size)):
            x = images[start : start + batch_size].to(device, torch.float32)
            y = labels[start : start + batch_size].to(device)
            normalize = _normalizer(normalization, x)
            with torch.no_grad():
                clean_errors += int((model(normalize(x)).argmax(1) != y).sum())
            for k, epsilon in enumerate(epsilons):
                if attack == "fgsm":
                    adv = _fgsm(model, x, y, epsilon, normalize)
                else:
                    generator = torch.Generator(device=device).manual_seed(int(seed) + batch)
                    alpha = _step(epsilon, steps, step_size)
                    adv = _pgd(
                        model, x, y, epsilon, steps, alpha, random_start, generator, normalize
                    )
                with torch.no_grad():
                    errors[k] += int((model(normalize(adv)).argmax(1) != y).sum())
    n = max(len(labels), 1)
    attrs: dict[str, Any] = {
        "model": name or type(model).__name__,
        "n_images": len(labels),
        "attack": attack,
        "epsilon_units": "pixel values in [0, 1], before normalisation",
        "normalization": "none" if normalization is None else repr(normalization),
        "loss": "cross-entropy of the true label",
        "corrupted_data": "generated by v1pushpull.torch.adversarial",
    }
    if attack == "pgd":
        attrs |= {
            "steps": int(steps),
            "step_size": "2.5 * epsilon / steps" if step_size is None else float(step_size),
            "random_start": int(bool(random_start)),
            "seed": int(seed),
        }
    severities = np.arange(1, len(epsilons) + 1)
    return xr.Dataset(
        {
            "error": (
                ("corruption", "severity"),
                100.0 * errors[None] / n,
                {"units": "%", "long_name": f"top-1 error under {attack.upper()}"},
            ),
            "clean_error": ((), 100.0 * clean_errors / n, {"units": "%", "long_name": "clean"}),
        },
        coords={
            "corruption": ("corruption", [attack]),
            "severity": ("severity", severities, {"long_name": "severity index"}),
            "level": (
                ("corruption", "severity"),
                np.asarray(epsilons, dtype=float)[None],
                {"long_name": "epsilon (L-infinity radius)", "units": "pixel [0, 1]"},
            ),
        },
        attrs=attrs,
    )
