"""Readers of the official file formats, checked on small files written in those formats."""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import struct
import tarfile

import numpy as np
import pytest

from v1pushpull import datasets
from v1pushpull.datasets import (
    CIFAR10C_COMMON,
    CIFAR10C_CORRUPTIONS,
    CIFAR10C_EXTRA,
    MNISTC_CORRUPTIONS,
    download_cifar10,
    download_mnist,
    load_cifar10,
    load_cifar10c,
    load_digits,
    load_mnist,
    load_mnistc,
    read_idx,
)

# --------------------------------------------------------------------------------------------
# digits
# --------------------------------------------------------------------------------------------


def test_digits_split_is_fixed_stratified_and_complete():
    from sklearn.datasets import load_digits as sklearn_digits

    train_images, train_labels = load_digits("train")
    test_images, test_labels = load_digits("test")
    assert train_images.shape == (1347, 1, 28, 28) and test_images.shape == (450, 1, 28, 28)
    assert train_images.dtype == np.float32 and train_labels.dtype == np.int64
    assert 0.0 <= train_images.min() and train_images.max() <= 1.0
    # stratified: every class has ~25 % of its digits in the test split
    counts = np.bincount(sklearn_digits().target, minlength=10)
    np.testing.assert_allclose(np.bincount(test_labels, minlength=10) / counts, 0.25, atol=0.02)
    # deterministic, and the seed changes the split
    again, _ = load_digits("test")
    np.testing.assert_array_equal(again, test_images)
    other, _ = load_digits("test", seed=1)
    assert not np.array_equal(other, test_images)


def test_digits_layout_is_mnist_like():
    from scipy import ndimage
    from skimage.transform import resize
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    images, labels = load_digits("train")
    # 4-px black border around a 20×20 box, as MNIST
    assert np.all(images[:, :, :4] == 0) and np.all(images[:, :, -4:] == 0)
    assert np.all(images[:, :, :, :4] == 0) and np.all(images[:, :, :, -4:] == 0)
    # the box is each 8×8 digit upsampled on its own (the batched resize mixes no images), and
    # agrees with scipy's independent pixel-area-aligned linear zoom
    raw = sklearn_digits()
    train_index = np.sort(
        train_test_split(
            np.arange(len(raw.target)), test_size=0.25, stratify=raw.target, random_state=0
        )[0]
    )
    for k in (0, 7, 19):
        original = raw.images[train_index[k]] / 16.0
        box = images[k, 0, 4:24, 4:24]
        expected = resize(original, (20, 20), order=1, mode="edge", anti_aliasing=False)
        np.testing.assert_allclose(box, expected, atol=1e-6)
        zoomed = ndimage.zoom(original, 2.5, order=1, mode="nearest", grid_mode=True)
        assert np.corrcoef(box.ravel(), zoomed.ravel())[0, 1] > 0.99
    np.testing.assert_array_equal(labels[:20], raw.target[train_index[:20]])


def test_digits_other_size():
    images, _ = load_digits("test", size=32)
    assert images.shape[-2:] == (32, 32)
    assert np.all(images[:, :, :4] == 0)  # box of round(20·32/28) = 23 px, border 4


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"split": "val"}, "split must be 'train' or 'test'"),
        ({"size": 4}, "size must be an int >= 8"),
        ({"test_fraction": 1.5}, r"test_fraction must be a number in \(0, 1\)"),
    ],
)
def test_digits_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_digits(**kwargs)


# --------------------------------------------------------------------------------------------
# MNIST IDX files
# --------------------------------------------------------------------------------------------


def _idx_bytes(array: np.ndarray) -> bytes:
    code = {"u1": 0x08, "f4": 0x0D}[array.dtype.str[1:]]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(">" + "i" * array.ndim, *array.shape)
    return header + array.tobytes()


def _write_mnist(root, rng, compress):
    files = {}
    for split, prefix, n in (("train", "train", 7), ("test", "t10k", 3)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        for kind, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            name = f"{prefix}-{kind}"
            data = _idx_bytes(array)
            if compress:
                (root / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (root / name).write_bytes(data)
        files[split] = images, labels
    return files


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_reads_idx(tmp_path, rng, compress):
    files = _write_mnist(tmp_path, rng, compress)
    for split in ("train", "test"):
        images, labels = load_mnist(tmp_path, split)
        assert images.shape == (len(files[split][0]), 1, 28, 28) and images.dtype == np.float32
        np.testing.assert_array_equal(np.round(images[:, 0] * 255), files[split][0])
        np.testing.assert_array_equal(labels, files[split][1])
        assert labels.dtype == np.int64


def test_read_idx_big_endian_float_and_errors(tmp_path):
    values = (np.arange(6).reshape(2, 3) / 7).astype(">f4")
    (tmp_path / "f").write_bytes(_idx_bytes(values))
    read = read_idx(tmp_path / "f")
    np.testing.assert_array_equal(read, values.astype(np.float32))
    assert read.dtype.isnative
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(_idx_bytes(values)[:-4])
    with pytest.raises(ValueError, match="header announces shape"):
        read_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="download_mnist"):
        load_mnist(tmp_path / "nowhere", "train")


def test_download_mnist_from_local_mirror(tmp_path, rng):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    _write_mnist(mirror, rng, compress=True)
    md5 = {
        name: hashlib.md5((mirror / name).read_bytes()).hexdigest() for name in datasets.MNIST_MD5
    }
    root = tmp_path / "data"
    bad_mirror = (tmp_path / "missing").as_uri()
    download_mnist(root, mirrors=[bad_mirror, mirror.as_uri()], md5=md5)
    for split in ("train", "test"):
        np.testing.assert_array_equal(load_mnist(root, split)[1], load_mnist(mirror, split)[1])
    assert sorted(p.name for p in root.iterdir()) == sorted(md5)  # no temporary files left


def test_download_mnist_checksum_and_offline_errors(tmp_path, rng):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    _write_mnist(mirror, rng, compress=True)
    root = tmp_path / "data"
    wrong = dict.fromkeys(datasets.MNIST_MD5, "0" * 32)
    with pytest.raises(OSError, match="checksum mismatch"):
        download_mnist(root, mirrors=[mirror.as_uri()], md5=wrong)
    assert list(root.iterdir()) == []  # the bad file was discarded
    with pytest.raises(OSError, match="no network"):
        download_mnist(root, mirrors=[(tmp_path / "offline").as_uri()])


# --------------------------------------------------------------------------------------------
# CIFAR-10 python batches
# --------------------------------------------------------------------------------------------


def _write_cifar(folder, rng, n=4):
    folder.mkdir(parents=True)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=n)]
        with open(folder / name, "wb") as handle:
            pickle.dump({b"batch_label": name.encode(), b"data": data, b"labels": labels}, handle)
        batches[name] = data, labels
    return batches


def test_load_cifar10_channel_order(tmp_path, rng):
    batches = _write_cifar(tmp_path / "cifar-10-batches-py", rng)
    images, labels = load_cifar10(tmp_path, "train")
    assert images.shape == (20, 3, 32, 32) and images.dtype == np.float32
    assert labels.dtype == np.int64
    data, first_labels = batches["data_batch_1"]
    # a row is 1024 red, then 1024 green, then 1024 blue values, each row-major 32×32
    np.testing.assert_array_equal(np.round(images[0, 1] * 255), data[0, 1024:2048].reshape(32, 32))
    assert images[0, 0, 0, 1] * 255 == pytest.approx(data[0, 1])
    np.testing.assert_array_equal(labels[:4], first_labels)
    np.testing.assert_array_equal(labels[16:], batches["data_batch_5"][1])
    test_images, test_labels = load_cifar10(tmp_path / "cifar-10-batches-py", "test")
    np.testing.assert_array_equal(test_labels, batches["test_batch"][1])
    assert test_images.shape == (4, 3, 32, 32)


def test_load_cifar10_errors(tmp_path, rng):
    with pytest.raises(FileNotFoundError, match="download_cifar10"):
        load_cifar10(tmp_path, "test")
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(folder, rng)
    with open(folder / "test_batch", "wb") as handle:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, handle)
    with pytest.raises(ValueError, match="expected \\(N, 3072\\)"):
        load_cifar10(tmp_path, "test")


def _cifar_archive(tmp_path, rng):
    source = tmp_path / "source"
    batches = _write_cifar(source / "cifar-10-batches-py", rng)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(source / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    archive = tmp_path / "cifar-10-python.tar.gz"
    archive.write_bytes(buffer.getvalue())
    return archive, hashlib.md5(buffer.getvalue()).hexdigest(), batches


def test_download_cifar10_extracts_and_checks(tmp_path, rng):
    archive, md5, batches = _cifar_archive(tmp_path, rng)
    root = tmp_path / "data"
    folder = download_cifar10(root, url=archive.as_uri(), md5=md5)
    assert folder == root / "cifar-10-batches-py"
    _, labels = load_cifar10(root, "test")
    np.testing.assert_array_equal(labels, batches["test_batch"][1])
    assert sorted(p.name for p in root.iterdir()) == ["cifar-10-batches-py"]  # archive removed
    # already there: no download is attempted (a bad URL would raise)
    assert download_cifar10(root, url=(tmp_path / "gone.tar.gz").as_uri()) == folder


def test_download_cifar10_errors(tmp_path, rng):
    archive, _, _ = _cifar_archive(tmp_path, rng)
    root = tmp_path / "data"
    with pytest.raises(OSError, match="checksum mismatch"):
        download_cifar10(root, url=archive.as_uri(), md5="0" * 32)
    assert list(root.iterdir()) == []
    with pytest.raises(OSError, match="no network"):
        download_cifar10(root, url=(tmp_path / "offline.tar.gz").as_uri())


# --------------------------------------------------------------------------------------------
# CIFAR-10-C and MNIST-C
# --------------------------------------------------------------------------------------------


def _write_cifar10c(folder, rng, n=4):
    folder.mkdir(parents=True, exist_ok=True)
    images = rng.integers(0, 256, size=(5 * n, 32, 32, 3), dtype=np.uint8)
    # mark each severity in pixel (0, 0, red) so row slicing can be checked
    images[:, 0, 0, 0] = np.repeat(np.arange(1, 6), n)
    labels = np.tile(rng.integers(0, 10, size=n, dtype=np.uint8), 5)
    np.save(folder / "fog.npy", images)
    np.save(folder / "labels.npy", labels)
    return images, labels


def test_load_cifar10c_severity_rows(tmp_path, rng):
    images, labels = _write_cifar10c(tmp_path / "CIFAR-10-C", rng)
    for severity in range(1, 6):
        x, y = load_cifar10c(tmp_path, "fog", severity)
        assert x.shape == (4, 3, 32, 32) and x.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_array_equal(np.round(x[:, 0, 0, 0] * 255), severity)
        np.testing.assert_array_equal(y, labels[:4])
    everything, all_labels = load_cifar10c(tmp_path / "CIFAR-10-C", "fog")
    assert everything.shape == (20, 3, 32, 32)
    np.testing.assert_array_equal(np.round(everything * 255), images.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(all_labels, labels)


def test_load_cifar10c_errors(tmp_path, rng):
    _write_cifar10c(tmp_path, rng)
    assert "fog" in CIFAR10C_CORRUPTIONS
    with pytest.raises(ValueError, match="corruption must be one of"):
        load_cifar10c(tmp_path, "rain")
    with pytest.raises(ValueError, match=r"severity must be None or an int in 1\.\.5"):
        load_cifar10c(tmp_path, "fog", 6)
    with pytest.raises(FileNotFoundError, match="zenodo"):
        load_cifar10c(tmp_path, "snow")
    np.save(tmp_path / "frost.npy", np.zeros((7, 32, 32, 3), np.uint8))
    np.save(tmp_path / "labels.npy", np.zeros(7, np.uint8))
    with pytest.raises(ValueError, match="not 5 severities"):
        load_cifar10c(tmp_path, "frost")


def test_load_mnistc(tmp_path, rng):
    folder = tmp_path / "mnist_c" / "shot_noise"
    folder.mkdir(parents=True)
    images = rng.integers(0, 256, size=(6, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, 10, size=6).astype(np.int64)
    np.save(folder / "test_images.npy", images)
    np.save(folder / "test_labels.npy", labels)
    x, y = load_mnistc(tmp_path, "shot_noise")
    assert x.shape == (6, 1, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(np.round(x[:, 0] * 255), images[..., 0])
    np.testing.assert_array_equal(y, labels)
    assert len(MNISTC_CORRUPTIONS) == 16
    with pytest.raises(FileNotFoundError, match=r"train_images\.npy"):
        load_mnistc(tmp_path / "mnist_c", "shot_noise", split="train")
    with pytest.raises(ValueError, match="corruption must be one of"):
        load_mnistc(tmp_path, "gaussian_noise")


def test_cifar10c_common_and_extra_sets_of_h19():
    # [H19]: 15 common corruptions (noise, blur, weather, digital) and 4 held-out extra ones
    common = {
        "gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
        "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
        "elastic_transform", "pixelate", "jpeg_compression",
    }  # fmt: skip
    assert set(CIFAR10C_COMMON) == common and len(CIFAR10C_COMMON) == 15
    assert set(CIFAR10C_EXTRA) == {"speckle_noise", "gaussian_blur", "spatter", "saturate"}
    assert set(CIFAR10C_COMMON) | set(CIFAR10C_EXTRA) == set(CIFAR10C_CORRUPTIONS)
    # the release order is not common-then-extra
    assert CIFAR10C_CORRUPTIONS[:15] != CIFAR10C_COMMON


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_refuses_a_label_outside_0_9_naming_the_file(tmp_path, rng, compress):
    _write_mnist(tmp_path, rng, compress)
    name = "t10k-labels-idx1-ubyte" + (".gz" if compress else "")
    data = _idx_bytes(np.array([1, 200, 3], np.uint8))
    (tmp_path / name).write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(ValueError, match=rf"{name} holds 1 labels outside 0\.\.9 \(e\.g\. 200\)"):
        load_mnist(tmp_path, "test")


def test_truncated_files_are_named_with_what_was_expected(tmp_path, rng):
    # the readers' own words ("buffer is smaller than requested size", EOFError, "mmap length
    # is greater than file size") without the file name, before
    short = tmp_path / "short-idx3-ubyte"
    short.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(ValueError, match=r"short-idx3-ubyte.*truncated IDX file"):
        read_idx(short)
    cut = tmp_path / "cut-idx1-ubyte.gz"
    cut.write_bytes(gzip.compress(_idx_bytes(np.arange(50, dtype=np.uint8)))[:25])
    with pytest.raises(ValueError, match=r"cut-idx1-ubyte\.gz is not a complete gzip file"):
        read_idx(cut)
    folder = tmp_path / "CIFAR-10-C"
    _write_cifar10c(folder, rng)
    content = (folder / "fog.npy").read_bytes()
    (folder / "fog.npy").write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match=r"fog.npy is not a readable NumPy \.npy file"):
        load_cifar10c(tmp_path, "fog")
