"""More functional forms (re-exported by nn.functional): LP pooling, local response
normalisation, embedding_bag, the shrink / randomized activations and their in-place
variants, bilinear, pdist, gumbel_softmax, feature_alpha_dropout.

Each is composed from recorded ops the way PyTorch's torch/nn/functional.py composes it,
so gradients (and grad-of-grad) come from the ops' own backward formulas.
"""
import numpy as np

from .. import functions as _f
from ..functions import conv as _C
from ..functions._util import floating
from ..functions.elementwise import Where
from ..tensor import Tensor

_make = Tensor._make


# --- LP pooling -------------------------------------------------------------------------
def _lp_poolnd(x, norm_type, kernel_size, stride, ceil_mode, nd, op):
    """(sum over each window of x^p)^(1/p), as PyTorch: avg_pool(x^p) * window size, then
    the 1/p power; the gradient is zero where a window's sum is zero."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    k = _C._ntuple(kernel_size, nd, "kernel_size", op)
    p = float(norm_type)
    maxpool = getattr(_C, f"max_pool{nd}d")
    if p == float("inf"):
        return maxpool(_f.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    if p == -float("inf"):
        return -maxpool(-_f.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    avgpool = getattr(_C, f"avg_pool{nd}d")
    out = avgpool(x.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # PyTorch's sign(out) * relu(|out|) is `out` whose gradient is zero where out == 0
    # (relu's backward masks the infinite d/dout of out^(1/p) there); a where does the same
    # without forming 0 * inf.
    out = Where.apply(out, _make(np.zeros((), out._data.dtype)), cond=out._data != 0)
    return (out * float(np.prod(k))).pow(1.0 / p)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """Power-average pooling of (N, C, L): (sum_window x^p)^(1/p); p = inf is max |x|.

    >>> F.lp_pool1d(chainrule.tensor([[[3., 4., 1., 0.]]]), 2, 2).tolist()
    [[[5.0, 1.0]]]
    """
    return _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, 1, "lp_pool1d")


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """Power-average pooling of (N, C, H, W): (sum_window x^p)^(1/p).

    >>> F.lp_pool2d(torch.tensor([[[[3.0, 0.0], [0.0, 4.0]]]]), 2, 2)
    tensor([[[[5.]]]])
    """
    return _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, 2, "lp_pool2d")


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """Power-average pooling of (N, C, D, H, W): (sum_window x^p)^(1/p).

    >>> F.lp_pool3d(torch.ones(1, 1, 2, 2, 2), 1, 2)
    tensor([[[[[8.]]]]])
    """
    return _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, 3, "lp_pool3d")


# --- local response normalisation -------------------------------------------------------
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    """x_c / (k + alpha/size * sum_{c' near c} x_{c'}^2)^beta over channels (dim 1), the
    window size channels wide (size//2 before c, (size-1)//2 after; zeros past the ends),
    composed as PyTorch: an average pool of x^2 over the channel dim.

    >>> F.local_response_norm(chainrule.ones(1, 3, 2, 2), 2).shape
    chainrule.Size([1, 3, 2, 2])
    """
    from ..functions.shape import pad
    if not isinstance(input, Tensor):
        raise TypeError(f"local_response_norm(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input "
                         f"(got {dim} dimensions, shape {list(input.shape)})")
    if input.numel() == 0:
        return input
    div = input * input
    if dim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = _C.avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = _C.avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).reshape(sizes)
    div = (div * alpha + k).pow(beta)
    return input / div


def _cross_map_window(channels, size):
    """(C, C) 0/1 matrix: row c marks the channels whose squares PyTorch's CrossMapLRN2d
    sums for channel c. Its running-sum loop (torch/nn/modules/_functions.py) adds channels
    up to c + pre_pad - 1 and drops those below c - pre_pad + 1, except channel 0, which it
    never drops: that is PyTorch's output, kept here so that outputs match."""
    pre = int((size - 1) / 2 + 1)
    c = np.arange(channels)[:, None]
    j = np.arange(channels)[None, :]
    return ((j <= c + pre - 1) & ((j >= c - pre + 1) | (j == 0))).astype(np.float64)


def cross_map_lrn2d(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    """CrossMapLRN2d's function: x_c (k + alpha/size * sum_{c' in window(c)} x_{c'}^2)^-beta
    on (N, C, H, W), with PyTorch's windows (_cross_map_window). The gradient is the exact
    derivative of this output (PyTorch's hand-written backward is not: its own gradcheck
    fails)."""
    from ..functions.linalg import matmul
    if not isinstance(input, Tensor):
        raise TypeError(f"CrossMapLRN2d: argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dim() != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
    n, c, h, w = input.shape
    m = _make(_cross_map_window(c, size).astype(input._data.dtype))
    sums = matmul(m, (input * input).reshape(n, c, h * w)).reshape(n, c, h, w)
    return input * (sums * (alpha / size) + k).pow(-beta)


# --- embedding_bag ----------------------------------------------------------------------
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,  # noqa: A002
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of embedding rows, without forming the (L, D)
    lookups as a batch: input is 1-D with offsets (bag b is input[offsets[b]:offsets[b+1]],
    the last bag runs to the end unless include_last_offset), or 2-D (B, N), one bag per
    row. Rows at padding_idx are left out of every bag (and of the mean's count); empty
    bags give zeros. per_sample_weights (mode='sum' only) weight each looked-up row.

    >>> w = chainrule.arange(6.).reshape(3, 2)
    >>> F.embedding_bag(chainrule.tensor([0, 2, 1]), w, chainrule.tensor([0, 2]), mode="sum")
    tensor([[4., 6.],
            [2., 3.]])
    """
    from ..functions import embedding_bag as _EB
    from ..functions.index import scatter_add
    from ._functional import embedding
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("embedding_bag(): input and weight must be Tensors")
    if weight._data.dtype.kind in "iu" and input._data.dtype.kind == "f":
        import warnings
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({list(per_sample_weights.shape)})"
                         f" is not None, then it must have the same shape as the input "
                         f"({list(input.shape)})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding_bag: Expected tensor for argument #1 'indices' to have "
                           f"one of the following scalar types: Long, Int; but got "
                           f"{input.dtype} instead")
    psw = per_sample_weights
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated "
                             f"is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {type(offsets)}")
        offs = np.arange(0, idx.size, idx.shape[1]) if idx.shape[1] else \
            np.zeros(idx.shape[0], dtype=np.int64)
        include_last_offset = False
        n_rows = idx.shape[0]
        idx = idx.reshape(-1)
        if psw is not None:
            psw = psw.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        offs = offsets._data if isinstance(offsets, Tensor) else np.asarray(offsets)
        if offs.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        if offs.dtype.kind not in "iu":
            raise RuntimeError(f"embedding_bag: Expected tensor for argument #2 'offsets' to "
                               f"have one of the following scalar types: Long, Int; but got "
                               f"{offs.dtype} instead")
        n_rows = None
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{idx.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if psw is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' "
                                  f"(got mode='{mode}'). Please open a feature request on "
                                  f"GitHub.")
    n = weight.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError("padding_idx must be within num_embeddings")
        padding_idx %= n
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(np.flatnonzero((idx < 0) | (idx >= n))[0])
        raise IndexError(f"embedding_bag: Index {bad} of input takes value {int(idx[bad])} "
                         f"which is not in the valid range [0, {n})")
    n_bags, bag = _EB.bag_layout(offs, idx.size, include_last_offset)
    if n_rows is not None:
        n_bags = n_rows
    if padding_idx is not None:
        bag = np.where(idx == padding_idx, -1, bag)
    # every looked-up row (max_norm renormalises them in place, as PyTorch)
    rows = embedding(_make(idx.astype(np.int64, copy=False)), weight, None, max_norm, norm_type)
    if scale_grad_by_freq:
        # each row's gradient divided by how often its index occurs in the input (the
        # frequency F.embedding uses; PyTorch's embedding_bag miscounts singletons)
        _, inv, cnt = np.unique(idx, return_inverse=True, return_counts=True)
        rows = _EB.GradScale.apply(rows, scale=(1.0 / cnt[inv.reshape(-1)])[:, None].astype(
            rows._data.dtype))
    D = weight.shape[1]
    dt = rows._data.dtype
    keep = np.flatnonzero(bag >= 0)
    if mode == "max":
        from ..functions.index import Gather
        best, empty = _EB.bag_argmax(rows._data, bag, n_bags)
        if keep.size == 0:  # every bag empty: zeros (still a function of weight)
            return scatter_add(_make(np.zeros((n_bags, D), dt)), 0,
                               _make(np.zeros((0, D), np.int64)), rows[:0])
        picked = Gather.apply(rows, dim=0, index=best)
        return Where.apply(_make(np.zeros((), dt)), picked, cond=empty[:, None])
    if keep.size != idx.size:  # padding entries, or entries past the last bag
        rows = rows[_make(keep)]
        if psw is not None:
            psw = psw[_make(keep)]
    owner = bag[keep]
    if mode == "mean":
        counts = np.bincount(owner, minlength=n_bags)
        rows = rows * _make((1.0 / counts[owner])[:, None].astype(dt))
    elif psw is not None:
        w = psw.to(rows.dtype) if psw._data.dtype != dt else psw
        rows = rows * w.unsqueeze(1)
    target = np.ascontiguousarray(np.broadcast_to(owner[:, None], (owner.size, D)))
    return scatter_add(_make(np.zeros((n_bags, D), dt)), 0, _make(target), rows)


# --- shrink and randomized activations ---------------------------------------------------
def _where(cond, a, b):
    """where(cond, a, b) for a constant boolean array cond (no gradient leaks across)."""
    from ..functions._util import as_operand
    return Where.apply(as_operand(a), as_operand(b), cond=cond)


def hardshrink(input, lambd=0.5):  # noqa: A002
    """x where |x| > lambd, else 0.

    >>> F.hardshrink(chainrule.tensor([-1.0, 0.25, 0.75]), 0.5).tolist()
    [-1.0, 0.0, 0.75]
    """
    x = floating(input)
    return _where(np.abs(x._data) > lambd, x, _make(np.zeros((), x._data.dtype)))


def softshrink(input, lambd=0.5):  # noqa: A002
    """Applies soft shrinkage elementwise.

    x - lambd where x > lambd, x + lambd where x < -lambd, else 0.

    >>> F.softshrink(torch.tensor([-2.0, 0.25, 1.0]), lambd=0.5)
    tensor([-1.5000,  0.0000,  0.5000])
    """
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be "
                           f"{lambd}.")
    x = floating(input)
    a = x._data
    zero = _make(np.zeros((), a.dtype))
    return _where(a > lambd, x - lambd, _where(a < -lambd, x + lambd, zero))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False,  # noqa: A002
          generator=None):
    """Randomized leaky ReLU (Xu et al., 2015): in training each negative element gets
    its own slope a ~ U(lower, upper) from the seeded generator; in eval the slope is
    (lower + upper) / 2.

    >>> x = torch.tensor([-3.0, 2.0])
    >>> F.rrelu(x)                                   # eval: slope (lower + upper) / 2
    tensor([-0.6875,  2.0000])
    >>> slope = F.rrelu(x, training=True)[0] / -3.0  # training: a random slope in [1/8, 1/3]
    >>> bool(1 / 8 <= slope <= 1 / 3)
    True
    """
    from ..random import rng
    from ..functions.elementwise import leaky_relu
    if inplace:
        return rrelu_(input, lower, upper, training)
    x = floating(input)
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    a = x._data
    slopes = rng(generator).uniform(lower, upper, a.shape).astype(a.dtype)
    return x * _make(np.where(a > 0, a.dtype.type(1), slopes))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """Alpha dropout of whole channels (dims 0 and 1 of the input pick the channel): each
    dropped channel is set to SELU's negative saturation, then all are scaled and shifted
    to keep mean 0 and variance 1 (PyTorch's formula).

    >>> x = torch.ones(1, 4, 3)
    >>> F.feature_alpha_dropout(x, 0.5) is x         # training=False by default: identity
    True
    >>> y = F.feature_alpha_dropout(x, 0.5, training=True)
    >>> bool((y == y[:, :, :1]).all())               # each channel kept or dropped whole
    True
    """
    from ..random import rng
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if input.dim() < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input "
                           f"(got shape {list(input.shape)})")
    dt = input._data.dtype
    if p == 1.0:
        return input * _make(np.zeros((), dt))
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    keep = rng().random(shape) < 1 - p
    alpha = 1.7580993408473766
    a = 1.0 / np.sqrt((alpha * alpha * p + 1) * (1 - p))
    b = (keep - 1.0) * (alpha * a) + alpha * a * p
    return input * _make((keep * a).astype(dt)) + _make(b.astype(dt))


# --- in-place functional activations -----------------------------------------------------
def _inplace(name, fn):
    from ..functions.inplace import apply_inplace

    def op(input, *args, **kwargs):  # noqa: A002
        return apply_inplace(input, lambda t: fn(t, *args, **kwargs), None, name)
    op.__name__ = name
    args = ", 0.5, 0.0" if name == "threshold_" else ""  # threshold_ has required arguments
    op.__doc__ = f"In-place {name[:-1]}: overwrites input (recorded like Tensor.{name[:-1]}_ " \
                 f"would be) and returns it.\n\n" \
                 f">>> x = torch.tensor([-1.0, 0.25, 2.0])\n" \
                 f">>> y = F.{name}(x{args})\n" \
                 f">>> y is x, torch.equal(x, F.{name[:-1]}(torch.tensor([-1.0, 0.25, 2.0]){args}))\n" \
                 f"(True, True)\n"
    return op


def _relu(x):
    from ..functions.elementwise import relu
    return relu(x)


def _elu(x, alpha=1.0):
    from ..functions.elementwise import elu
    return elu(x, alpha)


def _leaky_relu(x, negative_slope=0.01):
    from ..functions.elementwise import leaky_relu
    return leaky_relu(x, negative_slope)


def _hardtanh(x, min_val=-1.0, max_val=1.0):
    from ._functional import hardtanh
    return hardtanh(x, min_val, max_val)


def _selu(x):
    from ._functional import selu
    return selu(x)


def _celu(x, alpha=1.0):
    from ._functional import celu
    return celu(x, alpha)


def _threshold(x, threshold, value):
    from ._functional import threshold as thr
    return thr(x, threshold, value)


relu_ = _inplace("relu_", _relu)
elu_ = _inplace("elu_", _elu)
leaky_relu_ = _inplace("leaky_relu_", _leaky_relu)
hardtanh_ = _inplace("hardtanh_", _hardtanh)
selu_ = _inplace("selu_", _selu)
celu_ = _inplace("celu_", _celu)
threshold_ = _inplace("threshold_", _threshold)
rrelu_ = _inplace("rrelu_", lambda x, lower=1.0 / 8, upper=1.0 / 3, training=False:
                  rrelu(x, lower, upper, training))


# --- bilinear, pdist, gumbel_softmax -----------------------------------------------------
def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T A_k x2 + b_k over the last dims: x1 (*, in1), x2 (*, in2), weight
    (out, in1, in2), bias (out,).

    >>> F.bilinear(chainrule.ones(2, 3), chainrule.ones(2, 4), chainrule.ones(5, 3, 4)).shape
    chainrule.Size([2, 5])
    """
    from ..functions.linalg import einsum
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got shape "
                           f"{list(weight.shape)}")
    if input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input1 size {list(input1.shape)} and input2 size "
                           f"{list(input2.shape)} do not match weight size "
                           f"{list(weight.shape)} (in1 = weight.size(1), in2 = weight.size(2))")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear(): input1 and input2 must have the same leading "
                           f"dimensions, got {list(input1.shape)} and {list(input2.shape)}")
    y = einsum("...i,kij,...j->...k", input1, weight, input2)
    return y + bias if bias is not None else y


def pdist(input, p=2):  # noqa: A002
    """||x_i - x_j||_p for every pair of rows i < j of an (N, M) input, in row-major order
    of the upper triangle: N (N - 1) / 2 distances.

    >>> F.pdist(chainrule.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 4.0]])).tolist()
    [5.0, 4.0, 3.0]
    """
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = input[_make(i)] - input[_make(j)]
    return diff.norm(p, -1)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) with Gumbel(0, 1) noise g from the seeded generator
    (Jang et al., 2016); hard=True returns the one-hot argmax in the forward pass with the
    soft sample's gradient (straight-through).

    >>> logits = torch.tensor([[1.0, 2.0, 3.0]])
    >>> y = F.gumbel_softmax(logits, tau=0.5)
    >>> y.shape, torch.allclose(y.sum(-1), torch.ones(1))
    (chainrule.Size([1, 3]), True)
    >>> h = F.gumbel_softmax(logits, hard=True)
    >>> h.sum().item(), sorted(h.unique().tolist())
    (1.0, [0.0, 1.0])
    """
    from ..functions.reduce import softmax
    from ..creation import empty_like
    g = -empty_like(logits).exponential_().log()
    y_soft = softmax((logits + g) / tau, dim)
    if not hard:
        return y_soft
    d = dim % y_soft.dim()
    index = np.expand_dims(np.argmax(y_soft._data, axis=d), d)
    hard_arr = np.zeros_like(y_soft._data)
    np.put_along_axis(hard_arr, index, 1.0, axis=d)
    return _make(hard_arr) - y_soft.detach() + y_soft
