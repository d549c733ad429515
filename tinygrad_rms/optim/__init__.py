"""Optimizers.  Each class validates and gathers; the math is a Numba kernel in ``kernels``."""

from .optimizer import Optimizer
from .rmsprop import RMSprop, rmsprop

__all__ = ["Optimizer", "RMSprop", "rmsprop"]
