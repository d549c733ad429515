"""Every op of Tensor and nn.functional: forward against numpy, backward against central
differences in float64 (``gradcheck_util``), broadcasting included, plus dtype rules and
the creation functions."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck_util import check_grads, numeric_grad
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import tinygrad_rms as tg
import tinygrad_rms.nn.functional as F


# ---------------------------------------------------------------------- helpers
def values(rng: np.random.Generator, shape: tuple[int, ...], kind: str = "any") -> np.ndarray:
    """float64 test values: ``any`` normal, ``pos`` in [0.5, 2], ``nonzero`` |v| in [0.5, 2]."""
    if kind == "any":
        return rng.standard_normal(shape)
    mag = rng.uniform(0.5, 2.0, size=shape)
    if kind == "pos":
        return mag
    if kind == "nonzero":
        return np.where(rng.random(shape) < 0.5, -mag, mag)
    raise ValueError(kind)


def np_sigmoid(x: np.ndarray) -> np.ndarray:
    """Reference logistic function, written differently from the library (via logaddexp)."""
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240607)


# ---------------------------------------------------------------------- binary elementwise
BINARY = {
    "add": (lambda a, b: a + b, np.add, "any", "any"),
    "sub": (lambda a, b: a - b, np.subtract, "any", "any"),
    "mul": (lambda a, b: a * b, np.multiply, "any", "any"),
    "div": (lambda a, b: a / b, np.divide, "any", "nonzero"),
    "pow": (lambda a, b: a**b, np.power, "pos", "any"),
}

METHOD_FORMS = {
    "add": lambda a, b: a.add(b),
    "sub": lambda a, b: a.sub(b),
    "mul": lambda a, b: a.mul(b),
    "div": lambda a, b: a.div(b),
    "pow": lambda a, b: a.pow(b),
}

SHAPE_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 3, 4)),
    ((5, 1), (1,)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((), ()),
    ((2, 1, 3), (4, 1)),
    ((1, 3), (2, 1, 1)),
]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_forward_float64(op, shapes, rng):
    fn, ref, ka, kb = BINARY[op]
    a, b = values(rng, shapes[0], ka), values(rng, shapes[1], kb)
    out = fn(tg.tensor(a), tg.tensor(b))
    expected = ref(a, b)
    assert isinstance(out, tg.Tensor)
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=0)
    method = METHOD_FORMS[op](tg.tensor(a), tg.tensor(b))
    np.testing.assert_allclose(method.data, expected, rtol=1e-13, atol=0)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS[:5], ids=str)
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_forward_float32(op, shapes, rng):
    fn, ref, ka, kb = BINARY[op]
    a, b = values(rng, shapes[0], ka), values(rng, shapes[1], kb)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    out = fn(tg.tensor(a32), tg.tensor(b32))
    assert out.dtype == np.float32
    expected = ref(a32.astype(np.float64), b32.astype(np.float64))
    np.testing.assert_allclose(out.data, expected, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_backward(op, shapes, rng):
    fn, _, ka, kb = BINARY[op]
    a, b = values(rng, shapes[0], ka), values(rng, shapes[1], kb)
    check_grads(fn, a, b)


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_backward_one_side_requires_grad(op, which, rng):
    fn, _, ka, kb = BINARY[op]
    a, b = values(rng, (3, 1), ka), values(rng, (1, 4), kb)
    flags = [which == 0, which == 1]
    check_grads(fn, a, b, requires_grad=flags)


@settings(max_examples=40, deadline=None, database=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    op=st.sampled_from(sorted(BINARY)),
    seed=st.integers(0, 2**32 - 1),
)
def test_binary_broadcast_property(shapes, op, seed):
    fn, ref, ka, kb = BINARY[op]
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a, b = values(rng, sa, ka), values(rng, sb, kb)
    out = fn(tg.tensor(a), tg.tensor(b))
    assert out.shape == shapes.result_shape
    np.testing.assert_allclose(out.data, ref(a, b), rtol=1e-13, atol=0)
    check_grads(fn, a, b, seed=seed)


# ---------------------------------------------------------------------- scalars, reflected forms
C4 = np.array([0.5, -1.25, 2.0, 0.75])
C34 = np.linspace(-1.5, 1.5, 12).reshape(3, 4)
C34_NONZERO = np.linspace(0.5, 2.0, 12).reshape(3, 4) * np.array([1, -1, 1, -1])
C4_POS = np.array([0.5, 1.5, 2.0, 3.0])

SCALAR_FORMS = {
    "2*x": (lambda x: 2 * x, lambda x: 2 * x, "any"),
    "x*2": (lambda x: x * 2, lambda x: x * 2, "any"),
    "x*2.5": (lambda x: x * 2.5, lambda x: x * 2.5, "any"),
    "x+1.5": (lambda x: x + 1.5, lambda x: x + 1.5, "any"),
    "1.5+x": (lambda x: 1.5 + x, lambda x: 1.5 + x, "any"),
    "1-x": (lambda x: 1 - x, lambda x: 1 - x, "any"),
    "x-1": (lambda x: x - 1, lambda x: x - 1, "any"),
    "10.0/x": (lambda x: 10.0 / x, lambda x: 10.0 / x, "nonzero"),
    "x/4.0": (lambda x: x / 4.0, lambda x: x / 4.0, "any"),
    "x**2": (lambda x: x**2, lambda x: x**2, "any"),
    "x**3": (lambda x: x**3, lambda x: x**3, "any"),
    "x**0.5": (lambda x: x**0.5, np.sqrt, "pos"),
    "x**-1.5": (lambda x: x**-1.5, lambda x: x**-1.5, "pos"),
    "2.0**x": (lambda x: 2.0**x, lambda x: 2.0**x, "any"),
    "3**x": (lambda x: 3**x, lambda x: 3.0**x, "any"),
    "-x": (lambda x: -x, lambda x: -x, "any"),
    "x.neg()": (lambda x: x.neg(), lambda x: -x, "any"),
    "-(-x*3)": (lambda x: -(-x * 3), lambda x: x * 3, "any"),
    "C4+x": (lambda x: C4 + x, lambda x: C4 + x, "any"),
    "x+C4": (lambda x: x + C4, lambda x: x + C4, "any"),
    "C34-x": (lambda x: C34 - x, lambda x: C34 - x, "any"),
    "x-C34": (lambda x: x - C34, lambda x: x - C34, "any"),
    "C4*x": (lambda x: C4 * x, lambda x: C4 * x, "any"),
    "C34/x": (lambda x: C34 / x, lambda x: C34 / x, "nonzero"),
    "x/C34_NONZERO": (lambda x: x / C34_NONZERO, lambda x: x / C34_NONZERO, "any"),
    "C4_POS**x": (lambda x: C4_POS**x, lambda x: C4_POS**x, "any"),
    "x**C4": (lambda x: x**C4, lambda x: x**C4, "pos"),
}


@pytest.mark.parametrize("name", list(SCALAR_FORMS))
def test_scalar_and_array_operands(name, rng):
    fn, ref, kind = SCALAR_FORMS[name]
    x = values(rng, (3, 4), kind)
    out = fn(tg.tensor(x))
    assert isinstance(out, tg.Tensor), f"{name} returned {type(out).__name__}"
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, ref(x), rtol=1e-13, atol=1e-15)
    check_grads(fn, x)


def test_broadcast_operand_larger_than_tensor(rng):
    # a (4,) tensor against a (3, 4) numpy array: the gradient must be summed back to (4,)
    x = values(rng, (4,))
    out = check_grads(lambda t: C34 * t, x)
    assert out.shape == (3, 4)


def test_pow_exponent_gradient_at_zero_base():
    # d(a**b)/db = a**b log a, taken as 0 where a == 0 (PyTorch's convention), never nan
    a = tg.tensor([0.0, 2.0], dtype=tg.float64)
    b = tg.tensor([2.0, 3.0], dtype=tg.float64, requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(b.grad.data, [0.0, 8.0 * np.log(2.0)], rtol=1e-14)


def test_pos_is_identity(rng):
    x = tg.tensor(values(rng, (2, 3)), requires_grad=True)
    y = +x
    np.testing.assert_array_equal(y.data, x.data)


# ---------------------------------------------------------------------- matmul
MATMUL_SHAPES = [
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((1, 3, 4), (2, 4, 5)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_forward_and_backward(shapes, rng):
    a, b = values(rng, shapes[0]), values(rng, shapes[1])
    expected = np.matmul(a, b)
    for out in (tg.tensor(a) @ tg.tensor(b), tg.tensor(a).matmul(tg.tensor(b))):
        assert out.shape == expected.shape
        np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    check_grads(lambda x, y: x @ y, a, b)
    check_grads(lambda x, y: x.matmul(y), a, b, requires_grad=[True, False])
    check_grads(lambda x, y: x.matmul(y), a, b, requires_grad=[False, True])


def test_matmul_vector_vector_forward(rng):
    a, b = values(rng, (4,)), values(rng, (4,))
    out = tg.tensor(a) @ tg.tensor(b)
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), float(np.dot(a, b)), rtol=1e-13)


def test_matmul_vector_vector_backward(rng):
    a, b = values(rng, (4,)), values(rng, (4,))
    check_grads(lambda x, y: x @ y, a, b)


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4,))], ids=str)
def test_matmul_float32(shapes, rng):
    a, b = values(rng, shapes[0]).astype(np.float32), values(rng, shapes[1]).astype(np.float32)
    out = tg.tensor(a) @ tg.tensor(b)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out.data, a.astype(np.float64) @ b.astype(np.float64), rtol=1e-5, atol=1e-5
    )


def test_matmul_with_numpy_operands(rng):
    m = values(rng, (4, 5))
    out = check_grads(lambda x: x @ m, values(rng, (3, 4)))
    assert out.shape == (3, 5)
    left = values(rng, (2, 3))
    out = check_grads(lambda x: left @ x, values(rng, (3, 4)))
    assert isinstance(out, tg.Tensor) and out.shape == (2, 4)


@pytest.mark.parametrize("shapes", [((3, 4), (5, 6)), ((4,), (5,)), ((), (3,)), ((3,), ())])
def test_matmul_shape_errors(shapes):
    a, b = tg.tensor(np.ones(shapes[0])), tg.tensor(np.ones(shapes[1]))
    with pytest.raises(ValueError):
        a @ b


# ---------------------------------------------------------------------- reductions
DIMS = [None, 0, 1, 2, -1, -3, (0, 2), (-1, 0), (0, 1, 2)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reductions(op, dim, keepdim, rng):
    x = values(rng, (2, 3, 4))
    ref = getattr(np, op)
    expected = ref(x, axis=dim, keepdims=keepdim)
    out = getattr(tg.tensor(x), op)(dim=dim, keepdim=keepdim)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=1e-15)
    positional = getattr(tg.tensor(x), op)(dim, keepdim)
    np.testing.assert_allclose(positional.data, expected, rtol=1e-13, atol=1e-15)
    check_grads(lambda t: getattr(t, op)(dim=dim, keepdim=keepdim), x)


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reductions_float32_and_full(op, rng):
    x = values(rng, (5, 7)).astype(np.float32)
    out = getattr(tg.tensor(x), op)()
    assert out.shape == () and out.dtype == np.float32
    np.testing.assert_allclose(out.item(), getattr(np, op)(x.astype(np.float64)), rtol=1e-5)


@pytest.mark.parametrize("dim", [3, -4, (0, 3)])
def test_reduction_dim_out_of_range(dim):
    with pytest.raises(IndexError):
        tg.tensor(np.ones((2, 3, 4))).sum(dim=dim)


def test_reductions_of_zero_dim_tensor():
    x = tg.tensor(np.array(2.5))
    assert x.sum().item() == 2.5 and x.mean().item() == 2.5


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reduction_dim0_of_zero_dim_tensor(op):
    x = tg.tensor(np.array(2.5), requires_grad=True)
    out = getattr(x, op)(dim=0)
    assert out.shape == () and out.item() == 2.5
    out.backward()
    assert x.grad.item() == 1.0


# ---------------------------------------------------------------------- unary elementwise
UNARY = {
    "exp": (lambda t: t.exp(), np.exp, "any"),
    "sin": (lambda t: t.sin(), np.sin, "any"),
    "cos": (lambda t: t.cos(), np.cos, "any"),
    "torch.sin": (lambda t: tg.sin(t), np.sin, "any"),
    "log": (lambda t: t.log(), np.log, "pos"),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, "pos"),
    "abs": (lambda t: t.abs(), np.abs, "nonzero"),
    "builtin abs": (lambda t: abs(t), np.abs, "nonzero"),
    "relu": (lambda t: t.relu(), lambda x: np.maximum(x, 0.0), "nonzero"),
    "F.relu": (lambda t: F.relu(t), lambda x: np.maximum(x, 0.0), "nonzero"),
    "tanh": (lambda t: t.tanh(), np.tanh, "any"),
    "sigmoid": (lambda t: t.sigmoid(), np_sigmoid, "any"),
}


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)], ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_float64(name, shape, rng):
    fn, ref, kind = UNARY[name]
    x = values(rng, shape, kind)
    out = fn(tg.tensor(x))
    assert out.shape == shape and out.dtype == np.float64
    np.testing.assert_allclose(out.data, ref(x), rtol=1e-13, atol=1e-15)
    check_grads(fn, x)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_float32(name, rng):
    fn, ref, kind = UNARY[name]
    x = values(rng, (4, 5), kind).astype(np.float32)
    t = tg.tensor(x, requires_grad=True)
    out = fn(t)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, ref(x.astype(np.float64)), rtol=2e-6, atol=1e-7)
    out.sum().backward()
    assert t.grad.dtype == np.float32


def test_relu_and_abs_gradient_at_zero_is_zero():
    # PyTorch's conventions (a subgradient, not a central difference)
    x = tg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])
    y = tg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    y.abs().sum().backward()
    np.testing.assert_array_equal(y.grad.data, [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_large_magnitude_is_stable(dtype):
    xs = np.array([-1e4, -1000.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1000.0, 1e4])
    x = tg.tensor(xs.astype(dtype), requires_grad=True)
    # no overflow, no division by zero, no nan anywhere (underflow to 0 is expected)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        out = x.sigmoid()
        out.backward(gradient=np.ones(xs.shape, dtype=dtype))
    assert out.dtype == dtype
    assert np.all(np.isfinite(out.detach().numpy())) and np.all(
        np.isfinite(x.grad.detach().numpy())
    )
    tiny = np.finfo(dtype).tiny
    rtol = 2e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(out.data, np_sigmoid(xs), rtol=rtol, atol=tiny)
    # sigmoid'(x) = exp(-softplus(-x) - softplus(x)).  Like PyTorch the library uses
    # s * (1 - s), which is exact only up to the rounding of s near 1: compare absolutely
    # to within one rounding of s (eps).
    dref = np.exp(-np.logaddexp(0.0, -xs) - np.logaddexp(0.0, xs))
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(x.grad.data, dref, rtol=8 * eps, atol=eps)
    assert out.data[0] == 0.0 and out.data[-1] == 1.0


# ---------------------------------------------------------------------- shape ops
RESHAPES = {
    "reshape(3, 4)": lambda t: t.reshape(3, 4),
    "reshape((4, 3))": lambda t: t.reshape((4, 3)),
    "reshape([2, 6])": lambda t: t.reshape([2, 6]),
    "reshape(-1)": lambda t: t.reshape(-1),
    "view(2, -1)": lambda t: t.view(2, -1),
    "view(12)": lambda t: t.view(12),
    "view(1, 3, 1, 4)": lambda t: t.view(1, 3, 1, 4),
}
RESHAPE_REF = {
    "reshape(3, 4)": (3, 4),
    "reshape((4, 3))": (4, 3),
    "reshape([2, 6])": (2, 6),
    "reshape(-1)": (12,),
    "view(2, -1)": (2, 6),
    "view(12)": (12,),
    "view(1, 3, 1, 4)": (1, 3, 1, 4),
}


@pytest.mark.parametrize("name", list(RESHAPES))
def test_reshape_view(name, rng):
    x = values(rng, (2, 2, 3))
    out = RESHAPES[name](tg.tensor(x))
    np.testing.assert_array_equal(out.data, x.reshape(RESHAPE_REF[name]))
    # the gradient comes back in the input's layout (upstream is random, so order matters)
    check_grads(lambda t: RESHAPES[name](t) * np.arange(12.0).reshape(RESHAPE_REF[name]), x)


def test_reshape_invalid_raises():
    with pytest.raises(ValueError):
        tg.tensor(np.ones((2, 3))).reshape(4, 2)


TRANSPOSES = {
    "transpose(0, 1) 2-D": ((3, 4), lambda t: t.transpose(0, 1), lambda x: x.swapaxes(0, 1)),
    "transpose(0, 2) 3-D": ((2, 3, 4), lambda t: t.transpose(0, 2), lambda x: x.swapaxes(0, 2)),
    "transpose(-1, 1) 3-D": ((2, 3, 4), lambda t: t.transpose(-1, 1), lambda x: x.swapaxes(2, 1)),
    "t() 2-D": ((3, 4), lambda t: t.t(), lambda x: x.T),
    "t() 1-D": ((4,), lambda t: t.t(), lambda x: x),
    ".T 2-D": ((3, 4), lambda t: t.T, lambda x: x.T),
    ".T 3-D": ((2, 3, 4), lambda t: t.T, lambda x: np.transpose(x, (2, 1, 0))),
}


@pytest.mark.parametrize("name", list(TRANSPOSES))
def test_transposes(name, rng):
    shape, fn, ref = TRANSPOSES[name]
    x = values(rng, shape)
    out = fn(tg.tensor(x))
    np.testing.assert_array_equal(out.data, ref(x))
    weights = np.arange(1.0, x.size + 1).reshape(ref(x).shape)
    check_grads(lambda t: fn(t) * weights, x)


def test_t_rejects_3d():
    with pytest.raises(ValueError):
        tg.tensor(np.ones((2, 3, 4))).t()


def test_clone(rng):
    x = values(rng, (3, 4))
    t = tg.tensor(x)
    c = t.clone()
    np.testing.assert_array_equal(c.data, x)
    assert c is not t and not np.shares_memory(c.data, t.data)
    c.data[0, 0] = 123.0
    assert t.data[0, 0] == x[0, 0]
    out = check_grads(lambda v: v.clone() * 3.0, x)
    assert out.grad_fn.name() == "MulBackward0"
    r = tg.tensor(x, requires_grad=True)
    assert r.clone().grad_fn.name() == "CloneBackward0"


def test_to_dtype_forward_and_backward(rng):
    x32 = values(rng, (3, 4)).astype(np.float32)
    x = tg.tensor(x32, requires_grad=True)
    y = x.to(tg.float64)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.data, x32.astype(np.float64))
    upstream = rng.standard_normal((3, 4))
    y.backward(gradient=upstream)
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, upstream.astype(np.float32))

    z = tg.tensor(values(rng, (2,)), requires_grad=True)  # float64 -> float32 -> back
    w = z.to(tg.float32)
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w.data, z.detach().numpy().astype(np.float32))
    (w * 2.0).sum().backward()
    assert z.grad.dtype == np.float64
    np.testing.assert_array_equal(z.grad.data, [2.0, 2.0])


def test_to_aliases_and_same_dtype(rng):
    t = tg.tensor(values(rng, (2,)).astype(np.float32))
    assert t.double().dtype == np.float64
    assert t.double().float().dtype == np.float32
    assert t.to(np.float32) is t
    assert t.to("float64").dtype == np.float64
    assert t.type(tg.float64).dtype == np.float64


def test_to_int_values():
    t = tg.tensor([1.7, -2.2, 3.0])
    i = t.to(tg.int64)
    assert i.dtype == np.int64
    np.testing.assert_array_equal(i.data, [1, -2, 3])  # truncation toward zero


def test_to_int_of_grad_tensor_does_not_require_grad():
    x = tg.tensor([1.5, 2.5], requires_grad=True)
    i = x.to(tg.int64)
    assert i.dtype == np.int64
    assert i.requires_grad is False
    assert i.is_leaf


# ---------------------------------------------------------------------- nn.functional.linear


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)], ids=str)
def test_linear_forward(x_shape, with_bias, rng):
    x, w, b = values(rng, x_shape), values(rng, (2, 3)), values(rng, (2,))
    expected = x @ w.T + (b if with_bias else 0.0)
    tensors = [tg.tensor(x), tg.tensor(w)] + ([tg.tensor(b)] if with_bias else [])
    out = F.linear(*tensors)
    assert out.shape == (*x_shape[:-1], 2)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("input_requires_grad", [True, False])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)], ids=str)
def test_linear_backward(x_shape, with_bias, input_requires_grad, rng):
    x, w, b = values(rng, x_shape), values(rng, (2, 3)), values(rng, (2,))
    if with_bias:
        fn, arrays = (lambda xi, wi, bi: F.linear(xi, wi, bi)), (x, w, b)
        flags = [input_requires_grad, True, True]
    else:
        fn, arrays = (lambda xi, wi: F.linear(xi, wi)), (x, w)
        flags = [input_requires_grad, True]
    out = check_grads(fn, *arrays, requires_grad=flags)
    # PyTorch's nodes: addmm (mm without a bias) of 2-d rows, viewed back for other shapes
    top = "AddmmBackward0" if with_bias else "MmBackward0"
    assert out.grad_fn.name() == (top if len(x_shape) == 2 else "ViewBackward0")


def test_linear_only_bias_requires_grad(rng):
    x, w, b = values(rng, (4, 3)), values(rng, (2, 3)), values(rng, (2,))
    check_grads(F.linear, x, w, b, requires_grad=[False, False, True])


def test_linear_float32(rng):
    x, w, b = (values(rng, s).astype(np.float32) for s in [(4, 3), (2, 3), (2,)])
    out = F.linear(tg.tensor(x), tg.tensor(w), tg.tensor(b))
    assert out.dtype == np.float32
    ref = x.astype(np.float64) @ w.astype(np.float64).T + b
    np.testing.assert_allclose(out.data, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "x_shape,w_shape,b_shape", [((4, 3), (2, 4), None), ((4, 3), (2, 3), (3,)), ((), (2, 3), None)]
)
def test_linear_shape_errors(x_shape, w_shape, b_shape):
    args = [tg.tensor(np.ones(x_shape)), tg.tensor(np.ones(w_shape))]
    if b_shape is not None:
        args.append(tg.tensor(np.ones(b_shape)))
    with pytest.raises(ValueError):
        F.linear(*args)


# ---------------------------------------------------------------------- nn.functional.mse_loss
MSE_REF = {
    "mean": lambda a, b: np.mean((a - b) ** 2),
    "sum": lambda a, b: np.sum((a - b) ** 2),
    "none": lambda a, b: (a - b) ** 2,
}


@pytest.mark.parametrize("target_requires_grad", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction, target_requires_grad, rng):
    a, b = values(rng, (4, 3)), values(rng, (4, 3))
    out = F.mse_loss(tg.tensor(a), tg.tensor(b), reduction=reduction)
    expected = MSE_REF[reduction](a, b)
    assert out.shape == np.shape(expected) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    out = check_grads(
        lambda x, y: F.mse_loss(x, y, reduction=reduction),
        a,
        b,
        requires_grad=[True, target_requires_grad],
    )
    assert out.grad_fn.name() == "MseLossBackward0"


def test_mse_loss_default_is_mean_and_target_only_grad(rng):
    a, b = values(rng, (5,)), values(rng, (5,))
    np.testing.assert_allclose(
        F.mse_loss(tg.tensor(a), tg.tensor(b)).item(), np.mean((a - b) ** 2), rtol=1e-13
    )
    check_grads(F.mse_loss, a, b, requires_grad=[False, True])


def test_mse_loss_numpy_target_and_float32(rng):
    a, b = values(rng, (3, 2)).astype(np.float32), values(rng, (3, 2)).astype(np.float32)
    x = tg.tensor(a, requires_grad=True)
    out = F.mse_loss(x, b)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out.item(), np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2), rtol=1e-6
    )
    out.backward()
    assert x.grad.dtype == np.float32
    expected = numeric_grad(lambda t: F.mse_loss(t, tg.tensor(b.astype(np.float64))), [a], 0)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-5, atol=1e-6)


def test_mse_loss_errors():
    x = tg.tensor(np.ones((4, 1)))
    with pytest.raises(ValueError):
        F.mse_loss(x, tg.tensor(np.ones(4)))
    with pytest.raises(ValueError):
        F.mse_loss(x, x, reduction="average")


# ---------------------------------------------------------------------- dtype rules
SCALAR_OPS_ON = [
    lambda x: x * 2.0,
    lambda x: 2.0 * x,
    lambda x: 2.0 - x,
    lambda x: x - 2,
    lambda x: x + 1,
    lambda x: x / 3.0,
    lambda x: 3.0 / x,
    lambda x: x**2,
    lambda x: x**0.5,
    lambda x: 2.0**x,
    lambda x: -x,
]


@pytest.mark.parametrize("i", range(len(SCALAR_OPS_ON)))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_python_scalars_keep_float_dtype(dtype, i):
    x = tg.tensor(np.array([1.0, 2.0, 4.0], dtype=dtype), requires_grad=True)
    out = SCALAR_OPS_ON[i](x)
    assert out.dtype == dtype
    out.sum().backward()
    assert x.grad.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_reduction_shape_ops_keep_dtype(dtype):
    x = tg.tensor(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=dtype))
    for out in [
        x.exp(),
        x.log(),
        x.sqrt(),
        x.abs(),
        x.relu(),
        x.tanh(),
        x.sigmoid(),
        x.sum(),
        x.mean(),
        x.mean(0),
        x.reshape(4),
        x.T,
        x.t(),
        x.clone(),
        x @ x,
    ]:
        assert out.dtype == dtype


@pytest.mark.parametrize("op", list(BINARY))
def test_float32_with_float64_promotes(op):
    fn = BINARY[op][0]
    a = tg.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b = tg.tensor(np.array([0.5, 1.5], dtype=np.float64), requires_grad=True)
    for out in (fn(a, b), fn(b, a)):
        assert out.dtype == np.float64
    fn(a, b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_float32_with_float64_numpy_array_promotes():
    a = tg.tensor([1.0, 2.0])
    assert (a + np.array([1.0, 2.0])).dtype == np.float64
    assert (np.array([1.0, 2.0]) + a).dtype == np.float64
    assert (a + np.array([1.0, 2.0], dtype=np.float32)).dtype == np.float32


def test_float32_matmul_float64_promotes():
    a = tg.tensor(np.ones((2, 3), dtype=np.float32))
    b = tg.tensor(np.ones((3, 2), dtype=np.float64))
    assert (a @ b).dtype == np.float64


def test_creation_dtypes():
    assert tg.tensor([1.0, 2.0]).dtype == np.float32
    assert tg.tensor(1.5).dtype == np.float32
    assert tg.tensor([1, 2.5]).dtype == np.float32
    assert tg.tensor([[1.0], [2.0]]).shape == (2, 1)
    assert tg.tensor(np.array([1.0, 2.0])).dtype == np.float64
    assert tg.tensor(np.array([1.0, 2.0], dtype=np.float32)).dtype == np.float32
    assert tg.tensor([1, 2, 3]).dtype == np.int64
    assert tg.tensor(7).dtype == np.int64
    assert tg.tensor([1.0, 2.0], dtype=tg.float64).dtype == np.float64
    assert tg.tensor([1, 2], dtype=tg.int32).dtype == np.int32
    assert tg.tensor(tg.tensor([1.0, 2.0])).dtype == np.float32


def test_tensor_copies_its_data():
    src = np.array([1.0, 2.0])
    t = tg.tensor(src)
    src[0] = 99.0
    assert t.data[0] == 1.0


def test_int_tensor_with_python_float_is_float32():
    i = tg.tensor([1, 2, 3])
    assert (i * 2.5).dtype == np.float32
    assert (2.5 + i).dtype == np.float32
    assert (i / 2).dtype == np.float32


def test_int32_tensor_with_python_int_stays_int32():
    i = tg.tensor([1, 2, 3], dtype=tg.int32)
    assert (i + 2).dtype == np.int32
    assert (3 * i).dtype == np.int32


# ---------------------------------------------------------------------- creation functions
@pytest.mark.parametrize("name", ["randn", "rand", "zeros", "ones"])
def test_creation_functions(name):
    fn = getattr(tg, name)
    for t in (fn(2, 3), fn((2, 3)), fn([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32
        assert t.requires_grad is False and t.is_leaf
    assert fn(4).shape == (4,)
    assert fn(()).shape == ()
    assert fn(0, 3).shape == (0, 3)
    t64 = fn(3, 2, dtype=tg.float64)
    assert t64.shape == (3, 2) and t64.dtype == np.float64
    g = fn(2, requires_grad=True)
    assert g.requires_grad and g.is_leaf
    with pytest.raises(ValueError):
        fn(-1, 2)
    with pytest.raises(ValueError):
        fn(2.5)


def test_creation_values():
    np.testing.assert_array_equal(tg.zeros(2, 3).data, np.zeros((2, 3)))
    np.testing.assert_array_equal(tg.ones(2, 3).data, np.ones((2, 3)))
    tg.manual_seed(0)
    u = tg.rand(10_000, dtype=tg.float64).data
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.02
    n = tg.randn(10_000, dtype=tg.float64).data
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1.0) < 0.05


def test_manual_seed_reproducible():
    tg.manual_seed(1234)
    a, b = tg.randn(3, 4), tg.rand(5)
    tg.manual_seed(1234)
    c, d = tg.randn(3, 4), tg.rand(5)
    np.testing.assert_array_equal(a.data, c.data)
    np.testing.assert_array_equal(b.data, d.data)
    assert not np.array_equal(tg.randn(3, 4).data, a.data)  # the stream moves on
    tg.manual_seed(1235)
    assert not np.array_equal(tg.randn(3, 4).data, a.data)


# ---------------------------------------------------------------------- shape ops (more)
MORE_SHAPE_OPS = {
    "permute(2, 0, 1)": ((2, 3, 4), lambda t: t.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1)),
    "permute((1, -1, 0))": (
        (2, 3, 4),
        lambda t: t.permute((1, -1, 0)),
        lambda x: x.transpose(1, 2, 0),
    ),
    "flatten()": ((2, 3, 4), lambda t: t.flatten(), lambda x: x.reshape(-1)),
    "flatten(1)": ((2, 3, 4), lambda t: t.flatten(1), lambda x: x.reshape(2, 12)),
    "flatten(0, 1)": ((2, 3, 4), lambda t: t.flatten(0, 1), lambda x: x.reshape(6, 4)),
    "squeeze()": ((1, 3, 1, 2), lambda t: t.squeeze(), lambda x: x.reshape(3, 2)),
    "squeeze(2)": ((1, 3, 1, 2), lambda t: t.squeeze(2), lambda x: x.reshape(1, 3, 2)),
    "squeeze(1) keeps size 3": ((1, 3, 1, 2), lambda t: t.squeeze(1), lambda x: x),
    "unsqueeze(0)": ((3, 2), lambda t: t.unsqueeze(0), lambda x: x[None]),
    "unsqueeze(-1)": ((3, 2), lambda t: t.unsqueeze(-1), lambda x: x[..., None]),
    "unsqueeze(1)": ((3, 2), lambda t: t.unsqueeze(1), lambda x: x[:, None]),
    "expand(3, 4)": ((3, 1), lambda t: t.expand(3, 4), lambda x: np.broadcast_to(x, (3, 4))),
    "expand((2, -1, 4))": (
        (3, 1),
        lambda t: t.expand((2, -1, 4)),
        lambda x: np.broadcast_to(x, (2, 3, 4)),
    ),
}


@pytest.mark.parametrize("name", list(MORE_SHAPE_OPS))
def test_more_shape_ops(name, rng):
    shape, fn, ref = MORE_SHAPE_OPS[name]
    x = values(rng, shape)
    out = fn(tg.tensor(x))
    expected = ref(x)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)
    weights = np.arange(1.0, expected.size + 1).reshape(expected.shape)
    check_grads(lambda t: fn(t) * weights, x)


def test_more_shape_op_errors():
    t = tg.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError):
        t.permute(0, 0)
    with pytest.raises(ValueError):
        t.expand(4, 3)
    with pytest.raises(ValueError):
        t.expand(3)


# ---------------------------------------------------------------------- indexing
INDEXES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, 3),
    "step slice": (slice(None), slice(None, None, 2)),
    "int, slice": (0, slice(1, None)),
    "None, Ellipsis": (None, Ellipsis, 1),
    "int array with repeats": np.array([0, 2, 0, 0]),
    "list with repeats": [1, 1, 3],
    "two int arrays": (np.array([0, 1, 1]), np.array([2, 2, 0])),
    "bool mask": np.array([True, False, True, True]),
}


@pytest.mark.parametrize("name", list(INDEXES))
def test_getitem(name, rng):
    index = INDEXES[name]
    x = values(rng, (4, 3))
    expected = x[np.asarray(index) if isinstance(index, list) else index]
    out = tg.tensor(x)[index]
    assert out.shape == np.shape(expected)
    np.testing.assert_array_equal(out.data, expected)
    check_grads(lambda t: t[index] * 2.0, x)


def test_getitem_with_tensor_index(rng):
    x = values(rng, (5,))
    idx = tg.tensor([4, 0, 4])
    np.testing.assert_array_equal(tg.tensor(x)[idx].data, x[[4, 0, 4]])
    check_grads(lambda t: t[idx], x)
    mask = tg.tensor(x) > 0
    np.testing.assert_array_equal(tg.tensor(x)[mask].data, x[x > 0])


def test_getitem_repeated_index_accumulates():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


# ---------------------------------------------------------------------- clamp, maximum, minimum
CLAMPS = {
    "clamp(-0.5, 0.7)": (lambda t: t.clamp(-0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7)),
    "clamp(min=0.1)": (lambda t: t.clamp(min=0.1), lambda x: np.maximum(x, 0.1)),
    "clamp(max=-0.2)": (lambda t: t.clamp(max=-0.2), lambda x: np.minimum(x, -0.2)),
    "clip(-1, 1)": (lambda t: t.clip(-1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0)),
}


@pytest.mark.parametrize("name", list(CLAMPS))
def test_clamp(name, rng):
    fn, ref = CLAMPS[name]
    # keep values away from the bounds so central differences see a smooth function
    x = rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(0.0, 2.0, size=(3, 4))
    x = x[np.all(np.abs(x[..., None] - [-1.0, -0.5, -0.2, 0.1, 0.7, 1.0]) > 1e-3, axis=-1)]
    out = fn(tg.tensor(x))
    np.testing.assert_array_equal(out.data, ref(x))
    check_grads(fn, x)
    x32 = x.astype(np.float32)
    assert fn(tg.tensor(x32)).dtype == np.float32


def test_clamp_gradient_is_zero_at_the_bounds_and_needs_a_bound():
    x = tg.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    # PyTorch >= 2.14: only min < x < max lets the gradient through (2.13: min <= x <= max)
    x.clamp(0.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0, 0.0, 0.0])
    with pytest.raises(ValueError):
        x.clamp()


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3), ())], ids=str)
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum(op, shapes, rng):
    a, b = values(rng, shapes[0]), values(rng, shapes[1])
    expected = getattr(np, op)(a, b)
    for out in (getattr(tg.tensor(a), op)(tg.tensor(b)), getattr(tg, op)(tg.tensor(a), b)):
        np.testing.assert_array_equal(out.data, expected)
    check_grads(lambda x, y: getattr(x, op)(y), a, b)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_gradient(op):
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tg.tensor([1.0, 5.0, 0.0], requires_grad=True)
    getattr(a, op)(b).sum().backward()
    wins_a = [0.5, 0.0, 1.0] if op == "maximum" else [0.5, 1.0, 0.0]
    np.testing.assert_array_equal(a.grad.data, wins_a)
    np.testing.assert_array_equal(b.grad.data, 1.0 - np.array(wins_a))


# ---------------------------------------------------------------------- softmax, log_softmax
def np_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    return x - np.logaddexp.reduce(x, axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax(dim, rng):
    x = values(rng, (3, 4)) * 3.0
    np.testing.assert_allclose(
        tg.tensor(x).softmax(dim).data, np.exp(np_log_softmax(x, dim)), rtol=1e-13
    )
    np.testing.assert_allclose(
        tg.tensor(x).log_softmax(dim).data, np_log_softmax(x, dim), rtol=1e-13, atol=1e-14
    )
    check_grads(lambda t: t.softmax(dim), x)
    check_grads(lambda t: t.log_softmax(dim), x)


def test_softmax_large_inputs_are_stable():
    x = tg.tensor([[1000.0, 1001.0, -1000.0]], dtype=tg.float32, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = x.softmax(-1)
        ls = x.log_softmax(-1)
    ref = np_log_softmax(np.array([[1000.0, 1001.0, -1000.0]]), -1)
    np.testing.assert_allclose(ls.data, ref, rtol=1e-6)
    np.testing.assert_allclose(s.data, np.exp(ref), rtol=1e-6, atol=1e-30)
    assert s.dtype == np.float32 and ls.dtype == np.float32


# ---------------------------------------------------------------------- max, min, argmax
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_full(op, rng):
    x = values(rng, (3, 4))
    out = getattr(tg.tensor(x), op)()
    assert out.shape == ()
    assert out.item() == getattr(np, op)(x)
    check_grads(lambda t: getattr(t, op)(), x)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_dim(op, dim, keepdim, rng):
    x = values(rng, (3, 4))
    values_, indices = getattr(tg.tensor(x), op)(dim, keepdim=keepdim)
    np.testing.assert_array_equal(values_.data, getattr(np, op)(x, axis=dim, keepdims=keepdim))
    argref = np.argmax if op == "max" else np.argmin
    np.testing.assert_array_equal(indices.data, argref(x, axis=dim, keepdims=keepdim))
    assert indices.dtype == np.int64 and not indices.requires_grad
    res = getattr(tg.tensor(x), op)(dim=dim, keepdim=keepdim)
    assert res.values.shape == values_.shape and res.indices.shape == indices.shape


@pytest.mark.parametrize("keepdim", [True, False])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_dim_backward(op, dim, keepdim, rng):
    x = values(rng, (3, 4))
    check_grads(lambda t: getattr(t, op)(dim, keepdim=keepdim).values, x)


def test_max_full_ties_share_gradient():
    x = tg.tensor([3.0, 1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.data, [1 / 3, 0.0, 1 / 3, 1 / 3], rtol=1e-7)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_argmin(op, rng):
    x = values(rng, (3, 4))
    ref = getattr(np, op)
    t = tg.tensor(x)
    assert getattr(t, op)().item() == ref(x)
    np.testing.assert_array_equal(getattr(t, op)(1).data, ref(x, axis=1))
    np.testing.assert_array_equal(
        getattr(t, op)(0, keepdim=True).data, ref(x, axis=0, keepdims=True)
    )
    assert getattr(t, op)(1).dtype == np.int64


# ---------------------------------------------------------------------- where, cat, stack
def test_where(rng):
    a, b = values(rng, (3, 4)), values(rng, (1, 4))
    cond = rng.random((3, 4)) < 0.5
    out = tg.where(tg.tensor(cond), tg.tensor(a), tg.tensor(b))
    np.testing.assert_array_equal(out.data, np.where(cond, a, b))
    check_grads(lambda x, y: tg.where(cond, x, y), a, b)
    out2 = tg.where(cond, tg.tensor(a), 0.0)
    np.testing.assert_array_equal(out2.data, np.where(cond, a, 0.0))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim, rng):
    shapes = {0: [(1, 3), (2, 3), (3, 3)], 1: [(2, 1), (2, 3), (2, 2)], -1: [(2, 2), (2, 1)]}
    arrays = [values(rng, s) for s in shapes[dim]]
    out = tg.cat([tg.tensor(a) for a in arrays], dim=dim)
    np.testing.assert_array_equal(out.data, np.concatenate(arrays, axis=dim))
    check_grads(lambda *ts: tg.cat(list(ts), dim=dim), *arrays)
    check_grads(
        lambda *ts: tg.cat(ts, dim=dim),
        *arrays,
        requires_grad=[False, True] + [False] * (len(arrays) - 2),
    )


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack(dim, rng):
    arrays = [values(rng, (2, 3)) for _ in range(3)]
    out = tg.stack([tg.tensor(a) for a in arrays], dim=dim)
    np.testing.assert_array_equal(out.data, np.stack(arrays, axis=dim))
    check_grads(lambda *ts: tg.stack(list(ts), dim=dim), *arrays)


def test_cat_stack_errors():
    with pytest.raises(ValueError):
        tg.cat([])
    with pytest.raises(ValueError):
        tg.stack([tg.tensor(np.ones(2)), tg.tensor(np.ones(3))])
    with pytest.raises(ValueError):
        tg.cat([tg.tensor(np.ones((2, 2))), tg.tensor(np.ones((3, 3)))], dim=0)


# ---------------------------------------------------------------------- in-place ops
INPLACE = {
    "zero_": (lambda t: t.zero_(), lambda x: np.zeros_like(x)),
    "fill_(2.5)": (lambda t: t.fill_(2.5), lambda x: np.full_like(x, 2.5)),
    "copy_(row)": (lambda t: t.copy_(C4), lambda x: np.broadcast_to(C4, x.shape)),
    "add_(C4, alpha=2)": (lambda t: t.add_(tg.tensor(C4), alpha=2), lambda x: x + 2 * C4),
    "sub_(1.5)": (lambda t: t.sub_(1.5), lambda x: x - 1.5),
    "mul_(C34)": (lambda t: t.mul_(C34), lambda x: x * C34),
    "setitem": (lambda t: t.__setitem__((0, slice(1, 3)), 9.0), lambda x: _set_ref(x)),
}


def _set_ref(x: np.ndarray) -> np.ndarray:
    y = x.copy()
    y[0, 1:3] = 9.0
    return y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_ops(name, dtype, rng):
    fn, ref = INPLACE[name]
    x = values(rng, (3, 4)).astype(dtype)
    t = tg.tensor(x)
    buffer, version = t.detach().numpy(), t._version
    res = fn(t)
    assert res is t or res is None
    assert t.detach().numpy() is buffer and t.dtype == dtype  # in place, dtype kept
    np.testing.assert_allclose(t.data, ref(x.astype(np.float64)).astype(dtype), rtol=1e-6)
    assert t._version > version
