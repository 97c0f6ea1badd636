"""Property: random compositions of ops on random broadcastable shapes pass gradcheck."""
import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import chainrule as cr
from chainrule.autograd import gradcheck

# Smooth ops (or ops whose kinks have measure zero and are kept away from below).
UNARY = [
    lambda x: x.tanh(), lambda x: x.sigmoid(), lambda x: x.exp() * 0.3, lambda x: x.sin(),
    lambda x: (x * x + 1).log(), lambda x: (x * x + 0.5).sqrt(), lambda x: -x,
    lambda x: cr.softplus(x), lambda x: cr.gelu(x), lambda x: cr.silu(x), lambda x: x ** 2,
    lambda x: cr.softmax(x, -1), lambda x: cr.log_softmax(x, 0) if x.ndim else x,
    lambda x: x.cumsum(-1) if x.ndim else x, lambda x: x.flip(-1) if x.ndim else x,
    lambda x: x.transpose(0, -1) if x.ndim else x,
    lambda x: x[..., ::2].sum(-1, keepdim=True) + x if x.ndim else x,
    lambda x: cr.cat([x, x * 2], -1)[..., ::2] if x.ndim else x,
    lambda x: x.unsqueeze(0).expand(2, *x.shape).sum(0), lambda x: x.clone().mul_(x),
    lambda x: _written(x), lambda x: cr.clamp(x, -1.0, 1.0) * 0.5 + x,
    lambda x: x.flatten().sort().values.reshape(x.shape),
]


def _written(x):
    """__setitem__ and an in-place op on an indexed view, recorded."""
    y = x * 1
    if y.ndim:
        y[..., :1] = y[..., :1].clone() * 3
        y[..., -1:] += 1
    return y
BINARY = [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
    lambda a, b: a / (b * b + 1), lambda a, b: cr.where(a > b, a * 2, b),
    lambda a, b: (a * b).sum(-1, keepdim=True) if (a * b).ndim else a * b,
]
REDUCE = [
    lambda x: x.sum(), lambda x: x.mean(), lambda x: cr.logsumexp(x.reshape(-1), 0),
    lambda x: (x * x).sum().sqrt(), lambda x: x.var() if x.numel() > 1 else x.sum(),
]


@st.composite
def broadcast_pair(draw):
    nd = draw(st.integers(0, 3))
    shape = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    other = tuple(1 if draw(st.booleans()) else s for s in shape)
    drop = draw(st.integers(0, nd))
    other = other[drop:]
    return (shape, other) if draw(st.booleans()) else (other, shape)


# derandomize: the same 30 examples every run (a kink hit by chance must not make CI flaky)
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(shapes=broadcast_pair(), program=st.lists(st.tuples(st.integers(0, 2),
                                                           st.integers(0, 99)),
                                                 min_size=1, max_size=5),
       seed=st.integers(0, 2 ** 16), last=st.integers(0, len(REDUCE) - 1))
def test_random_compositions_pass_gradcheck(shapes, program, seed, last):
    rng = np.random.default_rng(seed)
    a0 = rng.uniform(-1.5, 1.5, shapes[0])
    b0 = rng.uniform(-1.5, 1.5, shapes[1])

    def f(a, b):
        x = a
        for kind, k in program:
            if kind == 0:
                x = UNARY[k % len(UNARY)](x)
            elif kind == 1:
                x = BINARY[k % len(BINARY)](x, b)
            else:
                x = BINARY[k % len(BINARY)](b, x)
        return REDUCE[last](x)

    a = cr.tensor(a0, requires_grad=True)
    b = cr.tensor(b0, requires_grad=True)
    assert gradcheck(f, (a, b), atol=1e-5, rtol=1e-3)
