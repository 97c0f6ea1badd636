"""grid_sample on volumes (N, C, D, H, W): trilinear ('bilinear') and nearest, every padding
mode and align_corners, forward and gradients (input and grid) against PyTorch and gradcheck
in float64, and PyTorch's errors (bicubic is 4-D only)."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck

R = np.random.default_rng(7)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample_3d_matches_torch(mode, padding_mode, align):
    torch = pytest.importorskip("torch")
    x = R.standard_normal((2, 3, 4, 5, 6))
    grid = R.uniform(-1.4, 1.4, (2, 3, 2, 4, 3))   # some points outside [-1, 1]: padding
    if mode == "nearest":  # away from ties (x.5), where rounding conventions could differ
        grid = np.round(grid * 20) / 20 + 0.013
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align)
    xc, gc = cr.tensor(x, requires_grad=True), cr.tensor(grid, requires_grad=True)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    yc, yt = F.grid_sample(xc, gc, **kw), torch.nn.functional.grid_sample(xt, gt, **kw)
    assert tuple(yc.shape) == tuple(yt.shape) == (2, 3, 3, 2, 4)
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-13)
    w = R.standard_normal(tuple(yt.shape))
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gc.grad.numpy(), gt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample_3d_gradcheck(padding_mode, align):
    x = cr.tensor(R.standard_normal((1, 2, 3, 4, 3)), requires_grad=True)
    g = cr.tensor(R.uniform(-1.2, 1.2, (1, 2, 2, 3, 3)), requires_grad=True)
    assert gradcheck(lambda a, b: F.grid_sample(a, b, padding_mode=padding_mode,
                                                align_corners=align), (x, g))
    assert gradcheck(lambda a: F.grid_sample(a, g.detach(), mode="nearest",
                                             padding_mode=padding_mode, align_corners=align),
                     (x,))


def test_grid_sample_3d_float32_and_identity():
    img = R.standard_normal((1, 2, 3, 4, 5)).astype(np.float32)
    ident = cr.tensor(np.array([[[1.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]], np.float32))
    grid = F.affine_grid(ident, (1, 2, 3, 4, 5), align_corners=False)
    out = F.grid_sample(cr.tensor(img), grid, align_corners=False)
    assert out.dtype == cr.float32
    np.testing.assert_allclose(out.numpy(), img, atol=1e-6)


def test_grid_sample_3d_errors_as_torch():
    torch = pytest.importorskip("torch")
    x = np.zeros((1, 2, 3, 3, 3))
    cases = [(np.zeros((1, 2, 2, 2, 3)), "bicubic", "bicubic interpolation only supports 4D"),
             (np.zeros((1, 2, 2, 2, 2)), "bilinear", "size 3 in last dimension"),
             (np.zeros((1, 2, 2, 3)), "bilinear", "same number of dimensions"),
             (np.zeros((2, 2, 2, 2, 3)), "bilinear", "same batch size")]
    for grid, mode, msg in cases:
        for T, FF in ((cr, F), (torch, torch.nn.functional)):
            with pytest.raises(RuntimeError, match=msg):
                FF.grid_sample(T.tensor(x), T.tensor(grid), mode=mode, align_corners=False)
