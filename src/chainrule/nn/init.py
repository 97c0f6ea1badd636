"""Parameter initialisation, in place and unrecorded (PyTorch's nn.init).

Every function fills `tensor` in place under no_grad, drawing from
chainrule.random.rng(generator), and returns it.

>>> w = chainrule.empty(3, 5)
>>> nn.init.kaiming_uniform_(w, a=5 ** 0.5) is w   # nn.Linear's default, in place
True
>>> bool(w.abs().max() <= 1 / 5 ** 0.5)          # bound = gain * sqrt(3 / fan_in)
True
"""
import math
import warnings

import numpy as np

from ..random import rng


def _fill(tensor, arr):
    # In place on the array: no graph, and optimizers holding the tensor see the change.
    np.copyto(tensor._data, arr, casting="unsafe")
    tensor._version[0] += 1
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation: 1 (linear, conv, sigmoid), 5/3 (tanh),
    sqrt(2) (relu), sqrt(2 / (1 + slope^2)) (leaky_relu), 3/4 (selu).

    >>> nn.init.calculate_gain("tanh"), nn.init.calculate_gain("leaky_relu", 0.2)
    (1.6666666666666667, 1.3867504905630728)
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    dim = tensor.dim()
    if dim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than "
                         f"2 dimensions (got shape {list(tensor.shape)})")
    num_input_fmaps = tensor.shape[1]
    num_output_fmaps = tensor.shape[0]
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return num_input_fmaps * receptive, num_output_fmaps * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b).

    >>> w = nn.init.uniform_(chainrule.empty(10000), -2.0, 2.0)
    >>> bool(w.min() >= -2), bool(w.max() <= 2), abs(w.mean().item()) < 0.1
    (True, True, True)
    """
    return _fill(tensor, rng(generator).uniform(a, b, tensor._data.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2).

    >>> w = nn.init.normal_(chainrule.empty(10000), mean=1.0, std=0.5)
    >>> round(w.mean().item(), 1), round(w.std().item(), 1)
    (1.0, 0.5)
    """
    return _fill(tensor, mean + std * rng(generator).standard_normal(tensor._data.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) truncated to [a, b].

    Exact rejection sampling: draw, and redraw the values that fall outside [a, b]
    (PyTorch uses the inverse CDF; the distribution is the same).

    >>> w = nn.init.trunc_normal_(chainrule.empty(1000), std=1.0, a=-0.5, b=0.5)
    >>> bool(w.abs().max() <= 0.5)
    True
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: a ({a}) must be less than b ({b})")
    g = rng(generator)
    shape = tensor._data.shape
    out = mean + std * g.standard_normal(shape)
    bad = (out < a) | (out > b)
    for _ in range(1000):
        n = int(bad.sum())
        if n == 0:
            break
        out[bad] = mean + std * g.standard_normal(n)
        bad = (out < a) | (out > b)
    else:  # an interval far out in the tail: finish with uniform draws inside it
        out[bad] = g.uniform(a, b, int(bad.sum()))
    return _fill(tensor, out)


def constant_(tensor, val):
    """Fill with val.

    >>> nn.init.constant_(chainrule.empty(2, 2), 0.5)
    tensor([[0.5000, 0.5000],
            [0.5000, 0.5000]])
    """
    return _fill(tensor, val)


def ones_(tensor):
    """Fill with 1.

    >>> nn.init.ones_(chainrule.empty(3))
    tensor([1., 1., 1.])
    """
    return _fill(tensor, 1)


def zeros_(tensor):
    """Fill with 0.

    >>> nn.init.zeros_(chainrule.empty(3))
    tensor([0., 0., 0.])
    """
    return _fill(tensor, 0)


def eye_(tensor):
    """The identity matrix (2-D tensors only).

    >>> nn.init.eye_(chainrule.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor._data.shape))


def dirac_(tensor, groups=1):
    """Dirac delta kernels for 3-5-D conv weights: the convolution keeps its input.

    >>> conv = nn.Conv1d(2, 2, kernel_size=3, padding=1, bias=False)
    >>> _ = nn.init.dirac_(conv.weight)
    >>> x = chainrule.randn(1, 2, 5)
    >>> bool((conv(x) == x).all())
    True
    """
    d = tensor.dim()
    if d not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per = sizes[0] // groups
    min_dim = min(out_per, sizes[1])
    arr = np.zeros(tensor._data.shape)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for i in range(min_dim):
            arr[(g * out_per + i, i) + centre] = 1
    return _fill(tensor, arr)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010).

    >>> w = nn.init.xavier_uniform_(chainrule.empty(30, 20))   # a = sqrt(6 / 50)
    >>> bool(w.abs().max() <= (6 / 50) ** 0.5)
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).

    >>> w = nn.init.xavier_normal_(chainrule.empty(300, 200))  # std = sqrt(2 / 500)
    >>> round(w.std().item(), 3), round((2 / 500) ** 0.5, 3)
    (0.063, 0.063)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound), bound = gain * sqrt(3 / fan) (He et al., 2015).

    nn.Linear's default is kaiming_uniform_(w, a=sqrt(5)): bound = 1 / sqrt(fan_in).

    >>> w = nn.init.kaiming_uniform_(chainrule.empty(64, 50), nonlinearity="relu")
    >>> bool(w.abs().max() <= (6 / 50) ** 0.5)               # sqrt(2) * sqrt(3 / 50)
    True
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2), std = gain / sqrt(fan).

    >>> w = nn.init.kaiming_normal_(chainrule.empty(500, 200), nonlinearity="relu")
    >>> round(w.std().item(), 2), round((2 / 200) ** 0.5, 2)
    (0.1, 0.1)
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix, with
    the sign fix that makes it uniformly distributed (Saxe et al., 2013).

    >>> q = nn.init.orthogonal_(chainrule.empty(3, 5))
    >>> chainrule.allclose(q @ q.T, chainrule.eye(3), atol=1e-6)
    True
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor._data.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """2-D: N(0, std^2) with a fraction `sparsity` of each column set to zero.

    >>> w = nn.init.sparse_(chainrule.empty(10, 4), sparsity=0.3)
    >>> (w == 0).sum(dim=0)          # ceil(0.3 * 10) zeros in each column
    tensor([3, 3, 3, 3])
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    g = rng(generator)
    arr = std * g.standard_normal((rows, cols))
    nz = int(math.ceil(sparsity * rows))
    for c in range(cols):
        arr[g.permutation(rows)[:nz], c] = 0
    return _fill(tensor, arr)


# Deprecated non-underscore names PyTorch still accepts.
uniform, normal, constant = uniform_, normal_, constant_
xavier_uniform, xavier_normal = xavier_uniform_, xavier_normal_
kaiming_uniform, kaiming_normal, orthogonal = kaiming_uniform_, kaiming_normal_, orthogonal_


def _deprecated(fn, shape=(2, 3), extra=""):
    """PyTorch's old names without the trailing underscore (warn, then call fn). `shape`
    and `extra` are the arguments of the alias's docstring example."""
    name = fn.__name__[:-1]

    def alias(*args, **kwargs):
        warnings.warn(f"`nn.init.{name}` is now deprecated in favor of `nn.init.{fn.__name__}`.",
                      FutureWarning, stacklevel=2)
        return fn(*args, **kwargs)
    alias.__name__ = name
    alias.__doc__ = (f"Deprecated alias of {fn.__name__}: warns, then calls it.\n\n"
                     f">>> import warnings\n"
                     f">>> with warnings.catch_warnings(record=True) as caught:\n"
                     f"...     warnings.simplefilter('always')\n"
                     f"...     t = nn.init.{name}(chainrule.empty{shape}{extra})\n"
                     f">>> caught[0].category.__name__, tuple(t.shape)\n"
                     f"('FutureWarning', {shape})\n")
    return alias


uniform, normal, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, orthogonal, \
    eye = map(_deprecated, (uniform_, normal_, xavier_uniform_, xavier_normal_,
                            kaiming_uniform_, kaiming_normal_, orthogonal_, eye_))
constant, sparse = _deprecated(constant_, extra=", 0.5"), _deprecated(sparse_, extra=", 0.5")
dirac = _deprecated(dirac_, shape=(2, 3, 3))
