"""The Tensor: the front users hold.  A numpy array, plus its place in the graph.

This file has what a Tensor *is*: construction, properties, conversions, in-place
changes and their version counter, printing, ``backward`` and the graph tools
(``retain_grad``, ``register_hook``).  What a Tensor *does* is elsewhere, one file per
kind of op, each op's forward next to its backward::

    ops/arithmetic.py   + − × ÷ ** @, maximum/minimum, where
    ops/unary.py        exp, log, sqrt, abs, relu, tanh, sigmoid, clamp, clone, casts
    ops/reduce.py       sum, mean, max/min, argmax/argmin
    ops/movement.py     reshape/view, transpose/permute, expand, indexing, cat/stack
    ops/nn.py           linear, softmax, the losses (single nodes)

and the methods below are an index into them (``exp = unary.exp``).  The dtype and
broadcasting rules live in ``arrays.py``; the graph and the backward walk in
``autograd/``.
"""

from __future__ import annotations

import builtins as _builtins  # the annotations' float/bool/int, where the names are ours
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

import numpy as np

from .arrays import (
    LEGACY_TYPES,
    default_float,
    float32,
    float64,
    int32,
    int64,
    normalize_dims,
    promote,
    scalar_operand,
    to_array,
)
from .autograd import backward as _autograd_backward
from .autograd import engine, graph
from .autograd.grad_mode import mode
from .device import CPU, as_device
from .device import device as Device
from .ops import arithmetic, movement, reduce, unary
from .ops import nn as nn_ops
from .ops.reduce import MinMax
from .porting import not_covered
from .printing import tensor_repr
from .random import numpy_generator

#: the type of the ops bound as Tensor methods below (``x.sum()`` is a Tensor); the ops
#: themselves return ``Any``, as ``ops/`` may not import this module
_Op = Callable[..., "Tensor"]

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
    "stack",
    "where",
]

ArrayLike = Union["Tensor", np.ndarray, float, int, Sequence[Any]]

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead."
)


def _inplace_form(name: str, op: Callable[[Any], Any]) -> Callable[[Tensor], Tensor]:
    """The in-place method ``name`` (e.g. ``exp_``) of the one-tensor op ``op``."""

    def method(self: Tensor) -> Tensor:
        return self._apply_(name, lambda: op(self))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{name[:-1]}`` in place: ``x.{name}()`` is ``x ← {name[:-1]}(x)``."
    return method


class Tensor:
    """An n-dimensional array that records the ops applied to it for reverse-mode autograd.

    The values live in a private numpy array, ``_array``; ``numpy()`` and ``np.asarray(t)``
    show it (sharing memory), and ``data`` is PyTorch's detached view of it.

    Attributes:
        data: a Tensor sharing this one's memory, outside autograd (see ``data``).
        grad: after ``backward()``, the gradient (a Tensor) of leaves that require grad.
        requires_grad: whether ops on this tensor are recorded for backward.
        grad_fn: the node of the op that made this tensor (None for leaves).
    """

    __slots__ = ("__weakref__", "_array", "_grad", "_grad_edge", "_version_counter", "name")
    __array_ufunc__ = None  # `ndarray * Tensor` defers to Tensor.__rmul__

    def __init__(self, *data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        """``Tensor(values)`` or ``Tensor(*sizes)``, PyTorch's ``torch.Tensor`` constructor.

        Values are copied.  As in PyTorch, Python numbers and lists become the default float
        dtype (``Tensor([1, 2])`` is float32) and ``Tensor(2, 3)`` is a (2, 3) float tensor
        (of zeros here; PyTorch leaves it uninitialised).  Unlike PyTorch, a numpy array or
        a Tensor keeps its dtype (PyTorch converts to float32), and ``requires_grad=`` is
        accepted; ``torch.tensor(...)`` is the constructor to prefer in new code.
        """
        if len(data) == 1 and (isinstance(data[0], bool) or not isinstance(data[0], int)):
            values = data[0]
            if isinstance(values, Tensor):
                values = values._array  # type: ignore[has-type]
            elif dtype is None and not isinstance(values, np.ndarray | np.generic):
                dtype = default_float()  # numbers and lists: PyTorch's float32
            self._array = to_array(values, dtype)
        else:
            shape = _sizes("Tensor", data) if data else (0,)  # Tensor() is empty, as PyTorch's
            self._array = np.zeros(shape, dtype or default_float())
        self._grad: Tensor | None = None
        self._grad_edge: tuple[graph.Node, int] | None = None  # see autograd/graph.py
        self._version_counter = graph.new_version_counter()  # shared by views
        self.name: str | None = None
        if requires_grad:
            self.requires_grad_(True)

    def __getattr__(self, name: str) -> Any:
        """Only reached for a name the class lacks: say so, and where to look."""
        raise not_covered("'Tensor' object", name)

    @staticmethod
    def _wrap(data: np.ndarray) -> Tensor:
        """A plain leaf Tensor around ``data`` as is (no copy, no checks): the fast path."""
        t = Tensor.__new__(Tensor)
        t._array, t._grad, t._grad_edge, t.name = data, None, None, None
        t._version_counter = [0, 0, 0]  # graph.new_version_counter(), without the call
        return t

    def _operand(self, other: Any) -> np.ndarray:
        """``other``'s data as an array; a number takes this tensor's dtype (no upcast)."""
        if isinstance(other, Tensor):
            return other._array
        return scalar_operand(self._array.dtype, other)

    # ------------------------------------------------------------------ properties
    @property
    def data(self) -> Tensor:
        """A Tensor sharing this one's memory, with ``requires_grad=False``, as in PyTorch.

        Writing through it (``p.data.add_(...)``, ``p.data[0] = 1``) changes ``self`` without
        autograd noticing: it has its own version counter, so a saved tensor changed this way
        is *not* caught at backward; prefer ``with no_grad():`` and ``detach()``, which share
        the counter. Assigning ``t.data = other`` makes ``t`` hold ``other``'s values (shape
        and dtype may change), as in PyTorch.
        """
        t = Tensor._wrap(self._array)
        t._version_counter[graph.SHARED] = self._version_counter[graph.SHARED] = 1
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._array = value._array
        self._version_counter[graph.SHARED] = value._version_counter[graph.SHARED] = 1

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape as a tuple (``size()`` gives it as a ``torch.Size``)."""
        return self._array.shape

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the data."""
        return self._array.dtype

    @property
    def ndim(self) -> int:
        """The number of dims."""
        return self._array.ndim

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded for backward."""
        return self._grad_edge is not None

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op (those the user created)."""
        edge = self._grad_edge
        return edge is None or type(edge[0]) is graph.AccumulateGrad

    @property
    def grad_fn(self) -> graph.Node | None:
        """The node of the op that made this tensor, e.g. ``<MulBackward0>`` (None for
        leaves); ``grad_fn.next_functions`` leads back through the graph."""
        edge = self._grad_edge
        return None if edge is None or type(edge[0]) is graph.AccumulateGrad else edge[0]

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (0 for single-output ops)."""
        return 0 if self._grad_edge is None else self._grad_edge[1]

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (leaves, and non-leaves that called
        ``retain_grad()``)."""
        g = self._grad
        if g is None and not self.is_leaf and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value._array.shape != self._array.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: {value.shape}, "
                    f"the tensor is {self.shape}"
                )
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: {value.dtype}, "
                    f"the tensor is {self.dtype}"
                )
        self._grad = value

    def size(self, dim: int | None = None) -> movement.Size | int:
        """The shape as a ``Size`` (a tuple printed ``torch.Size([2, 3])``), or the size of
        one ``dim`` as an int."""
        shape = self._array.shape
        if dim is None:
            return tuple.__new__(movement.Size, shape)
        if not shape:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return shape[normalize_dims(dim, len(shape))[0]]  # type: ignore[index]

    def dim(self) -> int:
        """The number of dims."""
        return self._array.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._array.size)

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._array)

    __hash__ = object.__hash__  # identity, as comparisons return tensors

    # ------------------------------------------------------------------ conversion
    def item(self) -> float | int | bool:
        """The single value of a one-element tensor as a Python number."""
        if self._array.size != 1:
            raise ValueError(
                f"a Tensor with {self._array.size} elements cannot be converted to Scalar"
            )
        return self._array.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        self._version_counter[graph.SHARED] = 1
        return self._array

    def tolist(self) -> Any:
        """The values as nested Python lists."""
        return self._array.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self._array.dtype:
            return self._array.astype(dtype)
        return self._array.copy() if copy else self._array

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._array.size} elements is ambiguous"
            )
        return bool(self._array.item())

    def float(self) -> Tensor:
        """This tensor as float32."""
        return self.to(float32)

    def double(self) -> Tensor:
        """This tensor as float64."""
        return self.to(float64)

    def long(self) -> Tensor:
        """This tensor as int64 (no gradient flows through an integer result)."""
        return self.to(int64)

    def int(self) -> Tensor:
        """This tensor as int32 (no gradient flows through an integer result)."""
        return self.to(int32)

    def bool(self) -> Tensor:
        """This tensor as bool: True where non-zero (no gradient)."""
        return self.to(np.bool_)

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Tensor:
        """This tensor on ``device`` (always the CPU) as ``dtype``: ``to(torch.float64)``,
        ``to("cpu")``, ``to(device, dtype)``; differentiable between float dtypes."""
        for a in args:
            if isinstance(a, Device) or (isinstance(a, str) and not _is_dtype_name(a)):
                device = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            else:
                dtype = a
        as_device(device)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype == self._array.dtype:
            return self
        if dtype.kind != "f":  # integer results carry no gradient
            return Tensor._wrap(self._array.astype(dtype))
        return unary.to_dtype(self, dtype)

    def type(self, dtype: Any = None, non_blocking: _builtins.bool = False) -> Any:
        """``t.type()`` is PyTorch's legacy type name (``'torch.FloatTensor'``);
        ``t.type(d)`` is ``t.to(d)`` for a dtype, a legacy class (``torch.DoubleTensor``) or
        its name (``'torch.DoubleTensor'``)."""
        if dtype is None:
            mine = self._array.dtype
            return next((n for n, d in LEGACY_TYPES.items() if d == mine), f"torch.{mine}")
        if isinstance(dtype, str):
            if dtype not in LEGACY_TYPES:
                raise ValueError(f"invalid type: {dtype!r} (known: {', '.join(LEGACY_TYPES)})")
            dtype = LEGACY_TYPES[dtype]
        return self.to(dtype)

    @property
    def device(self) -> Device:
        """Where the data lives: always ``device(type='cpu')``."""
        return CPU

    def cpu(self) -> Tensor:
        """This tensor (it is on the CPU already)."""
        return self

    # ------------------------------------------------------------------ the graph
    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data (and version counter), cut from the graph."""
        t = Tensor._wrap(self._array)
        t._version_counter = self._version_counter
        self._version_counter[graph.SHARED] = 1
        return t

    def requires_grad_(self, requires_grad: _builtins.bool = True) -> Tensor:
        """Set ``requires_grad`` in place (only on leaves, only for floating dtypes)."""
        if requires_grad and self._array.dtype.kind != "f":
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients, "
                f"got {self._array.dtype}"
            )
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables; use detach() "
                    "to get a tensor that does not require grad"
                )
            return self
        if requires_grad and self._grad_edge is None:
            self._grad_edge = (graph.AccumulateGrad(self), 0)
        elif not requires_grad:
            self._grad_edge = None
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf's gradient in ``.grad`` during backward (leaves always do)."""
        if self._grad_edge is None:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf:
            return
        node, nr = self._grad_edge
        node._retain_grad(nr, self)

    @property
    def retains_grad(self) -> _builtins.bool:
        """Whether this non-leaf called ``retain_grad()``."""
        if self.is_leaf:
            return False
        node, nr = self._grad_edge  # type: ignore[misc]
        return node._retains_grad(nr)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> graph.RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient has been computed, before it is
        used; a Tensor it returns replaces the gradient.  ``handle.remove()`` undoes it."""
        if self._grad_edge is None:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {type(hook).__name__}")
        node, nr = self._grad_edge
        return node._add_pre_hook(nr, hook)

    def backward(
        self,
        gradient: ArrayLike | None = None,
        retain_graph: _builtins.bool | None = None,
        create_graph: _builtins.bool = False,
        inputs: Sequence[Tensor] | None = None,
    ) -> None:
        """Accumulate d(self)/d(leaf), times ``gradient``, into ``.grad`` of every leaf.

        ``gradient`` may be omitted only for a one-element tensor (it is then 1).
        """
        if gradient is None and inputs is None and not create_graph:  # the usual call
            if self._grad_edge is None:
                raise RuntimeError(
                    "element 0 of tensors does not require grad and does not have a grad_fn"
                )
            if self._array.size == 1:
                seed = np.ones(self._array.shape, self._array.dtype)  # (cheaper than ones_like)
                engine.walk([(self._grad_edge, seed)], bool(retain_graph))
                return
        _autograd_backward(self, gradient, retain_graph, create_graph, inputs)

    # ------------------------------------------------------------------ in-place
    @property
    def _version(self) -> _builtins.int:
        """How many in-place changes the memory of this tensor (or its views) has seen."""
        return self._version_counter[graph.VERSION]

    def _bump_version(self) -> None:
        graph.bump_versions((self,))

    def _records(self, op: str, operand: Any = None) -> _builtins.bool:
        """Whether in-place ``op`` must be recorded in the graph: in grad mode, when this
        tensor or ``operand`` requires grad.  Raises, before anything changes, where PyTorch
        does (a leaf that requires grad) and where this library does not follow it (memory
        seen by another tensor: PyTorch then rewrites the other's history too)."""
        if not mode.enabled:
            return False
        if not (self.requires_grad or (isinstance(operand, Tensor) and operand.requires_grad)):
            return False
        if self.is_leaf and self.requires_grad:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place "
                "operation; wrap the update in `with no_grad():`"
            )
        if self._version_counter[graph.SHARED]:
            raise RuntimeError(
                f"{op}: this tensor shares its memory with another (a view of it, or made by "
                "detach(), .data or numpy()), and an in-place change of it inside a graph is "
                "not supported here; use the out-of-place form (e.g. y = y + z, torch.where)"
            )
        return True

    def _become(self, op: str, result: Tensor) -> Tensor:
        """Record ``self ← result`` (the out-of-place form of in-place ``op``): ``self`` takes
        the result's values and its place in the graph, as PyTorch's in-place ops do.

        The values go into a new array rather than over the old one: the graph's saved
        values stay intact (``_records`` made sure no other tensor sees the old memory), so
        the gradient is exact even where PyTorch would have to refuse a changed saved tensor.
        """
        self._check_result(op, result._array)
        if result._array.dtype != self._array.dtype:
            result = unary.to_dtype(result, self._array.dtype)
        counter = result._version_counter
        counter[graph.VERSION] = self._version_counter[graph.VERSION] + 1
        self._array, self._grad_edge, self._version_counter = (
            result._array,
            result._grad_edge,
            counter,
        )
        return self

    def _check_result(self, op: str, values: np.ndarray) -> None:
        """An in-place result must fit this tensor: its shape, and a dtype of the same kind."""
        if values.shape != self._array.shape and (
            np.broadcast_shapes(values.shape, self._array.shape) != self._array.shape
        ):
            raise RuntimeError(
                f"{op}: output with shape {list(self._array.shape)} doesn't match the "
                f"broadcast shape {list(values.shape)}"
            )
        if not np.can_cast(values.dtype, self._array.dtype, "same_kind"):
            raise RuntimeError(
                f"{op}: result type {values.dtype} can't be cast to the desired output type "
                f"{self._array.dtype}"
            )

    def _inplace(self, op: str, values: Any) -> Tensor:
        """Write ``values`` into the array (keeping its dtype) and bump the version: the
        unrecorded path (no grad mode, or nothing requires grad)."""
        values = np.asarray(values)
        self._check_result(op, values)
        self._array[...] = values
        self._bump_version()
        return self

    def zero_(self) -> Tensor:
        """Set every element to 0 in place."""
        if self._records("zero_"):
            return self._become("zero_", arithmetic.overwrite(self, 0, "zero_"))
        return self._inplace("zero_", self._operand(0))

    def fill_(self, value: ArrayLike) -> Tensor:
        """Set every element to ``value`` (a number or a 0-d tensor) in place."""
        if self._records("fill_", value):
            return self._become("fill_", arithmetic.overwrite(self, value, "fill_"))
        return self._inplace("fill_", self._operand(value))

    def copy_(self, src: ArrayLike) -> Tensor:
        """Copy ``src`` (broadcast to this shape) into this tensor in place."""
        src_data = src._array if isinstance(src, Tensor) else np.asarray(src)
        try:
            np.broadcast_to(src_data, self.shape)
        except ValueError:
            raise RuntimeError(
                f"copy_: source of shape {np.shape(src_data)} does not broadcast to {self.shape}"
            ) from None
        if self._records("copy_", src):
            return self._become("copy_", arithmetic.overwrite(self, src, "copy_"))
        return self._inplace("copy_", src_data.astype(self._array.dtype, copy=False))

    def add_(self, other: ArrayLike, alpha: _builtins.float = 1) -> Tensor:
        """self += alpha·other in place."""
        if self._records("add_", other):
            return self._become("add_", arithmetic.add(self, _scaled(other, alpha)))
        return self._inplace("add_", self._array + alpha * self._operand(other))

    def sub_(self, other: ArrayLike, alpha: _builtins.float = 1) -> Tensor:
        """self −= alpha·other in place."""
        if self._records("sub_", other):
            return self._become("sub_", arithmetic.sub(self, _scaled(other, alpha)))
        return self._inplace("sub_", self._array - alpha * self._operand(other))

    def mul_(self, other: ArrayLike) -> Tensor:
        """self *= other in place."""
        if self._records("mul_", other):
            return self._become("mul_", arithmetic.mul(self, other))
        return self._inplace("mul_", self._array * self._operand(other))

    def div_(self, other: ArrayLike) -> Tensor:
        """self /= other in place (an integer tensor refuses: the result is a float)."""
        if self._records("div_", other):
            return self._become("div_", arithmetic.div(self, other))
        return self._inplace("div_", self._array / self._operand(other))

    # `x -= y` updates x in place (never rebinds the name to a new tensor), as in PyTorch
    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def _apply_(self, op: str, result: Callable[[], Tensor], operand: Any = None) -> Tensor:
        """The in-place form of an out-of-place op: ``self ← result()``, recorded in the
        graph in grad mode (see ``_records``), else written into this tensor's memory."""
        if self._records(op, operand):
            return self._become(op, result())
        return self._inplace(op, result()._array)

    def pow_(self, exponent: ArrayLike) -> Tensor:
        """self **= exponent in place."""
        return self._apply_("pow_", lambda: arithmetic.pow(self, exponent), exponent)

    __ipow__ = pow_

    def masked_fill_(self, mask: ArrayLike, value: _builtins.float) -> Tensor:
        """``value`` where ``mask`` holds, in place."""
        return self._apply_("masked_fill_", lambda: arithmetic.masked_fill(self, mask, value))

    def clamp_(
        self, min: _builtins.float | None = None, max: _builtins.float | None = None
    ) -> Tensor:
        """Limit to [min, max] in place."""
        return self._apply_("clamp_", lambda: unary.clamp(self, min, max))

    clip_ = clamp_

    # the in-place forms of one-tensor ops: x.exp_() is x ← exp(x), recorded as exp is
    exp_ = _inplace_form("exp_", unary.exp)
    log_ = _inplace_form("log_", unary.log)
    sqrt_ = _inplace_form("sqrt_", unary.sqrt)
    abs_ = _inplace_form("abs_", unary.abs)
    neg_ = _inplace_form("neg_", arithmetic.neg)
    relu_ = _inplace_form("relu_", unary.relu)
    tanh_ = _inplace_form("tanh_", unary.tanh)
    sigmoid_ = _inplace_form("sigmoid_", unary.sigmoid)

    def uniform_(
        self, from_: _builtins.float = 0.0, to: _builtins.float = 1.0, *, generator: Any = None
    ) -> Tensor:
        """Fill in place with samples from U(from, to) (the library's generator, or the
        numpy ``generator`` given; not PyTorch's numbers)."""
        if not from_ <= to:
            raise RuntimeError(
                f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}"
            )
        return self._random_fill_(
            "uniform_", numpy_generator(generator).uniform(from_, to, self.shape)
        )

    def normal_(
        self, mean: _builtins.float = 0.0, std: _builtins.float = 1.0, *, generator: Any = None
    ) -> Tensor:
        """Fill in place with samples from N(mean, std²) (as ``uniform_``)."""
        if not std >= 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return self._random_fill_(
            "normal_", numpy_generator(generator).normal(mean, std, self.shape)
        )

    def _random_fill_(self, op: str, values: np.ndarray) -> Tensor:
        if self._records(op):
            return self._become(op, arithmetic.overwrite(self, values, "fill_"))
        return self._inplace(op, values.astype(self._array.dtype, copy=False))

    def __setitem__(self, index: Any, value: ArrayLike) -> None:
        if self._records("__setitem__", value):
            self._become("__setitem__", movement.setitem(self, index, value))
            return
        array = value._array if isinstance(value, Tensor) else value
        self._array[movement.index_arg(index)] = array
        self._bump_version()

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        """PyTorch's print (see ``printing.py``): values, then dtype and graph suffixes."""
        data = self._array
        extras = []
        if data.dtype not in (default_float(), int64, np.dtype(bool)):
            extras.append(f"dtype=torch.{data.dtype}")  # as PyTorch prints it, like Size
        grad_fn = self.grad_fn
        if grad_fn is not None:
            extras.append(f"grad_fn=<{grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return tensor_repr(data, extras)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``), as in PyTorch."""
        if self._array.ndim == 0:
            return self._array.item().__format__(spec)
        return object.__format__(self, spec)

    # ------------------------------------------------------------------ the op index
    # arithmetic (ops/arithmetic.py); a number on either side takes this tensor's dtype
    __add__: _Op = arithmetic.add
    add = __add__
    __sub__: _Op = arithmetic.sub
    sub = __sub__
    __mul__: _Op = arithmetic.mul
    mul = __mul__
    __truediv__: _Op = arithmetic.div
    div = __truediv__
    __mod__: _Op = arithmetic.remainder
    remainder = __mod__
    __floordiv__: _Op = arithmetic.floor_divide
    floor_divide = __floordiv__
    __pow__: _Op = arithmetic.pow
    pow = __pow__
    __neg__: _Op = arithmetic.neg
    neg = __neg__
    __matmul__: _Op = arithmetic.matmul
    matmul = __matmul__
    mm: _Op = arithmetic.mm
    bmm: _Op = arithmetic.bmm
    dot: _Op = arithmetic.dot
    outer: _Op = arithmetic.outer
    maximum: _Op = arithmetic.maximum
    minimum: _Op = arithmetic.minimum
    masked_fill: _Op = arithmetic.masked_fill

    def square(self) -> Tensor:
        """x², recorded as ``x ** 2`` (PyTorch's node too)."""
        return arithmetic.pow(self, 2)

    def allclose(
        self,
        other: Tensor,
        rtol: _builtins.float = 1e-05,
        atol: _builtins.float = 1e-08,
        equal_nan: _builtins.bool = False,
    ) -> _builtins.bool:
        """Whether |self − other| ≤ atol + rtol·|other| everywhere (broadcasting)."""
        return bool(np.allclose(self._array, other._array, rtol, atol, equal_nan))

    def equal(self, other: Tensor) -> _builtins.bool:
        """Whether ``other`` has this shape and these values."""
        return self.shape == other.shape and bool(np.array_equal(self._array, other._array))

    def __radd__(self, other: ArrayLike) -> Tensor:
        return arithmetic.add(self, other)  # x + y == y + x, as PyTorch records it

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return arithmetic.sub(other, self)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return arithmetic.mul(self, other)

    def __rmod__(self, other: ArrayLike) -> Tensor:
        return arithmetic.remainder(other, self)

    def __rfloordiv__(self, other: ArrayLike) -> Tensor:
        return arithmetic.floor_divide(other, self)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return arithmetic.div(other, self)

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return arithmetic.pow(other, self)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return arithmetic.matmul(other, self)

    def __pos__(self) -> Tensor:
        return self

    # comparisons: no graph, a bool tensor
    def _compare(self, other: Any, fn: Callable[[Any, Any], Any]) -> Tensor:
        x, y = promote(self._array, self._operand(other), fn.__name__)
        return Tensor._wrap(np.asarray(fn(x, y)))

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

    def eq(self, other: ArrayLike) -> Tensor:
        """self == other elementwise (broadcasting): a bool tensor, no gradient."""
        return self._compare(other, np.equal)

    def ne(self, other: ArrayLike) -> Tensor:
        """self != other elementwise (broadcasting): a bool tensor, no gradient."""
        return self._compare(other, np.not_equal)

    # bitwise and logical: bool and integer tensors (masks), no graph
    def _bitwise(self, other: Any, fn: Callable[[Any, Any], Any]) -> Tensor:
        x, y = self._array, self._operand(other)
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            raise RuntimeError(
                f"{fn.__name__}: only bool and integer tensors, got {x.dtype} and {y.dtype}"
            )
        return Tensor._wrap(np.asarray(fn(x, y)))

    def __and__(self, other: ArrayLike) -> Tensor:
        return self._bitwise(other, np.bitwise_and)

    def __or__(self, other: ArrayLike) -> Tensor:
        return self._bitwise(other, np.bitwise_or)

    def __xor__(self, other: ArrayLike) -> Tensor:
        return self._bitwise(other, np.bitwise_xor)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __invert__(self) -> Tensor:
        """``~mask``: logical not of a bool tensor, bitwise not of an integer one."""
        if self._array.dtype.kind == "f":
            raise RuntimeError(f"bitwise_not: only bool and integer tensors, got {self.dtype}")
        return Tensor._wrap(np.asarray(np.invert(self._array)))

    def logical_not(self) -> Tensor:
        """``x == 0`` elementwise, for any dtype: a bool tensor."""
        return Tensor._wrap(np.asarray(np.logical_not(self._array)))

    def logical_and(self, other: ArrayLike) -> Tensor:
        """Both nonzero, elementwise (any dtypes): a bool tensor."""
        return self._compare(other, np.logical_and)

    def logical_or(self, other: ArrayLike) -> Tensor:
        """Either nonzero, elementwise (any dtypes): a bool tensor."""
        return self._compare(other, np.logical_or)

    def lt(self, other: ArrayLike) -> Tensor:
        """self < other elementwise (broadcasting): a bool tensor, no gradient."""
        return self._compare(other, np.less)

    def le(self, other: ArrayLike) -> Tensor:
        """self <= other elementwise (broadcasting): a bool tensor, no gradient."""
        return self._compare(other, np.less_equal)

    def gt(self, other: ArrayLike) -> Tensor:
        """self > other elementwise (broadcasting): a bool tensor, no gradient."""
        return self._compare(other, np.greater)

    def ge(self, other: ArrayLike) -> Tensor:
        """self >= other elementwise (broadcasting): a bool tensor, no gradient."""
        return self._compare(other, np.greater_equal)

    # pointwise (ops/unary.py)
    exp: _Op = unary.exp
    log: _Op = unary.log
    sqrt: _Op = unary.sqrt
    sin: _Op = unary.sin
    cos: _Op = unary.cos
    abs: _Op = unary.abs
    __abs__ = abs
    relu: _Op = unary.relu
    tanh: _Op = unary.tanh
    sigmoid: _Op = unary.sigmoid
    clamp: _Op = unary.clamp
    clip = clamp
    clone: _Op = unary.clone
    log1p: _Op = unary.log1p
    expm1: _Op = unary.expm1
    sign: _Op = unary.sign
    floor: _Op = unary.floor
    ceil: _Op = unary.ceil
    round: _Op = unary.round
    nan_to_num: _Op = unary.nan_to_num
    isnan: _Op = unary.isnan
    isinf: _Op = unary.isinf
    isfinite: _Op = unary.isfinite

    # reductions (ops/reduce.py)
    sum: _Op = reduce.sum
    mean: _Op = reduce.mean
    max = reduce.max
    min = reduce.min
    argmax: _Op = reduce.argmax
    argmin: _Op = reduce.argmin
    var: _Op = reduce.var
    std: _Op = reduce.std
    norm: _Op = reduce.norm
    prod: _Op = reduce.prod
    cumsum: _Op = reduce.cumsum
    sort = reduce.sort
    argsort = reduce.argsort
    topk = reduce.topk
    all: _Op = reduce.all
    any: _Op = reduce.any

    # movement (ops/movement.py)
    reshape: _Op = movement.reshape
    view = reshape
    flatten: _Op = movement.flatten
    squeeze: _Op = movement.squeeze
    unsqueeze: _Op = movement.unsqueeze
    transpose: _Op = movement.transpose
    t: _Op = movement.t
    tril: _Op = movement.tril
    unbind = movement.unbind
    triu: _Op = movement.triu
    permute: _Op = movement.permute
    expand: _Op = movement.expand
    expand_as: _Op = movement.expand_as
    view_as: _Op = movement.view_as
    repeat: _Op = movement.repeat
    split = movement.split
    chunk = movement.chunk
    gather: _Op = movement.gather
    scatter_add: _Op = movement.scatter_add
    __getitem__: _Op = movement.getitem

    @property
    def T(self) -> Tensor:
        """All dims reversed (a view)."""
        return movement.reversed_dims(self)

    # nn ops that PyTorch also has as Tensor methods (ops/nn.py)
    softmax: _Op = nn_ops.softmax
    log_softmax: _Op = nn_ops.log_softmax

    # dtypes and new tensors like this one
    def type_as(self, other: Tensor) -> Tensor:
        """This tensor in ``other``'s dtype (``self.to(other.dtype)``)."""
        if not isinstance(other, Tensor):
            raise TypeError(f"type_as: other must be a Tensor, got {type(other).__name__}")
        return self.to(other.dtype)

    def _new(self, data: np.ndarray, requires_grad: _builtins.bool) -> Tensor:
        t = Tensor._wrap(data)
        return t.requires_grad_() if requires_grad else t

    def _dtype_or(self, dtype: Any) -> np.dtype:
        return self._array.dtype if dtype is None else np.dtype(dtype)

    def new_zeros(
        self, *size: Any, dtype: Any = None, requires_grad: _builtins.bool = False
    ) -> Tensor:
        """A tensor of zeros of shape ``size``, of this tensor's dtype unless ``dtype`` says."""
        shape = movement._shape_from(size)
        return self._new(np.zeros(shape, self._dtype_or(dtype)), requires_grad)

    def new_ones(
        self, *size: Any, dtype: Any = None, requires_grad: _builtins.bool = False
    ) -> Tensor:
        """A tensor of ones of shape ``size``, of this tensor's dtype unless ``dtype`` says."""
        shape = movement._shape_from(size)
        return self._new(np.ones(shape, self._dtype_or(dtype)), requires_grad)

    def new_full(
        self,
        size: Sequence[_builtins.int],
        fill_value: Any,
        dtype: Any = None,
        requires_grad: _builtins.bool = False,
    ) -> Tensor:
        """A tensor of shape ``size`` filled with ``fill_value``, of this tensor's dtype unless
        ``dtype`` says."""
        shape = (size,) if isinstance(size, int) else tuple(size)
        return self._new(np.full(shape, fill_value, self._dtype_or(dtype)), requires_grad)

    def new_tensor(
        self, data: Any, dtype: Any = None, requires_grad: _builtins.bool = False
    ) -> Tensor:
        """A new leaf holding a copy of ``data``, of this tensor's dtype unless ``dtype`` says."""
        values = data._array if isinstance(data, Tensor) else data
        return self._new(to_array(values, self._dtype_or(dtype)), requires_grad)


graph.use_tensor_type(Tensor)


def _is_dtype_name(name: str) -> bool:
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


def _sizes(op: str, sizes: tuple[Any, ...]) -> tuple[int, ...]:
    """``sizes`` as a shape: non-negative integers (one tuple of them also works)."""
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
        sizes = tuple(sizes[0])
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"{op}: trying to create a tensor with size {n!r} (sizes {sizes})")
    return tuple(int(n) for n in sizes)


def _scaled(other: ArrayLike, alpha: float) -> ArrayLike:
    """``alpha·other`` for ``add_``/``sub_`` (``other`` itself when alpha is 1)."""
    return other if alpha == 1 else other * alpha  # type: ignore[operator]


def zero_grads(tensors: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Reset the ``.grad`` of each tensor: to None, or to zeros in place."""
    for t in tensors:
        g = t._grad
        if g is None:
            continue
        if set_to_none:
            t._grad = None
        else:
            g._array.fill(0)


# ---------------------------------------------------------------------- functions of tensors
cat = movement.cat
stack = movement.stack
where = arithmetic.where
maximum = arithmetic.maximum
minimum = arithmetic.minimum
