"""The CIFAR-10-C set generator: release layout, load_cifar10c round trip, resume, frost."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from v1pushpull.cifar10c import FROST_FILES, load_frost_images, main, make_cifar10c
from v1pushpull.corruptions import CIFAR10C_CORRUPTIONS, corrupt, corrupt_uint8
from v1pushpull.datasets import load_cifar10c


def write_cifar10_test_batch(root, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random CIFAR-10 ``test_batch`` (python pickle format) in ``root/cifar-10-batches-py``."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, n)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    batch = {
        b"batch_label": b"testing batch 1 of 1",
        b"labels": [int(v) for v in labels],
        b"data": images.transpose(0, 3, 1, 2).reshape(n, 3072),  # channel-major rows
        b"filenames": [f"{k}.png".encode() for k in range(n)],
    }
    with open(folder / "test_batch", "wb") as handle:
        pickle.dump(batch, handle)
    return images, labels


def test_written_set_is_read_back_by_load_cifar10c(tmp_path):
    images, labels = write_cifar10_test_batch(tmp_path / "cifar", 12)
    out = tmp_path / "CIFAR-10-C"
    names = ["gaussian_noise", "glass_blur", "jpeg_compression"]
    written = make_cifar10c(tmp_path / "cifar", out, corruptions=names, seed=3, block=5,
                            progress=False)  # fmt: skip
    assert sorted(written) == sorted(names)
    for name in names:
        array = np.load(out / f"{name}.npy")
        assert array.shape == (60, 32, 32, 3) and array.dtype == np.uint8
        index = CIFAR10C_CORRUPTIONS.index(name)
        for severity in (1, 5):
            loaded, loaded_labels = load_cifar10c(out, name, severity)
            np.testing.assert_array_equal(loaded_labels, labels)
            # the file holds the corruption of the test images in order, drawn per severity
            rng = np.random.default_rng([3, index, severity])
            expected = corrupt_uint8(images, name, severity, seed=rng)
            np.testing.assert_array_equal(np.rint(loaded * 255).transpose(0, 2, 3, 1), expected)
            # and it is what corrupt gives on the float images
            rng = np.random.default_rng([3, index, severity])
            floats = corrupt(images.transpose(0, 3, 1, 2) / 255.0, name, severity, seed=rng)
            np.testing.assert_array_equal(loaded, floats.astype(np.float32))
    all_images, all_labels = load_cifar10c(out, "glass_blur")
    assert all_images.shape == (60, 3, 32, 32)
    np.testing.assert_array_equal(all_labels, np.tile(labels, 5))


def test_resume_keeps_finished_files_and_replaces_partial_ones(tmp_path, capsys):
    write_cifar10_test_batch(tmp_path / "cifar", 4)
    out = tmp_path / "c"
    make_cifar10c(tmp_path / "cifar", out, corruptions=["contrast"], progress=False)
    finished = (out / "contrast.npy").stat().st_mtime_ns
    np.save(out / "fog.npy", np.zeros((3, 32, 32, 3), np.uint8))  # an incomplete file
    (out / ".fog.partial.npy").write_bytes(b"interrupted")  # a crashed write
    make_cifar10c(tmp_path / "cifar", out, corruptions=["contrast", "fog", "frost"],
                  progress=False)  # fmt: skip
    assert (out / "contrast.npy").stat().st_mtime_ns == finished
    assert np.load(out / "fog.npy").shape == (20, 32, 32, 3)
    assert not (out / "frost.npy").exists()
    assert "frost skipped" in capsys.readouterr().err


def test_frost_with_photographs(tmp_path):
    from PIL import Image

    images, _ = write_cifar10_test_batch(tmp_path / "cifar", 6)
    folder = tmp_path / "frost"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for name in FROST_FILES:
        Image.fromarray(rng.integers(0, 256, (240, 300, 3), dtype=np.uint8)).save(folder / name)
    frost = load_frost_images(folder)
    assert len(frost) == 5 and frost[0].shape == (3, 48, 60)
    out = tmp_path / "c"
    assert main(["--cifar", str(tmp_path / "cifar"), "--out", str(out), "--frost", str(folder),
                 "--corruptions", "frost", "--no-progress"]) == 0  # fmt: skip
    array = np.load(out / "frost.npy")
    assert array.shape == (30, 32, 32, 3)
    # severity 1 is 1·image + 0.2·crop: each output pixel at least the input, by at most 51
    gain = array[:6].astype(int) - images
    assert gain.min() >= 0 and gain.max() <= 51


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown corruptions"):
        make_cifar10c(tmp_path, tmp_path / "out", corruptions=["rain"])
    with pytest.raises(FileNotFoundError):
        make_cifar10c(tmp_path, tmp_path / "out", corruptions=["fog"])
    with pytest.raises(FileNotFoundError, match="frost photograph"):
        load_frost_images(tmp_path)


def test_the_v1pushpull_command_writes_the_same_set(tmp_path, capsys):
    from v1pushpull.cli import main as v1pushpull_main

    images, labels = write_cifar10_test_batch(tmp_path / "cifar", 4, seed=1)
    out = tmp_path / "C"
    status = v1pushpull_main(["make-cifar10c", "--cifar", str(tmp_path / "cifar"), "--out",
                              str(out), "--corruptions", "shot_noise", "--seed", "2",
                              "--no-progress"])  # fmt: skip
    assert status == 0 and "1 corruption files" in capsys.readouterr().out
    array = np.load(out / "shot_noise.npy")
    index = CIFAR10C_CORRUPTIONS.index("shot_noise")
    for severity in range(1, 6):
        rng = np.random.default_rng([2, index, severity])
        expected = corrupt_uint8(images, "shot_noise", severity, seed=rng)
        np.testing.assert_array_equal(array[(severity - 1) * 4 : severity * 4], expected)
    np.testing.assert_array_equal(np.load(out / "labels.npy"), np.tile(labels, 5))
    with pytest.raises(SystemExit) as exit_info:
        v1pushpull_main(["make-cifar10c", "--out", str(out)])
    assert exit_info.value.code == 2 and "--cifar" in capsys.readouterr().err
