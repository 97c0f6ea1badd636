"""Recurrent layers: RNN, LSTM, GRU and their single-step cells (PyTorch's names,
parameters, shapes and initialisation, so a torch state_dict loads 1:1).

Each layer direction runs as one fused op (functions/rnn.py); dropout goes between
layers, bidirectional outputs are concatenated on the feature dim, and a PackedSequence
input gives a PackedSequence output.
"""
import math

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from ..functions import shape as _S
from ..functions.rnn import rnn_layer
from . import _functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _empty(*shape, dtype=None):
    d = dtypes.get(dtype).np if dtype is not None else dtypes.get_default_dtype().np
    return np.empty(shape, dtype=d)


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU (PyTorch's RNNBase).

    Parameters per layer k and direction (suffix "" or "_reverse"): weight_ih_l{k}
    (G*hidden, input), weight_hh_l{k} (G*hidden, hidden or proj_size), bias_ih_l{k},
    bias_hh_l{k} (G*hidden,), and weight_hr_l{k} (proj_size, hidden) for an LSTM with
    projections; G is 1 (RNN), 4 (LSTM) or 3 (GRU). All drawn from
    U(-1/sqrt(hidden), 1/sqrt(hidden)).

    >>> lstm = nn.LSTM(3, 4, num_layers=2, proj_size=2)
    >>> isinstance(lstm, nn.RNNBase), lstm.mode
    (True, 'LSTM')
    >>> [(name, tuple(p.shape)) for name, p in lstm.named_parameters()][:5]
    [('weight_ih_l0', (16, 3)), ('weight_hh_l0', (16, 2)), ('bias_ih_l0', (16,)),
     ('bias_hh_l0', (16,)), ('weight_hr_l0', (2, 4))]
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or \
                not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError(f"proj_size argument is only supported for LSTM, not {name}")
        if dropout > 0 and num_layers == 1:
            import warnings
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, "
                          f"so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", UserWarning,
                          stacklevel=3)
        self.mode = mode
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bias = num_layers, bias
        self.batch_first, self.dropout = batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        D = 2 if bidirectional else 1
        G = _GATES[mode]
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(D):
                layer_in = input_size if layer == 0 else real_hidden * D
                sfx = "_reverse" if direction == 1 else ""
                params = [("weight_ih", _empty(G * hidden_size, layer_in, dtype=dtype)),
                          ("weight_hh", _empty(G * hidden_size, real_hidden, dtype=dtype))]
                if bias:
                    params += [("bias_ih", _empty(G * hidden_size, dtype=dtype)),
                               ("bias_hh", _empty(G * hidden_size, dtype=dtype))]
                if proj_size > 0:
                    params.append(("weight_hr", _empty(proj_size, hidden_size, dtype=dtype)))
                names = []
                for base, arr in params:
                    pname = f"{base}_l{layer}{sfx}"
                    setattr(self, pname, Parameter(arr))
                    names.append(pname)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """A no-op (PyTorch compacts cuDNN weights here; the NumPy op reads them as they
        are)."""
        return None

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """Per layer and direction, the list of its parameters (PyTorch's order)."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def _layer_weights(self, layer, direction):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer direction (None where absent)."""
        sfx = "_reverse" if direction == 1 else ""
        p = self._parameters
        return (p[f"weight_ih_l{layer}{sfx}"], p[f"weight_hh_l{layer}{sfx}"],
                p.get(f"bias_ih_l{layer}{sfx}"), p.get(f"bias_hh_l{layer}{sfx}"),
                p.get(f"weight_hr_l{layer}{sfx}"))

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # --- forward --------------------------------------------------------------------------
    def _check_input(self, x, batch_sizes):
        name = type(self).__name__
        expected = 2 if batch_sizes is not None else 3
        if x.dim() != expected:
            raise RuntimeError(f"{name}: input must have {expected} dimensions, got "
                               f"{x.dim()}")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. "
                               f"Expected {self.input_size}, got {x.shape[-1]}")
        w = self._parameters["weight_ih_l0"]
        if x._data.dtype != w._data.dtype:
            raise RuntimeError(f"{name}: input must have the type {w.dtype}, got type "
                               f"{x.dtype} (cast the input, or the module with .to(dtype))")

    def _check_hidden(self, hx, expected, what):
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"{type(self).__name__}: Expected {what} size {expected}, got "
                               f"{list(hx.shape)}")

    def _run(self, x, hx, cx, batch_sizes):
        """Stack the layers over x (T, B, I) or packed data (N, I); hx/cx (L*D, B, *)
        or None. Returns (output, h_n, c_n or None)."""
        D = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        layer_input = x
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(D):
                k = layer * D + direction
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(layer, direction)
                h0 = None if hx is None else hx[k]
                c0 = None if cx is None else cx[k]
                res = rnn_layer(layer_input, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr,
                                mode=self.mode, reverse=direction == 1,
                                batch_sizes=batch_sizes)
                outs.append(res[0])
                hs.append(res[1])
                if lstm:
                    cs.append(res[2])
            layer_output = outs[0] if D == 1 else _S.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_output = F.dropout(layer_output, self.dropout, True)
            layer_input = layer_output
        h_n = _S.stack(hs, 0)
        c_n = _S.stack(cs, 0) if lstm else None
        return layer_input, h_n, c_n

    def forward(self, input, hx=None):  # noqa: A002
        name = type(self).__name__
        lstm = self.mode == "LSTM"
        D = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if lstm and hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0) of two tensors")
        if not lstm and isinstance(hx, (tuple, list)):
            raise RuntimeError(f"{name}: hx must be a Tensor, not a {type(hx).__name__}")
        h0, c0 = (hx if hx is not None else (None, None)) if lstm else (hx, None)
        packed = isinstance(input, PackedSequence)
        unbatched = False
        if packed:
            x, bs_t, sorted_idx, unsorted_idx = input
            batch_sizes = tuple(int(b) for b in np.asarray(bs_t._data))
            B = batch_sizes[0] if batch_sizes else 0
            self._check_input(x, batch_sizes)
            if sorted_idx is not None:  # states come in the user's order: sort them too
                if h0 is not None:
                    h0 = h0.index_select(1, sorted_idx)
                if c0 is not None:
                    c0 = c0.index_select(1, sorted_idx)
        else:
            x = input
            batch_sizes = None
            if not isinstance(x, Tensor):
                raise TypeError(f"{name}: input must be a Tensor or a PackedSequence, not "
                                f"{type(x).__name__}")
            if x.dim() not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {x.dim()}D "
                                 "tensor instead")
            unbatched = x.dim() == 2
            if unbatched:
                for t, what in ((h0, "hx"), (c0, "cx")):
                    if t is not None and t.dim() != 2:
                        raise RuntimeError(f"For unbatched 2-D input, {what} should also be "
                                           f"2-D but got {t.dim()}-D tensor")
                x = x.unsqueeze(1)
                h0 = None if h0 is None else h0.unsqueeze(1)
                c0 = None if c0 is None else c0.unsqueeze(1)
            else:
                for t, what in ((h0, "hx"), (c0, "cx")):
                    if t is not None and t.dim() != 3:
                        raise RuntimeError(f"For batched 3-D input, {what} should also be 3-D "
                                           f"but got {t.dim()}-D tensor")
                if self.batch_first:
                    x = _S.transpose(x, 0, 1)
            self._check_input(x, None)
            B = x.shape[1]
        if h0 is not None:
            self._check_hidden(h0, (self.num_layers * D, B, real_hidden), "hidden")
        if c0 is not None:
            self._check_hidden(c0, (self.num_layers * D, B, self.hidden_size), "hidden[1]")
        out, h_n, c_n = self._run(x, h0, c0, batch_sizes)
        if packed:
            if unsorted_idx is not None:
                h_n = h_n.index_select(1, unsorted_idx)
                if c_n is not None:
                    c_n = c_n.index_select(1, unsorted_idx)
            out = PackedSequence(out, bs_t, sorted_idx, unsorted_idx)
        elif unbatched:
            out = out.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = None if c_n is None else c_n.squeeze(1)
        elif self.batch_first:
            out = _S.transpose(out, 0, 1)
        return (out, (h_n, c_n)) if lstm else (out, h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    Input (T, B, input_size) (or (B, T, ...) with batch_first, (T, input_size) unbatched,
    or a PackedSequence), optional h_0 (num_layers * D, B, hidden_size); returns
    (output (T, B, D * hidden_size), h_n).

    >>> rnn = nn.RNN(10, 20, num_layers=2)
    >>> out, h_n = rnn(chainrule.randn(5, 3, 10))
    >>> out.shape, h_n.shape
    (chainrule.Size([5, 3, 20]), chainrule.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:  # positional nonlinearity, as torch's RNN(input, hidden, layers, nl)
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), PyTorch's formulation:

        i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of x W_ih^T + b_ih + h W_hh^T + b_hh
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)   (then h_t W_hr^T with proj_size)

    Returns (output, (h_n, c_n)).

    >>> lstm = nn.LSTM(10, 20, batch_first=True)
    >>> out, (h_n, c_n) = lstm(chainrule.randn(3, 5, 10))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al., 2014), PyTorch's formulation:

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h

    >>> gru = nn.GRU(10, 20, bidirectional=True)
    >>> out, h_n = gru(chainrule.randn(5, 3, 10))
    >>> out.shape
    chainrule.Size([5, 3, 40])
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """One time step: weight_ih (G*hidden, input), weight_hh (G*hidden, hidden), bias_ih,
    bias_hh (G*hidden,), initialised U(-1/sqrt(hidden), 1/sqrt(hidden)). The step is the
    fused layer op over a single time step (one node forward, one backward).

    >>> cell = nn.GRUCell(3, 4)
    >>> isinstance(cell, nn.RNNCellBase), cell.weight_ih.shape, cell.weight_hh.shape
    (True, chainrule.Size([12, 3]), chainrule.Size([12, 4]))
    >>> cell(torch.randn(2, 3)).shape
    chainrule.Size([2, 4])
    """

    def __init__(self, mode, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        G = _GATES[mode]
        self.mode = mode
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(_empty(G * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(_empty(G * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_empty(G * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(_empty(G * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _step(self, input, hx, cx):  # noqa: A002
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, not {type(input).__name__}")
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        for t, what in ((hx, "hx"), (cx, "cx")):
            if t is not None and t.dim() != input.dim():
                raise RuntimeError(f"{name}: Expected {what} to be {input.dim()}D, got "
                                   f"{t.dim()}D instead")
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)  # noqa: A001
            hx = None if hx is None else hx.unsqueeze(0)
            cx = None if cx is None else cx.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got "
                               f"{input.shape[1]} expected {self.input_size}")
        if input._data.dtype != self.weight_ih._data.dtype:
            raise RuntimeError(f"{name}: input must have the type {self.weight_ih.dtype}, got "
                               f"type {input.dtype}")
        B = input.shape[0]
        for t, what in ((hx, "hidden"), (cx, "cell")):
            if t is not None and tuple(t.shape) != (B, self.hidden_size):
                raise RuntimeError(f"{name}: {what} state has shape {list(t.shape)}, expected "
                                   f"{[B, self.hidden_size]}")
        p = self._parameters
        res = rnn_layer(input.unsqueeze(0), hx, cx, p["weight_ih"], p["weight_hh"],
                        p["bias_ih"], p["bias_hh"], None, mode=self.mode)
        h, c = res[1], (res[2] if len(res) > 2 else None)
        if unbatched:
            h = h.squeeze(0)
            c = None if c is None else c.squeeze(0)
        return h, c


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh (default) or relu.

    >>> cell = nn.RNNCell(10, 20)
    >>> h = cell(chainrule.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        return self._step(input, hx, None)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c').

    >>> cell = nn.LSTMCell(10, 20)
    >>> h, c = cell(chainrule.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise RuntimeError("LSTMCell: hx must be a tuple (h_0, c_0) of two tensors")
        h0, c0 = hx if hx is not None else (None, None)
        return self._step(input, h0, c0)


class GRUCell(RNNCellBase):
    """One GRU step: returns h'.

    >>> cell = nn.GRUCell(10, 20)
    >>> h = cell(chainrule.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        return self._step(input, hx, None)[0]
