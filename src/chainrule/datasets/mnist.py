"""MNIST from the original IDX files (LeCun, Cortes and Burges).

``root`` is a folder holding the four files ``train-images-idx3-ubyte.gz``,
``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
``t10k-labels-idx1-ubyte.gz`` (the same names without ``.gz`` are accepted too, as is
torchvision's layout ``root/MNIST/raw``). Every file is checked before it is used: IDX magic
number, element type, number of dimensions, 28x28 images, exact data length, labels 0..9,
as many labels as images; gzip's CRC catches damaged compressed data. Anything wrong is an
``IDXFormatError`` naming the file, never a wrong array.
"""
import gzip
import hashlib
import os
import pathlib
import tempfile
import zlib

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from ..utils.data import Dataset

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
# md5 of the original distribution's .gz files (the digests torchvision checks).
RESOURCES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
SPLITS = {True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
          False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
           "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

# IDX element-type codes (third byte of the magic number).
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class IDXFormatError(ValueError):
    """An IDX file that is truncated, corrupt, or not the expected kind of array.

    >>> import pathlib, struct, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
    >>> _ = path.write_bytes(struct.pack(">HBBI", 0, 0x08, 1, 3) + bytes([7, 8]))  # 2 of 3
    >>> chainrule.datasets.read_idx(path)
    Traceback (most recent call last):
    ...
    chainrule.datasets.mnist.IDXFormatError: ...tiny-idx1-ubyte: ...
    """


def read_idx(path, expect_ndim=None, expect_dtype=np.uint8):
    """Read one IDX file (gzip-compressed when the name ends in .gz) into a NumPy array.

    Checks the magic number, the element type, the number of dimensions and that the data
    length is exactly the product of the dimensions; raises ``IDXFormatError`` naming the
    file otherwise, and ``FileNotFoundError`` naming it when it is missing.

    >>> import pathlib, struct, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
    >>> _ = path.write_bytes(struct.pack(">HBBI", 0, 0x08, 1, 3) + bytes([7, 8, 9]))
    >>> chainrule.datasets.read_idx(path, expect_ndim=1)
    array([7, 8, 9], dtype=uint8)
    """
    path = pathlib.Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"IDX file not found: {path}") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        # BadGzipFile: not gzip or CRC/length mismatch; EOFError: the .gz is cut short.
        raise IDXFormatError(f"{path}: corrupt or truncated gzip data ({e})") from None
    if len(raw) < 4:
        raise IDXFormatError(f"{path}: {len(raw)} bytes, too short for an IDX header")
    zero, code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or code not in _IDX_TYPES:
        raise IDXFormatError(f"{path}: bad IDX magic number 0x{raw[:4].hex()} "
                             "(expected 0x0000 then a type code and a rank)")
    dtype = _IDX_TYPES[code]
    if expect_dtype is not None and dtype.newbyteorder("=") != np.dtype(expect_dtype):
        raise IDXFormatError(f"{path}: IDX element type {dtype.newbyteorder('=')}, "
                             f"expected {np.dtype(expect_dtype)}")
    if expect_ndim is not None and ndim != expect_ndim:
        raise IDXFormatError(f"{path}: IDX array has {ndim} dimensions, expected "
                             f"{expect_ndim}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXFormatError(f"{path}: truncated IDX header ({len(raw)} bytes, "
                             f"need {header} for {ndim} dimensions)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing bytes"
        raise IDXFormatError(f"{path}: {what}: header says shape {shape} ({expected} data "
                             f"bytes), file holds {got}")
    arr = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # native order, own writable copy


def _find(root, name):
    """The path of `name` under root: .gz or not, root itself or torchvision's MNIST/raw."""
    stem = name[:-3]
    for folder in (root, root / "MNIST" / "raw"):
        for candidate in (folder / name, folder / stem):
            if candidate.is_file():
                return candidate
    return None


def _missing_error(root, names):
    lines = "\n".join(f"  {root / n}" for n in names)
    return FileNotFoundError(
        f"MNIST: file(s) not found:\n{lines}\n"
        "Put the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in that folder, or pass "
        "download=True.")


def _load_split(root, train):
    root = pathlib.Path(root)
    names = SPLITS[bool(train)]
    paths = [_find(root, n) for n in names]
    missing = [n for n, p in zip(names, paths) if p is None]
    if missing:
        raise _missing_error(root, missing)
    images = read_idx(paths[0], expect_ndim=3)
    labels = read_idx(paths[1], expect_ndim=1)
    if images.shape[1:] != (28, 28):
        raise IDXFormatError(f"{paths[0]}: images are {images.shape[1]}x{images.shape[2]}, "
                             "expected 28x28")
    if labels.shape[0] != images.shape[0]:
        raise IDXFormatError(f"{paths[1]}: {labels.shape[0]} labels for "
                             f"{images.shape[0]} images in {paths[0]}")
    if labels.size and labels.max() > 9:
        raise IDXFormatError(f"{paths[1]}: label {int(labels.max())} out of range 0..9")
    return images, labels.astype(np.int64)


def _fetch(url, timeout):
    # urllib.request is imported here, not with the module: it brings http.client and ssl
    # (~7 MB of resident memory and ~15 ms), which `import chainrule` need not pay.
    import urllib.request
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def download_mnist(root, timeout=30.0, mirrors=MIRRORS, verbose=True):
    """Download the four MNIST files into ``root`` (those already there are kept).

    Each file is tried at each mirror in turn with ``urllib`` (``timeout`` seconds per
    request), its md5 verified against the original distribution's, and written atomically
    (temporary file, then rename). Raises ``RuntimeError`` listing every failed attempt when
    a file cannot be fetched from any mirror.

    >>> chainrule.datasets.download_mnist("data/mnist")  # needs the network  # doctest: +SKIP
    """
    root = pathlib.Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name, md5 in RESOURCES.items():
        if _find(root, name) is not None:
            continue
        errors = []
        for mirror in mirrors:
            url = mirror + name
            try:
                if verbose:
                    print(f"Downloading {url}")
                data = _fetch(url, timeout)
            except (OSError, ValueError) as e:   # URLError and timeouts are OSErrors
                errors.append(f"  {url}: {type(e).__name__}: {e}")
                continue
            got = hashlib.md5(data).hexdigest()
            if got != md5:
                errors.append(f"  {url}: md5 {got} != expected {md5} ({len(data)} bytes)")
                continue
            fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{name}.", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, root / name)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            break
        else:
            tried = "\n".join(errors)
            raise RuntimeError(
                f"MNIST: could not download {name} from any mirror:\n{tried}\n"
                f"Download it by hand and place it at {root / name}")


class MNIST(Dataset):
    """The MNIST handwritten digits as a map-style dataset (torchvision's interface).

    ``MNIST(root, train=True, transform=None, target_transform=None, download=False)``.
    ``data``: uint8 tensor (N, 28, 28); ``targets``: int64 tensor (N,). ``dataset[i]`` is
    ``(image, label)``: without a transform the image is a float32 tensor (1, 28, 28) scaled
    to [0, 1] (what torchvision's ``ToTensor`` gives); with ``transform`` it is
    ``transform(uint8 array (28, 28))``. The label is an int (``target_transform(int)`` when
    given). For training loops, ``arrays()`` (or ``load_mnist``) hands over the whole split
    at once, far faster than indexing one sample at a time.

    >>> ds = chainrule.datasets.MNIST("data/mnist")  # needs the MNIST files  # doctest: +SKIP
    >>> len(ds), ds[0][0].shape, ds[0][1]            # needs the MNIST files  # doctest: +SKIP
    (60000, chainrule.Size([1, 28, 28]), 5)
    """

    classes = CLASSES
    resources = RESOURCES
    mirrors = MIRRORS

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        self.root = pathlib.Path(root).expanduser()
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        if download:
            download_mnist(self.root)
        images, labels = _load_split(self.root, self.train)
        self.data = Tensor._make(images)
        self.targets = Tensor._make(labels)

    def __len__(self):
        return self.data._data.shape[0]

    def __getitem__(self, index):
        img = self.data._data[index]
        target = int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(img)
        else:
            img = Tensor._make((img.astype(np.float32) / np.float32(255.0))[None])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def arrays(self, flatten=True, scale=True, dtype=None):
        """The whole split as ``(X, y)`` tensors; see ``load_mnist``."""
        return _as_arrays(self.data._data, self.targets._data, flatten, scale, dtype)

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __repr__(self):
        split = "Train" if self.train else "Test"
        return (f"Dataset MNIST\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {split}")


def _as_arrays(images, labels, flatten, scale, dtype):
    dt = (dtypes.get(dtype) if dtype is not None else dtypes.get_default_dtype()).np
    X = images.astype(dt)
    if scale:
        X /= dt.type(255.0)
    X = X.reshape(len(X), -1) if flatten else X[:, None]
    return Tensor._make(X), Tensor._make(labels.astype(np.int64, copy=True))


def load_mnist(root, train=True, flatten=True, scale=True, dtype=None, download=False):
    """One MNIST split as whole tensors ``(X, y)``, ready for a training loop.

    ``X``: float32 (N, 784) (``flatten=False``: (N, 1, 28, 28)), values in [0, 1]
    (``scale=False``: 0..255); ``y``: int64 (N,). Same checks and errors as ``MNIST``.

    >>> X, y = chainrule.datasets.load_mnist("data/mnist")  # needs MNIST  # doctest: +SKIP
    >>> X.shape, y.shape                                   # needs MNIST  # doctest: +SKIP
    (chainrule.Size([60000, 784]), chainrule.Size([60000]))
    """
    root = pathlib.Path(root).expanduser()
    if download:
        download_mnist(root)
    images, labels = _load_split(root, train)
    return _as_arrays(images, labels, flatten, scale, dtype)
