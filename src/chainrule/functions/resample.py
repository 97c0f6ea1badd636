"""Resampling: interpolate (every mode is a linear map along each spatial dim, applied
as a matrix product, so the gradient is the transposed map and grad-of-grad is free),
grid_sample / affine_grid, and the pixel / channel shuffles (pure reshapes)."""
import math

import numpy as np

from ..autograd.function import Op
from ..tensor import Tensor
from .linalg import matmul

_make = Tensor._make


def along_spatial_dims(x, matrices):
    """y = x with matrices[d] (out_d, in_d) applied along spatial dim d (the last
    len(matrices) dims); None leaves that dim as it is.

    >>> from chainrule.functions.resample import along_spatial_dims
    >>> x = torch.tensor([[[1.0, 2.0]]])
    >>> along_spatial_dims(x, [np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])])
    tensor([[[1.0000, 1.5000, 2.0000]]])
    """
    nd = len(matrices)
    if x._data.dtype.kind in "biu" and any(a is not None for a in matrices):
        # integer images: interpolate in float64, then round and clip into the dtype (the
        # weights themselves would truncate to 0 in an integer dtype). PyTorch's uint8
        # kernels use fixed-point weights, so results may differ from it by 1.
        info = np.iinfo(x._data.dtype) if x._data.dtype.kind != "b" else None
        y = along_spatial_dims(x.to("float64"), matrices)._data
        y = np.rint(y) if info is None else np.clip(np.rint(y), info.min, info.max)
        return _make(y.astype(x._data.dtype))
    y = x
    for d, a in enumerate(matrices):
        if a is None:
            continue
        a = _make(a.astype(x._data.dtype, copy=False))
        back = nd - d  # the dim, counted from the end
        if back == 1:
            y = matmul(y, a.t())
        elif back == 2:
            y = matmul(a, y)
        else:
            y = matmul(a, y.transpose(-back, -2)).transpose(-back, -2)
    return y


def _source(o, n, scale, align_corners, cubic=False):
    """The (fractional) input coordinate each output index reads (PyTorch's
    area_pixel_compute_source_index)."""
    dst = np.arange(o, dtype=np.float64)
    if align_corners:
        return dst * ((n - 1) / (o - 1) if o > 1 else 0.0)
    src = (dst + 0.5) * scale - 0.5
    return src if cubic else np.maximum(src, 0.0)


def _nearest_matrix(n, o, scale, exact):
    dst = np.arange(o, dtype=np.float64)
    src = np.floor((dst + 0.5) * scale) if exact else np.floor(dst * np.float32(scale))
    src = np.minimum(src.astype(np.int64), n - 1)
    m = np.zeros((o, n))
    m[np.arange(o), src] = 1.0
    return m


def _linear_matrix(n, o, scale, align_corners):
    src = _source(o, n, scale, align_corners)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    w1 = src - i0
    m = np.zeros((o, n))
    rows = np.arange(o)
    np.add.at(m, (rows, i0), 1.0 - w1)
    np.add.at(m, (rows, i1), w1)
    return m


def _cubic_weights(t, A=-0.75):
    def near(x):  # |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def far(x):   # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _cubic_weight_slopes(t, A=-0.75):
    """d/dt of _cubic_weights(t)."""
    def near(x):
        return 3 * (A + 2) * x * x - 2 * (A + 3) * x

    def far(x):
        return 3 * A * x * x - 10 * A * x + 8 * A
    return [far(t + 1), near(t), -near(1 - t), -far(2 - t)]


def _cubic_matrix(n, o, scale, align_corners):
    src = _source(o, n, scale, align_corners, cubic=True)
    i = np.floor(src).astype(np.int64)
    t = src - i
    m = np.zeros((o, n))
    rows = np.arange(o)
    for k, w in zip(range(-1, 3), _cubic_weights(t)):
        np.add.at(m, (rows, np.clip(i + k, 0, n - 1)), w)
    return m


def _area_matrix(n, o):
    i = np.arange(o)
    start = (i * n) // o
    end = -((-(i + 1) * n) // o)
    j = np.arange(n)
    m = (j >= start[:, None]) & (j < end[:, None])
    return m / (end - start)[:, None]


# --- uint8 images: PyTorch's fixed-point separable kernel ------------------------------
# PyTorch resizes uint8 images (bilinear, bicubic; antialias=False here) with int16 weights
# and integer sums, Pillow-style (aten/src/ATen/native/cpu/UpSampleKernel.cpp: HelperInterp*
# _compute_indices_min_size_weights and _compute_index_ranges_int16_weights; the AVX2 kernel
# and the generic loop do the same integer arithmetic): width first, then height, each pass
# rounding to uint8. The functions below redo that arithmetic so results agree bit for bit.

def _linear_filter(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _cubic_filter(x, A=-0.75):
    x = np.abs(x)
    near = ((A + 2) * x - (A + 3)) * x * x + 1
    far = ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def _fixed_point_weights(n, o, scale, align_corners, cubic):
    """(first input index (o,), int16 weights (o, taps), precision) of one axis, as PyTorch
    computes them for uint8: float64 weights of the taps inside the image (taps outside fold
    onto the edge), scaled by 2**precision (the largest precision keeping the biggest weight,
    doubled, under 2**15) and rounded half away from zero."""
    taps = 4 if cubic else 2
    support = taps // 2
    dst = np.arange(o, dtype=np.float64)
    if align_corners:
        real = scale * dst
    else:
        real = scale * (dst + 0.5) - 0.5
        if not cubic:
            real = np.maximum(real, 0.0)
    # PyTorch floors through floorf: the index is taken from the float32-rounded coordinate
    idx = np.minimum(np.floor(real.astype(np.float32)).astype(np.int64), n - 1)
    lam = np.clip(real - idx, 0.0, 1.0)
    lo = idx - support + 1
    first = np.maximum(lo, 0)
    size = np.clip(np.minimum(idx + support + 1, n) - first, 0, taps)
    w = np.zeros((o, taps))
    rows = np.arange(o)
    slot = np.zeros(o, dtype=np.int64)
    w_max = 0.0
    filt = _cubic_filter if cubic else _linear_filter
    for j in range(taps):
        slot = np.where(lo + j <= 0, 0, np.where(lo + j >= n - 1, size - 1, slot))
        w[rows, slot] += filt(float(j + 1 - support) - lam)
        w_max = max(w_max, float(w[rows, slot].max()))   # running maximum, as PyTorch's
        slot = slot + 1
    precision = 0
    while precision < 22 and int(0.5 + w_max * (1 << (precision + 1))) < (1 << 15):
        precision += 1
    v = w * (1 << precision)
    w16 = np.trunc(np.where(v < 0, v - 0.5, v + 0.5)).astype(np.int64)
    return first, w16, precision


def _fixed_point_pass(x, axis, first, w16, precision):
    """One separable pass of PyTorch's uint8 kernel along `axis`: integer sums of the taps,
    rounded by adding 2**(precision - 1), shifted and clamped into uint8."""
    n = x.shape[axis]
    acc = np.full(x.shape[:axis] + (len(first),) + x.shape[axis + 1:], 1 << (precision - 1),
                  dtype=np.int64)
    shape = [1] * x.ndim
    shape[axis] = len(first)
    xi = x.astype(np.int64)
    for j in range(w16.shape[1]):
        taps = np.take(xi, np.minimum(first + j, n - 1), axis=axis)
        acc += taps * w16[:, j].reshape(shape)   # a tap past the image has weight 0
    return np.clip(acc >> precision, 0, 255).astype(np.uint8)


def _resize_uint8(x, out, scales, align_corners, cubic):
    """PyTorch's uint8 bilinear / bicubic resize of (N, C, H, W) to `out`, bit for bit."""
    y = x
    for axis in (3, 2):      # width first, then height, as PyTorch
        n, o = x.shape[axis], out[axis - 2]
        if n == o:
            continue
        s = scales[axis - 2]
        if align_corners:
            scale = (n - 1) / (o - 1) if o > 1 else 0.0
        else:
            scale = 1.0 / s if s is not None and s > 0 else n / o
        y = _fixed_point_pass(y, axis, *_fixed_point_weights(n, o, scale, align_corners, cubic))
    return y.copy() if y is x else y


_MODES = {"nearest": 1, "nearest-exact": 1, "area": 1, "linear": 1, "bilinear": 2,
          "bicubic": 2, "trilinear": 3}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,  # noqa: A002
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, *spatial) by size or scale_factor: nearest, nearest-exact, linear,
    bilinear, bicubic, trilinear (align_corners as PyTorch) or area (adaptive average).

    >>> x = torch.tensor([[[1.0, 2.0, 4.0]]])
    >>> F.interpolate(x, scale_factor=2, mode="nearest")
    tensor([[[1., 1., 2., 2., 4., 4.]]])
    >>> F.interpolate(x, size=5, mode="linear", align_corners=True)
    tensor([[[1.0000, 1.5000, 2.0000, 3.0000, 4.0000]]])
    >>> img = torch.arange(4.0).reshape(1, 1, 2, 2)
    >>> F.interpolate(img, size=(3, 3), mode="bilinear", align_corners=True)
    tensor([[[[0.0000, 0.5000, 1.0000],
              [1.0000, 1.5000, 2.0000],
              [2.0000, 2.5000, 3.0000]]]])
    """
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: unknown mode {mode!r}; expected one of "
                                  f"{', '.join(_MODES)}")
    nd = input.dim() - 2
    if nd < 1 or nd > 3:
        raise ValueError(f"interpolate: expected 3-D, 4-D or 5-D input (N, C, *spatial), got "
                         f"{input.dim()}-D input of shape {list(input.shape)}")
    want = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(mode)
    if want is not None and want != nd:
        raise NotImplementedError(f"interpolate: got {input.dim()}D input, but {mode} mode "
                                  f"needs {want + 2}D input")
    if align_corners is not None and mode in ("nearest", "nearest-exact", "area"):
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and "
                         "requires a 4-D tensor as input")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by chainrule")
    align_corners = bool(align_corners)
    in_sp = tuple(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        out = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nd
        if len(out) != nd:
            raise ValueError(f"Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(in_sp)} and output size of {list(out)}.")
        scales = [None] * nd
    else:
        sf = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else \
            (scale_factor,) * nd
        if len(sf) != nd:
            raise ValueError(f"Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(in_sp)} and scale_factor of shape {list(sf)}.")
        out = tuple(int(math.floor(float(n) * float(s))) for n, s in zip(in_sp, sf))
        scales = [None] * nd if recompute_scale_factor else [float(s) for s in sf]
    out = tuple(int(o) for o in out)
    if any(o <= 0 for o in out):
        raise RuntimeError(f"interpolate: output size {list(out)} must be positive (input "
                           f"{list(input.shape)})")
    if input._data.dtype == np.uint8 and mode in ("bilinear", "bicubic"):
        return _make(_resize_uint8(input._data, out, scales, align_corners, mode == "bicubic"))
    mats = []
    for n, o, s in zip(in_sp, out, scales):
        # The index scale PyTorch uses: 1 / scale_factor when given, else in / out.
        scale = (1.0 / s) if s is not None and s > 0 else n / o
        if mode == "nearest":
            m = _nearest_matrix(n, o, scale, exact=False)
        elif mode == "nearest-exact":
            m = _nearest_matrix(n, o, scale, exact=True)
        elif mode == "area":
            m = _area_matrix(n, o) if n != o else None
        elif mode == "bicubic":
            m = _cubic_matrix(n, o, scale, align_corners)
        else:
            m = _linear_matrix(n, o, scale, align_corners)
        mats.append(m)
    return along_spatial_dims(input, mats)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    """Deprecated F.upsample: the same as F.interpolate.

    >>> F.upsample(torch.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated F.upsample_nearest: F.interpolate with mode="nearest".

    >>> F.upsample_nearest(torch.tensor([[[[1.0, 2.0]]]]), scale_factor=2)
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.]]]])
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated F.upsample_bilinear: F.interpolate with mode="bilinear", align_corners=True.

    >>> F.upsample_bilinear(torch.tensor([[[[1.0, 3.0]]]]), size=(1, 3))
    tensor([[[[1., 2., 3.]]]])
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# --- shuffles ---------------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor):  # noqa: A002
    """(*, C r^2, H, W) -> (*, C, H r, W r) (Shi et al., 2016).

    >>> x = torch.arange(4.0).reshape(1, 4, 1, 1)
    >>> F.pixel_shuffle(x, 2)
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """
    r = int(upscale_factor)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    oc = c // (r * r)
    x = input.reshape(*lead, oc, r, r, h, w)
    k = len(lead)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, oc, h * r, w * r)


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    """(*, C, H r, W r) -> (*, C r^2, H, W): pixel_shuffle's inverse.

    >>> x = torch.arange(4.0).reshape(1, 1, 2, 2)
    >>> F.pixel_unshuffle(x, 2).flatten()
    tensor([0., 1., 2., 3.])
    """
    r = int(downscale_factor)
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height ({h}) and width ({w}) to be "
                           f"divisible by downscale_factor ({r})")
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    k = len(lead)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):  # noqa: A002
    """Interleave the channels of `groups` groups (ShuffleNet): (N, g*k, ...) ->
    channel j*g + i takes channel i*k + j.

    >>> F.channel_shuffle(torch.arange(6.0).reshape(1, 6, 1, 1), 2).flatten()
    tensor([0., 3., 1., 4., 2., 5.])
    """
    n, c = input.shape[:2]
    g = int(groups)
    if g <= 0 or c % g:
        raise RuntimeError(f"channel_shuffle: number of channels ({c}) must be divisible by "
                           f"groups ({g})")
    rest = tuple(input.shape[2:])
    return input.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


# --- grid sampling ----------------------------------------------------------------------
def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps theta
    (N, 2, 3) (or (N, 3, 4)), in grid_sample's normalised [-1, 1] coordinates.

    >>> theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> F.affine_grid(theta, (1, 1, 2, 2), align_corners=False)
    tensor([[[[-0.5000, -0.5000],
              [ 0.5000, -0.5000]],
    <BLANKLINE>
             [[-0.5000,  0.5000],
              [ 0.5000,  0.5000]]]])
    """
    align_corners = bool(align_corners)
    size = tuple(size)
    nd = len(size) - 2
    if nd not in (2, 3):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {list(size)}.")
    if tuple(theta.shape[1:]) != (nd, nd + 1):
        raise ValueError(f"Expected a batch of {nd}D affine matrices of shape Nx{nd}x{nd + 1} "
                         f"for size {list(size)}. Got {list(theta.shape)}.")

    def lin(steps):
        if steps <= 1:
            return np.zeros(steps)
        v = np.linspace(-1.0, 1.0, steps)
        return v if align_corners else v * (steps - 1) / steps
    sp = size[2:]
    axes = [lin(s) for s in reversed(sp)]  # x (width) first
    mesh = np.meshgrid(*[lin(s) for s in sp], indexing="ij")
    coords = [mesh[nd - 1 - i] for i in range(nd)]  # x, y(, z)
    base = np.stack(coords + [np.ones(sp)], axis=-1).astype(theta._data.dtype)
    base = _make(base.reshape(1, -1, nd + 1))
    grid = matmul(base, theta.transpose(1, 2))
    del axes
    return grid.reshape(size[0], *sp, nd)


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(c, lo, hi):
    """Reflect coordinates into [lo, hi] (PyTorch's reflect_coordinates)."""
    if hi <= lo:
        return np.zeros_like(c)
    span = hi - lo
    c = np.abs(c - lo)
    extra = np.fmod(c, span)
    flips = np.floor(c / span)
    return np.where(flips % 2 == 0, extra + lo, span - extra + lo)


class GridSample2d(Op):
    """Bilinear or nearest sampling of (N, C, H, W) at grid (N, Ho, Wo, 2) points, with
    zeros / border / reflection padding; gradients to the input and to the grid.

    >>> x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], requires_grad=True)
    >>> y = F.grid_sample(x, torch.zeros(1, 1, 1, 2), align_corners=False); y
    tensor([[[[2.5000]]]], grad_fn=<GridSample2dBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([[[[0.2500, 0.2500],
              [0.2500, 0.2500]]]])
    """

    def forward(self, x, grid, *, mode, padding_mode, align_corners):
        self.bicubic = mode == "bicubic"
        if self.bicubic:
            return self._bicubic_forward(x, grid, padding_mode, align_corners)
        N, C, H, W = x.shape
        gx = _unnormalize(grid[..., 0].astype(np.float64), W, align_corners)
        gy = _unnormalize(grid[..., 1].astype(np.float64), H, align_corners)
        # d(pixel coordinate)/d(grid coordinate), before any clipping.
        sx = (W - 1) / 2 if align_corners else W / 2
        sy = (H - 1) / 2 if align_corners else H / 2
        dx = np.full(gx.shape, sx)
        dy = np.full(gy.shape, sy)
        if padding_mode == "border":
            inside_x, inside_y = (gx > 0) & (gx < W - 1), (gy > 0) & (gy < H - 1)
            gx, gy = np.clip(gx, 0, W - 1), np.clip(gy, 0, H - 1)
            dx, dy = dx * inside_x, dy * inside_y
        elif padding_mode == "reflection":
            if align_corners:
                rx, ry = _reflect(gx, 0, W - 1), _reflect(gy, 0, H - 1)
            else:
                rx, ry = _reflect(gx, -0.5, W - 0.5), _reflect(gy, -0.5, H - 0.5)
            # The reflection's slope is +-1 (sign of the fold), then clip.
            ex = np.where(np.abs(rx - gx) < 1e-12, 1.0, np.sign(_fold_sign(gx, W, align_corners)))
            ey = np.where(np.abs(ry - gy) < 1e-12, 1.0, np.sign(_fold_sign(gy, H, align_corners)))
            gx, gy = np.clip(rx, 0, W - 1), np.clip(ry, 0, H - 1)
            dx = dx * ex * ((rx > 0) & (rx < W - 1))
            dy = dy * ey * ((ry > 0) & (ry < H - 1))
        self.saved = (x.shape, gx, gy, dx, dy, mode, x.dtype)
        xd = x.astype(np.float64)
        n_idx = np.arange(N)[:, None, None]
        if mode == "nearest":
            ix = np.rint(gx).astype(np.int64)   # round half to even, as nearbyint
            iy = np.rint(gy).astype(np.int64)
            ok = (ix >= 0) & (ix < W) & (iy >= 0) & (iy < H)
            v = xd[n_idx, :, np.clip(iy, 0, H - 1), np.clip(ix, 0, W - 1)]  # (N, Ho, Wo, C)
            out = v * ok[..., None]
            self.nearest = (ix, iy, ok)
        else:
            x0, y0 = np.floor(gx).astype(np.int64), np.floor(gy).astype(np.int64)
            corners = []
            out = 0.0
            for ox in (0, 1):
                for oy in (0, 1):
                    cx, cy = x0 + ox, y0 + oy
                    wx = (gx - x0) if ox else (1 - (gx - x0))
                    wy = (gy - y0) if oy else (1 - (gy - y0))
                    ok = (cx >= 0) & (cx < W) & (cy >= 0) & (cy < H)
                    v = xd[n_idx, :, np.clip(cy, 0, H - 1), np.clip(cx, 0, W - 1)] * ok[..., None]
                    out = out + v * (wx * wy)[..., None]
                    corners.append((cx, cy, ox, oy, ok, v))
            self.corners = corners
        return np.moveaxis(out, -1, 1).astype(x.dtype)

    # Bicubic (PyTorch's A = -0.75 kernel over 4 x 4 taps): the source coordinate is not
    # padded; each tap's integer coordinate is (border: clamped, reflection: reflected),
    # and taps outside the image read 0.
    def _taps(self, c, size, padding_mode, align_corners):
        c = c.astype(np.float64)
        if padding_mode == "border":
            c = np.clip(c, 0, size - 1)
        elif padding_mode == "reflection":
            c = _reflect(c, 0, size - 1) if align_corners else _reflect(c, -0.5, size - 0.5)
            c = np.clip(c, 0, size - 1)
        ok = (c >= 0) & (c <= size - 1)
        return np.clip(c, 0, size - 1).astype(np.int64), ok

    def _bicubic_forward(self, x, grid, padding_mode, align_corners):
        N, C, H, W = x.shape
        ix = _unnormalize(grid[..., 0].astype(np.float64), W, align_corners)
        iy = _unnormalize(grid[..., 1].astype(np.float64), H, align_corners)
        x0, y0 = np.floor(ix), np.floor(iy)
        tx, ty = ix - x0, iy - y0
        wx, wy = _cubic_weights(tx), _cubic_weights(ty)
        xd = x.astype(np.float64)
        n_idx = np.arange(N)[:, None, None]
        taps, out = [], 0.0
        for i in range(4):
            cx, okx = self._taps(x0 - 1 + i, W, padding_mode, align_corners)
            for j in range(4):
                cy, oky = self._taps(y0 - 1 + j, H, padding_mode, align_corners)
                ok = okx & oky
                v = xd[n_idx, :, cy, cx] * ok[..., None]          # (N, Ho, Wo, C)
                out = out + v * (wx[i] * wy[j])[..., None]
                taps.append((i, j, cx, cy, ok, v))
        self.saved = (x.shape, tx, ty, "bicubic", x.dtype, align_corners)
        self.taps = taps
        return np.moveaxis(out, -1, 1).astype(x.dtype)

    def _bicubic_backward(self, g):
        (N, C, H, W), tx, ty, _, dtype, align_corners = self.saved
        gd = np.moveaxis(np.asarray(g, np.float64), 1, -1)
        wx, wy = _cubic_weights(tx), _cubic_weights(ty)
        dwx, dwy = _cubic_weight_slopes(tx), _cubic_weight_slopes(ty)
        na, nb = self.needs_input_grad
        gin = np.zeros((N, H, W, C))
        ggrid = np.zeros(tx.shape + (2,))
        n_idx = np.broadcast_to(np.arange(N)[:, None, None], tx.shape)
        for i, j, cx, cy, ok, v in self.taps:
            if na:
                w = (wx[i] * wy[j])[..., None] * gd
                np.add.at(gin, (n_idx[ok], cy[ok], cx[ok]), w[ok])
            if nb:
                gv = (gd * v).sum(-1)
                ggrid[..., 0] += gv * dwx[i] * wy[j]
                ggrid[..., 1] += gv * wx[i] * dwy[j]
        ggrid[..., 0] *= (W - 1) / 2 if align_corners else W / 2
        ggrid[..., 1] *= (H - 1) / 2 if align_corners else H / 2
        return (np.moveaxis(gin, -1, 1).astype(dtype) if na else None,
                ggrid.astype(dtype) if nb else None)

    def backward(self, g):
        if self.bicubic:
            return self._bicubic_backward(g)
        (N, C, H, W), gx, gy, dx, dy, mode, dtype = self.saved
        gd = np.moveaxis(np.asarray(g, np.float64), 1, -1)  # (N, Ho, Wo, C)
        gin = np.zeros((N, H, W, C))
        n_idx = np.broadcast_to(np.arange(N)[:, None, None], gx.shape)
        ggrid = np.zeros(gx.shape + (2,))
        na, nb = self.needs_input_grad
        if mode == "nearest":
            ix, iy, ok = self.nearest
            if na:
                np.add.at(gin, (n_idx[ok], iy[ok], ix[ok]), gd[ok])
        else:
            x0, y0 = np.floor(gx), np.floor(gy)
            fx, fy = gx - x0, gy - y0
            for cx, cy, ox, oy, ok, v in self.corners:
                wx = fx if ox else 1 - fx
                wy = fy if oy else 1 - fy
                if na:
                    w = (wx * wy)[..., None] * gd
                    np.add.at(gin, (n_idx[ok], cy[ok], cx[ok]), w[ok])
                if nb:
                    gv = (gd * v).sum(-1)
                    ggrid[..., 0] += gv * (1.0 if ox else -1.0) * wy
                    ggrid[..., 1] += gv * (1.0 if oy else -1.0) * wx
            ggrid[..., 0] *= dx
            ggrid[..., 1] *= dy
        gx_out = np.moveaxis(gin, -1, 1).astype(dtype) if na else None
        return gx_out, (ggrid.astype(dtype) if nb else None)


def _fold_sign(c, size, align_corners):
    lo, hi = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
    span = hi - lo
    if span <= 0:
        return np.ones_like(c)
    flips = np.floor(np.abs(c - lo) / span)
    return np.where(c < lo, -1.0, 1.0) * np.where(flips % 2 == 0, 1.0, -1.0)


def _grid_coord(g, size, padding_mode, align_corners):
    """(pixel coordinate, d(coordinate)/d(grid value)) of normalised grid values `g` along an
    axis of `size` pixels, after padding (PyTorch's grid_sampler_compute_source_index_set_grad:
    clipping has slope 0 outside (0, size - 1), reflection +-1 by the fold's parity)."""
    c = _unnormalize(g.astype(np.float64), size, align_corners)
    d = np.full(c.shape, (size - 1) / 2 if align_corners else size / 2)
    if padding_mode == "border":
        d = d * ((c > 0) & (c < size - 1))
        c = np.clip(c, 0, size - 1)
    elif padding_mode == "reflection":
        r = _reflect(c, 0, size - 1) if align_corners else _reflect(c, -0.5, size - 0.5)
        e = np.where(np.abs(r - c) < 1e-12, 1.0, np.sign(_fold_sign(c, size, align_corners)))
        d = d * e * ((r > 0) & (r < size - 1))
        c = np.clip(r, 0, size - 1)
    return c, d


class GridSample3d(Op):
    """Trilinear (mode 'bilinear', as PyTorch names it for 5-D) or nearest sampling of
    (N, C, D, H, W) at grid (N, Do, Ho, Wo, 3) points (x, y, z), with zeros / border /
    reflection padding; gradients to the input and (trilinear) to the grid.

    The centre of a 2x2x2 volume weighs each voxel 1/8, forward and backward:

    >>> x = torch.arange(8.).reshape(1, 1, 2, 2, 2).requires_grad_()
    >>> y = F.grid_sample(x, torch.zeros(1, 1, 1, 1, 3), align_corners=True); y.grad_fn
    <GridSample3dBackward0 object>
    >>> y.sum().backward(); x.grad.flatten()
    tensor([0.1250, 0.1250, 0.1250, 0.1250, 0.1250, 0.1250, 0.1250, 0.1250])
    """

    def forward(self, x, grid, *, mode, padding_mode, align_corners):
        N, C, *sizes = x.shape                     # sizes: D, H, W
        # grid's coordinate k (x, y, z) indexes spatial dim 2 - k (W, H, D)
        cd = [_grid_coord(grid[..., k], sizes[2 - k], padding_mode, align_corners)
              for k in range(3)]
        coords, slopes = [c for c, _ in cd], [d for _, d in cd]
        xd = np.moveaxis(x.astype(np.float64), 1, -1)   # (N, D, H, W, C)
        n_idx = np.arange(N).reshape(N, 1, 1, 1)
        self.shape, self.dtype, self.mode, self.slopes = x.shape, x.dtype, mode, slopes

        def read(idx):  # idx: integer (x, y, z) per point; outside the volume reads 0
            ok = np.ones(idx[0].shape, dtype=bool)
            for k in range(3):
                ok &= (idx[k] >= 0) & (idx[k] < sizes[2 - k])
            cl = [np.clip(idx[k], 0, sizes[2 - k] - 1) for k in range(3)]
            return xd[n_idx, cl[2], cl[1], cl[0]] * ok[..., None], ok, cl
        if mode == "nearest":
            idx = [np.rint(c).astype(np.int64) for c in coords]  # half to even, as nearbyint
            out, ok, cl = read(idx)
            self.taps = [(cl, ok, None)]
        else:
            low = [np.floor(c) for c in coords]
            frac = [c - lo for c, lo in zip(coords, low)]
            out, self.taps = 0.0, []
            for corner in np.ndindex(2, 2, 2):   # offsets (ox, oy, oz)
                idx = [low[k].astype(np.int64) + corner[k] for k in range(3)]
                w = [frac[k] if corner[k] else 1 - frac[k] for k in range(3)]
                v, ok, cl = read(idx)
                out = out + v * (w[0] * w[1] * w[2])[..., None]
                self.taps.append((cl, ok, (corner, w, v)))
        return np.moveaxis(out, -1, 1).astype(x.dtype)

    def backward(self, g):
        N, C, D, H, W = self.shape
        gd = np.moveaxis(np.asarray(g, np.float64), 1, -1)   # (N, Do, Ho, Wo, C)
        na, nb = self.needs_input_grad
        gin = np.zeros((N, D, H, W, C)) if na else None
        ggrid = np.zeros(gd.shape[:-1] + (3,))
        n_idx = np.broadcast_to(np.arange(N).reshape(N, 1, 1, 1), gd.shape[:-1])
        for cl, ok, lin in self.taps:
            weight = 1.0 if lin is None else lin[1][0] * lin[1][1] * lin[1][2]
            if na:
                contrib = gd * np.broadcast_to(np.asarray(weight), gd.shape[:-1])[..., None]
                np.add.at(gin, (n_idx[ok], cl[2][ok], cl[1][ok], cl[0][ok]), contrib[ok])
            if nb and lin is not None:
                corner, w, v = lin
                gv = (gd * v).sum(-1)
                for k in range(3):
                    others = [w[j] for j in range(3) if j != k]
                    ggrid[..., k] += gv * (1.0 if corner[k] else -1.0) * others[0] * others[1]
        for k in range(3):
            ggrid[..., k] *= self.slopes[k]
        return (np.moveaxis(gin, -1, 1).astype(self.dtype) if na else None,
                ggrid.astype(self.dtype) if nb else None)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):  # noqa: A002
    """Sample input (N, C, H, W) at grid (N, Ho, Wo, 2) normalised coordinates (x, y) in
    [-1, 1] (bilinear, nearest or bicubic), or a volume (N, C, D, H, W) at grid
    (N, Do, Ho, Wo, 3) coordinates (x, y, z) (trilinear, which PyTorch calls 'bilinear', or
    nearest); zeros, border or reflection padding.

    >>> x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> grid = torch.tensor([[[[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]]]])
    >>> F.grid_sample(x, grid, align_corners=True)
    tensor([[[[1.0000, 2.5000, 4.0000]]]])
    >>> F.grid_sample(x, grid, mode="nearest", align_corners=True)
    tensor([[[[1., 1., 4.]]]])
    >>> x = chainrule.arange(8.).reshape(1, 1, 2, 2, 2)
    >>> chainrule.nn.functional.grid_sample(x, chainrule.zeros(1, 1, 1, 1, 3),
    ...                                     align_corners=True).item()
    3.5
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise NotImplementedError(f"grid_sample: mode {mode!r} is not supported (bilinear, "
                                  "nearest, bicubic)")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if input.dim() == 5:
        if grid.dim() != 5:
            raise RuntimeError(f"grid_sampler(): expected 5D input and grid with same number of "
                               f"dimensions, but got input with sizes {list(input.shape)} and "
                               f"grid with sizes {list(grid.shape)}")
        if grid.shape[-1] != 3:
            raise RuntimeError(f"grid_sampler(): expected grid to have size 3 in last dimension, "
                               f"but got grid with sizes {list(grid.shape)}")
        if grid.shape[0] != input.shape[0]:
            raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch "
                               f"size, but got input with sizes {list(input.shape)} and grid "
                               f"with sizes {list(grid.shape)}")
        if mode == "bicubic":
            raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
        return GridSample3d.apply(input, grid, mode=mode, padding_mode=padding_mode,
                                  align_corners=bool(align_corners))
    if input.dim() != 4 or grid.dim() != 4 or grid.shape[-1] != 2 or \
            grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sample: expected input (N, C, H, W) and grid (N, Ho, Wo, 2) "
                           f"with the same N, got {list(input.shape)} and {list(grid.shape)} "
                           "(or a 5-D volume (N, C, D, H, W) with grid (N, Do, Ho, Wo, 3))")
    return GridSample2d.apply(input, grid, mode=mode, padding_mode=padding_mode,
                              align_corners=bool(align_corners))
