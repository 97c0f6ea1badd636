"""Optimizer: parameter groups, per-parameter state, zero_grad, state_dict.

Subclasses implement `_step_group(group)`, updating the parameters' arrays in place with
NumPy out= ufuncs: no graph is recorded, nothing is upcast, and the per-step Python work
is one loop over the parameters.
"""
from collections import defaultdict
import copy
import itertools

import numpy as np

from ..tensor import Tensor
from ..autograd.grad_mode import GRAD_ENABLED, enable_grad


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_hook_ids = itertools.count()


class _Handle:
    def __init__(self, table, key):
        self._table, self._key = table, key

    def remove(self):
        self._table.pop(self._key, None)


class Optimizer:
    """Base class of the optimizers (PyTorch's structure).

    param_groups: list of dicts, each with 'params' (a list of tensors) and the options.
    state: dict parameter -> dict of that parameter's buffers (momentum, exp_avg, ...).
    Subclasses implement ``_step_group(group)``; ``step``, ``zero_grad``, hooks and
    ``state_dict`` / ``load_state_dict`` are shared.

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> b = chainrule.tensor([0.5], requires_grad=True)
    >>> opt = chainrule.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    >>> sorted(opt.state_dict())
    ['param_groups', 'state']
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        self._step_pre_hooks, self._step_post_hooks = {}, {}
        self._scratch = {}
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def __repr__(self):
        s = type(self).__name__ + " ("
        for i, g in enumerate(self.param_groups):
            s += f"\nParameter Group {i}"
            for k in sorted(g):
                if k not in ("params", "param_names"):
                    s += f"\n    {k}: {g[k]}"
        return s + "\n)"

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (missing ones from defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        names = None
        if params and isinstance(params[0], tuple):  # named parameters
            names = [n for n, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params "
                                f"is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group)
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        for k, v in self.defaults.items():
            if v is required and k not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {k}")
            group.setdefault(k, v)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error", stacklevel=3)
        if existing & {id(p) for p in params}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (default) or to zeros in place."""
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad = p.grad.detach()
                    p.grad._data[...] = 0

    def step(self, closure=None):
        """One update of every parameter with a gradient. closure() re-evaluates the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for hook in list(self._step_pre_hooks.values()):
            hook(self, (), {})
        prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = False
        try:
            for group in self.param_groups:
                self._step_group(group)
        finally:
            GRAD_ENABLED[0] = prev
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def _step_group(self, group):
        raise NotImplementedError

    def _tmp(self, p, k=0):
        """Scratch array number k shaped like p (not part of the state), reused across
        steps so an update allocates nothing."""
        key = (id(p), k)
        t = self._scratch.get(key)
        if t is None or t.shape != p._data.shape or t.dtype != p._data.dtype:
            t = self._scratch[key] = np.empty_like(p._data)
        return t

    def _grads(self, group):
        """(p, p's array, gradient array) for each parameter of the group that has a
        gradient; with maximize the gradient is a negated copy (p.grad is never modified)."""
        maximize = group.get("maximize", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            yield p, p._data, (-g if maximize else g)

    def _state(self, p, *buffers, **scalars):
        """p's state, created on the first step as PyTorch orders it: 'step' = 0, then the
        scalars, then one zero array shaped like p per name in buffers."""
        st = self.state[p]
        if not st:
            st["step"] = 0
            st.update(scalars)
            for name in buffers:
                st[name] = self._zeros(p)
        return st

    @staticmethod
    def _zeros(p):
        """A zero state tensor shaped like p."""
        return Tensor._make(np.zeros_like(p._data))

    def register_step_pre_hook(self, hook):
        k = next(_hook_ids)
        self._step_pre_hooks[k] = hook
        return _Handle(self._step_pre_hooks, k)

    def register_step_post_hook(self, hook):
        k = next(_hook_ids)
        self._step_post_hooks[k] = hook
        return _Handle(self._step_post_hooks, k)

    # --- state dict -------------------------------------------------------------------
    def state_dict(self):
        """{'state': {param index: {name: tensor or number}}, 'param_groups': [options with
        'params' as indices]} — PyTorch's structure; tensors are shared, not copied."""
        index = {}
        groups = []
        start = 0
        for g in self.param_groups:
            ids = list(range(start, start + len(g["params"])))
            for i, p in zip(ids, g["params"]):
                index.setdefault(id(p), i)
            start += len(ids)
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in g["params"]]
            groups.append(packed)
        state = {}
        for g in self.param_groups:
            for p in g["params"]:
                st = self.state.get(p)
                if st:
                    state[index[id(p)]] = dict(st)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore the options and per-parameter state (matched by index)."""
        state_dict = _copy_sd(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}) than the optimizer "
                             f"({len(self.param_groups)})")
        for i, (g, sg) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group (group {i}: "
                                 f"{len(sg['params'])} saved vs {len(g['params'])} parameters)")
        id_map = {}
        for g, sg in zip(self.param_groups, saved_groups):
            for idx, p in zip(sg["params"], g["params"]):
                id_map[int(idx)] = p
        new_state = defaultdict(dict)
        for k, st in state_dict["state"].items():
            k = int(k)
            if k not in id_map:
                continue
            p = id_map[k]
            new_state[p] = {name: _cast_state(name, v, p) for name, v in st.items()}
        self.state = new_state
        new_groups = []
        for g, sg in zip(self.param_groups, saved_groups):
            ng = dict(sg)
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in sg:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.param_groups = new_groups
        self._scratch = {}

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}


def _check(**values):
    """ValueError 'Invalid <name>: <value>' for the first negative option, in order."""
    for name, v in values.items():
        if not 0.0 <= v:
            raise ValueError(f"Invalid {name}: {v}")


def _weight_decay(pd, g, lr, wd, decoupled):
    """The gradient after weight decay wd: decoupled (AdamW) shrinks the parameter array pd
    in place by (1 - lr wd) and returns g; otherwise L2, g + wd pd (a new array)."""
    if wd != 0:
        if decoupled:
            pd *= 1 - lr * wd
        else:
            g = g + wd * pd
    return g


def _lerp(m, g, w, tmp):
    """m.lerp_(g, w) in place with PyTorch's formula (m + w (g - m) for w < 0.5,
    g - (1 - w)(g - m) otherwise); tmp is scratch shaped like m."""
    np.subtract(g, m, out=tmp)
    if w < 0.5:
        tmp *= w
        m += tmp
    else:
        tmp *= 1 - w
        np.subtract(g, tmp, out=m)


def _addcmul_sq(v, g, value, tmp):
    """v += value * g * g in place, as (value * g) * g (PyTorch's order); tmp is scratch."""
    np.multiply(g, value, out=tmp)
    tmp *= g
    v += tmp


def _copy_sd(sd):
    out = {"state": {}, "param_groups": [dict(g) for g in sd["param_groups"]]}
    for k, st in sd["state"].items():
        out["state"][k] = {name: (Tensor._make(v._data.copy()) if isinstance(v, Tensor)
                                  else copy.deepcopy(v)) for name, v in st.items()}
    return out


def _cast_state(name, v, p):
    """State tensors take the parameter's dtype (except 'step', kept as saved)."""
    if name == "step":
        if isinstance(v, Tensor):
            return int(v._data.reshape(()).item()) if v._data.size == 1 else v
        if isinstance(v, np.ndarray):
            return int(v.reshape(()).item())
        return int(v) if isinstance(v, (int, float, np.integer, np.floating)) else v
    if isinstance(v, np.ndarray):
        v = Tensor._make(v)
    if isinstance(v, Tensor) and v._data.dtype.kind == "f" and v._data.dtype != p._data.dtype:
        return Tensor._make(v._data.astype(p._data.dtype))
    return v
