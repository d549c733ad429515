"""Numba kernels: small loops that read like the formulas they implement.

Kernels import nothing else of tinygrad_rms.  They take numpy arrays and scalars of the
arrays' dtype, update buffers in place in one pass over memory, and return nothing.
Optional buffers and decays are passed as ``None``; Numba compiles a specialisation
without their branch.  Every kernel is compiled through ``_jit.jit`` so that compile
options live in one place.
"""

from .adagrad import adagrad_update
from .adam import adam_update
from .rmsprop import rmsprop_update
from .sgd import sgd_update

__all__ = ["adagrad_update", "adam_update", "rmsprop_update", "sgd_update"]
