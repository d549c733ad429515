"""In-place ops, version counters, freed graphs and views, with PyTorch's semantics.

PyTorch's rules, which the library follows:

* an in-place op changes the data and bumps the tensor's version counter;
* in-place on a leaf that requires grad is refused while grad mode is on (allowed under
  ``no_grad``, which is how optimizers update parameters);
* in-place on a tensor in a graph (or with an operand that requires grad) is recorded:
  the tensor gets the op's node (``AddBackward0``, ``CopySlices``...), as in PyTorch;
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
from gradcheck_util import numeric_grad

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
    "div_": (lambda t: t.div_(tg.tensor(OTHER)), lambda a: a / OTHER),
    "pow_": (lambda t: t.pow_(2), lambda a: a**2),
    "clamp_": (lambda t: t.clamp_(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7)),
    "relu_": (lambda t: t.relu_(), lambda a: np.maximum(a, 0)),
    "exp_": (lambda t: t.exp_(), np.exp),
    "tanh_": (lambda t: t.tanh_(), np.tanh),
    "sigmoid_": (lambda t: t.sigmoid_(), lambda a: 1 / (1 + np.exp(-a))),
    "neg_": (lambda t: t.neg_(), np.negative),
    "abs_": (lambda t: t.abs_(), np.abs),
    "masked_fill_": (
        lambda t: t.masked_fill_(tg.tensor(MASK), 0.25),
        lambda a: np.where(MASK, 0.25, a),
    ),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_changes_data_and_bumps_version(name, rng) -> None:
    op, reference = INPLACE[name]
    start = rng.standard_normal((3, 4))
    t = tg.tensor(start, dtype=F64)
    data_before = t.detach().numpy()
    assert t._version == 0
    result = op(t)
    np.testing.assert_allclose(t.data, reference(start.copy()), rtol=1e-15, atol=0)
    assert t._version == 1
    assert t.detach().numpy() is data_before, "in-place ops write into the existing array"
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
    np.testing.assert_allclose(w.data, reference(start.copy()), rtol=1e-15, atol=0)
    assert w._version == 1
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    # still a usable leaf: the gradient of sum(w²) is 2w at the new values
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.data, 2 * reference(start.copy()), rtol=1e-15, atol=0)


# ---------------------------------------------------------------------- recorded in the graph
# PyTorch's node for each in-place op on a non-leaf (printed by torch 2.13; the same in 2.15)
RECORDED_NODE = {
    "zero_": "ZeroBackward0",
    "fill_": "FillBackward2",
    "copy_tensor": "CopyBackwards",
    "copy_array": "CopyBackwards",
    "add_": "AddBackward0",
    "add_alpha": "AddBackward0",
    "add_scalar": "AddBackward0",
    "sub_": "SubBackward0",
    "sub_alpha": "SubBackward0",
    "mul_": "MulBackward0",
    "mul_scalar": "MulBackward0",
    "setitem_int": "CopySlices",
    "setitem_slice": "CopySlices",
    "setitem_mask": "IndexPutBackward0",
    "setitem_array": "IndexPutBackward0",
    "setitem_tensor_value": "CopySlices",
    "div_": "DivBackward0",
    "pow_": "PowBackward0",
    "clamp_": "ClampBackward1",
    "relu_": "ReluBackward0",
    "exp_": "ExpBackward0",
    "tanh_": "TanhBackward0",
    "sigmoid_": "SigmoidBackward0",
    "neg_": "NegBackward0",
    "abs_": "AbsBackward0",
    "masked_fill_": "MaskedFillBackward0",
}


def _through(op):
    """f(w) = sum(h²) with h = sin(w)·1.5 changed by ``op`` in place: a graph where the
    in-place op sits between two differentiable ops."""

    def f(w):
        h = w.sin() * 1.5
        op(h)
        return (h * h).sum()

    return f


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_on_a_non_leaf_is_recorded_as_pytorch(name, rng) -> None:
    op, reference = INPLACE[name]
    start = rng.standard_normal((3, 4))
    w = grad_leaf(start)
    h = w.sin() * 1.5
    version = h._version
    result = op(h)
    assert result is None or result is h
    # the values as numpy computes them, the node PyTorch makes, one more version
    np.testing.assert_allclose(h.detach().numpy(), reference(np.sin(start) * 1.5), rtol=1e-15)
    assert h.grad_fn.name().endswith(RECORDED_NODE[name]) and not h.is_leaf
    assert h._version == version + 1
    (h * h).sum().backward()
    numeric = numeric_grad(_through(op), [start], 0)
    np.testing.assert_allclose(w.grad.detach().numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_an_operand_that_requires_grad_makes_the_tensor_part_of_the_graph(rng) -> None:
    a, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    v = grad_leaf(b)
    x = tg.tensor(a, dtype=F64)  # a plain leaf: no grad
    x *= v
    x += v.exp()
    x[0] = v * 2
    assert not x.is_leaf and x.grad_fn.name() == "CopySlices"
    (x * x).sum().backward()

    def f(v):
        y = tg.tensor(a, dtype=F64) * v + v.exp()
        return (y[1:] * y[1:]).sum() + ((v * 2) ** 2).sum()

    np.testing.assert_allclose(v.grad.numpy(), numeric_grad(f, [b], 0), rtol=1e-6)


def test_filling_a_preallocated_output_step_by_step_trains_like_stacking(rng) -> None:
    """The RNN idiom ``outputs[t] = h`` gives the gradient of ``stack``."""
    xs, u0 = rng.standard_normal((5, 2, 3)), rng.standard_normal((3, 3))

    def run(u, preallocated):
        h, steps = tg.zeros(2, 3, dtype=F64), []
        outputs = tg.zeros(5, 2, 3, dtype=F64)
        for t in range(5):
            h = (tg.tensor(xs[t], dtype=F64) + h @ u).tanh()
            if preallocated:
                outputs[t] = h
            else:
                steps.append(h)
        out = outputs if preallocated else tg.stack(steps)
        return (out * tg.tensor(xs, dtype=F64)).sum()

    grads = []
    for preallocated in (True, False):
        u = grad_leaf(u0)
        run(u, preallocated).backward()
        grads.append(u.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14)
    np.testing.assert_allclose(grads[0], numeric_grad(lambda u: run(u, True), [u0], 0), rtol=1e-6)


def test_a_saved_output_changed_in_place_keeps_its_old_value_for_backward(rng) -> None:
    """``y = exp(w); y += 1``: PyTorch refuses this backward (Exp saved y); here the in-place
    op gave y new memory, so Exp's saved value is intact and the gradient is exact."""
    start = rng.standard_normal(4)
    w = grad_leaf(start)
    y = w.exp()
    y += 1
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.exp(start), rtol=1e-15)


def test_recorded_inplace_refusals_change_nothing(rng) -> None:
    w = grad_leaf(rng.standard_normal(3))
    h = w * 3
    before, edge = h.detach().numpy().copy(), h.grad_fn
    view = h[1:]  # h's memory is now seen by another tensor
    with pytest.raises(RuntimeError, match=r"add_: this tensor shares its memory"):
        h.add_(1)
    with pytest.raises(RuntimeError, match=r"shares its memory"):
        view.mul_(2)
    g = w * 2
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast"):
        g += tg.ones(2, 3, dtype=F64)
    assert g.grad_fn.name() == "MulBackward0" and g._version == 0
    i = tg.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        i += w
    with pytest.raises(RuntimeError, match="can't be cast"):
        i /= 2  # an integer tensor cannot hold the quotient, as in PyTorch
    np.testing.assert_array_equal(i.numpy(), [1, 2, 3])
    np.testing.assert_array_equal(h.detach().numpy(), before)
    assert h.grad_fn is edge and h._version == 0


def test_recorded_inplace_ops_match_live_pytorch(rng) -> None:
    torch = pytest.importorskip("torch")
    start, other = rng.standard_normal((3, 4)), rng.standard_normal(4)
    results = []
    for lib in (tg, torch):
        w = lib.tensor(start, dtype=lib.float64, requires_grad=True)
        v = lib.tensor(other, dtype=lib.float64, requires_grad=True)
        h = w.tanh() * 2
        h -= v
        h *= v.sigmoid()
        h /= 3
        h[:, 1] = v[:3] * v[1:]
        h[h > 0.5] = 0.25
        h.add_(v, alpha=-0.5)
        out = lib.zeros(2, 3, 4, dtype=lib.float64)
        out[0], out[1] = h, h.exp()
        (out * out).sum().backward()
        results.append([h.detach().numpy(), w.grad.numpy(), v.grad.numpy(), h.grad_fn.name()])
    for ours, theirs in zip(*results, strict=True):
        if isinstance(ours, str):
            assert ours == theirs
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)


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
    grads = [p.grad.detach().numpy().copy() for p in model.parameters()]
    weights = [p.detach().numpy().copy() for p in model.parameters()]
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


@pytest.mark.parametrize("method", ["uniform_", "normal_"])
def test_random_fills_draw_from_the_generator_in_place(method) -> None:
    t = tg.zeros(3, 4)
    memory = t.detach().numpy()
    args = (-1.0, 2.0) if method == "uniform_" else (0.5, 2.0)
    assert getattr(t, method)(*args, generator=np.random.default_rng(5)) is t
    draw = getattr(np.random.default_rng(5), method.rstrip("_"))(*args, size=(3, 4))
    np.testing.assert_array_equal(t.numpy(), draw.astype(np.float32))
    assert t.detach().numpy() is memory and t._version == 1
    w = grad_leaf(np.zeros(3))
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(w, method)()
    with tg.no_grad():
        getattr(w, method)()
    assert w.is_leaf and np.all(w.detach().numpy() != 0)


def test_random_fills_refuse_bad_ranges() -> None:
    t = tg.zeros(2)
    with pytest.raises(RuntimeError, match=r"from=2\.0 > to=1\.0"):
        t.uniform_(2.0, 1.0)
    with pytest.raises(RuntimeError, match="std -1"):
        t.normal_(0.0, -1.0)
    np.testing.assert_array_equal(t.numpy(), [0.0, 0.0])


def test_recorded_node_names_are_live_pytorchs(rng) -> None:
    torch = pytest.importorskip("torch")
    calls = {
        "zero_": (),
        "fill_": (2.5,),
        "add_": (1.5,),
        "sub_": (0.5,),
        "mul_": (-3.0,),
        "div_": (2.0,),
        "pow_": (2,),
        "clamp_": (-0.5, 0.7),
        "relu_": (),
        "exp_": (),
        "tanh_": (),
        "sigmoid_": (),
        "neg_": (),
        "abs_": (),
    }
    start = rng.standard_normal((3, 4))
    for method, args in calls.items():
        names = []
        for lib in (tg, torch):
            h = lib.tensor(start, dtype=lib.float64, requires_grad=True) * 2
            getattr(h, method)(*args)
            names.append(h.grad_fn.name())
        assert names[0] == names[1], method
