"""Fractional max pooling (F.fractional_max_pool2d / 3d, nn.FractionalMaxPool2d / 3d):
PyTorch's window offsets, values, indices and gradients for the same random samples, NaN
windows, unbatched input, errors; gradcheck in float64."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck


def _case(rng, d):
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    sp = tuple(int(v) for v in rng.integers(3, 9, d))
    k = tuple(int(rng.integers(1, min(4, s - (d == 3)) + 1)) for s in sp)
    o = tuple(int(rng.integers(1, s - kk + 2 - (d == 3))) for s, kk in zip(sp, k))
    return n, c, sp, k, o


@pytest.mark.parametrize("d", [2, 3])
def test_matches_torch_on_random_cases(d):
    torch = pytest.importorskip("torch")
    tf = getattr(torch.nn.functional, f"fractional_max_pool{d}d")
    cf = getattr(cr.nn.functional, f"fractional_max_pool{d}d")
    rng = np.random.default_rng(d)
    for trial in range(40):
        n, c, sp, k, o = _case(rng, d)
        dt = np.float32 if trial % 2 else np.float64
        x = rng.standard_normal((n, c) + sp).astype(dt)
        if trial % 5 == 0:
            x.flat[rng.integers(0, x.size, 3)] = np.nan
        s = rng.random((n, c, d)).astype(dt)
        X = torch.tensor(x, requires_grad=True)
        ty, ti = tf(X, k, output_size=o, return_indices=True, _random_samples=torch.tensor(s))
        C = cr.tensor(x, requires_grad=True)
        cy, ci = cf(C, k, output_size=o, return_indices=True, _random_samples=cr.tensor(s))
        g = rng.standard_normal(tuple(ty.shape)).astype(dt)
        ty.backward(torch.tensor(g))
        cy.backward(cr.tensor(g))
        where = f"d={d} x{x.shape} k{k} out{o} {dt.__name__}"
        assert np.array_equal(ci.numpy(), ti.numpy()), where
        np.testing.assert_array_equal(cy.detach().numpy(), ty.detach().numpy(), err_msg=where)
        np.testing.assert_allclose(C.grad.numpy(), X.grad.numpy(), rtol=1e-6, err_msg=where)


def test_ratio_unbatched_and_module_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 9, 7)).astype(np.float32)
    s = np.random.default_rng(1).random((1, 3, 2)).astype(np.float32)
    ty = torch.nn.FractionalMaxPool2d(2, output_ratio=(0.5, 0.6),
                                      _random_samples=torch.tensor(s))(torch.tensor(x))
    cy = cr.nn.FractionalMaxPool2d(2, output_ratio=(0.5, 0.6),
                                   _random_samples=cr.tensor(s))(cr.tensor(x))
    np.testing.assert_array_equal(cy.numpy(), ty.numpy())
    assert repr(cr.nn.FractionalMaxPool3d(2, output_size=2)) == "FractionalMaxPool3d()"


def test_gradcheck():
    x = cr.tensor(np.random.default_rng(2).standard_normal((1, 2, 6, 5)), requires_grad=True)
    s = cr.tensor(np.random.default_rng(3).random((1, 2, 2)))
    assert gradcheck(lambda t: cr.nn.functional.fractional_max_pool2d(
        t, 2, output_size=(3, 3), _random_samples=s), [x])
    x3 = cr.tensor(np.random.default_rng(4).standard_normal((1, 1, 5, 4, 4)),
                   requires_grad=True)
    s3 = cr.tensor(np.random.default_rng(5).random((1, 1, 3)))
    assert gradcheck(lambda t: cr.nn.functional.fractional_max_pool3d(
        t, (2, 2, 2), output_size=(2, 2, 2), _random_samples=s3), [x3])


def test_errors_name_the_op():
    F = cr.nn.functional
    with pytest.raises(ValueError, match="output_size or an output_ratio"):
        F.fractional_max_pool2d(cr.zeros(1, 1, 4, 4), 2)
    with pytest.raises(RuntimeError, match="pool height 2 too large relative to input height 3"):
        F.fractional_max_pool2d(cr.zeros(1, 1, 3, 5), 2, output_size=(3, 2))
    with pytest.raises(RuntimeError, match="_random_samples.size.0. no less"):
        F.fractional_max_pool2d(cr.zeros(2, 1, 4, 4), 2, output_size=2,
                                _random_samples=cr.zeros(1, 1, 2))
    # more sample rows than the batch are allowed (PyTorch uses the first ones), and an
    # empty batch gives empty results
    assert F.fractional_max_pool2d(cr.zeros(1, 4, 4), 2, output_size=2,
                                   _random_samples=cr.zeros(3, 1, 2)).shape == (1, 2, 2)
    assert F.fractional_max_pool3d(cr.zeros(0, 1, 4, 5, 4), 2, output_size=2).shape == \
        (0, 1, 2, 2, 2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        cr.nn.FractionalMaxPool2d(2, output_ratio=1.5)
    with pytest.raises(ValueError, match="only one of"):
        cr.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5)
