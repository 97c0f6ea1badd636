"""Backprop, step by step: the lecture's forward-pass and backward-pass slides, generated.

`trace(f)` takes the output of a small graph and

* forward pass: lists every operation in the order it ran, its inputs' and output's values,
  and the local derivatives d(output)/d(input) it keeps (computed at the forward values by
  running the op's own backward on unit vectors: one row of the local Jacobian each);
* backward pass: runs the engine's backward with an observer
  (`chainrule.autograd.engine._TRACE`) and records, in the order the engine runs the nodes,
  each node's upstream gradient dL/d(output), its local gradient, and the product
  dL/d(input) that it sends on: for scalars upstream x local = product, for tensors the
  vector-Jacobian product. Leaves end with their accumulated ``.grad``.

>>> from chainrule.viz import trace
>>> x = chainrule.tensor(1.0, requires_grad=True); x.name = "x"
>>> f = (x + 2) * x
>>> t = trace(f)             # print(t): text tables; t.to_html() for the report
>>> t.grads
{'x': array(4., dtype=float32)}

Tracing leaves every ``.grad`` as it was (the trace shows the gradients of its own pass,
not what earlier calls accumulated: re-running a cell shows the same numbers). For a
picture with every gradient, use ``draw_graph(f, backward=True)``, which runs its own pass
the same way.
"""
import html

import numpy as np

from ..autograd import engine
from ..autograd.grad_mode import CREATE_GRAPH, GRAD_ENABLED
from ._isolate import own_gradients
from ..autograd.engine import GraphEdge
from ..tensor import Tensor
from .graph import format_number, tensor_names, walk

__all__ = ["trace", "Trace", "ForwardStep", "BackwardStep"]

# Local Jacobians are computed (and shown) only up to this many output elements.
MAX_JACOBIAN_ROWS = 64


def _fmt(a, digits=4, max_items=6):
    """An array or scalar as short text: '3', '[1, -2, 0.5]', or 'shape [3x4], mean ..'."""
    if a is None:
        return "-"
    a = np.asarray(a)
    if a.size == 1:
        v = a.reshape(()).item()
        return format_number(v, digits) if isinstance(v, float) else str(v)
    if a.size <= max_items and a.ndim == 1:
        return "[" + ", ".join(format_number(v, digits) for v in a.ravel()) + "]"
    shape = "\u00d7".join(str(s) for s in a.shape)
    if a.dtype.kind not in "fiub":
        return f"[{shape}]"
    af = a.astype(np.float64)
    return (f"[{shape}] mean {format_number(af.mean(), 3)}, "
            f"|max| {format_number(np.abs(af).max(), 3)}")


class ForwardStep:
    """One operation of the forward pass.

    >>> from chainrule.viz import trace
    >>> x = torch.tensor(1.0, requires_grad=True); x.name = "x"
    >>> f = (x + 2) * x
    >>> trace(f).forward
    [<ForwardStep 1: t1 = add(x)>, <ForwardStep 2: f = mul(t1, x)>]
    """

    def __init__(self, index, op, inputs, output, local):
        self.index = index
        self.op = op            # the op's name, e.g. "add"
        self.inputs = inputs    # [(name, value array, requires_grad)]
        self.output = output    # (name, value array)
        self.local = local      # [(input name, local derivative: array or None, note)]

    def __repr__(self):
        ins = ", ".join(n for n, _, _ in self.inputs)
        return f"<ForwardStep {self.index}: {self.output[0]} = {self.op}({ins})>"


class BackwardStep:
    """One node of the backward pass, in the engine's order.

    >>> from chainrule.viz import trace
    >>> x = torch.tensor(1.0, requires_grad=True); x.name = "x"
    >>> f = (x + 2) * x
    >>> steps = trace(f).backward
    >>> steps
    [<BackwardStep 1: mul -> f>, <BackwardStep 2: add -> t1>]
    >>> steps[0].upstream                 # dL/d(output) of the last op: df/df = 1
    array(1., dtype=float32)
    """

    def __init__(self, index, op, output, upstream, parts):
        self.index = index
        self.op = op
        self.output = output          # name of the node's output tensor
        self.upstream = upstream      # dL/d(output) as an array
        self.parts = parts            # [(input name, local, product)] per input with a grad

    def __repr__(self):
        return f"<BackwardStep {self.index}: {self.op} -> {self.output}>"


class Trace:
    """The record of one forward + backward pass: `.forward`, `.backward` step lists,
    `.grads` ({leaf name: gradient}) and `.values` ({name: value}). str() gives text
    tables, `to_html()` / `_repr_html_` HTML tables, `to_markdown()` Markdown.

    >>> from chainrule.viz import trace
    >>> x = torch.tensor(1.0, requires_grad=True); x.name = "x"
    >>> f = (x + 2) * x
    >>> t = trace(f)
    >>> t.grads, t.values["x"]           # df/dx = 2x + 2 = 4 at x = 1
    ({'x': array(4., dtype=float32)}, array(1., dtype=float32))
    >>> x.grad is None                    # the trace ran its own backward pass
    True
    """

    def __init__(self, forward, backward, grads, values, output_name):
        self.forward = forward
        self.backward = backward
        self.grads = grads
        self.values = values
        self.output_name = output_name

    # --- text -------------------------------------------------------------------------
    def _loss_note(self):
        return f"gradients of the output {self.output_name}"

    def rows(self):
        """(forward rows, backward rows, leaf rows) as lists of string tuples."""
        frows = []
        for s in self.forward:
            expr = f"{s.op}(" + ", ".join(n for n, _, _ in s.inputs) + ")"
            loc = "; ".join(f"d{s.output[0]}/d{n} = {_fmt(d) if d is not None else note}"
                            for n, d, note in s.local) or "-"
            frows.append((str(s.index), f"{s.output[0]} = {expr}", _fmt(s.output[1]), loc))
        brows = []
        o = self.output_name  # d(output)/d(...): named by what it is, not always "L"
        for s in self.backward:
            for n, loc, prod in s.parts:
                scalar = np.asarray(s.upstream).size == 1
                if loc is not None and np.asarray(loc).size == 1 and scalar:
                    how = f"{_fmt(s.upstream)} \u00d7 {_fmt(loc)} = {_fmt(prod)}"
                else:
                    how = "vector-Jacobian product"
                brows.append((str(s.index), s.op, f"d{o}/d{s.output} = {_fmt(s.upstream)}",
                              f"d{s.output}/d{n} = "
                              f"{_fmt(loc) if loc is not None else '(not shown)'}",
                              f"d{o}/d{n} = {_fmt(prod)}", how))
        lrows = [(n, _fmt(g)) for n, g in self.grads.items()]
        return frows, brows, lrows

    def __str__(self):
        frows, brows, lrows = self.rows()
        out = ["Forward pass (values, and the local derivatives each node keeps):"]
        out += _table(("#", "operation", "value", "local derivatives"), frows)
        out += ["", f"Backward pass (engine order; {self._loss_note()}):"]
        out += _table(("#", "op", "upstream", "local", "product", "chain rule"), brows)
        out += ["", "Gradients of the leaves:"]
        out += _table(("tensor", ".grad"), lrows)
        return "\n".join(out)

    def __repr__(self):
        return f"<Trace: {len(self.forward)} forward steps, {len(self.backward)} backward steps>"

    def to_markdown(self):
        frows, brows, lrows = self.rows()

        def md(head, rows):
            lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(r) + " |" for r in rows]
            return "\n".join(lines)
        return "\n\n".join([
            "**Forward pass**", md(("#", "operation", "value", "local derivatives"), frows),
            f"**Backward pass** ({self._loss_note()})",
            md(("#", "op", "upstream", "local", "product", "chain rule"), brows),
            "**Gradients of the leaves**", md(("tensor", ".grad"), lrows)])

    def to_html(self):
        frows, brows, lrows = self.rows()

        def tab(head, rows):
            h = "".join(f"<th>{html.escape(c)}</th>" for c in head)
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                           for r in rows)
            return f'<table class="trace"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'
        return "".join([
            "<h4>Forward pass: values and the local derivatives each node keeps</h4>",
            tab(("#", "operation", "value", "local derivatives"), frows),
            f"<h4>Backward pass, in the engine's order ({html.escape(self._loss_note())})</h4>",
            tab(("#", "op", "upstream", "local", "product", "chain rule"), brows),
            "<h4>Gradients of the leaves</h4>", tab(("tensor", ".grad"), lrows)])

    _repr_html_ = to_html


def _table(head, rows):
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return out


def _local_jacobians(node, out):
    """d out / d input_k for every input that needs grad, by running the node's backward on
    each unit vector of the output (one Jacobian row per output element). Returns
    {k: array shaped out.shape + in.shape, or None} and {k: note}."""
    needs = node.needs_input_grad
    res, notes = {}, {}
    if node.n_outputs != 1:
        for k in range(len(node.inputs)):
            notes[k] = "(multi-output op)"
        return res, notes
    size = out._data.size
    if size > MAX_JACOBIAN_ROWS:
        for k, t in enumerate(node.inputs):
            if t is not None and needs[k]:
                notes[k] = f"(Jacobian {size}\u00d7{t._data.size}, not shown)"
        return res, notes
    rows = {k: [] for k, t in enumerate(node.inputs) if t is not None and needs[k]}
    prev = GRAD_ENABLED[0], CREATE_GRAPH[0]
    GRAD_ENABLED[0] = CREATE_GRAPH[0] = False
    try:
        for e in range(size):
            seed = np.zeros(out._data.shape, dtype=out._data.dtype)
            seed.reshape(-1)[e] = 1
            g = node._run_backward((seed,))
            for k in rows:
                gk = g[k] if k < len(g) else None
                t = node.inputs[k]
                rows[k].append(np.zeros(t._data.shape) if gk is None
                               else np.array(gk._data if isinstance(gk, Tensor) else gk,
                                             dtype=np.float64))
    finally:
        GRAD_ENABLED[0], CREATE_GRAPH[0] = prev
    for k, r in rows.items():
        t = node.inputs[k]
        res[k] = np.stack(r).reshape(out._data.shape + t._data.shape)
    return res, notes


def trace(output, params=None, *, gradient=None, retain_graph=False, local_names=True):
    """Run backprop on `output` (a Tensor) and record every step; returns a `Trace`.

    params: optional {name: tensor} for labels (else each tensor's ``name``, then, with
    local_names, the caller's variable names; unnamed ones get t1, t2, ...). gradient: the
    seed dL/d(output) for non-scalar outputs (as in
    ``backward(gradient)``). The graph must not have been backpropagated through already
    (its saved values are freed then) unless it was built with retain_graph.

    >>> from chainrule.viz import trace
    >>> x = torch.tensor(1.0, requires_grad=True); x.name = "x"
    >>> f = (x + 2) * x
    >>> print(trace(f))
    Forward pass (values, and the local derivatives each node keeps):
    #  operation       value  local derivatives
    -  --------------  -----  ---------------------
    1  t1 = add(x)     3      dt1/dx = 1
    2  f = mul(t1, x)  3      df/dt1 = 1; df/dx = 3
    <BLANKLINE>
    Backward pass (engine order; gradients of the output f):
    #  op   upstream    local       product     chain rule
    -  ---  ----------  ----------  ----------  ----------
    1  mul  df/df = 1   df/dt1 = 1  df/dt1 = 1  1 × 1 = 1
    1  mul  df/df = 1   df/dx = 3   df/dx = 3   1 × 3 = 3
    2  add  df/dt1 = 1  dt1/dx = 1  df/dx = 1   1 × 1 = 1
    <BLANKLINE>
    Gradients of the leaves:
    tensor  .grad
    ------  -----
    x       4
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"trace: expected a Tensor, got {type(output).__name__}")
    if not output.requires_grad:
        raise RuntimeError("trace: the output does not require grad (no graph was recorded: "
                           "were the inputs made with requires_grad=True?)")
    tensors, nodes, _, outputs_of = walk(output)
    if any(n.released or any(type(t) is GraphEdge for t in n.inputs) for n in nodes.values()):
        raise RuntimeError("trace: this graph was already backpropagated through, which freed "
                           "its saved values (as in PyTorch); build it again, or call "
                           "backward(retain_graph=True) before tracing")
    import inspect
    frame = inspect.currentframe().f_back if local_names else None
    try:
        names = tensor_names(tensors, nodes, params, auto=True, frame=frame)
    finally:
        del frame
    out_name = names.get(id(output), "L")

    def nm(t):
        if t is None:
            return "-"
        return names.get(id(t)) or _fmt(t._data)

    # Forward pass, in creation order, with the local derivatives each node keeps.
    order = sorted(nodes.values(), key=lambda n: n.seq)
    local_of = {}
    fsteps = []
    for i, node in enumerate(order, 1):
        outs = outputs_of.get(id(node), [])
        out = outs[0] if outs else None
        if out is None:
            continue
        jac, notes = _local_jacobians(node, out)
        local_of[id(node)] = jac
        ins = [(nm(t), None if t is None else t._data.copy(),
                bool(t is not None and t.requires_grad)) for t in node.inputs]
        local = [(nm(t), jac.get(k), notes.get(k, ""))
                 for k, t in enumerate(node.inputs)
                 if t is not None and node.needs_input_grad[k]]
        fsteps.append(ForwardStep(i, node.name, ins, (nm(out), out._data.copy()), local))

    with own_gradients(list(tensors.values()), list(nodes.values())) as computed:
        for t in tensors.values():
            if t.grad_fn is not None and t.requires_grad and t is not output:
                t.retain_grad()
        if output.grad_fn is not None:
            output.retain_grad()

        bsteps = []
        pending = {}

        def observer(node, grads_out, grads_in):
            if grads_in is None:
                pending[id(node)] = [None if g is None else np.array(
                    g._data if isinstance(g, Tensor) else g) for g in grads_out]
                return
            up = pending.pop(id(node), [None])
            outs = outputs_of.get(id(node), [])
            parts = []
            jac = local_of.get(id(node), {})
            for k, t in enumerate(node.inputs):
                if t is None or not node.needs_input_grad[k]:
                    continue
                g = grads_in[k] if k < len(grads_in) else None
                if g is None:
                    continue
                g = np.array(g._data if isinstance(g, Tensor) else g)
                loc = jac.get(k)
                if (loc is not None and up[0] is not None and up[0].size == 1
                        and loc.size == t._data.size):
                    loc = loc.reshape(t._data.shape)
                parts.append((nm(t), loc, g))
            bsteps.append(BackwardStep(len(bsteps) + 1, node.name,
                                       nm(outs[0]) if outs else "?", up[0], parts))

        engine._TRACE.append(observer)
        try:
            engine.backward([output], None if gradient is None else [gradient],
                            retain_graph=retain_graph)
        finally:
            engine._TRACE.remove(observer)

    grads = {}
    values = {}
    # leaves in the order the forward pass first used them
    first_use = {}
    for node in order:
        for pos, t in enumerate(node.inputs):
            if t is not None:
                first_use.setdefault(id(t), (node.seq, pos))
    def forward_order(t):
        return first_use.get(id(t), (0, 0)) if t.grad_fn is None else (t.grad_fn.seq, -1)
    for t in sorted(tensors.values(), key=forward_order):
        if id(t) in names:
            values[names[id(t)]] = t._data.copy()
        if t.grad_fn is None and t.requires_grad and id(t) in computed:
            grads[nm(t)] = computed[id(t)]
    return Trace(fsteps, bsteps, grads, values, out_name)
