"""In-place ops, version counters, freed graphs and views, with PyTorch's semantics.

PyTorch's rules, which the library follows:

* an in-place op changes the data and bumps the tensor's version counter;
* in-place on a leaf that requires grad is refused while grad mode is on (allowed under
  ``no_grad``, which is how optimizers update parameters);
* backward refuses to use a tensor that an op saved and that was changed in place
  since (its version moved), instead of silently returning a wrong gradient;
* backward frees the graph unless ``retain_graph=True``; a second backward through a
  freed graph is an error;
* leaves accumulate gradients across backward calls.

Expected values come from numpy on copies of the inputs and from the calculus of each
expression, never from the library's own output.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
from tinygrad_rms.optim import RMSprop

F64 = tg.float64


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


def grad_leaf(values) -> tg.Tensor:
    return tg.tensor(values, dtype=F64, requires_grad=True)


# ---------------------------------------------------------------------- in-place ops
# name -> (apply to a tensor, apply to a numpy copy); the numpy side is the reference
OTHER = np.array([0.5, -1.0, 2.0, 4.0])
COLS = (slice(None), slice(1, 3))
COLUMN = np.array([1.0, 2.0, 3.0])
MASK = np.array([[True, False, False, True], [False, True, False, False], [True] * 4])


def _np_setitem(index, value):
    def f(a):
        a[index] = value
        return a

    return f


INPLACE = {
    "zero_": (lambda t: t.zero_(), lambda a: np.zeros_like(a)),
    "fill_": (lambda t: t.fill_(2.5), lambda a: np.full_like(a, 2.5)),
    "copy_tensor": (
        lambda t: t.copy_(tg.tensor(OTHER * 3)),
        lambda a: np.broadcast_to(OTHER * 3, a.shape),
    ),
    "copy_array": (
        lambda t: t.copy_(np.arange(12.0).reshape(3, 4)),
        lambda a: np.arange(12.0).reshape(3, 4),
    ),
    "add_": (lambda t: t.add_(tg.tensor(OTHER)), lambda a: a + OTHER),
    "add_alpha": (lambda t: t.add_(tg.tensor(OTHER), alpha=2), lambda a: a + 2 * OTHER),
    "add_scalar": (lambda t: t.add_(1.5), lambda a: a + 1.5),
    "sub_": (lambda t: t.sub_(tg.tensor(OTHER)), lambda a: a - OTHER),
    "sub_alpha": (lambda t: t.sub_(OTHER, alpha=0.5), lambda a: a - 0.5 * OTHER),
    "mul_": (lambda t: t.mul_(tg.tensor(OTHER)), lambda a: a * OTHER),
    "mul_scalar": (lambda t: t.mul_(-3), lambda a: a * -3),
    "setitem_int": (lambda t: t.__setitem__(1, 7.0), _np_setitem(1, 7.0)),
    "setitem_slice": (lambda t: t.__setitem__(COLS, 0.0), _np_setitem(COLS, 0.0)),
    "setitem_mask": (lambda t: t.__setitem__(tg.tensor(MASK), -1.0), _np_setitem(MASK, -1.0)),
    "setitem_array": (
        lambda t: t.__setitem__([0, 2], tg.tensor(OTHER)),
        _np_setitem([0, 2], OTHER),
    ),
    "setitem_tensor_value": (
        lambda t: t.__setitem__((..., 0), tg.tensor(COLUMN)),
        _np_setitem((..., 0), COLUMN),
    ),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_changes_data_and_bumps_version(name, rng) -> None:
    op, reference = INPLACE[name]
    start = rng.standard_normal((3, 4))
    t = tg.tensor(start, dtype=F64)
    data_before = t.data
    assert t._version == 0
    result = op(t)
    np.testing.assert_array_equal(t.data, reference(start.copy()))
    assert t._version == 1
    assert t.data is data_before, "in-place ops write into the existing array"
    if result is not None:  # the methods return self, as PyTorch's do
        assert result is t
    op(t)
    assert t._version == 2


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
def test_inplace_keeps_dtype(dtype) -> None:
    t = tg.ones(3, dtype=dtype)
    t.add_(np.array([0.1, 0.2, 0.3], dtype=np.float64))
    t.mul_(tg.tensor([1.0, 2.0, 3.0], dtype=F64))
    assert t.dtype == dtype
    np.testing.assert_allclose(t.data, np.array([1.1, 2.4, 3.9]), rtol=1e-6)


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_on_leaf_requiring_grad_is_refused_in_grad_mode(name, rng) -> None:
    op, _ = INPLACE[name]
    start = rng.standard_normal((3, 4))
    w = grad_leaf(start)
    with pytest.raises(RuntimeError, match="leaf"):
        op(w)
    np.testing.assert_array_equal(w.data, start)  # refused before writing anything
    assert w._version == 0


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_on_leaf_requiring_grad_under_no_grad(name, rng) -> None:
    op, reference = INPLACE[name]
    start = rng.standard_normal((3, 4))
    w = grad_leaf(start)
    with tg.no_grad():
        op(w)
    np.testing.assert_array_equal(w.data, reference(start.copy()))
    assert w._version == 1
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    # still a usable leaf: the gradient of sum(w²) is 2w at the new values
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, 2 * reference(start.copy()))


def test_inplace_on_non_leaf_in_a_graph_is_refused() -> None:
    w = grad_leaf([1.0, 2.0])
    h = w * 3
    with pytest.raises(RuntimeError, match="in-place"):
        h.add_(1)
    with pytest.raises(RuntimeError, match="in-place"):
        h[0] = 5.0


def test_inplace_on_tensor_not_requiring_grad_is_allowed_in_grad_mode() -> None:
    x = tg.tensor([1.0, 2.0], dtype=F64)
    assert tg.is_grad_enabled()
    x.add_(1).mul_(2)
    np.testing.assert_array_equal(x.data, [4.0, 6.0])
    assert x._version == 2


def test_no_grad_restores_grad_mode_after_an_error() -> None:
    w = grad_leaf([1.0])
    with pytest.raises(ZeroDivisionError), tg.no_grad():
        w.add_(1)
        raise ZeroDivisionError
    assert tg.is_grad_enabled()
    with pytest.raises(RuntimeError):
        w.add_(1)


# ---------------------------------------------------------------------- saved tensors changed
MODIFY = {
    "add_": lambda t: t.add_(1),
    "mul_": lambda t: t.mul_(2),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(0.5),
    "copy_": lambda t: t.copy_(np.full(t.shape, 3.0)),
    "setitem": lambda t: t.__setitem__(0, 9.0),
}


@pytest.mark.parametrize("name", list(MODIFY))
def test_backward_refuses_a_saved_input_changed_in_place(name, rng) -> None:
    w = grad_leaf(rng.standard_normal(3))
    x = tg.tensor(rng.standard_normal(3), dtype=F64)
    out = (w * x).sum()
    with tg.no_grad():
        MODIFY[name](w)
    with pytest.raises(RuntimeError, match="in-place"):
        out.backward()
    assert w.grad is None  # nothing was accumulated


def test_backward_refuses_a_saved_constant_changed_in_place(rng) -> None:
    # x needs no grad but Mul saved it to compute w's gradient
    w = grad_leaf(rng.standard_normal(3))
    x = tg.tensor(rng.standard_normal(3), dtype=F64)
    out = (w * x).exp().sum()
    x.mul_(2)  # allowed: x does not require grad
    with pytest.raises(RuntimeError, match="in-place"):
        out.backward()


def test_recomputing_after_the_change_works(rng) -> None:
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    w = grad_leaf(a)
    x = tg.tensor(b, dtype=F64)
    stale = (w * x).sum()
    with tg.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError):
        stale.backward()
    fresh = (w * w * x).sum()
    fresh.backward()
    np.testing.assert_allclose(w.grad.data, 2 * (a + 1) * b, rtol=1e-15)


def _simple_model() -> tuple[nn.Module, tg.Tensor, tg.Tensor]:
    tg.manual_seed(3)
    model = nn.Linear(4, 2)
    return model, tg.randn(8, 4), tg.randn(8, 2)


def test_optimizer_step_between_forward_and_backward_is_refused() -> None:
    model, x, y = _simple_model()
    opt = RMSprop(model.parameters(), lr=0.01)
    loss = nn.MSELoss()(model(x), y)
    loss.backward(retain_graph=True)
    grads = [p.grad.data.copy() for p in model.parameters()]
    weights = [p.data.copy() for p in model.parameters()]
    opt.step()
    assert all(
        not np.array_equal(p.data, w) for p, w in zip(model.parameters(), weights, strict=True)
    )
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()
    for p, g in zip(model.parameters(), grads, strict=True):  # the refused backward added nothing
        np.testing.assert_array_equal(p.grad.data, g)
    # the right order works: zero the grads, forward again, backward, step
    opt.zero_grad()
    nn.MSELoss()(model(x), y).backward()
    opt.step()


# ---------------------------------------------------------------------- freed graphs
def test_second_backward_through_a_freed_graph_is_refused() -> None:
    x = grad_leaf([1.0, -2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, -4.0])  # the failed call added nothing


def test_backward_through_a_part_freed_by_another_backward_is_refused() -> None:
    x = grad_leaf([0.5, 1.0])
    z = x.exp()
    a, b = z.sum(), (z * 2).sum()
    a.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        b.backward()


def test_retain_graph_allows_a_second_backward_and_the_gradient_doubles(rng) -> None:
    v = rng.standard_normal(3)
    x = grad_leaf(v)
    y = (x * x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.data, 3 * v**2, rtol=1e-15)
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.data, 6 * v**2, rtol=1e-15)
    y.backward()  # the last one may free
    np.testing.assert_allclose(x.grad.data, 9 * v**2, rtol=1e-15)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


# ---------------------------------------------------------------------- accumulation
def test_gradients_accumulate_across_calls(rng) -> None:
    a = rng.standard_normal((2, 3))
    x = grad_leaf(a)
    (x * 2).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 + 2 * a, rtol=1e-15)
    x.grad = None  # PyTorch's way of resetting
    x.exp().sum().backward()
    np.testing.assert_allclose(x.grad.data, np.exp(a), rtol=1e-15)
    x.grad.zero_()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 3.0))


def test_backward_with_gradient_argument_accumulates(rng) -> None:
    a = rng.standard_normal(4)
    g1, g2 = rng.standard_normal(4), rng.standard_normal(4)
    x = grad_leaf(a)
    x.tanh().backward(gradient=g1)
    x.tanh().backward(gradient=tg.tensor(g2))
    expected = (g1 + g2) * (1 - np.tanh(a) ** 2)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-14)
    g1[:] = 100.0  # the gradient argument was copied, not kept
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-14)
    with pytest.raises(RuntimeError, match="shape"):
        x.tanh().backward(gradient=np.ones(3))
    with pytest.raises(RuntimeError, match="scalar"):
        x.tanh().backward()


def test_leaves_sharing_an_upstream_array_get_separate_buffers(rng) -> None:
    # Add hands the same upstream array to both inputs; accumulating into one must not
    # change the other
    a, b = grad_leaf(rng.standard_normal(3)), grad_leaf(rng.standard_normal(3))
    (a + b).sum().backward()
    (a + b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(b.grad.data, [2.0, 2.0, 2.0])
    a.grad.data += 10
    np.testing.assert_array_equal(b.grad.data, [2.0, 2.0, 2.0])


def test_leaf_grad_keeps_the_leaf_dtype() -> None:
    x = tg.tensor([1.0, 2.0], dtype=tg.float32, requires_grad=True)
    (x * tg.tensor([0.1, 0.2], dtype=F64)).sum().backward()  # float64 upstream of a float32 leaf
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [0.1, 0.2], rtol=1e-7)


# ---------------------------------------------------------------------- views
VIEWS = {
    "view": lambda t: t.view(-1),
    "reshape": lambda t: t.reshape(4, 3),
    "transpose": lambda t: t.transpose(0, 1),
    "T": lambda t: t.T,
    "getitem_slice": lambda t: t[1:],
    "getitem_int": lambda t: t[0],
    "detach": lambda t: t.detach(),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_views_share_memory_with_their_base(name, rng) -> None:
    """As in PyTorch, writing through a view (under no_grad) changes the base."""
    a = rng.standard_normal((3, 4))
    w = grad_leaf(a)
    with tg.no_grad():
        v = VIEWS[name](w)
        v.fill_(0.0)
    np.testing.assert_array_equal(w.data, _zeroed(a, name))
    assert v._version == 1


def _zeroed(a: np.ndarray, name: str) -> np.ndarray:
    """``a`` with the elements a view called ``name`` covers set to zero (numpy reference)."""
    b = a.copy()
    if name == "getitem_slice":
        b[1:] = 0
    elif name == "getitem_int":
        b[0] = 0
    else:
        b[...] = 0
    return b


def test_clone_and_advanced_indexing_do_not_share(rng) -> None:
    a = rng.standard_normal((3, 4))
    x = tg.tensor(a)
    x.clone().fill_(0)
    x[[0, 2]].fill_(0)
    x[x > 0].fill_(0)
    np.testing.assert_array_equal(x.data, a)


@pytest.mark.parametrize("name", list(VIEWS))
def test_inplace_through_a_view_invalidates_graphs_that_saved_the_base(name, rng) -> None:
    w = grad_leaf(rng.standard_normal((3, 4)))
    out = (w * w).sum()  # Mul saved w
    with tg.no_grad():
        VIEWS[name](w).add_(1.0)
    with pytest.raises(RuntimeError, match="in-place"):
        out.backward()


def test_backward_refuses_a_root_changed_in_place(rng) -> None:
    a = rng.standard_normal(3)
    w = grad_leaf(a)
    y = w.exp()  # saves its output for backward
    with tg.no_grad():
        y.mul_(2)
    try:
        y.backward(gradient=np.ones(3))
    except RuntimeError as e:
        assert "in-place" in str(e)
    else:  # a gradient without an error must be the right one, exp(a)
        np.testing.assert_allclose(w.grad.data, np.exp(a), rtol=1e-15)


def _write_graph_value(name: str, buf: tg.Tensor, value: tg.Tensor) -> None:
    if name == "setitem":
        buf[0:2] = value
    elif name == "copy_":
        buf[0:2].copy_(value)
    elif name == "add_":
        buf.add_(tg.cat([value, value[:1] * 0]))
    elif name == "mul_":
        buf.add_(1).mul_(tg.cat([value, value[:1] * 0 + 1]))


@pytest.mark.parametrize("name", ["setitem", "copy_", "add_", "mul_"])
def test_inplace_with_a_grad_requiring_operand_does_not_lose_its_gradient(name) -> None:
    w = grad_leaf([1.0, 2.0])
    buf = tg.zeros(3, dtype=F64)
    try:
        _write_graph_value(name, buf, w * 2)
        loss = (buf * 3).sum() + w.sum()
        loss.backward()
    except RuntimeError:
        return  # refusing is acceptable; silently dropping the path is not
    # d/dw of 3 * sum(2w) + sum(w) is 7 for every variant above
    np.testing.assert_allclose(w.grad.data, [7.0, 7.0], rtol=1e-15)


def test_changes_elsewhere_do_not_stop_backward_but_changes_to_an_input_do() -> None:
    # Each in-place change bumps one global count that ops record; backward must then look
    # at the graph's own tensors, not refuse because *something* changed.
    w = grad_leaf([1.0, 2.0])
    x = tg.tensor([3.0, 4.0], dtype=F64)
    loss = (w * x).sum()
    unrelated = tg.tensor([0.0], dtype=F64)
    unrelated.add_(1)  # after the forward, on a tensor the graph never saw
    loss.backward()
    np.testing.assert_array_equal(w.grad.data, [3.0, 4.0])  # d/dw Σ w·x = x

    loss = (w * x).sum()
    unrelated.add_(1)
    x.mul_(2)  # an input of the graph, changed after the op that saved it
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()

    x_view = x[0:1]  # a view shares its base's version
    loss = (w[0:1] * x_view).sum()
    x.add_(1)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()
