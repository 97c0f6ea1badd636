"""Functional forms of the layers, activations and losses (re-exported by nn.functional).

Each function composes recorded ops from chainrule.functions; the numerically delicate
losses (cross-entropy on logits, BCE, BCE-with-logits) and embedding are single fused ops
from chainrule.functions.nn_ops.
"""
import math
import warnings

import numpy as np

from .. import functions as _f
from ..autograd.grad_mode import GRAD_ENABLED, no_grad
from ..functions import nn_ops as _ops
from ..functions._util import as_operand, floating
from ..functions.elementwise import (relu, leaky_relu, elu, gelu, softplus, silu,  # noqa: F401
                                     sigmoid, tanh)
from ..functions.linalg import linear  # noqa: F401  (the fused one-node Linear op)
from ..functions.index import one_hot  # noqa: F401
from ..creation import ones_like, zeros_like
from ..random import rng
from ..tensor import Tensor

_make = Tensor._make


# --- activations ------------------------------------------------------------------------
def _implicit_dim(ndim, name):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """Applies softmax along dim: the entries become positive and sum to 1.

    exp(x_i) / sum_j exp(x_j) along dim (max subtracted first: no overflow).

    >>> F.softmax(torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), dim=1)
    tensor([[0.0900, 0.2447, 0.6652],
            [0.3333, 0.3333, 0.3333]])
    """
    if dim is None:
        dim = _implicit_dim(input.dim(), "softmax")
    if dtype is not None:
        input = input.to(dtype)
    return _f.softmax(input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """Applies log(softmax(x)) along dim.

    x_i - log sum_j exp(x_j) along dim, computed stably (exact for |x| ~ 1e4).

    >>> F.log_softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([-2.4076, -1.4076, -0.4076])
    """
    if dim is None:
        dim = _implicit_dim(input.dim(), "log_softmax")
    if dtype is not None:
        input = input.to(dtype)
    return _f.log_softmax(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """Applies softmin along dim: softmax of the negated input.

    softmax(-x) along dim.

    >>> F.softmin(torch.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([0.6652, 0.2447, 0.0900])
    """
    if dim is None:
        dim = _implicit_dim(input.dim(), "softmin")
    return softmax(-input, dim, dtype=dtype)


def relu6(input, inplace=False):  # noqa: A002
    """Applies ReLU6 elementwise.

    min(max(x, 0), 6).

    >>> F.relu6(torch.tensor([-2.0, 0.5, 8.0]))
    tensor([0.0000, 0.5000, 6.0000])
    """
    return hardtanh(input, 0.0, 6.0)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    """Applies HardTanh elementwise.

    x clamped to [min_val, max_val]; integer inputs stay integers (the bounds truncated
    toward zero, as PyTorch casts them).

    >>> F.hardtanh(torch.tensor([-2.0, 0.5, 8.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    >>> F.hardtanh(torch.tensor([-2.0, 0.5, 8.0]), min_val=0.0, max_val=2.0)
    tensor([0.0000, 0.5000, 2.0000])
    """
    if isinstance(input, _f.Tensor) and input._data.dtype.kind in "iu":
        return _f.clamp(input, math.trunc(min_val), math.trunc(max_val))
    return _f.clamp(floating(input), min_val, max_val)


def selu(input, inplace=False):  # noqa: A002
    """Applies SELU elementwise.

    scale * elu(x, alpha) with the self-normalising constants (Klambauer et al., 2017).

    >>> F.selu(torch.tensor([-1.0, 0.0, 1.0]))
    tensor([-1.1113,  0.0000,  1.0507])
    """
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * elu(input, alpha)


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    """Applies CELU elementwise.

    max(0, x) + min(0, alpha (exp(x / alpha) - 1)).

    >>> F.celu(torch.tensor([-1.0, 0.0, 1.0]), alpha=2.0)
    tensor([-0.7869,  0.0000,  1.0000])
    """
    return alpha * elu(input / alpha, 1.0) if alpha != 1.0 else elu(input, 1.0)


def logsigmoid(input):  # noqa: A002
    """Applies log-sigmoid elementwise.

    log sigmoid(x) = -softplus(-x), stable for large |x|.

    >>> F.logsigmoid(torch.tensor([-100.0, 0.0, 2.0]))
    tensor([-100.0000,   -0.6931,   -0.1269])
    """
    return -softplus(-input, 1.0, float("inf"))


def softsign(input):  # noqa: A002
    """Applies softsign elementwise.

    x / (1 + |x|).

    >>> F.softsign(torch.tensor([-3.0, 0.0, 1.0]))
    tensor([-0.7500,  0.0000,  0.5000])
    """
    return input / (1 + _f.abs(input))


def tanhshrink(input):  # noqa: A002
    """Applies tanhshrink elementwise.

    x - tanh(x).

    >>> F.tanhshrink(torch.tensor([-1.0, 0.0, 2.0]))
    tensor([-0.2384,  0.0000,  1.0360])
    """
    return input - tanh(input)


def mish(input, inplace=False):  # noqa: A002
    """Applies Mish elementwise.

    x * tanh(softplus(x)) (Misra, 2019).

    >>> F.mish(torch.tensor([-1.0, 0.0, 2.0]))
    tensor([-0.3034,  0.0000,  1.9440])
    """
    return input * tanh(softplus(input))


def hardsigmoid(input, inplace=False):  # noqa: A002
    """Applies the hard sigmoid elementwise.

    clamp(x / 6 + 1/2, 0, 1).

    >>> F.hardsigmoid(torch.tensor([-4.0, 0.0, 1.5, 4.0]))
    tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """
    return _f.clamp(input / 6 + 0.5, 0.0, 1.0)


def hardswish(input, inplace=False):  # noqa: A002
    """Applies hard swish elementwise.

    x * hardsigmoid(x).

    >>> F.hardswish(torch.tensor([-4.0, -1.0, 1.0, 4.0]))
    tensor([-0.0000, -0.3333,  0.6667,  4.0000])
    """
    return input * hardsigmoid(input)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """Thresholds each element: keeps it above threshold, else replaces it by value.

    x where x > threshold, else value.

    >>> F.threshold(torch.tensor([-1.0, 0.5, 2.0]), 1.0, 0.0)
    tensor([0., 0., 2.])
    """
    return _f.where(input > threshold, input, value)


def glu(input, dim=-1):  # noqa: A002
    """Applies the gated linear unit along dim.

    a * sigmoid(b), with a, b the two halves of input along dim.

    >>> F.glu(torch.tensor([[1.0, 2.0, 0.0, 100.0]]), dim=-1)
    tensor([[0.5000, 2.0000]])
    """
    if input.shape[dim] % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {dim} is size "
                           f"{input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * sigmoid(b)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002
    """Scales vectors along dim to unit p-norm.

    x / max(||x||_p, eps) along dim.

    >>> F.normalize(torch.tensor([[3.0, 4.0], [0.0, 2.0]]), dim=1)
    tensor([[0.6000, 0.8000],
            [0.0000, 1.0000]])
    """
    n = input.norm(p, dim, keepdim=True)
    return input / n.clamp(min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (max(||x1||, eps) max(||x2||, eps)) along dim, as PyTorch computes it:
    x1 and x2 broadcast first; the eps clamp is outside autograd (the norm's gradient
    passes through it unchanged).

    >>> F.cosine_similarity(chainrule.tensor([[1.0, 0.0], [1.0, 1.0]]), chainrule.tensor([[2.0, 0.0]]))
    tensor([1.0000, 0.7071])
    """
    from ..functions.shape import broadcast_tensors
    x1, x2 = broadcast_tensors(x1, x2)
    n1 = _clamp_outside_autograd(x1.norm(2, dim, keepdim=True), eps)
    n2 = _clamp_outside_autograd(x2.norm(2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _clamp_outside_autograd(t, low):
    """t clamped below at `low` in value, with t's gradient (PyTorch's `with no_grad():
    t.clamp_(min=low)` on a clone): t plus a constant offset."""
    d = t._data
    if not (d < low).any():
        return t
    return t + _make((np.maximum(d, low) - d).astype(d.dtype))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """Returns the p-norm distance between rows of x1 and x2.

    ||x1 - x2 + eps||_p along the last dim.

    >>> x1, x2 = torch.tensor([[0.0, 0.0], [1.0, 1.0]]), torch.tensor([[3.0, 4.0], [1.0, 1.0]])
    >>> F.pairwise_distance(x1, x2)           # eps = 1e-6 is added to the difference
    tensor([5.0000e+00, 1.4142e-06])
    """
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


# --- dropout ----------------------------------------------------------------------------
def dropout(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Applies dropout: randomly zeroes elements during training.

    Zero each element with probability p and scale the rest by 1 / (1 - p) (inverted
    dropout: no rescaling needed at eval). Identity when not training. Randomness from
    chainrule.random (manual_seed reproduces the mask).

    >>> out = F.dropout(torch.ones(1000), p=0.5)
    >>> out.unique()
    tensor([0., 2.])
    >>> F.dropout(torch.ones(3), p=0.5, training=False)
    tensor([1., 1., 1.])
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    x = floating(input)
    if p == 1.0:
        return x * _make(np.zeros((), x._data.dtype))
    keep = rng(generator).random(x._data.shape, dtype=np.float32) >= p
    mask = keep.astype(x._data.dtype)
    mask *= x._data.dtype.type(1.0 / (1.0 - p))
    return x * _make(mask)


def dropout1d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Randomly zeroes whole channels of a 1-D feature map.

    Zero whole channels of (N, C, L) / (C, L) inputs with probability p.

    >>> out = F.dropout1d(torch.ones(1, 100, 4), p=0.5)
    >>> out.unique()
    tensor([0., 2.])
    >>> bool(((out == 0).all(-1) | (out == 2).all(-1)).all())
    True
    """
    return _channel_dropout(input, p, training, 3)


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Randomly zeroes whole channels of a 2-D feature map.

    Zero whole channels of (N, C, H, W) / (C, H, W) inputs with probability p.

    >>> out = F.dropout2d(torch.ones(1, 100, 2, 2), p=0.5)
    >>> out.unique()
    tensor([0., 2.])
    >>> bool(((out == 0).flatten(2).all(-1) | (out == 2).flatten(2).all(-1)).all())
    True
    """
    return _channel_dropout(input, p, training, 4)


def dropout3d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Randomly zeroes whole channels of a 3-D feature map.

    Zero whole channels of 5-D / 4-D inputs with probability p.

    >>> out = F.dropout3d(torch.ones(1, 100, 2, 2, 2), p=0.5)
    >>> out.unique()
    tensor([0., 2.])
    >>> bool(((out == 0).flatten(2).all(-1) | (out == 2).flatten(2).all(-1)).all())
    True
    """
    return _channel_dropout(input, p, training, 5)


def _channel_dropout(input, p, training, batched_ndim):  # noqa: A002
    """Drop whole channels (axis 1 of a batched input)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    shape = input.shape
    batched = input.dim() == batched_ndim
    lead = 2 if batched else 1
    mshape = tuple(shape[:lead]) + (1,) * (input.dim() - lead)
    keep = rng().random(mshape, dtype=np.float32) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return input * _make((keep * scale).astype(input._data.dtype))


def alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """Applies alpha dropout (for SELU networks).

    Dropout for SELU networks: keeps mean and variance (Klambauer et al., 2017).

    >>> x = torch.ones(4)
    >>> F.alpha_dropout(x, p=0.2, training=False)
    tensor([1., 1., 1., 1.])
    >>> F.alpha_dropout(x, p=0.2, training=True).shape
    chainrule.Size([4])
    """
    if not training or p == 0.0:
        return input
    if p == 1.0:  # everything dropped: zeros (PyTorch multiplies by a zero)
        return input * _make(np.zeros((), input._data.dtype))
    alpha_p = -1.7580993408473766
    keep = rng().random(input._data.shape) >= p
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * p
    dt = input._data.dtype
    return input * _make((keep * a).astype(dt)) + _make(((~keep) * (a * alpha_p) + b).astype(dt))


# --- normalisation ----------------------------------------------------------------------
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,  # noqa: A002
               momentum=0.1, eps=1e-5):
    """Applies batch normalisation over the channel dim 1.

    Normalise over every axis but the channel axis 1: (x - mean) / sqrt(var + eps) * w + b.

    training=True: batch statistics (biased variance), and running_mean / running_var are
    updated in place with momentum: r = (1 - momentum) r + momentum * stat (unbiased var).
    training=False: the running statistics.

    >>> x = torch.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> F.batch_norm(x, torch.zeros(2), torch.ones(2), training=True)
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]])
    """
    x = input
    if x.numel() == 0 and x.dim() < 2:  # PyTorch returns an empty input as it is
        return x.clone()
    if x.dim() < 2:
        raise ValueError(f"batch_norm: expected at least 2D input (got {x.dim()}D input)")
    C = x.shape[1]
    axes = (0,) + tuple(range(2, x.dim()))
    shape = (1, C) + (1,) * (x.dim() - 2)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise RuntimeError(f"batch_norm: {name} should contain {C} elements (the input's "
                               f"channel dim 1 of shape {list(x.shape)}) not {t.numel()}")
    if training and x.numel() == 0:  # an empty batch: an empty result, statistics untouched
        y = x * 1.0
        y = y * weight.reshape(shape) if weight is not None else y
        return y + bias.reshape(shape) if bias is not None else y
    if training:
        n = x.numel() // C
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {list(x.shape)}")
        running = None
        if running_mean is not None and running_var is not None:
            running = (running_mean._data, running_var._data, momentum)
        params = [t for t in (weight, bias) if t is not None]
        y = _ops.Normalize.apply(x, *params, axes=axes, eps=eps, has_w=weight is not None,
                                 has_b=bias is not None, wshape=shape, running=running)
        if running is not None:
            running_mean._version[0] += 1
            running_var._version[0] += 1
        return y
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when "
                               "training=False")
        dt = x._data.dtype
        rm = running_mean._data.reshape(shape).astype(dt, copy=False)
        inv = (1.0 / np.sqrt(running_var._data.reshape(shape) + eps)).astype(dt)
        if not (GRAD_ENABLED[0] and any(t is not None and t.requires_grad
                                        for t in (x, weight, bias))):
            # Inference: one fused scale-and-shift on arrays, nothing recorded.
            sc = inv * weight._data.reshape(shape) if weight is not None else inv
            sh = -rm * sc
            if bias is not None:
                sh = sh + bias._data.reshape(shape)
            return _make((x._data * sc + sh).astype(dt, copy=False))
        if weight is not None:
            # Eval with gradients: fold into one scale and shift (x * s + t).
            s = weight.reshape(shape) * _make(inv)
            t = (bias.reshape(shape) if bias is not None else 0) - s * _make(rm)
            return x * s + t
        y = (x - _make(rm)) * _make(inv)
        return y + bias.reshape(shape) if bias is not None else y


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Applies layer normalisation over the last dims.

    Normalise over the last len(normalized_shape) axes, then * weight + bias.

    >>> F.layer_norm(torch.tensor([[1.0, 2.0, 3.0], [2.0, 2.0, 8.0]]), (3,))
    tensor([[-1.2247,  0.0000,  1.2247],
            [-0.7071, -0.7071,  1.4142]])
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k:]) != normalized_shape or input.dim() < k:
        raise RuntimeError(f"layer_norm: Given normalized_shape={list(normalized_shape)}, "
                           f"expected input with shape [*, {', '.join(map(str, normalized_shape))}]"
                           f", but got input of size {list(input.shape)}")
    axes = tuple(range(input.dim() - k, input.dim()))
    params = [t for t in (weight, bias) if t is not None]
    return _ops.Normalize.apply(floating(input), *params, axes=axes, eps=eps,
                                has_w=weight is not None, has_b=bias is not None,
                                wshape=normalized_shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Applies group normalisation.

    Normalise each group of channels over (channels in the group, spatial).

    >>> x = torch.arange(8.0).reshape(1, 4, 2)
    >>> F.group_norm(x, 2)
    tensor([[[-1.3416, -0.4472],
             [ 0.4472,  1.3416],
             [-1.3416, -0.4472],
             [ 0.4472,  1.3416]]])
    """
    N, C = input.shape[0], input.shape[1]
    if C % num_groups:
        raise RuntimeError(f"group_norm: Expected number of channels in input ({C}) to be "
                           f"divisible by num_groups ({num_groups})")
    if input.numel() == 0:  # an empty batch: an empty result (affine terms broadcast in)
        y = input * 1.0
        shape = (1, C) + (1,) * (input.dim() - 2)
        if weight is not None:
            y = y * weight.reshape(shape)
        return y + bias.reshape(shape) if bias is not None else y
    x = input.reshape(N, num_groups, -1)
    y = _ops.Normalize.apply(x, axes=(2,), eps=eps, has_w=False, has_b=False,
                             wshape=None).reshape(*input.shape)
    shape = (1, C) + (1,) * (input.dim() - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,  # noqa: A002
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Applies instance normalisation.

    Normalise each (sample, channel) over its spatial axes.

    use_input_stats=False normalises with running_mean / running_var instead (eval mode of
    InstanceNorm with track_running_stats). With use_input_stats and running buffers given,
    they move toward the batch average of the instance statistics (unbiased variance).

    >>> F.instance_norm(torch.tensor([[[1.0, 2.0, 3.0], [0.0, 2.0, 4.0]]]))
    tensor([[[-1.2247,  0.0000,  1.2247],
             [-1.2247,  0.0000,  1.2247]]])
    """
    if input.dim() < 3:
        raise ValueError(f"instance_norm: expected an input with at least 3 dims (N, C, ...), "
                         f"got shape {list(input.shape)}")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    axes = tuple(range(2, input.dim()))
    shape = (1, input.shape[1]) + (1,) * (input.dim() - 2)
    if running_mean is not None and running_var is not None:
        with no_grad():
            d = input._data
            n = d[0, 0].size
            m = momentum
            inst_var = d.var(axis=axes, ddof=1 if n > 1 else 0)
            running_mean._data *= 1 - m
            running_mean._data += (m * d.mean(axis=axes).mean(0)).astype(running_mean._data.dtype)
            running_var._data *= 1 - m
            running_var._data += (m * inst_var.mean(0)).astype(running_var._data.dtype)
            running_mean._version[0] += 1
            running_var._version[0] += 1
    params = [t for t in (weight, bias) if t is not None]
    return _ops.Normalize.apply(input, *params, axes=axes, eps=eps, has_w=weight is not None,
                                has_b=bias is not None, wshape=shape)


def prelu(input, weight):  # noqa: A002
    """Applies PReLU with a learnable slope for negative inputs.

    x where x > 0, else weight * x; weight has 1 or C (channel dim 1) entries.

    >>> F.prelu(torch.tensor([-2.0, 1.0]), torch.tensor([0.25]))
    tensor([-0.5000,  1.0000])
    """
    w = weight
    if w.numel() > 1:
        if input.dim() < 2 or input.shape[1] != w.numel():
            raise RuntimeError(f"prelu: mismatch of parameter numbers ({w.numel()}) and input "
                               f"channel size (input shape {list(input.shape)})")
        w = w.reshape((1, -1) + (1,) * (input.dim() - 2))
    elif input.dim() == 0:  # a 0-d input stays 0-d (the one weight broadcasts, not expands)
        w = w.reshape(())
    return _f.where(_make(input._data > 0), input, w * input)


def softmax2d(input):  # noqa: A002
    """Applies softmax over the channels at each spatial location.

    Softmax over the channel dim (-3) of (N, C, H, W) or (C, H, W).

    >>> F.softmax2d(torch.zeros(1, 2, 1, 2))
    tensor([[[[0.5000, 0.5000]],
    <BLANKLINE>
             [[0.5000, 0.5000]]]])
    """
    return softmax(input, -3)


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    """Applies root-mean-square normalisation over the last dims.

    x / sqrt(mean(x^2) + eps) over the last axes, then * weight.

    >>> F.rms_norm(torch.tensor([[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 2.0, 0.0]]), (4,))
    tensor([[1.0000, 1.0000, 1.0000, 1.0000],
            [1.4142, 0.0000, 1.4142, 0.0000]])
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    axes = tuple(range(input.dim() - len(normalized_shape), input.dim()))
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    y = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return y * weight if weight is not None else y


# --- embedding --------------------------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,  # noqa: A002
              scale_grad_by_freq=False, sparse=False):
    """Looks up rows of an embedding table.

    weight[input]: rows of the table for integer indices. Rows at padding_idx get no
    gradient. max_norm renormalises the looked-up rows in place (PyTorch's semantics).

    >>> table = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 4.0]])
    >>> F.embedding(torch.tensor([[2, 0], [1, 1]]), table)
    tensor([[[2., 4.],
             [0., 0.]],
    <BLANKLINE>
            [[1., 1.],
             [1., 1.]]])
    """
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: Expected tensor for argument #1 'indices' to have an "
                           f"integer scalar type, but got {idx.dtype} instead")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"embedding: index out of range in self (indices must be in "
                         f"[0, {n - 1}], got min {idx.min()} max {idx.max()})")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    if max_norm is not None:
        with no_grad():
            rows = np.unique(idx)
            w = weight._data
            norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
            big = norms > max_norm
            if big.any():
                w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
                weight._version[0] += 1
    return _ops.Embedding.apply(weight, indices=idx, padding_idx=padding_idx)


# --- losses -----------------------------------------------------------------------------
def _reduction(reduction, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:  # legacy arguments
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else ("mean" if size_average else "sum")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_same_size(input, target, name):  # noqa: A002
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"{name}: Using a target size ({list(target.shape)}) that is different "
                      f"to the input size ({list(input.shape)}). This will likely lead to "
                      "incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _arr(t, dtype):
    if t is None:
        return None
    a = t._data if isinstance(t, Tensor) else np.asarray(t)
    return a.astype(dtype, copy=False)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    """Returns the mean squared error.

    mean((x - y)^2) (or sum / none).

    >>> F.mse_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 0.0]))
    tensor(4.3333)
    >>> F.mse_loss(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]), reduction='none')
    tensor([1., 4.])
    """
    reduction = _reduction(reduction, size_average, reduce)
    _check_same_size(input, target, "mse_loss")
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    """Returns the mean absolute error.

    mean(|x - y|); the gradient at x == y is 0.

    >>> F.l1_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 0.0]))
    tensor(1.6667)
    """
    reduction = _reduction(reduction, size_average, reduce)
    _check_same_size(input, target, "l1_loss")
    loss = _f.abs(input - target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """Returns the Huber loss: quadratic for small errors, linear for large ones.

    0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); d = x - y.

    >>> F.huber_loss(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0]), reduction='none')
    tensor([0.1250, 2.5000])
    """
    _reduction(reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, "
                           f"got {delta}")
    _check_same_size(input, target, "huber_loss")
    d = input - target
    ad = _f.abs(d)
    mask = ad._data < delta
    loss = _f.where(_make(mask), 0.5 * d * d, delta * (ad - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
                   beta=1.0):
    """Returns the smooth L1 loss.

    0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta.

    >>> F.smooth_l1_loss(torch.tensor([0.5, 3.0]), torch.zeros(2), reduction='none', beta=1.0)
    tensor([0.1250, 2.5000])
    """
    reduction = _reduction(reduction, size_average, reduce)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    ad = _f.abs(d)
    loss = _f.where(_make(ad._data < beta), 0.5 * d * d / beta, ad - 0.5 * beta)
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    """Returns the binary cross-entropy of probabilities against targets.

    -w [y log x + (1 - y) log(1 - x)] on probabilities x, logs clamped at -100.

    >>> F.binary_cross_entropy(torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0]))
    tensor(0.1643)
    """
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({list(target.shape)}) that is different to the "
                         f"input size ({list(input.shape)}) is deprecated. Please ensure they "
                         "have the same size.")
    x = floating(input)
    y = _f.cast(as_operand(target), x._data.dtype) if not isinstance(target, Tensor) or \
        target._data.dtype != x._data.dtype else target
    return _ops.BCE.apply(x, y, weight=_arr(weight, x._data.dtype), reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction="mean", pos_weight=None):
    """Returns the binary cross-entropy of logits against targets.

    Sigmoid + BCE fused on logits: exact and finite for any logit magnitude.
    pos_weight (per class, broadcast over the last dim) scales the positive term.

    >>> logits, target = torch.tensor([2.0, -1.0, 100.0]), torch.tensor([1.0, 0.0, 0.0])
    >>> F.binary_cross_entropy_with_logits(logits, target)
    tensor(33.4801)
    """
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({list(target.shape)}) must be the same as input size "
                         f"({list(input.shape)})")
    x = floating(input)
    y = target if isinstance(target, Tensor) and target._data.dtype == x._data.dtype else \
        _f.cast(as_operand(target), x._data.dtype)
    return _ops.BCEWithLogits.apply(x, y, weight=_arr(weight, x._data.dtype),
                                    pos_weight=_arr(pos_weight, x._data.dtype),
                                    reduction=reduction)


_TORCH_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                     "uint8": "Byte", "bool": "Bool"}


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Returns the cross-entropy between logits and target classes.

    Cross-entropy of logits `input` (N, C), (N, C, d1, ...) or (C,) against class
    indices (N,), (N, d1, ...), () or class probabilities of input's shape.

    Class indices: one fused op (log-softmax + pick), exact for logits of magnitude 1e4;
    gradient softmax - onehot. Options as PyTorch: weight (C,), ignore_index,
    label_smoothing in [0, 1], reduction.

    >>> logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    >>> F.cross_entropy(logits, torch.tensor([0, 2]))
    tensor(0.1672)
    >>> F.cross_entropy(logits, torch.tensor([0, 2]), reduction='none', label_smoothing=0.1)
    tensor([0.3729, 0.2949])
    """
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if isinstance(input, Tensor) and not input.dtype.is_floating_point:
        # As PyTorch: logits must be floating point (log_softmax has no integer kernel).
        raise NotImplementedError(f'"log_softmax_lastdim_kernel_impl" not implemented for '
                                  f"'{_TORCH_TYPE_NAMES.get(input.dtype.name, input.dtype.name)}'"
                                  f" (cross_entropy input of dtype {input.dtype}; logits must "
                                  "be floating point)")
    x = floating(as_operand(input))
    if x.dim() == 0:
        raise RuntimeError("cross_entropy: input must have at least 1 dimension (C,) or "
                           "(N, C, ...); got a 0-d tensor")
    axis = 0 if x.dim() == 1 else 1
    C = x.shape[axis]
    dt = x._data.dtype
    w = _arr(weight, dt)
    if w is not None and w.shape != (C,):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {C} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(w.shape)}")
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind in "iu":
        expected = x.shape[:axis] + x.shape[axis + 1:]
        if tuple(t.shape) != tuple(expected):
            raise ValueError(f"cross_entropy: expected target of shape {list(expected)} for "
                             f"input of shape {list(x.shape)} (class axis {axis}), got "
                             f"{list(t.shape)}")
        return _ops.CrossEntropy.apply(x, target=t, axis=axis, weight=w,
                                       ignore_index=ignore_index,
                                       label_smoothing=float(label_smoothing),
                                       reduction=reduction)
    if t.dtype.kind != "f":
        raise RuntimeError(f"cross_entropy: expected target of integer class indices or float "
                           f"probabilities, got dtype {t.dtype}")
    if tuple(t.shape) != tuple(x.shape):
        raise RuntimeError(f"cross_entropy: probability target must have the input's shape "
                           f"{list(x.shape)}, got {list(t.shape)}")
    # Probabilities: -(sum_c w_c y_c log_softmax(x)_c), stable through log_softmax.
    y = target if isinstance(target, Tensor) else _make(t)
    if y._data.dtype != dt:
        y = _f.cast(y, dt)
    if label_smoothing:
        y = y * (1 - label_smoothing) + label_smoothing / C
    logp = _f.log_softmax(x, axis)
    prod = logp * y
    if w is not None:
        prod = prod * _make(w.reshape((-1,) + (1,) * (x.dim() - axis - 1)))
    loss = -prod.sum(axis)
    if reduction == "mean":
        n = x.numel() // C if x.numel() else 0
        return loss.sum() / n if n else loss.sum() * float("nan")
    return _reduce(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
             reduction="mean"):
    """Returns the negative log-likelihood loss of log-probabilities.

    -w_t input[t] for log-probabilities input (N, C, ...) and class indices t;
    'mean' divides by the sum of w_t over non-ignored targets.

    >>> logp = F.log_softmax(torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 3.0]]), dim=1)
    >>> F.nll_loss(logp, torch.tensor([0, 2]))
    tensor(0.1672)
    """
    reduction = _reduction(reduction, size_average, reduce)
    x = input
    axis = 0 if x.dim() == 1 else 1
    C = x.shape[axis]
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"nll_loss: expected target of integer class indices, got {t.dtype}")
    expected = tuple(x.shape[:axis] + x.shape[axis + 1:])
    if tuple(t.shape) != expected:
        raise ValueError(f"nll_loss: expected target of shape {list(expected)} for input of "
                         f"shape {list(x.shape)}, got {list(t.shape)}")
    valid = t != ignore_index
    tt = np.where(valid, t, 0)
    if tt.size and (tt.min() < 0 or tt.max() >= C):
        bad = tt[(tt < 0) | (tt >= C)].flat[0]
        raise IndexError(f"nll_loss: Target {bad} is out of bounds (input has {C} classes)")
    dt = x._data.dtype
    coef = (_arr(weight, dt)[tt] if weight is not None else np.ones(tt.shape, dt)) * valid
    picked = x.gather(axis, _make(np.expand_dims(tt, axis).astype(np.int64))).squeeze(axis)
    loss = -(picked * _make(coef.astype(dt)))
    if reduction == "mean":
        return loss.sum() / float(coef.sum())
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
           log_target=False):
    """Returns the Kullback-Leibler divergence; input holds log-probabilities.

    KL(target || exp(input)) pointwise: target (log target - input); 'batchmean'
    divides the sum by the batch size.

    >>> target = torch.tensor([[0.5, 0.5]])
    >>> F.kl_div(torch.tensor([[0.25, 0.75]]).log(), target, reduction='batchmean')
    tensor(0.1438)
    """
    if reduction == "batchmean":
        red = "batchmean"
    else:
        red = _reduction(reduction, size_average, reduce)
    if log_target:
        loss = _f.exp(target) * (target - input)
    else:
        # PyTorch's formula, xlogy(t, t) - t x: 0 at t == 0, NaN (value and gradient) for
        # t < 0 or NaN, as PyTorch gives them
        t = as_operand(target)
        loss = _f.xlogy(t, t) - t * input
    if red == "batchmean":
        return loss.sum() / (input.shape[0] if input.dim() else 1)
    return _reduce(loss, red)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """Returns the two-class logistic loss on labels -1 / 1.

    log(1 + exp(-y x)), stable through softplus.

    >>> F.soft_margin_loss(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 1.0]))
    tensor(0.7201)
    """
    reduction = _reduction(reduction, size_average, reduce)
    return _reduce(softplus(-target * input, 1.0, float("inf")), reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """Returns the margin ranking loss of two scores and a direction.

    max(0, -y (x1 - x2) + margin): y = 1 wants x1 ranked above x2.

    >>> x1, x2, y = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0]), torch.tensor([1.0, 1.0])
    >>> F.margin_ranking_loss(x1, x2, y, margin=0.5)
    tensor(1.2500)
    """
    reduction = _reduction(reduction, size_average, reduce)
    return _reduce(relu(-target * (input1 - input2) + margin), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    """Returns the hinge embedding loss on labels -1 / 1.

    x where y = 1, max(0, margin - x) where y = -1.

    >>> x, y = torch.tensor([0.3, 0.3, 2.0]), torch.tensor([1.0, -1.0, -1.0])
    >>> F.hinge_embedding_loss(x, y, reduction='none')
    tensor([0.3000, 0.7000, 0.0000])
    """
    reduction = _reduction(reduction, size_average, reduce)
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    loss = _f.where(_make(t == 1), input, zeros_like(input)) + \
        _f.where(_make(t == -1), relu(margin - input), zeros_like(input))
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """Returns the cosine embedding loss on labels -1 / 1.

    1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1.

    >>> a = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    >>> b = torch.tensor([[1.0, 1.0], [1.0, 1.0]])
    >>> F.cosine_embedding_loss(a, b, torch.tensor([1.0, -1.0]), reduction='none')
    tensor([0.2929, 0.7071])
    """
    reduction = _reduction(reduction, size_average, reduce)
    cos = cosine_similarity(input1, input2, dim=-1, eps=1e-8)
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    loss = _f.where(_make(t == 1), 1 - cos, relu(cos - margin))
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None,  # noqa: A002
                     eps=1e-8, reduce=None, reduction="mean"):
    """Returns the Poisson negative log-likelihood loss.

    Poisson negative log-likelihood: exp(x) - y x (log_input) or x - y log(x + eps);
    full=True adds Stirling's approximation of log(y!).

    >>> F.poisson_nll_loss(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    tensor(0.8591)
    """
    reduction = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = _f.exp(input) - target * input
    else:
        loss = input - target * _f.log(input + eps)
    if full:
        # Stirling's term as a function of the target (PyTorch differentiates it in the
        # target too), 0 where target <= 1
        t = target if isinstance(target, Tensor) else _make(np.asarray(target,
                                                                       input._data.dtype))
        small = _make(t._data <= 1)
        safe = _f.where(small, _make(np.ones((), t._data.dtype)), t)
        st = safe * _f.log(safe) - safe + 0.5 * _f.log(2 * math.pi * safe)
        loss = loss + _f.where(small, _make(np.zeros((), t._data.dtype)), st)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    """Gaussian negative log-likelihood 0.5 (log var + (x - y)^2 / var), as PyTorch: var of
    input's shape, or input's shape without the last dim (one variance per row), or with
    one dim of size 1 where input's differs; var clamped at eps outside autograd.

    >>> F.gaussian_nll_loss(chainrule.zeros(2, 3), chainrule.zeros(2, 3), chainrule.ones(2))
    tensor(0.)
    """
    red = _reduction(reduction)
    if not isinstance(var, Tensor):
        var = _make(np.full(tuple(input.shape), var, dtype=input._data.dtype))
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(
                v for i, v in zip(input.shape, var.shape) if i != v) == 1:
            pass  # one mismatched dim, of size 1 in var (PyTorch's homoscedastic test)
        else:
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size (var "
                             f"{list(var.shape)}, input {list(input.shape)})")
    if (var._data < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    var = _clamp_outside_autograd(var, eps)
    loss = 0.5 * (_f.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, red)
