"""Parametrizations: a module's tensor computed from other tensors on every access
(PyTorch's torch.nn.utils.parametrize).

register_parametrization(m, "weight", P) moves m.weight to
m.parametrizations.weight.original and makes m.weight a property returning P(original);
state_dict keys become 'parametrizations.weight.original' as in PyTorch.
"""
import contextlib

from ..module import Module
from ..containers import ModuleList
from ..parameter import Parameter
from ...tensor import Tensor
from ...autograd.grad_mode import no_grad

_cache_enabled = 0
_cache = {}


@contextlib.contextmanager
def cached():
    """Within this context a parametrized tensor is computed once and reused.

    >>> class Symmetric(nn.Module):
    ...     def forward(self, X):
    ...         return X.triu() + X.triu(1).T
    >>> lin = nn.utils.parametrize.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
    >>> with nn.utils.parametrize.cached():
    ...     print(lin.weight is lin.weight)   # computed once inside the context
    True
    """
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, with the unconstrained
    tensor(s) in `original` (or original0, original1, ... when right_inverse returns
    several).

    >>> class Double(nn.Module):
    ...     def forward(self, X):
    ...         return 2 * X
    >>> lin = nn.utils.parametrize.register_parametrization(nn.Linear(2, 2), "weight", Double())
    >>> type(lin.parametrizations.weight).__name__, len(lin.parametrizations.weight)
    ('ParametrizationList', 1)
    >>> chainrule.equal(lin.weight, 2 * lin.parametrizations.weight.original)
    True
    """

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        new = original
        with no_grad():
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        if isinstance(new, Tensor):
            self.is_tensor, self.ntensors = True, 1
            if not unsafe:
                _check_same(original, new, "right_inverse")
            if new is not original:  # PyTorch's original.set_(new): same object, new values
                original._data = new._data
            if isinstance(original, Parameter):
                self.original = original
            else:
                self.register_buffer("original", original)
        else:
            self.is_tensor = False
            self.ntensors = len(new)
            for i, t in enumerate(new):
                if not isinstance(t, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of "
                                     f"tensors (list, tuple...). Got element {i} of type "
                                     f"{type(t).__name__}")
                setattr(self, f"original{i}", Parameter(t.detach().clone(),
                                                        original.requires_grad))

    def right_inverse(self, value):
        """Set the original(s) so that the parametrized tensor equals value."""
        with no_grad():
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                else:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       "implement right_inverse.")
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got "
                                     f"{type(value).__name__}")
                if not self.unsafe:
                    _check_same(self.original, value, "right_inverse")
                self.original._data = value._data.copy()
            else:
                for i, t in enumerate(value):
                    getattr(self, f"original{i}")._data[...] = t._data

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _check_same(original, new, what):
    if new.dtype != original.dtype:
        raise ValueError(f"When `right_inverse` outputs one tensor, it may not change the "
                         f"dtype.\noriginal.dtype: {original.dtype}\n{what}(original).dtype: "
                         f"{new.dtype}")


def _make_property(name):
    def get(self):
        plist = self.parametrizations[name]
        if _cache_enabled:
            key = (id(self), name)
            if key not in _cache:
                _cache[key] = plist()
            return _cache[key]
        return plist()

    def set_(self, value):
        self.parametrizations[name].right_inverse(value)
    return property(get, set_)


def _inject_new_class(module):
    cls = module.__class__
    new_cls = type(f"Parametrized{cls.__name__}", (cls,), {
        "__getstate__": lambda self: (_ for _ in ()).throw(RuntimeError(
            "Serialization of parametrized modules is only supported through state_dict()."))})
    new_cls.__module__ = cls.__module__
    module.__class__ = new_cls


def is_parametrized(module, tensor_name=None):
    """Whether module (or its tensor_name) has a parametrization.

    >>> lin = nn.Linear(2, 2)
    >>> nn.utils.parametrize.is_parametrized(lin)
    False
    >>> _ = nn.utils.parametrize.register_parametrization(lin, "weight", nn.Tanh())
    >>> [nn.utils.parametrize.is_parametrized(lin, name) for name in ("weight", "bias")]
    [True, False]
    """
    ps = module.__dict__.get("_modules", {}).get("parametrizations")
    if ps is None or not isinstance(ps, Module):
        return False
    return True if tensor_name is None else tensor_name in ps._modules


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make module.<tensor_name> = parametrization(original), registering the original
    tensor under module.parametrizations.<tensor_name>.original. Returns module.

    >>> class Symmetric(nn.Module):
    ...     def forward(self, X):
    ...         return X.triu() + X.triu(1).T     # W = W^T whatever `original` holds
    >>> lin = nn.utils.parametrize.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
    >>> chainrule.equal(lin.weight, lin.weight.T)
    True
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            Y = getattr(module, tensor_name)
            X = parametrization(Y)
            if not isinstance(X, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got "
                                 f"{type(X).__name__}.")
        module.parametrizations[tensor_name].append(parametrization)
        return module
    if tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        if not unsafe:
            Y = parametrization(original) if not hasattr(parametrization, "right_inverse") \
                else None
            if Y is not None and not isinstance(Y, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got "
                                 f"{type(Y).__name__}.")
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        if tensor_name in module._parameters:
            del module._parameters[tensor_name]
        else:
            del module._buffers[tensor_name]
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = _ParametrizationDict()
        module.parametrizations._modules[tensor_name] = plist
        setattr(module.__class__, tensor_name, _make_property(tensor_name))
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    return module


class _ParametrizationDict(Module):
    """module.parametrizations: a ModuleDict-like holder keyed by tensor name."""

    def __getitem__(self, key):
        return self._modules[key]

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def __iter__(self):
        return iter(self._modules)

    def __len__(self):
        return len(self._modules)


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo register_parametrization: the tensor becomes a plain parameter again, holding
    the parametrized value (leave_parametrized) or the original.

    >>> lin = nn.utils.parametrize.register_parametrization(nn.Linear(2, 2), "weight", nn.Tanh())
    >>> w = lin.weight.detach().clone()
    >>> lin = nn.utils.parametrize.remove_parametrizations(lin, "weight")
    >>> nn.utils.parametrize.is_parametrized(lin), chainrule.equal(lin.weight, w)
    (False, True)
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
            if t.shape == original.shape and t.dtype == original.dtype:
                original._data[...] = t._data
                new = original
            else:
                new = Parameter(t.detach(), original.requires_grad)
        else:
            new = original
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a "
                             "tensor that is parametrized in terms of a sequence of tensors.")
        with no_grad():
            t = getattr(module, tensor_name)
        new = Parameter(t.detach(), True)
    delattr(module.__class__, tensor_name)
    del module.parametrizations._modules[tensor_name]
    module.register_parameter(tensor_name, new if isinstance(new, Parameter) else
                              Parameter(new, new.requires_grad))
    if len(module.parametrizations) == 0:
        del module._modules["parametrizations"]
        orig_cls = module.__class__.__bases__[0]
        module.__class__ = orig_cls
    return module


def type_before_parametrizations(module):
    """The module's class before parametrizations were registered.

    >>> lin = nn.utils.parametrize.register_parametrization(nn.Linear(2, 2), "weight", nn.Tanh())
    >>> nn.utils.parametrize.type_before_parametrizations(lin).__name__
    'Linear'
    """
    return module.__class__.__bases__[0] if is_parametrized(module) else type(module)


def transfer_parametrizations_and_params(from_module, to_module, tensor_name=None):
    """Copy parametrizations (and their originals) from one module to another.

    >>> src = nn.utils.parametrize.register_parametrization(nn.Linear(2, 2), "weight", nn.Tanh())
    >>> dst = nn.utils.parametrize.transfer_parametrizations_and_params(src, nn.Linear(2, 2))
    >>> nn.utils.parametrize.is_parametrized(dst, "weight"), chainrule.equal(dst.weight,
    ...                                                          src.weight)
    (True, True)
    """
    if not is_parametrized(from_module):
        return to_module
    names = [tensor_name] if tensor_name is not None else list(from_module.parametrizations)
    for name in names:
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name).detach()))
        for p in from_module.parametrizations[name]:
            register_parametrization(to_module, name, p)
        src = from_module.parametrizations[name]
        dst = to_module.parametrizations[name]
        if src.is_tensor:
            dst.original._data = src.original._data.copy()
        else:
            for i in range(src.ntensors):
                getattr(dst, f"original{i}")._data = getattr(src, f"original{i}")._data.copy()
    return to_module
