"""unfold (im2col) and fold (col2im) as PyTorch's F.unfold / F.fold, expressed as a
convolution and a transposed convolution with a one-hot kernel, so both are
differentiable to any order through the conv ops."""
import numpy as np

from ..tensor import Tensor
from .conv import conv2d, conv_transpose2d, _ntuple


def _one_hot_kernel(c, kh, kw, dtype):
    """(c kh kw, 1, kh, kw) kernel whose output channel c*kh*kw + i*kw + j copies
    offset (i, j) of its input channel (applied per channel group)."""
    k = np.zeros((c * kh * kw, 1, kh, kw), dtype=dtype)
    for ch in range(c):
        for i in range(kh):
            for j in range(kw):
                k[ch * kh * kw + i * kw + j, 0, i, j] = 1
    return Tensor._make(k)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Sliding local blocks: (N, C, H, W) -> (N, C kh kw, L), L the number of blocks.

    >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.unfold(x, kernel_size=2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    if input.dim() not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported "
                                  f"(got {input.dim()}D)")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    kh, kw = _ntuple(kernel_size, 2, "kernel_size", "unfold")
    n, c = x.shape[:2]
    if x._data.dtype.kind != "f":  # integers and bool: the blocks gathered directly
        out = Tensor._make(_unfold_array(x._data, (kh, kw), dilation, padding, stride))
        return out.squeeze(0) if unbatched else out
    if n == 0:  # an empty batch: the empty result, as a view of x (so it is in the graph)
        shape = _unfold_array(x._data, (kh, kw), dilation, padding, stride).shape
        return x.reshape(-1)[:0].reshape(shape)
    w = _one_hot_kernel(c, kh, kw, x._data.dtype)
    cols = conv2d(x, w, None, stride, padding, dilation, groups=c)
    # (the block count spelled out: reshape cannot infer -1 for an empty batch)
    out = cols.reshape(n, c * kh * kw, cols.shape[-2] * cols.shape[-1])
    return out.squeeze(0) if unbatched else out


def _unfold_array(a, kernel, dilation, padding, stride):
    """im2col of an (N, C, H, W) array: (N, C kh kw, L), channel-major as F.unfold."""
    (kh, kw), (dh, dw) = kernel, _ntuple(dilation, 2, "dilation", "unfold")
    (ph, pw), (sh, sw) = _ntuple(padding, 2, "padding", "unfold"), _ntuple(stride, 2, "stride",
                                                                            "unfold")
    n, c, h, w = a.shape
    ap = np.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"unfold: the calculated shape of the array of sliding blocks is "
                           f"({oh}, {ow}), which is too small (input {list(a.shape)})")
    blocks = [ap[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
              for i in range(kh) for j in range(kw)]
    return np.stack(blocks, axis=2).reshape(n, c * kh * kw, oh * ow)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Sum sliding local blocks back into an image: (N, C kh kw, L) -> (N, C, H, W).

    >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.fold(F.unfold(x, kernel_size=2), output_size=(3, 3), kernel_size=2)
    tensor([[[[ 0.,  2.,  2.],
              [ 6., 16., 10.],
              [ 6., 14.,  8.]]]])
    """
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {input.dim()}D)")
    unbatched = input.dim() == 2
    x = input.unsqueeze(0) if unbatched else input
    kh, kw = _ntuple(kernel_size, 2, "kernel_size", "fold")
    H, W = _ntuple(output_size, 2, "output_size", "fold")
    dh, dw = _ntuple(dilation, 2, "dilation", "fold")
    ph, pw = _ntuple(padding, 2, "padding", "fold")
    sh, sw = _ntuple(stride, 2, "stride", "fold")
    n, ckk, L = x.shape
    if ckk % (kh * kw):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={ckk} and "
                           f"kernel_size=({kh}, {kw})")
    oh = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if oh * ow != L:
        raise RuntimeError(f"Given output_size=({H}, {W}), kernel_size=({kh}, {kw}), "
                           f"dilation=({dh}, {dw}), padding=({ph}, {pw}), stride=({sh}, {sw}), "
                           f"expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {oh} * {ow} = {oh * ow}, but got "
                           f"input.size(2)={L}.")
    c = ckk // (kh * kw)
    w = _one_hot_kernel(c, kh, kw, x._data.dtype)
    cols = x.reshape(n, ckk, oh, ow)
    # conv_transpose2d's output size may fall short of (H, W) by the stride's remainder.
    out_h = (oh - 1) * sh - 2 * ph + dh * (kh - 1) + 1
    out_w = (ow - 1) * sw - 2 * pw + dw * (kw - 1) + 1
    img = conv_transpose2d(cols, w, None, (sh, sw), (ph, pw), (H - out_h, W - out_w), c,
                           (dh, dw))
    return img.squeeze(0) if unbatched else img
