"""chainrule.save / chainrule.load: safetensors round trips, pickle refusal, atomic writes."""
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest
import safetensors.numpy

import chainrule
from chainrule import serialization
from chainrule.serialization import CheckpointFormatError


def _assert_same(a, b, path="root"):
    """Structural equality: same container types, keys (and key types), tensor dtypes,
    shapes, values and requires_grad."""
    assert type(a) is type(b), (path, type(a), type(b))
    if isinstance(a, chainrule.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert a.requires_grad == b.requires_grad, path
        np.testing.assert_array_equal(a._data, b._data, err_msg=path)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), path
        assert [type(k) for k in a] == [type(k) for k in b], path
        for k in a:
            _assert_same(a[k], b[k], f"{path}/{k!r}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b)):
            _assert_same(u, v, f"{path}/{i}")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), path
    else:
        assert a == b, path


def _nested():
    g = chainrule.Generator().manual_seed(3)
    return {
        "model": {"fc1.weight": chainrule.randn(4, 3, generator=g),
                  "fc1.bias": chainrule.zeros(4, dtype=chainrule.float64),
                  "bn.num_batches_tracked": chainrule.tensor(7),
                  "mask": chainrule.tensor([True, False])},
        # An optimizer's state_dict: int keys, tuples, None, bools, floats, 0-d tensors.
        "optimizer": {"state": {0: {"step": chainrule.tensor(3.0),
                                    "exp_avg": chainrule.ones(4, 3),
                                    "exp_avg_sq": chainrule.full((4, 3), 0.5)},
                                1: {"momentum_buffer": None}},
                      "param_groups": [{"params": [0, 1], "lr": 1e-3, "betas": (0.9, 0.999),
                                        "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
                                        "foreach": None, "name": "main"}]},
        "epoch": 3,
        "losses": [2.302, 0.5, float("nan"), float("inf"), -float("inf")],
        "rng": chainrule.get_rng_state(),
        "np": {"array": np.arange(6, dtype=np.int32).reshape(2, 3), "scalar": np.float32(2.5),
               "int": np.int64(-4)},
        "empty": {"list": [], "dict": {}, "tuple": (), "tensor": chainrule.zeros(0, 5)},
        "keys": {1.5: "float key", True: "bool key", None: "none key", "1": "str key"},
        "big": 2 ** 70,
        "unicode": "héllo — мир",
    }


def test_roundtrip_nested(tmp_path):
    obj = _nested()
    p = tmp_path / "ckpt.safetensors"
    chainrule.save(obj, p)
    back = chainrule.load(p)
    _assert_same(obj, back)
    assert back["model"]["fc1.weight"]._data.flags.writeable
    # str paths and file objects work too.
    chainrule.save(obj, str(p))
    _assert_same(obj, chainrule.load(str(p)))
    buf = io.BytesIO()
    chainrule.save(obj, buf)
    buf.seek(0)
    _assert_same(obj, chainrule.load(buf))


def test_top_level_tensor_and_requires_grad(tmp_path):
    w = chainrule.randn(3, 2, requires_grad=True)
    chainrule.save(w, tmp_path / "w")
    back = chainrule.load(tmp_path / "w")
    assert isinstance(back, chainrule.Tensor) and back.requires_grad and back.is_leaf
    np.testing.assert_array_equal(back._data, w._data)
    # A non-contiguous view is stored as its values.
    chainrule.save({"t": w.t()}, tmp_path / "t")
    np.testing.assert_array_equal(chainrule.load(tmp_path / "t")["t"]._data, w._data.T)


def test_shared_tensor_stays_shared(tmp_path):
    w = chainrule.randn(3)
    chainrule.save({"a": w, "b": [w]}, tmp_path / "s")
    back = chainrule.load(tmp_path / "s")
    assert back["a"] is back["b"][0]


def test_file_is_plain_safetensors_with_path_names(tmp_path):
    obj = _nested()
    p = tmp_path / "ckpt.safetensors"
    chainrule.save(obj, p)
    arrays = safetensors.numpy.load_file(str(p))
    np.testing.assert_array_equal(arrays["model.fc1.weight"], obj["model"]["fc1.weight"]._data)
    np.testing.assert_array_equal(arrays["optimizer.state.0.exp_avg"], 1.0)
    # A safetensors file written by someone else loads as a flat {name: Tensor} dict.
    safetensors.numpy.save_file({"x": np.ones((2, 2), np.float32), "y": np.arange(3)},
                                str(tmp_path / "plain.safetensors"))
    plain = chainrule.load(tmp_path / "plain.safetensors")
    assert sorted(plain) == ["x", "y"] and isinstance(plain["x"], chainrule.Tensor)
    assert plain["y"].dtype == chainrule.int64


def test_unsupported_objects_rejected_with_path(tmp_path):
    class Thing:
        def state_dict(self):
            return {}

    with pytest.raises(TypeError, match=r"'a'/0.*state_dict"):
        chainrule.save({"a": [Thing()]}, tmp_path / "x")
    with pytest.raises(TypeError, match="dict key"):
        chainrule.save({(1, 2): 3}, tmp_path / "x")
    with pytest.raises(TypeError, match="dtype"):
        chainrule.save({"o": np.array([object()])}, tmp_path / "x")
    with pytest.raises(TypeError):
        chainrule.save({"s": {1, 2}}, tmp_path / "x")
    assert not (tmp_path / "x").exists()
    assert os.listdir(tmp_path) == []


# --- refusal of pickles and other non-safetensors files -------------------------------------

class _Evil:
    """Unpickling this would run os.system: the loader must never get that far."""

    def __reduce__(self):
        return (os.system, ("touch PWNED",))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_refused_without_unpickling(tmp_path, monkeypatch, protocol):
    p = tmp_path / "evil.pkl"
    p.write_bytes(pickle.dumps({"w": _Evil()}, protocol=protocol))
    monkeypatch.chdir(tmp_path)

    def boom(*a, **k):
        raise AssertionError("chainrule.load called into pickle")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "Unpickler", boom)
    with pytest.raises(CheckpointFormatError, match="pickle") as e:
        chainrule.load(p)
    assert str(p) in str(e.value) and "never unpickles" in str(e.value)
    assert not (tmp_path / "PWNED").exists()


def test_protocol0_pickle_and_other_junk_refused(tmp_path):
    for name, data in {"p0.pkl": pickle.dumps([1, 2], protocol=0),
                       "text.txt": b"hello world, not a checkpoint",
                       "empty.bin": b"",
                       "npy.npy": b"\x93NUMPY\x01\x00" + b" " * 100}.items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(CheckpointFormatError) as e:
            chainrule.load(p)
        assert str(p) in str(e.value)


def test_torch_zip_checkpoint_refused(tmp_path):
    p = tmp_path / "model.pt"
    with zipfile.ZipFile(p, "w") as z:  # the layout of torch.save's files
        z.writestr("archive/data.pkl", pickle.dumps({"w": 1}))
        z.writestr("archive/version", "3\n")
    with pytest.raises(CheckpointFormatError, match="torch.save"):
        chainrule.load(p)


def test_real_torch_save_refused(tmp_path):
    torch = pytest.importorskip("torch")
    p = tmp_path / "real.pt"
    torch.save({"w": torch.ones(2)}, p)
    with pytest.raises(CheckpointFormatError, match="zip"):
        chainrule.load(p)
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointFormatError, match="pickle"):
        chainrule.load(tmp_path / "legacy.pt")


def test_damaged_safetensors_refused(tmp_path):
    p = tmp_path / "c.safetensors"
    chainrule.save(_nested(), p)
    data = p.read_bytes()
    # Cut off the tensor data: safetensors' offsets no longer fit.
    (tmp_path / "cut").write_bytes(data[:-10])
    with pytest.raises(CheckpointFormatError, match="cut"):
        chainrule.load(tmp_path / "cut")
    # Header length pointing past the end of the file.
    (tmp_path / "len").write_bytes((10 ** 9).to_bytes(8, "little") + data[8:])
    with pytest.raises(CheckpointFormatError, match="not a safetensors"):
        chainrule.load(tmp_path / "len")
    # Valid safetensors, but the structure refers to a tensor that is not there.
    meta = {"format": "chainrule", "chainrule.structure": json.dumps(
        {"version": 1, "root": {"__t": "tensor", "k": "missing"}})}
    (tmp_path / "ref").write_bytes(safetensors.numpy.save({"x": np.zeros(1)}, metadata=meta))
    with pytest.raises(CheckpointFormatError, match="missing"):
        chainrule.load(tmp_path / "ref")
    meta["chainrule.structure"] = json.dumps({"version": 1, "root": {"__t": "exec", "k": 1}})
    (tmp_path / "tag").write_bytes(safetensors.numpy.save({"x": np.zeros(1)}, metadata=meta))
    with pytest.raises(CheckpointFormatError, match="unknown node"):
        chainrule.load(tmp_path / "tag")
    with pytest.raises(FileNotFoundError, match="nope"):
        chainrule.load(tmp_path / "nope")


# --- atomic writes --------------------------------------------------------------------------

def _crashing_writer(fraction, exc=OSError("disk on fire")):
    def write(f, data):
        f.write(data[: int(len(data) * fraction)])
        f.flush()
        raise exc
    return write


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()],
                         ids=["OSError", "KeyboardInterrupt"])
def test_crash_mid_save_keeps_previous_checkpoint(tmp_path, monkeypatch, exc):
    p = tmp_path / "ckpt.safetensors"
    old = {"epoch": 1, "w": chainrule.ones(1000)}
    chainrule.save(old, p)
    before = p.read_bytes()
    monkeypatch.setattr(serialization, "_write_all", _crashing_writer(0.5, exc))
    with pytest.raises(type(exc)):
        chainrule.save({"epoch": 2, "w": chainrule.zeros(1000)}, p)
    assert p.read_bytes() == before
    _assert_same(old, chainrule.load(p))
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temp files left
    # A crash during the first save leaves no file at all.
    with pytest.raises(type(exc)):
        chainrule.save(old, tmp_path / "new.safetensors")
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_crash_at_fsync_or_rename_keeps_previous(tmp_path, monkeypatch):
    p = tmp_path / "ckpt"
    chainrule.save({"v": 1}, p)
    for target in ("fsync", "replace"):
        with monkeypatch.context() as m:
            def fail(*a, **k):
                raise OSError(f"{target} failed")
            m.setattr(serialization.os, target, fail)
            with pytest.raises(OSError, match=target):
                chainrule.save({"v": 2}, p)
        assert chainrule.load(p) == {"v": 1}
        assert os.listdir(tmp_path) == ["ckpt"]


def test_save_fsyncs_file_and_folder_then_replaces(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(serialization.os, "fsync",
                        lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(serialization.os, "replace",
                        lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    chainrule.save({"a": 1}, tmp_path / "x")
    assert events == ["fsync", "replace", "fsync"] if os.name == "posix" else \
        events[:2] == ["fsync", "replace"]


def test_overwrite_keeps_permissions_and_missing_folder_error(tmp_path):
    p = tmp_path / "x"
    chainrule.save({"a": 1}, p)
    os.chmod(p, 0o640)
    chainrule.save({"a": 2}, p)
    assert (os.stat(p).st_mode & 0o777) == 0o640 and chainrule.load(p) == {"a": 2}
    with pytest.raises(FileNotFoundError, match="does not exist"):
        chainrule.save({"a": 1}, tmp_path / "no" / "such" / "x")


# --- model and optimizer state dicts, end to end -------------------------------------------

def _mlp(n_in=6, hidden=8, n_out=3):
    nn = chainrule.nn
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))


def _steps(model, opt, k, seed):
    g = chainrule.Generator().manual_seed(seed)
    for _ in range(k):
        x = chainrule.randn(16, 6, generator=g)
        y = chainrule.randint(0, 3, (16,), generator=g)
        opt.zero_grad()
        chainrule.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


@pytest.mark.parametrize("make_opt", [
    lambda p: chainrule.optim.Adam(p, lr=1e-2, amsgrad=True),
    lambda p: chainrule.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
], ids=["Adam", "SGD"])
def test_model_and_optimizer_checkpoint_continues_identically(tmp_path, make_opt):
    chainrule.manual_seed(0)
    model = _mlp()
    opt = make_opt(model.parameters())
    _steps(model, opt, 5, seed=1)
    chainrule.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 5},
                   tmp_path / "ckpt.safetensors")
    _steps(model, opt, 5, seed=2)  # the reference continuation

    chainrule.manual_seed(99)  # a fresh model with other weights
    model2 = _mlp()
    opt2 = make_opt(model2.parameters())
    ck = chainrule.load(tmp_path / "ckpt.safetensors")
    assert ck["step"] == 5 and isinstance(next(iter(ck["optimizer"]["state"])), int)
    model2.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["optimizer"])
    _steps(model2, opt2, 5, seed=2)
    for (k, a), (_, b) in zip(model.state_dict().items(), model2.state_dict().items()):
        np.testing.assert_array_equal(a._data, b._data, err_msg=k)


def test_loading_into_other_shapes_lists_mismatches(tmp_path):
    chainrule.save(_mlp(6, 8, 3).state_dict(), tmp_path / "m.safetensors")
    other = _mlp(5, 8, 4)  # first layer's input and last layer's output differ
    with pytest.raises(RuntimeError) as e:
        other.load_state_dict(chainrule.load(tmp_path / "m.safetensors"))
    msg = str(e.value)
    for key, saved, now in (("0.weight", (8, 6), (8, 5)), ("2.weight", (3, 8), (4, 8)),
                            ("2.bias", (3,), (4,))):
        assert key in msg, msg
        for shape in (saved, now):
            assert str(list(shape)) in msg or str(tuple(shape)) in msg, (shape, msg)
    assert "0.bias" not in msg  # that one matches
    # The model was not half-loaded with wrong shapes.
    assert other[0].weight.shape == (8, 5)


def test_model_checkpoint_readable_by_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file
    model = _mlp()
    chainrule.save(model.state_dict(), tmp_path / "m.safetensors")
    sd = load_file(str(tmp_path / "m.safetensors"))
    tm = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    tm.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(tm(torch.from_numpy(x)).detach().numpy(),
                               model(chainrule.tensor(x))._data, rtol=1e-5, atol=1e-6)


def test_header_length_that_looks_like_a_pickle_magic_loads(tmp_path):
    """A safetensors header of 0x0480 bytes makes the file start with 80 04, a pickle's
    protocol-4 magic: such a checkpoint must load, not be refused as a pickle."""
    import chainrule
    path = tmp_path / "ckpt.safetensors"
    weights = {"w": chainrule.ones(3)}
    for pad in range(0, 2000):
        obj = {"state": weights, "note": "x" * pad}
        chainrule.save(obj, path)
        head = path.read_bytes()[:2]
        if head[0] == 0x80 and 2 <= head[1] <= 5:
            break
    else:
        raise AssertionError("no padding produced a pickle-like header length")
    back = chainrule.load(path)
    assert back["note"] == "x" * pad
    assert back["state"]["w"].tolist() == [1.0, 1.0, 1.0]
