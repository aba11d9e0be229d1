"""v1pushpull.registry: one entry per data set, read by the loaders, the evaluation and the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from v1pushpull._errors import ArgumentError
from v1pushpull.datasets import CIFAR10C_CORRUPTIONS
from v1pushpull.registry import CIFAR10_MEAN, DATASETS, get_dataset
from v1pushpull.robustness import MNIST_PROTOCOL


def test_the_digits_entry_describes_the_images_its_loader_returns():
    digits = get_dataset("digits")
    images, labels = digits.load("test")
    assert images.shape[1:] == (digits.channels, digits.image_size, digits.image_size)
    assert images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1
    assert labels.shape == (len(images),) and set(np.unique(labels)) == set(range(10))
    assert not digits.needs_root and not digits.corrupted_files and not digits.augment


def test_entries_hold_the_protocols_of_the_paper():
    assert DATASETS["mnist"].protocol is MNIST_PROTOCOL is DATASETS["digits"].protocol
    cifar = DATASETS["cifar10"]
    assert tuple(cifar.protocol) == CIFAR10C_CORRUPTIONS and cifar.corrupted_files
    assert cifar.normalization[0] == CIFAR10_MEAN and cifar.augment
    assert {d.family for d in DATASETS.values()} == {"lenet", "resnet"}
    # 125.3/255 etc.: the mean of the ResNet/DenseNet recipes, in [0, 1] units
    np.testing.assert_allclose(np.array(CIFAR10_MEAN) * 255, [125.3, 123.0, 113.9])


def test_files_are_needed_and_named_as_an_argument(tmp_path):
    with pytest.raises(ArgumentError) as error:
        get_dataset("mnist").load("test")
    assert error.value.argument == "root" and "needs root" in str(error.value)
    with pytest.raises(FileNotFoundError):
        get_dataset("mnist").load("test", tmp_path)
    with pytest.raises(ValueError, match="dataset='svhn'"):
        get_dataset("svhn")
