"""Numba kernels: small loops that read like the formulas they implement.

Kernels import nothing else of tinygrad_rms.  They take numpy arrays and, last, one small
array ``scalars`` in the arrays' dtype (laid out as the module's ``SCALARS``), update
buffers in place in one pass over memory, and return nothing.  Optional buffers are
passed as ``None``; Numba compiles a specialisation without their branch.  The
optimizers hand them flat (1-D) views, so a kernel compiles once per dtype and set of
optional buffers whatever the parameters' shapes (a 2-D weight and a 1-D bias share one
compilation).  Every kernel is compiled through ``_jit`` so that compile options live in
one place; ``*_parallel`` copies split the loop across threads (used for large tensors
when ``optim.set_parallel_threshold`` asks; launched holding ``parallel_launch``).
``pool.py`` holds the max-pooling passes ``ops/conv.py`` runs (4-d arrays, no scalars
array: its geometry is an int64 array).
"""

from ._jit import PARALLEL_MIN_SIZE, parallel_launch
from .adadelta import adadelta_update, adadelta_update_parallel
from .adagrad import adagrad_update, adagrad_update_parallel
from .adam import adam_update, adam_update_parallel
from .adamax import adamax_update, adamax_update_parallel
from .asgd import asgd_update, asgd_update_parallel
from .nadam import nadam_update, nadam_update_parallel
from .pool import max_pool2d_backward, max_pool2d_forward
from .radam import radam_update, radam_update_parallel
from .rmsprop import rmsprop_update, rmsprop_update_parallel
from .rprop import rprop_update, rprop_update_parallel
from .sgd import sgd_update, sgd_update_parallel

__all__ = [
    "PARALLEL_MIN_SIZE",
    "adadelta_update",
    "adadelta_update_parallel",
    "adagrad_update",
    "adagrad_update_parallel",
    "adam_update",
    "adam_update_parallel",
    "adamax_update",
    "adamax_update_parallel",
    "asgd_update",
    "asgd_update_parallel",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "nadam_update",
    "nadam_update_parallel",
    "parallel_launch",
    "radam_update",
    "radam_update_parallel",
    "rmsprop_update",
    "rmsprop_update_parallel",
    "rprop_update",
    "rprop_update_parallel",
    "sgd_update",
    "sgd_update_parallel",
]
