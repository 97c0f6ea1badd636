"""Checkpoints without pickle: ``chainrule.save`` / ``chainrule.load``.

The file name decides the format on save: a path ending in ``.pt`` or ``.pth`` gets
PyTorch's ``torch.save`` zip format (readable by real ``torch.load``, whose default
``weights_only=True`` accepts it); any other path, and any file object, gets safetensors.
``load`` recognises the format from the bytes, not the name.

safetensors: every tensor (and NumPy array) in the saved object is a named safetensors
tensor, named by its path in the object (``"fc1.weight"``, ``"optimizer.state.0.exp_avg"``),
so other safetensors readers see ordinary weights. The rest of the object (nested dicts,
lists, tuples, ints, floats, strings, bools, None) is stored as JSON in the file's text
metadata, under ``"chainrule.structure"``. The metadata also holds a CRC-32 per tensor (of
its dtype, shape and bytes) and of the structure, under ``"chainrule.crc32"``; ``load``
verifies them and names the damaged tensor. bfloat16 tensors (from other writers) load as
float32 (exact), with a warning.

torch zip (``.pt``/``.pth``): see ``chainrule.torch_checkpoint``. Its pickle is read by a
restricted pickle machine of chainrule's own that rebuilds only tensors, storages,
OrderedDicts, lists, tuples, numbers and strings; it never imports or calls anything named
in the file. Each zip entry carries a CRC-32, which is verified on load.

Why not pickle: unpickling an untrusted file can run arbitrary code (PyTorch issue #52596).
Nothing in this module or in ``torch_checkpoint`` calls ``pickle``. A bare pickle file (the
pre-1.6 ``torch.save`` format, ``pickle.dump``) is refused with ``CheckpointFormatError``.

Writes are atomic: the bytes go to a temporary file in the destination folder
(``.<name>.<pid>.<random>.tmp``), which is flushed, fsync'ed and renamed over the
destination (``os.replace``), then the folder is fsync'ed. A crash or exception in the
middle of a save leaves the previous checkpoint intact; temporary files left by a process
that was killed (SIGKILL) are removed by the next save to the same path.
"""
import json
import os
import tempfile
import warnings
import zlib

import numpy as np
import safetensors.numpy

from .tensor import Tensor
from . import torch_checkpoint
from .torch_checkpoint import CheckpointFormatError

FORMAT_KEY = "chainrule.structure"
CHECKSUM_KEY = "chainrule.crc32"
TORCH_SUFFIXES = (".pt", ".pth")
_VERSION = 1
# Bytes at the start of files we refuse, for a helpful message (the refusal itself does
# not depend on recognising them: anything that is not a valid safetensors file is refused).
_PICKLE_HINT = ("chainrule.load never unpickles (an untrusted pickle can run arbitrary "
                "code). Re-save it in a current format: in PyTorch, torch.save(state_dict, "
                "'m.pt') (the zip format, which chainrule.load reads without unpickling) or "
                "safetensors.torch.save_file(state_dict, path).")


# --- save -------------------------------------------------------------------------------

def _key_ok(k):
    return k is None or isinstance(k, (str, bool, int, float))


class _Encoder:
    """Turns a nested object into (JSON-able structure, {name: ndarray})."""

    def __init__(self):
        self.arrays = {}
        self.seen = {}  # id(Tensor) -> name: a tensor saved twice is stored once, shared

    def _name(self, path):
        base = ".".join(str(p) for p in path) or "tensor"
        name, i = base, 1
        while name in self.arrays or name == "__metadata__":
            i += 1
            name = f"{base}#{i}"
        return name

    def _array(self, arr, path, what):
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise TypeError(f"chainrule.save: {what} at {_fmt(path)} has dtype {arr.dtype}; "
                            "only bool, integer and floating arrays can be stored")
        name = self._name(path)
        # Little-endian and C order, as safetensors stores them. (np.ascontiguousarray
        # would turn a 0-d array into shape (1,).)
        self.arrays[name] = arr.astype(arr.dtype.newbyteorder("<"), order="C", copy=False)
        return name

    def encode(self, obj, path):
        if isinstance(obj, Tensor):
            if id(obj) in self.seen:
                name = self.seen[id(obj)]
            else:
                name = self._array(obj._data, path, "tensor")
                self.seen[id(obj)] = name
            node = {"__t": "tensor", "k": name}
            if obj.requires_grad:
                node["rg"] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"__t": "ndarray", "k": self._array(obj, path, "array")}
        if isinstance(obj, np.generic):
            return {"__t": "npscalar", "k": self._array(np.asarray(obj), path, "scalar")}
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            # JSON has no NaN/inf; Python's json writes NaN/Infinity, which it reads back,
            # but store them tagged so the text stays standard JSON.
            return obj if np.isfinite(obj) else {"__t": "float", "v": repr(obj)}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not _key_ok(k):
                    raise TypeError(f"chainrule.save: dict key {k!r} of type "
                                    f"{type(k).__name__} at {_fmt(path)}; keys must be str, "
                                    "int, float, bool or None")
                if isinstance(k, float) and not np.isfinite(k):
                    raise TypeError(f"chainrule.save: non-finite dict key {k!r} at {_fmt(path)}")
                items.append([k, self.encode(v, path + (k,))])
            return {"__t": "dict", "items": items}
        if isinstance(obj, (list, tuple)):
            tag = "list" if isinstance(obj, list) else "tuple"
            return {"__t": tag, "items": [self.encode(v, path + (i,))
                                          for i, v in enumerate(obj)]}
        hint = ("; save its state_dict() instead" if hasattr(obj, "state_dict") else "")
        raise TypeError(f"chainrule.save: cannot store an object of type "
                        f"{type(obj).__module__}.{type(obj).__qualname__} at {_fmt(path)}"
                        f"{hint}. Storable: tensors, NumPy arrays, and dicts / lists / tuples "
                        "of them and of int, float, str, bool, None")


def _fmt(path):
    return "the top level" if not path else "key path " + "/".join(repr(p) for p in path)


# safetensors dtype codes
_ST_CODE = {np.dtype(np.bool_): "BOOL", np.dtype(np.uint8): "U8", np.dtype(np.int8): "I8",
            np.dtype(np.int16): "I16", np.dtype(np.uint16): "U16", np.dtype(np.int32): "I32",
            np.dtype(np.uint32): "U32", np.dtype(np.int64): "I64", np.dtype(np.uint64): "U64",
            np.dtype(np.float16): "F16", np.dtype(np.float32): "F32",
            np.dtype(np.float64): "F64"}
_ST_DTYPE = {v: k for k, v in _ST_CODE.items()}
_ST_DTYPE["BF16"] = "bfloat16"


def _crc(code, shape, raw):
    """CRC-32 of a tensor's dtype code, shape and bytes (so a flipped dtype or shape digit in
    the header is caught as well as a flipped data byte)."""
    return zlib.crc32(raw, zlib.crc32(f"{code}{list(shape)}".encode()))


def _serialize(obj):
    enc = _Encoder()
    structure = enc.encode(obj, ())
    text = json.dumps({"version": _VERSION, "root": structure}, allow_nan=False,
                      separators=(",", ":"))
    sums = {"structure": zlib.crc32(text.encode()),
            "tensors": {k: _crc(_ST_CODE[v.dtype], v.shape, _bytes_of(v))
                        for k, v in enc.arrays.items()}}
    meta = {"format": "chainrule", FORMAT_KEY: text,
            CHECKSUM_KEY: json.dumps(sums, separators=(",", ":"))}
    return safetensors.numpy.save(enc.arrays, metadata=meta)


def _bytes_of(arr):
    """A C-contiguous array's bytes, without a copy."""
    return arr.reshape(-1).view(np.uint8)


def _write_all(f, data):
    """The one place bytes hit the temporary file (tests replace it to simulate a crash)."""
    f.write(data)


def _fsync_dir(folder):
    # Make the rename itself durable. Not possible on Windows (no O_DIRECTORY); skip there.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _new_file_mode(path):
    if os.path.exists(path):
        return os.stat(path).st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or we cannot tell: leave its file alone
    return True


def _remove_orphans(folder, prefix):
    """Remove ``<prefix><pid>.<random>.tmp`` files whose writing process is gone: a save
    killed with SIGKILL cannot clean up after itself. Temp files of live processes (a save
    in progress elsewhere) are left alone. POSIX only (os.kill(pid, 0) probes a pid)."""
    if os.name != "posix":
        return
    for entry in os.listdir(folder):
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid = entry[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            try:
                os.unlink(os.path.join(folder, entry))
            except OSError:
                pass


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` atomically: temp file in the same folder, flush, fsync,
    ``os.replace``, fsync the folder. On any error (or interrupt) the temp file is removed
    and ``path`` keeps its previous content.

    >>> import os, tempfile
    >>> from chainrule.serialization import atomic_write_bytes
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.bin")
    >>> atomic_write_bytes(path, b"first")
    >>> atomic_write_bytes(path, b"second")        # replaces it whole, or not at all
    >>> open(path, "rb").read(), os.listdir(os.path.dirname(path))
    (b'second', ['notes.bin'])
    """
    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"chainrule.save: folder {folder} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"chainrule.save: {path} is a directory")
    mode = _new_file_mode(path)
    prefix = "." + os.path.basename(path) + "."
    _remove_orphans(folder, prefix)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{prefix}{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_all(f, data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


def save(obj, f):
    """Save a tensor or a nested dict/list/tuple of tensors and plain values to ``f``.

    ``f``: a path (written atomically) or a binary file object. The path's extension picks
    the format: ``.pt`` / ``.pth`` write PyTorch's ``torch.save`` zip format (real
    ``torch.load(path)`` reads it with ``weights_only=True``); any other path, and a file
    object, write safetensors. Meant for state dicts of models and optimizers, and training
    checkpoints that bundle them::

        chainrule.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                        "epoch": 3, "losses": [2.3, 0.4, 0.2]}, "ckpt.safetensors")
        chainrule.save(model.state_dict(), "model.pt")   # for PyTorch users

    In a ``.pt`` file NumPy arrays are refused (torch's weights-only loader would refuse
    them too) and NumPy scalars are stored as Python numbers.

    Storable values: ``Tensor``, ``numpy.ndarray`` / NumPy scalars (bool, integer, floating),
    ``dict`` (keys str, int, float, bool or None), ``list``, ``tuple``, ``int``, ``float``,
    ``str``, ``bool``, ``None``. Anything else is a ``TypeError`` naming where it sits.
    A tensor that appears twice is stored once and comes back as one shared tensor.

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> model = nn.Linear(2, 1)
    >>> torch.save({"model": model.state_dict(), "epoch": 3}, os.path.join(d, "ckpt.safetensors"))
    >>> ckpt = torch.load(os.path.join(d, "ckpt.safetensors"))
    >>> ckpt["epoch"], torch.equal(ckpt["model"]["weight"], model.weight)
    (3, True)
    >>> torch.save(model.state_dict(), os.path.join(d, "model.pt"))   # torch.load reads it
    >>> sorted(torch.load(os.path.join(d, "model.pt")))
    ['bias', 'weight']
    """
    torch_format = (not hasattr(f, "write")
                    and os.fspath(f).lower().endswith(TORCH_SUFFIXES))
    if torch_format:
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
        # torch names the archive folder after the file; keep it a plain name.
        archive = "".join(c if c.isalnum() or c in "_-" else "_" for c in stem) or "archive"
        data = torch_checkpoint.dumps(obj, archive)
    else:
        data = _serialize(obj)
    if hasattr(f, "write"):
        f.write(data)
        if hasattr(f, "flush"):
            f.flush()
        return
    atomic_write_bytes(f, data)


# --- load -------------------------------------------------------------------------------

def _describe(path):
    return f"chainrule.load: {path}" if path else "chainrule.load"


def _check_header(data, where):
    """Validate the safetensors framing; return (parsed header, header length). Refuses
    pickles and zips (torch files are routed before this), and says when a file is cut."""
    head = bytes(data[:16])
    n = int.from_bytes(bytes(data[:8]), "little") if len(data) >= 8 else 0
    # A safetensors file starts with its header's length, which can look like a pickle's
    # magic (a 1,152-byte header starts 80 04), so the framing is checked first.
    looks = len(data) >= 10 and n >= 2 and data[8:9] == b"{"
    framed = looks and n <= len(data) - 8
    if not framed:
        if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
            raise CheckpointFormatError(f"{where} is a Python pickle (protocol {head[1]}), "
                                        f"e.g. from pickle.dump or a pre-1.6 torch.save; "
                                        f"refused. {_PICKLE_HINT}")
        if head[:6] == b"\x93NUMPY":
            raise CheckpointFormatError(f"{where} is a NumPy .npy file, not a safetensors "
                                        "checkpoint; read it with numpy.load(allow_pickle=False)")
        if looks:
            raise CheckpointFormatError(f"{where} is truncated: header says {8 + n} bytes "
                                        f"(its JSON header alone), file has {len(data)}")
    bad = (f"{where} is not a safetensors checkpoint (first bytes {head[:8]!r}); "
           "chainrule.load reads files written by chainrule.save, other safetensors "
           "writers, and torch.save zip checkpoints. Bare pickle files are refused.")
    if not framed:
        raise CheckpointFormatError(bad if data else f"{where} is empty (0 bytes)")
    try:
        header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CheckpointFormatError(f"{where}: damaged safetensors header (not valid JSON "
                                    "text); the file is corrupt") from None
    if not isinstance(header, dict):
        raise CheckpointFormatError(bad)
    return header, n


def _read_arrays(data, header, n, where):
    """The tensors of a safetensors file as owned, writable arrays, checked against the
    header (dtype, shape, offsets) and, when the file has them, chainrule's CRC-32s."""
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict):
        raise CheckpointFormatError(f"{where}: damaged safetensors header (__metadata__)")
    sums = None
    if CHECKSUM_KEY in meta:
        try:
            sums = json.loads(meta[CHECKSUM_KEY])
            assert isinstance(sums["tensors"], dict) and isinstance(sums["structure"], int)
        except (TypeError, ValueError, KeyError, AssertionError):
            raise CheckpointFormatError(f"{where}: damaged checksum metadata") from None
        if zlib.crc32(str(meta.get(FORMAT_KEY, "")).encode()) != sums["structure"]:
            raise CheckpointFormatError(f"{where}: the structure metadata is corrupt "
                                        "(CRC-32 mismatch); the file was damaged after it "
                                        "was written")
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    start = 8 + n
    need = start
    for name, e in entries.items():
        ok = (isinstance(e, dict) and e.get("dtype") in _ST_DTYPE
              and isinstance(e.get("shape"), list) and isinstance(e.get("data_offsets"), list)
              and len(e["data_offsets"]) == 2
              and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                      for v in e["shape"] + e["data_offsets"]))
        if not ok:
            raise CheckpointFormatError(f"{where}: damaged safetensors header: entry for "
                                        f"tensor {name!r} is malformed ({str(e)[:120]})")
        b, end = e["data_offsets"]
        itemsize = 2 if e["dtype"] == "BF16" else np.dtype(_ST_DTYPE[e["dtype"]]).itemsize
        if end - b != int(np.prod(e["shape"], dtype=object)) * itemsize:
            raise CheckpointFormatError(
                f"{where}: damaged safetensors header: tensor {name!r} of dtype {e['dtype']} "
                f"and shape {e['shape']} has data_offsets {e['data_offsets']}")
        need = max(need, start + end)
    if need > len(data):
        raise CheckpointFormatError(f"{where} is truncated: header says {need} bytes, file "
                                    f"has {len(data)}")
    view = memoryview(data)
    arrays, bf16 = {}, []
    for name, e in entries.items():
        b, end = e["data_offsets"]
        raw = view[start + b:start + end]
        if sums is not None:
            want = sums["tensors"].get(name)
            got = _crc(e["dtype"], e["shape"], raw)
            if want != got:
                what = ("has no checksum" if want is None else
                        f"is corrupt (CRC-32 {got:08x}, saved {want:08x})")
                raise CheckpointFormatError(f"{where}: tensor {name!r} {what}; the file was "
                                            "damaged after it was written")
        if e["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
            bf16.append(name)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(_ST_DTYPE[e["dtype"]]).newbyteorder("<"))
            arr = arr.astype(arr.dtype.newbyteorder("="), copy=True)
        arrays[name] = arr.reshape(e["shape"])
    if sums is not None and set(sums["tensors"]) - set(entries):
        missing = sorted(set(sums["tensors"]) - set(entries))
        raise CheckpointFormatError(f"{where}: damaged header: tensors {missing} are missing")
    if bf16:
        warnings.warn(f"{where}: bfloat16 tensors {bf16} loaded as float32 (chainrule has no "
                      "bfloat16; the conversion is exact)", stacklevel=4)
    return arrays


class _Decoder:
    def __init__(self, arrays, where):
        self.arrays = arrays
        self.where = where
        self.made = {}  # name -> Tensor: shared tensors come back shared

    def fail(self, msg):
        raise CheckpointFormatError(f"{self.where}: damaged chainrule structure: {msg}")

    def array(self, node):
        name = node.get("k")
        if not isinstance(name, str) or name not in self.arrays:
            self.fail(f"tensor {name!r} is referenced but not stored in the file")
        return self.arrays[name]

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict):
            self.fail(f"unexpected JSON value of type {type(node).__name__}")
        tag = node.get("__t")
        if tag == "tensor":
            name = node.get("k")
            if name not in self.made:
                t = Tensor._make(self.array(node))
                if node.get("rg"):
                    if t._data.dtype.kind != "f":
                        self.fail(f"tensor {name!r} of dtype {t._data.dtype} requires grad")
                    t.requires_grad = True
                self.made[name] = t
            return self.made[name]
        if tag == "ndarray":
            return self.array(node)
        if tag == "npscalar":
            arr = self.array(node)
            if arr.ndim != 0:
                self.fail(f"scalar {node.get('k')!r} has shape {arr.shape}")
            return arr[()]
        if tag == "float":
            v = node.get("v")
            if v not in ("nan", "inf", "-inf"):
                self.fail(f"bad float value {v!r}")
            return float(v)
        if tag in ("list", "tuple", "dict"):
            items = node.get("items")
            if not isinstance(items, list):
                self.fail(f"{tag} without an item list")
            if tag == "dict":
                out = {}
                for item in items:
                    if not (isinstance(item, list) and len(item) == 2 and _key_ok(item[0])):
                        self.fail("bad dict item")
                    out[item[0]] = self.decode(item[1])
                return out
            vals = [self.decode(v) for v in items]
            return vals if tag == "list" else tuple(vals)
        self.fail(f"unknown node type {tag!r}")


def _deserialize(data, path=None):
    where = _describe(path)
    if torch_checkpoint.is_zip(data):
        return torch_checkpoint.loads(data, where)
    header, n = _check_header(data, where)
    arrays = _read_arrays(data, header, n, where)
    meta = header.get("__metadata__") or {}
    if FORMAT_KEY not in meta:
        # A plain safetensors file (from another library): its flat name -> tensor dict.
        return {k: Tensor._make(arrays[k]) for k in sorted(arrays)}
    try:
        doc = json.loads(meta[FORMAT_KEY])
    except (TypeError, ValueError, RecursionError):
        raise CheckpointFormatError(f"{where}: damaged chainrule structure "
                                    "(metadata is not JSON)") from None
    if not isinstance(doc, dict) or "root" not in doc:
        raise CheckpointFormatError(f"{where}: damaged chainrule structure (no root)")
    if doc.get("version", 0) > _VERSION:
        raise CheckpointFormatError(f"{where}: written by a newer chainrule (structure "
                                    f"version {doc.get('version')}); upgrade chainrule")
    try:
        return _Decoder(arrays, where).decode(doc["root"])
    except RecursionError:
        raise CheckpointFormatError(f"{where}: damaged chainrule structure "
                                    "(nested too deeply)") from None


def load(f, map_location=None, weights_only=True, mmap=None):
    """Load what ``chainrule.save`` wrote, any safetensors file, or a PyTorch
    ``torch.save`` zip checkpoint (``.pt``/``.pth`` state dicts), from a path or a binary
    file object. The format is recognised from the bytes. Tensors come back as ``Tensor``
    (with ``requires_grad`` as saved), NumPy arrays as arrays, containers and plain values
    as themselves. A plain safetensors file from another library loads as a flat
    ``{name: Tensor}`` dict. Checksums are verified (chainrule's per-tensor CRC-32s in
    safetensors files, the zip's per-entry CRC-32s in torch files).

    Never unpickles and never runs code from the file: a torch zip's pickle is read by a
    restricted machine that rebuilds only tensors, storages, OrderedDicts, lists, tuples,
    numbers and strings, and refuses anything else (``CheckpointFormatError``); bare pickle
    files are refused. ``map_location``, ``weights_only`` and ``mmap`` are accepted for
    PyTorch compatibility; loading is always weights-only and on the CPU.

    >>> chainrule.save({"w": chainrule.ones(2)}, "m.pt")
    >>> chainrule.load("m.pt")["w"]
    tensor([1., 1.])
    """
    if hasattr(f, "read"):
        return _deserialize(f.read(), getattr(f, "name", None))
    path = os.fspath(f)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"chainrule.load: no such file: {path}") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"chainrule.load: {path} is a directory, not a "
                                "checkpoint file") from None
    return _deserialize(data, path)
