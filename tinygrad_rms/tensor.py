"""The Tensor: a numpy array plus the graph that produced it.

Each op below computes its output with numpy and, right next to it, defines
``backward(g)``: given the gradient ``g`` of the loss with respect to the output, it
returns the gradient with respect to each input (``None`` where an input needs none).
``autograd.backward`` walks the graph and accumulates these.  Broadcasting has one rule,
in ``_unbroadcast``: sum the upstream gradient over the axes numpy broadcast.

dtypes follow PyTorch: float32 unless float64 data is given; a Python scalar never
changes a tensor's dtype (``x * 2.0`` stays float32).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Union

import numpy as np

from . import autograd
from .random import generator

__all__ = [
    "MinMax",
    "Tensor",
    "cat",
    "float32",
    "float64",
    "int32",
    "int64",
    "maximum",
    "minimum",
    "ones",
    "rand",
    "randn",
    "stack",
    "tensor",
    "where",
    "zeros",
]

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
_DEFAULT_FLOAT = float32

ArrayLike = Union["Tensor", np.ndarray, float, int, Sequence[Any]]
Backward = Callable[[np.ndarray], tuple[np.ndarray | None, ...]]


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert user data to a fresh array with PyTorch's dtype rules."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.array(data, dtype=np.dtype(dtype))
    arr = np.array(data)
    if isinstance(data, np.ndarray | np.generic):
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"cannot make a tensor from an array of dtype {arr.dtype}")
        return arr
    if arr.dtype == np.float64:  # Python floats -> the default float dtype
        return arr.astype(_DEFAULT_FLOAT)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"cannot make a tensor from {type(data).__name__} data (dtype {arr.dtype})")
    return arr


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    return grad.sum(axis=axes).reshape(shape)


def _promote(
    a: Tensor, b: Tensor, op: str, elementwise: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Both operands' data in PyTorch's result dtype: a float operand's dtype wins over an
    integer one's (numpy would widen int64 + float32 to float64); otherwise numpy's rule.

    Shapes that do not broadcast raise a ValueError naming ``op`` and both shapes.
    """
    x, y = a.data, b.data
    if elementwise and x.shape != y.shape:
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise ValueError(
                f"{op}: shapes {x.shape} and {y.shape} cannot be broadcast together"
            ) from None
    if x.dtype != y.dtype:
        if x.dtype.kind == "f" and y.dtype.kind != "f":
            y = y.astype(x.dtype)
        elif y.dtype.kind == "f" and x.dtype.kind != "f":
            x = x.astype(y.dtype)
        elif x.dtype.kind == y.dtype.kind == "f" and (x.ndim == 0) != (y.ndim == 0):
            # a 0-d tensor does not widen one with dims (PyTorch's rule)
            x, y = (x.astype(y.dtype), y) if x.ndim == 0 else (x, y.astype(x.dtype))
    return x, y


def _as_float(x: np.ndarray) -> np.ndarray:
    """Integer and bool data as the default float dtype (float ops of ints give float32)."""
    return x if x.dtype.kind == "f" else x.astype(_DEFAULT_FLOAT)


def _normalize_dims(
    dim: int | Sequence[int] | None, ndim: int, unique: bool = False
) -> tuple[int, ...] | None:
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    out = []
    for d in dims:
        if not -builtins.max(ndim, 1) <= d < builtins.max(ndim, 1):
            raise IndexError(
                f"Dimension out of range (expected to be in range of "
                f"[{-builtins.max(ndim, 1)}, {builtins.max(ndim, 1) - 1}], but got {d})"
            )
        out.append(d % builtins.max(ndim, 1))
    if unique and len(set(out)) != len(out):
        raise ValueError(f"dim {dim} appears more than once in the list of dims")
    return tuple(out)


class Tensor:
    """An n-dimensional array that records the ops applied to it for reverse-mode autograd.

    Attributes:
        data: the numpy array holding the values.
        grad: after ``backward()``, the gradient (a Tensor) of leaves that require grad.
        requires_grad: whether ops on this tensor are recorded for backward.
    """

    __slots__ = (
        "__weakref__",
        "_backward",
        "_made_at",
        "_op",
        "_parents",
        "_seq",
        "_site",
        "_vc",
        "data",
        "grad",
        "name",
        "requires_grad",
    )
    __array_ufunc__ = None  # `ndarray * Tensor` defers to Tensor.__rmul__

    def __init__(self, data: ArrayLike, dtype: Any = None, requires_grad: bool = False) -> None:
        self.data = _to_array(data, dtype)
        self.grad: Tensor | None = None
        self.name: str | None = None
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Backward | None = None
        self._op: str | None = None
        self._vc = [0, 0]  # version, and autograd's mutation count at the last change;
        # shared by views of the same memory
        self._site: str | None = None  # file:line of creation, kept in anomaly mode
        self._made_at = -1  # autograd's mutation count when the op that made it ran
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------------ construction
    @staticmethod
    def _wrap(data: np.ndarray) -> Tensor:
        """A plain leaf Tensor around ``data`` as is (no copy, no checks): the fast path."""
        t = Tensor.__new__(Tensor)
        t.data, t.grad, t.name, t.requires_grad = data, None, None, False
        t._parents, t._backward, t._op, t._vc, t._made_at = (), None, None, [0, 0], -1
        t._site = None
        return t

    @staticmethod
    def _make(data: np.ndarray, parents: tuple[Tensor, ...], op: str, backward: Backward) -> Tensor:
        """The output of op ``op``; records the graph if grad mode is on and an input needs it."""
        out = Tensor._wrap(np.asarray(data))  # numpy returns scalars for 0-d results
        if out.data.base is not None:  # a view: in-place changes through either show in both
            for p in parents:
                if np.may_share_memory(out.data, p.data):
                    out._vc = p._vc
                    break
        mode = autograd._mode
        if mode.anomaly:
            out._site = autograd.check_finite_output(op, out.data)
        if mode.enabled:
            for p in parents:
                if p.requires_grad:
                    out.requires_grad = True
                    out._parents, out._backward, out._op = parents, backward, op
                    out._seq = next(autograd.sequence)
                    out._made_at = autograd._mutations[0]
                    break
        return out

    def _lift(self, other: Any) -> Tensor:
        """``other`` as a Tensor; Python scalars take this tensor's dtype (no upcast)."""
        if isinstance(other, Tensor):
            return other
        try:
            return Tensor._wrap(self._scalar_or_array(other))
        except OverflowError:
            raise RuntimeError(
                f"value {other} cannot be converted to a tensor of dtype {self.data.dtype} "
                "without overflow"
            ) from None

    def _scalar_or_array(self, other: Any) -> np.ndarray:
        kind = self.data.dtype.kind
        if isinstance(other, bool | int | float) and kind == "f":
            return np.asarray(other, dtype=self.data.dtype)
        if (isinstance(other, int) and kind in "iu") or (isinstance(other, bool) and kind == "b"):
            return np.asarray(other, dtype=self.data.dtype)
        if isinstance(other, float):
            return np.asarray(other, dtype=_DEFAULT_FLOAT)
        if isinstance(other, int):  # a Python int beside a bool tensor
            return np.asarray(other, dtype=int64)
        arr = np.asarray(other)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"cannot combine a tensor with {type(other).__name__} {other!r} "
                f"(dtype {arr.dtype}): only numbers, arrays of numbers and tensors"
            )
        return arr

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape as a tuple."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the data."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of dims."""
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (not produced by a recorded op)."""
        return self._op is None

    @property
    def grad_fn(self) -> str | None:
        """Name of the op that produced this tensor, e.g. ``'MulBackward'`` (None for leaves)."""
        return None if self._op is None else f"{self._op}Backward"

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of one ``dim``."""
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        """The number of dims."""
        return self.data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self.data.size)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    __hash__ = object.__hash__  # identity, as comparisons return tensors

    # ------------------------------------------------------------------ conversion
    def item(self) -> float | int | bool:
        """The single value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"a Tensor with {self.data.size} elements cannot be converted to Scalar"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self.data

    def tolist(self) -> Any:
        """The values as nested Python lists."""
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self.data.size} elements is ambiguous"
            )
        return bool(self.data.item())

    @property
    def _version(self) -> int:
        """How many in-place changes the memory of this tensor (or its views) has seen."""
        return self._vc[0]

    def _bump_version(self) -> None:
        autograd.bump_versions((self,))

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data (and version counter), cut from the graph."""
        t = Tensor._wrap(self.data)
        t._vc = self._vc
        return t

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (the gradient passes straight through)."""

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g,)

        return Tensor._make(self.data.copy(), (self,), "Clone", backward)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (only on leaves, only for floating dtypes)."""
        if requires_grad and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.data.dtype}"
            )
        if not requires_grad and not self.is_leaf:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use detach() to "
                "get a tensor that does not require grad"
            )
        self.requires_grad = bool(requires_grad)
        return self

    # ------------------------------------------------------------------ in-place
    def _check_inplace(self, op: str, operand: Any = None) -> None:
        if not autograd._mode.enabled:
            return
        if isinstance(operand, Tensor) and operand.requires_grad:
            raise RuntimeError(
                f"{op}: the operand requires grad, and in-place ops are not recorded in the "
                "graph; use the out-of-place form (e.g. where, cat, +) to keep its gradient"
            )
        if self.requires_grad:
            if self.is_leaf:
                raise RuntimeError(
                    f"{op}: a leaf tensor that requires grad is being used in an in-place "
                    "operation; wrap the update in `with no_grad():`"
                )
            raise RuntimeError(
                f"{op}: in-place changes to a tensor that is part of a graph are not "
                "supported; use the out-of-place form"
            )

    def _inplace(self, op: str, values: Any, operand: Any = None) -> Tensor:
        """Write ``values`` into ``data`` (keeping its dtype) and bump the version."""
        self._check_inplace(op, operand)
        self.data[...] = values
        self._bump_version()
        return self

    def zero_(self) -> Tensor:
        """Set every element to 0 in place."""
        return self._inplace("zero_", 0)

    def fill_(self, value: float) -> Tensor:
        """Set every element to ``value`` in place."""
        return self._inplace("fill_", value)

    def copy_(self, src: ArrayLike) -> Tensor:
        """Copy ``src`` (broadcast to this shape) into this tensor in place."""
        src_data = src.data if isinstance(src, Tensor) else np.asarray(src)
        try:
            np.broadcast_to(src_data, self.shape)
        except ValueError:
            raise RuntimeError(
                f"copy_: source of shape {np.shape(src_data)} does not broadcast to {self.shape}"
            ) from None
        return self._inplace("copy_", src_data, src)

    def add_(self, other: ArrayLike, alpha: float = 1) -> Tensor:
        """self += alpha·other in place."""
        return self._inplace("add_", self.data + alpha * self._lift(other).data, other)

    def sub_(self, other: ArrayLike, alpha: float = 1) -> Tensor:
        """self −= alpha·other in place."""
        return self._inplace("sub_", self.data - alpha * self._lift(other).data, other)

    def mul_(self, other: ArrayLike) -> Tensor:
        """self *= other in place."""
        return self._inplace("mul_", self.data * self._lift(other).data, other)

    def __setitem__(self, index: Any, value: ArrayLike) -> None:
        self._check_inplace("__setitem__", value)
        self.data[_index_arg(index)] = value.data if isinstance(value, Tensor) else value
        self._bump_version()

    def float(self) -> Tensor:
        """This tensor as float32."""
        return self.to(float32)

    def double(self) -> Tensor:
        """This tensor as float64."""
        return self.to(float64)

    def to(self, dtype: Any) -> Tensor:
        """This tensor converted to ``dtype`` (differentiable between float dtypes)."""
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        if dtype.kind != "f":  # integer results carry no gradient
            return Tensor._wrap(self.data.astype(dtype))
        src = self.data.dtype

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g.astype(src),)

        return Tensor._make(self.data.astype(dtype), (self,), "ToCopy", backward)

    type = to

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        data = self.data
        # PyTorch's look: "1., 2." for whole numbers, otherwise 4 decimals
        whole = data.dtype.kind != "f" or bool(np.all(np.isfinite(data) & (data == np.round(data))))
        body = np.array2string(
            data,
            separator=", ",
            prefix="tensor(",
            precision=4,
            floatmode="maxprec" if whole else "fixed",
            suppress_small=True,
        )
        extras = []
        if self.data.dtype not in (_DEFAULT_FLOAT, int64, np.dtype(bool)):
            extras.append(f"dtype=tinygrad_rms.{self.data.dtype}")
        if self._op is not None:
            extras.append(f"grad_fn=<{self.grad_fn}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    __str__ = __repr__

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient: ArrayLike | None = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf), times ``gradient``, into ``.grad`` of every leaf.

        ``gradient`` may be omitted only for a one-element tensor (it is then 1).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs; this tensor has "
                    f"shape {self.shape}: pass backward(gradient=...) of that shape"
                )
            seed = np.ones_like(self.data)
        else:
            seed = _to_array(gradient, self.data.dtype)
            if seed.shape != self.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {seed.shape} but the tensor has shape "
                    f"{self.shape}"
                )
        autograd.backward(self, seed, retain_graph)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: ArrayLike) -> Tensor:
        """self + other, broadcasting; the gradient is summed back over broadcast axes."""
        a, b = self, self._lift(other)
        x, y = _promote(a, b, "add")

        def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _unbroadcast(g, a.shape), _unbroadcast(g, b.shape)

        return Tensor._make(x + y, (a, b), "Add", backward)

    def __sub__(self, other: ArrayLike) -> Tensor:
        """self − other, broadcasting."""
        a, b = self, self._lift(other)
        x, y = _promote(a, b, "sub")

        def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _unbroadcast(g, a.shape), _unbroadcast(-g, b.shape)

        return Tensor._make(x - y, (a, b), "Sub", backward)

    def __mul__(self, other: ArrayLike) -> Tensor:
        """self · other elementwise, broadcasting; d/dself = other, d/dother = self."""
        a, b = self, self._lift(other)
        x, y = _promote(a, b, "mul")

        def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
            return (
                _unbroadcast(g * y, a.shape) if a.requires_grad else None,
                _unbroadcast(g * x, b.shape) if b.requires_grad else None,
            )

        return Tensor._make(x * y, (a, b), "Mul", backward)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        """self / other elementwise (integers divide to the default float dtype)."""
        a, b = self, self._lift(other)
        x, y = _promote(a, b, "div")
        if x.dtype.kind != "f":  # true division of integers gives the default float
            x, y = x.astype(_DEFAULT_FLOAT), y.astype(_DEFAULT_FLOAT)
        out = x / y

        def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
            return (
                _unbroadcast(g / y, a.shape) if a.requires_grad else None,
                _unbroadcast(-g * out / y, b.shape) if b.requires_grad else None,
            )

        return Tensor._make(out, (a, b), "Div", backward)

    def __pow__(self, other: ArrayLike) -> Tensor:
        """self ** other; d/dself = other·self^(other−1), d/dother = self^other·log(self)."""
        a, b = self, self._lift(other)
        x, y = _promote(a, b, "pow")
        if x.dtype.kind == "b" and y.dtype.kind == "b":
            raise TypeError("pow: both operands are bool; convert one to a number type first")
        out = x**y

        def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
            ga = gb = None
            if a.requires_grad:  # x**0 is constant: its derivative is 0 even where x**−1 isn't
                with np.errstate(divide="ignore", invalid="ignore"):
                    ga = _unbroadcast(g * np.where(y == 0, 0, y * x ** (y - 1)), a.shape)
            if b.requires_grad:
                # d(a**b)/db = a**b * log(a); taken as 0 where a == 0 and b >= 0 (PyTorch)
                with np.errstate(divide="ignore", invalid="ignore"):
                    dlog = np.where((x == 0) & (y >= 0), 0, out * np.log(x))
                gb = _unbroadcast(g * dlog, b.shape)
            return ga, gb

        return Tensor._make(out, (a, b), "Pow", backward)

    def __neg__(self) -> Tensor:
        """−self."""

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (-g,)

        return Tensor._make(-self.data, (self,), "Neg", backward)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return self._lift(other) + self

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return self._lift(other) - self

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return self._lift(other) * self

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return self._lift(other) / self

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return self._lift(other) ** self

    def __pos__(self) -> Tensor:
        return self

    add, sub, mul, div, pow, neg = __add__, __sub__, __mul__, __truediv__, __pow__, __neg__

    def matmul(self, other: ArrayLike) -> Tensor:
        """Matrix product with numpy's rules: 1-D operands are promoted, batch dims broadcast."""
        a, b = self, self._lift(other)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul: both arguments need at least 1 dimension, got shapes {a.shape} and "
                f"{b.shape}"
            )
        if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                f"({a.shape[-1]} != {b.shape[0 if b.ndim == 1 else -2]})"
            )
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(
                f"matmul: the batch dims of shapes {a.shape} and {b.shape} do not broadcast"
            ) from None
        x, y = _promote(a, b, "matmul", elementwise=False)

        def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
            a2 = a.data if a.ndim > 1 else a.data[None, :]
            b2 = b.data if b.ndim > 1 else b.data[:, None]
            g2 = g
            if b.ndim == 1:  # restore the dims numpy dropped: b's column first, then a's row
                g2 = np.expand_dims(g2, -1)
            if a.ndim == 1:
                g2 = np.expand_dims(g2, -2)
            ga = gb = None
            if a.requires_grad:
                ga = _unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
            if b.requires_grad:
                gb = _unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
            return ga, gb

        return Tensor._make(x @ y, (a, b), "Mm", backward)

    __matmul__ = matmul

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return self._lift(other).matmul(self)

    # ------------------------------------------------------------------ comparisons (no graph)
    def _compare(self, other: ArrayLike, fn: Callable[[Any, Any], np.ndarray]) -> Tensor:
        return Tensor._wrap(np.asarray(fn(*_promote(self, self._lift(other), fn.__name__))))

    def __lt__(self, other: ArrayLike) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: ArrayLike) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: ArrayLike) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: ArrayLike) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    # ------------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        """e^x elementwise; its derivative is itself."""
        out = np.exp(_as_float(self.data))

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g * out,)

        return Tensor._make(out, (self,), "Exp", backward)

    def log(self) -> Tensor:
        """Natural logarithm elementwise; derivative 1/x."""
        x = _as_float(self.data)

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g / x,)

        return Tensor._make(np.log(x), (self,), "Log", backward)

    def sqrt(self) -> Tensor:
        """√x elementwise; derivative 1/(2√x)."""
        out = np.sqrt(_as_float(self.data))

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g / (2 * out),)

        return Tensor._make(out, (self,), "Sqrt", backward)

    def abs(self) -> Tensor:
        """|x| elementwise; derivative sign(x) (0 at 0, as PyTorch)."""
        x = self.data

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g * np.sign(x),)

        return Tensor._make(np.abs(x), (self,), "Abs", backward)

    __abs__ = abs

    def relu(self) -> Tensor:
        """max(x, 0); its gradient is 1 where x > 0 and 0 elsewhere (0 at x == 0, as PyTorch)."""
        out = np.maximum(self.data, np.zeros((), self.data.dtype))  # keeps int and bool dtypes

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g * (out > 0),)

        return Tensor._make(out, (self,), "Relu", backward)

    def tanh(self) -> Tensor:
        """tanh(x) elementwise; derivative 1 − tanh²(x)."""
        out = np.tanh(_as_float(self.data))

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g * (1 - out * out),)

        return Tensor._make(out, (self,), "Tanh", backward)

    def sigmoid(self) -> Tensor:
        """1/(1 + e^−x) elementwise, without overflow; derivative σ(1 − σ)."""
        x = _as_float(self.data)
        # stable: exp of a non-positive number only
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g * out * (1 - out),)

        return Tensor._make(out, (self,), "Sigmoid", backward)

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """Sum over ``dim`` (an int, a tuple, or None for all); backward broadcasts g back."""
        axes = _normalize_dims(dim, self.ndim, unique=True)
        axes = axes if self.ndim else None  # 0-d: dim 0/-1 is all there is
        shape = self.shape

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            if axes is not None and not keepdim:
                g = np.expand_dims(g, axes)
            return (np.broadcast_to(g, shape),)

        out = np.asarray(self.data.sum(axis=axes, keepdims=keepdim))
        return Tensor._make(out, (self,), "Sum", backward)

    def mean(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """Mean over ``dim`` (an int, a tuple, or None for all); backward spreads g/N back."""
        axes = _normalize_dims(dim, self.ndim, unique=True)
        axes = axes if self.ndim else None  # 0-d: dim 0/-1 is all there is
        shape = self.shape
        count = self.data.size if axes is None else int(np.prod([shape[d] for d in axes]))

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            if axes is not None and not keepdim:
                g = np.expand_dims(g, axes)
            return (np.broadcast_to(g / count, shape),)

        out = np.asarray(self.data.mean(axis=axes, keepdims=keepdim))
        if self.data.dtype.kind != "f":  # integers average exactly in float64, then float32
            out = out.astype(_DEFAULT_FLOAT)
        return Tensor._make(out, (self,), "Mean", backward)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same data in a new shape (one size may be −1); a view when numpy can make one."""
        one = len(shape) == 1 and not isinstance(shape[0], int | np.integer)
        new = tuple(shape[0]) if one else shape  # type: ignore[arg-type]
        if any(int(n) < -1 for n in new) or sum(int(n) == -1 for n in new) > 1:
            raise ValueError(f"shape {tuple(new)} is invalid: sizes must be >= -1, one -1 at most")
        old = self.shape
        try:
            out = self.data.reshape(new)
        except ValueError:
            raise ValueError(
                f"shape {tuple(new)} is invalid for a tensor of shape {old} "
                f"({self.data.size} elements)"
            ) from None

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g.reshape(old),)

        return Tensor._make(out, (self,), "View", backward)

    view = reshape

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap dims ``dim0`` and ``dim1`` (a view)."""
        if self.ndim == 0:  # PyTorch: 0 or -1 on a 0-d tensor is the identity
            _normalize_dims((dim0, dim1), 0)
            return self
        dim0, dim1 = _normalize_dims((dim0, dim1), self.ndim) or (0, 0)

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (np.swapaxes(g, dim0, dim1),)

        return Tensor._make(np.swapaxes(self.data, dim0, dim1), (self,), "Transpose", backward)

    def t(self) -> Tensor:
        """Transpose of a tensor with at most 2 dims."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with <= 2 dimensions, got shape {self.shape}")
        return self if self.ndim < 2 else self.transpose(0, 1)

    @property
    def T(self) -> Tensor:
        """All dims reversed (a view)."""
        axes = tuple(reversed(range(self.ndim)))

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (np.transpose(g, axes),)

        return Tensor._make(np.transpose(self.data, axes), (self,), "Permute", backward)

    def permute(self, *dims: int | Sequence[int]) -> Tensor:
        """Reorder the dims (a view); backward applies the inverse permutation."""
        order = tuple(dims[0]) if len(dims) == 1 and not isinstance(dims[0], int) else dims
        axes = _normalize_dims(order, self.ndim) or ()
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"permute: {order} is not a permutation of the dims of {self.shape}")
        inverse = tuple(np.argsort(axes))

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (np.transpose(g, inverse),)

        return Tensor._make(np.transpose(self.data, axes), (self,), "Permute", backward)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dims ``start_dim..end_dim`` into one."""
        if self.ndim == 0:
            _normalize_dims((start_dim, end_dim), 0)
            return self.reshape(1)
        start, end = _normalize_dims((start_dim, end_dim), self.ndim) or (0, 0)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        merged = int(np.prod(self.shape[start : end + 1]))
        return self.reshape((*self.shape[:start], merged, *self.shape[end + 1 :]))

    def squeeze(self, dim: int | Sequence[int] | None = None) -> Tensor:
        """Drop size-1 dims (all, or those in ``dim``; a listed dim of another size stays)."""
        dims = _normalize_dims(dim, self.ndim)
        if self.ndim == 0:
            return self.reshape(())
        keep = [
            n for i, n in enumerate(self.shape) if n != 1 or (dims is not None and i not in dims)
        ]
        return self.reshape(tuple(keep))

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a size-1 dim at ``dim`` (which may be ``-ndim-1 .. ndim``)."""
        d = (_normalize_dims(dim, self.ndim + 1) or (0,))[0]
        return self.reshape((*self.shape[:d], 1, *self.shape[d:]))

    def expand(self, *sizes: int | Sequence[int]) -> Tensor:
        """Broadcast to ``sizes`` without copying (-1 keeps a dim); backward sums back."""
        one = len(sizes) == 1 and not isinstance(sizes[0], int | np.integer)
        target = tuple(sizes[0]) if one else sizes  # type: ignore[arg-type]
        lead = len(target) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: cannot expand shape {self.shape} to {target}")
        shape = tuple(
            self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(target)
        )
        try:
            out = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(f"expand: cannot expand shape {self.shape} to {target}") from None
        src = self.shape

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (_unbroadcast(g, src),)

        return Tensor._make(out, (self,), "Expand", backward)

    def __getitem__(self, index: Any) -> Tensor:
        """numpy indexing: ints, slices, None, Ellipsis, integer arrays, boolean masks.

        Backward scatters with ``np.add.at`` when the index may repeat an element, so every
        occurrence contributes its gradient.
        """
        idx = _index_arg(index)
        out = self.data[idx]
        shape, dtype = self.shape, self.dtype
        advanced = any(
            isinstance(i, np.ndarray) for i in (idx if isinstance(idx, tuple) else (idx,))
        )

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            full = np.zeros(shape, dtype)
            if advanced:
                np.add.at(full, idx, g)
            else:
                full[idx] += g
            return (full,)

        return Tensor._make(np.asarray(out), (self,), "Index", backward)

    # ------------------------------------------------------------------ more elementwise
    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit to [min, max]; the gradient passes where min ≤ x ≤ max (as PyTorch)."""
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        x = self.data
        if x.dtype.kind != "f" and any(isinstance(v, float) for v in (min, max)):
            x = x.astype(_DEFAULT_FLOAT)  # float bounds on an int tensor give floats
        out = np.clip(x, min, max).astype(x.dtype, copy=False)  # None: no bound
        keep = np.ones(x.shape, bool)
        if min is not None:
            keep &= x >= min
        if max is not None:
            keep &= x <= max

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g * keep,)

        return Tensor._make(out, (self,), "Clamp", backward)

    clip = clamp

    def maximum(self, other: ArrayLike) -> Tensor:
        """Elementwise max; where both are equal each input gets half the gradient."""
        return _pick(self, self._lift(other), np.maximum, np.greater, "Maximum")

    def minimum(self, other: ArrayLike) -> Tensor:
        """Elementwise min; where both are equal each input gets half the gradient."""
        return _pick(self, self._lift(other), np.minimum, np.less, "Minimum")

    def softmax(self, dim: int) -> Tensor:
        """exp(x) / Σ exp(x) along ``dim``, computed as exp(x − max) to avoid overflow."""
        (d,) = _normalize_dims(dim, self.ndim) or (0,)
        x = _as_float(self.data)
        z = x - x.max(axis=d, keepdims=True, initial=-np.inf)  # initial: a size-0 dim is fine
        e = np.exp(z)
        out = e / e.sum(axis=d, keepdims=True)

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (out * (g - (g * out).sum(axis=d, keepdims=True)),)

        return Tensor._make(out, (self,), "Softmax", backward)

    def log_softmax(self, dim: int) -> Tensor:
        """x − log Σ exp(x) along ``dim``, via the max shift (stable for large |x|)."""
        (d,) = _normalize_dims(dim, self.ndim) or (0,)
        x = _as_float(self.data)
        z = x - x.max(axis=d, keepdims=True, initial=-np.inf)
        out = z - np.log(np.exp(z).sum(axis=d, keepdims=True))

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g - np.exp(out) * g.sum(axis=d, keepdims=True),)

        return Tensor._make(out, (self,), "LogSoftmax", backward)

    # ------------------------------------------------------------------ extreme values
    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """Largest value: over everything (a Tensor), or along ``dim`` (values, indices)."""
        return _extreme(self, dim, keepdim, np.max, np.argmax, "Max")

    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """Smallest value: over everything (a Tensor), or along ``dim`` (values, indices)."""
        return _extreme(self, dim, keepdim, np.min, np.argmin, "Min")

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the largest value (over everything, or along ``dim``); no gradient."""
        if dim is None:
            return Tensor._wrap(np.asarray(np.argmax(self.data), dtype=np.int64))
        (d,) = _normalize_dims(dim, self.ndim) or (0,)
        d = d if self.ndim else None
        return Tensor._wrap(np.asarray(np.argmax(self.data, axis=d, keepdims=keepdim), np.int64))

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the smallest value (over everything, or along ``dim``); no gradient."""
        if dim is None:
            return Tensor._wrap(np.asarray(np.argmin(self.data), dtype=np.int64))
        (d,) = _normalize_dims(dim, self.ndim) or (0,)
        d = d if self.ndim else None
        return Tensor._wrap(np.asarray(np.argmin(self.data, axis=d, keepdims=keepdim), np.int64))


# ---------------------------------------------------------------------- helpers of ops
class MinMax(NamedTuple):
    """``max(dim)`` / ``min(dim)`` result, as PyTorch's ``torch.return_types``."""

    values: Tensor
    indices: Tensor


def _index_arg(index: Any) -> Any:
    """Tensors and lists inside an index become numpy arrays (integer or boolean)."""
    if isinstance(index, tuple):
        return tuple(_index_arg(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        arr = np.asarray(index)
        return arr.astype(np.intp) if arr.size == 0 else arr  # [] is an empty integer index
    return index


def _pick(a: Tensor, b: Tensor, fn: Callable, wins: Callable, op: str) -> Tensor:
    """maximum/minimum: the gradient goes to the winner, split in half on ties (PyTorch)."""
    x, y = _promote(a, b, op.lower())
    out = fn(x, y)
    # the gradient follows the value the output took: a where a wins or is NaN (numpy and
    # PyTorch propagate NaN), half each on ties
    a_is_out = wins(x, y) | (np.isnan(x) if x.dtype.kind == "f" else False)
    share_a = np.where(x == y, 0.5, a_is_out).astype(out.dtype, copy=False)

    def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _unbroadcast(g * share_a, a.shape), _unbroadcast(g * (1 - share_a), b.shape)

    return Tensor._make(out, (a, b), op, backward)


def _extreme(x: Tensor, dim: int | None, keepdim: bool, fn: Callable, argfn: Callable, op: str):
    if dim is None:
        out = np.asarray(fn(x.data))
        hits = (
            (x.data == out) | (np.isnan(x.data) & np.isnan(out))
            if x.dtype.kind == "f"
            else (x.data == out)
        )

        def backward_all(g: np.ndarray) -> tuple[np.ndarray]:
            # ties in a full reduction share the gradient evenly (PyTorch's rule)
            return (g * hits / max(int(hits.sum()), 1),)

        return Tensor._make(out, (x,), op, backward_all)
    (d,) = _normalize_dims(dim, x.ndim) or (0,)
    if x.ndim == 0:  # PyTorch: the value itself, at index 0
        return MinMax(x.clone(), Tensor._wrap(np.asarray(0, np.int64)))
    idx = np.expand_dims(argfn(x.data, axis=d), d)
    values = np.take_along_axis(x.data, idx, axis=d)
    shape, dtype = x.shape, x.dtype

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        full = np.zeros(shape, dtype)
        np.put_along_axis(full, idx, g if keepdim else np.expand_dims(g, d), axis=d)
        return (full,)

    indices = idx if keepdim else idx.squeeze(d)
    if not keepdim:
        values = values.squeeze(d)
    return MinMax(Tensor._make(values, (x,), op, backward), Tensor._wrap(indices.astype(np.int64)))


def where(condition: ArrayLike, input: ArrayLike, other: ArrayLike) -> Tensor:
    """``input`` where ``condition`` holds, else ``other``; each gets the gradient of its picks."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: the condition must be bool, got dtype {cond.dtype}")
    like = next((t for t in (input, other) if isinstance(t, Tensor)), None)
    if like is None:
        like = Tensor(input)
    a, b = like._lift(input), like._lift(other)

    def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _unbroadcast(g * cond, a.shape), _unbroadcast(g * ~cond, b.shape)

    return Tensor._make(np.where(cond, *_promote(a, b, "where")), (a, b), "Where", backward)


def maximum(input: Tensor, other: ArrayLike) -> Tensor:
    """Elementwise max of two tensors; ties split the gradient in half."""
    if not isinstance(input, Tensor):
        raise TypeError(f"maximum: input must be a Tensor, got {type(input).__name__}")
    return input.maximum(other)


def minimum(input: Tensor, other: ArrayLike) -> Tensor:
    """Elementwise min of two tensors; ties split the gradient in half."""
    if not isinstance(input, Tensor):
        raise TypeError(f"minimum: input must be a Tensor, got {type(input).__name__}")
    return input.minimum(other)


def _tensor_list(op: str, tensors: Any) -> list[Tensor]:
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: element {i} is a {type(t).__name__}, not a Tensor")
    return tensors


def _common_dtype(tensors: list[Tensor]) -> list[np.ndarray]:
    """The tensors' data in one dtype: the widest float if any is float (PyTorch's rule)."""
    floats = [t.data.dtype for t in tensors if t.data.dtype.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.result_type(*[t.data for t in tensors])
    return [t.data if t.data.dtype == dtype else t.data.astype(dtype) for t in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along an existing dim; backward splits the gradient back into pieces."""
    tensors = _tensor_list("cat", tensors)
    (d,) = _normalize_dims(dim, tensors[0].ndim) or (0,)
    try:
        out = np.concatenate(_common_dtype(tensors), axis=d)
    except ValueError as e:
        shapes = [t.shape for t in tensors]
        raise ValueError(f"cat: shapes {shapes} do not fit along dim {dim}: {e}") from None
    cuts = np.cumsum([t.shape[d] for t in tensors])[:-1]

    def backward(g: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(g, cuts, axis=d))

    return Tensor._make(out, tuple(tensors), "Cat", backward)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equal-shaped tensors along a new dim."""
    tensors = _tensor_list("stack", tensors)
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    (d,) = _normalize_dims(dim, tensors[0].ndim + 1) or (0,)
    out = np.stack(_common_dtype(tensors), axis=d)

    def backward(g: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(g, d, 0))

    return Tensor._make(out, tuple(tensors), "Stack", backward)


# ---------------------------------------------------------------------- creation
def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``, as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"invalid shape {shape}: sizes must be non-negative integers")
    return tuple(int(n) for n in shape)


def _float_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a numpy dtype, float32 when None (np.dtype objects are falsy: test for None)."""
    return _DEFAULT_FLOAT if dtype is None else np.dtype(dtype)


def _leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(data)
    return t.requires_grad_(True) if requires_grad else t


def tensor(data: ArrayLike, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (Python floats become float32)."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def zeros(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    return _leaf(np.zeros(_shape_arg(shape), dtype=_float_dtype(dtype)), requires_grad)


def ones(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor of ones (float32 unless ``dtype`` says otherwise)."""
    return _leaf(np.ones(_shape_arg(shape), dtype=_float_dtype(dtype)), requires_grad)


def randn(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the library's generator (see ``manual_seed``)."""
    dtype = _float_dtype(dtype)
    return _leaf(generator().standard_normal(_shape_arg(shape), dtype=dtype), requires_grad)


def rand(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1) from the library's generator."""
    dtype = _float_dtype(dtype)
    return _leaf(generator().random(_shape_arg(shape), dtype=dtype), requires_grad)
