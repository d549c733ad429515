"""Optimizers, sorted in order of increasing complexity.

Each class validates hyperparameters and gathers parameters, gradients and state; the
math is a functional form (``sgd``, ``adagrad``, ``rmsprop``, ``adam``) that calls one
fused Numba kernel per parameter from ``tinygrad_rms.kernels`` (single-threaded unless
``set_parallel_threshold`` turns on the kernels' parallel copies for large tensors).

    SGD        θ ← θ − η g                     (+ momentum, Nesterov)
    Adagrad    θ ← θ − η g / √(Σ g²)           the sum never forgets: steps only shrink
    RMSprop    θ ← θ − η g / √(EMA of g²)      the moving average forgets: steps adapt
    Adam       RMSprop's denominator over an EMA of g, both bias-corrected
    AdamW      Adam with decoupled weight decay
    LBFGS      x ← x − t H g                   quasi-Newton: H from the last steps; step(closure)
"""

from ..porting import not_covered
from . import lr_scheduler
from ._plan import set_parallel_threshold
from .adagrad import Adagrad, adagrad
from .adam import Adam, AdamW, adam
from .adamax import Adamax, adamax
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop, rmsprop
from .sgd import SGD, sgd

__all__ = [
    "LBFGS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Optimizer",
    "RMSprop",
    "adagrad",
    "adam",
    "adamax",
    "lr_scheduler",
    "rmsprop",
    "set_parallel_threshold",
    "sgd",
]


def __getattr__(name: str) -> object:
    """A PyTorch name this module lacks: an error that says so (see ``porting.py``)."""
    raise not_covered(f"module {__name__!r}", name)
