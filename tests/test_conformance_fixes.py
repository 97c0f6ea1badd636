"""Regression tests for ops the op_db conformance suite found present but wrong.

Expected values are PyTorch 2.13's outputs for the same calls (the suite checks them against
torch itself; these run without it).
"""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck


def _eq(t, expected, dtype=None):
    assert isinstance(t, cr.Tensor)
    np.testing.assert_allclose(t.detach().numpy(), np.asarray(expected), rtol=1e-6, atol=1e-6)
    if dtype is not None:
        assert t.dtype == dtype, t.dtype


def test_round_decimals():
    x = cr.tensor([1.2345, -2.5, 1234.5678], dtype=cr.float64)
    _eq(cr.round(x, decimals=2), [1.23, -2.5, 1234.57])
    _eq(cr.round(x, decimals=-2), [0.0, -0.0, 1200.0])
    _eq(x.round(decimals=0), [1.0, -2.0, 1235.0])
    xr = cr.tensor([0.123, 4.567], dtype=cr.float64, requires_grad=True)
    cr.round(xr, decimals=1).sum().backward()
    _eq(xr.grad, [0.0, 0.0])


def test_zero_dim_topk_gather_index_select_scatter():
    x = cr.tensor(3.0)
    v, i = cr.topk(x, 1)
    assert v.shape == () and float(v) == 3.0 and int(i) == 0 and i.dtype == cr.int64
    _eq(cr.index_select(x, 0, cr.tensor([0])), 3.0)
    _eq(cr.scatter(x, 0, cr.tensor(0), cr.tensor(5.0)), 5.0)
    _eq(cr.scatter(cr.tensor(3), 0, cr.tensor(0), 2.5, reduce="add"), 5, cr.int64)
    _eq(cr.scatter_add(x, 0, cr.tensor(0), cr.tensor(2.0)), 5.0)
    empty = cr.gather(cr.arange(5.0), 0, cr.zeros((2, 0), dtype=cr.uint8))
    assert tuple(empty.shape) == (2, 0)


def test_topk_ties_pick_the_top_values():
    x = cr.tensor([[1, 3, 3, 0, 3]])
    v, i = cr.topk(x, 2)
    _eq(v, [[3, 3]])
    assert all(x.numpy()[0, k] == 3 for k in i.numpy()[0])


def test_masked_fill_broadcasts_out_of_place():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    mask = cr.tensor([[True, False], [False, False], [False, True]])
    y = cr.masked_fill(x, mask, -1.0)
    _eq(y, [[-1, 2], [1, 2], [1, -1]])
    y.sum().backward()
    _eq(x.grad, [2.0, 2.0])
    with pytest.raises(RuntimeError, match="masked_fill_"):
        x.detach().clone().masked_fill_(mask, 0.0)


def test_unique_along_dim():
    y = cr.tensor([[1.0, 2.0], [1.0, 2.0], [3.0, 4.0]])
    vals, inv, cnt = cr.unique(y, dim=0, return_inverse=True, return_counts=True)
    _eq(vals, [[1, 2], [3, 4]])
    _eq(inv, [0, 0, 1], cr.int64)
    _eq(cnt, [2, 1], cr.int64)
    vals, inv, cnt = cr.unique(cr.zeros(5, 0, 5), dim=1, return_inverse=True,
                               return_counts=True)
    assert tuple(vals.shape) == (5, 0, 5) and tuple(inv.shape) == (0,)


def test_integer_conv_and_pool_stay_integer():
    x = cr.tensor([[[-3, 0, 1, 4, -7, 2]]])
    _eq(F.avg_pool1d(x, 2), [[[-1, 2, -2]]], cr.int64)            # truncated toward zero
    _eq(F.avg_pool1d(x, 3, padding=1), [[[-1, 0]]], cr.int64)
    v, i = F.max_pool1d(x, 2, return_indices=True)
    _eq(v, [[[0, 4, 2]]], cr.int64)
    _eq(i, [[[1, 3, 5]]], cr.int64)
    _eq(F.conv1d(x, cr.tensor([[[1, 2]]])), [[[-3, 2, 9, -10, -3]]], cr.int64)
    _eq(F.hardtanh(cr.tensor([-2, 0, 3]), -1.5, 2.5), [-1, 0, 2], cr.int64)
    _eq(F.relu6(cr.tensor([2, 3, 9], dtype=cr.uint8)), [2, 3, 6], cr.uint8)


def test_max_pool_return_indices():
    x = cr.tensor(np.arange(16.0).reshape(1, 1, 4, 4)[:, :, ::-1].copy(), requires_grad=True)
    v, i = F.max_pool2d(x, 2, padding=1, return_indices=True)
    assert tuple(i.shape) == (1, 1, 3, 3) and i.dtype == cr.int64
    flat = x.detach().numpy().reshape(1, 1, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, i.numpy().reshape(1, 1, -1), 2)
                                  .reshape(v.shape), v.detach().numpy())
    assert gradcheck(lambda a: F.max_pool2d(a, 2, padding=1, return_indices=True)[0],
                     [cr.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 5)),
                                requires_grad=True)])


def test_empty_batch_and_group_norm():
    assert tuple(F.batch_norm(cr.zeros(0), cr.zeros(0), cr.zeros(0), training=True).shape) \
        == (0,)
    out = F.group_norm(cr.zeros(0, 2), 1, weight=cr.ones(2), bias=cr.zeros(2))
    assert tuple(out.shape) == (0, 2)


def test_fixes_match_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((2, 3, 7, 6))
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, dilation=2),
               dict(kernel_size=3, stride=2, ceil_mode=True)):
        got = F.max_pool2d(cr.tensor(a), return_indices=True, **kw)
        want = torch.nn.functional.max_pool2d(torch.tensor(a), return_indices=True, **kw)
        np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())
        np.testing.assert_allclose(got[0].numpy(), want[0].numpy())
    x = np.random.default_rng(2).standard_normal(20) * 100
    for d in (-2, 0, 1, 3):
        np.testing.assert_allclose(cr.round(cr.tensor(x), decimals=d).numpy(),
                                   torch.round(torch.tensor(x), decimals=d).numpy())


def test_norm_layers_take_bias_flag_and_empty_batches():
    gn = cr.nn.GroupNorm(2, 4, bias=False)
    assert gn.bias is None and tuple(gn.weight.shape) == (4,)
    inn = cr.nn.InstanceNorm1d(3, affine=True, bias=False)
    assert inn.bias is None and inn.weight is not None
    bn = cr.nn.BatchNorm1d(5)
    out = bn(cr.zeros(0, 5, 9))
    assert tuple(out.shape) == (0, 5, 9)
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(5))


def test_max_pool_module_return_indices_and_prelu_0d():
    pool = cr.nn.MaxPool1d(2, return_indices=True)
    v, i = pool(cr.tensor([[[-3.0, 0.0, 1.0, 4.0, -7.0, 2.0]]]))
    _eq(v, [[[0, 4, 2]]])
    _eq(i, [[[1, 3, 5]]], cr.int64)
    assert F.prelu(cr.tensor(-2.0), cr.tensor([0.25])).shape == ()


def test_factories_take_device_and_tensor_bounds():
    _eq(cr.logspace(0, 2, 3, device="cpu"), [1.0, 10.0, 100.0])
    _eq(cr.linspace(cr.tensor(0.0), cr.tensor(1), 3), [0.0, 0.5, 1.0])
    x = cr.ones(2)
    assert tuple(x.new_zeros((2, 3), device="cpu").shape) == (2, 3)
    assert x.new_full((2,), 7.0, device="cpu").tolist() == [7.0, 7.0]
    assert tuple(cr.randn_like(x, device="cpu").shape) == (2,)
    assert cr.normal(0.0, 1.0, (3,), device="cpu").shape == (3,)
    with pytest.raises(RuntimeError, match="CPU"):
        x.new_ones(2, device="cuda")
