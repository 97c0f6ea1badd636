"""Run PyTorch's own op database (OpInfo `op_db`) against chainrule.

For every OpInfo of the pinned torch wheel this module

1. decides whether the op applies to chainrule at all (complex, sparse-layout, CUDA-only and
   aten-internal ops do not: `not_applicable`),
2. resolves the chainrule callables by the OpInfo's own name and variants (`torch.X`,
   `torch.nn.functional.X`, `torch.linalg.X`, `torch.special.X`, `Tensor.X`; an OpInfo whose
   `op` is a lambda written in torch.testing is run as written, with its `torch` bound to
   chainrule), and
3. runs the sample inputs, converted to chainrule, in float32 and float64 (and the integer and
   bool dtypes op_db lists): forward values, dtype and shape against torch, and for
   differentiable ops the gradients of a random cotangent w.r.t. every input op_db marks as
   requiring grad.

`run_op(name, entries)` returns an `OpResult`; tests/conformance/report.py writes
COMPATIBILITY.md from them and tests/conformance/test_conformance_ops.py checks no op recorded
there as correct regresses. Needs torch and expecttest (op_db imports it); callers skip without.
"""
import dataclasses
import os
import re
import types
import warnings

import numpy as np

import chainrule as cr

# At most this many samples per OpInfo and dtype, spread evenly over op_db's list (some ops
# have over a thousand near-identical samples; the spread keeps the varied ones). The whole
# run must fit a few minutes on one core.
MAX_SAMPLES = int(os.environ.get("CHAINRULE_CONFORMANCE_SAMPLES", "12"))
MAX_INT_SAMPLES = max(1, MAX_SAMPLES // 3)
FLOAT_DTYPES = ("float32", "float64")
# op_db's integer / bool dtypes chainrule has (float16/bfloat16/complex are not compared).
INT_DTYPES = ("int64", "int32", "uint8", "bool")
# (rtol, atol) for forward values and for gradients, by the dtype of the value compared; atol
# scales with the largest magnitude in the value (cancellation error grows with it).
TOLERANCE = {"float16": ((1e-2, 1e-2), (1e-2, 1e-2)), "float32": ((1e-4, 1e-5), (1e-3, 1e-4)),
             "float64": ((1e-7, 1e-7), (1e-5, 1e-7))}
# Share of samples an op must pass to count as "correct on >= 90%".
MOSTLY = 0.9

# Reference exceptions: ops where torch's own float64 kernel is measurably less accurate than
# chainrule's. For these (and only these), a float64 sample where chainrule and torch disagree
# is judged against a high-precision mpmath evaluation instead: it passes only when chainrule
# matches mpmath to REFERENCE_TOLERANCE AND torch is shown to deviate from mpmath at the
# disagreeing values by more than the ordinary float64 tolerance. If torch is ever fixed the
# samples simply agree with torch and the exception is never used; if chainrule is the one
# that is wrong the sample fails. Float32 samples always compare with torch. Without mpmath
# (it comes with torch, via sympy) the exception is off and the samples compare with torch.
# {op name: (the reference in words, f(mpmath, x) on one mpf argument)}
REFERENCE_EXCEPTIONS = {
    "special.bessel_j0": ("mpmath.besselj(0, x)", lambda mp, x: mp.besselj(0, x)),
    "special.bessel_j1": ("mpmath.besselj(1, x)", lambda mp, x: mp.besselj(1, x)),
    "special.bessel_y1": ("mpmath.bessely(1, x)", lambda mp, x: mp.bessely(1, x)),
}
# (rtol, atol) of chainrule against the mpmath reference; atol scales with max(1, |x|) (the
# argument's own rounding moves an oscillating function by up to ~|x| ulp).
REFERENCE_TOLERANCE = (1e-12, 1e-14)
REFERENCE_DIGITS = 40


class ConversionError(Exception):
    """A sample holds something chainrule has no counterpart for."""


def load_op_db():
    """op_db of the installed torch (raises ImportError without torch or expecttest)."""
    import torch  # noqa: F401
    import expecttest  # noqa: F401  (op_db's module imports it)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.testing._internal.common_methods_invocations import op_db
    return op_db


def group_by_name(op_db):
    """{op name: [OpInfo, ...]}: an op's variants (`div.floor_rounding`, ...) are one op."""
    groups = {}
    for info in op_db:
        groups.setdefault(info.name, []).append(info)
    return groups


# ---------------------------------------------------------------- what applies, which family

def _torch_path(name):
    import torch
    obj = torch
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def not_applicable(name, entries):
    """Why op `name` does not apply to a CPU framework of real dtypes, or None if it does.

    Decided from op_db's own data: the CPU dtypes it lists, the type of its `op`, and the
    layout and dtype of its samples and outputs.
    """
    import torch
    info = entries[0]
    dunder = name.startswith("__") and name.endswith("__")  # Tensor operators: public
    if (name.startswith("_") and not dunder) or name.startswith("torch.") or any(
            type(e.op).__name__ in ("OpOverload", "OpOverloadPacket") for e in entries):
        return "aten-internal"
    if name.startswith("native_") or "jiterator" in name:
        return "aten-internal" if name.startswith("native_") else "CUDA-only"
    cpu = set().union(*(e.supported_dtypes("cpu") for e in entries))
    if not cpu:
        return "CUDA-only"
    real = {d for d in cpu if not d.is_complex}
    if not real:
        return "complex"
    if "sparse" in name.split(".")[0] or name == "to_sparse":
        return "sparse-layout"
    # Samples or outputs of real dtypes that are complex or sparse: complex/sparse ops.
    dtype = torch.float32 if torch.float32 in real else sorted(real, key=str)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            sample = next(iter(info.sample_inputs("cpu", dtype, requires_grad=False,
                                                  set_seed=False)))
        except Exception:  # noqa: BLE001 - a sample generator that fails is judged later
            return None
        if any(isinstance(t, torch.Tensor) and t.layout != torch.strided
               for t in _leaves((sample.input, sample.args, sample.kwargs))):
            return "sparse-layout"
        try:
            out = info.op(sample.input, *sample.args, **sample.kwargs)
        except Exception:  # noqa: BLE001
            return None
    for t in _leaves(out):
        if isinstance(t, torch.Tensor):
            if t.layout != torch.strided:
                return "sparse-layout"
            if t.is_complex():
                return "complex"
    return None


# Families: OpInfo's own class where it says (unary/binary ufunc, reduction), the namespace
# (linalg., nn.functional., special., ...), else the word rules below, first match wins.
_FAMILY_RULES = [
    ("random", r"^(rand|randn|randint|normal|bernoulli|multinomial|uniform|cauchy|exponential"
               r"|geometric|log_normal)(_like)?$|dropout"),
    ("creation", r"^(zeros|ones|empty|full|eye|arange|linspace|logspace|scalar_tensor|tril_indices"
                 r"|triu_indices|new_|empty_|zeros_like|ones_like|full_like|empty_like|"
                 r"signal\.windows)"),
    ("indexing / scatter", r"gather|scatter|index|take|masked_|put|select|nonzero|argwhere|"
                           r"where|__getitem__|slice|narrow|bucketize|searchsorted|isin"),
    ("sorting / selection", r"sort|topk|kthvalue|unique|median|mode|msort|quantile"),
    ("cumulative", r"^cum|logcumsumexp"),
    ("dtype casts / conversion", r"^(to|float|double|half|bfloat16|int|long|short|char|byte|bool"
                                 r"|item|type_as|clone|contiguous|positive|alias_copy|zero_|fill"
                                 r"|resize_|resize_as_)$"),
    ("linear algebra", r"^(linalg\.|addmm|addbmm|addmv|addr|baddbmm|bmm|mm|mv|matmul|dot|vdot|"
                       r"inner|outer|kron|tensordot|einsum|cholesky|lu|qr|svd|pinverse|logdet|"
                       r"det|matrix_exp|triangular_solve|ormqr|geqrf|cross|trace|chain_matmul|"
                       r"pca_lowrank|__rmatmul__|cdist|dist|tensorinv|cov|corrcoef)"),
    ("shape / view", r""),  # everything else: reshapes, views, joins, splits, flips, pads
]


def family(name, entries):
    """The COMPATIBILITY.md section op `name` is listed under."""
    kind = type(entries[0]).__name__
    for prefix, fam in (("nn.functional.", "nn.functional"), ("special.", "special"),
                        ("masked.", "masked"), ("fft.", "fft"), ("signal.", "creation")):
        if name.startswith(prefix):
            return fam
    for fam, pattern in _FAMILY_RULES[:1] + [r for r in _FAMILY_RULES if r[0].startswith("dtype")]:
        if re.search(pattern, name):
            return fam
    if kind == "UnaryUfuncInfo":
        return "elementwise unary"
    if kind == "BinaryUfuncInfo" or name.startswith("__r"):
        return "elementwise binary"
    if kind == "ReductionOpInfo":
        return "reductions"
    for fam, pattern in _FAMILY_RULES[1:]:
        if re.search(pattern, name):
            return fam
    return "shape / view"


# ---------------------------------------------------------------- resolving chainrule callables

def _cr_path(name):
    obj = cr
    for part in name.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return None
    return obj


def _is_testing_function(fn):
    """A Python function (lambda or wrapper) written in torch.testing, not a torch API."""
    return isinstance(fn, types.FunctionType) and (fn.__module__ or "").startswith("torch.testing")


def _rebind(fn):
    """`fn` with its global `torch` (and nested testing helpers' `torch`) bound to chainrule."""
    glb = dict(fn.__globals__)
    glb["torch"] = cr
    return types.FunctionType(fn.__code__, glb, fn.__name__, fn.__defaults__, fn.__closure__)


@dataclasses.dataclass
class Variant:
    label: str          # "torch.X", "Tensor.X" or "op_db's lambda"
    call: object        # call(input, *args, **kwargs) on chainrule values


def variants(name, info):
    """The chainrule callables for one OpInfo, found by name; [] if chainrule lacks the op."""
    import torch
    found = []
    fn_torch = _torch_path(name)
    fn_cr = _cr_path(name)
    fn_present = callable(fn_torch) and not isinstance(fn_torch, (torch.dtype, type)) and \
        callable(fn_cr) and not isinstance(fn_cr, (cr.dtype, type))
    attr = name.rsplit(".", 1)[-1]
    method_present = "." not in name and hasattr(torch.Tensor, attr) and _has_method(cr.Tensor, attr)
    # ops op_db runs only through their in-place method (`cauchy` is Tensor.cauchy_)
    inplace_only = "." not in name and not hasattr(torch.Tensor, attr) and \
        hasattr(torch.Tensor, attr + "_") and _has_method(cr.Tensor, attr + "_")
    op = info.op
    if _is_testing_function(op):
        # op_db calls the API through its own lambda (argument order, a property, a seeded
        # wrapper): run that lambda as written against chainrule, when chainrule has the name.
        if fn_present or method_present or inplace_only:
            found.append(Variant("op_db's lambda", _rebind(op)))
    elif fn_present and op is fn_torch:
        found.append(Variant(f"torch.{name}", fn_cr))
    elif not fn_present and method_present and getattr(op, "__name__", None) == attr:
        found.append(Variant(f"Tensor.{attr}", _method(attr)))
    method = info.method_variant
    mname = getattr(method, "__name__", None)
    if method is not None and not _is_testing_function(method) and mname and \
            _has_method(cr.Tensor, mname) and not any(v.label == f"Tensor.{mname}" for v in found) \
            and (found or not fn_present):
        found.append(Variant(f"Tensor.{mname}", _method(mname)))
    return found


def _has_method(cls, attr):
    """`cls` defines `attr` itself (hasattr would also find `type`'s own `__or__`, ...)."""
    return any(attr in k.__dict__ for k in cls.__mro__ if k is not object)


def _method(mname):
    def call(self, *args, **kwargs):
        return getattr(self, mname)(*args, **kwargs)
    return call


def op_present(name, entries):
    return any(variants(name, e) for e in entries)


# ---------------------------------------------------------------- converting values

def _leaves(x):
    if isinstance(x, (list, tuple)):
        for y in x:
            yield from _leaves(y)
    elif isinstance(x, dict):
        for y in x.values():
            yield from _leaves(y)
    else:
        yield x


def cr_dtype(td):
    name = str(td).split(".")[-1]
    d = getattr(cr, name, None)
    if not isinstance(d, cr.dtype):
        raise ConversionError(f"chainrule has no dtype torch.{name}")
    return d


def _same_layout(x):
    """A NumPy copy of torch tensor `x` laid out as x is: when x views part of a larger storage
    (an offset, strides, a slice of a base tensor), the copy is a view of a copy of the whole
    storage with x's storage_offset and strides, so ops that address the storage
    (as_strided) or depend on the layout see what torch sees; otherwise a fresh array."""
    import torch
    item = x.element_size()
    n = x.untyped_storage().nbytes() // item
    if x.storage_offset() == 0 and x.is_contiguous() and n == x.numel():
        return x.numpy().copy()
    whole = torch.empty(0, dtype=x.dtype).set_(x.untyped_storage(), 0, (n,), (1,))
    storage = whole.numpy().copy()
    return np.lib.stride_tricks.as_strided(storage[x.storage_offset():], shape=tuple(x.shape),
                                           strides=tuple(s * item for s in x.stride()))


class Converter:
    """torch values -> chainrule values, remembering which leaves are differentiable."""

    def __init__(self):
        self.grad_pairs = []  # (torch leaf, chainrule leaf) for tensors that require grad
        self._seen = {}  # id(torch tensor) -> its chainrule tensor: one tensor passed twice
        # (module_db's KLDivLoss(x, x)) stays one leaf, so its gradients add up as in torch

    @staticmethod
    def _module(m):
        """A stateless torch module (no parameters, buffers or submodules, e.g. the
        PairwiseDistance op_db passes as a distance_function) as chainrule's module of the
        same name with the same settings; any other module is not convertible."""
        name = type(m).__name__
        cls = getattr(cr.nn, name, None)
        if cls is None or list(m.parameters()) or list(m.buffers()) or list(m.children()):
            raise ConversionError(f"a torch module ({name}) as an argument")
        out = cls()
        for k, v in vars(m).items():
            if not k.startswith("_") and isinstance(v, (bool, int, float, str, type(None))):
                setattr(out, k, v)
        return out

    def __call__(self, x):
        import torch
        if isinstance(x, torch.Tensor):
            if x.layout != torch.strided:
                raise ConversionError(f"{x.layout} tensor")
            if x.is_complex() or x.dtype in (torch.bfloat16,) or str(x.dtype).startswith(
                    "torch.float8"):
                raise ConversionError(f"chainrule has no dtype {x.dtype}")
            if id(x) in self._seen and self._seen[id(x)][0] is x:
                return self._seen[id(x)][1]
            rg = x.requires_grad
            arr = _same_layout(x.detach().cpu().resolve_neg().resolve_conj())
            t = cr.from_numpy(arr).requires_grad_(rg) if arr.base is not None else cr.tensor(
                arr, dtype=cr_dtype(x.dtype), requires_grad=rg)
            self._seen[id(x)] = (x, t)
            if rg:
                self.grad_pairs.append((x, t))
            return t
        if isinstance(x, torch.dtype):
            return cr_dtype(x)
        if isinstance(x, torch.Size):
            return cr.Size(x)
        if isinstance(x, torch.device):
            return cr.device(str(x))
        if isinstance(x, torch.memory_format):
            name = str(x).split(".")[-1]
            if not hasattr(cr, name):
                raise ConversionError(f"chainrule has no torch.{name}")
            return getattr(cr, name)
        if isinstance(x, torch.layout):
            name = str(x).split(".")[-1]
            if not hasattr(cr, name):
                raise ConversionError(f"chainrule has no torch.{name}")
            return getattr(cr, name)
        if isinstance(x, torch.Generator):
            raise ConversionError("torch.Generator argument")
        if isinstance(x, torch.nn.Module):
            return self._module(x)
        if isinstance(x, tuple) and hasattr(x, "_fields"):
            return type(x)(*(self(y) for y in x))
        if isinstance(x, (list, tuple)):
            return type(x)(self(y) for y in x)
        if isinstance(x, dict):
            return {k: self(v) for k, v in x.items()}
        if isinstance(x, (types.FunctionType, types.BuiltinFunctionType)) and \
                (getattr(x, "__module__", "") or "").startswith("torch"):
            raise ConversionError(f"torch callable argument {x!r}")
        return x


# ---------------------------------------------------------------- comparing values

class Mismatch(Exception):
    pass


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def compare(expected, got, where="output", gradient=False):
    """Raise Mismatch naming the first difference between torch's `expected` and `got`."""
    import torch
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, cr.Tensor):
            raise Mismatch(f"{where}: got {type(got).__name__}, torch returns a Tensor")
        edt = str(expected.dtype).split(".")[-1]
        if got.dtype.name != edt:
            raise Mismatch(f"{where}: dtype {got.dtype.name}, torch {edt}")
        if tuple(got.shape) != tuple(expected.shape):
            raise Mismatch(f"{where}: shape {tuple(got.shape)}, torch {tuple(expected.shape)}")
        rtol, atol = TOLERANCE.get(edt, TOLERANCE["float64"])[int(gradient)]
        _close(expected.detach().numpy(), got._data, rtol, atol, where)
        return
    if isinstance(expected, (tuple, list)) and not isinstance(expected, torch.Size):
        if isinstance(got, cr.Tensor) or not isinstance(got, (tuple, list)):
            raise Mismatch(f"{where}: got {type(got).__name__}, torch returns "
                           f"{type(expected).__name__} of {len(expected)}")
        if len(got) != len(expected):
            raise Mismatch(f"{where}: {len(got)} results, torch {len(expected)}")
        for i, (e, g) in enumerate(zip(expected, got)):
            compare(e, g, f"{where}[{i}]", gradient)
        return
    if isinstance(expected, torch.Size):
        if isinstance(got, cr.Tensor) or tuple(got) != tuple(expected):
            raise Mismatch(f"{where}: {got!r}, torch {tuple(expected)}")
        return
    if expected is None or isinstance(expected, (str, torch.dtype)):
        ok = (got is None) if expected is None else (
            str(got).split(".")[-1] == str(expected).split(".")[-1])
        if not ok:
            raise Mismatch(f"{where}: {got!r}, torch {expected!r}")
        return
    if isinstance(expected, (bool, int, float, np.number, np.bool_)):
        if isinstance(got, cr.Tensor):
            raise Mismatch(f"{where}: got a Tensor, torch returns {type(expected).__name__}")
        if isinstance(expected, bool) != isinstance(got, (bool, np.bool_)):
            raise Mismatch(f"{where}: {got!r} ({type(got).__name__}), torch {expected!r}")
        rtol, atol = TOLERANCE["float64"][int(gradient)]
        _close(np.asarray(expected, dtype=float), np.asarray(got, dtype=float), rtol, atol, where)
        return
    raise Mismatch(f"{where}: torch returns {type(expected).__name__}, not compared")


def _close(e, g, rtol, atol, where):
    if e.dtype.kind in "fc" or g.dtype.kind in "fc":
        e, g = e.astype(np.float64), g.astype(np.float64)
        finite = np.abs(e[np.isfinite(e)])
        atol = atol * max(1.0, float(finite.max()) if finite.size else 1.0)
        if np.array_equal(np.isnan(e), np.isnan(g)) and np.all(
                (e == g) | np.isnan(e) | (np.abs(e - g) <= atol + rtol * np.abs(e))):
            return
        bad = ~((e == g) | (np.isnan(e) & np.isnan(g)) | (np.abs(e - g) <= atol + rtol * np.abs(e)))
    else:
        if np.array_equal(e, g):
            return
        bad = e != g
    i = np.unravel_index(np.argmax(bad), bad.shape) if bad.ndim else ()
    raise Mismatch(f"{where}: {int(bad.sum())} of {bad.size} values differ, e.g. at "
                   f"{tuple(int(k) for k in i)}: {g[i]!r} vs torch {e[i]!r}")


# ---------------------------------------------------------------- running samples

@dataclasses.dataclass
class OpResult:
    name: str
    family: str
    status: str                   # correct | mostly | wrong | missing | untested | n/a: why
    passed: int = 0
    total: int = 0
    first_failure: str = ""
    variants: tuple = ()
    dtypes: tuple = ()
    failures: list = dataclasses.field(default_factory=list)
    # REFERENCE_EXCEPTIONS: (samples judged by mpmath, chainrule's max |error|, torch's max
    # |error|) against mpmath, or None when no sample needed it
    reference: tuple = None

    @property
    def present(self):
        return self.status in ("correct", "mostly", "wrong", "untested")


def _pick(samples, k):
    if len(samples) <= k:
        return samples
    idx = np.unique(np.linspace(0, len(samples) - 1, k).round().astype(int))
    return [samples[i] for i in idx]


def _dtypes_for(info):
    import torch
    cpu = info.supported_dtypes("cpu")
    out = [getattr(torch, n) for n in FLOAT_DTYPES if getattr(torch, n) in cpu]
    out += [getattr(torch, n) for n in INT_DTYPES if getattr(torch, n) in cpu]
    return out


def _call_quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _describe(sample):
    def short(x):
        import torch
        if isinstance(x, torch.Tensor):
            return f"Tensor{list(x.shape)}:{str(x.dtype).split('.')[-1]}"
        if isinstance(x, (list, tuple)):
            inner = ", ".join(short(y) for y in x)
            return f"[{inner}]" if isinstance(x, list) else f"({inner})"
        if isinstance(x, dict):
            return "{" + ", ".join(f"{k}={short(v)}" for k, v in x.items()) + "}"
        r = repr(x)
        return r if len(r) < 40 else r[:37] + "..."
    parts = [short(sample.input)] + [short(a) for a in sample.args] + [
        f"{k}={short(v)}" for k, v in sample.kwargs.items()]
    return "(" + ", ".join(parts) + ")"


def _grad_outputs(out):
    import torch
    return [t for t in _leaves(out) if isinstance(t, torch.Tensor) and t.requires_grad
            and t.dtype.is_floating_point]


def _random_in_chainrule(call, csample):
    """Whether chainrule's output on `csample` depends on chainrule's random seed."""
    outs = []
    for seed in (0, 1, 2):
        cr.manual_seed(seed)
        inp, args, kwargs = csample()
        try:
            outs.append(_call_quiet(call, inp, *args, **kwargs))
        except Exception:  # noqa: BLE001
            return False
    return _differs(outs[0], outs[1]) or _differs(outs[0], outs[2])


def _random_in_torch(fn, sample):
    import torch
    outs = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        outs.append(_call_quiet(fn, sample.input, *sample.args, **sample.kwargs))
    return _differs(outs[0], outs[1])


def _differs(a, b):
    la, lb = list(_leaves(a)), list(_leaves(b))
    if len(la) != len(lb):
        return True
    for x, y in zip(la, lb):
        if hasattr(x, "shape") and hasattr(y, "shape"):
            xa, ya = _np(x), _np(y)
            if xa.shape != ya.shape or not np.array_equal(xa, ya, equal_nan=xa.dtype.kind == "f"):
                return True
    return False


def _shape_only(x):
    import torch
    if isinstance(x, (torch.Tensor, cr.Tensor)):
        return ("tensor", tuple(x.shape), str(x.dtype).split(".")[-1])
    if isinstance(x, (list, tuple)):
        return [_shape_only(y) for y in x]
    return x


def _compare_shapes(expected, got):
    try:
        if _shape_only(expected) != _shape_only(got):
            raise Mismatch(f"output: shapes/dtypes {_shape_only(got)}, torch {_shape_only(expected)}")
    except Mismatch:
        raise
    except Exception as e:  # noqa: BLE001
        raise Mismatch(f"invalid result: {type(e).__name__}: {e}") from None


def _indices_witness(expected, got, sample):
    """(values, indices) results where only the indices differ: among tied values either index
    is right, so chainrule's indices count when they pick torch's values from the input along
    some dimension."""
    import torch
    if not (isinstance(expected, tuple) and hasattr(expected, "values") and hasattr(
            expected, "indices")) or not isinstance(
            sample.input, torch.Tensor) or not hasattr(got, "indices"):
        return False
    try:
        compare(expected.values, got.values)
    except Exception:  # noqa: BLE001
        return False
    inp = sample.input.detach().numpy()
    want = expected.values.detach().numpy()
    idx = got.indices._data
    if inp.ndim == 0:
        return bool(np.all(idx == 0))
    for d in range(inp.ndim):
        i = idx if idx.ndim == inp.ndim else np.expand_dims(idx, d)
        try:
            picked = np.take_along_axis(inp, i, d)
        except (ValueError, IndexError):
            continue
        if picked.size == want.size and picked.reshape(want.shape).tobytes() == want.tobytes():
            return True
    return False


def _mpmath():
    try:
        import mpmath
    except ImportError:
        return None
    return mpmath


def reference_check(name, sample, expected, got):
    """For an op in REFERENCE_EXCEPTIONS on a float64 sample: (chainrule's max error, torch's
    max error) against mpmath when chainrule matches mpmath to REFERENCE_TOLERANCE and torch
    deviates from it where the two disagree; else a string saying why not; None when the
    exception does not apply (not listed, not float64, no mpmath)."""
    import torch
    mp = _mpmath()
    entry = REFERENCE_EXCEPTIONS.get(name)
    if entry is None or mp is None or not isinstance(sample.input, torch.Tensor) or \
            sample.input.dtype != torch.float64 or not isinstance(expected, torch.Tensor) or \
            not isinstance(got, cr.Tensor) or sample.args or sample.kwargs or \
            tuple(got.shape) != tuple(expected.shape):
        return None
    words, fn = entry
    x = sample.input.detach().numpy().astype(np.float64).reshape(-1)
    with mp.workdps(REFERENCE_DIGITS):
        ref = np.array([_mp_float(mp, fn, v) for v in x])
    e = expected.detach().numpy().astype(np.float64).reshape(-1)
    g = np.asarray(got._data, dtype=np.float64).reshape(-1)
    rtol, atol = REFERENCE_TOLERANCE
    scale = np.maximum(1.0, np.abs(x))
    same_nan = np.isnan(ref) == np.isnan(g)
    ok = same_nan & ((g == ref) | np.isnan(ref) |
                     (np.abs(g - ref) <= atol * scale + rtol * np.abs(ref)))
    if not ok.all():
        i = int(np.argmax(~ok))
        return (f"{words} reference: chainrule {g[i]!r} at x={x[i]!r}, mpmath {ref[i]!r} "
                f"(torch {e[i]!r})")
    frtol, fatol = TOLERANCE["float64"][0]
    disagree = ~((e == g) | (np.isnan(e) & np.isnan(g)) |
                 (np.abs(e - g) <= fatol + frtol * np.abs(e)))
    torch_off = np.abs(e - ref) > fatol + frtol * np.abs(ref)
    if not (torch_off | ~disagree).all():
        i = int(np.argmax(disagree & ~torch_off))
        return (f"differs from torch where torch matches {words}: chainrule {g[i]!r} at "
                f"x={x[i]!r}, torch {e[i]!r}, mpmath {ref[i]!r}")
    finite = np.isfinite(ref)
    return (float(np.abs(g - ref)[finite].max(initial=0.0)),
            float(np.abs(e - ref)[finite].max(initial=0.0)))


def _mp_float(mp, fn, v):
    if not np.isfinite(v):
        return float(fn(mp, mp.mpf(v))) if not np.isnan(v) else np.nan
    try:
        r = fn(mp, mp.mpf(float(v)))
    except (ValueError, ZeroDivisionError):
        return np.nan
    if isinstance(r, mp.mpc):
        return np.nan if r.imag else float(r.real)
    return float(r)


def check_sample(info, variant, sample, values=True, grad=True, notes=None):
    """None when chainrule's `variant` matches torch on `sample`, else why not ('skip' if torch
    itself rejects the sample).

    With values=False (ops whose result is uninitialised memory) only shapes and dtypes are
    compared. An op whose output depends on the random state, in torch or in chainrule, is
    compared on shapes and dtypes too: its values cannot match another generator's.
    """
    import torch
    conv = Converter()
    try:
        c_in, c_args, c_kwargs = conv(sample.input), conv(sample.args), conv(sample.kwargs)
    except ConversionError as e:
        return f"sample not convertible: {e}"
    try:
        torch.manual_seed(0)
        expected = _call_quiet(info.op, sample.input, *sample.args, **sample.kwargs)
        expected = sample.output_process_fn_grad(expected)
    except Exception:  # noqa: BLE001 - torch rejects its own sample (e.g. a dtype it skips)
        return "skip"
    process = sample.output_process_fn_grad
    if _is_testing_function(process):
        process = _rebind(process)
    try:
        cr.manual_seed(0)
        got = process(_call_quiet(variant.call, c_in, *c_args, **c_kwargs))
    except Exception as e:  # noqa: BLE001 - any error where torch succeeds is a failure
        msg = str(e).split("\n")[0]
        return f"raises {type(e).__name__}: {msg[:160]}"
    try:
        if not values:
            _compare_shapes(expected, got)
            return None
        compare(expected, got)
    except Mismatch as e:
        if _indices_witness(expected, got, sample):
            return None
        ref = reference_check(info.name, sample, expected, got)
        if isinstance(ref, str):
            return f"{e}; {ref}"
        if ref is not None:
            if notes is not None:
                notes.setdefault("reference", []).append(ref)
            if not grad or not info.supports_autograd or not conv.grad_pairs:
                return None
            return _check_gradients(expected, got, conv.grad_pairs)

        def csample():
            return tuple(Converter()(v) for v in (sample.input, sample.args, sample.kwargs))
        if _random_in_chainrule(variant.call, csample) or _random_in_torch(info.op, sample):
            try:
                _compare_shapes(expected, got)
                return None
            except Mismatch as e2:
                return str(e2)
        return str(e)
    except Exception as e:  # noqa: BLE001 - a result chainrule itself cannot describe
        return f"invalid result: {type(e).__name__}: {str(e).splitlines()[0][:160]}"
    if not grad or not info.supports_autograd or not conv.grad_pairs:
        return None
    return _check_gradients(expected, got, conv.grad_pairs)


def _check_gradients(expected, got, grad_pairs):
    import torch
    t_outs = _grad_outputs(expected)
    if not t_outs:
        return None
    gen = np.random.default_rng(0)
    cots = [gen.standard_normal(tuple(t.shape)).astype(str(t.dtype).split(".")[-1]) for t in t_outs]
    t_inputs = [p[0] for p in grad_pairs]
    try:
        t_grads = torch.autograd.grad(t_outs, t_inputs, [torch.from_numpy(c) for c in cots],
                                      allow_unused=True)
    except Exception:  # noqa: BLE001 - torch has no backward here: nothing to compare
        return None
    c_outs = [t for t in _leaves(got) if isinstance(t, cr.Tensor)]
    e_outs = [t for t in _leaves(expected) if isinstance(t, torch.Tensor)]
    c_pick = [c for c, e in zip(c_outs, e_outs) if any(e is t for t in t_outs)]
    if len(c_pick) != len(t_outs) or any(not c.requires_grad for c in c_pick):
        if all(g is None or not bool(g.abs().sum()) for g in t_grads):
            return None  # torch's gradient is zero everywhere: nothing flows, as in chainrule
        return "gradient: chainrule's output does not require grad"
    try:
        c_grads = cr.autograd.grad(c_pick, [p[1] for p in grad_pairs],
                                   [cr.tensor(c) for c in cots], allow_unused=True)
    except Exception as e:  # noqa: BLE001
        return f"backward raises {type(e).__name__}: {str(e).splitlines()[0][:160]}"
    for i, (tg, cg, (tx, _)) in enumerate(zip(t_grads, c_grads, grad_pairs)):
        if tg is None or tg._is_zerotensor():  # a ZeroTensor has no numpy view
            tg = torch.zeros_like(tx)
        if cg is None:
            cg = cr.zeros(tuple(tx.shape), dtype=cr_dtype(tx.dtype))
        try:
            compare(tg, cg, f"gradient of input {i}", gradient=True)
        except Mismatch as e:
            return str(e)
        except Exception as e:  # noqa: BLE001
            return f"invalid gradient: {type(e).__name__}: {str(e).splitlines()[0][:160]}"
    return None


def _sample_lists(info, max_samples, max_int_samples):
    import torch
    for td in _dtypes_for(info):
        torch.manual_seed(0)
        try:
            samples = _call_quiet(lambda: list(info.sample_inputs(
                "cpu", td, requires_grad=info.supports_autograd and td.is_floating_point,
                set_seed=False)))
        except Exception:  # noqa: BLE001 - op_db cannot make samples for this dtype
            continue
        yield str(td).split(".")[-1], _pick(
            samples, max_samples if td.is_floating_point else max_int_samples)


def run_op(name, entries, max_samples=None, max_int_samples=None):
    """Every OpInfo of op `name` against chainrule: an OpResult."""
    fam = family(name, entries)
    why = not_applicable(name, entries)
    if why:
        return OpResult(name, fam, f"n/a: {why}")
    per_entry = [(e, variants(name, e)) for e in entries]
    labels = tuple(sorted({v.label for _, vs in per_entry for v in vs}))
    if not labels:
        return OpResult(name, fam, "missing")
    # An `empty*` op's values are uninitialised memory by definition: compare shapes and dtypes.
    values = not name.split(".")[-1].startswith(("empty", "new_empty"))
    passed = total = 0
    failures = []
    used_dtypes = set()
    notes = {}
    for info, vs in per_entry:
        label = f"{name}.{info.variant_test_name}" if info.variant_test_name else name
        for dname, samples in _sample_lists(info, max_samples or MAX_SAMPLES,
                                            max_int_samples or MAX_INT_SAMPLES):
            for s in samples:
                for v in vs:
                    why = check_sample(info, v, s, values=values, notes=notes)
                    if why == "skip":
                        continue
                    total += 1
                    used_dtypes.add(dname)
                    if why is None:
                        passed += 1
                    else:
                        failures.append(f"{label} [{dname}, {v.label}] {_describe(s)}: {why}")
    if total == 0:
        status = "untested"
    elif passed == total:
        status = "correct"
    elif passed >= MOSTLY * total:
        status = "mostly"
    else:
        status = "wrong"
    refs = notes.get("reference")
    reference = (len(refs), max(r[0] for r in refs), max(r[1] for r in refs)) if refs else None
    return OpResult(name, fam, status, passed, total, failures[0] if failures else "", labels,
                    tuple(d for d in FLOAT_DTYPES + INT_DTYPES if d in used_dtypes), failures,
                    reference)


# ---------------------------------------------------------------- COMPATIBILITY.md records

STATUS_WORDS = {"correct": "correct on all samples", "mostly": "correct on >= 90%",
                "wrong": "present but wrong", "missing": "missing", "untested": "untested"}
_ROW = re.compile(r"^\| `([^`]+)` \| (correct on all samples|correct on >= 90%|present but wrong"
                  r"|missing|untested|n/a[^|]*) \|")


def recorded_statuses(path):
    """{op name: status word} as COMPATIBILITY.md records them ('correct', 'mostly', ...)."""
    back = {v: k for k, v in STATUS_WORDS.items()}
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = _ROW.match(line)
            if m:
                out[m.group(1)] = back.get(m.group(2), m.group(2))
    return out

