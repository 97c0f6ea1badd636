"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""
from collections import OrderedDict
import operator

from .module import Module
from .parameter import Parameter


def _index(idx, n, what):
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range for {what} of length {n}")
    return idx % n


def _module_key(container, idx, what):
    """The registry key of the container's idx-th module (negative idx counts from the end)."""
    keys = list(container._modules)
    return keys[_index(idx, len(keys), what)]


def _delete_modules(container, idx, what):
    """Remove the idx-th module, or every module of a slice; the caller renumbers the rest."""
    if isinstance(idx, slice):
        for k in list(container._modules)[idx]:
            del container._modules[k]
    else:
        del container._modules[_module_key(container, idx, what)]


class Sequential(Module):
    """Modules applied one after the other: Sequential(a, b)(x) == b(a(x)).

    >>> net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> net(torch.randn(5, 2)).shape
    chainrule.Size([5, 1])
    >>> from collections import OrderedDict
    >>> net = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 1)), ("act", nn.Sigmoid())]))
    >>> net
    Sequential(
      (fc): Linear(in_features=2, out_features=1, bias=True)
      (act): Sigmoid()
    )
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def forward(self, input):  # noqa: A002
        for m in self._modules.values():
            input = m(input)
        return input

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[_module_key(self, idx, "Sequential")]

    def __setitem__(self, idx, module):
        setattr(self, _module_key(self, idx, "Sequential"), module)

    def __delitem__(self, idx):
        _delete_modules(self, idx, "Sequential")
        # PyTorch renumbers so indexing stays consistent.
        items = list(self._modules.items())
        self._modules.clear()
        for i, (k, m) in enumerate(items):
            self._modules[k if not k.isdigit() else str(i)] = m

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class")
        return Sequential(*self, *other)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index, module):
        mods = list(self._modules.values())
        n = len(mods)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        mods.insert(index if index >= 0 else index + n, module)
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def pop(self, idx):
        m = self[idx]
        del self[idx]
        return m


class ModuleList(Module):
    """A list of modules, registered so their parameters are found.

    >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[_module_key(self, idx, "ModuleList")]

    def __setitem__(self, idx, module):
        setattr(self, _module_key(self, idx, "ModuleList"), module)

    def __delitem__(self, idx):
        _delete_modules(self, idx, "ModuleList")
        mods = list(self._modules.values())
        self._modules.clear()
        for i, m in enumerate(mods):
            self._modules[str(i)] = m

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def pop(self, idx=-1):
        m = self[idx]
        del self[idx]
        return m


class ModuleDict(Module):
    """An ordered dict of modules, registered by key.

    >>> heads = nn.ModuleDict({'cls': nn.Linear(4, 3), 'box': nn.Linear(4, 2)})
    >>> list(heads.keys()), heads['box'](torch.randn(1, 4)).shape
    (['cls', 'box'], chainrule.Size([1, 2]))
    >>> len(list(heads.parameters()))
    4
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def clear(self):
        self._modules.clear()

    def pop(self, key):
        return self._modules.pop(key)

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for k, m in items:
            self[k] = m


class ParameterList(Module):
    """A list of Parameters, registered under '0', '1', ...

    >>> ps = nn.ParameterList([nn.Parameter(torch.ones(2)), nn.Parameter(torch.zeros(3))])
    >>> len(ps), [name for name, _ in ps.named_parameters()]
    (2, ['0', '1'])
    """

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(self._size)[idx]])
        return getattr(self, str(_index(idx, self._size, "ParameterList")))

    def __setitem__(self, idx, p):
        idx = _index(idx, self._size, "ParameterList")
        setattr(self, str(idx), p if isinstance(p, Parameter) else Parameter(p))

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(self._size))

    def append(self, p):
        self._size += 1
        self[self._size - 1] = p
        return self

    def extend(self, values):
        for p in values:
            self.append(p)
        return self

    def extra_repr(self):
        return "\n".join(f"({i}): Parameter containing: [{p.dtype!r} of size "
                         f"{'x'.join(map(str, p.shape))}]" for i, p in enumerate(self))


class ParameterDict(Module):
    """An ordered dict of Parameters.

    >>> pd = nn.ParameterDict({'scale': nn.Parameter(torch.ones(2))})
    >>> pd['shift'] = nn.Parameter(torch.zeros(2))
    >>> sorted(name for name, _ in pd.named_parameters())
    ['scale', 'shift']
    """

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, p):
        self.register_parameter(key, p if isinstance(p, Parameter) else Parameter(p))

    def __delitem__(self, key):
        del self._parameters[key]

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def update(self, parameters):
        items = parameters.items() if hasattr(parameters, "items") else parameters
        for k, p in items:
            self[k] = p
