"""Packed and padded sequences (torch.nn.utils.rnn).

A PackedSequence stores a batch of variable-length sequences time-major without padding:
`data` holds, for t = 0, 1, ..., the t-th element of every sequence still running at t
(longest first), and `batch_sizes[t]` says how many there are. Recurrent layers take it
directly and skip the padding entirely.

>>> from chainrule.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
>>> padded = torch.randn(2, 3, 4)                 # (B, T, features), lengths 3 and 2
>>> gru = nn.GRU(4, 5, batch_first=True)
>>> packed = pack_padded_sequence(padded, lengths=[3, 2], batch_first=True)
>>> out, h_n = gru(packed)
>>> out, lengths = pad_packed_sequence(out, batch_first=True)
>>> out.shape, lengths, bool((out[1, 2] == 0).all())
(chainrule.Size([2, 3, 5]), tensor([3, 2]), True)
"""
from typing import NamedTuple, Optional

import numpy as np

from ...tensor import Tensor
from ...functions import shape as _S

_make = Tensor._make

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence", "invert_permutation"]


def _as_index(t):
    return None if t is None else np.asarray(t._data if isinstance(t, Tensor) else t,
                                             dtype=np.int64)


def invert_permutation(permutation):
    """Returns the inverse of an index permutation (None stays None).

    The inverse of an index permutation (None stays None).

    >>> from chainrule.nn.utils.rnn import invert_permutation
    >>> invert_permutation(torch.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    p = _as_index(permutation)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=np.int64)
    return _make(inv)


class _PackedSequenceBase(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor]
    unsorted_indices: Optional[Tensor]


class PackedSequence(_PackedSequenceBase):
    """A batch of variable-length sequences, packed (see the module docstring).

    Built by pack_padded_sequence / pack_sequence rather than by hand; fields `data`
    (N, *), `batch_sizes` (T,) int64, `sorted_indices` / `unsorted_indices` (B,) int64 or
    None (the permutation into and out of decreasing-length order).

    >>> from chainrule.nn.utils.rnn import pack_sequence
    >>> p = pack_sequence([torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0])])
    >>> p.data, p.batch_sizes
    (tensor([1., 4., 2., 5., 3.]), tensor([2, 2, 1]))
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise ValueError("PackedSequence: batch_sizes is required (build packed sequences "
                             "with pack_padded_sequence or pack_sequence)")
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = _make(np.asarray(batch_sizes, dtype=np.int64))
        if sorted_indices is not None and not isinstance(sorted_indices, Tensor):
            sorted_indices = _make(_as_index(sorted_indices))
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        elif not isinstance(unsorted_indices, Tensor):
            unsorted_indices = _make(_as_index(unsorted_indices))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same packing with `data` converted (dtype / device), as Tensor.to."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self):
        return self

    def double(self):
        return self.to(dtype=_float64())

    def float(self):  # noqa: A003
        return self.to(dtype=_float32())

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _float64():
    from ... import dtypes
    return dtypes.float64


def _float32():
    from ... import dtypes
    return dtypes.float32


def _lengths_array(lengths, where):
    a = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if a.ndim != 1:
        raise RuntimeError(f"{where}: 'lengths' must be 1-D, got shape {list(a.shape)}")
    if a.size and a.dtype.kind == "f":
        a = a.astype(np.int64)
    return a.astype(np.int64)


def _pack_index(lengths, B):
    """Rows of a (T*B) time-major flattening that packing keeps, and the batch sizes."""
    T = int(lengths[0]) if lengths.size else 0
    batch_sizes = np.array([(lengths > t).sum() for t in range(T)], dtype=np.int64)
    idx = np.concatenate([t * B + np.arange(bs) for t, bs in enumerate(batch_sizes)]) \
        if T else np.zeros(0, np.int64)
    return idx.astype(np.int64), batch_sizes


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):  # noqa: A002
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences with
    the given lengths.

    With enforce_sorted=True the lengths must be in decreasing order; otherwise the
    batch is sorted here and the permutation kept, so unpacking restores the order.

    >>> from chainrule.nn.utils.rnn import pack_padded_sequence
    >>> x = torch.tensor([[1.0, 4.0, 6.0], [2.0, 5.0, 0.0], [3.0, 0.0, 0.0]])  # (T, B)
    >>> packed = pack_padded_sequence(x, [3, 2, 1])
    >>> packed.data, packed.batch_sizes
    (tensor([1., 4., 6., 2., 5., 3.]), tensor([3, 2, 1]))
    >>> pack_padded_sequence(x.t(), [1, 3, 2], batch_first=True, enforce_sorted=False).data
    tensor([4., 6., 1., 5., 0., 0.])
    """
    lengths = _lengths_array(lengths, "pack_padded_sequence")
    if enforce_sorted:
        if lengths.size > 1 and (np.diff(lengths) > 0).any():
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable").astype(np.int64)
        lengths = lengths[order]
        sorted_indices = order
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if batch_first:
        input = _S.transpose(input, 0, 1)  # noqa: A001
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise RuntimeError(f"pack_padded_sequence: expected an input with a time and a batch "
                           f"dim, got shape {list(shape)}")
    T, B = shape[0], shape[1]
    if lengths.size != B:
        raise RuntimeError(f"pack_padded_sequence: Expected `len(lengths)` to be equal to "
                           f"batch_size, but got {lengths.size} (batch_size={B})")
    if lengths.size and lengths[0] > T:
        raise RuntimeError(f"pack_padded_sequence: a length ({int(lengths[0])}) exceeds the "
                           f"padded sequence length {T}")
    if sorted_indices is not None:
        input = input.index_select(1, _make(sorted_indices))  # noqa: A001
    idx, batch_sizes = _pack_index(lengths, B)
    flat = input.reshape(T * B, *shape[2:])
    data = flat.index_select(0, _make(idx))
    return PackedSequence(data, _make(batch_sizes),
                          None if sorted_indices is None else _make(sorted_indices), None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths (B,) int64).

    `total_length` pads to that many steps (at least the longest sequence).

    >>> from chainrule.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> packed = pack_sequence([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0])],
    ...                        enforce_sorted=False)
    ...
    >>> pad_packed_sequence(packed, batch_first=True)
    (tensor([[1., 2., 0.],
            [3., 4., 5.]]), tensor([2, 3]))
    """
    data, batch_sizes = sequence.data, _as_index(sequence.batch_sizes)
    T = int(batch_sizes.size)
    B = int(batch_sizes[0]) if T else 0
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and "
                             f"max sequence length being {T}")
        T_out = int(total_length)
    else:
        T_out = T
    lengths = np.array([(batch_sizes > b).sum() for b in range(B)], dtype=np.int64)
    # Each (t, b) of the padded (T_out * B) flattening reads a data row, or the pad row.
    N = data.shape[0]
    gather = np.full(T_out * B, N, dtype=np.int64)
    pos = 0
    for t, bs in enumerate(batch_sizes):
        gather[t * B:t * B + bs] = np.arange(pos, pos + bs)
        pos += bs
    rest = tuple(data.shape[1:])
    pad_row = _make(np.full((1,) + rest, padding_value, dtype=data._data.dtype))
    padded = _S.cat([data, pad_row], 0).index_select(0, _make(gather)).reshape(T_out, B, *rest)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        padded = padded.index_select(1, unsorted)
        lengths = lengths[_as_index(unsorted)]
    if batch_first:
        padded = _S.transpose(padded, 0, 1)
    return padded, _make(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shape (L_i, *) into (L_max, B, *) (or (B, L_max, *) with
    batch_first), padding with `padding_value` on the right (or the left).

    >>> from chainrule.nn.utils.rnn import pad_sequence
    >>> a, b = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0])
    >>> pad_sequence([a, b])
    tensor([[1., 4.],
            [2., 0.],
            [3., 0.]])
    >>> pad_sequence([a, b], batch_first=True, padding_value=-1.0, padding_side='left')
    tensor([[ 1.,  2.,  3.],
            [-1., -1.,  4.]])
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    rest = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if tuple(s.shape[1:]) != rest:
            raise RuntimeError(f"pad_sequence: sequence {i} has shape {list(s.shape)}; every "
                               f"sequence must have trailing shape {list(rest)}")
    L = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = L - s.shape[0]
        if extra:
            widths = (0, 0) * len(rest) + ((0, extra) if padding_side == "right" else (extra, 0))
            s = _S.pad(s, widths, value=padding_value)
        padded.append(s)
    return _S.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of tensors of their own lengths.

    >>> from chainrule.nn.utils.rnn import pad_sequence, unpad_sequence
    >>> padded = pad_sequence([torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0])])
    >>> unpad_sequence(padded, torch.tensor([3, 1]))
    [tensor([1., 2., 3.]), tensor([4.])]
    """
    lens = _lengths_array(lengths, "unpad_sequence")
    x = padded_sequences if batch_first else _S.transpose(padded_sequences, 0, 1)
    return [x[i, :int(n)] for i, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors of shape (L_i, *) (decreasing lengths unless
    enforce_sorted=False).

    >>> from chainrule.nn.utils.rnn import pack_sequence
    >>> a, b, c = torch.tensor([1.0]), torch.tensor([2.0, 3.0, 4.0]), torch.tensor([5.0, 6.0])
    >>> packed = pack_sequence([a, b, c], enforce_sorted=False)
    >>> packed.data, packed.batch_sizes
    (tensor([2., 5., 1., 3., 6., 4.]), tensor([3, 2, 1]))
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of tensors a PackedSequence holds, in their original order.

    >>> from chainrule.nn.utils.rnn import pack_sequence, unpack_sequence
    >>> a, b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0])
    >>> unpack_sequence(pack_sequence([a, b], enforce_sorted=False))
    [tensor([1., 2.]), tensor([3., 4., 5.])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
