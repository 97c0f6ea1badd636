"""Local response normalisation, EmbeddingBag, the shrink / randomized activations and
dropouts, in-place functional activations, bilinear, pdist and gumbel_softmax: gradcheck
in float64, values and gradients against PyTorch when it is importable, and the errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck, gradgradcheck
from helpers import check_op, make

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _F(T):
    return T.nn.functional


# --- local response normalisation -----------------------------------------------------------
LRN_CASES = [
    ((2, 5, 6), dict(size=2)),
    ((2, 5, 6), dict(size=3, alpha=0.5, beta=0.6, k=2.0)),
    ((2, 4, 3, 3), dict(size=5, alpha=1.0, beta=0.75, k=1.0)),   # window wider than C
    ((1, 6, 2, 3), dict(size=1, alpha=2.0)),
    ((1, 3, 2, 2, 3), dict(size=2, alpha=0.3, beta=1.5, k=0.5)),  # 5-D
]


@pytest.mark.parametrize("shape,kw", LRN_CASES)
def test_local_response_norm(shape, kw):
    check_op(lambda T, x: _F(T).local_response_norm(x, **kw), shapes=[(shape,)],
             gradgrad=len(shape) < 5)


@needs_torch
def test_local_response_norm_layer_float32():
    a = make((2, 6, 5, 5), seed=1, dtype=np.float32)
    m, tm = nn.LocalResponseNorm(3, alpha=0.1), torch.nn.LocalResponseNorm(3, alpha=0.1)
    x, t = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = m(x), tm(t)
    assert y.dtype == cr.float32 and repr(m) == repr(tm)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_local_response_norm_errors_and_empty():
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input"):
        F.local_response_norm(cr.randn(3, 4), 2)
    e = cr.zeros(0, 3, 4)
    assert F.local_response_norm(e, 2) is e


@pytest.mark.parametrize("channels,size", [(7, 3), (7, 4), (5, 5), (3, 8), (1, 2), (6, 1)])
def test_cross_map_lrn2d_matches_torch_outputs(channels, size):
    a = make((2, channels, 3, 2), seed=channels)
    kw = dict(alpha=0.7, beta=0.75, k=1.3)
    x = cr.tensor(a, requires_grad=True)
    assert gradcheck(lambda x: nn.CrossMapLRN2d(size, **kw)(x), [x])
    if torch is not None:
        # outputs equal PyTorch's (its windows, channel 0 included); its hand-written
        # backward does not match its own output's derivative, so gradients are not compared
        y = nn.CrossMapLRN2d(size, **kw)(x)
        ty = torch.nn.CrossMapLRN2d(size, **kw)(torch.tensor(a))
        np.testing.assert_allclose(y.detach().numpy(), ty.numpy(), rtol=1e-12, atol=1e-14)
        assert repr(nn.CrossMapLRN2d(size, **kw)) == repr(torch.nn.CrossMapLRN2d(size, **kw))


def test_cross_map_lrn2d_errors():
    with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D"):
        nn.CrossMapLRN2d(3)(cr.randn(2, 3, 4))
