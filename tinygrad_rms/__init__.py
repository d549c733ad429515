"""tinygrad_rms: a small, exact and fast deep-learning library on numpy and Numba.

``import tinygrad_rms as torch`` gives the subset of PyTorch's API it covers::

    tensor.py     Tensor: the front users hold (numpy data + its place in the graph)
    creation.py   tensor, zeros, ones, full, arange, linspace, eye, randn, … (factories)
    legacy.py     FloatTensor, LongTensor, … (PyTorch's old constructors)
    ops/          every op's forward and backward, one file per kind of op
    autograd/     the graph as objects, Function, the backward walk, grad mode
    arrays.py     PyTorch's dtype and broadcasting rules, on numpy arrays
    device.py, cuda.py, backends.py   the CPU, and the answer "no GPU"
    threads.py    set_num_threads: BLAS's and Numba's threads, under PyTorch's names
    nn/           Module, Parameter, layers, losses, functional
    optim/        optimizers and schedules: validation and state in Python, the update
                  in a kernel
    kernels/      Numba loops, one fused pass per parameter
    utils/data/   Dataset, DataLoader, random_split
    serialization.py  save/load checkpoints as .npz (never pickle)
    torch_format.py   reading torch.save files safely, without torch or pickle
    viz.py        the graph as Graphviz DOT

Dependencies point one way: kernels and arrays import nothing of ours; autograd knows no
Tensor; ops build on autograd; tensor (the front) lists the ops; nn builds on tensor and
ops; optim builds on tensor and calls the kernels.
"""

import builtins as _builtins  # the annotations' float/bool/int: the names are dtypes here
import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from . import backends, cuda
from .arrays import default_float, set_default_float
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .device import device, set_default_device
from .legacy import BoolTensor, ByteTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor
from .ops.arithmetic import (
    add,
    bmm,
    div,
    dot,
    floor_divide,
    masked_fill,
    matmul,
    mm,
    mul,
    neg,
    outer,
    pow,
    remainder,
    sub,
)
from .ops.movement import (
    Size,
    chunk,
    flatten,
    gather,
    permute,
    repeat,
    reshape,
    scatter_add,
    split,
    squeeze,
    transpose,
    tril,
    triu,
    unbind,
    unsqueeze,
)
from .ops.nn import log_softmax, softmax
from .ops.reduce import (
    all,
    any,
    argmax,
    argmin,
    argsort,
    cumsum,
    max,
    mean,
    min,
    norm,
    prod,
    sort,
    std,
    sum,
    topk,
    var,
)
from .ops.unary import (
    abs,
    ceil,
    clamp,
    cos,
    exp,
    expm1,
    floor,
    isfinite,
    isinf,
    isnan,
    log,
    log1p,
    nan_to_num,
    relu,
    round,
    sigmoid,
    sign,
    sin,
    sqrt,
    tanh,
)
from .porting import not_covered
from .random import manual_seed
from .serialization import load, save
from .tensor import Tensor, cat, float32, float64, int32, int64, maximum, minimum, stack, where
from .threads import (
    get_num_interop_threads,
    get_num_threads,
    set_num_interop_threads,
    set_num_threads,
)


# ``out=``: the module-level forms PyTorch gives an ``out`` argument accept one here too
def _with_out(fn: Any) -> Any:
    """``fn`` taking ``out=``: the result is written into the tensor ``out`` (resized to the
    result's shape if need be, as PyTorch does) and ``out`` is returned."""

    @functools.wraps(fn)
    def op(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        return result if out is None else _write_out(fn.__name__, result, out)

    return op


def _write_out(name: str, result: Tensor, out: Any) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): out must be a Tensor, got {type(out).__name__}")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if not np.can_cast(result._array.dtype, out._array.dtype, "same_kind"):
        raise RuntimeError(
            f"{name}(): result type {result.dtype} can't be cast to the desired output type "
            f"{out.dtype}"
        )
    if out._array.shape != result._array.shape:
        out._array = np.empty(result._array.shape, out._array.dtype)  # resized, as PyTorch
    with no_grad():
        out.copy_(result)
    return out


for _name in (
    "abs add bmm cat clamp cos div exp floor_divide log matmul mean mm mul pow relu "
    "remainder sigmoid sin sqrt stack sub sum tanh"
).split():
    globals()[_name] = _with_out(globals()[_name])
del _name


# PyTorch's names for the dtypes
float = float32
double = float64
long = int64
int = int32
bool = np.dtype(np.bool_)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
short = int16


def get_default_dtype() -> np.dtype:
    """The dtype of new float tensors: float32 unless ``set_default_dtype`` changed it."""
    return default_float()


def set_default_dtype(d: Any) -> None:
    """Make ``d`` (``float32`` or ``float64``) the dtype of new float tensors, as PyTorch's
    ``set_default_dtype``: Python floats, ``zeros``/``randn``/``linspace``…, float results
    of integer data and new layers' parameters.  Existing tensors keep their dtype.  The
    setting is global (not per thread), as in PyTorch."""
    set_default_float(d)


def square(input: Tensor) -> Tensor:
    """input², as ``input.square()``."""
    return input.square()


def allclose(
    input: Tensor,
    other: Tensor,
    rtol: _builtins.float = 1e-05,
    atol: _builtins.float = 1e-08,
    equal_nan: _builtins.bool = False,
) -> _builtins.bool:
    """Whether |input − other| ≤ atol + rtol·|other| everywhere, as ``input.allclose``."""
    return input.allclose(other, rtol, atol, equal_nan)


def equal(input: Tensor, other: Tensor) -> _builtins.bool:
    """Whether both have the same shape and values, as ``input.equal(other)``."""
    return input.equal(other)


def is_tensor(obj: object) -> _builtins.bool:
    """Whether ``obj`` is a Tensor (as ``isinstance(obj, Tensor)``)."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> _builtins.int:
    """The number of elements of ``input``."""
    return input.numel()


__version__ = "0.1.0"

if TYPE_CHECKING:  # what __getattr__ below imports on first use, made visible to type checkers
    from . import autograd as autograd
    from . import nn as nn
    from . import optim as optim
    from . import utils as utils
    from . import viz as viz
    from .utils.data import Generator as Generator


def __getattr__(name: str) -> object:
    """``tinygrad_rms.nn`` / ``.optim`` / ``.autograd`` / ``.viz`` on first use (as torch.nn
    after ``import torch``), without paying for numba at ``import tinygrad_rms``."""
    if name in ("nn", "optim", "autograd", "viz", "utils"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name == "Generator":  # torch.Generator().manual_seed(42), for DataLoader shuffles
        from .utils.data import Generator

        return Generator
    raise not_covered(f"module {__name__!r}", name)


__all__ = [
    "BoolTensor",
    "ByteTensor",
    "DoubleTensor",
    "FloatTensor",
    "IntTensor",
    "LongTensor",
    "Size",
    "Tensor",
    "abs",
    "add",
    "all",
    "allclose",
    "any",
    "arange",
    "argmax",
    "argmin",
    "argsort",
    "as_tensor",
    "backends",
    "bmm",
    "bool",
    "cat",
    "ceil",
    "chunk",
    "clamp",
    "cos",
    "cuda",
    "cumsum",
    "device",
    "div",
    "dot",
    "double",
    "empty",
    "empty_like",
    "enable_grad",
    "equal",
    "exp",
    "expm1",
    "eye",
    "flatten",
    "float",
    "float32",
    "float64",
    "floor",
    "floor_divide",
    "from_numpy",
    "full",
    "full_like",
    "gather",
    "get_default_dtype",
    "get_num_interop_threads",
    "get_num_threads",
    "inference_mode",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_grad_enabled",
    "is_tensor",
    "isfinite",
    "isinf",
    "isnan",
    "linspace",
    "load",
    "log",
    "log1p",
    "log_softmax",
    "long",
    "manual_seed",
    "masked_fill",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mm",
    "mul",
    "nan_to_num",
    "neg",
    "no_grad",
    "norm",
    "normal",
    "numel",
    "ones",
    "ones_like",
    "outer",
    "permute",
    "pow",
    "prod",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "relu",
    "remainder",
    "repeat",
    "reshape",
    "round",
    "save",
    "scatter_add",
    "set_default_device",
    "set_default_dtype",
    "set_grad_enabled",
    "set_num_interop_threads",
    "set_num_threads",
    "short",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "sort",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "topk",
    "transpose",
    "tril",
    "triu",
    "uint8",
    "unbind",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
