"""PyTorch .pt interchange (issue 11, item 6): chainrule.save to .pt is read by real
torch.load(weights_only=True); chainrule.load reads torch.save files through a restricted
pickle machine; hostile pickles are refused and nothing in them is imported or run."""
import io
import os
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import chainrule
from chainrule.serialization import CheckpointFormatError
from chainrule.torch_checkpoint import dumps


def _mlp(nn):
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))


def _mixed():
    g = chainrule.Generator().manual_seed(1)
    w = chainrule.randn(3, 2, generator=g)
    return OrderedDict(
        w=w, tied=w, f64=chainrule.arange(4, dtype=chainrule.float64),
        f16=chainrule.ones(2, dtype=chainrule.float16), i64=chainrule.tensor([1, -2 ** 40]),
        i32=chainrule.tensor([7], dtype=chainrule.int32), b=chainrule.tensor([True, False]),
        u8=chainrule.tensor([255], dtype=chainrule.uint8), scalar=chainrule.tensor(2.5),
        empty=chainrule.zeros(0, 3), grad=chainrule.ones(2, requires_grad=True),
        meta={"epoch": 3, "lr": 1e-3, "betas": (0.9, 0.999), "none": None, "ok": True,
              "big": 2 ** 70, "neg": -5, "name": "héllo", 0: [1.5, float("inf")]})


def _same(a, b, path="root"):
    if isinstance(a, chainrule.Tensor):
        assert isinstance(b, chainrule.Tensor), path
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert a.requires_grad == b.requires_grad, path
        np.testing.assert_array_equal(a._data, b._data, err_msg=path)
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            _same(a[k], b[k], f"{path}/{k!r}")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b)):
            _same(u, v, f"{path}/{i}")
    else:
        assert a == b and type(a) is type(b), path


def test_roundtrip_through_pt_and_pth(tmp_path):
    for name in ("m.pt", "m.pth", "M.PT"):
        chainrule.save(_mixed(), tmp_path / name)
        assert zipfile.is_zipfile(tmp_path / name)
        back = chainrule.load(tmp_path / name)
        _same(_mixed(), back)
        assert type(back) is OrderedDict
    # Any other name writes safetensors.
    chainrule.save(_mixed(), tmp_path / "m.ckpt")
    assert not zipfile.is_zipfile(tmp_path / "m.ckpt")


def test_pt_refuses_numpy_arrays_and_objects(tmp_path):
    with pytest.raises(TypeError, match="NumPy array.*from_numpy"):
        chainrule.save({"a": np.zeros(2)}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match=r"'a'/0.*state_dict"):
        chainrule.save({"a": [chainrule.nn.Linear(1, 1)]}, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_real_torch_loads_chainrule_pt(tmp_path):
    torch = pytest.importorskip("torch")
    model = _mlp(chainrule.nn)
    chainrule.save(model.state_dict(), tmp_path / "model.pt")
    sd = torch.load(tmp_path / "model.pt")  # weights_only=True is the default
    tm = _mlp(torch.nn)
    tm.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(tm(torch.from_numpy(x)).detach().numpy(),
                               model(chainrule.tensor(x))._data, rtol=1e-5, atol=1e-6)
    # Every dtype, nesting, sharing and requires_grad survive.
    chainrule.save(_mixed(), tmp_path / "mixed.pt")
    got = torch.load(tmp_path / "mixed.pt", weights_only=True)
    want = _mixed()
    for k in ("w", "f64", "f16", "i64", "i32", "b", "u8", "scalar", "empty", "grad"):
        assert str(got[k].dtype).split(".")[1] == want[k].dtype.name, k
        np.testing.assert_array_equal(got[k].detach().numpy(), want[k]._data, err_msg=k)
    assert got["grad"].requires_grad and not got["w"].requires_grad
    assert got["w"].untyped_storage().data_ptr() == got["tied"].untyped_storage().data_ptr()
    assert got["meta"] == {**want["meta"]}
    torch.load(tmp_path / "mixed.pt", mmap=True)  # storages are aligned for mmap


def test_chainrule_loads_real_torch_files(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = _mlp(torch.nn)
    opt = torch.optim.Adam(tm.parameters(), lr=1e-2)
    tm(torch.randn(5, 6)).sum().backward()
    opt.step()
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"model": tm.state_dict(), "optimizer": opt.state_dict(), "epoch": 1,
                "view": base[1:, 1:3], "t": base.t(), "param": torch.nn.Parameter(torch.ones(2)),
                "bf16": torch.tensor([1.5, -2.0], dtype=torch.bfloat16), "dtype": torch.float64,
                "size": torch.Size([2, 3]), "bytes": b"\x00\xff"}, tmp_path / "t.pth")
    with pytest.warns(UserWarning, match="bfloat16"):
        ck = chainrule.load(tmp_path / "t.pth")
    model = _mlp(chainrule.nn)
    model.load_state_dict(ck["model"])
    x = torch.randn(4, 6)
    np.testing.assert_allclose(model(chainrule.tensor(x.numpy()))._data,
                               tm(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    copt = chainrule.optim.Adam(model.parameters(), lr=1e-2)
    copt.load_state_dict(ck["optimizer"])
    np.testing.assert_array_equal(ck["view"]._data, base[1:, 1:3].numpy())
    np.testing.assert_array_equal(ck["t"]._data, base.t().numpy())
    assert ck["param"].requires_grad and ck["epoch"] == 1
    assert ck["bf16"].dtype == chainrule.float32 and ck["bf16"].tolist() == [1.5, -2.0]
    assert ck["dtype"] == chainrule.float64 and ck["size"] == (2, 3)
    assert ck["bytes"] == b"\x00\xff"


# --- hostile files ----------------------------------------------------------------------------

def _zip(pkl, extra=None, compress=zipfile.ZIP_STORED, prefix="archive"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compress) as z:
        z.writestr(f"{prefix}/data.pkl", pkl)
        z.writestr(f"{prefix}/version", "3\n")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


class _Reduce:
    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def _u(text):
    """BINUNICODE: the string opcode torch's pickles use."""
    b = text.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _storage_pid(key="0", numel=2, stype=b"FloatStorage"):
    return (b"(X\x07\x00\x00\x00storagectorch\n" + stype + b"\nX" + struct.pack("<I", len(key))
            + key.encode() + b"X\x03\x00\x00\x00cpu" + b"J" + struct.pack("<i", numel) + b"tQ")


def _tensor_pkl(size, stride, offset=0, numel=2, key="0"):
    def tup(vals):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in vals) + b"t"
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" + _storage_pid(key, numel)
            + b"J" + struct.pack("<i", offset) + tup(size) + tup(stride)
            + b"\x89ccollections\nOrderedDict\n)RtR.")


def _hostile(canary):
    cmd = f"touch {canary}"
    storage = {"archive/data/0": np.zeros(2, np.float32).tobytes()}
    return {
        "os.system": _zip(pickle.dumps(_Reduce(os.system, (cmd,)), protocol=2)),
        "eval": _zip(pickle.dumps(_Reduce(eval, (f"open({str(canary)!r}, 'w')",)), protocol=2)),
        "exec protocol 4": _zip(pickle.dumps(
            _Reduce(exec, (f"open({str(canary)!r}, 'w')",)), protocol=4)),
        "getattr chain": _zip(b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntRVsystem\ntR(V"
                              + cmd.encode() + b"\ntR."),
        "STACK_GLOBAL": _zip(b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c" + bytes([len(cmd)])
                             + cmd.encode() + b"\x85R."),
        "nested REDUCE in OrderedDict args": _zip(
            b"\x80\x02ccollections\nOrderedDict\n(]((" + _u("a") + b"cposix\nsystem\n("
            + _u(cmd) + b"tRtatR."),
        "REDUCE on an allowed non-callable": _zip(b"\x80\x02ctorch\nfloat32\n(" + _u(cmd)
                                                  + b"tR."),
        "rebuild with a rebuilt storage": _zip(
            b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(ctorch._utils\n_rebuild_tensor_v2\n"
            b")RK\x00)).ccollections\nOrderedDict\n)RtR.", storage),
        "BUILD on a tensor": _zip(_tensor_pkl((2,), (1,))[:-1] + b"}(" + _u("_data") + _u("x")
                                  + b"ub.", storage),
        "BUILD on a list": _zip(b"\x80\x02](K\x01e}(" + _u("__class__") + b"K\x00ub."),
        "BUILD OrderedDict with __class__": _zip(
            b"\x80\x02ccollections\nOrderedDict\n)R}(" + _u("__class__") + b"K\x00ub."),
        "BUILD with setstate tuple": _zip(
            b"\x80\x02ccollections\nOrderedDict\n)R(N}t\x85b."),
        "APPEND to a dict": _zip(b"\x80\x02}K\x01a."),
        "INST opcode": _zip(b"(iposix\nsystem\n(V" + cmd.encode() + b"\ntR."),
        "OBJ opcode": _zip(b"(cposix\nsystem\nV" + cmd.encode() + b"\no."),
        "NEWOBJ": _zip(b"\x80\x02ccollections\nOrderedDict\n)\x81."),
        "EXT1": _zip(b"\x80\x02\x82\x01."),
        "text PERSID": _zip(b"P0\n."),
        "unknown module": _zip(b"\x80\x02cchainrule_evil_module_xyz\nboom\n)R."),
        "huge storage numel": _zip(_tensor_pkl((10 ** 9,), (1,), numel=10 ** 9), storage),
        "size beyond storage": _zip(_tensor_pkl((2, 10 ** 6), (10 ** 6, 1)), storage),
        "offset beyond storage": _zip(_tensor_pkl((2,), (1,), offset=5), storage),
        "overlapping view (stride 0)": _zip(_tensor_pkl((10 ** 8,), (0,)), storage),
        "negative stride": _zip(_tensor_pkl((2,), (-1,), offset=1), storage),
        "huge BINUNICODE": _zip(b"\x80\x02X\xff\xff\xff\xff."),
        "huge LONG4": _zip(b"\x80\x02\x8b\xff\xff\xff\x7f."),
        "storage key path": _zip(_tensor_pkl((2,), (1,), key="../../etc/passwd"), storage),
        "missing storage": _zip(_tensor_pkl((2,), (1,), key="7"), storage),
        "deflated entries (zip bomb)": _zip(b"\x80\x02" + b"(" * 10 + b"." + b"\x00" * 10 ** 6,
                                            compress=zipfile.ZIP_DEFLATED),
        "traversal archive name": _zip(b"\x80\x02N.", prefix="../.."),
        "two data.pkl": _zip(b"\x80\x02N.", {"other/data.pkl": b"\x80\x02N."}),
        "truncated zip": _zip(b"\x80\x02N.")[:-30],
        "GET of unset memo": _zip(b"\x80\x02h\x05."),
        "unbalanced MARK": _zip(b"\x80\x02(."),
        "pop across MARK": _zip(b"\x80\x02K\x01(\x85."),
    }


@pytest.fixture
def no_pickle(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("chainrule.load called into pickle")
    for name in ("loads", "load", "Unpickler", "_loads", "_load", "_Unpickler"):
        if hasattr(pickle, name):
            monkeypatch.setattr(pickle, name, boom)


@pytest.mark.parametrize("case", list(_hostile("CANARY")))
def test_hostile_pickles_refused_and_nothing_runs(tmp_path, monkeypatch, no_pickle, case):
    canary = tmp_path / "canary"
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "evil.pt"
    p.write_bytes(_hostile(canary)[case])
    with pytest.raises(CheckpointFormatError) as e:
        chainrule.load(p)
    msg = str(e.value)
    assert str(p) in msg, msg
    assert "refused" in msg or "damaged" in msg or "truncated" in msg or "not a torch" in msg
    assert not canary.exists()
    assert "chainrule_evil_module_xyz" not in sys.modules


def test_hostile_messages_say_what_was_refused(tmp_path):
    h = _hostile(tmp_path / "canary")
    for case, pattern in (("os.system", "global posix.system"), ("eval", r"global __builtin__\.eval"),
                          ("getattr chain", r"global builtins\.getattr"),
                          ("huge storage numel", "declares 1000000000 elements"),
                          ("size beyond storage", "reaches element"),
                          ("overlapping view (stride 0)", "overlapping view"),
                          ("deflated entries (zip bomb)", "compressed"),
                          ("BUILD on a tensor", "BUILD"), ("INST opcode", "INST"),
                          ("storage key path", "storage key")):
        (tmp_path / "x.pt").write_bytes(h[case])
        with pytest.raises(CheckpointFormatError, match=pattern):
            chainrule.load(tmp_path / "x.pt")


def test_corrupt_pt_storage_detected_by_crc(tmp_path):
    chainrule.save({"w": chainrule.ones(1000)}, tmp_path / "m.pt")
    data = bytearray((tmp_path / "m.pt").read_bytes())
    i = data.index(np.ones(1000, np.float32).tobytes())
    data[i + 1000] ^= 0xFF
    (tmp_path / "bad.pt").write_bytes(data)
    with pytest.raises(CheckpointFormatError, match=r"storage 0 .* is corrupt.*CRC"):
        chainrule.load(tmp_path / "bad.pt")


def test_dumps_is_plain_zip_of_stored_entries():
    names = [i.filename for i in zipfile.ZipFile(io.BytesIO(dumps({"w": chainrule.ones(2)})))
             .infolist()]
    assert names[0] == "archive/data.pkl" and "archive/data/0" in names
    assert "archive/byteorder" in names and "archive/version" in names
