"""Sparse COO tensors: construction, coalesce, to_dense / to_sparse, sparse @ dense with
gradients to the values and the dense operand, and a small GCN layer against PyTorch."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck

IDX = [[0, 1, 1, 3, 0], [2, 0, 2, 1, 2]]  # (0, 2) appears twice: uncoalesced
VALS = [3.0, 4.0, 5.0, -1.0, 0.5]


def test_construction_coalesce_and_dense_match_torch():
    torch = pytest.importorskip("torch")
    a = cr.sparse_coo_tensor(IDX, VALS, (4, 3))
    t = torch.sparse_coo_tensor(IDX, VALS, (4, 3))
    assert a.is_sparse and a.layout is cr.sparse_coo and tuple(a.shape) == tuple(t.shape)
    assert a._nnz() == t._nnz() and a.is_coalesced() == t.is_coalesced() is False
    np.testing.assert_array_equal(a.to_dense().numpy(), t.to_dense().numpy())
    c, tc = a.coalesce(), t.coalesce()
    np.testing.assert_array_equal(c.indices().numpy(), tc.indices().numpy())
    np.testing.assert_array_equal(c.values().numpy(), tc.values().numpy())
    assert c.is_coalesced() and c._nnz() == tc._nnz() == 4
    with pytest.raises(RuntimeError, match="uncoalesced"):
        a.indices()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        torch.sparse_coo_tensor(IDX, VALS, (4, 3)).indices()
    inferred = cr.sparse_coo_tensor(IDX, VALS)
    assert tuple(inferred.shape) == tuple(torch.sparse_coo_tensor(IDX, VALS).shape)
    d = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -3.0]])
    s, ts = cr.tensor(d).to_sparse(), torch.tensor(d).to_sparse()
    np.testing.assert_array_equal(s.indices().numpy(), ts.indices().numpy())
    np.testing.assert_array_equal(s.values().numpy(), ts.values().numpy())
    np.testing.assert_array_equal(s.t().to_dense().numpy(), ts.t().to_dense().numpy())


def test_bad_input_errors():
    with pytest.raises(RuntimeError, match="same nnz"):
        cr.sparse_coo_tensor([[0, 1]], [1.0], (2,))
    with pytest.raises(RuntimeError, match="inconsistent"):
        cr.sparse_coo_tensor([[0, 5]], [1.0, 2.0], (3,))
    a = cr.sparse_coo_tensor(IDX, VALS, (4, 3))
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        a @ cr.ones(4, 2)
    with pytest.raises(RuntimeError, match="to_dense"):
        a + 1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_spmm_values_and_gradients_match_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2))
    w = rng.standard_normal((4, 2))
    v = cr.tensor(VALS, dtype=getattr(cr, dtype), requires_grad=True)
    X = cr.tensor(x, dtype=getattr(cr, dtype), requires_grad=True)
    tv = torch.tensor(VALS, dtype=getattr(torch, dtype), requires_grad=True)
    tX = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    out = cr.sparse.mm(cr.sparse_coo_tensor(IDX, v, (4, 3)), X)
    tout = torch.sparse.mm(torch.sparse_coo_tensor(IDX, tv, (4, 3)), tX)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-6)
    (out * cr.tensor(w, dtype=out.dtype)).sum().backward()
    (tout * torch.tensor(w, dtype=tout.dtype)).sum().backward()
    np.testing.assert_allclose(X.grad.numpy(), tX.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-6)
    # the @ operator, both sides, and the dense-from-sparse path
    s = cr.sparse_coo_tensor(IDX, VALS, (4, 3), dtype=cr.float64)
    ts = torch.sparse_coo_tensor(IDX, VALS, (4, 3), dtype=torch.float64)
    with pytest.raises(RuntimeError):  # mixed dtypes refused, as torch does
        cr.sparse_coo_tensor(IDX, VALS, (4, 3)) @ cr.tensor(x)
    np.testing.assert_allclose((s @ cr.tensor(x)).numpy(), (ts @ torch.tensor(x)).numpy())
    np.testing.assert_allclose((cr.tensor(w.T) @ s).numpy(), (torch.tensor(w.T) @ ts).numpy())
    np.testing.assert_allclose(cr.spmm(s, cr.tensor(x)).numpy(), torch.spmm(ts, torch.tensor(x)).numpy())


def test_gradients_through_to_sparse_match_torch():
    torch = pytest.importorskip("torch")
    d = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -3.0]])
    x = np.arange(6.0).reshape(3, 2)
    D, tD = cr.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    (D.to_sparse() @ cr.tensor(x)).pow(2).sum().backward()
    torch.sparse.mm(tD.to_sparse(), torch.tensor(x)).pow(2).sum().backward()
    np.testing.assert_allclose(D.grad.numpy(), tD.grad.numpy())
    a = cr.sparse_coo_tensor(IDX, cr.tensor(VALS, requires_grad=True), (4, 3))
    (a.coalesce().to_dense() * cr.arange(12.0).reshape(4, 3)).sum().backward()
    np.testing.assert_array_equal(a._values().grad.numpy(), [2.0, 3.0, 5.0, 10.0, 2.0])
    assert a.grad.is_sparse and a.grad._nnz() == 5


def test_gradcheck_spmm_float64():
    rows = np.array(IDX)
    v = cr.tensor(VALS, dtype=cr.float64, requires_grad=True)
    X = cr.tensor(np.random.default_rng(1).standard_normal((3, 2)), requires_grad=True)
    f = lambda v, X: cr.sparse.mm(cr.sparse_coo_tensor(rows, v, (4, 3)), X)  # noqa: E731
    assert gradcheck(f, [v, X])
    assert gradgradcheck(f, [v, X])
    assert gradcheck(lambda v: cr.sparse_coo_tensor(rows, v, (4, 3)).coalesce().to_dense(), [v])


class _GCN:
    """H' = relu(A_hat H W + b), the Kipf & Welling layer, in either framework."""

    def __init__(self, T, w, b):
        self.T = T
        self.w = T.nn.Parameter(T.tensor(w, dtype=T.float64))
        self.b = T.nn.Parameter(T.tensor(b, dtype=T.float64))

    def __call__(self, adj, h):
        return self.T.relu(self.T.sparse.mm(adj, h @ self.w) + self.b)


def _normalized_adjacency(T, edges, n):
    """D^-1/2 (A + I) D^-1/2 as a sparse COO tensor."""
    e = np.concatenate([edges, edges[:, ::-1], np.stack([np.arange(n)] * 2, 1)])
    deg = np.bincount(e[:, 0], minlength=n).astype(np.float64)
    vals = 1.0 / np.sqrt(deg[e[:, 0]] * deg[e[:, 1]])
    return T.sparse_coo_tensor(e.T.copy(), T.tensor(vals), (n, n)).coalesce()


def test_gcn_layer_trains_like_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    n, f_in, f_out = 6, 4, 3
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [0, 5]])
    feats, labels = rng.standard_normal((n, f_in)), np.array([0, 1, 2, 0, 1, 2])
    w, b = rng.standard_normal((f_in, f_out)) * 0.5, np.zeros(f_out)
    losses = {}
    for T in (cr, torch):
        adj = _normalized_adjacency(T, edges, n)
        layer = _GCN(T, w, b)
        opt = T.optim.SGD([layer.w, layer.b], lr=0.5)
        x, y = T.tensor(feats), T.tensor(labels)
        run = []
        for _ in range(5):
            opt.zero_grad()
            loss = T.nn.functional.cross_entropy(layer(adj, x), y)
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses[T.__name__] = (run, layer.w.detach().numpy().copy())
    np.testing.assert_allclose(losses["chainrule"][0], losses["torch"][0], rtol=1e-10)
    np.testing.assert_allclose(losses["chainrule"][1], losses["torch"][1], rtol=1e-10)
    assert losses["chainrule"][0][-1] < losses["chainrule"][0][0]
