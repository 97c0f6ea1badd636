"""chainrule: a deep-learning framework on NumPy with PyTorch's names and semantics.

>>> import chainrule as torch
>>> x = torch.tensor(1.0, requires_grad=True)
>>> y = torch.tensor(-2.0, requires_grad=True)
>>> z = torch.tensor(3.0, requires_grad=True)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad
(tensor(3.), tensor(3.), tensor(-1.))
"""
from .dtypes import (dtype, float16, float32, float64, half, float, double, uint8, int8,  # noqa: A004
                     int16, int32, int64, short, int, long, get_default_dtype,
                     set_default_dtype)
from .dtypes import bool_ as bool  # noqa: A004
# First: how malloc keeps freed memory is set before any large array exists (backend.py).
from . import backend  # noqa: F401
from .tensor import Tensor, Size, device, is_tensor
from . import autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode
from .functions import *  # noqa: F401,F403
# The star import also brought the ops' internal helpers (functions/_util.py); they are not
# torch names, so they do not stay in the public namespace.
for _helper in ("as_operand", "broadcast_error", "cast", "dim_aliases", "floating", "norm_dim",
                "one_dim", "promote", "shape_arg"):
    globals().pop(_helper, None)
from .functions import TENSOR_METHODS as _TENSOR_METHODS  # noqa: F401
from .creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full,
                       zeros_like, ones_like, empty_like, full_like, rand, randn, rand_like,
                       randn_like, randint, randint_like, randperm, normal, bernoulli,
                       multinomial, arange, linspace, logspace, eye, diag)
from .random import (Generator, manual_seed, seed, initial_seed, get_rng_state,
                     set_rng_state, default_generator)
from . import nn, optim, utils
from . import distributions  # noqa: E402
from .serialization import save, load
from . import datasets

__version__ = "0.1.0"


def numel(x):
    """Returns the number of elements of a tensor.

    >>> torch.numel(torch.zeros(2, 3, 4))
    24
    """
    return x.numel()


def clone(x, memory_format=None):
    """Returns a copy of a tensor that the autograd graph records.

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = torch.clone(x)
    >>> y, y is x
    (tensor([1., 2.], grad_fn=<...>), False)
    """
    return x.clone()


def is_floating_point(x):
    """Returns True if the tensor's dtype is a floating-point type.

    >>> torch.is_floating_point(torch.tensor([1.0])), torch.is_floating_point(torch.tensor([1]))
    (True, False)
    """
    return x.is_floating_point()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """How tensors print (torch.set_printoptions); profile 'default' restores the defaults.

    >>> x = torch.tensor([1.0 / 3, 2.0])
    >>> torch.set_printoptions(precision=2)
    >>> x
    tensor([0.33, 2.00])
    >>> torch.set_printoptions(profile='default')
    >>> x
    tensor([0.3333, 2.0000])
    """
    from .tensor import PRINT_OPTS
    if profile == "default":
        PRINT_OPTS.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    PRINT_OPTS.update({k: v for k, v in dict(precision=precision, threshold=threshold,
                                             edgeitems=edgeitems, linewidth=linewidth).items()
                       if v is not None})
    PRINT_OPTS["sci_mode"] = sci_mode


def get_num_threads():
    """BLAS threads NumPy uses (via threadpoolctl when installed).

    >>> n = torch.get_num_threads()
    >>> isinstance(n, int) and n >= 1
    True
    """
    try:
        import builtins
        from threadpoolctl import threadpool_info
        return builtins.max((i["num_threads"] for i in threadpool_info()
                             if i["user_api"] == "blas"), default=1)
    except ImportError:
        import os
        return os.cpu_count() or 1


def set_num_threads(n):
    """Limit NumPy's BLAS threads (needs threadpoolctl; see BENCHMARKS.md on why 1 thread
    is often fastest on 2 cores).

    >>> before = torch.get_num_threads()
    >>> torch.set_num_threads(1)
    >>> torch.get_num_threads()
    1
    >>> torch.set_num_threads(before)
    """
    from threadpoolctl import threadpool_limits
    global _thread_limit
    import builtins  # plain `int` here is chainrule.int (the dtype)
    _thread_limit = threadpool_limits(limits=builtins.int(n), user_api="blas")


_thread_limit = None

# PyTorch's module layout and the small names scripts use (torch.cuda, torch.inf, ...).
from . import cuda, backends, testing  # noqa: E402,F401
from .tensor_types import (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor,  # noqa: E402,F401
                           ShortTensor, CharTensor, ByteTensor, BoolTensor, memory_format,
                           contiguous_format, preserve_format, channels_last,
                           channels_last_3d, layout, strided, sparse_coo)
from .surface import (inf, nan, pi, e, newaxis, set_default_device, get_default_device,  # noqa: E402,F401
                      is_nonzero, is_storage, typename, use_deterministic_algorithms,
                      are_deterministic_algorithms_enabled, compile)
# The public torch.linalg (the star import above bound `linalg` to functions/linalg.py).
linalg = __import__("importlib").import_module(".linalg", __name__)
from .functions.decomp import (det, slogdet, logdet, inverse, pinverse, matrix_power,  # noqa: E402,F401
                               cholesky_solve, cholesky_inverse)
from .functions.decomp import cholesky_legacy as cholesky, svd_legacy as svd  # noqa: E402,F401
from . import sparse  # noqa: E402,F401
from .sparse import sparse_coo_tensor, spmm  # noqa: E402,F401
from . import distributed  # noqa: F401,E402  (torch.distributed; needs MPI only when used)
# The public torch.special (the star import above bound `special` to functions/special.py).
special = __import__("importlib").import_module(".special", __name__)
from . import masked  # noqa: E402,F401  (torch.masked)
from . import signal  # noqa: E402,F401  (torch.signal.windows)
from . import fft  # noqa: E402,F401  (torch.fft: the real-valued shifts)
from . import amp  # noqa: E402,F401  (torch.amp)
from .amp import autocast, is_autocast_enabled  # noqa: E402,F401
from .type_info import finfo, iinfo  # noqa: E402,F401
from .autograd.anomaly_mode import (is_anomaly_enabled, is_anomaly_check_nan_enabled,  # noqa: E402,F401
                                    set_anomaly_enabled)
from . import return_types  # noqa: E402,F401  (torch.return_types)
