"""``Generator``: a seedable source of randomness for shuffling, as ``torch.Generator``.

Every sampler and ``random_split`` takes ``generator=``: one of these, a numpy
``Generator``, or None for the library's own generator (reseeded by
``tinygrad_rms.manual_seed``, looked up at each draw so a later ``manual_seed`` counts).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import random

__all__ = ["Generator", "numpy_generator"]

#: ``torch.Generator().initial_seed()``: a fresh generator is deterministic, as in PyTorch.
DEFAULT_SEED = 67280421310721
_SEED_SPAN = 1 << 64


class Generator:
    """A random-number generator object with PyTorch's methods (``manual_seed``, ``seed``,
    ``initial_seed``, ``get_state``/``set_state``), drawing from a numpy ``Generator``."""

    def __init__(self, device: Any = "cpu") -> None:
        if str(device) != "cpu":
            raise RuntimeError(f"Generator: only the CPU is supported, got device={device!r}")
        self.device = device
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed and return self (so ``Generator().manual_seed(42)`` chains, as in PyTorch);
        a negative seed wraps modulo 2**64 as PyTorch's does."""
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}")
        seed = int(seed)
        if not -(_SEED_SPAN >> 1) <= seed < _SEED_SPAN:
            raise RuntimeError(
                f"Overflow when unpacking long long: seed {seed} must be in "
                f"[{-(_SEED_SPAN >> 1)}, {_SEED_SPAN - 1}]"
            )
        self._seed = seed % _SEED_SPAN
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        new = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        self.manual_seed(new)
        return new

    def initial_seed(self) -> int:
        """The seed last set."""
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The state, to restore with ``set_state`` (a dict; PyTorch returns a byte tensor)."""
        return self._rng.bit_generator.state  # type: ignore[return-value]  # a dict

    def set_state(self, state: dict[str, Any]) -> Generator:
        """Restore a state from ``get_state`` and return self."""
        self._rng.bit_generator.state = state
        return self

    def __repr__(self) -> str:
        return f"<tinygrad_rms.Generator initial_seed={self._seed}>"


def numpy_generator(generator: Any) -> np.random.Generator:
    """The numpy Generator behind ``generator=``: the library's (None), a ``Generator``'s,
    or a numpy ``Generator`` itself."""
    if generator is None:
        return random.generator()
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        "generator must be None, a tinygrad_rms Generator or a numpy.random.Generator, "
        f"got {type(generator).__name__}"
    )
