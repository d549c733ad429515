"""Property-based fuzzing of the Tensor ops with hostile inputs.

Random shapes (0-d and 0-size dims included), broadcast pairs, dtypes (float32, float64,
int64, bool) and values that include ±0, ±inf, NaN, subnormals and the largest finite
numbers.  Three properties:

(a) forward results equal numpy's own computation of the same op in the dtype PyTorch's
    promotion rules give (a float operand's dtype wins over an integer one; a Python
    scalar never upcasts a tensor; a 0-d tensor does not upcast one with dims of the
    same category), NaN where numpy gives NaN, and the sign of zeros where IEEE
    defines it;
(b) gradients agree with central differences at smooth points, and elsewhere with the
    IEEE value of the derivative's formula (inf·0 is NaN, 1/0 is inf, ...);
(c) no input makes the library crash with an internal error: every exception is a
    ValueError, TypeError, RuntimeError or IndexError with a message, never numpy's
    AxisError, an AttributeError, KeyError, OverflowError, ...

Every defect these tests have found is fixed.  Each one also has a plain regression test
at the end of this file (``test_regression_*``) that checks it on a minimal input, and the
property tests check the whole input space, with no region exempted.

Set ``FUZZ_EXAMPLES`` to multiply the number of examples for a deeper run.
"""

from __future__ import annotations

import hashlib
import math
import operator
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from gradcheck_util import check_grads
from hypothesis import given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rms as tg
import tinygrad_rms.nn.functional as F
from tinygrad_rms.tensor import MinMax

# numpy reports IEEE overflow / invalid / divide-by-zero as RuntimeWarnings (and a dropped
# imaginary part as a ComplexWarning, a RuntimeWarning too); they are the point here.
pytestmark = [
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
    pytest.mark.slow,  # hypothesis explores hundreds of cases per op (≈20 s): CI runs `-m slow`
]

_SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))


def fuzz(n: int, **kwargs: Any) -> settings:
    """Settings for a fuzz test of about ``n`` examples (times ``FUZZ_EXAMPLES``)."""
    return settings(deadline=None, max_examples=max(1, int(n * _SCALE)), database=None, **kwargs)


F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
I64, BOOL = np.dtype(np.int64), np.dtype(np.bool_)
DTYPES = (F32, F64, I64, BOOL)
FLOATS = (F32, F64)
I64_MIN, I64_MAX = int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max)
ALLOWED = (ValueError, TypeError, RuntimeError, IndexError)


def _digest(*parts: Any) -> str:
    h = hashlib.sha1()
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(f"{p.dtype}{p.shape}".encode())
            h.update(np.ascontiguousarray(p).tobytes())
        else:
            h.update(repr(p).encode())
    return h.hexdigest()[:16]


def outcome(fn: Callable[[], Any]) -> tuple[Any, Exception | None]:
    """``(fn(), None)``, or ``(None, the exception)``."""
    try:
        return fn(), None
    except Exception as e:
        return None, e


def check_clean_error(
    case: str,
    err: Exception | None,
    types: tuple[type[Exception], ...] = ALLOWED,
    names: tuple[str, ...] = (),
) -> None:
    """``err`` is an allowed, worded exception (naming every string in ``names``);
    ``case`` describes the input in the failure messages."""
    assert err is not None, f"{case}: expected an error, got none"
    kind = f"{type(err).__module__}.{type(err).__qualname__}"
    assert isinstance(err, types) and not isinstance(err, np.exceptions.AxisError), (
        f"{case}: internal error {kind}: {err}"
    )
    assert str(err).strip(), f"{case}: {kind} without a message"
    for name in names:
        assert name in str(err), f"{case}: message {str(err)!r} does not name {name!r}"


def no_error(err: Exception | None) -> None:
    if err is not None:
        raise err


# ---------------------------------------------------------------------- values and shapes
def special_values(dtype: np.dtype) -> list[float]:
    fi = np.finfo(dtype)
    sub, tiny, big = float(fi.smallest_subnormal), float(fi.tiny), float(fi.max)
    return [0.0, -0.0, math.inf, -math.inf, math.nan, sub, -sub, tiny, big, -big, 1.0, -1.0, 0.5]


def elements(dtype: np.dtype) -> st.SearchStrategy:
    if dtype == BOOL:
        return st.booleans()
    if dtype == I64:
        return st.one_of(
            st.integers(-4, 4), st.sampled_from([I64_MIN, I64_MAX]), st.integers(I64_MIN, I64_MAX)
        )
    width = 32 if dtype == F32 else 64
    return st.one_of(
        st.sampled_from(special_values(dtype)),
        st.floats(width=width),
        st.floats(-4, 4, width=width),
    )


def finite_elements(dtype: np.dtype, lo: float = -4.0, hi: float = 4.0) -> st.SearchStrategy:
    """Moderate finite values, with ±0 and subnormals."""
    sub = float(np.finfo(dtype).smallest_subnormal)
    width = 32 if dtype == F32 else 64
    return st.one_of(
        st.sampled_from([0.0, -0.0, sub, -sub, 1.0, -1.0]), st.floats(lo, hi, width=width)
    )


def arrays(dtype: np.dtype, shape: Any, elems: st.SearchStrategy | None = None):
    return hnp.arrays(dtype, shape, elements=elements(dtype) if elems is None else elems)


SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(
    num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3
)
TRIPLES = hnp.mutually_broadcastable_shapes(
    num_shapes=3, min_dims=0, max_dims=3, min_side=0, max_side=3
)


def python_scalars(dtype: np.dtype) -> st.SearchStrategy:
    """A Python scalar of the kind ``dtype`` stands for (within int64 range)."""
    if dtype == BOOL:
        return st.booleans()
    if dtype == I64:
        return st.one_of(st.integers(-4, 4), st.integers(I64_MIN, I64_MAX))
    return st.one_of(st.sampled_from(special_values(F64)), st.floats(), st.floats(-4, 4))


@dataclass(frozen=True)
class Operand:
    """A Tensor, a numpy array, or a Python scalar, as one side of a binary op."""

    kind: str  # "tensor" | "ndarray" | "scalar"
    value: Any

    def make(self) -> Any:
        if self.kind == "tensor":
            return tg.tensor(self.value)
        if self.kind == "ndarray":
            return self.value.copy()
        return self.value

    @property
    def dtype(self) -> np.dtype:
        if self.kind != "scalar":
            return self.value.dtype
        v = self.value
        return BOOL if isinstance(v, bool) else I64 if isinstance(v, int) else F32

    @property
    def shape(self) -> tuple[int, ...]:
        return () if self.kind == "scalar" else self.value.shape

    @property
    def tier(self) -> int:
        """PyTorch's priority: dimensioned tensors 2, 0-d tensors 1, Python scalars 0."""
        return 0 if self.kind == "scalar" else (2 if self.value.ndim else 1)

    def as_dtype(self, dtype: np.dtype) -> np.ndarray:
        if self.kind == "scalar":
            return np.asarray(self.value, dtype=dtype)
        return self.value.astype(dtype)

    def describe(self) -> str:
        return f"{self.kind}:{self.dtype}:{self.shape}:{_digest(self.value)}"


@st.composite
def operands(draw, kind: str, shape: tuple[int, ...], dtype: np.dtype) -> Operand:
    if kind == "scalar":
        return Operand(kind, draw(python_scalars(dtype)))
    return Operand(kind, draw(arrays(dtype, shape)))


# ---------------------------------------------------------------------- reference rules
_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2}


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promote_types: the higher category's dtype, else the wider one."""
    if _CATEGORY[a.kind] != _CATEGORY[b.kind]:
        return a if _CATEGORY[a.kind] > _CATEGORY[b.kind] else b
    return np.promote_types(a, b)


def torch_result_dtype(*ops: Operand) -> np.dtype:
    """PyTorch's result_type: dimensioned tensors first; a 0-d tensor, then a Python
    scalar, takes part only if its category is higher (a Python float then counts as the
    default float32)."""
    by_tier: dict[int, np.dtype] = {}
    for o in ops:
        t = o.tier
        by_tier[t] = o.dtype if t not in by_tier else promote_types(by_tier[t], o.dtype)
    result: np.dtype | None = None
    for t in (2, 1, 0):
        if t not in by_tier:
            continue
        d = by_tier[t]
        if result is None:
            result = d
        elif _CATEGORY[d.kind] > _CATEGORY[result.kind]:
            result = promote_types(result, d)
    assert result is not None
    return result


def assert_same(out: Any, expected: np.ndarray, *, zeros: bool = True) -> None:
    """``out`` is a Tensor equal to ``expected``: dtype, shape, values (NaN == NaN) and,
    with ``zeros``, the sign of every zero."""
    assert isinstance(out, tg.Tensor), f"expected a Tensor, got {type(out).__name__}"
    got = out.detach().numpy()
    expected = np.asarray(expected)
    assert got.dtype == expected.dtype, f"dtype {got.dtype}, expected {expected.dtype}"
    assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    np.testing.assert_array_equal(got, expected)
    if zeros and got.dtype.kind == "f":
        z = expected == 0
        np.testing.assert_array_equal(
            np.signbit(got[z]), np.signbit(expected[z]), err_msg="sign of zero"
        )


def assert_close(got: np.ndarray, expected: np.ndarray, tol: Any) -> None:
    """Same NaN and ±inf positions; finite values within the absolute ``tol`` (array or
    scalar, compared in float64)."""
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert g.shape == e.shape, f"shape {g.shape}, expected {e.shape}"
    np.testing.assert_array_equal(np.isnan(g), np.isnan(e), err_msg="NaN positions")
    np.testing.assert_array_equal(g[np.isinf(e)], e[np.isinf(e)], err_msg="infinities")
    fin = np.isfinite(e)
    assert np.isfinite(g[fin]).all(), "non-finite where the reference is finite"
    err = np.abs(g - e)[fin]
    bound = np.broadcast_to(np.asarray(tol, dtype=np.float64), e.shape)[fin]
    assert (err <= bound).all(), f"max error {err.max()} over tolerance (got {g}, want {e})"


def sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Reference adjoint of broadcasting: sum ``g`` down to ``shape``."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def movement_grad(np_fn: Callable[[np.ndarray], np.ndarray], shape, g: np.ndarray) -> np.ndarray:
    """The gradient of an op that only moves or repeats elements: apply the op to the
    elements' flat positions and add ``g`` up by position."""
    size = int(np.prod(shape))
    where = np_fn(np.arange(size).reshape(shape))
    return np.bincount(where.ravel(), weights=g.ravel(), minlength=size).reshape(shape)


def upstream(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Exact small integers as the upstream gradient: sums of them are exact."""
    return (np.arange(int(np.prod(shape))) % 7 - 3).reshape(shape).astype(dtype)


def dims_problem(dims: tuple[int, ...], ndim: int) -> str | None:
    """Why PyTorch refuses ``dims`` for a tensor of ``ndim`` dims ('range', 'dup'), or None."""
    n = max(ndim, 1)
    if any(not -n <= d < n for d in dims):
        return "range"
    if len({d % n for d in dims}) != len(dims):
        return "dup"
    return None


# ====================================================================== binary arithmetic
BINARY = {
    "add": (operator.add, np.add),
    "sub": (operator.sub, np.subtract),
    "mul": (operator.mul, np.multiply),
    "div": (operator.truediv, np.true_divide),
    "pow": (operator.pow, np.power),
}
KINDS = [
    ("tensor", "tensor"),
    ("tensor", "tensor"),
    ("tensor", "scalar"),
    ("scalar", "tensor"),
    ("tensor", "ndarray"),
    ("ndarray", "tensor"),
]


@st.composite
def binary_cases(draw, ops=tuple(BINARY)):
    op = draw(st.sampled_from(ops))
    if draw(st.integers(0, 7)) == 0:  # often incompatible
        sa, sb = draw(SHAPES), draw(SHAPES)
    else:
        sa, sb = draw(PAIRS).input_shapes
    ka, kb = draw(st.sampled_from(KINDS))
    a = draw(operands(ka, sa, draw(st.sampled_from(DTYPES))))
    b = draw(operands(kb, sb, draw(st.sampled_from(DTYPES))))
    return op, a, b


def _broadcasts(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


@fuzz(200)
@given(case=binary_cases())
def test_binary_ops_forward(case):
    """+ - * / ** on every operand kind and dtype pair against numpy in PyTorch's dtype."""
    op, a, b = case
    fn, np_fn = BINARY[op]
    note(f"{op} {a} {b}")
    key = f"{op}:{a.describe()}:{b.describe()}"
    got, err = outcome(lambda: fn(a.make(), b.make()))
    if not _broadcasts(a.shape, b.shape):
        check_clean_error(key, err, (ValueError,), (str(a.shape), str(b.shape)))
        return
    dt = torch_result_dtype(a, b)
    if op == "div" and dt.kind != "f":
        dt = tg.float32  # true division of integers gives the default float
    if dt == BOOL and op in ("sub", "pow"):  # PyTorch: not supported for bool
        check_clean_error(key, err)
        return
    with np.errstate(all="ignore"):
        expected, np_err = outcome(lambda: np_fn(a.as_dtype(dt), b.as_dtype(dt)))
    if np_err is not None:  # e.g. integers to negative integer powers
        check_clean_error(key, err)
        return
    no_error(err)
    assert_same(got, np.asarray(expected))


@pytest.mark.parametrize(
    "base,exponent",
    [
        (0.0, 0.0),
        (-8.0, 1 / 3),
        (-1.0, 0.5),
        (-0.0, 0.5),
        (-0.0, -1.0),
        (0.0, -1.0),
        (math.inf, 0.0),
        (math.nan, 0.0),
        (1.0, math.nan),
        (-1.0, math.inf),
        (-0.0, 3.0),
        (2.0, -math.inf),
        (0.5, math.inf),
        (-math.inf, 3.0),
        (-math.inf, -3.0),
    ],
)
@pytest.mark.parametrize("dtype", FLOATS)
def test_pow_ieee_corners(base, exponent, dtype):
    """0**0 is 1, a negative base to a fractional power is NaN, signs of zero survive."""
    out = tg.tensor(np.array([base], dtype)) ** exponent
    with np.errstate(all="ignore"):
        expected = np.power(np.array([base], dtype), np.asarray(exponent, dtype))
    assert_same(out, expected)


SMOOTH = {  # values where each binary op is smooth, per operand
    "add": ((-3, 3), (-3, 3)),
    "sub": ((-3, 3), (-3, 3)),
    "mul": ((-3, 3), (-3, 3)),
    "div": ((-3, 3), "away-from-zero"),
    "pow": ((0.5, 3), (-2, 2)),
}


def _smooth_values(spec) -> st.SearchStrategy:
    if spec == "away-from-zero":
        return st.one_of(st.floats(0.5, 3), st.floats(-3, -0.5))
    return st.floats(*spec)


@fuzz(60)
@given(shapes=PAIRS, op=st.sampled_from(sorted(BINARY)), data=st.data())
def test_binary_ops_grad_smooth(shapes, op, data):
    """Central differences on broadcast pairs with 0-size dims and 0-d operands."""
    sa, sb = shapes.input_shapes
    ea, eb = SMOOTH[op]
    a = data.draw(hnp.arrays(F64, sa, elements=_smooth_values(ea)), label="a")
    b = data.draw(hnp.arrays(F64, sb, elements=_smooth_values(eb)), label="b")
    flags = data.draw(st.sampled_from([(True, True), (True, False), (False, True)]))
    check_grads(BINARY[op][0], a, b, requires_grad=flags, atol=1e-5, rtol=1e-5)


def _torch_pow_grads(x, y, out):
    """PyTorch's pow backward: exponent·x^(exponent−1), 0 where the exponent is 0;
    x^y·log(x), 0 where x == 0 and y >= 0."""
    gx = np.where(y == 0, 0.0, y * x ** (y - 1))
    gy = np.where((x == 0) & (y >= 0), 0.0, out * np.log(x))
    return gx, gy


@fuzz(110)
@given(shapes=PAIRS, op=st.sampled_from(sorted(BINARY)), data=st.data())
def test_binary_ops_grad_ieee(shapes, op, data):
    """At ±inf, NaN, ±0 and huge values the gradient is the IEEE value of the derivative:
    e.g. d(x·y)/dx = y is inf where y is inf, and summing inf with -inf gives NaN."""
    sa, sb = shapes.input_shapes
    dtype = data.draw(st.sampled_from(FLOATS), label="dtype")
    x = data.draw(arrays(dtype, sa), label="x")
    y = data.draw(arrays(dtype, sb), label="y")
    ta, tb = tg.tensor(x, requires_grad=True), tg.tensor(y, requires_grad=True)
    out = BINARY[op][0](ta, tb)
    g = np.ones(out.shape, dtype)
    out.backward(g)
    X, Y = np.broadcast_arrays(x, y)
    with np.errstate(all="ignore"):
        if op == "add":
            gx, gy = g, g
        elif op == "sub":
            gx, gy = g, -g
        elif op == "mul":
            gx, gy = g * Y, g * X
        elif op == "div":
            gx, gy = g / Y, -g * (X / Y) / Y
        else:
            gx, gy = _torch_pow_grads(X, Y, np.power(X, Y))
        want_x, want_y = sum_to(gx, sa), sum_to(gy, sb)
    tol_x = 4 * np.finfo(dtype).eps * sum_to(np.abs(gx), sa)
    tol_y = 4 * np.finfo(dtype).eps * sum_to(np.abs(gy), sb)
    assert ta.grad.dtype == dtype and tb.grad.dtype == dtype
    assert_close(ta.grad.data, want_x, tol_x)
    assert_close(tb.grad.data, want_y, tol_y)


# ---------------------------------------------------------------------- bad operands
BAD_OPERANDS = [
    None,
    1j,
    np.complex128(2 - 1j),
    "a",
    "1",
    b"1",
    object(),
    {},
    {1.0},
    [[1.0], [1.0, 2.0]],
    [None],
    np.array(["a"]),
    2**63,
    -(2**63) - 1,
    2**100,
    2**1030,
    -(2**1030),
]


@fuzz(140)
@given(
    x=st.sampled_from(DTYPES).flatmap(lambda d: arrays(d, SHAPES)),
    bad_index=st.integers(0, len(BAD_OPERANDS) - 1),
    op=st.sampled_from(["add", "sub", "mul", "div", "pow", "radd", "rmul", "maximum", "where"]),
)
def test_bad_operands_raise_clean_errors(x, bad_index, op):
    """Non-numbers (None, complex, str, objects, ragged lists) and Python ints beyond the
    dtype's range as the other operand: a clean TypeError/ValueError/RuntimeError."""
    bad = BAD_OPERANDS[bad_index]
    t = tg.tensor(x)
    if isinstance(bad, int) and not isinstance(bad, bool) and t.dtype.kind == "f":
        if abs(bad) < 2**1024:
            return  # a big int is a fine float
    fns = {
        "add": lambda: t + bad,
        "sub": lambda: t - bad,
        "mul": lambda: t * bad,
        "div": lambda: t / bad,
        "pow": lambda: t**bad,
        "radd": lambda: bad + t,
        "rmul": lambda: bad * t,
        "maximum": lambda: t.maximum(bad),
        "where": lambda: tg.where(np.ones(x.shape, bool), t, bad),
    }
    _, err = outcome(fns[op])
    check_clean_error(f"{op}:{x.dtype}:{x.shape}:{_digest(x)}:{bad!r}", err)


# ====================================================================== unary elementwise
def ref_sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function in float64 via logaddexp (a different formula from the library's)."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=np.float64)))


UNARY = {
    "exp": (lambda t: t.exp(), np.exp),
    "log": (lambda t: t.log(), np.log),
    "sqrt": (lambda t: t.sqrt(), np.sqrt),
    "abs": (abs, np.abs),
    "neg": (operator.neg, np.negative),
    "relu": (lambda t: F.relu(t), lambda x: np.maximum(x, np.zeros((), x.dtype))),
    "tanh": (lambda t: F.tanh(t), np.tanh),
    "sigmoid": (lambda t: F.sigmoid(t), None),
}
FLOAT_VALUED = ("exp", "log", "sqrt", "tanh", "sigmoid")


@fuzz(180)
@given(
    op=st.sampled_from(sorted(UNARY)),
    x=st.sampled_from(DTYPES).flatmap(lambda d: arrays(d, SHAPES)),
)
def test_unary_ops_forward(op, x):
    """exp/log/sqrt/abs/neg/relu/tanh/sigmoid against numpy (sigmoid: against logaddexp in
    float64), keeping the float dtype; integers and bools give float32 where PyTorch does."""
    fn, np_fn = UNARY[op]
    note(f"{op} {x!r}")
    got, err = outcome(lambda: fn(tg.tensor(x)))
    key = f"{op}:{x.dtype}:{x.shape}:{_digest(x)}"
    if x.dtype == BOOL and op in ("abs", "neg", "relu"):
        # PyTorch refuses these on bool; keeping bool (identity for abs/relu) is fine too
        if err is None and op != "neg":
            assert_same(got, x)
        else:
            check_clean_error(key, err)
        return
    dt = x.dtype if (x.dtype.kind == "f" or op not in FLOAT_VALUED) else tg.float32
    src = x.astype(dt)
    no_error(err)
    if op == "sigmoid":
        assert got.dtype == dt
        eps, sub = np.finfo(dt).eps, np.finfo(dt).smallest_subnormal
        want = ref_sigmoid(src)
        assert_close(got.data, want.astype(dt), 2 * eps * want + 2 * sub)
    else:
        with np.errstate(all="ignore"):
            want = np_fn(src)
        assert_same(got, want, zeros=op != "relu")  # IEEE leaves max(-0, 0)'s sign open


UNARY_SMOOTH = {  # points where each is smooth
    "exp": st.floats(-5, 5),
    "log": st.floats(0.1, 10),
    "sqrt": st.floats(0.1, 10),
    "abs": st.one_of(st.floats(0.1, 5), st.floats(-5, -0.1)),
    "neg": st.floats(-5, 5),
    "relu": st.one_of(st.floats(0.1, 5), st.floats(-5, -0.1)),
    "tanh": st.floats(-5, 5),
    "sigmoid": st.floats(-10, 10),
}


@fuzz(60)
@given(op=st.sampled_from(sorted(UNARY)), shape=SHAPES, data=st.data())
def test_unary_ops_grad_smooth(op, shape, data):
    x = data.draw(hnp.arrays(F64, shape, elements=UNARY_SMOOTH[op]), label="x")
    check_grads(UNARY[op][0], x, atol=1e-5, rtol=1e-5)


def _unary_derivative(op: str, x: np.ndarray) -> np.ndarray:
    """f'(x) evaluated with IEEE arithmetic (PyTorch's conventions at kinks)."""
    if op == "exp":
        return np.exp(x)
    if op == "log":
        return 1 / x
    if op == "sqrt":
        return 1 / (2 * np.sqrt(x))
    if op == "abs":
        return np.sign(x)
    if op == "neg":
        return -np.ones_like(x)
    if op == "relu":
        return (x > 0).astype(x.dtype)
    if op == "tanh":
        return 1 - np.tanh(x) ** 2
    s = ref_sigmoid(x).astype(x.dtype)
    return s * (1 - s)


@fuzz(110)
@given(
    op=st.sampled_from(sorted(UNARY)),
    x=st.sampled_from(FLOATS).flatmap(lambda d: arrays(d, SHAPES)),
)
def test_unary_ops_grad_ieee(op, x):
    """log'(0) = inf, log'(-0) = -inf, sqrt'(0) = inf, exp'(inf) = inf, tanh'(±inf) = 0,
    σ'(±inf) = 0, NaN in NaN out (relu: 0, as its mask x > 0 is False)."""
    t = tg.tensor(x, requires_grad=True)
    out = UNARY[op][0](t)
    out.backward(np.ones(out.shape, x.dtype))
    with np.errstate(all="ignore"):
        want = _unary_derivative(op, x).astype(x.dtype)
    eps = np.finfo(x.dtype).eps
    sub = np.finfo(x.dtype).smallest_subnormal
    assert t.grad.dtype == x.dtype
    # tanh' = 1 - tanh², σ' = σ(1 - σ) cancel near 1: an absolute error of a few eps
    absolute = 8 * eps if op in ("tanh", "sigmoid") else 4 * sub
    assert_close(t.grad.data, want, 8 * eps * np.abs(want) + absolute)


# ====================================================================== clamp
BOUNDS = st.one_of(
    st.none(), st.sampled_from(special_values(F64)), st.floats(-4, 4), st.integers(-3, 3)
)


@fuzz(140)
@given(
    x=st.sampled_from((F32, F64, I64)).flatmap(lambda d: arrays(d, SHAPES)), lo=BOUNDS, hi=BOUNDS
)
def test_clamp_forward(x, lo, hi):
    """clamp = minimum(maximum(x, lo), hi) with NaN anywhere giving NaN, min > max giving
    max, in PyTorch's dtype (an int tensor with a float bound gives float32)."""
    got, err = outcome(lambda: tg.tensor(x).clamp(lo, hi))
    key = f"clamp:{x.dtype}:{x.shape}:{_digest(x)}:{lo!r}:{hi!r}"
    if lo is None and hi is None:
        check_clean_error(key, err)
        return
    bounds = [Operand("scalar", v) for v in (lo, hi) if v is not None]
    dt = torch_result_dtype(Operand("tensor", x), *bounds)
    want = x.astype(dt)
    with np.errstate(all="ignore"):
        if lo is not None:
            want = np.maximum(want, np.asarray(lo, dt))
        if hi is not None:
            want = np.minimum(want, np.asarray(hi, dt))
    no_error(err)
    assert_same(got, want, zeros=False)


@fuzz(100)
@given(
    x=st.sampled_from(FLOATS).flatmap(lambda d: arrays(d, SHAPES)),
    lo=st.one_of(st.none(), st.floats(-4, 4), st.sampled_from([-math.inf, math.inf])),
    hi=st.one_of(st.none(), st.floats(-4, 4), st.sampled_from([-math.inf, math.inf])),
)
def test_clamp_grad(x, lo, hi):
    """The gradient passes where lo < x < hi, 0 at the bounds themselves (PyTorch 2.14 and
    later; 2.13 let it pass there) and 0 at NaN; a bound left out (None) is no bound."""
    if lo is None and hi is None:
        return
    t = tg.tensor(x, requires_grad=True)
    t.clamp(lo, hi).sum().backward()
    # a missing bound is no condition (so x = inf passes clamp(min=0)), while an explicit
    # infinite bound is a bound (x = inf gets 0 from clamp(0, inf)), as in PyTorch 2.15
    above = np.ones(x.shape, bool) if lo is None else x > np.asarray(lo, x.dtype)
    below = np.ones(x.shape, bool) if hi is None else x < np.asarray(hi, x.dtype)
    want = (above & below).astype(x.dtype)
    assert_same(t.grad, want, zeros=False)


@fuzz(40)
@given(shape=SHAPES, data=st.data())
def test_clamp_grad_smooth(shape, data):
    lo, hi = -1.0, 1.0
    away = st.one_of(st.floats(-3, -1.1), st.floats(-0.9, 0.9), st.floats(1.1, 3))
    x = data.draw(hnp.arrays(F64, shape, elements=away), label="x")
    check_grads(lambda t: t.clamp(lo, hi), x)


# ====================================================================== maximum / minimum
@fuzz(140)
@given(case=binary_cases(ops=("maximum", "minimum")), functional=st.booleans())
def test_maximum_minimum_forward(case, functional):
    """NaN propagates from either side (numpy's maximum/minimum), dtypes promote as for +."""
    op, a, b = case
    if a.kind != "tensor":
        a, b = b, a  # the method needs a Tensor on the left
    np_fn = np.maximum if op == "maximum" else np.minimum
    if functional:
        fn = getattr(tg, op)
    else:
        fn = lambda x, y: getattr(x, op)(y)
    key = f"{op}:{a.describe()}:{b.describe()}"
    got, err = outcome(lambda: fn(a.make(), b.make()))
    if not _broadcasts(a.shape, b.shape):
        check_clean_error(key, err, (ValueError,), (str(a.shape), str(b.shape)))
        return
    dt = torch_result_dtype(a, b)
    want = np_fn(a.as_dtype(dt), b.as_dtype(dt))
    no_error(err)
    assert_same(got, want, zeros=False)


@fuzz(110)
@given(
    shapes=PAIRS,
    op=st.sampled_from(["maximum", "minimum"]),
    dtype=st.sampled_from(FLOATS),
    data=st.data(),
)
def test_maximum_minimum_grad(shapes, op, dtype, data):
    """The winner gets the gradient, ties split it; a NaN output's gradient goes to the
    operand that is NaN there (both, if both are)."""
    sa, sb = shapes.input_shapes
    x = data.draw(arrays(dtype, sa), label="x")
    y = data.draw(arrays(dtype, sb), label="y")
    ta, tb = tg.tensor(x, requires_grad=True), tg.tensor(y, requires_grad=True)
    out = getattr(ta, op)(tb)
    out.backward(np.ones(out.shape, dtype))
    X, Y = np.broadcast_arrays(x, y)
    wins = X > Y if op == "maximum" else X < Y
    share = np.where(X == Y, 0.5, wins.astype(dtype))
    nan_x, nan_y = np.isnan(X), np.isnan(Y)
    # a NaN side gets the whole gradient, the other side none
    gx = np.where(nan_x, 1.0, np.where(nan_y, 0.0, share)).astype(dtype)
    gy = np.where(nan_y, 1.0, np.where(nan_x, 0.0, 1 - share)).astype(dtype)
    both = nan_x & nan_y  # PyTorch gives both the gradient; one of them getting it will do
    if not both.any():
        assert_same(ta.grad, sum_to(gx, sa).astype(dtype), zeros=False)
        assert_same(tb.grad, sum_to(gy, sb).astype(dtype), zeros=False)
    elif sa == sb:  # elementwise: check the both-NaN positions on their own
        got_x, got_y = ta.grad.data, tb.grad.data
        assert (got_x[both] + got_y[both] > 0).all(), "a NaN output got no gradient"
        np.testing.assert_array_equal(got_x[~both], gx[~both])
        np.testing.assert_array_equal(got_y[~both], gy[~both])


# ====================================================================== where
@st.composite
def where_cases(draw):
    if draw(st.integers(0, 7)) == 0:
        sc, sa, sb = draw(SHAPES), draw(SHAPES), draw(SHAPES)
    else:
        sc, sa, sb = draw(TRIPLES).input_shapes
    cond = draw(hnp.arrays(BOOL, sc))
    # (a list cannot hold the shape of an empty array)
    cond_kind = draw(st.sampled_from(["tensor", "ndarray", "list"] if cond.size else ["tensor"]))
    ka, kb = draw(st.sampled_from([*KINDS, ("scalar", "scalar")]))
    a = draw(operands(ka, sa, draw(st.sampled_from(DTYPES))))
    b = draw(operands(kb, sb, draw(st.sampled_from(DTYPES))))
    return cond, cond_kind, a, b


@fuzz(140)
@given(case=where_cases())
def test_where_forward_and_grad(case):
    """where(cond, a, b) against np.where in PyTorch's dtype; the gradient goes to the
    picked side (summed back over broadcast dims); shapes that do not broadcast raise."""
    cond, cond_kind, a, b = case
    c = {"tensor": tg.tensor(cond), "ndarray": cond.copy(), "list": cond.tolist()}[cond_kind]
    ta, tb = a.make(), b.make()
    for t in (ta, tb):
        if isinstance(t, tg.Tensor) and t.dtype.kind == "f":
            t.requires_grad_(True)
    key = f"where:{_digest(cond)}:{a.describe()}:{b.describe()}"
    got, err = outcome(lambda: tg.where(c, ta, tb))
    if not _broadcasts(cond.shape, a.shape, b.shape):
        check_clean_error(key, err, (ValueError,))
        return
    dt = torch_result_dtype(a, b)
    want = np.where(cond, a.as_dtype(dt), b.as_dtype(dt))
    no_error(err)
    assert_same(got, want)
    if not got.requires_grad:
        return
    g = upstream(got.shape, got.dtype)
    got.backward(g)
    C = np.broadcast_to(cond, g.shape)
    for t, o, pick in ((ta, a, C), (tb, b, ~C)):
        if isinstance(t, tg.Tensor) and t.requires_grad:
            want = sum_to(np.where(pick, g, 0), o.shape).astype(t.dtype)
            assert_same(t.grad, want, zeros=False)  # g·0 may be -0: a gradient's zero sign is moot


# ====================================================================== reductions
@st.composite
def reduction_cases(draw):
    op = draw(st.sampled_from(["sum", "mean", "max", "min", "argmax", "argmin"]))
    dtypes = (F32, F64, I64) if op.startswith("arg") else DTYPES
    x = draw(arrays(draw(st.sampled_from(dtypes)), SHAPES))
    n = x.ndim
    dim_int = st.integers(-n - 2, n + 1)
    if op in ("sum", "mean"):
        dim = draw(st.one_of(st.none(), dim_int, st.tuples(dim_int), st.tuples(dim_int, dim_int)))
    else:
        dim = draw(st.one_of(st.none(), dim_int))
    return op, x, dim, draw(st.booleans())


@fuzz(280)
@given(case=reduction_cases())
def test_reductions_forward(case):
    """sum/mean/max/min/argmax/argmin with random dims: out-of-range dims raise IndexError,
    repeated dims an error, empty max/min an error; results equal numpy's (NaN propagates,
    max(dim) returns numpy's values and first indices)."""
    op, x, dim, keepdim = case
    note(f"{op} dim={dim} keepdim={keepdim} {x!r}")
    t = tg.tensor(x)
    if dim is None:
        got, err = outcome(lambda: getattr(t, op)())
    else:
        got, err = outcome(lambda: getattr(t, op)(dim, keepdim))
    key = f"{op}:{dim}:{keepdim}:{x.dtype}:{x.shape}:{_digest(x)}"
    dims = None if dim is None else ((dim,) if isinstance(dim, int) else dim)
    problem = None if dims is None else dims_problem(dims, x.ndim)
    if problem == "range":
        check_clean_error(key, err, (IndexError,))
        return
    if problem == "dup":
        check_clean_error(key, err)
        return
    axes = None if dims is None or x.ndim == 0 else tuple(d % x.ndim for d in dims)
    if op in ("max", "min", "argmax", "argmin"):
        reduced = x.size if axes is None else x.shape[axes[0]]
        if reduced == 0:  # nothing to pick from (PyTorch refuses too)
            check_clean_error(key, err)
            return
    no_error(err)
    if op in ("sum", "mean"):
        want = getattr(np, op)(x, axis=axes, keepdims=keepdim if axes is not None else False)
        if op == "mean" and x.dtype.kind != "f":
            want = want.astype(tg.float32)
        assert_same(got, np.asarray(want))
    elif op in ("max", "min"):
        np_fn, arg_fn = (np.max, np.argmax) if op == "max" else (np.min, np.argmin)
        if axes is None and dims is None:
            assert_same(got, np.asarray(np_fn(x)), zeros=False)
        else:
            assert isinstance(got, MinMax)
            values, indices = got
            d = axes[0] if axes else 0
            src = x if x.ndim else x.reshape(1)
            want_v = np_fn(src, axis=d, keepdims=keepdim and x.ndim > 0)
            want_i = arg_fn(src, axis=d, keepdims=keepdim and x.ndim > 0)
            if x.ndim == 0:
                want_v, want_i = want_v.reshape(()), want_i.reshape(())
            assert_same(values, np.asarray(want_v), zeros=False)
            assert_same(indices, np.asarray(want_i, dtype=I64))
    else:
        arg_fn = np.argmax if op == "argmax" else np.argmin
        if dims is None:
            want = np.asarray(arg_fn(x), dtype=I64)
        else:
            want = np.asarray(arg_fn(x, axis=axes[0] if axes else None), dtype=I64)
            if keepdim and x.ndim:
                want = np.expand_dims(want, axes[0])
        assert_same(got, want)


@fuzz(60)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), data=st.data())
def test_sum_mean_grad_tuple_dims(shape, data):
    """Central differences of sum/mean over random (tuple) dims, keepdim or not."""
    n = len(shape)
    dims = data.draw(
        st.lists(
            st.integers(-max(n, 1), max(n, 1) - 1), max_size=2, unique_by=lambda d: d % max(n, 1)
        ),
        label="dims",
    )
    keepdim = data.draw(st.booleans(), label="keepdim")
    op = data.draw(st.sampled_from(["sum", "mean"]), label="op")
    if not dims:
        dims = None
    elif n == 0:
        dims = tuple(dims[:1])
    x = data.draw(hnp.arrays(F64, shape, elements=st.floats(-3, 3)), label="x")
    check_grads(lambda t: getattr(t, op)(dims if dims is None else tuple(dims), keepdim), x)


@fuzz(100)
@given(
    x=st.sampled_from(FLOATS).flatmap(
        lambda d: arrays(d, hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    ),
    op=st.sampled_from(["max", "min"]),
)
def test_full_max_min_grad_ieee(x, op):
    """max()/min() over all elements: the gradient is shared evenly by the elements equal
    to the result, and by the NaN elements when the result is NaN (PyTorch)."""
    t = tg.tensor(x, requires_grad=True)
    out = getattr(t, op)()
    out.backward()
    result = out.detach().numpy()
    hits = (x == result) | (np.isnan(x) & np.isnan(result))
    want = (hits / hits.sum()).astype(x.dtype)
    assert_close(t.grad.data, want, 2 * np.finfo(x.dtype).eps)


# ====================================================================== softmax, log_softmax
def ref_log_softmax(x: np.ndarray, d: int) -> np.ndarray:
    """float64 log-softmax with PyTorch's conventions: a row with NaN or +inf, or with
    only -inf, is all NaN; -inf entries of other rows give -inf (probability 0)."""
    x64 = np.asarray(x, dtype=np.float64)
    if x64.ndim == 0:
        return ref_log_softmax(x64.reshape(1), 0).reshape(())
    if x64.shape[d] == 0:
        return x64.copy()
    bad = (
        np.isnan(x64).any(axis=d, keepdims=True)
        | np.isposinf(x64).any(axis=d, keepdims=True)
        | np.isneginf(x64).all(axis=d, keepdims=True)
    )
    safe = np.where(bad, 0.0, x64)
    z = safe - safe.max(axis=d, keepdims=True)  # exact shift: no cancellation below
    return np.where(bad, np.nan, z - np.log(np.exp(z).sum(axis=d, keepdims=True)))


@fuzz(200)
@given(
    x=st.sampled_from((F32, F64, I64)).flatmap(lambda d: arrays(d, SHAPES)),
    log=st.booleans(),
    data=st.data(),
)
def test_softmax_log_softmax_forward(x, log, data):
    """With ±inf, NaN and huge logits against a careful float64 reference."""
    n = x.ndim
    dim = data.draw(st.integers(-max(n, 1) - 2, max(n, 1) + 1), label="dim")
    functional = data.draw(st.booleans(), label="functional")
    t = tg.tensor(x)
    if functional:
        call = (lambda: F.log_softmax(t, dim)) if log else (lambda: F.softmax(t, dim))
    else:
        call = (lambda: t.log_softmax(dim)) if log else (lambda: t.softmax(dim))
    got, err = outcome(call)
    key = f"{'log_' if log else ''}softmax:{dim}:{x.dtype}:{x.shape}:{_digest(x)}"
    if dims_problem((dim,), n):
        check_clean_error(key, err, (IndexError,))
        return
    d = dim % max(n, 1)
    if x.dtype.kind != "f" and err is not None:  # PyTorch refuses integer softmax
        check_clean_error(key, err)
        return
    no_error(err)
    dt = x.dtype if x.dtype.kind == "f" else tg.float32
    assert got.dtype == dt and got.shape == x.shape
    ls = ref_log_softmax(x, d)
    eps, tiny = np.finfo(dt).eps, np.finfo(dt).tiny
    if log:
        assert_close(got.data, ls.astype(dt), 8 * eps * (1 + np.abs(ls)))
    else:
        p = np.exp(ls)
        with np.errstate(invalid="ignore"):
            tol = np.where(p > 0, 16 * eps * (1 + np.abs(ls)) * p, 0) + 2 * tiny
        assert_close(got.data, p.astype(dt), tol)


# ====================================================================== matmul
@st.composite
def matmul_cases(draw):
    na, nb = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    n, k, m = (draw(st.integers(0, 3)) for _ in range(3))
    batch = draw(
        hnp.mutually_broadcastable_shapes(
            num_shapes=2, min_dims=1, max_dims=1, min_side=0, max_side=3
        )
    ).input_shapes
    sa = {0: (), 1: (k,), 2: (n, k), 3: (*batch[0], n, k)}[na]
    sb = {0: (), 1: (k,), 2: (k, m), 3: (*batch[1], k, m)}[nb]
    corrupt = draw(st.integers(0, 5))
    if corrupt == 0 and na and nb:  # inner dims that differ
        kb = draw(st.integers(0, 3).filter(lambda v: v != k))
        sb = (kb,) if nb == 1 else (*sb[:-2], kb, sb[-1])
    elif corrupt == 1 and na == 3 and nb == 3:  # batch dims that may not broadcast
        sb = (draw(st.integers(0, 3)), *sb[1:])
    da, db = draw(st.sampled_from((F32, F64, I64))), draw(st.sampled_from((F32, F64, I64)))
    ea = finite_elements(da) if da.kind == "f" else st.integers(-4, 4)
    eb = finite_elements(db) if db.kind == "f" else st.integers(-4, 4)
    return draw(hnp.arrays(da, sa, elements=ea)), draw(hnp.arrays(db, sb, elements=eb))


@fuzz(180)
@given(case=matmul_cases(), rhs_kind=st.sampled_from(["tensor", "tensor", "ndarray"]))
def test_matmul_forward(case, rhs_kind):
    """Random compatible shapes (1-D, 2-D, broadcast batches, 0-size) equal numpy's @;
    incompatible ones raise a ValueError naming both shapes."""
    x, y = case
    note(f"{x.shape} @ {y.shape} ({x.dtype}, {y.dtype})")
    rhs = tg.tensor(y) if rhs_kind == "tensor" else y.copy()
    got, err = outcome(lambda: tg.tensor(x) @ rhs)
    key = f"matmul:{x.dtype}{x.shape}:{y.dtype}{y.shape}:{_digest(x, y)}"
    _, shape_err = outcome(lambda: np.matmul(np.zeros(x.shape), np.zeros(y.shape)))
    if shape_err is not None or x.ndim == 0 or y.ndim == 0:
        check_clean_error(key, err, (ValueError,), (str(x.shape), str(y.shape)))
        return
    dt = promote_types(x.dtype, y.dtype)
    want = np.matmul(x.astype(dt), y.astype(dt))
    no_error(err)
    assert got.dtype == dt
    assert got.shape == want.shape
    if dt.kind == "f":
        k = x.shape[-1]
        eps = np.finfo(dt).eps
        scale = np.matmul(np.abs(x.astype(F64)), np.abs(y.astype(F64)))
        assert_close(got.data, want, 2 * (k + 1) * eps * scale + np.finfo(dt).tiny)
    else:
        assert_same(got, want)


@fuzz(60)
@given(case=matmul_cases())
def test_matmul_grad_smooth(case):
    x, y = case
    if x.ndim == 0 or y.ndim == 0:
        return
    if outcome(lambda: np.matmul(np.zeros(x.shape), np.zeros(y.shape)))[1] is not None:
        return
    check_grads(lambda a, b: a @ b, x.astype(F64), y.astype(F64), atol=1e-5, rtol=1e-5)


# ====================================================================== shape ops
def check_movement(key: str, fn: Callable[[tg.Tensor], Any], np_fn, x: np.ndarray, err_ok):
    """``fn`` (on a Tensor) against ``np_fn`` (on an ndarray) for an op that only moves
    elements: values exactly (signs of zeros, NaN), and the gradient (``movement_grad``).
    ``err_ok``: the PyTorch-style error the input must raise, or None if it is valid."""
    t = tg.tensor(x, requires_grad=x.dtype.kind == "f")
    got, err = outcome(lambda: fn(t))
    if err_ok is not None:
        check_clean_error(key, err, err_ok)
        return
    no_error(err)
    assert_same(got, np_fn(x))
    if t.requires_grad:
        g = upstream(got.shape, x.dtype)
        got.backward(g)
        want = movement_grad(np_fn, x.shape, g.astype(F64)).astype(x.dtype)
        assert_same(t.grad, want, zeros=False)


SIZES = st.one_of(st.integers(-1, 6), st.integers(-3, -2))


@fuzz(180)
@given(
    x=st.sampled_from(DTYPES).flatmap(lambda d: arrays(d, SHAPES)),
    new=st.one_of(st.lists(SIZES, max_size=4).map(tuple), st.just(None)),
    form=st.sampled_from(["args", "tuple", "list", "view"]),
)
def test_reshape(x, new, form):
    """Random (in)valid shapes: one -1 at most, sizes >= -1, the same number of elements."""
    if new is None:  # a valid target: the size split into factors, maybe one -1
        new = (x.size,) if x.size else (0, 2)
    known = [n for n in new if n != -1]
    prod = int(np.prod(known)) if known else 1
    valid = (
        all(n >= -1 for n in new)
        and new.count(-1) <= 1
        and (prod == x.size if -1 not in new else (prod > 0 and x.size % prod == 0))
    )

    def call(t):
        if form == "args":
            return t.reshape(*new)
        if form == "list":
            return t.reshape(list(new))
        if form == "view":
            return t.view(new)
        return t.reshape(new)

    np_fn = lambda a: np.reshape(a, new)
    key = f"reshape:{x.dtype}:{x.shape}:{new}:{form}"
    check_movement(key, call, np_fn, x, None if valid else (ValueError, RuntimeError))


@fuzz(140)
@given(x=st.sampled_from(DTYPES).flatmap(lambda d: arrays(d, SHAPES)), data=st.data())
def test_transpose_and_permute(x, data):
    n = x.ndim
    dim = st.integers(-max(n, 1) - 1, max(n, 1))
    d0, d1 = data.draw(dim, label="d0"), data.draw(dim, label="d1")
    problem = dims_problem((d0,), n) or dims_problem((d1,), n)
    if n == 0:
        np_t = lambda a: a.copy()
    else:
        np_t = lambda a: np.swapaxes(a, d0 % n, d1 % n)
    check_movement(
        f"transpose:{x.dtype}:{x.shape}:{d0}:{d1}",
        lambda t: t.transpose(d0, d1),
        np_t,
        x,
        (IndexError,) if problem else None,
    )
    order = data.draw(st.lists(st.integers(-n - 1, n), max_size=n + 1), label="order")
    as_tuple = data.draw(st.booleans(), label="as tuple")
    valid = len(order) == n and not dims_problem(tuple(order), n)
    np_p = (
        (lambda a: np.transpose(a, [d % n for d in order])) if valid and n else (lambda a: a.copy())
    )
    check_movement(
        f"permute:{x.dtype}:{x.shape}:{order}",
        (lambda t: t.permute(tuple(order))) if as_tuple else (lambda t: t.permute(*order)),
        np_p,
        x,
        None if valid else ALLOWED,
    )
    if n <= 2:
        check_movement(f"t:{x.shape}", lambda t: t.t(), lambda a: a.T.copy(), x, None)
    check_movement(f"T:{x.shape}", lambda t: t.T, lambda a: a.T.copy(), x, None)


@fuzz(140)
@given(x=st.sampled_from(DTYPES).flatmap(lambda d: arrays(d, SHAPES)), data=st.data())
def test_squeeze_unsqueeze_flatten(x, data):
    n = x.ndim
    dim = st.integers(-max(n, 1) - 1, max(n, 1))
    sq = data.draw(st.one_of(st.none(), dim, st.tuples(dim, dim)), label="squeeze dim")
    dims = None if sq is None else ((sq,) if isinstance(sq, int) else sq)
    problem = None if dims is None else dims_problem(dims, n)
    if problem == "dup":
        problem = None  # a repeated dim in squeeze is harmless (PyTorch allows it)
    if n == 0:
        np_sq = lambda a: a.copy()
    else:
        axes = range(n) if dims is None else sorted({d % n for d in dims})
        drop = tuple(d for d in axes if x.shape[d] == 1)
        np_sq = lambda a: np.squeeze(a, axis=drop)
    check_movement(
        f"squeeze:{x.dtype}:{x.shape}:{sq}",
        (lambda t: t.squeeze()) if sq is None else (lambda t: t.squeeze(sq)),
        np_sq,
        x,
        (IndexError,) if problem else None,
    )
    ud = data.draw(st.integers(-n - 2, n + 1), label="unsqueeze dim")
    bad = not -n - 1 <= ud <= n
    check_movement(
        f"unsqueeze:{x.dtype}:{x.shape}:{ud}",
        lambda t: t.unsqueeze(ud),
        (lambda a: a.copy()) if bad else (lambda a: np.expand_dims(a, ud % (n + 1))),
        x,
        (IndexError,) if bad else None,
    )
    start, end = data.draw(dim, label="start"), data.draw(dim, label="end")
    problem = dims_problem((start,), n) or dims_problem((end,), n)
    if not problem and n and start % n > end % n:
        err_ok: tuple | None = (ValueError, RuntimeError)
    else:
        err_ok = (IndexError,) if problem else None
    if n == 0:
        np_fl = lambda a: a.reshape(1)
    elif err_ok is None:
        s, e = start % n, end % n
        np_fl = lambda a: a.reshape(
            *a.shape[:s], int(np.prod(a.shape[s : e + 1])), *a.shape[e + 1 :]
        )
    else:
        np_fl = lambda a: a
    check_movement(
        f"flatten:{x.dtype}:{x.shape}:{start}:{end}",
        lambda t: t.flatten(start, end),
        np_fl,
        x,
        err_ok,
    )


@fuzz(180)
@given(x=st.sampled_from(DTYPES).flatmap(lambda d: arrays(d, SHAPES)), data=st.data())
def test_expand(x, data):
    """Random targets: -1 keeps a dim, size-1 dims stretch (also to 0), new leading dims
    must be >= 0; anything else raises."""
    n = x.ndim
    lead = data.draw(st.integers(-1 if n else 0, 2), label="new leading dims")
    target = []
    for i in range(n + lead):
        own = x.shape[i - lead] if i >= lead else None
        choices = [st.integers(-2, 4)]
        if own is not None:
            choices += [st.just(own), st.just(-1)]
        target.append(data.draw(st.one_of(*choices), label=f"size {i}"))
    target = tuple(target)
    valid = lead >= 0
    resolved = []
    for i, size in enumerate(target):
        own = x.shape[i - lead] if valid and i >= lead else None
        if own is None:
            valid = valid and size >= 0
            resolved.append(size)
        elif size == -1:
            resolved.append(own)
        else:
            valid = valid and size >= 0 and (own == size or own == 1)
            resolved.append(size)
    as_tuple = data.draw(st.booleans(), label="as tuple")
    check_movement(
        f"expand:{x.dtype}:{x.shape}:{target}",
        (lambda t: t.expand(target)) if as_tuple else (lambda t: t.expand(*target)),
        lambda a: np.broadcast_to(a, tuple(resolved)).copy(),
        x,
        None if valid else (ValueError, RuntimeError),
    )


# ====================================================================== indexing
@st.composite
def index_items(draw, shape):
    count = draw(st.integers(0, len(shape) + 1))
    side = max(max(shape, default=1), 1)
    items: list[Any] = []
    for _ in range(count):
        kind = draw(
            st.sampled_from(
                ["int", "int", "slice", "slice", "none", "ellipsis", "list", "mask", "tensor"]
            )
        )
        if kind == "int":
            items.append(draw(st.integers(-side - 2, side + 1)))
        elif kind == "slice":
            bound = st.one_of(st.none(), st.integers(-side - 2, side + 2))
            step = st.one_of(st.none(), st.integers(-3, 3))
            items.append(slice(draw(bound), draw(bound), draw(step)))
        elif kind == "none":
            items.append(None)
        elif kind == "ellipsis":
            items.append(Ellipsis)
        elif kind == "list":
            items.append(draw(st.lists(st.integers(-side - 1, side), max_size=4)))
        elif kind == "mask":
            length = draw(st.integers(max(side - 1, 0), side + 1))
            items.append(
                np.array(
                    draw(st.lists(st.booleans(), min_size=length, max_size=length)), dtype=bool
                )
            )
        else:
            ints = draw(st.lists(st.integers(-side - 1, side), min_size=1, max_size=3))
            items.append(tg.tensor(np.array(ints, dtype=np.int64)))
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    return tuple(items)


def _np_index(index: Any) -> Any:
    """The same index for numpy: Tensors become their arrays, lists stay lists."""
    if isinstance(index, tuple):
        return tuple(_np_index(i) for i in index)
    return index.data if isinstance(index, tg.Tensor) else index


@fuzz(280)
@given(x=st.sampled_from(DTYPES).flatmap(lambda d: arrays(d, SHAPES)), data=st.data())
def test_getitem(x, data):
    """ints, slices (negative steps), None, Ellipsis, int lists, masks, int Tensors, in
    and out of range: numpy's result and a scatter-add gradient, or a clean IndexError."""
    index = data.draw(index_items(x.shape), label="index")
    np_index = _np_index(index)
    _, np_err = outcome(lambda: x[np_index])
    key = f"getitem:{x.dtype}:{x.shape}:{index!r}"
    check_movement(
        key,
        lambda t: t[index],
        lambda a: np.asarray(a[np_index]).copy(),
        x,
        None if np_err is None else ALLOWED,
    )


# ====================================================================== cat, stack
@st.composite
def cat_cases(draw):
    base = draw(SHAPES)
    stack = draw(st.booleans())
    n = len(base) + (1 if stack else 0)
    dim = draw(st.integers(-max(n, 1) - 1, max(n, 1)))
    shapes = []
    for _ in range(draw(st.integers(1, 4))):
        s = list(base)
        if not stack and base and -len(base) <= dim < len(base) and draw(st.booleans()):
            s[dim] = draw(st.integers(0, 3))
        if draw(st.integers(0, 7)) == 0:
            s = list(draw(SHAPES))
        shapes.append(tuple(s))
    dtypes = [draw(st.sampled_from(DTYPES)) for _ in shapes]
    xs = [draw(arrays(d, s)) for d, s in zip(dtypes, shapes, strict=True)]
    non_tensor = draw(st.integers(0, 11)) == 0
    return stack, dim, xs, non_tensor


@fuzz(200)
@given(case=cat_cases())
def test_cat_stack(case):
    """Random lists of shapes and dtypes: numpy's concatenate/stack in PyTorch's promoted
    dtype with the gradient split back, or ValueError for shapes that do not fit,
    IndexError for dims out of range, TypeError-like errors for non-Tensors."""
    stack, dim, xs, non_tensor = case
    name = "stack" if stack else "cat"
    fn = tg.stack if stack else tg.cat
    ts: list[Any] = [tg.tensor(x, requires_grad=x.dtype.kind == "f") for x in xs]
    if non_tensor:
        ts[-1] = xs[-1].copy()
    key = f"{name}:{dim}:{[(x.dtype.str, x.shape) for x in xs]}:{non_tensor}:{_digest(*xs)}"
    got, err = outcome(lambda: fn(ts, dim))
    if non_tensor:
        check_clean_error(key, err)
        return
    n0 = xs[0].ndim + (1 if stack else 0)
    if dims_problem((dim,), n0):
        same = len({x.shape for x in xs}) == 1
        # stack checks the shapes before the dim: either complaint will do then
        check_clean_error(key, err, (IndexError,) if same or not stack else ALLOWED)
        return
    d = dim % max(n0, 1)
    shapes = [x.shape for x in xs]
    if stack:
        fits = len(set(shapes)) == 1
    else:
        fits = xs[0].ndim > 0 and all(
            len(s) == len(shapes[0])
            and all(a == b for i, (a, b) in enumerate(zip(s, shapes[0], strict=True)) if i != d)
            for s in shapes
        )
    if not fits:
        check_clean_error(key, err, (ValueError,))
        return
    dt = xs[0].dtype
    for x in xs[1:]:
        dt = promote_types(dt, x.dtype)
    np_fn = np.stack if stack else np.concatenate
    want = np_fn([x.astype(dt) for x in xs], axis=d)
    no_error(err)
    assert_same(got, want)
    if not got.requires_grad:
        return
    g = upstream(got.shape, got.dtype)
    got.backward(g)
    offset = 0
    for i, (t, x) in enumerate(zip(ts, xs, strict=True)):
        if stack:
            piece = np.take(g, i, axis=d)
        else:
            piece = np.take(g, np.arange(offset, offset + x.shape[d]), axis=d)
            offset += x.shape[d]
        if t.requires_grad:
            assert_same(t.grad, piece.astype(t.dtype), zeros=False)


# ====================================================================== losses
def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


@st.composite
def loss_cases(draw):
    name = draw(st.sampled_from(["mse", "l1", "bce", "ce"]))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    if name == "ce":
        c = draw(st.integers(1, 4))
        one = draw(st.booleans())
        shape = (c,) if one else (draw(st.integers(0, 3)), c)
        dtype = draw(st.sampled_from(FLOATS))
        x = draw(arrays(dtype, shape))
        t_shape = () if one else (shape[0],)
        target = draw(hnp.arrays(I64, t_shape, elements=st.integers(-1, c)))
        return name, reduction, x, target
    dtype = (
        draw(st.sampled_from((F32, F64, I64))) if name != "bce" else draw(st.sampled_from(FLOATS))
    )
    shape = draw(SHAPES)
    x = draw(arrays(dtype, shape))
    if name == "bce":
        target = draw(
            hnp.arrays(
                dtype,
                shape,
                elements=st.one_of(
                    st.sampled_from([0.0, 1.0, 0.5, math.nan]), st.floats(0, 1, width=32)
                ),
            )
        )
    else:
        other_shape = shape if draw(st.integers(0, 5)) else draw(SHAPES)
        target = draw(arrays(dtype, other_shape))
    return name, reduction, x, target


@fuzz(200)
@given(case=loss_cases())
def test_losses_extreme_values(case):
    """mse/l1/bce_with_logits/cross_entropy with ±inf, NaN, huge and subnormal values,
    reduction none/sum/mean, against careful float64 references; shape and target
    errors raise cleanly."""
    name, reduction, x, target = case
    fns = {
        "mse": F.mse_loss,
        "l1": F.l1_loss,
        "bce": F.binary_cross_entropy_with_logits,
        "ce": F.cross_entropy,
    }
    key = f"{name}:{reduction}:{x.dtype}:{x.shape}:{target.shape}:{_digest(x, target)}"
    got, err = outcome(lambda: fns[name](tg.tensor(x), tg.tensor(target), reduction=reduction))
    note(f"{name} {reduction} x={x!r} target={target!r} -> {got!r} / {err!r}")
    if name == "ce":
        c = x.shape[-1]
        if target.size and (target.min() < 0 or target.max() >= c):
            check_clean_error(key, err, (IndexError, ValueError))
            return
        ls = ref_log_softmax(x.reshape(-1, c), 1)
        per = -ls[np.arange(ls.shape[0]), target.reshape(-1)].reshape(target.shape)
    else:
        if x.shape != target.shape:
            check_clean_error(key, err, (ValueError,), (str(x.shape), str(target.shape)))
            return
        if x.dtype.kind != "f":
            if err is not None:
                check_clean_error(key, err, (TypeError,), ("floating point",))
                return
            assert got.dtype.kind == "f"
            return
        x64, y64 = x.astype(F64), target.astype(F64)
        with np.errstate(all="ignore"):
            if name == "mse":
                per = (x.astype(x.dtype) - target) ** 2  # the same IEEE arithmetic, in dtype
            elif name == "l1":
                per = np.abs(x - target)
            else:
                per = y64 * _softplus(-x64) + (1 - y64) * _softplus(x64)
    dt = x.dtype
    eps = np.finfo(dt).eps
    per = np.asarray(per, dtype=F64)
    if name == "bce":
        tol = 8 * eps * (np.abs(per) + np.abs(x.astype(F64)) + 1)
    else:
        tol = 8 * eps * (np.abs(per) + 1)
    no_error(err)
    assert got.dtype == dt
    if reduction == "none":
        with np.errstate(all="ignore"):
            assert_close(got.data, per.astype(dt), tol)
        return
    # the library's own elementwise losses, summed in their dtype (which, like
    # PyTorch's, may overflow: the mean of [3e38, 3e38] in float32 is inf)
    parts = fns[name](tg.tensor(x), tg.tensor(target), reduction="none").detach().numpy()
    with np.errstate(all="ignore"):
        total = np.add.reduce(parts, axis=None, dtype=dt)
        if reduction == "mean":
            total = total / dt.type(parts.size) if parts.size else dt.type(np.nan)
    assert got.shape == ()
    assert_close(got.data, np.asarray(total, dt), 4 * eps * np.abs(np.asarray(total, F64)))


@fuzz(100)
@given(
    name=st.sampled_from(["mse", "l1", "bce", "ce"]),
    bad=st.sampled_from(["ndarray", "list", "float", "float-target", "bool-target", "reduction"]),
)
def test_losses_bad_arguments(name, bad):
    """Wrong argument types and reductions raise TypeError/ValueError, never
    AttributeError."""
    fns = {
        "mse": F.mse_loss,
        "l1": F.l1_loss,
        "bce": F.binary_cross_entropy_with_logits,
        "ce": F.cross_entropy,
    }
    x = np.zeros((2, 3), np.float32)
    target = np.array([0, 1]) if name == "ce" else np.zeros((2, 3), np.float32)
    args: tuple[Any, Any]
    kwargs: dict[str, Any] = {}
    if bad == "ndarray":
        args = (x, tg.tensor(target))
    elif bad == "list":
        args = (x.tolist(), tg.tensor(target))
    elif bad == "float":
        args = (1.5, tg.tensor(target))
    elif bad == "float-target":
        if name != "ce":
            return
        args = (tg.tensor(x), tg.tensor([0.0, 1.0]))
    elif bad == "bool-target":
        if name != "ce":
            return
        args = (tg.tensor(x), tg.tensor([True, False]))
    else:
        args = (tg.tensor(x), tg.tensor(target))
        kwargs = {"reduction": "avg"}
    _, err = outcome(lambda: fns[name](*args, **kwargs))
    check_clean_error(f"{name}:{bad}", err)


# ====================================================================== creation
BAD_DATA = [
    "abc",
    None,
    {},
    object(),
    [[1.0], [1.0, 2.0]],
    [1j],
    [None, 1.0],
    ["a", "b"],
    np.array(["a", "b"]),
    np.array([None, 1.0], dtype=object),
    np.array([1 + 2j]),
    np.array(["2020-01-01"], dtype="datetime64[D]"),
    np.str_("a"),
    np.complex128(1j),
]


@pytest.mark.parametrize("i", range(len(BAD_DATA)))
def test_tensor_from_bad_data(i):
    data = BAD_DATA[i]
    _, err = outcome(lambda: tg.tensor(data))
    check_clean_error(f"tensor:{type(data).__name__}:{data!r}", err, (TypeError, ValueError))


# ====================================================================== regression tests
# One test per defect the fuzzer found (all fixed).  Each runs all of its cases and fails
# once, listing every case that fails.
def check_cases(*cases: Callable[[], Any]) -> None:
    __tracebackhide__ = True
    failures = []
    for i, case in enumerate(cases):
        try:
            case()
        except Exception as e:
            failures.append(f"case {i}: {type(e).__name__}: {str(e)[:300]}")
    if failures:
        raise AssertionError(f"{len(failures)}/{len(cases)} cases fail: " + " | ".join(failures))


def _is_float32(fn: Callable[[], tg.Tensor]) -> Callable[[], None]:
    def case() -> None:
        out = fn()
        assert out.dtype == np.float32, f"dtype {out.dtype}"

    return case


def _raises_clean(name: str, fn: Callable[[], Any], *types: type[Exception]) -> Callable:
    return lambda: check_clean_error(name, outcome(fn)[1], types or ALLOWED)


def _float_result_or_clean_error(
    name: str, fn: Callable[[], tg.Tensor], dtype: np.dtype | None = None
) -> Callable:
    """PyTorch refuses the op: a clean error is right, and so is a float (``dtype``) result."""

    def case() -> None:
        out, err = outcome(fn)
        if err is None:
            assert out.dtype.kind == "f", f"dtype {out.dtype}"
            assert dtype is None or out.dtype == dtype, f"dtype {out.dtype}"
        else:
            check_clean_error(name, err)

    return case


def test_regression_float_ops_on_integers_give_float32():
    """Float-valued ops on int64/bool tensors used to give float64 (exp, log, mean, softmax,
    ...), float16, int64 or raise; PyTorch's rule is the default float32."""
    ints = [tg.tensor(np.array([1, 2, 0], d)) for d in (I64, BOOL)]
    cases = [_is_float32(lambda t=t, op=op: getattr(t, op)()) for t in ints for op in FLOAT_VALUED]
    cases += [_float_result_or_clean_error("mean:int", lambda t=t: t.mean(), F32) for t in ints]
    cases += [
        _float_result_or_clean_error("softmax:int", lambda: ints[0].softmax(0), F32),
        _float_result_or_clean_error("log_softmax:int", lambda: ints[0].log_softmax(0), F32),
    ]

    def relu_of_bool() -> None:
        out, err = outcome(lambda: F.relu(ints[1]))
        if err is None:
            assert out.dtype == BOOL, f"dtype {out.dtype}"
        else:
            check_clean_error("relu:bool", err)

    def sigmoid_values() -> None:
        want = ref_sigmoid(np.array([1, 2, 0], np.float32))
        np.testing.assert_allclose(ints[0].sigmoid().data, want, rtol=1e-6)

    check_cases(*cases, relu_of_bool, sigmoid_values)


def test_regression_zero_dim_float64_does_not_upcast_float32():
    """A 0-d float64 tensor used to upcast a float32 tensor with dims (numpy's rule); as in
    PyTorch, the dimensioned float32 tensor's dtype wins."""
    x = tg.tensor(np.array([1.0, 2.0], np.float32))
    s = tg.tensor(np.float64(3.0))
    check_cases(
        _is_float32(lambda: x + s),
        _is_float32(lambda: s * x),
        _is_float32(lambda: x.maximum(s)),
        _is_float32(lambda: tg.where(np.array([True, False]), x, s)),
        _is_float32(lambda: x - np.array(2.0)),
    )


def test_regression_bool_pow_bool_raises():
    """bool ** bool used to return int8; it raises a clean error, as PyTorch refuses it."""
    b = tg.tensor([True, False])
    check_cases(_raises_clean("pow:bool:bool", lambda: b ** tg.tensor([True, True])))


def test_regression_non_number_operand_raises():
    """None, str, bytes and complex operands used to be converted by numpy (float + None is
    NaN, float + '1' is float + 1, ...); they raise TypeError."""
    f, i = tg.tensor([1.0, 2.0]), tg.tensor([1, 2])
    empty = tg.tensor(np.zeros(0, np.int64))
    check_cases(
        *[_raises_clean(f"add:{bad!r}", lambda b=bad: f + b, TypeError) for bad in BAD_LIFTS],
        _raises_clean("add:int:1j", lambda: i + 1j, TypeError),
        _raises_clean("where:int:None", lambda: tg.where(np.ones(2, bool), i, None), TypeError),
        _raises_clean("add:empty:object", lambda: empty + object(), TypeError),
    )


BAD_LIFTS = [None, [None], "1", b"1", 1j]


def test_regression_out_of_range_python_int_raises():
    """A Python int outside the tensor dtype's range used to leak numpy's OverflowError (or
    make an object tensor); it raises a clean error."""
    cases = [(I64, 2**63), (I64, -(2**63) - 1), (BOOL, 2**64), (F32, 2**1030)]
    check_cases(
        *[
            _raises_clean(f"add:{d}:{v}", lambda d=d, v=v: tg.tensor(np.array([1, 0], d)) + v)
            for d, v in cases
        ]
    )


def test_regression_reductions_of_0d_tensors_check_dim():
    """On a 0-d tensor, sum/mean used to accept any dim and max/min(0 or -1) raised AxisError;
    out-of-range dims raise IndexError, and max/min along 0 or -1 give the value and index 0."""
    x = tg.tensor(2.0)
    cases = [
        _raises_clean(f"{op}:0d:{dim}", lambda op=op, dim=dim: getattr(x, op)(dim), IndexError)
        for op in ("sum", "mean")
        for dim in (1, -2, 5)
    ]
    cases += [_raises_clean("sum:0d:(0, -1)", lambda: x.sum((0, -1)))]

    def max_min_along_dim(op: str, dim: int) -> Callable[[], None]:
        def case() -> None:
            values, indices = getattr(x, op)(dim)
            assert values.item() == 2.0 and indices.item() == 0

        return case

    check_cases(*cases, *[max_min_along_dim(op, d) for op in ("max", "min") for d in (0, -1)])


def test_regression_argmax_dim_out_of_range_raises():
    """argmax/argmin with an out-of-range dim used to raise numpy's AxisError; they raise a
    clean error."""
    check_cases(
        *[
            _raises_clean(f"{op}:{s}:{d}", lambda op=op, s=s, d=d: getattr(tg.zeros(*s), op)(d))
            for op in ("argmax", "argmin")
            for s, d in (((2, 3), 2), ((2, 3), -3), ((), 1))
        ]
    )


def test_regression_full_max_min_grad_goes_to_nan():
    """max()/min() over a tensor holding NaN used to give an all-zero gradient; as in PyTorch
    it goes to the NaN elements."""

    def case(op: str) -> Callable[[], None]:
        def run() -> None:
            x = tg.tensor([1.0, math.nan, 3.0], requires_grad=True)
            getattr(x, op)().backward()
            np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])

        return run

    check_cases(case("max"), case("min"))


def test_regression_maximum_grad_goes_to_nan_operand():
    """maximum/minimum used to send the gradient to the non-NaN operand when self is NaN; it
    goes to self, whose (NaN) value is the output."""

    def case(op: str) -> Callable[[], None]:
        def run() -> None:
            a = tg.tensor([math.nan], requires_grad=True)
            b = tg.tensor([1.0], requires_grad=True)
            getattr(a, op)(b).backward(np.ones(1, np.float32))
            assert a.grad.data[0] == 1.0, f"grad of the NaN operand {a.grad.data[0]}"

        return run

    check_cases(case("maximum"), case("minimum"))


def test_regression_grad_of_x_pow_zero_is_zero():
    """d(x**0)/dx used to be NaN at x = ±0, NaN or a subnormal (0 * inf); x**0 is constant,
    so the gradient is 0, as in PyTorch."""

    def case(base: float) -> Callable[[], None]:
        def run() -> None:
            x = tg.tensor([base], requires_grad=True)
            (x**0.0).sum().backward()
            assert x.grad.data[0] == 0.0, f"d(x**0)/dx at {base} is {x.grad.data[0]}"

        return run

    check_cases(*[case(b) for b in (0.0, -0.0, math.nan, 1e-45)])


def test_regression_pow_exponent_grad_at_zero_base_keeps_nan():
    """d(0**y)/dy used to be forced to 0 for every y; PyTorch zeroes it only where y >= 0, so
    a NaN exponent gives NaN."""

    def run() -> None:
        y = tg.tensor([math.nan], requires_grad=True)
        (tg.tensor([0.0]) ** y).sum().backward()
        assert math.isnan(y.grad.data[0]), f"d(0**y)/dy at y = NaN is {y.grad.data[0]}"

    check_cases(run)


def test_regression_softmax_along_empty_dim():
    """softmax/log_softmax along a dim of size 0 used to raise numpy's 'zero-size array'
    error; they return the empty result."""

    def case(shape: tuple[int, ...], dim: int, log: bool) -> Callable[[], None]:
        def run() -> None:
            x = tg.zeros(*shape)
            assert (x.log_softmax(dim) if log else x.softmax(dim)).shape == shape

        return run

    check_cases(*[case(s, d, log) for s, d in (((0,), 0), ((2, 0), 1)) for log in (False, True)])


def test_regression_clamp_int_with_float_bound_gives_float32():
    """clamp of an int64 tensor with a float bound used to truncate to int64; as in PyTorch
    the result is float32 (clamp([1, 2], max=1.5) is [1., 1.5])."""

    def run() -> None:
        out = tg.tensor([1, 2]).clamp(max=1.5)
        assert out.dtype == np.float32, f"dtype {out.dtype}"
        np.testing.assert_array_equal(out.data, [1.0, 1.5])

    check_cases(run)


def test_regression_clamp_int_one_bound_keeps_int64_exact():
    """clamp of an int64 tensor with one bound used to go through float64 (rounding beyond
    2**53, int64 max wrapping to min); the result is exact int64."""

    def case(value: int, lo: int | None, hi: int | None) -> Callable[[], None]:
        def run() -> None:
            out = tg.tensor([value]).clamp(lo, hi)
            assert out.dtype == np.int64 and out.tolist() == [value], out.tolist()

        return run

    check_cases(case(I64_MAX, 0, None), case(2**53 + 1, None, 2**60), case(-(2**60) - 1, None, 0))


def test_regression_matmul_int_float32_gives_float32():
    """int64 @ float32 used to give float64; the float operand's dtype wins: float32."""
    w = tg.tensor(np.ones((2, 1), np.float32))
    check_cases(
        _is_float32(lambda: tg.tensor([[1, 2]]) @ w), _is_float32(lambda: w.t() @ tg.tensor([1, 2]))
    )


def test_regression_matmul_batch_mismatch_names_shapes():
    """matmul with batch dims that do not broadcast used to leak numpy's gufunc message; the
    ValueError names both shapes."""
    check_cases(
        lambda: check_clean_error(
            "matmul:batch",
            outcome(lambda: tg.zeros(2, 2, 3) @ tg.zeros(3, 3, 4))[1],
            (ValueError,),
            ("(2, 2, 3)", "(3, 3, 4)"),
        )
    )


def test_regression_transpose_dims():
    """transpose with an out-of-range dim, or of a 0-d tensor (even with 0/-1), used to raise
    numpy's AxisError; bad dims raise IndexError and a 0-d tensor accepts 0 and -1."""
    bad = [((2, 3), 0, 2), ((2, 3), -3, 0), ((), 0, 1)]
    cases = [
        _raises_clean(
            f"transpose:{s}:{a}:{b}", lambda s=s, a=a, b=b: tg.zeros(*s).transpose(a, b), IndexError
        )
        for s, a, b in bad
    ]

    def of_0d(d0: int, d1: int) -> Callable[[], None]:
        return lambda: tg.tensor(2.0).transpose(d0, d1).item()

    check_cases(*cases, of_0d(0, 0), of_0d(0, -1), of_0d(-1, -1))


def test_regression_flatten_0d_checks_dims():
    """flatten of a 0-d tensor used to ignore out-of-range start/end dims; they raise
    IndexError."""
    check_cases(_raises_clean("flatten:0d:3:5", lambda: tg.tensor(2.0).flatten(3, 5), IndexError))


def test_regression_flatten_of_empty_tensor():
    """flatten of a 0-element tensor used to raise when a dim outside start..end is 0 (numpy
    cannot infer -1); (0, 3).flatten(1) is (0, 3)."""

    def case(shape: tuple[int, ...], start: int, end: int) -> Callable[[], None]:
        def run() -> None:
            s, e = start % len(shape), end % len(shape)
            want = (*shape[:s], int(np.prod(shape[s : e + 1])), *shape[e + 1 :])
            assert tg.zeros(*shape).flatten(start, end).shape == want

        return run

    check_cases(case((0, 3), 1, -1), case((0, 0), 0, 0), case((2, 0, 3), 2, 2))


def test_regression_reshape_sizes_below_minus_one_raise():
    """reshape used to accept sizes below -1 (numpy reads any negative as -1); they raise."""
    check_cases(
        *[
            _raises_clean(
                f"reshape:{s}", lambda s=s: tg.zeros(2, 3).reshape(s), ValueError, RuntimeError
            )
            for s in ((-2, 3), (-5,), (2, -3))
        ]
    )


def test_regression_reshape_expand_numpy_integer():
    """reshape(np.int64(n)) and expand(np.int64(n)) used to raise "'numpy.int64' object is
    not iterable"; a numpy integer is a size like a Python int."""
    check_cases(
        lambda: tg.zeros(2, 3).reshape(np.int64(6)),
        lambda: tg.zeros(1).expand(np.int64(3)),
    )


def test_regression_getitem_empty_list():
    """Indexing with an empty list used to raise IndexError; as in numpy, the result is empty."""

    def run() -> None:
        assert tg.zeros(2, 3, requires_grad=True)[[]].shape == (0, 3)

    check_cases(run)


def test_regression_cat_stack_int_and_float32_give_float32():
    """cat/stack of int64 and float32 tensors used to give float64 (numpy's rule); PyTorch's
    promotion gives float32."""
    parts = [tg.tensor([1]), tg.tensor(np.array([1.0], np.float32))]
    check_cases(_is_float32(lambda: tg.cat(parts)), _is_float32(lambda: tg.stack(parts)))


def test_regression_non_tensor_arguments_raise_type_error():
    """cat/stack/maximum/losses given a non-Tensor (ndarray, float, list) used to crash with
    AttributeError; they raise TypeError."""
    calls = {
        "cat": lambda: tg.cat([tg.zeros(2), 1.0]),
        "stack": lambda: tg.stack([tg.zeros(2), np.zeros(2)]),
        "maximum": lambda: tg.maximum(np.zeros(2), tg.zeros(2)),
        "mse": lambda: F.mse_loss(np.zeros(2), tg.zeros(2)),
        "cross_entropy": lambda: F.cross_entropy(np.zeros((2, 3)), tg.tensor([0, 1])),
        "bce": lambda: F.binary_cross_entropy_with_logits([0.0, 1.0], tg.zeros(2)),
    }
    check_cases(*[_raises_clean(name, call, TypeError) for name, call in calls.items()])


def test_regression_loss_of_int_tensors():
    """mse/l1 of int64 tensors used to return int64, truncating the mean; the result is a
    float or a clean error (PyTorch refuses)."""
    x, y = tg.tensor([1, 2]), tg.tensor([0, 0])
    check_cases(
        _float_result_or_clean_error("mse:int", lambda: F.mse_loss(x, y)),
        _float_result_or_clean_error("l1:int", lambda: F.l1_loss(x, y)),
    )


def test_regression_bce_with_logits_at_plus_inf():
    """binary_cross_entropy_with_logits(+inf, y) used to be NaN for y != 1 (inf - inf); the
    loss is +inf for y < 1."""

    def case(y: float) -> Callable[[], None]:
        def run() -> None:
            out = F.binary_cross_entropy_with_logits(
                tg.tensor([math.inf]), tg.tensor([y]), reduction="none"
            )
            assert out.data[0] == math.inf, f"loss(+inf, {y}) = {out.data[0]}"

        return run

    check_cases(case(0.0), case(0.5))


def test_regression_where_needs_bool_condition():
    """where used to accept a non-bool condition (NaN counting as True) and None; as in
    PyTorch, the condition must be bool."""
    a, b = tg.zeros(2), tg.ones(2)
    conds = [None, np.array([0.5, math.nan]), [1.0, 0.0], tg.tensor([1, 0])]
    check_cases(*[_raises_clean(f"where:{c!r}", lambda c=c: tg.where(c, a, b)) for c in conds])


def test_regression_tensor_from_non_numeric_ndarray():
    """tensor() used to accept numpy str/object/complex/datetime arrays; it raises TypeError,
    as for lists of them."""
    data = [np.array(["a"]), np.array([None], dtype=object), np.array([1j]), np.str_("a")]
    check_cases(
        *[_raises_clean(f"tensor:{d!r}", lambda d=d: tg.tensor(d), TypeError) for d in data]
    )
