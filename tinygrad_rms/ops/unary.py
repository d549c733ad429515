"""Pointwise functions of one tensor: exp, log, log1p, expm1, √, sin, cos, |x|, sign, relu,
tanh, σ, clamp, floor/ceil/round, nan_to_num; the isnan/isinf/isfinite tests; copies and
dtype conversions.

Each ``backward`` is the derivative written out: ``g`` times f'(x), with f'(x) taken
from whatever ``forward`` saved (often its own output: exp' = exp, tanh' = 1 − tanh²,
σ' = σ(1 − σ)).  Integer inputs give default-float results where PyTorch's do.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..arrays import as_float, default_float
from ..autograd import Function
from ..autograd.graph import tensor_type

__all__ = [
    "abs",
    "ceil",
    "clamp",
    "clone",
    "cos",
    "exp",
    "expm1",
    "floor",
    "isfinite",
    "isinf",
    "isnan",
    "log",
    "log1p",
    "nan_to_num",
    "relu",
    "round",
    "sigmoid",
    "sign",
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


class Log1p(Function, arrays=True, name="Log1PBackward0"):
    """log(1 + x), exact for small x; derivative 1/(1 + x)."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (g / (1 + x),)


class Expm1(Function, arrays=True, name="Expm1Backward0"):
    """e^x − 1, exact for small x; derivative e^x = out + 1."""

    @staticmethod
    def forward(ctx, x):
        out = np.expm1(as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return (g * (out + 1),)


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


class _Step(Function, arrays=True):
    """A piecewise-constant function: its derivative is 0 wherever it exists, and PyTorch
    gives 0 at the jumps too."""

    @staticmethod
    def backward(ctx, g):
        return (np.zeros_like(g),)


class Sign(_Step, name="SignBackward0"):
    """−1, 0 or 1 (0 also for −0.0 and NaN, as PyTorch); derivative 0."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            return x.copy()
        if x.dtype.kind == "u":
            return (x > 0).astype(x.dtype)
        return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


class Floor(_Step, name="FloorBackward0"):
    """The largest integer ≤ x (integers are returned as they are); derivative 0."""

    @staticmethod
    def forward(ctx, x):
        return np.floor(x) if x.dtype.kind == "f" else x.copy()


class Ceil(_Step, name="CeilBackward0"):
    """The smallest integer ≥ x (integers are returned as they are); derivative 0."""

    @staticmethod
    def forward(ctx, x):
        return np.ceil(x) if x.dtype.kind == "f" else x.copy()


class Round(_Step, name="RoundBackward0"):
    """The nearest integer, halves to even (0.5 → 0, 1.5 → 2, as PyTorch); derivative 0."""

    @staticmethod
    def forward(ctx, x):
        return np.rint(x) if x.dtype.kind == "f" else x.copy()


class RoundDecimals(_Step, name="RoundBackward1"):
    """x rounded to ``decimals`` places, halves to even, computed as PyTorch does:
    rint(x·10^d)/10^d (or rint(x/10^−d)·10^−d for d < 0) in x's dtype; derivative 0."""

    @staticmethod
    def forward(ctx, x, decimals):
        scale = x.dtype.type(10.0 ** builtins.abs(decimals))
        if decimals >= 0:
            return np.rint(x * scale) / scale
        return np.rint(x / scale) * scale

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


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
    """Limit to [min, max]; the gradient passes where min < x < max, strictly (as PyTorch
    2.14 and later).  At a bound itself it is 0; PyTorch 2.13 and older let it pass there
    (min ≤ x ≤ max): see docs/porting-from-pytorch.md.
    """

    @staticmethod
    def forward(ctx, x, min, max):
        if x.dtype.kind != "f" and any(isinstance(v, float) for v in (min, max)):
            x = x.astype(default_float())  # float bounds on an int tensor give floats
        keep = np.ones(x.shape, bool)
        if min is not None:
            keep &= x > min
        if max is not None:
            keep &= x < max
        ctx.save_for_backward(keep)
        return np.clip(x, min, max).astype(x.dtype, copy=False)  # None: no bound

    @staticmethod
    def backward(ctx, g):
        (keep,) = ctx.saved_tensors
        return g * keep, None, None


class NanToNum(Function, arrays=True, name="NanToNumBackward0"):
    """NaN, +∞ and −∞ replaced by finite numbers; the gradient passes where x was finite."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        if x.dtype.kind != "f":
            return x.copy()
        finite = np.isfinite(x)
        ctx.save_for_backward(finite)
        with np.errstate(over="ignore"):  # a replacement too big for the dtype becomes ±∞
            fill = [np.asarray(v, x.dtype) for v in (nan, posinf, neginf)]
        out = np.where(np.isnan(x), fill[0], x)
        out = np.where(x == np.inf, fill[1], out)
        return np.where(x == -np.inf, fill[2], out)

    @staticmethod
    def backward(ctx, g):
        (finite,) = ctx.saved_tensors
        return g * finite, None, None, None


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
log1p = _of_one_tensor(Log1p, "log1p")
expm1 = _of_one_tensor(Expm1, "expm1")
sqrt = _of_one_tensor(Sqrt, "sqrt")
sin = _of_one_tensor(Sin, "sin")
cos = _of_one_tensor(Cos, "cos")
abs = _of_one_tensor(Abs, "abs")
relu = _of_one_tensor(Relu, "relu")
tanh = _of_one_tensor(Tanh, "tanh")
sigmoid = _of_one_tensor(Sigmoid, "sigmoid")
clone = _of_one_tensor(Clone, "clone")
sign = _of_one_tensor(Sign, "sign")


def _no_bool(op: str, input: Any) -> None:
    if input.dtype.kind == "b":
        raise TypeError(f"{op}: not defined for bool tensors (convert with .float() first)")


def floor(input: Any) -> Any:
    """The largest integer ≤ x (integer tensors are returned as a copy); derivative 0."""
    _no_bool("floor", input)
    return Floor.apply(input)


def ceil(input: Any) -> Any:
    """The smallest integer ≥ x (integer tensors are returned as a copy); derivative 0."""
    _no_bool("ceil", input)
    return Ceil.apply(input)


def round(input: Any, *, decimals: int = 0) -> Any:
    """The nearest integer, or the nearest multiple of 10^−decimals, halves to even (as
    PyTorch: 0.5 → 0, 2.5 → 2); derivative 0."""
    _no_bool("round", input)
    if not isinstance(decimals, int | np.integer) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {decimals!r}")
    if decimals == 0:
        return Round.apply(input)
    if input.dtype.kind != "f":
        raise TypeError(
            f"round: decimals={decimals} needs a floating tensor, got dtype {input.dtype}"
        )
    return RoundDecimals.apply(input, int(decimals))


def nan_to_num(
    input: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Any:
    """NaN → ``nan``, +∞ → ``posinf``, −∞ → ``neginf`` (by default the dtype's largest and
    smallest finite values, as PyTorch); the gradient passes where x was finite."""
    dtype = input.dtype
    if dtype.kind == "f":
        info = np.finfo(dtype)
        posinf = info.max if posinf is None else posinf
        neginf = info.min if neginf is None else neginf
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None and not isinstance(v, int | float | np.number):
            raise TypeError(f"nan_to_num: {name} must be a number, got {v!r}")
    return NanToNum.apply(input, nan, posinf, neginf)


def _test(fn: Callable[[np.ndarray], np.ndarray], name: str, doc: str) -> Callable[[Any], Any]:
    """A pointwise test with a bool result and no gradient (``x.isnan()``)."""

    def op(input: Any) -> Any:
        return tensor_type.wrap(np.asarray(fn(input._array)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


isnan = _test(np.isnan, "isnan", "Where the elements are NaN (a bool tensor; no gradient).")
isinf = _test(np.isinf, "isinf", "Where the elements are +∞ or −∞ (a bool tensor; no gradient).")
isfinite = _test(
    np.isfinite, "isfinite", "Where the elements are neither NaN nor ±∞ (a bool tensor)."
)


def clamp(input: Any, min: float | None = None, max: float | None = None) -> Any:
    """Limit to [min, max]; the gradient passes where min < x < max (as PyTorch ≥ 2.14)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(input, min, max)


def to_dtype(input: Any, dtype: np.dtype) -> Any:
    """``input`` as float ``dtype``, differentiable (an integer result carries no gradient)."""
    return ToDtype.apply(input, dtype)
