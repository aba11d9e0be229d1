"""DataLoaders, CIFAR augmentation and normalisation of v1pushpull.torch.data."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from v1pushpull.datasets import load_digits  # noqa: E402
from v1pushpull.torch.data import (  # noqa: E402
    CIFAR10_MEAN,
    CIFAR10_STD,
    AugmentCollate,
    Normalize,
    array_loader,
    augment_cifar,
    horizontal_flip,
    make_loaders,
    normalization,
    random_crop,
    random_horizontal_flip,
    reflect_pad,
)


def test_reflect_pad_is_numpy_reflect():
    images = torch.rand(2, 3, 6, 7, dtype=torch.float64)
    expected = np.pad(images.numpy(), ((0, 0), (0, 0), (4, 4), (4, 4)), mode="reflect")
    np.testing.assert_array_equal(reflect_pad(images, 4).numpy(), expected)


def test_random_crop_is_a_window_of_the_input():
    images = torch.rand(16, 3, 40, 40)
    crops = random_crop(images, (32, 32), generator=torch.Generator().manual_seed(0))
    assert crops.shape == (16, 3, 32, 32)
    positions = set()
    for image, crop in zip(images, crops, strict=True):
        matches = [
            (top, left)
            for top in range(9)
            for left in range(9)
            if torch.equal(image[:, top : top + 32, left : left + 32], crop)
        ]
        assert len(matches) == 1
        positions.add(matches[0])
    assert len(positions) > 8  # each image gets its own position
    with pytest.raises(ValueError, match="larger than the images"):
        random_crop(images, (41, 41))


def test_flip_is_an_involution_and_random_flip_is_half():
    images = torch.rand(4, 3, 5, 5)
    np.testing.assert_array_equal(horizontal_flip(horizontal_flip(images)), images)
    assert torch.equal(horizontal_flip(images)[..., 0], images[..., -1])
    many = torch.rand(2000, 1, 2, 2)
    flipped = random_horizontal_flip(many, generator=torch.Generator().manual_seed(1))
    changed = (flipped != many).flatten(1).any(1).float().mean()
    assert 0.45 < float(changed) < 0.55
    assert torch.equal(random_horizontal_flip(many, 0.0), many)


def test_augment_cifar_crops_from_the_reflect_padded_image():
    images = torch.rand(6, 3, 32, 32, dtype=torch.float64)
    padded = reflect_pad(images, 4)
    out = augment_cifar(images, generator=torch.Generator().manual_seed(3))
    assert out.shape == images.shape
    for image, result in zip(padded, out, strict=True):
        windows = [
            image[:, top : top + 32, left : left + 32] for top in range(9) for left in range(9)
        ]
        assert any(torch.equal(w, result) or torch.equal(w.flip(-1), result) for w in windows)


def test_normalize_standardises_each_channel():
    normalize = Normalize(CIFAR10_MEAN, CIFAR10_STD)
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    images = mean + std * torch.randn(64, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    out = normalize(images)
    np.testing.assert_allclose(out.mean(dim=(0, 2, 3)).numpy(), 0.0, atol=0.02)
    np.testing.assert_allclose(out.std(dim=(0, 2, 3)).numpy(), 1.0, atol=0.02)
    assert CIFAR10_MEAN[0] == pytest.approx(125.3 / 255) and CIFAR10_STD[2] == pytest.approx(
        66.7 / 255
    )
    assert normalization("cifar10") == (CIFAR10_MEAN, CIFAR10_STD)
    assert normalization("digits") is None and normalization("mnist") is None
    assert "mean" in dict(normalize.named_buffers())  # moves with .to(device)
    with pytest.raises(ValueError, match="std must be positive"):
        Normalize((0.5,), (0.0,))
    with pytest.raises(ValueError, match="equal length"):
        Normalize((0.5, 0.5), (1.0,))
    with pytest.raises(ValueError, match="dataset must be one of"):
        normalization("imagenet")


def test_digits_loaders():
    train_loader, test_loader = make_loaders("digits", batch_size=100, seed=0)
    images, labels = next(iter(train_loader))
    assert images.shape == (100, 1, 28, 28) and images.dtype == torch.float32
    assert labels.dtype == torch.int64
    assert 0.0 <= float(images.min()) and float(images.max()) <= 1.0
    # the test loader holds the fixed test split, in order, unaugmented
    test_images = torch.cat([batch for batch, _ in test_loader])
    expected, expected_labels = load_digits("test")
    np.testing.assert_array_equal(test_images.numpy(), expected)
    np.testing.assert_array_equal(torch.cat([y for _, y in test_loader]).numpy(), expected_labels)
    # training order is shuffled, reproducibly with the seed, and covers the training split
    order = torch.cat([y for _, y in make_loaders("digits", batch_size=100, seed=0)[0]])
    again = torch.cat([y for _, y in make_loaders("digits", batch_size=100, seed=0)[0]])
    other = torch.cat([y for _, y in make_loaders("digits", batch_size=100, seed=1)[0]])
    assert torch.equal(order, again) and not torch.equal(order, other)
    np.testing.assert_array_equal(
        np.bincount(order.numpy(), minlength=10),
        np.bincount(load_digits("train")[1], minlength=10),
    )


def test_distributed_shards_are_disjoint_and_complete():
    images = np.arange(10, dtype=np.float32).reshape(10, 1, 1, 1)
    labels = np.arange(10)
    seen = []
    for rank in (0, 1):
        loader = array_loader(
            images, labels, batch_size=3, shuffle=True, distributed=True, num_replicas=2,
            rank=rank, seed=5,
        )  # fmt: skip
        seen.append(torch.cat([y for _, y in loader]).tolist())
    assert len(seen[0]) == len(seen[1]) == 5
    assert sorted(seen[0] + seen[1]) == list(range(10))


def _write_cifar(folder, rng, n=8):
    folder.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=n)]
        with open(folder / name, "wb") as handle:
            pickle.dump({b"data": data, b"labels": labels}, handle)


def test_cifar_loaders_augment_training_only(tmp_path, rng):
    _write_cifar(tmp_path / "cifar-10-batches-py", rng)
    train_loader, test_loader = make_loaders("cifar10", tmp_path, batch_size=40, seed=0)
    images, _ = next(iter(train_loader))
    assert images.shape == (40, 3, 32, 32)
    raw = torch.as_tensor(_cifar_train(tmp_path)[0])
    # augmented: images are not all raw training images, but windows of them
    assert not any(torch.equal(image, r) for image in images[:5] for r in raw)
    test_images, _ = next(iter(test_loader))
    from v1pushpull.datasets import load_cifar10

    np.testing.assert_array_equal(test_images.numpy(), load_cifar10(tmp_path, "test")[0])
    plain, _ = make_loaders("cifar10", tmp_path, batch_size=40, augment=False)
    plain_images, _ = next(iter(plain))
    assert all(any(torch.equal(image, r) for r in raw) for image in plain_images[:5])


def _cifar_train(root):
    from v1pushpull.datasets import load_cifar10

    return load_cifar10(root, "train")


def test_augment_collate_with_a_worker_is_reproducible():
    images = np.random.default_rng(0).random((8, 3, 32, 32), dtype=np.float32)
    runs = []
    for _ in range(2):
        loader = array_loader(images, np.zeros(8), batch_size=4, augment=True, num_workers=1)
        runs.append(torch.cat([x for x, _ in loader]))
    assert torch.equal(runs[0], runs[1])
    collate = AugmentCollate(seed=0)
    a = collate([(torch.as_tensor(images[0]), torch.tensor(0))] * 8)[0]
    b = AugmentCollate(seed=0)([(torch.as_tensor(images[0]), torch.tensor(0))] * 8)[0]
    assert torch.equal(a, b)
    assert len({tuple(x.flatten()[:5].tolist()) for x in a}) > 1  # one draw per image


def test_augment_collate_set_epoch_makes_resumed_epochs_identical():
    images = torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    samples = [(image, torch.tensor(0)) for image in images]
    uninterrupted = AugmentCollate(seed=5)
    for epoch in range(3):  # epochs 0, 1, 2 of a run that never stopped
        uninterrupted.set_epoch(epoch)
        last = uninterrupted(samples)[0]
    resumed = AugmentCollate(seed=5)  # a new process that resumes at epoch 2
    resumed.set_epoch(2)
    assert torch.equal(resumed(samples)[0], last)
    resumed.set_epoch(1)
    assert not torch.equal(resumed(samples)[0], last)  # other epochs draw other crops


def test_loader_errors(tmp_path):
    with pytest.raises(ValueError, match="dataset must be one of"):
        make_loaders("svhn")
    with pytest.raises(ValueError, match="needs root"):
        make_loaders("mnist")
    with pytest.raises(FileNotFoundError):
        make_loaders("mnist", tmp_path)
    with pytest.raises(ValueError, match="only apply to dataset='digits'"):
        make_loaders("cifar10", tmp_path, size=32)
    with pytest.raises(ValueError, match="differ in length"):
        array_loader(np.zeros((3, 1, 2, 2), np.float32), np.zeros(2))
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        array_loader(np.zeros((3, 1, 2, 2), np.float32), np.zeros(3), batch_size=0)
