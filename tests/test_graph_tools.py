"""The graph tools, as PyTorch's: ``retain_grad``/``retains_grad``, the non-leaf ``.grad``
warning, ``register_hook`` and its handles, ``autograd.grad``, ``autograd.backward``,
``backward(inputs=...)``, walking ``grad_fn.next_functions``, ``repr``, ``output_nr``,
``is_leaf``/``requires_grad``.

Values are checked against numpy formulas (so every test runs without PyTorch) and, in
the ``@pytest.mark.torch`` tests, against a live PyTorch on the same inputs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_rms as tg
from tinygrad_rms import autograd


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(23)


def leaf(values, dtype=np.float64, requires_grad=True) -> tg.Tensor:
    return tg.tensor(np.array(values, dtype=dtype), requires_grad=requires_grad)


# ---------------------------------------------------------------------- retain_grad
def test_retain_grad_fills_a_non_leaf_grad(rng):
    xv, wv = rng.standard_normal(3), rng.standard_normal(3)
    x, w = leaf(xv), leaf(wv)
    y = x * w
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.data, 2 * xv * wv, rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, 2 * xv * wv * wv, rtol=1e-14)
    assert y.grad.requires_grad is False and y.grad.is_leaf


def test_retained_grad_accumulates_across_backward_calls():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    np.testing.assert_array_equal(y.grad.data, [4.0, 8.0])
    z.backward()
    np.testing.assert_array_equal(y.grad.data, [8.0, 16.0])
    np.testing.assert_array_equal(x.grad.data, [16.0, 32.0])


def test_retained_grad_can_be_reset_with_none():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    z = (y * 3).sum()
    z.backward(retain_graph=True)
    y.grad = None
    z.backward()
    np.testing.assert_array_equal(y.grad.data, [3.0, 3.0])


def test_retain_grad_twice_stores_the_gradient_once():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y.retain_grad()
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])


def test_retain_grad_on_a_leaf_is_a_no_op():
    x = leaf([1.0, 2.0])
    x.retain_grad()
    assert x.retains_grad is False  # as torch: leaves keep .grad anyway
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])  # not counted twice


def test_retain_grad_without_requires_grad_raises():
    c = leaf([1.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        c.retain_grad()
    with pytest.raises(RuntimeError):
        (c * 2).retain_grad()


def test_retains_grad_is_false_until_asked():
    x = leaf([1.0])
    y = x * 2
    assert y.retains_grad is False
    assert leaf([1.0], requires_grad=False).retains_grad is False
    y.retain_grad()
    assert y.retains_grad is True


@pytest.mark.parametrize("hook_first", [True, False])
def test_retained_grad_is_the_gradient_after_the_hooks(hook_first):
    # as torch: whatever the order of the calls, .grad holds the hooks' result
    x = leaf([1.0, 2.0])
    y = x * 3
    if hook_first:
        y.register_hook(lambda g: g * 7)
        y.retain_grad()
    else:
        y.retain_grad()
        y.register_hook(lambda g: g * 7)
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.data, [7.0, 7.0])
    np.testing.assert_array_equal(x.grad.data, [21.0, 21.0])


def test_non_leaf_grad_without_retain_grad_warns_and_is_none():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="retain_grad"):
        assert y.grad is None


def test_grad_of_leaves_and_retained_non_leaves_does_not_warn():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    c = leaf([1.0], requires_grad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        assert x.grad is None and y.grad is None and c.grad is None and (c * 2).grad is None
        y.sum().backward()
        assert x.grad is not None and y.grad is not None


@pytest.mark.torch
def test_retain_grad_matches_torch(rng):
    torch = pytest.importorskip("torch")
    xv, wv = rng.standard_normal(4), rng.standard_normal(4)

    def run(x, w):
        y = (x * w).tanh()
        y.retain_grad()
        y.register_hook(lambda g: g * 2)
        z = (y * y * w).sum()
        z.backward(retain_graph=True)
        z.backward()
        return y.grad, x.grad, w.grad

    ours = run(leaf(xv), leaf(wv))
    theirs = run(*(torch.tensor(v, requires_grad=True) for v in (xv, wv)))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-13)


# ---------------------------------------------------------------------- register_hook
def test_hook_on_a_leaf_sees_and_can_replace_its_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.detach().numpy().copy()) or g * 2)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


def test_hook_on_a_non_leaf_sees_its_gradient(rng):
    xv = rng.standard_normal(3)
    x = leaf(xv)
    y = x.exp()
    seen = []
    y.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
    (y * y).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 2 * np.exp(xv), rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(2 * xv), rtol=1e-14)


def test_hook_returning_a_tensor_replaces_the_gradient_downstream():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.register_hook(lambda g: g * 10)
    (y * 1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [30.0, 30.0])


def test_hook_returning_none_keeps_the_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3
    calls = []
    y.register_hook(lambda g: calls.append(1))
    y.sum().backward()
    assert calls == [1]
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_handle_remove_stops_the_hook():
    x = leaf([1.0, 2.0])
    y = x * 3
    calls = []
    handle = y.register_hook(lambda g: calls.append(1) or g * 10)
    z = y.sum()
    z.backward(retain_graph=True)
    handle.remove()
    handle.remove()  # harmless
    x.grad = None
    z.backward()
    assert calls == [1]
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_handle_remove_on_a_leaf_hook():
    x = leaf([1.0])
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0])


def test_two_hooks_run_in_registration_order():
    x = leaf([1.0, 2.0])
    y = x * 3
    order = []
    y.register_hook(lambda g: order.append(("first", g.tolist())) or g * 10)
    y.register_hook(lambda g: order.append(("second", g.tolist())) or g + 1)
    y.sum().backward()
    assert order == [("first", [1.0, 1.0]), ("second", [10.0, 10.0])]
    np.testing.assert_array_equal(x.grad.data, [33.0, 33.0])


@pytest.mark.parametrize("on_leaf", [False, True], ids=["non_leaf", "leaf"])
def test_hook_on_a_tensor_used_twice_runs_once_on_the_summed_gradient(on_leaf):
    x = leaf([1.0, 2.0])
    t = x if on_leaf else x * 3
    seen = []
    t.register_hook(lambda g: seen.append(g.tolist()))
    (t * t + t).sum().backward()
    tv = np.array([1.0, 2.0]) if on_leaf else np.array([3.0, 6.0])
    assert seen == [(2 * tv + 1).tolist()]
    np.testing.assert_array_equal(x.grad.data, (2 * tv + 1) * (1 if on_leaf else 3))


def test_register_hook_without_requires_grad_raises():
    c = leaf([1.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="require"):
        c.register_hook(lambda g: g)


def test_hook_returning_a_non_tensor_raises_type_error():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: 5.0)
    with pytest.raises(TypeError):
        y.sum().backward()


def test_hook_changing_the_shape_raises():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError):
        (x * 2).sum().backward()


def test_hook_on_an_unreached_tensor_is_not_called():
    x, w = leaf([1.0, 2.0]), leaf([3.0])
    y = x * 2
    calls = []
    y.register_hook(lambda g: calls.append(1))
    (y.detach() * w).sum().backward()
    assert calls == [] and x.grad is None


@pytest.mark.torch
def test_hooks_match_torch(rng):
    torch = pytest.importorskip("torch")
    xv, wv = rng.standard_normal((2, 3)), rng.standard_normal(3)

    def run(x, w):
        seen = []
        y = x * w
        h = y.register_hook(lambda g: seen.append(g.tolist()) or g * 2)
        x.register_hook(lambda g: seen.append(g.tolist()))
        w.register_hook(lambda g: g * -1)
        z = (y.sigmoid() * y).sum()
        z.backward(retain_graph=True)
        h.remove()
        z.backward()
        return seen, x.grad.tolist(), w.grad.tolist()

    ours = run(leaf(xv), leaf(wv))
    theirs = run(*(torch.tensor(v, requires_grad=True) for v in (xv, wv)))
    assert len(ours[0]) == len(theirs[0]) == 3  # y's hook once, x's twice
    for a, b in zip(ours[0] + list(ours[1:]), theirs[0] + list(theirs[1:]), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13)


# ---------------------------------------------------------------------- autograd.grad
def test_grad_returns_a_tuple_of_tensors_and_touches_no_grad(rng):
    xv, wv = rng.standard_normal(3), rng.standard_normal(3)
    x, w = leaf(xv), leaf(wv)
    w.grad = tg.tensor(np.full(3, 5.0))
    z = (x * w).exp().sum()
    gx, gw = autograd.grad(z, [x, w])
    assert isinstance(gx, tg.Tensor) and isinstance(gw, tg.Tensor)
    assert not gx.requires_grad and gx.dtype == np.float64
    e = np.exp(xv * wv)
    np.testing.assert_allclose(gx.data, e * wv, rtol=1e-14)
    np.testing.assert_allclose(gw.data, e * xv, rtol=1e-14)
    assert x.grad is None
    np.testing.assert_array_equal(w.grad.data, np.full(3, 5.0))


def test_grad_of_a_single_tensor_input_is_a_one_tuple():
    x = leaf([1.0, 2.0])
    result = autograd.grad((x * x).sum(), x)
    assert isinstance(result, tuple) and len(result) == 1
    np.testing.assert_array_equal(result[0].data, [2.0, 4.0])


def test_grad_with_respect_to_non_leaf_inputs(rng):
    xv = rng.standard_normal(3)
    x = leaf(xv)
    y = x * x
    z = (y.sin() * 3).sum()
    (gy,) = autograd.grad(z, [y], retain_graph=True)
    np.testing.assert_allclose(gy.data, 3 * np.cos(xv * xv), rtol=1e-14)
    gy2, gx = autograd.grad(z, [y, x])
    np.testing.assert_allclose(gy2.data, gy.data, rtol=0)
    np.testing.assert_allclose(gx.data, 3 * np.cos(xv * xv) * 2 * xv, rtol=1e-14)
    assert x.grad is None


def test_grad_outputs_for_a_non_scalar_output(rng):
    xv, up = rng.standard_normal(4), rng.standard_normal(4)
    x = leaf(xv)
    y = x.tanh()
    with pytest.raises(RuntimeError, match="scalar"):
        autograd.grad(y, [x], retain_graph=True)
    (g,) = autograd.grad(y, [x], grad_outputs=tg.tensor(up))
    np.testing.assert_allclose(g.data, up * (1 - np.tanh(xv) ** 2), rtol=1e-14)


def test_grad_of_several_outputs_sums_their_contributions():
    x = leaf([1.0, 2.0])
    a, b = x * 2, x * x
    ga, gb = np.array([1.0, 10.0]), np.array([3.0, 0.5])
    (g,) = autograd.grad([a, b], [x], grad_outputs=[tg.tensor(ga), tg.tensor(gb)])
    np.testing.assert_array_equal(g.data, 2 * ga + 2 * np.array([1.0, 2.0]) * gb)


def test_grad_unused_input_raises_without_allow_unused():
    x, unused = leaf([1.0, 2.0]), leaf([3.0])
    z = (x * x).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        autograd.grad(z, [x, unused], retain_graph=True)
    gx, gu = autograd.grad(z, [x, unused], retain_graph=True, allow_unused=True)
    np.testing.assert_array_equal(gx.data, [2.0, 4.0])
    assert gu is None
    gx, gu = autograd.grad(z, [x, unused], allow_unused=True, materialize_grads=True)
    np.testing.assert_array_equal(gu.data, [0.0])
    assert gu.dtype == np.float64


def test_grad_materialize_grads_implies_allow_unused():
    x, unused = leaf([1.0, 2.0]), leaf([[3.0, 4.0]])
    _, gu = autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    np.testing.assert_array_equal(gu.data, np.zeros((1, 2)))


def test_grad_unused_non_leaf_input():
    x = leaf([1.0, 2.0])
    y, other = x * 2, x * 5
    (g,) = autograd.grad(y.sum(), [other], allow_unused=True)
    assert g is None


def test_grad_materialize_grads_with_allow_unused_false_raises_as_torch():
    x = leaf([1.0])
    with pytest.raises(ValueError, match="allow_unused"):
        autograd.grad((x * 2).sum(), [x], allow_unused=False, materialize_grads=True)


def test_grad_input_not_requiring_grad_raises():
    x, c = leaf([1.0]), leaf([2.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad((x * c).sum(), [c])


def test_grad_output_not_requiring_grad_raises():
    c = leaf([2.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad((c * 2).sum(), [leaf([1.0])])


def test_grad_create_graph_is_refused():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="create_graph"):  # NotImplementedError
        autograd.grad((x * x).sum(), [x], create_graph=True)
    with pytest.raises(NotImplementedError):
        autograd.grad((x * x).sum(), [x], create_graph=True)


def test_grad_retain_graph_allows_a_second_call():
    x = leaf([1.0, 2.0])
    z = (x * x).sum()
    (g1,) = autograd.grad(z, [x], retain_graph=True)
    (g2,) = autograd.grad(z, [x])
    np.testing.assert_array_equal(g1.data, g2.data)
    with pytest.raises(RuntimeError, match="retain_graph"):
        autograd.grad(z, [x])


def test_grad_fills_retained_non_leaf_grads_as_torch():
    # torch runs retain_grad's storing during autograd.grad too (leaf .grad stays None)
    x = leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    autograd.grad((y * y).sum(), [x])
    np.testing.assert_array_equal(y.grad.data, [6.0, 12.0])
    assert x.grad is None


def test_grad_runs_tensor_hooks():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 100)
    (g,) = autograd.grad((x * 3).sum(), [x])
    np.testing.assert_array_equal(g.data, [300.0, 300.0])


def test_grad_with_an_input_listed_twice_as_torch():
    x = leaf([1.0, 2.0])
    g1, g2 = autograd.grad((x * x).sum(), [x, x])
    np.testing.assert_array_equal(g1.data, [2.0, 4.0])
    np.testing.assert_array_equal(g2.data, [2.0, 4.0])


def test_grad_with_empty_inputs_raises_runtime_error_as_torch():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="empty"):
        autograd.grad((x * x).sum(), [])


@pytest.mark.torch
def test_grad_matches_torch(rng):
    torch = pytest.importorskip("torch")
    xv, wv, up = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal(2)

    def run(lib, x, w, up):
        h = (x * w).tanh()
        y = h.sum(dim=1)
        first = autograd_of(lib).grad(y, [x, h], grad_outputs=up, retain_graph=True)
        second = autograd_of(lib).grad(y, [w], grad_outputs=up)
        return [g.tolist() for g in (*first, *second)]

    ours = run(tg, leaf(xv), leaf(wv), tg.tensor(up))
    theirs = run(torch, *(torch.tensor(v, requires_grad=True) for v in (xv, wv)), torch.tensor(up))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def autograd_of(lib):
    return autograd if lib is tg else lib.autograd


# ---------------------------------------------------------------------- autograd.backward, inputs=
def test_autograd_backward_with_grad_tensors():
    x, w = leaf([1.0, 2.0]), leaf([3.0])
    a, b = x * w, (x * x).sum()
    ga = np.array([1.0, 10.0])
    autograd.backward([a, b], [tg.tensor(ga), None])
    np.testing.assert_array_equal(x.grad.data, ga * 3.0 + 2 * np.array([1.0, 2.0]))
    np.testing.assert_array_equal(w.grad.data, [np.sum(ga * np.array([1.0, 2.0]))])


def test_autograd_backward_of_one_tensor():
    x = leaf([1.0, 2.0])
    autograd.backward((x * 3).sum())
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_backward_inputs_accumulates_only_into_the_given_inputs():
    x, w = leaf([1.0, 2.0]), leaf([3.0])
    z = (x * w).sum()
    z.backward(inputs=[w], retain_graph=True)
    assert x.grad is None
    np.testing.assert_array_equal(w.grad.data, [3.0])
    autograd.backward(z, inputs=[x])
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    np.testing.assert_array_equal(w.grad.data, [3.0])  # unchanged


def test_backward_inputs_accumulate_across_calls():
    x = leaf([1.0, 2.0])
    z = (x * x).sum()
    z.backward(inputs=[x], retain_graph=True)
    z.backward(inputs=[x])
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])


def test_backward_inputs_may_be_non_leaves():
    x = leaf([1.0, 2.0])
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    np.testing.assert_array_equal(y.grad.data, [4.0, 8.0])
    assert x.grad is None


def test_backward_inputs_not_reached_get_no_grad():
    x, unused = leaf([1.0, 2.0]), leaf([3.0])
    (x * x).sum().backward(inputs=[unused])
    assert unused.grad is None and x.grad is None


def test_backward_inputs_on_a_retained_non_leaf_counts_once_as_torch():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward(inputs=[y])
    np.testing.assert_array_equal(y.grad.data, [4.0, 8.0])


def test_backward_inputs_non_leaf_retains_grad_afterwards_as_torch():
    x = leaf([1.0, 2.0])
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    assert y.retains_grad


def test_backward_with_empty_inputs_raises_runtime_error_as_torch():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="empty"):
        (x * x).sum().backward(inputs=[])


@pytest.mark.torch
def test_backward_inputs_match_torch(rng):
    torch = pytest.importorskip("torch")
    xv, wv = rng.standard_normal(3), rng.standard_normal(3)

    def run(x, w):
        y = x * w
        z = (y.exp() * x).sum()
        z.backward(inputs=[w, y])
        return x.grad, w.grad.tolist(), y.grad.tolist()

    ours = run(leaf(xv), leaf(wv))
    theirs = run(*(torch.tensor(v, requires_grad=True) for v in (xv, wv)))
    assert ours[0] is None and theirs[0] is None
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-13)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-13)


# ---------------------------------------------------------------------- next_functions
def structure(node):
    """The graph below ``node`` as nested (name, ((child, output_nr), ...)) tuples."""
    if node is None:
        return None
    name = node.name().removeprefix("torch::autograd::")
    return (name, tuple((structure(n), nr) for n, nr in node.next_functions))


ACC = ("AccumulateGrad", ())


def test_next_functions_walk_a_small_graph():
    x, w = leaf([[1.0, 2.0]]), leaf([[0.5], [1.5]])
    z = ((x @ w).relu() * 2 + x.exp().sum()).mean()
    # built bottom-up: each node is (name, ((child, output_nr), ...))
    mm = ("MmBackward0", ((ACC, 0), (ACC, 0)))
    mul = ("MulBackward0", ((("ReluBackward0", ((mm, 0),)), 0), (None, 0)))  # (None, 0): the 2
    total = ("SumBackward0", ((("ExpBackward0", ((ACC, 0),)), 0),))
    expected = ("MeanBackward0", ((("AddBackward0", ((mul, 0), (total, 0))), 0),))
    assert structure(z.grad_fn) == expected


def test_accumulate_grad_variable_is_the_leaf_and_shared():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = x * w + x.exp()
    (mul, _), (exp, _) = y.grad_fn.next_functions
    acc_x, acc_w = (n for n, _ in mul.next_functions)
    assert type(acc_x).__name__ == "AccumulateGrad"
    assert acc_x.variable is x and acc_w.variable is w
    assert exp.next_functions[0][0] is acc_x  # one node per leaf, however often it is used
    assert acc_x.next_functions == ()
    assert x.grad_fn is None


def test_shared_intermediate_is_one_node():
    x = leaf([1.0, 2.0])
    h = x * 3
    z = h.exp() + h.sin()
    (left, _), (right, _) = z.grad_fn.next_functions
    assert left.next_functions[0][0] is right.next_functions[0][0] is h.grad_fn


GRAPHS = {
    "mul_const": lambda lib, x, w: x * 2,
    "chain": lambda lib, x, w: (x * w.t() + x.exp()).sum(),
    "mm_relu_mean": lambda lib, x, w: (x @ w).relu().mean(),
    "sub_div": lambda lib, x, w: (x - w.t()) / (w.t() + 1),
    "view_permute": lambda lib, x, w: x.reshape(4).sum() + x.T.sum(),
    "select": lambda lib, x, w: x[0] * x[1],
    "cat": lambda lib, x, w: lib.cat([x, w.T], dim=0),
    "softmax_max": lambda lib, x, w: x.softmax(dim=1).max(dim=1)[0],
    "where": lambda lib, x, w: lib.where(x > 2, x, w),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_next_functions_match_torch(name):
    torch = pytest.importorskip("torch")
    xv, wv = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.5], [1.5]])
    ours = GRAPHS[name](tg, leaf(xv), leaf(wv))
    theirs = GRAPHS[name](torch, *(torch.tensor(v, requires_grad=True) for v in (xv, wv)))
    assert structure(ours.grad_fn) == structure(theirs.grad_fn)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-14)


# ---------------------------------------------------------------------- repr, output_nr, leaves
def test_repr_shows_grad_fn_or_requires_grad():
    x = leaf([1.0, 2.0])
    assert "grad_fn=<MulBackward0>" in repr(x * 2)
    assert "grad_fn=<SumBackward0>" in repr((x * 2).sum())
    assert "requires_grad=True" in repr(x) and "grad_fn" not in repr(x)
    plain = repr(leaf([1.0], requires_grad=False))
    assert "grad_fn" not in plain and "requires_grad" not in plain


@pytest.mark.torch
def test_repr_grad_fn_part_matches_torch():
    torch = pytest.importorskip("torch")

    def tail(t):
        return repr(t).split("dtype=")[-1].split(", ", 1)[-1]

    x, tx = leaf([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    for f in (lambda t: t, lambda t: t * 2, lambda t: (t * 2).sum(), lambda t: t.exp()):
        assert tail(f(x)) == tail(f(tx))


def test_output_nr():
    x = leaf([[1.0, 5.0], [3.0, 2.0]])
    assert x.output_nr == 0 and (x * 2).output_nr == 0
    values, indices = x.max(dim=1)
    assert values.output_nr == 0 and indices.output_nr == 0

    class Two(autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2, t * 3, t * 4

        @staticmethod
        def backward(ctx, a, b, c):
            return a * 2 + b * 3 + c * 4

    outs = Two.apply(x)
    assert [o.output_nr for o in outs] == [0, 1, 2]
    assert all(o.grad_fn is outs[0].grad_fn for o in outs)


def test_is_leaf_and_requires_grad():
    x = leaf([1.0, 2.0])
    c = leaf([1.0, 2.0], requires_grad=False)
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    assert c.is_leaf and not c.requires_grad
    y = x * c
    assert not y.is_leaf and y.requires_grad and y.grad_fn is not None
    k = c * 2  # no input requires grad: a leaf that does not require grad
    assert k.is_leaf and not k.requires_grad and k.grad_fn is None
    d = y.detach()
    assert d.is_leaf and not d.requires_grad
    with autograd.no_grad():
        n = x * 2
    assert n.is_leaf and not n.requires_grad


def test_requires_grad_flag_rules():
    x = leaf([1.0])
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    assert y.requires_grad_(True) is y and not y.is_leaf
    with pytest.raises(RuntimeError, match="floating point"):
        tg.tensor([1, 2]).requires_grad_()
    c = leaf([1.0], requires_grad=False)
    c.requires_grad = True
    assert c.requires_grad and c.is_leaf
    c.requires_grad_(False)
    assert not c.requires_grad


@pytest.mark.torch
def test_is_leaf_and_requires_grad_match_torch():
    torch = pytest.importorskip("torch")

    def flags(lib, no_grad):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([1.0, 2.0])
        with no_grad():
            n = x * 2
        ts = [x, c, x * c, c * 2, (x * c).detach(), n, x.sum(), c.sum()]
        return [(t.is_leaf, t.requires_grad, t.grad_fn is None) for t in ts]

    assert flags(tg, autograd.no_grad) == flags(torch, torch.no_grad)
