"""Seeded randomness: one numpy.random.Generator behind manual_seed (never np.random's
global state), and Generator objects for local streams.

The streams: a seed fixes a PCG64 bit generator (``numpy.random.default_rng(seed)``); every
sampling function draws from it in call order. ``rand`` / ``randn`` draw directly in the
requested dtype (NumPy's float32 samplers for float32, float64 ones for float64), so the
same seed and dtype give the same numbers, without allocating a float64 array first; a
float32 draw is not the float64 draw rounded. Integers (``randint``, ``randperm``) are
drawn as int64.
"""
import numpy as np


class Generator:
    """A random stream; `manual_seed(s)` makes it repeat the same numbers.

    >>> g = chainrule.Generator().manual_seed(7)
    >>> a = chainrule.rand(3, generator=g)
    >>> _ = g.manual_seed(7)
    >>> chainrule.equal(a, chainrule.rand(3, generator=g)), g.initial_seed()
    (True, 7)
    >>> state = g.get_state(); b = chainrule.rand(2, generator=g)
    >>> _ = g.set_state(state); chainrule.equal(b, chainrule.rand(2, generator=g))
    True
    """

    def __init__(self, device="cpu"):
        self._seed = 67280421310721  # PyTorch's default seed
        self.np = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            raise RuntimeError("manual_seed: seed must be non-negative")
        self._seed = seed
        self.np = np.random.default_rng(seed)
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from .tensor import Tensor
        import json
        state = json.dumps(self.np.bit_generator.state).encode()
        return Tensor._make(np.frombuffer(state, dtype=np.uint8).copy())

    def set_state(self, state):
        import json
        arr = state._data if hasattr(state, "_data") else np.asarray(state)
        self.np.bit_generator.state = json.loads(bytes(arr.astype(np.uint8)).decode())
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator: the same seed gives the same numbers.

    >>> _ = chainrule.manual_seed(0); a = chainrule.randn(2)
    >>> _ = chainrule.manual_seed(0); chainrule.equal(a, chainrule.randn(2))
    True
    """
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from fresh entropy; returns the seed used.

    >>> s = chainrule.seed()
    >>> s == chainrule.initial_seed()
    True
    """
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with.

    >>> _ = chainrule.manual_seed(123)
    >>> chainrule.initial_seed()
    123
    """
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state, as a uint8 tensor (for set_rng_state).

    >>> state = chainrule.get_rng_state()
    >>> a = chainrule.rand(2)
    >>> chainrule.set_rng_state(state)
    >>> chainrule.equal(a, chainrule.rand(2)), state.dtype
    (True, chainrule.uint8)
    """
    return default_generator.get_state()


def set_rng_state(state):
    """Restore the default generator to a state from get_rng_state.

    >>> state = chainrule.get_rng_state(); a = chainrule.randn(3)
    >>> chainrule.set_rng_state(state); chainrule.equal(a, chainrule.randn(3))
    True
    """
    default_generator.set_state(state)


def rng(generator=None):
    """The numpy Generator to draw from.

    >>> from chainrule.random import rng
    >>> type(rng()).__name__, rng() is rng(chainrule.random.default_generator)
    ('Generator', True)
    """
    return (generator or default_generator).np
