"""Dataset.from_numpy, Dataset.fashion_mnist, perturb()."""
import os

import numpy as np
import pytest

import classsens as cs

from conftest import CLASSES


def test_from_numpy_round_trip(arrays):
    (x, y), _ = arrays
    with cs.Dataset.from_numpy(x, y, CLASSES) as ds:
        assert len(ds) == 300
        assert ds.shape == (1, 28, 28)
        assert ds.num_classes == 3
        assert ds.class_names == CLASSES
        assert ds.class_counts().tolist() == [100, 100, 100]
        assert np.array_equal(ds.labels, y)
        assert np.array_equal(ds.images()[:, 0], x)


def test_layouts_give_the_same_images():
    rng = np.random.default_rng(3)
    nchw = rng.integers(0, 256, (6, 3, 5, 7), dtype=np.uint8)
    y = [0, 1, 2, 0, 1, 2]
    with cs.Dataset.from_numpy(nchw, y) as a, \
            cs.Dataset.from_numpy(nchw.transpose(0, 2, 3, 1).copy(), y) as b:
        assert a.shape == b.shape == (3, 5, 7)
        assert np.array_equal(a.images(), nchw)
        assert np.array_equal(b.images(), nchw)
    with pytest.raises(cs.InvalidArgument, match="ambiguous"):
        cs.Dataset.from_numpy(np.zeros((2, 3, 5, 3), np.uint8), [0, 1])
    with pytest.raises(cs.InvalidArgument, match="outside 0..255"):
        cs.Dataset.from_numpy(np.full((2, 4, 4), 300), [0, 1])
    with pytest.raises(cs.SizeMismatch):
        cs.Dataset.from_numpy(np.zeros((2, 4, 4), np.uint8), [0, 1, 0])


def test_the_library_keeps_its_own_copy():
    x = np.zeros((4, 4, 4), np.uint8)
    with cs.Dataset.from_numpy(x, [0, 1, 0, 1]) as ds:
        x[:] = 9
        assert ds.images().max() == 0


@pytest.mark.skipif(not os.path.isdir(os.environ.get("CLASSSENS_FASHION_MNIST_DIR",
                                                     "/usr/share/datasets/fashion-mnist")),
                    reason="Fashion-MNIST is not installed (dataset-fashion-mnist)")
def test_fashion_mnist():
    with cs.Dataset.fashion_mnist("test") as ds:
        assert len(ds) == 10000
        assert ds.shape == (1, 28, 28)
        assert ds.num_classes == 10
        assert ds.class_counts().tolist() == [1000] * 10
        assert ds.class_names[0] == "T-shirt/top"
    with pytest.raises(cs.InvalidArgument):
        cs.Dataset.fashion_mnist("validation")


def test_fashion_mnist_missing_directory():
    with pytest.raises(cs.Error) as e:
        cs.Dataset.fashion_mnist("train", dir="/nonexistent/fmnist")
    assert "/nonexistent/fmnist" in e.value.message


def test_shuffle_report_and_view(train):
    view, rep = cs.perturb(train, "shuffle:0.3", seed=7)
    assert rep["size_before"] == rep["size_after"] == len(view) == 300
    assert rep["selected"] == 90
    t = rep["transitions"]
    assert t.shape == (3, 3) and t.sum() == 300
    assert t.sum() - np.trace(t) == rep["changed"]
    assert rep["flip_rate"] == pytest.approx(rep["changed"] / 300)
    changed = (view.labels != train.labels).sum()
    assert changed == rep["changed"]
    assert rep["class_counts_before"].tolist() == rep["class_counts_after"].tolist() == [100] * 3
    again, rep2 = cs.perturb(train, "shuffle:0.3", seed=7)
    assert np.array_equal(again.labels, view.labels)
    other, _ = cs.perturb(train, "shuffle:0.3", seed=8)
    assert not np.array_equal(other.labels, view.labels)
    view.close()
    again.close()
    other.close()


def test_reduction_view_outlives_its_parent(arrays):
    (x, y), _ = arrays
    ds = cs.Dataset.from_numpy(x, y)
    view, rep = cs.perturb(ds, "reduce:uniform:0.5", seed=1)
    del ds
    assert rep["size_after"] == len(view) == 150
    idx = view.source_indices()
    assert np.array_equal(view.labels, y[idx])
    assert np.array_equal(view.images()[:, 0], x[idx])


def _png(path, pixels):
    """A grayscale 8-bit PNG of the 2-D uint8 array, written with zlib alone (filter 0)."""
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    h, w = pixels.shape
    raw = b"".join(b"\x00" + pixels[r].tobytes() for r in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_folder_reads_image_folders(tmp_path):
    rng = np.random.default_rng(7)
    images = {}
    for cls in ("b_cat", "a_dog"):
        os.makedirs(tmp_path / "train" / cls)
        os.makedirs(tmp_path / "test" / cls)
        for i in range(3):
            for split in ("train", "test"):
                img = rng.integers(0, 256, (6, 5), dtype=np.uint8)
                _png(tmp_path / split / cls / ("%d.png" % i), img)
                images[(split, cls, i)] = img
    with cs.Dataset.folder(tmp_path, "train") as tr, cs.Dataset.folder(tmp_path, "test") as te:
        # Classes in sorted order, as torchvision's ImageFolder; files in order within a class.
        assert tr.class_names == ["a_dog", "b_cat"]
        assert tr.shape == te.shape == (1, 6, 5)
        assert tr.labels.tolist() == [0, 0, 0, 1, 1, 1]
        for j, (cls, i) in enumerate([(c, i) for c in ("a_dog", "b_cat") for i in range(3)]):
            assert np.array_equal(tr.images()[j, 0], images[("train", cls, i)])
            assert np.array_equal(te.images()[j, 0], images[("test", cls, i)])
    # Resized to 10x12 (width x height), channels forced to RGB.
    with cs.Dataset.folder(tmp_path, "train", size=(10, 12), channels="rgb") as big:
        assert big.shape == (3, 12, 10)
    # A bad file names itself; skip_bad counts it in the report instead.
    with open(tmp_path / "train" / "a_dog" / "9.png", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(cs.Error, match="9.png"):
        cs.Dataset.folder(tmp_path, "train")
    report = {}
    with cs.Dataset.folder(tmp_path, "train", skip_bad=True, report=report) as ds:
        assert len(ds) == 6
    assert report["skipped"] == 1 and report["loaded"] == 6
    assert "9.png" in report["first_skipped"][0]
    with pytest.raises(cs.InvalidArgument, match="channels"):
        cs.Dataset.folder(tmp_path, channels="cmyk")
    with pytest.raises(cs.NotFound):
        cs.Dataset.folder(tmp_path / "missing")
