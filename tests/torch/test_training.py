"""v1pushpull.torch.training: the recipes of [S20], the learning-rate schedule, bit-exact
resume after a crash, seeding of every epoch, and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader, TensorDataset  # noqa: E402
from torch_helpers import state_equal, tiny_loader  # noqa: E402

from v1pushpull.torch.checkpoints import CHECKPOINT_NAME, load_checkpoint  # noqa: E402
from v1pushpull.torch.models import build_model  # noqa: E402
from v1pushpull.torch.training import RECIPES, Recipe, seed_everything, train  # noqa: E402

# --- recipes --------------------------------------------------------------------------------


def test_recipes_are_the_papers():
    resnet, densenet, lenet = RECIPES["resnet"], RECIPES["densenet"], RECIPES["lenet"]
    assert (resnet.epochs, resnet.milestones, resnet.batch_size) == (200, (80, 120, 160), 128)
    assert (densenet.epochs, densenet.milestones, densenet.batch_size) == (350, (150, 225, 300), 64)
    assert (lenet.epochs, lenet.milestones, lenet.weight_decay) == (90, (30, 60), 5e-4)
    for recipe in RECIPES.values():
        assert (recipe.lr, recipe.momentum, recipe.nesterov, recipe.gamma) == (0.1, 0.9, True, 0.1)
    assert resnet.weight_decay == densenet.weight_decay == 1e-4


def test_scaled_recipe_keeps_the_milestones_at_the_same_fractions():
    assert RECIPES["resnet"].scaled(10).milestones == (4, 6, 8)
    assert RECIPES["lenet"].scaled(9).milestones == (3, 6)
    assert RECIPES["lenet"].scaled(1).milestones == ()  # nothing left to decay within 1 epoch


def test_digits_recipe_is_the_studies_lr_and_batch_the_others_the_papers():
    from v1pushpull.torch.training import recipe_for

    digits = recipe_for("lenet", "digits")
    assert (digits.lr, digits.batch_size) == (0.02, 32)
    assert digits.milestones == RECIPES["lenet"].milestones
    assert recipe_for("resnet", "cifar10") == RECIPES["resnet"]
    assert recipe_for("lenet", "mnist") == RECIPES["lenet"]
    with pytest.raises(ValueError, match="family='vgg'"):
        recipe_for("vgg", "digits")


def test_learning_rate_follows_the_step_schedule():
    model = build_model("lenet-d")
    history = train(
        model, tiny_loader(32), recipe="lenet", epochs=6, lr=0.05, progress=False, seed=1
    )
    # lenet milestones 30, 60 of 90 → 2, 4 of 6
    np.testing.assert_allclose(history.lr.values, [0.05, 0.05, 0.005, 0.005, 5e-4, 5e-4])


def test_resuming_with_more_epochs_follows_the_longer_schedule(tmp_path):
    common = {"recipe": "lenet", "progress": False, "seed": 1}
    fresh = train(build_model("lenet-d"), tiny_loader(16), epochs=6, **common)
    train(build_model("lenet-d"), tiny_loader(16), epochs=3, out_dir=tmp_path, **common)
    grown = train(build_model("lenet-d"), tiny_loader(16), epochs=6, out_dir=tmp_path, **common)
    # epochs 0-2 ran under the 3-epoch schedule (milestones 1, 2), epochs 3-5 under the 6-epoch
    # one (milestones 2, 4), at the rates a fresh 6-epoch run has there
    np.testing.assert_allclose(grown.lr.values[:3], [0.1, 0.01, 0.001])
    np.testing.assert_allclose(grown.lr.values[3:], fresh.lr.values[3:])
    np.testing.assert_allclose(fresh.lr.values, [0.1, 0.1, 0.01, 0.01, 0.001, 0.001])


def test_resuming_with_fewer_epochs_than_the_checkpoint_is_refused(tmp_path):
    common = {"recipe": "lenet", "progress": False, "out_dir": tmp_path}
    train(build_model("lenet-d"), tiny_loader(16), epochs=3, **common)
    with pytest.raises(ValueError, match="already at epoch 3; pass epochs >= 3"):
        train(build_model("lenet-d"), tiny_loader(16), epochs=2, **common)

    assert load_checkpoint(tmp_path)["metadata"]["epochs"] == 3  # model.pt left as it was


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs=0"),
        ({"milestones": (5, 3)}, r"milestones=\(5, 3\)"),
        ({"lr": -1.0}, "lr=-1.0"),
        ({"momentum": 1.0}, "momentum=1.0"),
        ({"seed": -1}, "seed=-1"),
        ({"recipe": "vgg"}, "recipe='vgg'"),
        ({"device": "cuda:7"} if not torch.cuda.is_available() else {"device": "tpu"}, "device="),
    ],
)
def test_bad_training_arguments_raise_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train(torch.nn.Linear(2, 2), [], progress=False, **kwargs)


def test_recipe_validates_its_fields():
    with pytest.raises(ValueError, match="batch_size=0"):
        Recipe(10, 0.1, (5,), batch_size=0, weight_decay=0)
    with pytest.raises(TypeError, match="recipe must be"):
        train(torch.nn.Linear(2, 2), [], recipe=3, progress=False)


# --- training, checkpoints, resume ------------------------------------------------------------


class Crash(Exception):
    pass


class CrashingLoader:
    """Yields a loader's batches but raises in the middle of epoch ``crash_epoch`` (1-based)."""

    def __init__(self, loader, crash_epoch):
        self.loader, self.crash_epoch, self.epoch = loader, crash_epoch, 0

    def __iter__(self):
        self.epoch += 1
        for index, batch in enumerate(self.loader):
            if self.epoch == self.crash_epoch and index == 2:
                raise Crash
            yield batch


def test_resume_after_a_crash_in_process_ends_with_the_uninterrupted_weights(tmp_path):
    seed_everything(0)
    reference = build_model("lenet-b")
    full = train(reference, tiny_loader(), recipe="lenet", epochs=4, seed=7, progress=False)

    seed_everything(0)
    model = build_model("lenet-b")
    with pytest.raises(Crash):
        train(
            model,
            CrashingLoader(tiny_loader(), 3),
            recipe="lenet",
            epochs=4,
            out_dir=tmp_path,
            seed=7,
            progress=False,
        )
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"] == 2
    resumed = train(
        model, tiny_loader(), recipe="lenet", epochs=4, out_dir=tmp_path, seed=7, progress=False
    )
    assert state_equal(model.state_dict(), reference.state_dict())
    np.testing.assert_array_equal(resumed.train_loss.values, full.train_loss.values)
    np.testing.assert_array_equal(resumed.lr.values, full.lr.values)


def test_every_epoch_tells_loader_parts_with_set_epoch_which_epoch_it_is():
    class EpochAwareDataset(TensorDataset):
        def set_epoch(self, epoch):
            self.epochs.append(epoch)

    dataset = EpochAwareDataset(torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,)))
    dataset.epochs = []
    loader = DataLoader(dataset, batch_size=4)
    train(build_model("lenet-d"), loader, recipe="lenet", epochs=3, progress=False)
    assert dataset.epochs == [0, 1, 2]


def test_resuming_into_another_runs_folder_is_refused(tmp_path):
    common = {"recipe": "lenet", "epochs": 1, "out_dir": tmp_path, "progress": False}
    train(build_model("lenet-d"), tiny_loader(16), metadata={"arch": "lenet-d"}, **common)
    with pytest.raises(ValueError, match="checkpoint of another run"):
        train(build_model("lenet-b"), tiny_loader(16), metadata={"arch": "lenet-b"}, **common)
    with pytest.raises(ValueError, match="'seed': \\(0, 1\\)"):
        train(
            build_model("lenet-d"), tiny_loader(16), metadata={"arch": "lenet-d"}, seed=1, **common
        )
