"""Model: fit, predict, state_dict, save/load, progress, memory."""
import os

import numpy as np
import pytest

import classsens as cs


def _model(seed=0):
    return cs.Model("lenet", (1, 28, 28), 3, width=0.25, seed=seed, threads=1)


def test_fit_predict_learns_the_synthetic_classes(arrays, train):
    _, (tx, ty) = arrays
    with _model() as m:
        assert m.arch == "lenet" and m.shape == (1, 28, 28) and m.num_classes == 3
        epochs = m.fit(train, epochs=2, batch_size=32, lr=0.05, seed=1)
        assert [e["epoch"] for e in epochs] == [1, 2]
        assert all(np.isfinite(e["loss"]) for e in epochs)
        pred = m.predict(tx)
        assert pred.dtype == np.int32 and pred.shape == (90,)
        assert (pred == ty).mean() >= 0.9


def test_fit_on_numpy_equals_fit_on_a_dataset(arrays, train):
    (x, y), (tx, _) = arrays
    with _model() as a, _model() as b:
        a.fit(train, epochs=1, batch_size=32, lr=0.05, seed=3)
        b.fit(x, y, epochs=1, batch_size=32, lr=0.05, seed=3)
        sa, sb = a.state_dict(), b.state_dict()
        assert list(sa) == list(sb)
        assert all(np.array_equal(sa[k], sb[k]) for k in sa)
        assert np.array_equal(a.predict(tx), b.predict(tx))


def test_state_dict(train, tmp_path):
    with _model(seed=5) as m:
        sd = m.state_dict()
        assert list(sd)[:2] == ["conv1.weight", "conv1.bias"]
        assert sd["conv1.weight"].shape == (2, 1, 5, 5)
        assert sd["fc3.weight"].shape[0] == 3
        assert sum(v.size for v in sd.values()) == m.num_params
        assert all(v.dtype == np.float32 for v in sd.values())
        m.fit(train, epochs=1, batch_size=32, lr=0.05)
        trained = m.state_dict()
        assert not np.array_equal(trained["conv1.weight"], sd["conv1.weight"])
        m.load_state_dict(sd)
        assert all(np.array_equal(m.state_dict()[k], sd[k]) for k in sd)
        with pytest.raises(cs.SizeMismatch):
            m.load_state_dict({"conv1.bias": np.zeros(5, np.float32)})
        with pytest.raises(cs.NotFound):
            m.load_state_dict({"nope": np.zeros(1)})
        m.load_state_dict(trained)
        m.save(tmp_path / "m.csm")
        with cs.Model.load(tmp_path / "m.csm") as back:
            sb = back.state_dict()
            assert all(np.array_equal(sb[k], trained[k]) for k in trained)


def test_progress_callback_and_cancel(train):
    seen = []
    with _model() as m:
        m.fit(train, epochs=2, batch_size=64, progress=seen.append)
        assert [e["epoch"] for e in seen] == [1, 2]
        with pytest.raises(cs.Cancelled):
            m.fit(train, epochs=3, batch_size=64, progress=lambda e: False)

        def boom(e):
            raise KeyError("from the callback")
        with pytest.raises(KeyError, match="from the callback"):
            m.fit(train, epochs=2, batch_size=64, progress=boom)


def test_bad_arguments():
    with pytest.raises(cs.Error) as e:
        cs.Model("nosuchnet", (1, 28, 28), 3)
    assert "nosuchnet" in e.value.message
    with _model() as m:
        with pytest.raises(cs.Error):
            m.predict(np.zeros((2, 3, 32, 32), np.uint8))
        with pytest.raises(cs.InvalidArgument, match="schedule"):
            m.fit(np.zeros((4, 28, 28), np.uint8), [0, 1, 2, 0], schedule="linear")


def _rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


@pytest.mark.skipif(os.environ.get("CS_PY_SANITIZE") == "1",
                    reason="ASan's quarantine holds freed memory: RSS says nothing there")
def test_repeated_fit_predict_keeps_memory_flat(arrays):
    (x, y), (tx, _) = arrays
    def once():
        with _model() as m:
            m.fit(x, y, epochs=1, batch_size=64, lr=0.05)
            m.predict(tx)
            m.state_dict()
        with cs.Dataset.from_numpy(x, y) as ds:
            v, _ = cs.perturb(ds, "shuffle:0.3", seed=1)
            v.close()
    for _ in range(5):
        once()
    before = _rss_kib()
    for _ in range(40):
        once()
    grown = _rss_kib() - before
    # one model and data set are ~0.5 MiB: 40 leaked rounds would add 20 MiB or more
    assert grown < 4096, "RSS grew by %d KiB over 40 rounds" % grown


def _write_safetensors(path, tensors):
    """A safetensors file as safetensors.torch.save_file writes one: F32 tensors, no metadata."""
    import json
    import struct
    header, blobs, offset = {}, [], 0
    for name, value in tensors.items():
        data = np.ascontiguousarray(value, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(value.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def test_safetensors(train, arrays, tmp_path):
    _, (tx, _) = arrays
    with _model(seed=2) as m:
        m.fit(train, epochs=1, batch_size=32, lr=0.05)
        trained = m.state_dict()
        m.save_safetensors(tmp_path / "m.safetensors")
        # The file describes its model: arch, shape, classes, width, normalisation.
        with cs.Model.load_safetensors(tmp_path / "m.safetensors") as back:
            assert (back.arch, back.shape, back.num_classes) == ("lenet", (1, 28, 28), 3)
            sb = back.state_dict()
            assert list(sb) == list(trained)
            assert all(np.array_equal(sb[k], trained[k]) for k in trained)
            assert np.array_equal(back.predict(tx), m.predict(tx))
    # A file without our metadata (as PyTorch writes one) loads when the model is named.
    _write_safetensors(tmp_path / "torch.safetensors", trained)
    with pytest.raises(cs.Format):
        cs.Model.load_safetensors(tmp_path / "torch.safetensors")
    with cs.Model.load_safetensors(tmp_path / "torch.safetensors", arch="lenet", shape=(1, 28, 28),
                                   num_classes=3, width=0.25) as named:
        sn = named.state_dict()
        assert all(np.array_equal(sn[k], trained[k]) for k in trained)
    with pytest.raises(cs.SizeMismatch, match="fc3"):
        cs.Model.load_safetensors(tmp_path / "torch.safetensors", arch="lenet", shape=(1, 28, 28),
                                  num_classes=4, width=0.25)
    # An extra tensor is refused unless asked to skip it.
    _write_safetensors(tmp_path / "extra.safetensors",
                       dict(trained, **{"head.weight": np.zeros((2, 2), np.float32)}))
    with pytest.raises(cs.SizeMismatch, match="head.weight"):
        cs.Model.load_safetensors(tmp_path / "extra.safetensors", arch="lenet", shape=(1, 28, 28),
                                  num_classes=3, width=0.25)
    cs.Model.load_safetensors(tmp_path / "extra.safetensors", arch="lenet", shape=(1, 28, 28),
                              num_classes=3, width=0.25, ignore_extra=True).close()
    # Bad input: a missing file, a truncated one, arguments that do not go together.
    with pytest.raises(cs.NotFound):
        cs.Model.load_safetensors(tmp_path / "missing.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[:len(data) // 2])
    with pytest.raises(cs.Truncated):
        cs.Model.load_safetensors(tmp_path / "cut.safetensors")
    with pytest.raises(ValueError, match="with arch"):
        cs.Model.load_safetensors(tmp_path / "m.safetensors", arch="lenet")
    with pytest.raises(ValueError, match="go with arch"):
        cs.Model.load_safetensors(tmp_path / "m.safetensors", num_classes=3)
