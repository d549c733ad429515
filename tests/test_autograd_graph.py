"""Graph semantics of backward(): accumulation, shared values, errors, grad mode, leaves,
detach, deep graphs, conversions and printing."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
from gradcheck_util import check_grads, numeric_grad

import tinygrad_rms as tg


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def leaf(values, dtype=np.float64) -> tg.Tensor:
    return tg.tensor(np.array(values, dtype=dtype), requires_grad=True)


# ---------------------------------------------------------------------- accumulation, sharing
def test_gradients_accumulate_across_backward_calls(rng):
    xv = rng.standard_normal(4)
    x = leaf(xv)
    (x * x).sum().backward()
    first = x.grad.detach().numpy().copy()
    np.testing.assert_allclose(first, numeric_grad(lambda t: (t * t).sum(), [xv], 0), rtol=1e-7)
    (x.exp()).sum().backward()  # a second, separate graph
    expected = numeric_grad(lambda t: (t * t).sum() + t.exp().sum(), [xv], 0)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-7)


def test_grad_can_be_reset_with_none():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    x.grad = None
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [5.0, 5.0])


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t * t,
        lambda t: t + t,
        lambda t: t - t * 3.0,
        lambda t: t / (t * t + 1.0),
        lambda t: t**t,
        lambda t: t @ t,
    ],
    ids=["x*x", "x+x", "x-3x", "x/(x*x+1)", "x**x", "x@x"],
)
def test_value_used_twice_gets_summed_gradient(fn, rng):
    x = rng.uniform(0.5, 2.0, size=(3, 3))
    check_grads(fn, x)


def test_x_times_x_is_2x_and_x_plus_x_is_2():
    x = leaf([1.5, -2.0, 0.25])
    (x * x).backward(gradient=np.ones(3))
    np.testing.assert_array_equal(x.grad.data, [3.0, -4.0, 0.5])
    y = leaf([1.5, -2.0, 0.25])
    (y + y).backward(gradient=np.ones(3))
    np.testing.assert_array_equal(y.grad.data, [2.0, 2.0, 2.0])


def test_shared_non_leaf_used_twice(rng):
    # y is an intermediate node reached by two paths: its gradient must be summed first
    check_grads(lambda t: (lambda y: y * y + y.exp())(t * 2.0 + 1.0), rng.standard_normal(5))


def test_diamond_graph(rng):
    def diamond(x):
        y = x * x  # shared intermediate
        a = y.exp()
        b = y * 3.0
        return (a + b).sum()

    xv = rng.uniform(-1.0, 1.0, size=(2, 3))
    x = leaf(xv)
    diamond(x).backward()
    np.testing.assert_allclose(x.grad.data, (np.exp(xv**2) + 3.0) * 2.0 * xv, rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, numeric_grad(diamond, [xv], 0), rtol=1e-7)


def test_multi_level_diamonds_and_two_leaves(rng):
    def f(x, w):
        h = (x @ w).tanh()
        left = h * h
        right = h.sigmoid() * x.sum(dim=1, keepdim=True)
        return (left + right) @ w.T + h @ w.T

    check_grads(f, rng.standard_normal((3, 4)), rng.standard_normal((4, 4)))


def test_branch_without_grad_requirement(rng):
    # c does not require grad: it gets no .grad and does not disturb x's
    xv, cv = rng.standard_normal(3), rng.standard_normal(3)
    x, c = leaf(xv), tg.tensor(cv)
    (x * c + c.exp()).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad.data, cv, rtol=1e-15)


def test_leaf_grads_are_independent_buffers():
    # add hands the same upstream array to both inputs; their .grad must not alias
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    g = np.array([1.0, 1.0])
    (x + y).backward(gradient=g)
    assert not np.shares_memory(x.grad.data, y.grad.data)
    assert not np.shares_memory(x.grad.data, g)
    (x * 2.0).backward(gradient=g)
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])
    g[:] = 100.0
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_backward_on_leaf_itself():
    x = leaf([1.0, 2.0])
    g = np.array([0.5, -1.0])
    x.backward(gradient=g)
    np.testing.assert_array_equal(x.grad.data, g)
    g[0] = 9.0
    assert x.grad.data[0] == 0.5
    s = leaf(3.0)
    s.backward()
    assert s.grad.item() == 1.0


def test_explicit_gradient_scales_result(rng):
    xv = rng.standard_normal((2, 2))
    x = leaf(xv)
    y = x.exp()
    g = rng.standard_normal((2, 2))
    y.backward(gradient=tg.tensor(g))  # a Tensor gradient is accepted too
    np.testing.assert_allclose(x.grad.data, g * np.exp(xv), rtol=1e-14)


def test_grad_dtype_follows_leaf_dtype():
    a = leaf([1.0, 2.0], dtype=np.float32)
    b = leaf([3.0, 4.0], dtype=np.float64)
    out = a * b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad.data, [3.0, 4.0])
    assert a.grad.requires_grad is False and a.grad.grad is None


# ---------------------------------------------------------------------- backward errors
def test_backward_non_scalar_without_gradient_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError):
        (x * 2.0).backward()
    assert x.grad is None


def test_backward_one_element_non_scalar_is_implicit():
    x = leaf([[2.0]])
    (x * 3.0).backward()  # one element: gradient 1 is implied, as in PyTorch
    np.testing.assert_array_equal(x.grad.data, [[3.0]])


@pytest.mark.parametrize("shape", [(3,), (2, 1), (1, 2), ()], ids=str)
def test_backward_gradient_of_wrong_shape_raises(shape):
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError):
        (x * 2.0).backward(gradient=np.ones(shape))
    assert x.grad is None


def test_backward_without_requires_grad_raises():
    x = tg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError):
        x.sum().backward()
    with pytest.raises(RuntimeError):
        x.backward(gradient=np.ones(2))


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])  # unchanged by the failed call


def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).exp().sum()
    y.backward(retain_graph=True)
    once = x.grad.detach().numpy().copy()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.data, 2 * once, rtol=1e-15)
    y.backward()  # the last one may free the graph
    np.testing.assert_allclose(x.grad.data, 3 * once, rtol=1e-15)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


# ---------------------------------------------------------------------- grad mode
def test_no_grad_context_manager():
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2.0 + 1.0
        z = y.exp().sum()
    assert tg.is_grad_enabled()
    assert y.requires_grad is False and y.grad_fn is None and y.is_leaf
    assert z.requires_grad is False
    np.testing.assert_array_equal(y.data, [3.0, 5.0])
    with pytest.raises(RuntimeError):
        z.backward()


def test_no_grad_decorator():
    @tg.no_grad()
    def double(t):
        assert not tg.is_grad_enabled()
        return t * 2.0

    x = leaf([1.0])
    out = double(x)
    assert out.requires_grad is False and out.grad_fn is None
    assert tg.is_grad_enabled()
    assert double.__name__ == "double"


def test_no_grad_restores_mode_after_exception():
    def boom():
        raise KeyError("x")

    with pytest.raises(KeyError), tg.no_grad():
        boom()
    assert tg.is_grad_enabled()

    @tg.no_grad()
    def raising():
        boom()

    with pytest.raises(KeyError):
        raising()
    assert tg.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        with tg.enable_grad():
            assert tg.is_grad_enabled()
            y = x * 3.0
        assert not tg.is_grad_enabled()
        z = x * 3.0
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])

    @tg.enable_grad()
    def f(t):
        return t * 2.0

    with tg.no_grad():
        assert f(x).requires_grad


def test_set_grad_enabled_and_nesting():
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
        with tg.no_grad():
            assert not tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
        with tg.set_grad_enabled(True):
            assert tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_grad_mode_is_thread_local():
    entered, release = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def worker_in_no_grad():
        with tg.no_grad():
            seen["worker"] = tg.is_grad_enabled()
            entered.set()
            release.wait(10)

    t = threading.Thread(target=worker_in_no_grad)
    t.start()
    try:
        assert entered.wait(10)
        # the other thread is inside no_grad right now; this one is unaffected
        assert tg.is_grad_enabled()
        x = leaf([1.0])
        assert (x * 2.0).requires_grad
    finally:
        release.set()
        t.join(10)
    assert seen["worker"] is False

    # and the other way round: a fresh thread starts with grad enabled
    results: dict[str, bool] = {}

    def worker_plain():
        results["enabled"] = tg.is_grad_enabled()
        results["records"] = (leaf([1.0]) * 2.0).requires_grad

    with tg.no_grad():
        t2 = threading.Thread(target=worker_plain)
        t2.start()
        t2.join(10)
        assert not tg.is_grad_enabled()
    assert results == {"enabled": True, "records": True}


# ---------------------------------------------------------------------- leaves, requires_grad
def test_requires_grad_propagation():
    a = leaf([1.0, 2.0])
    b = tg.tensor([3.0, 4.0])
    assert a.requires_grad and not b.requires_grad
    assert (a + b).requires_grad
    assert (b * a).requires_grad
    assert not (b * b).requires_grad
    assert not (b * 2.0).exp().requires_grad
    assert (a.sum() + b.sum()).requires_grad
    assert (b @ a).requires_grad


def test_is_leaf_and_grad_fn():
    a = leaf([1.0, 2.0])
    b = tg.tensor([3.0, 4.0])
    assert a.is_leaf and b.is_leaf
    assert a.grad_fn is None
    y = a * b
    assert not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    assert (b * b).is_leaf  # nothing to differentiate: a new leaf, as in PyTorch
    assert y.detach().is_leaf


def test_non_leaf_grad_stays_none():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    z = y.exp()
    z.sum().backward()
    with pytest.warns(UserWarning, match="retain_grad"):  # PyTorch warns here too
        assert y.grad is None and z.grad is None
    assert x.grad is not None


def test_requires_grad_flag_setting():
    t = tg.tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    t.requires_grad_(False)
    assert not t.requires_grad
    y = leaf([1.0]) * 2.0
    with pytest.raises(RuntimeError):
        y.requires_grad_(False)  # only leaves


def test_detach_cuts_the_graph(rng):
    xv = rng.standard_normal(3)
    x = leaf(xv)
    y = x * 2.0
    d = y.detach()
    assert d.requires_grad is False and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.data, y.data)
    (d * x).sum().backward()  # only the direct path to x counts
    np.testing.assert_allclose(x.grad.data, 2.0 * xv, rtol=1e-15)


@pytest.mark.parametrize("dtype", [tg.int64, tg.int32, np.bool_])
def test_integer_tensors_cannot_require_grad(dtype):
    with pytest.raises(RuntimeError):
        tg.tensor([1, 2], dtype=dtype, requires_grad=True)
    t = tg.tensor([1, 2], dtype=dtype)
    with pytest.raises(RuntimeError):
        t.requires_grad_()
    assert not t.requires_grad


def test_integer_creation_with_requires_grad_raises():
    with pytest.raises(RuntimeError):
        tg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError):
        tg.zeros(2, dtype=tg.int64, requires_grad=True)


def test_int_tensor_in_graph_gets_no_grad():
    x = leaf([1.0, 2.0])
    i = tg.tensor([3, 4])
    out = x * i
    assert out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])
    assert i.grad is None


# ---------------------------------------------------------------------- in-place and versions
def test_inplace_on_leaf_requiring_grad_raises_outside_no_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError):
        x.add_(1.0)
    with tg.no_grad():
        x.add_(1.0)
    np.testing.assert_array_equal(x.data, [2.0, 3.0])


def test_inplace_change_of_saved_input_is_detected():
    x = leaf([1.0, 2.0])
    c = tg.tensor([3.0, 4.0])
    y = (x * c).sum()  # mul saved c
    c.mul_(10.0)
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward()


# ---------------------------------------------------------------------- deep graphs
@pytest.mark.slow  # 100,000 nodes
def test_deep_chain_multiply_no_recursion_error():
    n = 100_000
    assert n > sys.getrecursionlimit()
    x = leaf([1.0, 2.0])
    y = x
    for _ in range(n):
        y = y * 1.0001
    y.sum().backward()
    expected = 1.0001**n  # d/dx (x * c**n) = c**n
    np.testing.assert_allclose(x.grad.data, [expected, expected], rtol=1e-9)
    np.testing.assert_allclose(y.data, [expected, 2 * expected], rtol=1e-9)


@pytest.mark.slow  # 100,000 nodes
def test_deep_chain_add_retained_then_released():
    n = 100_000
    x = leaf(0.5)
    y = x
    for _ in range(n):
        y = y + 1.0
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 2.0
    assert y.item() == 0.5 + n
    # a deep graph that was never backpropagated also has to be freed without recursion
    z = x
    for _ in range(n):
        z = z - 1.0
    del z


# ---------------------------------------------------------------------- conversions, printing
def test_item():
    v = tg.tensor([2.5]).item()
    assert v == 2.5 and type(v) is float
    i = tg.tensor(7).item()
    assert i == 7 and type(i) is int
    assert leaf(1.5).item() == 1.5  # fine on tensors requiring grad
    assert (leaf([[3.0]]) * 2.0).item() == 6.0
    with pytest.raises((ValueError, RuntimeError)):
        tg.tensor([1.0, 2.0]).item()


def test_numpy_conversion():
    t = tg.tensor(np.array([1.0, 2.0]))
    a = t.numpy()
    assert isinstance(a, np.ndarray) and np.shares_memory(a, t.data)
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError):
        x.numpy()
    with pytest.raises(RuntimeError):
        (x * 2.0).numpy()
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])


def test_np_asarray():
    t = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert isinstance(a, np.ndarray)
    assert a.dtype == np.float32 and a.shape == (2, 2)
    np.testing.assert_array_equal(a, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float64), a.astype(np.float64))
    b = np.array(t)
    assert not np.shares_memory(b, t.data)  # np.array copies


@pytest.mark.parametrize(
    "make",
    [
        lambda: tg.tensor(2.0) * 3.0,
        lambda: tg.tensor(2.0).exp(),
        lambda: tg.tensor(np.ones((2, 2))).sum() * 0.5,
        lambda: tg.tensor(np.ones(3)) @ tg.tensor(np.ones(3)),
    ],
    ids=["scalar*3", "exp(scalar)", "sum()*0.5", "vec@vec"],
)
def test_zero_dim_op_result_is_an_array(make):
    t = make()
    assert t.shape == ()
    assert isinstance(t.numpy(), np.ndarray)
    a = np.asarray(t)
    assert a.shape == () and a == t.item()


def test_shape_dtype_and_size():
    t = tg.tensor(np.zeros((2, 3, 4), dtype=np.float32))
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert t.dtype == tg.float32 == np.float32
    assert t.ndim == 3 and t.dim() == 3 and t.numel() == 24
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert len(t) == 2
    assert tg.tensor([1.0], dtype=tg.float64).dtype == tg.float64
    assert tg.tensor([1, 2]).dtype == tg.int64


def test_repr():
    plain = repr(tg.tensor([1.0, 2.0]))
    assert plain.startswith("tensor(") and "1." in plain and "2." in plain
    assert "grad_fn=" not in plain and "requires_grad" not in plain
    x = leaf([1.0, 2.0], dtype=np.float32)
    r = repr(x)
    assert r.startswith("tensor(") and "requires_grad=True" in r and "grad_fn=" not in r
    y = x * 2.0
    ry = repr(y)
    assert ry.startswith("tensor(") and "grad_fn=" in ry and "Mul" in ry
    assert "requires_grad=True" not in ry
    with tg.no_grad():
        rz = repr(x * 2.0)
    assert "grad_fn=" not in rz and "requires_grad" not in rz
    assert "float64" in repr(tg.tensor([1.0], dtype=tg.float64))
    assert "float32" not in repr(tg.tensor([1.0]))  # the default dtype is not printed
    assert str(y) == ry
