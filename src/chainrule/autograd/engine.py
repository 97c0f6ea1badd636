"""The backward pass: walk the graph in reverse topological order, apply the chain rule.

1. Nodes run newest first (a heap on their creation numbers, iteratively: a 100,000-node
   chain needs no recursion). A node's inputs come from older nodes, so when a node is
   the newest one holding gradients, all of its gradients have arrived (summed when a
   tensor is used twice); it runs and hands each input its share.
2. Leaves accumulate into `.grad`; saved buffers are released unless retain_graph, and
   the graph keeps only its structure (GraphEdge), not its activations.
"""
import heapq
import sys
import warnings
from sys import getrefcount
from heapq import heappop, heappush, heappushpop

import numpy as np

from .grad_mode import CREATE_GRAPH, GRAD_ENABLED, RETAIN_GRAPH
from .function import _FREED, NODE_HOOKS
from ..tensor import Tensor

_make = Tensor._make
_nd = np.ndarray


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of `tensors` into the leaves' .grad (torch.autograd.backward).

    >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    >>> y = chainrule.tensor(3.0, requires_grad=True)
    >>> chainrule.autograd.backward([(x * y).sum(), x.sum()])
    >>> x.grad, y.grad
    (tensor([4., 4.]), tensor(3.))
    >>> chainrule.autograd.backward(x * 2, grad_tensors=chainrule.tensor([1.0, 0.5]))
    >>> x.grad
    tensor([6., 5.])
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    roots, grads = _roots_and_grads(tensors, grad_tensors, "backward", create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    only = None
    if inputs is not None:
        only = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    _run(roots, grads, retain_graph, create_graph, capture=None, only_leaves=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned, not accumulated.
    `only_inputs` is PyTorch's deprecated, ignored flag (WGAN-GP code still passes it).

    >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x ** 3).sum()
    >>> (gx,) = chainrule.autograd.grad(y, [x], create_graph=True)   # gx can be differentiated again
    >>> gx, x.grad
    (tensor([ 3., 12.], grad_fn=<...>), None)
    >>> chainrule.autograd.grad(gx.sum(), x)
    (tensor([ 6., 12.]),)
    """
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). "
                      "To accumulate gradient for other parts of the graph, please use "
                      "torch.autograd.backward.", FutureWarning, stacklevel=2)
    if isinstance(outputs, Tensor):
        outputs = [outputs]
    if isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] is not a Tensor")
        if not t.requires_grad:
            raise RuntimeError(f"grad: One of the differentiated Tensors (inputs[{i}]) does not "
                               "require grad")
    roots, grads = _roots_and_grads(outputs, grad_outputs, "grad", create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    captured = _run(roots, grads, retain_graph, create_graph, capture=inputs)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(id(t))
        if g is None:
            if materialize_grads:
                result.append(_make(np.zeros_like(t._data)))
                continue
            if not allow_unused:
                raise RuntimeError(f"grad: One of the differentiated Tensors (inputs[{i}]) "
                                   "appears to not have been used in the graph. Set "
                                   "allow_unused=True if this is the desired behavior.")
            result.append(None)
        else:
            result.append(g if isinstance(g, Tensor) else _make(g))
    return tuple(result)


def _roots_and_grads(tensors, grad_tensors, op, create_graph=False):
    roots, grads = [], []
    if grad_tensors is not None and len(grad_tensors) != len(tensors):
        raise RuntimeError(f"{op}: got {len(grad_tensors)} gradients for {len(tensors)} tensors")
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn: nothing recorded this tensor's history (was it made "
                               "under no_grad, or from tensors without requires_grad=True?)")
        g = None if grad_tensors is None else grad_tensors[i]
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs: "
                                   f"this tensor has shape {list(t.shape)}; pass "
                                   f"gradient=<tensor of that shape> to backward()")
            g = np.ones_like(t._data)
        else:
            keep = g if create_graph and isinstance(g, Tensor) else None
            g = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=t._data.dtype)
            if g.shape != t._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{list(g.shape)} and output[{i}] has a shape of "
                                   f"{list(t.shape)}.")
            if g.dtype != t._data.dtype:
                g = g.astype(t._data.dtype)
            elif keep is not None:
                g = keep  # recorded: the result can be differentiated w.r.t. the seed
        roots.append(t)
        grads.append(g)
    return roots, grads


def _run(roots, root_grads, retain_graph, create_graph, capture=None, only_leaves=None):
    """The backward pass. With `capture` (autograd.grad), returns {id(input): grad} and
    leaves' .grad untouched; otherwise accumulates into leaves."""
    capture_ids = None
    capture_nodes = None
    captured = {}
    if capture is not None:
        capture_ids = {id(t) for t in capture}
        capture_nodes = {}
        for t in capture:
            if t.grad_fn is not None:
                capture_nodes.setdefault(t.grad_fn, []).append(t)
    allowed_leaves = None if only_leaves is None else {id(t) for t in only_leaves}
    # Leaves with post-accumulate hooks (DDP) are accumulated as soon as their last
    # gradient edge has delivered, not after the pass: id -> edges still to come.
    early = {} if _POST_ACCUMULATE and capture is None else None

    # grads arriving at leaves: id -> [tensor, grad]
    leaf_grads = {}
    buffers = {}
    ready = []

    def wrap(g):
        return _make(g) if create_graph and not isinstance(g, Tensor) else g

    def to_leaf(t, g):
        entry = leaf_grads.get(id(t))
        if entry is None:
            leaf_grads[id(t)] = [t, g]
        else:
            entry[1] = entry[1] + g

    for t, g in zip(roots, root_grads):
        g = wrap(g)
        fn = t.grad_fn
        if fn is None:
            to_leaf(t, g)
            continue
        buf = buffers.get(fn)
        if buf is None:
            buf = buffers[fn] = [None] * fn.n_outputs
        i = t._out_idx
        buf[i] = g if buf[i] is None else buf[i] + g

    # 1. The order: newest node first, from a max-heap on seq holding every node that has
    # been sent a gradient. A node's inputs always come from older nodes (an input changed
    # in place since is resolved to the value the node saw, _as_seen_by), so once a node
    # is the newest of those still waiting, every gradient it will get has arrived: no
    # discovery pass counting edges is needed (PyTorch's engine counts them; the sequence
    # numbers already say it). Only leaves with post-accumulate hooks need their incoming
    # edges counted, to know when the last one has delivered.
    if early is not None:
        _count_hooked_edges(buffers, early)
        for k in leaf_grads:  # a root that is itself a hooked leaf: accumulated at the end
            early.pop(k, None)
        if allowed_leaves is not None:
            early = {k: n for k, n in early.items() if k in allowed_leaves}
    for node in buffers:
        heapq.heappush(ready, (-node.seq, id(node), node))

    # 2. the pass proper
    prev_enabled, prev_cg, prev_retain = GRAD_ENABLED[0], CREATE_GRAPH[0], RETAIN_GRAPH[0]
    GRAD_ENABLED[0] = create_graph
    CREATE_GRAPH[0] = create_graph
    RETAIN_GRAPH[0] = bool(retain_graph)
    node = None
    # False until some node anywhere has had an output hook or retain_grad: then no node
    # can have one, and the two per-node checks are skipped (read per node, as a hook may
    # register another while the pass runs).
    node_hooks = NODE_HOOKS
    # Every node that ran stays referenced until the pass ends (as a discovery pass's
    # edge counts used to keep them): what a node frees when it goes then goes after the
    # pass, not between two kernels. Measured: LeNet-5 steps 15% slower without it
    # (benchmarks/ab.py), from when large arrays are freed and allocated again.
    ran = []
    keep = ran.append
    try:
        # `nxt` holds the first node the current one sent a gradient to that had none yet,
        # with that gradient in `nxt_grads` (no buffers entry, not in the heap): when it is
        # newer than everything in the heap (always, along a linear chain) it runs next
        # without a heap round trip; otherwise it joins the heap. The order is exactly
        # the heap's.
        nxt = nxt_grads = None
        while True:
            if nxt is not None:
                if ready and ready[0][0] < -nxt.seq:  # a newer node may still send to nxt
                    buffers[nxt] = nxt_grads
                    node = heappushpop(ready, (-nxt.seq, id(nxt), nxt))[2]
                    grads = buffers.pop(node)
                else:
                    node = nxt
                    grads = nxt_grads
                nxt = nxt_grads = None
            elif ready:
                node = heappop(ready)[2]
                grads = buffers.pop(node)
            else:
                break
            keep(node)
            if node.released and node.saves:
                raise RuntimeError(_FREED)
            if node_hooks[0] and (node._hooks is not None or node._retained is not None):
                grads = _output_hooks(node, grads, create_graph)
            if capture_nodes is not None and node in capture_nodes:
                for t in capture_nodes[node]:
                    captured[id(t)] = grads[t._out_idx]
            # (grads has one slot per output: no n_outputs lookup needed)
            if grads[0] is None and (len(grads) == 1 or all(g is None for g in grads)):
                continue
            if _TRACE:
                for observe in _TRACE:
                    observe(node, grads, None)
            if node.plain_backward:  # an Op: call its backward directly
                in_grads = node.backward(grads[0])
                if type(in_grads) is not tuple:  # one input, one gradient
                    in_grads = (in_grads,)
            else:
                in_grads = node._run_backward(grads)
            if _TRACE:
                for observe in _TRACE:
                    observe(node, grads, in_grads)
            needs = node.needs_input_grad
            seq = node.seq
            inputs = node.inputs
            # Without retain_graph the node keeps only the graph's structure: non-leaf
            # inputs become GraphEdges (grad_fn, index, shape), so a kept output holds no
            # activations, as in PyTorch; inputs that need no grad are dropped. Built in
            # this loop (no second pass over inputs), on a copy of the inputs.
            kept = None if retain_graph else [*inputs]
            for k, t in enumerate(inputs):
                if t is None:
                    continue
                if not needs[k]:
                    if kept is not None:
                        kept[k] = None
                    continue
                g = in_grads[k]
                fn = t.grad_fn
                if fn is not None:
                    if fn.seq >= seq:  # changed in place since: the value node saw
                        t = _as_seen_by(t, node)
                        fn = t.grad_fn
                    elif kept is not None and type(t) is not GraphEdge:
                        e = GraphEdge()
                        e.grad_fn = fn
                        e._out_idx = t._out_idx
                        e.shape = t._data.shape
                        kept[k] = e
                if fn is None:
                    if g is not None:
                        to_leaf(t, g)
                    if early and id(t) in early:
                        _edge_arrived(t, early, leaf_grads, create_graph)
                    continue
                if g is None:  # (a node sent nothing never runs)
                    continue
                if create_graph and not isinstance(g, Tensor):
                    g = _make(g)
                if fn is nxt:  # this node's second edge into the one handed a gradient
                    nxt_grads[0] = nxt_grads[0] + g
                    continue
                buf = buffers.get(fn)
                if buf is None:
                    if nxt is None and fn.n_outputs == 1:  # hand it over directly
                        nxt, nxt_grads = fn, [g]
                        continue
                    buf = buffers[fn] = [None] * fn.n_outputs
                    heappush(ready, (-fn.seq, id(fn), fn))
                i = t._out_idx
                cur = buf[i]
                if cur is None:
                    buf[i] = g
                elif (type(cur) is _nd and type(g) is _nd and cur.shape == g.shape
                      and cur.dtype == g.dtype and cur.base is None
                      and cur.flags.writeable and getrefcount(cur) <= _BUF_REFS):
                    # A tensor used more than once (a residual stream, the input of
                    # q / k / v): sum into the gradient already waiting when only this
                    # buffer refers to it. Same sum, no new array.
                    cur += g
                else:
                    buf[i] = cur + g
                cur = None
            if kept is not None:
                node.inputs = tuple(kept)
                if node.saves:  # release what backward saved (nothing otherwise)
                    keys = node.saved_attrs
                    if keys is None:
                        node.release()
                    else:  # Op.release, inlined for ops that declare what they save
                        node.released = True
                        if keys:  # (__dict__ only then: it would materialise the dict)
                            d = node.__dict__
                            for k in keys:
                                if k in d:
                                    del d[k]
    except Exception as exc:
        if _TRACE and node is not None:  # observers that want to know (anomaly mode adds the forward stack)
            for observe in _TRACE:
                if hasattr(observe, "error"):
                    observe.error(node, exc)
        raise
    finally:
        GRAD_ENABLED[0] = prev_enabled
        CREATE_GRAPH[0] = prev_cg
        RETAIN_GRAPH[0] = prev_retain

    # 3. leaves: hooks on the summed gradient, then accumulate (or capture)
    in_grads = None  # drop the pass's last references, so _accumulate can count them
    for t, g in leaf_grads.values():
        if capture_ids is not None:
            if id(t) in capture_ids:
                captured[id(t)] = g
            continue
        if allowed_leaves is not None and id(t) not in allowed_leaves:
            continue
        _accumulate(t, g, create_graph)
    return captured


def _edge_arrived(t, early, leaf_grads, create_graph):
    """One of a hooked leaf's gradient edges has delivered (or sent nothing): after its
    last, accumulate now, so its post-accumulate hooks run while backward goes on."""
    left = early[id(t)] - 1
    if left:
        early[id(t)] = left
        return
    del early[id(t)]
    entry = leaf_grads.pop(id(t), None)
    if entry is not None:
        _accumulate(t, entry[1], create_graph)


class GraphEdge:
    """What a node keeps of a non-leaf input once backward has freed the graph: the link to
    the input's grad_fn (PyTorch's next_functions) and its shape, not its values, so a graph
    kept alive (a list of losses) holds no activations. Leaves stay as they are (PyTorch's
    AccumulateGrad holds its leaf); inputs that need no grad are dropped (None).

    >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (x.exp() * 2).sum()
    >>> loss.backward()
    >>> loss.grad_fn.next_functions
    ((<MulBackward0 object>, 0),)
    >>> type(loss.grad_fn.inputs[0]).__name__
    'GraphEdge'
    """

    __slots__ = ("grad_fn", "_out_idx", "shape")
    requires_grad = True
    # (no __init__: the engine makes one with GraphEdge() and sets the three slots, the
    # cheapest way to build an object in CPython)

    def __repr__(self):
        return f"<GraphEdge to {self.grad_fn!r} (values freed by backward)>"


def _as_seen_by(t, node):
    """t as `node` recorded it. An in-place op on a tensor in a graph rebases the tensor
    onto a newer node (functions/inplace.py) and leaves the old value's tensor on that
    node as `_before`; nodes recorded earlier must still send their gradient there."""
    fn = t.grad_fn
    while fn is not None and fn.seq >= node.seq:
        before = getattr(fn, "_before", None)
        if before is None:  # a graph edge into a newer node: never a valid graph
            raise RuntimeError(f"autograd: the input of {node.backward_name} was given a new "
                               f"history ({fn.backward_name}) after it was used, without a "
                               "record of its old one; compute with a clone instead")
        t = before
        fn = t.grad_fn if t.requires_grad else None
    return t


def _count_hooked_edges(buffers, early):
    """early[id(leaf)] = how many edges of the graph below the roots lead into each leaf
    with post-accumulate hooks (a walk over every reachable node, iteratively)."""
    seen = set(buffers)
    stack = list(buffers)
    while stack:
        node = stack.pop()
        seq = node.seq
        for t in node.inputs:
            if t is None:
                continue
            fn = t.grad_fn  # a tensor with a grad_fn requires grad
            if fn is None:
                if id(t) in _POST_ACCUMULATE:
                    early[id(t)] = early.get(id(t), 0) + 1
                continue
            if fn.seq >= seq:  # t changed in place after node used it
                fn = _as_seen_by(t, node).grad_fn
                if fn is None:
                    continue
            if fn not in seen:
                seen.add(fn)
                stack.append(fn)


def _output_hooks(node, grads, create_graph):
    grads = list(grads)
    if node._hooks:
        for idx, hooks in node._hooks.items():
            if grads[idx] is None:
                continue
            for hook in list(hooks):
                g = grads[idx]
                r = hook(g if isinstance(g, Tensor) else _make(g))
                if r is not None:
                    grads[idx] = r if create_graph else r._data
    if node._retained:
        for idx, ref in node._retained.items():
            t = ref()
            if t is None or grads[idx] is None:
                continue
            g = grads[idx]
            g = g if create_graph and isinstance(g, Tensor) else _make(
                np.array(g._data if isinstance(g, Tensor) else g))
            t._grad = g if t._grad is None else _make(t._grad._data + g._data)
    return grads


def _accumulate(t, g, create_graph):
    hooks = getattr(t, "_hooks", None)
    if hooks:
        for hook in list(hooks):
            r = hook(g if isinstance(g, Tensor) else _make(g))
            if r is not None:
                g = r if create_graph else r._data
    if create_graph:
        g = g if isinstance(g, Tensor) else _make(g)
        t._grad = g if t._grad is None else t._grad + g
    else:
        if isinstance(g, Tensor):
            g = g._data
        if t._grad is None:
            # The same array may have gone to several tensors (add's backward passes the
            # gradient through), or be a view of something else: then copy, so an in-place
            # change of one .grad touches nothing else. An array only the engine still
            # refers to is taken as it is (PyTorch's AccumulateGrad steals a gradient whose
            # use count is 1 the same way): no copy of every parameter's gradient each step.
            if (type(g) is np.ndarray and g.base is None and getrefcount(g) <= _ENGINE_REFS
                    and g.dtype == t._data.dtype and g.flags.writeable):
                t._grad = _make(g)
            else:
                t._grad = _make(np.array(g, dtype=t._data.dtype, copy=True))
        elif t._grad.requires_grad:
            t._grad = t._grad.detach() + _make(g)
        else:
            t._grad._data += g
            t._grad._version[0] += 1
    if _POST_ACCUMULATE:
        entry = _POST_ACCUMULATE.get(id(t))
        if entry is not None and entry[0]() is t:
            for hook in list(entry[1]):
                hook(t)


# References to a leaf's gradient array that the engine itself holds when _accumulate
# looks at it: the leaf_grads entry, _run's loop variable, _accumulate's argument, and
# getrefcount's own argument. One more means someone else can see the array.
# Only where that count is known to be exact: CPython up to 3.13 (3.14's interpreter may
# borrow references on the stack, so a lower count would no longer prove sole ownership).
_ENGINE_REFS = 4 if (sys.implementation.name == "cpython"
                     and sys.version_info < (3, 14)) else -1
# References to a waiting gradient in _run when it sums another into it: its slot in the
# node's buffer list, the local `cur`, getrefcount's argument (same caveat as above).
_BUF_REFS = 3 if _ENGINE_REFS > 0 else -1

# Observers of the pass (viz.trace, anomaly mode): callables (node, grads_out, grads_in_or_None),
# each called for every node; one with an .error(node, exc) method hears of exceptions.
_TRACE = []


# Tensor.register_post_accumulate_grad_hook: id(leaf) -> (weakref to it, [hook(tensor)]).
# Kept here rather than in a Tensor slot; the weakref's callback drops the entry.
_POST_ACCUMULATE = {}


def register_post_accumulate_grad_hook(t, hook):
    """Call hook(t) after t's .grad has been accumulated in backward (leaves only).

    >>> from chainrule.autograd.engine import register_post_accumulate_grad_hook
    >>> w = chainrule.tensor([1.0, -1.0], requires_grad=True)
    >>> h = register_post_accumulate_grad_hook(w, lambda t: print("accumulated", t.grad))
    >>> (w * w).sum().backward()
    accumulated tensor([ 2., -2.])
    >>> h.remove()
    """
    import weakref
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    key = id(t)
    entry = _POST_ACCUMULATE.get(key)
    if entry is None or entry[0]() is not t:
        entry = _POST_ACCUMULATE[key] = (
            weakref.ref(t, lambda _ref, key=key: _drop_post_hooks(key, _ref)), [])
    entry[1].append(hook)
    return _PostHookHandle(key, hook)


def _drop_post_hooks(key, ref):
    entry = _POST_ACCUMULATE.get(key)
    if entry is not None and entry[0] is ref:
        del _POST_ACCUMULATE[key]


class _PostHookHandle:
    def __init__(self, key, hook):
        self._key, self._hook = key, hook

    def remove(self):
        entry = _POST_ACCUMULATE.get(self._key)
        if entry is not None and self._hook in entry[1]:
            entry[1].remove(self._hook)
            if not entry[1]:
                del _POST_ACCUMULATE[self._key]
