"""Gymnasium's spaces for pmlab's environments.

With Gymnasium installed these are ``gymnasium.spaces`` objects, so Gymnasium's wrappers and
the libraries built on it accept pmlab's environments unchanged. Without it, the small classes
below carry the same fields (``shape``, ``dtype``, ``low``, ``high``, ``n``, ``nvec``) and the
same ``sample``, ``contains`` and ``seed`` methods.
"""

import numpy as np

try:
    from gymnasium import spaces as _gymnasium_spaces
except ImportError:  # pmlab does not need Gymnasium; it only fits into it when present
    _gymnasium_spaces = None


class _Space:
    """What every space has: a shape, a dtype and its own random generator."""

    def __init__(self, shape, dtype, seed=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.np_random = np.random.default_rng(seed)

    def seed(self, seed=None):
        """Reseeds the generator that sample() draws from; returns [seed]."""
        self.np_random = np.random.default_rng(seed)
        return [seed]


class Box(_Space):
    """Real vectors with per-coordinate bounds, possibly infinite (float32, as Gymnasium's)."""

    def __init__(self, low, high, dtype=np.float32, seed=None):
        self.low = np.asarray(low, dtype=dtype)
        self.high = np.asarray(high, dtype=dtype)
        super().__init__(self.low.shape, dtype, seed)

    def sample(self):
        """A point uniform in the box where it is bounded (normal where it is not)."""
        low, high = self.low.astype(np.float64), self.high.astype(np.float64)
        bounded = np.isfinite(low) & np.isfinite(high)
        out = self.np_random.normal(size=self.shape)
        out[bounded] = self.np_random.uniform(low[bounded], high[bounded])
        return out.astype(self.dtype)

    def contains(self, x):
        """Whether x has the box's shape and lies within its bounds."""
        x = np.asarray(x)
        return x.shape == self.shape and bool(np.all(x >= self.low) and np.all(x <= self.high))

    def __repr__(self):
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"


class Discrete(_Space):
    """The actions {0, ..., n-1} (int64, as Gymnasium's)."""

    def __init__(self, n, seed=None):
        self.n = int(n)
        self.start = 0
        super().__init__((), np.int64, seed)

    def sample(self):
        """An action uniform in {0, ..., n-1}."""
        return np.int64(self.np_random.integers(self.n))

    def contains(self, x):
        """Whether x is a whole number in {0, ..., n-1}."""
        x = np.asarray(x)
        return x.shape == () and x.dtype.kind in "iu" and 0 <= int(x) < self.n

    def __repr__(self):
        return f"Discrete({self.n})"


class MultiDiscrete(_Space):
    """A vector of discrete actions, one per environment of a batch."""

    def __init__(self, nvec, seed=None):
        self.nvec = np.asarray(nvec, dtype=np.int64)
        self.start = np.zeros_like(self.nvec)
        super().__init__(self.nvec.shape, np.int64, seed)

    def sample(self):
        """One uniform action per entry."""
        return self.np_random.integers(self.nvec).astype(np.int64)

    def contains(self, x):
        """Whether every entry of x is a whole number below its n."""
        x = np.asarray(x)
        return x.shape == self.shape and x.dtype.kind in "iu" and bool(np.all((x >= 0) & (x < self.nvec)))

    def __repr__(self):
        return f"MultiDiscrete({self.nvec})"


def from_description(d):
    """A space from the C++ side's description: {"n": n} or {"low": ..., "high": ...}."""
    if "n" in d:
        return _gymnasium_spaces.Discrete(d["n"]) if _gymnasium_spaces else Discrete(d["n"])
    if _gymnasium_spaces:
        return _gymnasium_spaces.Box(d["low"], d["high"], dtype=np.float32)
    return Box(d["low"], d["high"])


def batched(space, n):
    """The space of n points of `space` stacked, as Gymnasium's batch_space builds it."""
    if _gymnasium_spaces:
        from gymnasium.vector.utils import batch_space

        return batch_space(space, n)
    if isinstance(space, Discrete):
        return MultiDiscrete(np.full(n, space.n))
    return Box(np.stack([space.low] * n), np.stack([space.high] * n))
