"""The standard parametrizations: weight_norm, spectral_norm and orthogonal
(PyTorch's torch.nn.utils.parametrizations), built on parametrize.py."""
import numpy as np

from . import parametrize
from ..module import Module
from ... import functions as _f
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor

_make = Tensor._make


def _norm_except_dim(v, dim):
    """||v||_2 over every dim but `dim` (all of them for dim=-1), keeping dims."""
    if dim == -1:
        return (v * v).sum().sqrt()
    axes = tuple(i for i in range(v.dim()) if i != dim % v.dim())
    return (v * v).sum(axes, keepdim=True).sqrt()


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """weight = g v / ||v|| (Salimans & Kingma, 2016): originals g
    ('parametrizations.weight.original0') and v ('original1').

    >>> lin = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2))
    >>> g = lin.parametrizations.weight.original0
    >>> v = lin.parametrizations.weight.original1
    >>> g.shape, chainrule.allclose(lin.weight, g * v / v.norm(dim=1, keepdim=True))
    (chainrule.Size([2, 1]), True)
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def _normalize(x, eps):
    return x / max(float(np.sqrt((x._data.astype(np.float64) ** 2).sum())), eps)


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            wm = self._reshape_weight_to_matrix(weight)
            h, w = wm.shape
            from ...random import rng
            dt = weight._data.dtype
            u = rng().standard_normal(h).astype(dt)
            v = rng().standard_normal(w).astype(dt)
            self.register_buffer("_u", _make(u / max(np.linalg.norm(u), eps)))
            self.register_buffer("_v", _make(v / max(np.linalg.norm(v), eps)))
            self._power_method(wm, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        # u <- W v / |W v|, v <- W^T u / |W^T u|, on the buffers in place (no graph).
        W = weight_mat._data
        u, v = self._u._data, self._v._data
        for _ in range(n_power_iterations):
            wu = W @ v
            u[...] = wu / max(np.linalg.norm(wu), self.eps)
            wv = W.T @ u
            v[...] = wv / max(np.linalg.norm(wv), self.eps)

    def forward(self, weight):
        if weight.dim() == 1:
            from ..functional import normalize
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            with no_grad():
                self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = (u * (weight_mat @ v)).sum()
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """weight / sigma_max(weight), sigma estimated by power iteration in training mode
    (Miyato et al., 2018); dim defaults to 1 for ConvTranspose layers, else 0.

    >>> lin = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 4))
    >>> for _ in range(20):                    # power iteration runs at each training forward
    ...     _ = lin(chainrule.randn(1, 4))
    >>> round(chainrule.linalg.svdvals(lin.weight)[0].item(), 3)
    1.0
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations,
                                                                     dim, eps))
    return module


# --- orthogonal ----------------------------------------------------------------------
def _eye(n, like):
    return _make(np.eye(n, dtype=like._data.dtype))


def _matrix_exp(A):
    """exp(A) by scaling and squaring a Taylor series, composed of differentiable ops."""
    norm = float(np.abs(A._data).sum(-2).max()) if A._data.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm / 0.25)))) if norm > 0.25 else 0
    X = A / (2 ** s)
    n = A.shape[-1]
    result = _eye(n, A) + X
    term = X
    for k in range(2, 19):
        term = term @ X / k
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


def _householder_product(A, tau):
    """Q = H_1 ... H_k with H_i = I - tau_i v_i v_i^T, v_i = e_i + A[i+1:, i] (LAPACK's
    orgqr), as differentiable ops; A is (..., n, k)."""
    n, k = A.shape[-2], A.shape[-1]
    Q = _eye(n, A).expand(tuple(A.shape[:-2]) + (n, n))
    unit = np.eye(n, dtype=A._data.dtype)
    lower = np.tril(np.ones((n, k), dtype=A._data.dtype), -1)
    V = A * _make(lower) + _make(unit[:, :k])
    for i in range(k):
        v = V[..., :, i:i + 1]
        Q = Q - (Q @ v) @ (v.mT * tau[..., i:i + 1].unsqueeze(-1))
    return Q[..., :, :k]


def _make_orthogonal(A):
    q, r = np.linalg.qr(A._data)
    d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    d = np.where(d == 0, 1, d)
    return _make((q * d[..., None, :]).astype(A._data.dtype))


def _is_orthogonal(Q, eps=None):
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10 * n * float(np.finfo(Q._data.dtype).eps) if eps is None else eps
    q = Q._data
    return np.allclose(np.swapaxes(q, -1, -2) @ q, np.eye(k), atol=eps)


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.size(-2), X.size(-1)
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:
                pad = _make(np.zeros(tuple(X.shape[:-2]) + (n, n - k), X._data.dtype))
                X = _f.cat([X, pad], dim=-1)
            A = X - X.mT
            if self.orthogonal_map == "matrix_exp":
                Q = _matrix_exp(A)
            else:
                from ... import linalg
                Id = _eye(n, A)
                Q = linalg.solve(Id - 0.5 * A, Id + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            diag = np.diagonal(X._data, axis1=-2, axis2=-1).astype(np.int64)
            Q = Q * _make(diag.astype(X._data.dtype)[..., None, :])
        if getattr(self, "base", None) is not None:
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        if tuple(Q.shape) != tuple(self.shape):
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.")
        Q_init = Q
        n, k = Q.size(-2), Q.size(-1)
        if n < k:
            Q = Q.mT
            n, k = k, n
        if "base" not in self._buffers:
            if self.orthogonal_map in ("matrix_exp", "cayley"):
                raise NotImplementedError("It is not possible to assign to the matrix "
                                          "exponential or the Cayley parametrizations when "
                                          "use_trivialization=False.")
            q, r = np.linalg.qr(Q._data)
            raise NotImplementedError("orthogonal: assigning with use_trivialization=False "
                                      "and householder is not supported")
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:
            from ...random import rng
            N = rng().standard_normal(tuple(Q.shape[:-2]) + (n, n - k)).astype(Q._data.dtype)
            Q = _make_orthogonal(_f.cat([Q, _make(N)], dim=-1))
        self.base = Q
        neg_id = np.zeros(tuple(Q_init.shape), Q_init._data.dtype)
        idx = np.arange(min(neg_id.shape[-2:]))
        neg_id[..., idx, idx] = -1.0
        return _make(neg_id)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Keep module.<name> orthogonal (Q^T Q = I), through the matrix exponential, the
    Cayley map or Householder reflections of an unconstrained matrix.

    >>> lin = nn.utils.parametrizations.orthogonal(nn.Linear(3, 3))
    >>> Q = lin.weight
    >>> chainrule.allclose(Q.T @ Q, chainrule.eye(3), atol=1e-5)
    True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.dim() < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.dim()} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.size(-2) == weight.size(-1) else "householder"
    if orthogonal_map not in ("matrix_exp", "cayley", "householder"):
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
