"""interpolate / Upsample (every mode), pixel and channel shuffles, Fold / Unfold,
grid_sample / affine_grid: values and gradients against torch, gradcheck in float64."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
R = np.random.default_rng(0)


def _check(fn_c, fn_t, arrays, rtol=1e-7, atol=1e-10):
    cs = [cr.tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    yc, yt = fn_c(*cs), fn_t(*ts)
    assert tuple(yc.shape) == tuple(yt.shape)
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    w = R.standard_normal(tuple(yt.shape))
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    for c, t in zip(cs, ts):
        np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-9)


SIZES = [dict(size=(8, 4)), dict(scale_factor=2.5), dict(scale_factor=(0.5, 1.7)),
         dict(scale_factor=3, recompute_scale_factor=True), dict(size=(5, 7))]


@pytest.mark.parametrize("mode,align", [("nearest", None), ("nearest-exact", None),
                                        ("bilinear", False), ("bilinear", True),
                                        ("bicubic", False), ("bicubic", True), ("area", None)])
@pytest.mark.parametrize("kw", SIZES, ids=[str(k) for k in SIZES])
def test_interpolate_2d(mode, align, kw):
    x = R.standard_normal((2, 3, 5, 7))
    _check(lambda t: F.interpolate(t, mode=mode, align_corners=align, **kw),
           lambda t: TF.interpolate(t, mode=mode, align_corners=align, **kw), [x])


@pytest.mark.parametrize("mode,nd", [("linear", 1), ("nearest", 1), ("area", 1),
                                     ("trilinear", 3), ("nearest", 3), ("nearest-exact", 3),
                                     ("area", 3)])
@pytest.mark.parametrize("align", [None, True])
def test_interpolate_1d_3d(mode, nd, align):
    if align and mode not in ("linear", "trilinear"):
        pytest.skip("align_corners applies to the interpolating modes only")
    x = R.standard_normal((2, 2) + (5, 4, 6)[:nd])
    for kw in (dict(scale_factor=1.5), dict(size=(7, 3, 5)[:nd])):
        _check(lambda t: F.interpolate(t, mode=mode, align_corners=align, **kw),
               lambda t: TF.interpolate(t, mode=mode, align_corners=align, **kw), [x])


def test_upsample_modules_and_float32():
    x = R.standard_normal((1, 2, 4, 4)).astype(np.float32)
    for ours, theirs in ((nn.Upsample(scale_factor=2, mode="bilinear"),
                          torch.nn.Upsample(scale_factor=2, mode="bilinear")),
                         (nn.UpsamplingNearest2d(scale_factor=2), torch.nn.UpsamplingNearest2d(scale_factor=2)),
                         (nn.UpsamplingBilinear2d(size=(7, 5)), torch.nn.UpsamplingBilinear2d(size=(7, 5)))):
        a, b = ours(cr.tensor(x)), theirs(torch.tensor(x))
        assert a.dtype == cr.float32
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert "scale_factor=2.0, mode='bilinear'" in repr(nn.Upsample(scale_factor=2, mode="bilinear"))


def test_interpolate_gradcheck_and_errors():
    x = cr.tensor(R.standard_normal((1, 1, 3, 4)), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, scale_factor=1.5, mode="bicubic"), (x,))
    assert gradgradcheck(lambda t: F.interpolate(t, size=(5, 2), mode="bilinear"), (x,))
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D"):
        F.interpolate(cr.zeros(1, 1, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, scale_factor=2, mode="nearest", align_corners=True)


def test_pixel_and_channel_shuffle():
    x = R.standard_normal((2, 8, 3, 5))
    _check(lambda t: F.pixel_shuffle(t, 2), lambda t: TF.pixel_shuffle(t, 2), [x])
    y = R.standard_normal((2, 3, 4, 6))
    _check(lambda t: F.pixel_unshuffle(t, 2), lambda t: TF.pixel_unshuffle(t, 2), [y])
    _check(lambda t: nn.ChannelShuffle(4)(t), lambda t: torch.nn.ChannelShuffle(4)(t), [x])
    z = cr.tensor(x)
    np.testing.assert_array_equal(F.pixel_unshuffle(nn.PixelShuffle(2)(z), 2).numpy(), x)
    with pytest.raises(RuntimeError, match="divisible"):
        F.pixel_shuffle(cr.zeros(1, 3, 2, 2), 2)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2),
                                dict(kernel_size=3, padding=1, dilation=2),
                                dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0))])
def test_unfold_and_fold(kw):
    x = R.standard_normal((2, 3, 7, 8))
    _check(lambda t: F.unfold(t, **kw), lambda t: TF.unfold(t, **kw), [x])
    cols = TF.unfold(torch.tensor(x), **kw).numpy()
    _check(lambda t: F.fold(t, (7, 8), **kw), lambda t: TF.fold(t, (7, 8), **kw), [cols])
    _check(lambda t: nn.Fold((7, 8), **kw)(nn.Unfold(**kw)(t)),
           lambda t: torch.nn.Fold((7, 8), **kw)(torch.nn.Unfold(**kw)(t)), [x])


def test_fold_errors_and_gradcheck():
    with pytest.raises(RuntimeError, match="sliding blocks"):
        F.fold(cr.zeros(1, 4, 5), (3, 3), 2)
    x = cr.tensor(R.standard_normal((1, 2, 4, 4)), requires_grad=True)
    assert gradgradcheck(lambda t: F.unfold(t, 2, stride=2), (x,))


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample(mode, padding_mode, align):
    x = R.standard_normal((2, 3, 5, 6))
    grid = R.uniform(-1.3, 1.3, (2, 4, 7, 2))
    if mode == "nearest":  # keep away from ties (x.5) where rounding conventions differ
        grid = np.round(grid * 20) / 20 + 0.013
    fc = lambda a, g: F.grid_sample(a, g, mode=mode, padding_mode=padding_mode,  # noqa: E731
                                    align_corners=align)
    ft = lambda a, g: TF.grid_sample(a, g, mode=mode, padding_mode=padding_mode,  # noqa: E731
                                     align_corners=align)
    if mode == "nearest":
        xc = cr.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        yc, yt = fc(xc, cr.tensor(grid)), ft(xt, torch.tensor(grid))
        np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
        w = R.standard_normal(tuple(yt.shape))
        (yc * cr.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    else:
        _check(fc, ft, [x, grid])


def test_grid_sample_gradcheck_and_affine_grid():
    x = cr.tensor(R.standard_normal((1, 2, 4, 5)), requires_grad=True)
    g = cr.tensor(R.uniform(-0.9, 0.9, (1, 3, 3, 2)), requires_grad=True)
    assert gradcheck(lambda a, b: F.grid_sample(a, b, align_corners=False), (x, g))
    assert gradcheck(lambda a, b: F.grid_sample(a, b, mode="bicubic", padding_mode="border",
                                                align_corners=True), (x, g))
    for align in (False, True):
        theta = R.standard_normal((2, 2, 3))
        _check(lambda t: F.affine_grid(t, (2, 3, 4, 5), align_corners=align),
               lambda t: TF.affine_grid(t, (2, 3, 4, 5), align_corners=align), [theta])
        theta3 = R.standard_normal((2, 3, 4))
        _check(lambda t: F.affine_grid(t, (2, 1, 3, 4, 2), align_corners=align),
               lambda t: TF.affine_grid(t, (2, 1, 3, 4, 2), align_corners=align), [theta3])
    # The identity transform samples the image back exactly (align_corners=False).
    img = R.standard_normal((1, 1, 4, 6))
    ident = cr.tensor(np.array([[[1.0, 0, 0], [0, 1, 0]]]))
    out = F.grid_sample(cr.tensor(img), F.affine_grid(ident, (1, 1, 4, 6), align_corners=False),
                        align_corners=False)
    np.testing.assert_allclose(out.numpy(), img, atol=1e-12)
