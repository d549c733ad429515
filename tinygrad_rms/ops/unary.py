"""Pointwise functions of one tensor: exp, log, √, sin, cos, |x|, relu, tanh, σ, clamp; copies and
dtype conversions.

Each ``backward`` is the derivative written out: ``g`` times f'(x), with f'(x) taken
from whatever ``forward`` saved (often its own output: exp' = exp, tanh' = 1 − tanh²,
σ' = σ(1 − σ)).  Integer inputs give default-float results where PyTorch's do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..arrays import DEFAULT_FLOAT, as_float
from ..autograd import Function

__all__ = [
    "abs",
    "clamp",
    "clone",
    "cos",
    "exp",
    "log",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "to_dtype",
]


class Exp(Function, arrays=True, name="ExpBackward0"):
    """e^x; its derivative is itself."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp(as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return (g * out,)


class Log(Function, arrays=True, name="LogBackward0"):
    """Natural logarithm; derivative 1/x."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (g / x,)


class Sqrt(Function, arrays=True, name="SqrtBackward0"):
    """√x; derivative 1/(2√x)."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return (g / (2 * out),)


class Sin(Function, arrays=True, name="SinBackward0"):
    """sin x; derivative cos x."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (g * np.cos(x),)


class Cos(Function, arrays=True, name="CosBackward0"):
    """cos x; derivative −sin x."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (-g * np.sin(x),)


class Abs(Function, arrays=True, name="AbsBackward0"):
    """|x|; derivative sign(x) (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (g * np.sign(x),)


@functools.lru_cache(maxsize=16)
def _zero(dtype: np.dtype) -> np.ndarray:
    """A shared, read-only 0-d zero of ``dtype``."""
    zero = np.zeros((), dtype)
    zero.flags.writeable = False
    return zero


class Relu(Function, arrays=True, name="ReluBackward0"):
    """max(x, 0); its gradient is 1 where x > 0 and 0 elsewhere (0 at x == 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, _zero(x.dtype))  # a zero of x's dtype: keeps int and bool dtypes
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return (g * (out > 0),)


class Tanh(Function, arrays=True, name="TanhBackward0"):
    """tanh(x); derivative 1 − tanh²(x)."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return (g * (1 - out * out),)


class Sigmoid(Function, arrays=True, name="SigmoidBackward0"):
    """σ(x) = 1/(1 + e^−x), computed without overflow; derivative σ(1 − σ)."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        e = np.exp(-np.abs(x))  # exp of a non-positive number only
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return (g * out * (1 - out),)


class Clamp(Function, arrays=True, name="ClampBackward1"):
    """Limit to [min, max]; the gradient passes where min ≤ x ≤ max (as PyTorch 2.13).

    PyTorch 2.14 changed the gradient at the bounds themselves; see
    docs/porting-from-pytorch.md.
    """

    @staticmethod
    def forward(ctx, x, min, max):
        if x.dtype.kind != "f" and any(isinstance(v, float) for v in (min, max)):
            x = x.astype(DEFAULT_FLOAT)  # float bounds on an int tensor give floats
        keep = np.ones(x.shape, bool)
        if min is not None:
            keep &= x >= min
        if max is not None:
            keep &= x <= max
        ctx.save_for_backward(keep)
        return np.clip(x, min, max).astype(x.dtype, copy=False)  # None: no bound

    @staticmethod
    def backward(ctx, g):
        (keep,) = ctx.saved_tensors
        return g * keep, None, None


class Clone(Function, arrays=True, name="CloneBackward0"):
    """A copy that stays in the graph: the gradient passes straight through."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return (g,)


class ToDtype(Function, arrays=True, name="ToCopyBackward0"):
    """A float tensor converted to another float dtype; the gradient converts back."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.source = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.source), None


# ---------------------------------------------------------------------- functional forms
def _of_one_tensor(function: type[Function], name: str) -> Callable[[Any], Any]:
    """The functional form ``name(input)`` of a one-input op (``torch.exp(x)``, and as a
    method, ``x.exp()``), documented by the op's own docstring."""

    def op(input: Any) -> Any:
        return function.apply(input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = function.__doc__
    return op


exp = _of_one_tensor(Exp, "exp")
log = _of_one_tensor(Log, "log")
sqrt = _of_one_tensor(Sqrt, "sqrt")
sin = _of_one_tensor(Sin, "sin")
cos = _of_one_tensor(Cos, "cos")
abs = _of_one_tensor(Abs, "abs")
relu = _of_one_tensor(Relu, "relu")
tanh = _of_one_tensor(Tanh, "tanh")
sigmoid = _of_one_tensor(Sigmoid, "sigmoid")
clone = _of_one_tensor(Clone, "clone")


def clamp(input: Any, min: float | None = None, max: float | None = None) -> Any:
    """Limit to [min, max]; the gradient passes where min ≤ x ≤ max (as PyTorch)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(input, min, max)


def to_dtype(input: Any, dtype: np.dtype) -> Any:
    """``input`` as float ``dtype``, differentiable (an integer result carries no gradient)."""
    return ToDtype.apply(input, dtype)
