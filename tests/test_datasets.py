"""chainrule.datasets: digits, MNIST IDX loading and its errors, synthetic sets, splits,
normalisation fitted on the training split only."""
import gzip
import hashlib
import io
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

import numpy as np
import pytest

import chainrule
from chainrule import datasets
from chainrule.datasets import mnist as mnist_mod
from chainrule.datasets import IDXFormatError


# --- digits ---------------------------------------------------------------------------------

def test_digits_shape_dtype_values():
    X, y = datasets.load_digits()
    assert isinstance(X, chainrule.Tensor) and isinstance(y, chainrule.Tensor)
    assert X.shape == (1797, 64) and X.dtype == chainrule.float32
    assert y.shape == (1797,) and y.dtype == chainrule.int64
    assert X._data.min() == 0 and X._data.max() == 16
    assert np.all(X._data == np.round(X._data))
    counts = np.bincount(y._data, minlength=10)
    # The well-known class sizes of this set (scikit-learn's digits).
    assert counts.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # First image is a zero; its top row is the familiar 0 0 5 13 9 1 0 0.
    assert int(y._data[0]) == 0
    assert X._data[0, :8].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
    assert hashlib.sha256(np.ascontiguousarray(X._data.astype(np.uint8)).tobytes()).hexdigest() \
        == hashlib.sha256(np.ascontiguousarray(datasets.load_digits()[0]._data.astype(np.uint8))
                          .tobytes()).hexdigest()


def test_digits_images_scaled_and_fresh_copies():
    img, y = datasets.load_digits(flatten=False)
    assert img.shape == (1797, 8, 8)
    flat, _ = datasets.load_digits()
    np.testing.assert_array_equal(img._data.reshape(1797, 64), flat._data)
    s, _ = datasets.load_digits(scale=True, dtype=chainrule.float64)
    assert s.dtype == chainrule.float64 and s._data.max() == 1.0
    flat._data[:] = -1  # callers may modify what they get; the cache is not touched
    assert datasets.load_digits()[0]._data.min() == 0
    with pytest.raises(TypeError, match="floating"):
        datasets.load_digits(dtype=chainrule.int64)


def test_digits_attribution_shipped():
    readme = pathlib.Path(datasets.digits.__file__).parent / "data" / "README.md"
    text = readme.read_text()
    assert "CC BY 4.0" in text and "Alpaydin" in text and "UCI" in text


# --- train_test_split -----------------------------------------------------------------------

def test_split_seeded_disjoint_complete():
    X, y = datasets.load_digits()
    a = datasets.train_test_split(X, y, test_size=0.2, seed=3)
    b = datasets.train_test_split(X, y, test_size=0.2, seed=3)
    c = datasets.train_test_split(X, y, test_size=0.2, seed=4)
    assert [t.shape[0] for t in a] == [1437, 360, 1437, 360]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u._data, v._data)
    assert not np.array_equal(a[1]._data, c[1]._data)
    # Rows stay paired with their labels, and train + test is a permutation of the whole.
    ids = np.arange(1797)
    i_tr, i_te = datasets.train_test_split(ids, test_size=0.2, seed=3)
    assert sorted(np.concatenate([i_tr, i_te]).tolist()) == ids.tolist()
    np.testing.assert_array_equal(a[0]._data, X._data[i_tr])
    np.testing.assert_array_equal(a[3]._data, y._data[i_te])


def test_split_stratified_and_errors():
    X, y = datasets.load_digits()
    _, _, y_tr, y_te = datasets.train_test_split(X, y, test_size=0.25, seed=0, stratify=y)
    frac = np.bincount(y_te._data, minlength=10) / np.bincount(y._data, minlength=10)
    assert np.all(np.abs(frac - 0.25) < 0.01)
    assert y_te.shape[0] == int(np.ceil(0.25 * 1797))
    with pytest.raises(ValueError, match="rows"):
        datasets.train_test_split(X, y[:10])
    with pytest.raises(ValueError, match="test_size"):
        datasets.train_test_split(X, y, test_size=1.5)
    with pytest.raises(ValueError, match="non-empty"):
        datasets.train_test_split(X, y, test_size=0)


# --- synthetic ------------------------------------------------------------------------------

MAKERS = [datasets.make_xor, datasets.make_blobs, datasets.make_moons, datasets.make_circles,
          datasets.make_spirals]


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
def test_synthetic_shapes_and_seed_determinism(make):
    X, y = make(101, seed=7)
    assert X.shape == (101, 2) and X.dtype == chainrule.float32
    assert y.shape == (101,) and y.dtype == chainrule.int64
    X2, y2 = make(101, seed=7)
    np.testing.assert_array_equal(X._data, X2._data)
    np.testing.assert_array_equal(y._data, y2._data)
    X3, _ = make(101, seed=8)
    assert not np.array_equal(X._data, X3._data)
    # Without a seed, chainrule.manual_seed drives it.
    chainrule.manual_seed(5)
    A = make(50)[0]._data
    chainrule.manual_seed(5)
    np.testing.assert_array_equal(A, make(50)[0]._data)
    # Classes are balanced to within one sample.
    counts = np.bincount(y._data)
    assert counts.max() - counts.min() <= 1
    with pytest.raises(ValueError):
        make(1, seed=0)


def test_xor_truth_table():
    X, y = datasets.make_xor(4, noise=0.0, shuffle=False)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    X, y = datasets.make_xor(400, noise=0.05, seed=0)
    # Each point's label is the XOR of its nearest corner's coordinates.
    corner = np.round(X._data).astype(int)
    np.testing.assert_array_equal(y._data, corner[:, 0] ^ corner[:, 1])


def _linearly_separable(X, y):
    """Exact check via a perceptron run to convergence (it converges iff separable)."""
    Xa = np.hstack([X, np.ones((len(X), 1))]).astype(np.float64)
    s = np.where(y == 1, 1.0, -1.0)
    w = np.zeros(3)
    for _ in range(1000):
        wrong = (Xa @ w) * s <= 0
        if not wrong.any():
            return True
        i = np.flatnonzero(wrong)[0]
        w += s[i] * Xa[i]
    return False


def test_blobs_linearly_separable_moons_circles_not():
    for seed in range(5):
        X, y = datasets.make_blobs(300, cluster_std=1.0, seed=seed)
        assert _linearly_separable(X._data, y._data)
    # Multi-class: the nearest-centre rule is exact.
    C = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    X, y = datasets.make_blobs(300, centers=C, cluster_std=1.0, seed=0)
    d = ((X._data[:, None, :] - C[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(d.argmin(1), y._data)
    X, y = datasets.make_circles(200, noise=0.0, seed=0)
    r = np.sqrt((X._data ** 2).sum(1))
    np.testing.assert_allclose(r[y._data == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(r[y._data == 1], 0.5, rtol=1e-6)
    assert not _linearly_separable(X._data, y._data)


def test_spirals_classes_and_radius():
    X, y = datasets.make_spirals(300, n_classes=3, noise=0.0, seed=0)
    assert sorted(np.unique(y._data).tolist()) == [0, 1, 2]
    r = np.sqrt((X._data ** 2).sum(1))
    assert r.min() >= 0.05 - 1e-6 and r.max() <= 1.0 + 1e-6
    with pytest.raises(ValueError, match="n_classes"):
        datasets.make_spirals(10, n_classes=1)


# --- normalisation --------------------------------------------------------------------------

def test_standardize_uses_train_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 2.0, size=(500, 3)).astype(np.float32)
    test = rng.normal(-10.0, 7.0, size=(100, 3)).astype(np.float32)
    s = datasets.Standardize().fit(chainrule.tensor(train))
    np.testing.assert_allclose(s.mean, train.astype(np.float64).mean(0), rtol=1e-6)
    np.testing.assert_allclose(s.std, train.astype(np.float64).std(0), rtol=1e-6)
    z_te = s.transform(chainrule.tensor(test))
    assert isinstance(z_te, chainrule.Tensor) and z_te.dtype == chainrule.float32
    np.testing.assert_allclose(z_te._data, (test - s.mean) / s.std, rtol=1e-5, atol=1e-6)
    # The test set is NOT standardised by its own statistics.
    assert abs(z_te._data.mean()) > 3
    z_tr = s.transform(train)
    np.testing.assert_allclose(z_tr.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z_tr.std(0), 1, atol=1e-5)
    np.testing.assert_allclose(s.inverse_transform(z_te)._data, test, rtol=1e-5, atol=1e-5)
    # Fitting on the test data gives other numbers: the statistics really are the train's.
    assert not np.allclose(datasets.Standardize().fit(test).mean, s.mean)


def test_standardize_zero_variance_and_errors():
    X, _ = datasets.load_digits()
    X_tr, X_te = datasets.train_test_split(X, seed=0)
    s = datasets.Standardize().fit(X_tr)
    const = X_tr._data.std(0) == 0
    assert const.any()  # the digits have always-blank corner pixels
    np.testing.assert_array_equal(s.zero_variance, const)
    Z = s.transform(X_te)._data
    assert np.isfinite(Z).all()
    np.testing.assert_array_equal(s.transform(X_tr)._data[:, const], 0)
    with pytest.raises(RuntimeError, match="fit"):
        datasets.Standardize().transform(X_te)
    with pytest.raises(ValueError, match="shape"):
        s.transform(np.zeros((3, 10)))
    # A global scalar statistic (dim=None) for images.
    g = datasets.Standardize(dim=None).fit(np.array([[0.0, 2.0], [4.0, 6.0]]))
    assert g.mean.shape == () and float(g.mean) == 3.0
    # Integer data become float32 (the default), float64 stays float64.
    assert datasets.Standardize().fit_transform(np.arange(6).reshape(3, 2)).dtype == np.float32
    assert datasets.Standardize().fit_transform(np.arange(6.0).reshape(3, 2)).dtype == np.float64
    n = datasets.Normalize(0.5, 0.25)
    np.testing.assert_allclose(n(np.array([0.5, 1.0], np.float32)), [0.0, 2.0])


def test_standardize_state_dict_roundtrip(tmp_path):
    X, _ = datasets.load_digits()
    s = datasets.Standardize().fit(X)
    chainrule.save(s.state_dict(), tmp_path / "scaler.safetensors")
    s2 = datasets.Standardize().load_state_dict(chainrule.load(tmp_path / "scaler.safetensors"))
    np.testing.assert_array_equal(s.transform(X)._data, s2.transform(X)._data)


# --- MNIST: tiny IDX files built in tmp_path ------------------------------------------------

def _idx(arr, code=0x08):
    arr = np.asarray(arr)
    head = bytes([0, 0, code, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + arr.astype(">u1").tobytes()


def _write_mnist(root, n_train=12, n_test=5, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        for kind, arr, nd in (("images", imgs, 3), ("labels", labels, 1)):
            name = f"{prefix}-{kind}-idx{nd}-ubyte"
            raw = _idx(arr)
            if gz:
                (root / (name + ".gz")).write_bytes(gzip.compress(raw))
            else:
                (root / name).write_bytes(raw)
        out[prefix] = (imgs, labels)
    return out


def test_mnist_tiny_roundtrip(tmp_path):
    ref = _write_mnist(tmp_path)
    ds = datasets.MNIST(tmp_path, train=True)
    assert len(ds) == 12
    assert ds.data.dtype == chainrule.uint8 and ds.data.shape == (12, 28, 28)
    assert ds.targets.dtype == chainrule.int64
    np.testing.assert_array_equal(ds.data._data, ref["train"][0])
    np.testing.assert_array_equal(ds.targets._data, ref["train"][1])
    img, label = ds[3]
    assert img.shape == (1, 28, 28) and img.dtype == chainrule.float32
    np.testing.assert_allclose(img._data[0], ref["train"][0][3] / np.float32(255))
    assert label == int(ref["train"][1][3]) and isinstance(label, int)
    ds_t = datasets.MNIST(tmp_path, train=False, transform=lambda a: a.sum(),
                          target_transform=lambda t: t + 100)
    assert len(ds_t) == 5
    assert ds_t[0] == (int(ref["t10k"][0][0].sum()), int(ref["t10k"][1][0]) + 100)
    X, y = datasets.load_mnist(tmp_path, train=False)
    assert X.shape == (5, 784) and X.dtype == chainrule.float32 and y.dtype == chainrule.int64
    np.testing.assert_allclose(X._data, ref["t10k"][0].reshape(5, -1) / np.float32(255))
    X4, _ = ds.arrays(flatten=False, scale=False)
    assert X4.shape == (12, 1, 28, 28) and X4._data.max() > 1


def test_mnist_uncompressed_and_torchvision_layout(tmp_path):
    ref = _write_mnist(tmp_path / "plain", gz=False)
    np.testing.assert_array_equal(datasets.MNIST(tmp_path / "plain").data._data, ref["train"][0])
    ref = _write_mnist(tmp_path / "tv" / "MNIST" / "raw")
    np.testing.assert_array_equal(datasets.MNIST(tmp_path / "tv").targets._data, ref["train"][1])


def test_mnist_missing_file_named(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        datasets.MNIST(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere" / "train-images-idx3-ubyte.gz") in str(e.value)
    _write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    datasets.MNIST(tmp_path, train=True)  # the train split is complete
    with pytest.raises(FileNotFoundError) as e:
        datasets.load_mnist(tmp_path, train=False)
    msg = str(e.value)
    assert str(tmp_path / "t10k-labels-idx1-ubyte.gz") in msg
    assert "t10k-images" not in msg.split("\n")[1]  # only the missing one is listed


def _corrupt(tmp_path, name, raw_fn=None, gz_fn=None):
    _write_mnist(tmp_path)
    p = tmp_path / name
    if raw_fn is not None:
        p.write_bytes(gzip.compress(raw_fn(gzip.decompress(p.read_bytes()))))
    if gz_fn is not None:
        p.write_bytes(gz_fn(p.read_bytes()))
    return p


CORRUPTIONS = {
    "bad magic": ("train-images-idx3-ubyte.gz", lambda r: b"\x12\x34" + r[2:], None,
                  "magic"),
    "wrong element type": ("train-labels-idx1-ubyte.gz", lambda r: r[:2] + b"\x0c" + r[3:],
                           None, "element type"),
    "labels as images": ("train-images-idx3-ubyte.gz",
                         lambda r: _idx(np.zeros(12, np.uint8)), None, "dimensions"),
    "wrong image size": ("train-images-idx3-ubyte.gz",
                         lambda r: _idx(np.zeros((12, 28, 27), np.uint8)), None, "28x28"),
    "short data": ("train-images-idx3-ubyte.gz", lambda r: r[:-100], None, "truncated"),
    "trailing data": ("train-labels-idx1-ubyte.gz", lambda r: r + b"\x00", None, "trailing"),
    "short header": ("train-images-idx3-ubyte.gz", lambda r: r[:9], None, "header"),
    "empty": ("train-labels-idx1-ubyte.gz", lambda r: b"", None, "too short"),
    "count mismatch": ("train-labels-idx1-ubyte.gz",
                       lambda r: _idx(np.zeros(11, np.uint8)), None, "11 labels"),
    "label out of range": ("train-labels-idx1-ubyte.gz",
                           lambda r: _idx(np.full(12, 10, np.uint8)), None, "out of range"),
    "truncated gzip": ("train-images-idx3-ubyte.gz", None, lambda g: g[: len(g) // 2],
                       "gzip"),
    "not gzip": ("train-images-idx3-ubyte.gz", None, lambda g: b"hello, not gzip" * 10,
                 "gzip"),
    "flipped byte in the CRC": ("train-images-idx3-ubyte.gz", None,
                                lambda g: g[:-8] + bytes([g[-8] ^ 0xFF]) + g[-7:], "gzip"),
    "flipped byte in the data": ("train-images-idx3-ubyte.gz", None,
                                 lambda g: g[:len(g) // 2] + bytes([g[len(g) // 2] ^ 0x55])
                                 + g[len(g) // 2 + 1:], "gzip"),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_mnist_corrupt_files_clear_errors(tmp_path, case):
    name, raw_fn, gz_fn, words = CORRUPTIONS[case]
    p = _corrupt(tmp_path, name, raw_fn, gz_fn)
    with pytest.raises(IDXFormatError) as e:
        datasets.MNIST(tmp_path, train=True)
    assert str(p) in str(e.value) and words in str(e.value)
    with pytest.raises(IDXFormatError):
        datasets.load_mnist(tmp_path, train=True)


def test_read_idx_generic(tmp_path):
    p = tmp_path / "a.idx"
    p.write_bytes(_idx(np.arange(6, dtype=np.uint8).reshape(2, 3)))
    np.testing.assert_array_equal(datasets.read_idx(p), np.arange(6).reshape(2, 3))
    with pytest.raises(FileNotFoundError, match="b.idx"):
        datasets.read_idx(tmp_path / "b.idx")


# --- download (no network here: urlopen is mocked) -------------------------------------------

def test_download_all_mirrors_fail_cleanly(tmp_path, monkeypatch):
    calls = []

    def fake_urlopen(url, timeout=None):
        calls.append((url, timeout))
        if url.startswith(mnist_mod.MIRRORS[0]):
            raise urllib.error.URLError("network unreachable")
        raise TimeoutError("timed out")        # what a socket timeout raises

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    with pytest.raises(RuntimeError) as e:
        datasets.MNIST(tmp_path / "dl", download=True)
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz" in msg and "any mirror" in msg
    assert "URLError" in msg and "TimeoutError" in msg
    for mirror in mnist_mod.MIRRORS:
        assert mirror + "train-images-idx3-ubyte.gz" in msg
    assert [u for u, _ in calls] == [m + "train-images-idx3-ubyte.gz" for m in mnist_mod.MIRRORS]
    assert all(t is not None and t > 0 for _, t in calls)
    assert list((tmp_path / "dl").iterdir()) == []  # no partial files left behind


def test_import_does_not_load_the_network_stack():
    """urllib.request (with http.client and ssl, ~7 MB resident) loads only for a download."""
    code = ("import sys, chainrule, chainrule.datasets; "
            "print(sorted(m for m in ('urllib.request', 'http.client', 'ssl') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_download_verifies_md5_and_writes(tmp_path, monkeypatch):
    files = _write_mnist(tmp_path / "src")
    payload = {n: (tmp_path / "src" / n).read_bytes() for n in mnist_mod.RESOURCES}
    md5s = {n: hashlib.md5(b).hexdigest() for n, b in payload.items()}

    class Resp(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    def fake_urlopen(url, timeout=None):
        name = url.rsplit("/", 1)[1]
        if url.startswith(mnist_mod.MIRRORS[0]):  # first mirror serves damaged bytes
            return Resp(payload[name][:-1])
        return Resp(payload[name])

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setattr(mnist_mod, "RESOURCES", md5s)
    ds = datasets.MNIST(tmp_path / "dl", train=False, download=True)
    np.testing.assert_array_equal(ds.data._data, files["t10k"][0])
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == sorted(md5s)
    # A mirror serving the wrong bytes everywhere is refused by md5.
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, timeout=None: Resp(b"junk"))
    with pytest.raises(RuntimeError, match="md5"):
        datasets.download_mnist(tmp_path / "dl2", verbose=False)


# --- real MNIST (skips when the shared data is absent) ---------------------------------------

def test_real_mnist(mnist_dir):
    train = datasets.MNIST(mnist_dir, train=True)
    test = datasets.MNIST(mnist_dir, train=False)
    assert train.data.shape == (60000, 28, 28) and test.data.shape == (10000, 28, 28)
    assert train.data.dtype == chainrule.uint8 and train.targets.dtype == chainrule.int64
    assert train.targets._data[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert test.targets._data[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(train.targets._data).tolist() == [5923, 6742, 5958, 6131, 5842, 5421,
                                                        5918, 6265, 5851, 5949]
    X, _ = datasets.load_mnist(mnist_dir, train=True)
    assert abs(float(X._data.mean()) - 0.1307) < 1e-3
    assert abs(float(X._data.std()) - 0.3081) < 1e-3
