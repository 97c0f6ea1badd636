"""torch.return_types: the named tuples of the ops that return several tensors.

`torch.max(x, dim)` and its kin return a tuple whose fields have names (`values`,
`indices`, ...); it unpacks like any tuple and prints like PyTorch's.

>>> values, indices = torch.max(torch.tensor([[1.0, 3.0], [2.0, 0.0]]), 1)
>>> indices
tensor([1, 0])
"""
import collections


def _repr(self):
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
    return f"chainrule.return_types.{type(self).__name__}(\n{fields})"


def structseq(name, fields, doc=None):
    """A named-tuple type `name` with `fields` that prints as PyTorch's return types do.

    >>> Pair = torch.return_types.structseq("pair", ["first", "second"])
    >>> Pair(1, 2)
    chainrule.return_types.pair(
    first=1,
    second=2)
    """
    return type(name, (collections.namedtuple(name, fields),),
                {"__slots__": (), "__repr__": _repr, "__doc__": doc, "__module__": __name__})


# name, fields, an example call on x = [[1, 3], [2, 0]] and what it prints (checked against
# torch 2.13, whose output differs only in saying "torch." for "chainrule.")
_TYPES = [
    ("max", "values indices", "torch.max(x, 1)", "tensor([3., 2.])", "tensor([1, 0])"),
    ("min", "values indices", "torch.min(x, 1)", "tensor([1., 0.])", "tensor([0, 1])"),
    ("sort", "values indices", "torch.sort(x[0], descending=True)", "tensor([3., 1.])",
     "tensor([1, 0])"),
    ("topk", "values indices", "torch.topk(x[0], 1)", "tensor([3.])", "tensor([1])"),
    ("cummax", "values indices", "torch.cummax(x[0], 0)", "tensor([1., 3.])",
     "tensor([0, 1])"),
    ("cummin", "values indices", "torch.cummin(x[:, 1], 0)", "tensor([3., 0.])",
     "tensor([0, 1])"),
    ("median", "values indices", "torch.median(x, 1)", "tensor([1., 0.])", "tensor([0, 1])"),
    ("nanmedian", "values indices", "torch.nanmedian(x, 1)", "tensor([1., 0.])",
     "tensor([0, 1])"),
    ("kthvalue", "values indices", "torch.kthvalue(x[0], 1)", "tensor(1.)", "tensor(0)"),
    ("mode", "values indices", "torch.mode(torch.tensor([1, 2, 2]))", "tensor(2)",
     "tensor(2)"),
    ("aminmax", "min max", "torch.aminmax(x)", "tensor(0.)", "tensor(3.)"),
]


def _example_doc(name, fields, call, *printed):
    lines = ",\n    ".join(f"{f}={p}" for f, p in zip(fields.split(), printed))
    return (f"The result of torch.{name}: a named tuple ({', '.join(fields.split())}).\n\n"
            f"    >>> x = torch.tensor([[1.0, 3.0], [2.0, 0.0]])\n    >>> {call}\n"
            f"    chainrule.return_types.{name}(\n    {lines})\n    ")


for _name, _fields, *_example in _TYPES:
    globals()[_name] = structseq(_name, _fields.split(), _example_doc(_name, _fields, *_example))
del _name, _fields, _example
