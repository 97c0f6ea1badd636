"""Parameters <-> one flat vector."""
import numpy as np

from ...autograd.grad_mode import no_grad  # noqa: F401
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """Concatenate the parameters, flattened, into one 1-D tensor (differentiable).

    >>> lin = nn.Linear(3, 2)
    >>> nn.utils.parameters_to_vector(lin.parameters()).shape   # 2 * 3 weights + 2 biases
    chainrule.Size([8])
    """
    from ...functions import cat
    ps = list(parameters) if not isinstance(parameters, Tensor) else [parameters]
    if not ps:
        raise RuntimeError("parameters_to_vector: got no parameters")
    return cat([p.reshape(-1) for p in ps])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D `vec` into the parameters, in place.

    >>> lin = nn.Linear(3, 2)
    >>> nn.utils.vector_to_parameters(chainrule.arange(8.0), lin.parameters())
    >>> lin.bias
    Parameter containing:
    tensor([6., 7.], requires_grad=True)
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected chainrule.Tensor, but got: {type(vec).__name__}")
    ps = list(parameters) if not isinstance(parameters, Tensor) else [parameters]
    total = sum(p.numel() for p in ps)
    if vec.dim() != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: vec has shape {list(vec.shape)}, but the "
                           f"parameters hold {total} elements")
    i = 0
    for p in ps:
        n = p.numel()
        np.copyto(p._data, vec._data[i:i + n].reshape(p._data.shape), casting="unsafe")
        p._version[0] += 1
        i += n
