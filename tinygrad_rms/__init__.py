"""tinygrad_rms: a small, exact and fast deep-learning library on numpy and Numba.

``import tinygrad_rms as torch`` gives the subset of PyTorch's API it covers::

    tensor.py     Tensor: the front users hold (numpy data + its place in the graph)
    ops/          every op's forward and backward, one file per kind of op
    autograd/     the graph as objects, Function, the backward walk, grad mode
    arrays.py     PyTorch's dtype and broadcasting rules, on numpy arrays
    nn/           Module, Parameter, layers, losses, functional
    optim/        optimizers and schedules: validation and state in Python, the update
                  in a kernel
    kernels/      Numba loops, one fused pass per parameter
    serialization.py  save/load checkpoints as .npz (never pickle)
    viz.py        the graph as Graphviz DOT

Dependencies point one way: kernels and arrays import nothing of ours; autograd knows no
Tensor; ops build on autograd; tensor (the front) lists the ops; nn builds on tensor and
ops; optim builds on tensor and calls the kernels.
"""

from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .random import manual_seed
from .serialization import load, save
from .tensor import (
    Tensor,
    cat,
    float32,
    float64,
    int32,
    int64,
    maximum,
    minimum,
    ones,
    rand,
    randn,
    stack,
    tensor,
    where,
    zeros,
)

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``tinygrad_rms.nn`` / ``.optim`` / ``.autograd`` / ``.viz`` on first use (as torch.nn
    after ``import torch``), without paying for numba at ``import tinygrad_rms``."""
    if name in ("nn", "optim", "autograd", "viz"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Tensor",
    "cat",
    "enable_grad",
    "float32",
    "float64",
    "int32",
    "int64",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "maximum",
    "minimum",
    "no_grad",
    "ones",
    "rand",
    "randn",
    "save",
    "set_grad_enabled",
    "stack",
    "tensor",
    "where",
    "zeros",
]
