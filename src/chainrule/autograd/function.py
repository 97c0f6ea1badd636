"""Function: one block of the computational graph, its forward and its backward.

Two flavours share the engine:

* `Op` - the library's own ops. `forward(self, *arrays, **options)` works on ndarrays and
  returns an ndarray; `backward(self, grad)` returns one gradient per tensor input. The
  node object is its own context (saves go on `self`). Backward formulas are written
  with `chainrule.functions.dual`, whose helpers run NumPy on arrays and recorded ops on
  Tensors: a plain backward pass stays on raw arrays (fast), while create_graph=True
  hands Tensors in, so the same formula is recorded and grad-of-grad works.
* `Function` - PyTorch's custom-op API (static forward(ctx, ...) / backward(ctx, ...),
  ctx.save_for_backward, Function.apply), for users extending the library.
"""
import itertools
import types
import weakref

import numpy as np

from .grad_mode import CREATE_GRAPH, GRAD_ENABLED
from ..tensor import Tensor, _HookHandle

_new = object.__new__
_nd = np.ndarray
_make = Tensor._make
_NEEDS1 = (True,)
# Shared constant tuples for the common cases: needs_input_grad of two inputs, and the
# inputs' versions when they are 0 (tensors never changed in place). One allocation less
# per recorded op each, and fewer young objects for the garbage collector to visit.
_TT, _TF, _FT = (True, True), (True, False), (False, True)
_V0, _V00 = (0,), (0, 0)
_weakref = weakref.ref
# Set once any node gets an output hook or a retain_grad (never reset): while it is False
# the engine skips the per-node hook checks of a backward pass altogether.
NODE_HOOKS = [False]


class Node:
    """What the engine needs from a graph node. Subclasses: Op, _FunctionNode.

    >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    >>> node = (x * 2).exp().grad_fn
    >>> node, node.name, isinstance(node, chainrule.autograd.function.Node)
    (<ExpBackward0 object>, 'exp', True)
    >>> node.next_functions
    ((<MulBackward0 object>, 0),)
    """

    # Class-level defaults keep the per-call cost of creating a node to a minimum.
    inputs = ()
    needs_input_grad = ()
    n_outputs = 1
    saves = True          # False: backward reads nothing saved, so it may run twice
    released = False
    plain_backward = False  # True: the engine calls backward(grads[0]), not _run_backward
    # The attribute names an op's forward saves on the node, when the op declares them
    # (a tuple): release then drops just those instead of scanning the node's dict.
    saved_attrs = None
    _hooks = None         # {output index: [hook, ...]}
    _retained = None      # {output index: weakref to a non-leaf tensor with retain_grad}
    label = None          # a user-given name, shown in graph pictures and traces
    seq = 0               # creation order, so the engine runs the newest node first
    # Defaults of what an Op may record per call: read as plain attributes (an instance
    # attribute or this class default), never through __dict__, which in CPython 3.11+
    # would materialise the node's attribute dict and slow every later access.
    _in_versions = None   # the inputs' versions at forward, for the in-place check
    _out_ref = None       # weakref to the output, for ops with saves_output
    _options = types.MappingProxyType({})  # forward's keyword options (read-only default)
    _counter = [0]          # kept for code that reads it; seq numbers come from _next_seq

    @property
    def name(self):
        return type(self).__name__.lower()

    @property
    def backward_name(self):
        return type(self).__name__ + "Backward0"

    def __repr__(self):
        return f"<{self.backward_name} object>"

    @property
    def next_functions(self):
        """(grad_fn, output index) of each input, as in PyTorch (None for leaves)."""
        return tuple((None if t is None else t.grad_fn, 0 if t is None else t._out_idx)
                     for t in self.inputs)

    def _add_hook(self, idx, hook):
        NODE_HOOKS[0] = True
        if self._hooks is None:
            self._hooks = {}
        lst = self._hooks.setdefault(idx, [])
        lst.append(hook)
        return _HookHandle(lst, hook)

    def _retain(self, tensor):
        NODE_HOOKS[0] = True
        if self._retained is None:
            self._retained = {}
        self._retained[tensor._out_idx] = weakref.ref(tensor)

    def release(self):
        """Drop everything saved for backward (the graph's structure stays)."""
        if self.saves:
            self.released = True
            d = getattr(self, "__dict__", None)
            if d:
                keys = self.saved_attrs
                if keys is not None:
                    for k in keys:
                        if k in d:
                            del d[k]
                    return
                # Delete only what is not structure (a C-level set difference).
                for k in d.keys() - _STRUCTURE_SET:
                    del d[k]


# Node sequence numbers: one C-level counter shared by Op and Function nodes.
_next_seq = itertools.count(1).__next__

_STRUCTURE = ("inputs", "needs_input_grad", "seq", "released", "_hooks", "_retained",
              "label", "_out_version", "_in_versions", "_out_ref", "_before", "_anomaly_trace")
_STRUCTURE_SET = frozenset(_STRUCTURE)


class Op(Node):
    """Base of the library's ops. Subclass, write forward / backward on arrays.

    >>> import numpy as np
    >>> from chainrule.autograd.function import Op
    >>> class Square(Op):
    ...     def forward(self, x):
    ...         self.x = x
    ...         return x * x
    ...     def backward(self, g):
    ...         return 2 * self.x * g
    ...
    >>> x = chainrule.tensor([1.0, 3.0], requires_grad=True)
    >>> y = Square.apply(x)
    >>> y
    tensor([1., 9.], grad_fn=<SquareBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([2., 6.])
    """

    is_view = False       # output shares the input's memory: share its version counter
    plain_backward = True  # the engine may call backward(grads[0]) itself
    saves_output = False  # backward reads the output (self.output())

    def __init_subclass__(cls, **kwargs):
        # apply makes a node with cls(), which skips nothing only while no Op defines
        # __init__ / __new__ (cls() is ~40 ns cheaper than object.__new__(cls)): the
        # node's state is what forward puts on self.
        super().__init_subclass__(**kwargs)
        for name in ("__init__", "__new__"):
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__}: an Op defines no {name}; its node is made by "
                                "apply without arguments and forward saves what backward needs "
                                "on self")

    @classmethod
    def apply(cls, *tensors, **options):
        """Run forward on the tensors' arrays; record a node if any input needs grad."""
        # Hot path of every op: unrolled for one and two inputs (Python 3.11 list
        # comprehensions cost a frame each), Tensor built inline.
        n = len(tensors)
        if n == 1:
            t0 = tensors[0]
            arrays = (t0._data,)
            needs = _NEEDS1 if t0.requires_grad and GRAD_ENABLED[0] else None
        elif n == 2:
            t0, t1 = tensors
            arrays = (t0._data, t1._data)
            r0, r1 = t0.requires_grad, t1.requires_grad
            needs = None
            if (r0 or r1) and GRAD_ENABLED[0]:
                needs = _TT if r0 and r1 else (_TF if r0 else _FT)
        else:
            arrays = [t._data for t in tensors]
            needs = tuple([t.requires_grad for t in tensors])
            if not (GRAD_ENABLED[0] and True in needs):
                needs = None
        node = cls()
        result = _new(Tensor)
        result._grad = None
        result._out_idx = 0
        if needs is not None:
            node.needs_input_grad = needs
            node.inputs = tensors
            node.seq = _next_seq()
            if cls.saves:
                if n == 1:
                    v0 = tensors[0]._version[0]
                    node._in_versions = (v0,) if v0 else _V0
                elif n == 2:
                    v0, v1 = tensors[0]._version[0], tensors[1]._version[0]
                    node._in_versions = (v0, v1) if v0 or v1 else _V00
                else:
                    node._in_versions = tuple([t._version[0] for t in tensors])
            out = node.forward(*arrays, **options)
            if type(out) is not _nd:
                out = np.asarray(out)
            result._data = out
            result.requires_grad = True
            result.grad_fn = node
            if cls.is_view:
                result._version = tensors[0]._version
            else:
                result._version = [0]
            if cls.saves_output:
                node._out = out
                node._out_ref = _weakref(result)
                node._out_version = result._version[0]
                node._options = options
            return result
        out = node.forward(*arrays, **options)
        if type(out) is not _nd:
            out = np.asarray(out)
        result._data = out
        result.requires_grad = False
        result.grad_fn = None
        result._version = tensors[0]._version if cls.is_view else [0]
        return result

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def _run_backward(self, grads):
        g = self.backward(grads[0])
        return g if type(g) is tuple else (g,)

    # --- access to saved values, with the in-place check ------------------------------
    def saved_inputs(self):
        """The inputs' values for backward: arrays, or Tensors under create_graph.

        Raises if an input was modified in place after this op used it.
        """
        inputs = self.inputs
        vs = self._in_versions
        if len(inputs) == 2:  # the common case, unrolled (no loop, no comprehension frame)
            a, b = inputs
            if vs is not None and ((a is not None and a._version[0] != vs[0])
                                   or (b is not None and b._version[0] != vs[1])):
                self.check_versions()  # raises, naming the tensor
            if CREATE_GRAPH[0]:
                return inputs
            return (None if a is None else a._data, None if b is None else b._data)
        if vs is not None:
            self.check_versions()
        if CREATE_GRAPH[0]:
            return inputs
        return tuple([None if t is None else t._data for t in inputs])

    def check_versions(self):
        vs = self._in_versions
        if vs is None:
            return
        for t, v in zip(self.inputs, vs):
            if t is not None and t._version[0] != v:
                raise RuntimeError(_modified_message(self, t, v))

    def output(self):
        """The forward output, for ops with saves_output = True: the array, or under
        create_graph the output Tensor itself, so the formula stays differentiable."""
        ref = self._out_ref
        t = ref() if ref is not None else None
        if t is not None and t._version[0] != self._out_version:
            raise RuntimeError(_modified_message(self, t, self._out_version))
        if CREATE_GRAPH[0]:
            if t is not None:
                return t
            # The output tensor is gone: recompute it, recorded, from the inputs.
            return type(self).apply(*self.inputs, **self._options)
        return self._out


_NOOPT = object()


def apply1(cls, t0, s=_NOOPT):
    """`cls.apply(t0)` (or `cls.apply(t0, s=s)`) without the generic argument handling:
    the Tensor operators' hot path for one-input ops that are not views. Same node, same
    result as Op.apply.

    >>> from chainrule.autograd.function import apply1
    >>> from chainrule.functions.elementwise import Exp
    >>> apply1(Exp, chainrule.tensor([0.0, 1.0], requires_grad=True))
    tensor([1.0000, 2.7183], grad_fn=<ExpBackward0>)
    """
    node = cls()
    result = _new(Tensor)
    result._grad = None
    result._out_idx = 0
    result._version = [0]
    if t0.requires_grad and GRAD_ENABLED[0]:
        node.needs_input_grad = _NEEDS1
        node.inputs = (t0,)
        node.seq = _next_seq()
        if cls.saves:
            v0 = t0._version[0]
            node._in_versions = (v0,) if v0 else _V0
        out = node.forward(t0._data) if s is _NOOPT else node.forward(t0._data, s)
        if type(out) is not _nd:
            out = np.asarray(out)
        result._data = out
        result.requires_grad = True
        result.grad_fn = node
        if cls.saves_output:
            node._out = out
            node._out_ref = _weakref(result)
            node._out_version = 0
            if s is not _NOOPT:  # (without: the class's empty default)
                node._options = {"s": s}
        return result
    out = node.forward(t0._data) if s is _NOOPT else node.forward(t0._data, s)
    if type(out) is not _nd:
        out = np.asarray(out)
    result._data = out
    result.requires_grad = False
    result.grad_fn = None
    return result


def apply2(cls, t0, t1):
    """`cls.apply(t0, t1)` for two-input ops without options that are not views and do
    not save their output (add, sub, mul, div): the binary operators' hot path.

    >>> from chainrule.autograd.function import apply2
    >>> from chainrule.functions.elementwise import Mul
    >>> apply2(Mul, chainrule.tensor([2.0], requires_grad=True), chainrule.tensor([3.0]))
    tensor([6.], grad_fn=<MulBackward0>)
    """
    node = cls()
    result = _new(Tensor)
    result._grad = None
    result._out_idx = 0
    result._version = [0]
    r0 = t0.requires_grad
    r1 = t1.requires_grad
    if (r0 or r1) and GRAD_ENABLED[0]:
        node.needs_input_grad = _TT if r0 and r1 else (_TF if r0 else _FT)
        node.inputs = (t0, t1)
        node.seq = _next_seq()
        if cls.saves:
            v0 = t0._version[0]
            v1 = t1._version[0]
            node._in_versions = (v0, v1) if v0 or v1 else _V00
        out = node.forward(t0._data, t1._data)
        if type(out) is not _nd:
            out = np.asarray(out)
        result._data = out
        result.requires_grad = True
        result.grad_fn = node
        return result
    out = node.forward(t0._data, t1._data)
    if type(out) is not _nd:
        out = np.asarray(out)
    result._data = out
    result.requires_grad = False
    result.grad_fn = None
    return result


def _modified_message(node, t, v):
    return (f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{t.dtype.name} {list(t.shape)}] is at version {t._version[0]}; "
            f"expected version {v} instead. It was saved by {node.backward_name} "
            f"(op '{node.name}'); compute a copy (.clone()) before changing it in place.")


class FunctionCtx:
    """The `ctx` of a custom Function: save_for_backward / saved_tensors and free attributes.

    >>> class MulConst(chainrule.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x, k):
    ...         ctx.k = k                      # a free attribute
    ...         ctx.save_for_backward(x)
    ...         return x * k
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * ctx.k, None
    ...
    >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    >>> MulConst.apply(x, 3.0).sum().backward(); x.grad
    tensor([3., 3.])
    """

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._saved_versions = tuple(None if t is None else t._version[0] for t in tensors)

    @property
    def saved_tensors(self):
        node = self._node
        if node.released:
            raise RuntimeError(_FREED)
        saved = getattr(self, "_saved", ())
        for t, v in zip(saved, self._saved_versions):
            if t is not None and t._version[0] != v:
                raise RuntimeError(_modified_message(node, t, v))
        return saved

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


_FREED = ("Trying to backward through the graph a second time (or directly access saved "
          "tensors after they have already been freed). Saved intermediate values of the "
          "graph are freed when you call .backward() or autograd.grad(). Specify "
          "retain_graph=True if you need to backward through the graph a second time or if "
          "you need to access saved tensors after calling backward.")


class _FunctionNode(Node):
    """The graph node of a custom Function call."""

    def __init__(self, fn_cls, ctx, inputs, n_outputs):
        self.fn_cls = fn_cls
        self.ctx = ctx
        self.inputs = inputs
        self.n_outputs = n_outputs
        self.needs_input_grad = tuple(t is not None and t.requires_grad for t in inputs)
        self.seq = _next_seq()

    @property
    def name(self):
        return self.fn_cls.__name__

    @property
    def backward_name(self):
        return self.fn_cls.__name__ + "Backward"

    def release(self):
        self.released = True
        if hasattr(self.ctx, "_saved"):
            self.ctx._saved = ()

    def _run_backward(self, grads):
        cg = CREATE_GRAPH[0]
        wrapped = []
        for g, shape_dtype in zip(grads, self._out_meta):
            if g is None:
                if getattr(self.ctx, "_materialize", True):
                    g = np.zeros(*shape_dtype)
                else:
                    wrapped.append(None)
                    continue
            wrapped.append(g if isinstance(g, Tensor) else _make(g))
        prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = cg
        try:
            result = self.fn_cls.backward(self.ctx, *wrapped)
        finally:
            GRAD_ENABLED[0] = prev
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self.inputs)
        # PyTorch's rule: one gradient per forward argument; extra ones only if all None.
        if len(result) < n or any(g is not None for g in result[n:]):
            raise RuntimeError(f"function {self.backward_name} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(result)})")
        grads_in = []
        for i, t in enumerate(self.inputs):
            g = result[i] if i < len(result) else None
            if t is None or g is None:
                grads_in.append(None)
                continue
            if not isinstance(g, Tensor):
                g = _make(np.asarray(g, dtype=t._data.dtype))
            if tuple(g.shape) != tuple(t.shape):
                raise RuntimeError(f"Function {self.fn_cls.__name__} returned an invalid gradient "
                                   f"at index {i} - got {list(g.shape)} but expected shape "
                                   f"compatible with {list(t.shape)}")
            grads_in.append(g if cg else g._data)
        return tuple(grads_in)


class FunctionMeta(type):
    """PyTorch's name for Function's metaclass, kept for code that imports it.

    chainrule's Function needs no metaclass.

    >>> from chainrule.autograd.function import FunctionMeta
    >>> isinstance(FunctionMeta, type)
    True
    """
    pass


class Function:
    """Custom differentiable operation, as in PyTorch.

    >>> class Cube(chainrule.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         x, = ctx.saved_tensors
    ...         return grad * 3 * x ** 2
    >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y
    tensor([1., 8.], grad_fn=<CubeBackward>)
    >>> y.sum().backward(); x.grad
    tensor([ 3., 12.])
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom "
                                  "autograd.Function.")

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please "
            "use new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        tensor_args = tuple(a if isinstance(a, Tensor) else None for a in args)
        ctx.needs_input_grad = tuple(a is not None and a.requires_grad for a in tensor_args)
        prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = False
        try:
            outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            GRAD_ENABLED[0] = prev
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not (prev and any(ctx.needs_input_grad)):
            return outputs
        node = _FunctionNode(cls, ctx, tensor_args, len(outs))
        ctx._node = node
        non_diff = getattr(ctx, "_non_diff", ())
        result, meta = [], []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor):
                meta.append((o._data.shape, o._data.dtype))
                if id(o) in non_diff or o._data.dtype.kind != "f":
                    result.append(o)
                    continue
                if any(o is a for a in args):
                    o = _make(o._data)  # returning an input: a new tensor on the same data
                o.grad_fn, o.requires_grad, o._out_idx = node, True, i
            else:
                meta.append(((), np.float32))
            result.append(o)
        node._out_meta = meta
        return result[0] if single else tuple(result)


class once_differentiable:
    """Decorator for a Function's backward that is not itself differentiable (returned as is).

    >>> from chainrule.autograd.function import once_differentiable
    >>> class Double(chainrule.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     @once_differentiable
    ...     def backward(ctx, grad):
    ...         return grad * 2
    ...
    >>> x = chainrule.tensor([1.0], requires_grad=True)
    >>> Double.apply(x).backward(); x.grad
    tensor([2.])
    """
    def __new__(cls, fn):
        return fn
