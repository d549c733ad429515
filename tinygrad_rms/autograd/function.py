"""``Function``: the one door through which every differentiable op enters the graph.

Write an op as a subclass with two static methods, PyTorch's contract::

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):        # d loss / d output
            (x,) = ctx.saved_tensors
            return 2 * x * grad         # d loss / d x: one gradient per forward input

    y = Square.apply(x)

``apply`` runs ``forward`` and, when grad mode is on and an input requires grad, records
a node in the graph; ``backward`` later runs ``backward`` on that node.  The node *is*
the ``ctx`` both methods receive, and the ``grad_fn`` of the outputs: its class is made
for each Function (``SquareBackward``), so ``y.grad_fn.name()`` says which op made ``y``.

By default (as in PyTorch) ``forward`` receives Tensors and runs with grad mode off, and
``backward`` receives and returns Tensors, which are checked against the inputs (their
number, shapes and dtypes).  The library's own ops are written on this same class with
``arrays=True`` (``class Mul(Function, arrays=True)``): their forward receives the numpy
arrays of the Tensor arguments and returns arrays, and their backward works on arrays
too and is trusted to return exact shapes (their tests check every gradient against
central differences and PyTorch).  That skips a Tensor wrapper around every value, which
is most of an op's cost at small sizes; everything else (ctx, ``save_for_backward``,
``needs_input_grad``, the node, the count of returned gradients) is shared.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from ..arrays import unbroadcast
from .anomaly import check_finite_output
from .grad_mode import mode
from .graph import CHANGED_AT, SHARED, VERSION, Node, mutation_clock, sequence, tensor_type

__all__ = ["BackwardFunction", "Function", "FunctionCtx"]

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or to directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the graph "
    "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
    "you need to backward through the graph a second time or if you need to access saved "
    "tensors after calling backward."
)


class FunctionCtx:
    """What ``forward`` and ``backward`` can do with ``ctx`` (mixed into every node)."""

    __slots__ = ()

    _saved: tuple[Any, ...] | None  # a slot of the node; None once freed
    # defaults, until forward changes them (they then live in the node's __dict__)
    _non_differentiable: tuple[Any, ...] = ()
    _materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (or, with ``arrays=True``, arrays) for ``backward``; read them
        back from ``ctx.saved_tensors``.  They are freed after the first backward."""
        self._saved = tensors  # type: ignore[misc]  # a slot of the node subclass

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What ``save_for_backward`` kept."""
        if self._saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        return self._saved

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Outputs (e.g. indices) that carry no gradient: they will not require grad."""
        self._non_differentiable = outputs  # type: ignore[misc]  # in the node's __dict__

    def set_materialize_grads(self, value: bool) -> None:
        """With ``True`` (the default), gradients of unused outputs reach ``backward`` as
        zeros; with ``False``, as ``None``."""
        self._materialize_grads = bool(value)  # type: ignore[misc]  # in the node's __dict__


class BackwardFunction(FunctionCtx, Node):
    """The node a ``Function`` records: its ``ctx``, and the outputs' ``grad_fn``.

    Besides what ``forward`` stores on it (it accepts any attribute), it holds its op
    (``_function``: its name, its backward), the inputs until backward has used them, the
    inputs' gradient edges (``next_functions``), ``needs_input_grad``, and what the
    in-place check needs.

    Every op's node is of this one class; ``name()`` comes from the op.  (PyTorch makes a
    class per op.  Here the walk and ``apply`` read the same few attributes of every
    node, and CPython 3.11 runs such reads fast only while they keep meeting one type:
    one class for all made a small model's training step ~5 % faster.)
    """

    __slots__ = (
        "__dict__",
        "__weakref__",
        "_edges",
        "_function",
        "_inputs",
        "_made_at",
        "_n_outputs",
        "_output_counter",
        "_pre_hooks",
        "_saved",
        "_sequence_nr",
        "needs_input_grad",
    )

    _function: type[Function]  # the op: its name, its backward
    _inputs: tuple[Any, ...] | None  # until backward has used them
    _edges: Sequence[Any]  # the inputs' (node, output_nr), PyTorch's next_functions
    _made_at: int  # the mutation clock when the op ran
    _output_counter: Any
    _n_outputs: int  # how many outputs the op has
    _pre_hooks: dict[int, list[Any]] | None  # tensor hooks (and retain_grad), by output
    # defaults of what few nodes set (those that do keep theirs in their __dict__)
    _site: str | None = None  # where the op was created (anomaly mode only)
    _output_meta: list[Any] | None = None  # several outputs: (shape, dtype) or None each

    #: One bool per argument of ``forward``: whether that input needs a gradient
    #: (backward may skip computing the others, returning None for them).
    needs_input_grad: tuple[bool, ...]

    def name(self) -> str:
        """The op's node name, e.g. ``'MulBackward0'``, or ``'<YourFunction>Backward'``."""
        return self._function.node_name

    @property
    def op_name(self) -> str:
        """The op's name in messages: the node's name without "Backward0" (e.g. "Mul")."""
        return self._function.op_name

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """One ``(node, output_nr)`` per Tensor argument of ``forward``; ``(None, 0)`` for
        one that needed no gradient (as ``Function.shown_edges`` shows them)."""
        edges = self._function.shown_edges(self)
        return tuple(e if e else (None, 0) for e in edges if e is not False)

    @property
    def metadata(self) -> dict[str, Any]:
        """A dict to keep notes on the node in (as PyTorch's ``grad_fn.metadata``)."""
        return self.__dict__.setdefault("_metadata", {})

    def _run_backward(self, grads: Any) -> tuple[Any, ...]:
        """The function's backward on the gradients of the outputs (one array, or a list
        with None for unused outputs); returns what it returned, as a tuple of arrays (or
        None), one per argument of forward (checked by the walk)."""
        if self._inputs is None:
            raise RuntimeError(_FREED_MESSAGE)
        function = self._function
        if self._n_outputs == 1:
            grads = (grads,)
        elif self._materialize_grads:  # zeros for unused outputs (None for non-Tensors)
            grads = tuple(
                np.zeros(*meta) if g is None and meta is not None else g
                for g, meta in zip(grads, self._output_meta or (), strict=True)
            )
        if function.arrays:
            result = function.backward(self, *grads)
            return result if type(result) is tuple else (result,)
        tensor, wrap = tensor_type.cls, tensor_type.wrap
        with _grad_disabled():
            result = function.backward(self, *(None if g is None else wrap(g) for g in grads))
        arrays = []
        for i, g in enumerate(result if type(result) is tuple else (result,)):
            if g is not None and not isinstance(g, tensor):
                raise TypeError(
                    f"function {self.name()} returned a {type(g).__name__} as the gradient "
                    f"at position {i}; expected a Tensor or None"
                )
            arrays.append(None if g is None else g._array)
        return tuple(arrays)

    def _wrong_count(self, result: tuple[Any, ...]) -> tuple[Any, ...]:
        """``result`` cut to one gradient per input, if what is beyond is None (PyTorch
        allows that); else the error."""
        n = len(self._edges)
        if len(result) < n or any(g is not None for g in result[n:]):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {n}, got {len(result)})"
            )
        return result[:n]

    def _checked(self, result: tuple[Any, ...]) -> tuple[Any, ...]:
        """The gradients a Tensor-mode backward returned, each in its input's shape (a
        broadcast one is summed back, as PyTorch does) and dtype; any other shape, or a
        gradient for a non-Tensor argument, is an error naming the node."""
        checked: list[Any] = []
        for i, (g, edge) in enumerate(zip(result, self._edges, strict=True)):
            if g is None or not edge:
                if g is not None and edge is False:
                    raise self._not_a_tensor(i)
                checked.append(None)
                continue
            data = self._inputs[i]._array  # type: ignore[index]
            if g.shape != data.shape:
                g = _sum_to(g, data.shape, self.name(), i)
            checked.append(g if g.dtype == data.dtype else g.astype(data.dtype))
        return tuple(checked)

    def _not_a_tensor(self, i: int) -> RuntimeError:
        return RuntimeError(
            f"function {self.name()} returned a gradient different than None at position "
            f"{i + 1}, but the corresponding forward input was not a Tensor"
        )


def _sum_to(g: np.ndarray, shape: tuple[int, ...], name: str, i: int) -> np.ndarray:
    """A gradient of a broadcast shape summed back to the input's ``shape`` (any other
    shape is an error naming the node)."""
    lead = g.ndim - len(shape)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, g.shape[lead:], strict=True)):
        raise RuntimeError(
            f"function {name} returned an invalid gradient at index {i} - got "
            f"{list(g.shape)} but expected shape compatible with {list(shape)}"
        )
    return unbroadcast(g, shape)


class _grad_disabled:
    """``no_grad`` without its decorator machinery (user forward/backward run inside)."""

    __slots__ = ("_saved",)

    def __enter__(self) -> None:
        self._saved = mode.enabled
        mode.enabled = False

    def __exit__(self, *exc: object) -> None:
        mode.enabled = self._saved


class Function:
    """Base class of differentiable ops: subclass it, write ``forward`` and ``backward``
    as static methods, call ``YourOp.apply(...)`` (see the module docstring).

    Class keywords: ``arrays=True`` makes forward and backward work on numpy arrays (the
    library's own ops); ``name=`` sets the node's class name (default: the class name
    plus ``Backward``, e.g. ``'SquareBackward'``; the library uses PyTorch's names such
    as ``'MulBackward0'``).
    """

    #: forward and backward receive and return numpy arrays instead of Tensors
    arrays: ClassVar[bool] = False
    #: the name of this Function's nodes (``grad_fn.name()``), and without "Backward"
    node_name: ClassVar[str] = "FunctionBackward"
    op_name: ClassVar[str] = "Function"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``MyFunction()(x)``, the style of PyTorch before 1.3, which PyTorch refuses too."""
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please "
            "use new-style autograd function with static forward method: make forward and "
            f"backward @staticmethods and call {type(self).__name__}.apply(...)"
        )

    def __init_subclass__(cls, arrays: bool | None = None, name: str | None = None) -> None:
        super().__init_subclass__()
        if arrays is not None:
            cls.arrays = arrays
        cls.node_name = name or f"{cls.__name__}Backward"
        cls.op_name = re.sub(r"Backward\d*$", "", cls.node_name) or cls.node_name

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the output(s) from the inputs; save what backward needs on ``ctx``."""
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """Given d loss / d output (one per output), return d loss / d input, one per
        argument of ``forward`` (None for arguments that need no gradient)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, ...)")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        """PyTorch 2's other style: define ``forward(*inputs)`` without ``ctx`` and save what
        backward needs here instead (``ctx.save_for_backward(...)``).  Not defined: the
        classic style, ``forward(ctx, *inputs)``."""
        raise NotImplementedError

    @staticmethod
    def shown_edges(ctx: Any) -> list[Any]:
        """The input edges as ``grad_fn.next_functions`` shows them: the real ones, unless
        a fused op shows the nodes PyTorch records for it (``ops.nn.Addmm``)."""
        return ctx._edges

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and record the op in the graph when grad mode is on
        and some Tensor argument requires grad.  Keyword arguments go to ``forward`` as
        they are (never differentiated)."""
        if kwargs and not cls.arrays:  # PyTorch binds keywords to forward's parameters
            args, kwargs = _bound(cls, args, kwargs), {}
        ctx = BackwardFunction()  # one node class for every op: see BackwardFunction
        ctx._function = cls
        tensor = tensor_type.cls
        # one pass over the arguments: each Tensor's gradient edge (None if it needs no
        # gradient; None too for a constant array, False for anything else), whether it
        # needs a gradient, and what forward receives
        edges: list[Any] = []
        needs: list[bool] = []
        values: list[Any] = []
        record = False
        for a in args:
            if isinstance(a, tensor):
                values.append(a._array)
                edge = a._grad_edge
                edges.append(edge)
                if edge is None:
                    needs.append(False)
                else:
                    needs.append(True)
                    record = True
            else:
                values.append(a)
                edges.append(None if isinstance(a, np.ndarray) else False)
                needs.append(False)
        usual = not mode.changed  # grad on and anomaly off in every thread (the usual)
        if record and (usual or mode.enabled):
            ctx._edges = edges
            ctx.needs_input_grad = tuple(needs)
        else:
            record = False
            ctx._edges = _no_edges(len(args))
            ctx.needs_input_grad = tuple(needs)
        ctx._saved = ()
        if not cls.arrays:
            with _grad_disabled():
                if cls.setup_context is Function.setup_context:
                    out = cls.forward(ctx, *args, **kwargs)
                else:  # PyTorch 2's style: forward without ctx, then setup_context
                    out = cls.forward(*args, **kwargs)
                    cls.setup_context(ctx, args, out)
            return _finish(ctx, args, out, record)
        forward = cls.forward
        if kwargs:
            out = forward(ctx, *values, **kwargs)
        elif len(values) == 1:  # spelled out for one to three arguments: a plain call is
            out = forward(ctx, values[0])  # cheaper than unpacking a list (most ops)
        elif len(values) == 2:
            out = forward(ctx, values[0], values[1])
        elif len(values) == 3:
            out = forward(ctx, values[0], values[1], values[2])
        else:
            out = forward(ctx, *values)
        if type(out) is not np.ndarray or (not usual and mode.anomaly):
            return _finish(ctx, args, out, record)
        # the usual case: one array
        result = tensor._wrap(out)
        if out.base is not None:
            _share_version(result, out, args)
        if record:
            if ctx._non_differentiable:
                return _finish(ctx, args, out, record, result)
            ctx._inputs = args
            ctx._n_outputs, ctx._pre_hooks = 1, None
            ctx._sequence_nr = next(sequence)
            ctx._made_at = mutation_clock.count
            ctx._output_counter = result._version_counter
            if out.dtype.kind in "fc":
                result._grad_edge = (ctx, 0)
        return result


def _finish(
    ctx: BackwardFunction, args: tuple[Any, ...], out: Any, record: bool, made: Any = None
) -> Any:
    """``apply``'s end in general: any number of outputs, Tensor-mode results, marked
    outputs, anomaly mode.  ``made``: the Tensor already made of a single array ``out``."""
    tensor = tensor_type.cls
    function = ctx._function
    single = not isinstance(out, tuple)
    if made is not None:
        outputs = [made]
    else:
        outputs = [_output(o, args, function) for o in ((out,) if single else out)]
    if mode.anomaly:
        ctx._site = check_finite_output(
            ctx.op_name, [o._array for o in outputs if isinstance(o, tensor)]
        )
    if record:
        ctx._inputs = args
        ctx._pre_hooks = None
        ctx._sequence_nr = next(sequence)
        ctx._made_at = mutation_clock.count
        _attach_outputs(ctx, out, outputs)
    return outputs[0] if single else tuple(outputs)


def _attach_outputs(ctx: BackwardFunction, out: Any, outputs: list[Any]) -> None:
    """Make ``ctx`` the ``grad_fn`` of each differentiable output (several, or one that
    forward marked)."""
    tensor = tensor_type.cls
    raw = out if isinstance(out, tuple) else (out,)
    skip = ctx._non_differentiable
    ctx._n_outputs = len(outputs)
    if len(outputs) > 1:
        ctx._output_meta = [
            (o._array.shape, o._array.dtype) if isinstance(o, tensor) else None for o in outputs
        ]
    counters = []
    for i, o in enumerate(outputs):
        if not isinstance(o, tensor) or o._array.dtype.kind not in "fc":
            continue
        if any(raw[i] is s for s in skip):
            continue
        o._grad_edge = (ctx, i)
        counters.append(o._version_counter)
    ctx._output_counter = counters[0] if len(counters) == 1 else tuple(counters)


def _share_version(result: Any, view: np.ndarray, args: tuple[Any, ...]) -> None:
    """A view of an input's memory shares that input's version counter, so an in-place
    change through either is seen by both."""
    tensor = tensor_type.cls
    base = view.base
    for a in args:  # the usual view: of the input's array, or of what that views
        if isinstance(a, tensor) and (a._array is base or a._array.base is base):
            result._version_counter = a._version_counter
            a._version_counter[SHARED] = 1
            return
    for a in args:
        if isinstance(a, tensor) and np.may_share_memory(view, a._array):
            result._version_counter = a._version_counter
            a._version_counter[SHARED] = 1
            return


def _bound(cls: type[Function], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple:
    """``args`` and ``kwargs`` as the positional arguments of ``cls.forward`` (defaults
    filled in), so that a Tensor passed by keyword is an input like any other."""
    signature = inspect.signature(cls.forward)
    bound = signature.bind(None, *args, **kwargs)  # None: the ctx
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(
            f"{cls.__name__}.apply: forward takes **kwargs; pass its Tensors positionally"
        )
    return bound.args[1:]


_NO_EDGES: dict[int, tuple[bool, ...]] = {}


def _no_edges(n: int) -> tuple[bool, ...]:
    """The edges of an op that records nothing: no input needs a gradient."""
    edges = _NO_EDGES.get(n)
    if edges is None:
        edges = _NO_EDGES[n] = (False,) * n
    return edges


def _output(value: Any, args: tuple[Any, ...], function: type[Function]) -> Any:
    """One result of ``forward`` as the Tensor ``apply`` returns.

    An array (``arrays=True``) is wrapped; a view of an input's memory shares that
    input's version counter, so an in-place change through either is seen by both.  A
    Tensor returned by a Tensor-mode forward is used as it is, unless it is one of the
    inputs: then a new Tensor on the same memory, as PyTorch makes.
    """
    tensor = tensor_type.cls
    if function.arrays:
        if not isinstance(value, np.ndarray):
            if isinstance(value, np.generic):
                value = np.asarray(value)  # numpy returns scalars for 0-d results
            else:
                return value  # a non-array result passes through (e.g. a shape)
        out = tensor._wrap(value)
    elif isinstance(value, tensor):
        if not any(value is a for a in args):
            return value
        out = tensor._wrap(value._array)
        value = value._array
    else:
        return value
    if value.base is not None:
        _share_version(out, value, args)
    return out


def _version_error(name: str, what: str, counter: list[int]) -> RuntimeError:
    return RuntimeError(
        f"one of the tensors needed to compute the gradient of {name} ({what}) has "
        f"been modified by an in-place operation since that op ran (it is now at version "
        f"{counter[VERSION]}). Compute the graph again after the change (e.g. call "
        "optimizer.step() after backward(), not before)."
    )


def check_versions(node: BackwardFunction) -> None:
    """Refuse to use an op whose inputs or outputs were changed in place after it ran.

    Conservative: every input is checked, also for ops that saved nothing of it.
    """
    made_at = node._made_at
    if made_at < 0:  # freed: backward will say so
        return
    tensor = tensor_type.cls
    for t in node._inputs or ():
        if isinstance(t, tensor) and t._version_counter[CHANGED_AT] > made_at:
            raise _version_error(node.name(), f"an input of shape {t.shape}", t._version_counter)
    held = node._output_counter  # one output's counter (a list), or a tuple of them
    for counter in held if type(held) is tuple else (held,):
        if counter[CHANGED_AT] > made_at:
            raise _version_error(node.name(), "its output", counter)
