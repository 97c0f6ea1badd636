"""Grad modes: whether ops record the graph (no_grad, enable_grad, set_grad_enabled)."""
import functools

# One mutable cell read by every op on its hot path (a list index is cheaper than a
# function call or an attribute lookup on a module).
GRAD_ENABLED = [True]
# True while a backward pass with create_graph=True runs: op backwards then receive
# Tensors instead of arrays, so the backward pass is itself recorded.
CREATE_GRAPH = [False]
# True while a backward pass with retain_graph=True runs: an op's backward may then not
# reuse what it saved as its result's buffer (the graph may run again).
RETAIN_GRAPH = [False]


def is_grad_enabled():
    """Returns whether ops currently record the graph.

    >>> torch.is_grad_enabled()
    True
    >>> with torch.no_grad():
    ...     torch.is_grad_enabled()
    ...
    False
    """
    return GRAD_ENABLED[0]


class _GradMode:
    """Context manager and decorator that sets grad mode for its scope."""

    enabled = True

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):  # a bare decorator: @no_grad
            return self(orig_func)
        return self

    def __init__(self, orig_func=None):
        pass

    def __enter__(self):
        self._prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = self.enabled

    def __exit__(self, *exc):
        GRAD_ENABLED[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Nothing inside is recorded: ops run on arrays and return tensors without grad_fn.

    >>> x = chainrule.tensor([1.0], requires_grad=True)
    >>> with chainrule.no_grad():
    ...     y = x * 2
    >>> y.requires_grad, y.grad_fn
    (False, None)
    >>> @chainrule.no_grad()
    ... def double(t):
    ...     return t * 2
    >>> double(x).requires_grad
    False

    Also a decorator, with or without parentheses: ``@no_grad()`` or ``@no_grad``.
    """

    enabled = False


class enable_grad(_GradMode):
    """Records the graph inside, even within an outer no_grad.

    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> with torch.no_grad():
    ...     with torch.enable_grad():
    ...         y = x * 2
    ...
    >>> y.requires_grad
    True
    """

    enabled = True


class inference_mode(no_grad):
    """Same as no_grad here (PyTorch's extra guarantees cost nothing to skip on NumPy).

    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> with torch.inference_mode():
    ...     y = x * 2
    ...
    >>> y.requires_grad
    False
    >>> with torch.inference_mode(False):
    ...     (x * 2).requires_grad
    ...
    True
    """

    def __init__(self, mode=True):
        self.enabled = not mode

    def __call__(self, fn):
        mode = not self.enabled

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper


class set_grad_enabled(_GradMode):
    """Sets grad mode to `mode` at once (as a function) or for a `with` block.

    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> with torch.set_grad_enabled(False):
    ...     (x * 2).requires_grad
    ...
    False
    >>> _ = torch.set_grad_enabled(False)      # as a function: off from here on
    >>> (x * 2).requires_grad
    False
    >>> _ = torch.set_grad_enabled(True)
    >>> (x * 2).requires_grad
    True
    """

    def __init__(self, mode):
        self._prev = GRAD_ENABLED[0]
        self.enabled = bool(mode)
        GRAD_ENABLED[0] = self.enabled

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        GRAD_ENABLED[0] = self._prev
        return False

    def __call__(self, fn):
        mode = self.enabled
        GRAD_ENABLED[0] = self._prev

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper
