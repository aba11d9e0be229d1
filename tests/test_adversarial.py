"""FGSM and PGD (v1pushpull.torch.adversarial): exact hand cases and a trained digits model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from v1pushpull.torch.adversarial import adversarial_error, fgsm, pgd

EPSILONS = [0.0, 0.02, 0.05, 0.1, 0.2, 0.3]


@pytest.fixture(scope="module")
def digits_model():
    """A small LeNet-like CNN trained on scikit-learn's 8×8 digits (full batch, 60 Adam steps)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = torch.as_tensor(data.images[:, None] / 16.0, dtype=torch.float32)
    labels = torch.as_tensor(data.target, dtype=torch.int64)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny convolutions: one thread is faster on a shared machine
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 2 * 2, 10),
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(60):
        optimiser.zero_grad()
        nn.functional.cross_entropy(model(images[:1400]), labels[:1400]).backward()
        optimiser.step()
    model.eval()
    yield model, images[1400:1650], labels[1400:1650]
    torch.set_num_threads(threads)


def test_fgsm_on_a_linear_model_is_epsilon_sign_w():
    # logits (0, w·x + b): for the true class 0 the loss grows along +w, so ∇ₓL ∝ +w
    torch.manual_seed(1)
    w = torch.randn(16)
    linear = nn.Linear(16, 2)
    with torch.no_grad():
        linear.weight.copy_(torch.stack([torch.zeros(16), w]))
        linear.bias.zero_()
    model = nn.Sequential(nn.Flatten(), linear)
    x = torch.full((1, 1, 4, 4), 0.5)
    epsilon = 0.1
    step = epsilon * w.sign().reshape(1, 1, 4, 4)
    torch.testing.assert_close(fgsm(model, x, torch.tensor([0]), epsilon), x + step, rtol=0, atol=0)
    torch.testing.assert_close(fgsm(model, x, torch.tensor([1]), epsilon), x - step, rtol=0, atol=0)
    # a normalisation with positive std rescales the gradient, not its sign: still ε·sign(w)
    # in pixel units
    adv = fgsm(model, x, torch.tensor([0]), epsilon, normalization=([0.3], [0.2]))
    torch.testing.assert_close(adv, x + step, rtol=0, atol=0)
    # the valid range clips: from x = 0.95, +ε stops at 1
    bright = torch.full((1, 1, 4, 4), 0.95)
    adv = fgsm(model, bright, torch.tensor([0]), epsilon)
    expected = (bright + step).clamp(max=1.0)
    torch.testing.assert_close(adv, expected, rtol=0, atol=0)
    assert adv.max() == 1.0


def test_one_pgd_step_without_random_start_is_fgsm():
    # one step of α = 2.5 ε, projected onto the ε-ball, lands on x + ε·sign(∇)
    torch.manual_seed(2)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    x = torch.rand(5, 1, 4, 4) * 0.6 + 0.2
    y = torch.tensor([0, 1, 2, 0, 1])
    one_step = pgd(model, x, y, 0.05, steps=1, random_start=False)
    torch.testing.assert_close(one_step, fgsm(model, x, y, 0.05), rtol=0, atol=1e-7)


def test_pgd_stays_in_the_ball_and_the_pixel_range():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    x = torch.rand(6, 1, 4, 4)
    adv = pgd(model, x, torch.zeros(6, dtype=torch.int64), 0.1, steps=7, seed=4)
    assert (adv - x).abs().max() <= 0.1 + 1e-6
    assert adv.min() >= 0 and adv.max() <= 1
    # the random start is seeded
    again = pgd(model, x, torch.zeros(6, dtype=torch.int64), 0.1, steps=7, seed=4)
    torch.testing.assert_close(adv, again, rtol=0, atol=0)


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_error_grows_with_epsilon_on_a_trained_model(digits_model, attack):
    model, images, labels = digits_model
    results = adversarial_error(
        model, images, labels, EPSILONS, attack=attack, steps=5, device="cpu"
    )
    errors = results.error.sel(corruption=attack).values
    clean = float(results.clean_error)
    assert clean < 10  # the model learnt the digits
    # ε = 0 is no attack at all: exactly the clean error
    assert errors[0] == clean
    assert np.all(np.diff(errors) >= 0), errors
    assert errors[-1] > clean + 40  # ε = 0.3 of the grey range breaks a plain CNN
    np.testing.assert_array_equal(results.level.values[0], EPSILONS)


def test_pgd_is_at_least_as_strong_as_fgsm(digits_model):
    model, images, labels = digits_model
    epsilons = [0.05, 0.1, 0.2]
    one = adversarial_error(model, images, labels, epsilons, attack="fgsm", device="cpu")
    many = adversarial_error(model, images, labels, epsilons, attack="pgd", steps=5, device="cpu")
    assert np.all(many.error.values >= one.error.values)


def test_result_format_and_mode(digits_model):
    model, images, labels = digits_model
    model.train()
    results = adversarial_error(
        model, images[:50], labels[:50], [0.0, 0.1], attack="pgd", batch_size=16, name="cnn"
    )
    assert model.training  # mode restored
    model.eval()
    assert results.error.dims == ("corruption", "severity")
    assert results.severity.values.tolist() == [1, 2]
    assert results.attrs["model"] == "cnn" and results.attrs["attack"] == "pgd"
    assert results.attrs["step_size"] == "2.5 * epsilon / steps"
    assert results.level.attrs["units"] == "pixel [0, 1]"


def test_errors():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    x, y = torch.rand(2, 1, 2, 2), torch.tensor([0, 1])
    with pytest.raises(ValueError, match="epsilon"):
        fgsm(model, x, y, 2.0)
    with pytest.raises(ValueError, match="steps"):
        pgd(model, x, y, 0.1, steps=0)
    with pytest.raises(ValueError, match="attack"):
        adversarial_error(model, x, y, [0.1], attack="cw")
    with pytest.raises(ValueError, match="epsilons"):
        adversarial_error(model, x, y, [])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fgsm(model, x * 255, y, 0.1)
    with pytest.raises(ValueError, match="do not match"):
        fgsm(model, x, torch.tensor([0]), 0.1)
