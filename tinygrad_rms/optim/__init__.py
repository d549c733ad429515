"""Optimizers, sorted in order of increasing complexity (docs/optimizers.md draws the tree).

Each class validates hyperparameters and gathers parameters, gradients and state; the
math is a functional form (``sgd``, ``adagrad``, ``rmsprop``, ``adam``, ...) that calls
one fused Numba kernel per parameter (or, for a group's small tensors, one per pack:
``_pack.py``) from ``tinygrad_rms.kernels``, single-threaded unless
``set_parallel_threshold`` turns on the kernels' parallel copies for large tensors.

    SGD        θ ← θ − η g                     (+ momentum, Nesterov)
    ASGD       SGD with a decaying step, returning the average of the iterates (state "ax")
    Rprop      θ ← θ − s·sign(g), s per element ×η₊ while g keeps its sign, ×η₋ when it flips
    Adagrad    θ ← θ − η g / √(Σ g²)           the sum never forgets: steps only shrink
    RMSprop    θ ← θ − η g / √(EMA of g²)      the moving average forgets: steps adapt
    Adadelta   θ ← θ − γ g √(EMA of Δθ² + ε)/√(EMA of g² + ε)   steps in θ's units
    Adam       RMSprop's denominator over an EMA of g, both bias-corrected
    AdamW      Adam with decoupled weight decay
    Adamax     Adam with the infinity norm max(β₂u, |g|) in place of the RMS
    NAdam      Adam with Nesterov momentum: the step looks ahead, on a rising momentum schedule
    RAdam      Adam rectified: momentum SGD until the variance of √v's estimate is tractable
    LBFGS      θ ← θ − t H g                   quasi-Newton: H from the last steps; step(closure)
"""

from ..porting import not_covered
from . import lr_scheduler
from ._plan import set_parallel_threshold
from .adadelta import Adadelta, adadelta
from .adagrad import Adagrad, adagrad
from .adam import Adam, AdamW, adam
from .adamax import Adamax, adamax
from .asgd import ASGD, asgd
from .lbfgs import LBFGS
from .nadam import NAdam, nadam
from .optimizer import Optimizer
from .radam import RAdam, radam
from .rmsprop import RMSprop, rmsprop
from .rprop import Rprop, rprop
from .sgd import SGD, sgd

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "asgd",
    "lr_scheduler",
    "nadam",
    "radam",
    "rmsprop",
    "rprop",
    "set_parallel_threshold",
    "sgd",
]


def __getattr__(name: str) -> object:
    """A PyTorch name this module lacks: an error that says so (see ``porting.py``)."""
    raise not_covered(f"module {__name__!r}", name)
