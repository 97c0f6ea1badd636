"""torch.fft, the real-valued part: fftshift and ifftshift.

chainrule has no complex dtype, so the transforms themselves (fft, rfft, irfft, hfft, ...),
whose inputs or outputs are complex, are not provided.

>>> import chainrule as torch
>>> torch.fft.fftshift(torch.arange(5))
tensor([3, 4, 0, 1, 2])
"""
from .functions.shape import roll as _roll


def _dims(x, dim):
    if dim is None:
        return tuple(range(x.ndim))
    return (dim,) if isinstance(dim, int) else tuple(dim)


def fftshift(input, dim=None):  # noqa: A002 - PyTorch's argument names
    """Move the zero-frequency term to the centre: roll by n // 2 along each dim.

    >>> torch.fft.fftshift(torch.arange(6))
    tensor([3, 4, 5, 0, 1, 2])
    >>> torch.fft.fftshift(torch.arange(6).reshape(2, 3), dim=1)
    tensor([[2, 0, 1],
            [5, 3, 4]])
    """
    dims = _dims(input, dim)
    if not dims:
        return _roll(input, 0, 0) if input.ndim else input * 1
    return _roll(input, [input.shape[d] // 2 for d in dims], list(dims))


def ifftshift(input, dim=None):  # noqa: A002
    """The inverse of fftshift: roll by -(n // 2) along each dim.

    >>> x = torch.arange(5)
    >>> torch.fft.ifftshift(x)
    tensor([2, 3, 4, 0, 1])
    >>> torch.fft.ifftshift(torch.fft.fftshift(x))
    tensor([0, 1, 2, 3, 4])
    """
    dims = _dims(input, dim)
    if not dims:
        return _roll(input, 0, 0) if input.ndim else input * 1
    return _roll(input, [-(input.shape[d] // 2) for d in dims], list(dims))
