"""The library's own random generator (``manual_seed`` reseeds it).

Kept separate from numpy's global state so that seeding tinygrad_rms is reproducible
whatever else the program does with ``np.random``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["generator", "manual_seed", "numpy_generator"]

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator behind ``randn``, ``rand`` and the default initialisations."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    global _generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator() -> np.random.Generator:
    """The current generator (replaced, not mutated, by ``manual_seed``)."""
    return _generator


def numpy_generator(generator: object = None) -> np.random.Generator:
    """What a ``generator=`` argument draws from: the numpy Generator given, or the
    library's own when None."""
    if generator is None:
        return _generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"generator must be a numpy.random.Generator or None, got {type(generator).__name__}"
        )
    return generator
