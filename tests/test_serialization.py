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


def test_torch_zip_layout_loads_and_legacy_pickle_refused(tmp_path):
    """A zip in torch.save's layout is read by the restricted reader (tests in
    test_torch_checkpoint.py); a bare pickle (pre-1.6 torch.save) is still refused."""
    p = tmp_path / "model.pt"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"w": 1}, protocol=2))
        z.writestr("archive/version", "3\n")
    assert chainrule.load(p) == {"w": 1}
    torch = pytest.importorskip("torch")
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
    with pytest.raises(CheckpointFormatError, match="truncated: header says"):
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


# --- integrity: checksums, truncation, bfloat16, orphaned temp files (issue 11, item 5) ----

def _data_start(data):
    return 8 + int.from_bytes(data[:8], "little")


def test_flipped_bytes_are_detected_and_the_tensor_named(tmp_path):
    model = _mlp(64, 128, 10)
    p = tmp_path / "m.safetensors"
    chainrule.save(model.state_dict(), p)
    data = bytearray(p.read_bytes())
    start = _data_start(data)
    rng = np.random.default_rng(0)
    bad = bytearray(data)
    for i in rng.choice(np.arange(start, len(data)), size=2000, replace=False):
        bad[i] ^= 0xFF
    (tmp_path / "bad").write_bytes(bad)
    with pytest.raises(CheckpointFormatError, match=r"tensor '.*' is corrupt \(CRC-32"):
        chainrule.load(tmp_path / "bad")
    # One flipped bit in one tensor: the error names exactly that tensor.
    header = json.loads(bytes(data[8:start]))
    b, _ = header["2.bias"]["data_offsets"]
    one = bytearray(data)
    one[start + b] ^= 0x01
    (tmp_path / "one").write_bytes(one)
    with pytest.raises(CheckpointFormatError, match=r"tensor '2\.bias' is corrupt"):
        chainrule.load(tmp_path / "one")
    # A changed shape digit in the header that still fits the offsets: caught too.
    text = bytes(data[8:start])
    meta = json.loads(text)
    w = meta["0.weight"]
    assert w["shape"] == [128, 64]
    swapped = text.replace(b'"shape":[128,64]', b'"shape":[64,128]')
    assert swapped != text
    (tmp_path / "shape").write_bytes(bytes(data[:8]) + swapped + bytes(data[start:]))
    with pytest.raises(CheckpointFormatError, match=r"tensor '0\.weight' is corrupt"):
        chainrule.load(tmp_path / "shape")
    # The structure metadata is covered by its own checksum.
    obj = {"epoch": 12345, "w": chainrule.ones(2)}
    chainrule.save(obj, p)
    raw = p.read_bytes()
    assert raw.count(b"12345") == 1
    (tmp_path / "struct").write_bytes(raw.replace(b"12345", b"12346"))
    with pytest.raises(CheckpointFormatError, match="structure metadata is corrupt"):
        chainrule.load(tmp_path / "struct")
    # Files without checksums (other safetensors writers) still load.
    safetensors.numpy.save_file({"x": np.ones(3, np.float32)}, str(tmp_path / "plain"))
    assert chainrule.load(tmp_path / "plain")["x"].tolist() == [1.0, 1.0, 1.0]


def test_truncated_file_says_how_many_bytes(tmp_path):
    p = tmp_path / "m.safetensors"
    chainrule.save(_mlp().state_dict(), p)
    data = p.read_bytes()
    start = _data_start(data)
    for cut in (len(data) - 1, start + 5, start, start - 20, 20):
        (tmp_path / "cut").write_bytes(data[:cut])
        with pytest.raises(CheckpointFormatError) as e:
            chainrule.load(tmp_path / "cut")
        want = len(data) if cut >= start else start
        assert f"truncated: header says {want} bytes" in str(e.value), str(e.value)
        assert f"file has {cut}" in str(e.value), str(e.value)


def _bf16_file(path, values):
    """A safetensors file with one BF16 tensor, as other writers (PyTorch) make them."""
    f32 = np.asarray(values, np.float32)
    bits = (f32.view(np.uint32) >> 16).astype("<u2")
    header = {"w": {"dtype": "BF16", "shape": list(f32.shape),
                    "data_offsets": [0, bits.nbytes]}}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + bits.tobytes())


def test_bfloat16_tensors_load_as_float32(tmp_path):
    values = [[1.0, -2.5, 0.15625], [2.0 ** 100, -0.0, 7.0]]  # exact in bfloat16
    _bf16_file(tmp_path / "b.safetensors", values)
    with pytest.warns(UserWarning, match="bfloat16.*float32"):
        back = chainrule.load(tmp_path / "b.safetensors")
    assert back["w"].dtype == chainrule.float32
    np.testing.assert_array_equal(back["w"]._data, np.asarray(values, np.float32))
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file
    t = torch.randn(4, 3).to(torch.bfloat16)
    save_file({"t": t}, str(tmp_path / "real.safetensors"))
    with pytest.warns(UserWarning, match="bfloat16"):
        got = chainrule.load(tmp_path / "real.safetensors")["t"]
    np.testing.assert_array_equal(got._data, t.float().numpy())


_KILL_MID_SAVE = """
import os, signal, sys
import chainrule
from chainrule import serialization
def die(f, data):
    f.write(data[: len(data) // 2]); f.flush()
    os.kill(os.getpid(), signal.SIGKILL)
serialization._write_all = die
chainrule.save({"w": chainrule.zeros(100000)}, sys.argv[1])
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and pid probing are POSIX")
def test_sigkilled_save_leaves_no_orphan_after_next_save(tmp_path):
    import signal
    import subprocess
    import sys
    p = tmp_path / "ckpt.safetensors"
    chainrule.save({"w": chainrule.ones(3)}, p)
    src = os.path.join(os.path.dirname(chainrule.__file__), os.pardir)
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src), OPENBLAS_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-c", _KILL_MID_SAVE, str(p)], env=env)
    assert r.returncode == -signal.SIGKILL
    orphans = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(orphans) == 1  # the killed save could not clean up
    assert chainrule.load(p)["w"].tolist() == [1.0, 1.0, 1.0]  # the old checkpoint is intact
    # A temp file of a live process (a save in progress elsewhere) must survive.
    live = tmp_path / f".ckpt.safetensors.{os.getppid()}.abc.tmp"
    live.write_bytes(b"in progress")
    chainrule.save({"w": chainrule.ones(4)}, p)
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.safetensors", live.name])
    assert chainrule.load(p)["w"].tolist() == [1.0] * 4
