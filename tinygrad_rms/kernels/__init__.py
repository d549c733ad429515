"""Numba kernels: small loops that read like the formulas they implement.

Kernels import nothing else of tinygrad_rms.  They take numpy arrays and scalars of the
arrays' dtype, update buffers in place in one pass over memory, and return nothing.
Every kernel is compiled through ``_jit.jit`` so that compile options live in one place.
"""

from .rmsprop import rmsprop_update

__all__ = ["rmsprop_update"]
