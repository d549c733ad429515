"""The public ``autograd.Function``: user-written forward/backward, PyTorch's contract.

The ctx (save_for_backward, saved_tensors, needs_input_grad, mark_non_differentiable,
set_materialize_grads, arbitrary attributes), the node it becomes (the output's
``grad_fn``, ``<Name>Backward``, ``next_functions``), multi-output Functions, the checks
on what backward returns, freeing after backward, gradcheck, ``arrays=True`` Functions
and grad mode.  Gradients are compared with central differences and numpy formulas, and
(``@pytest.mark.torch``) with the same Function written for a live PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck_util import check_grads

import tinygrad_rms as tg
from tinygrad_rms import autograd
from tinygrad_rms.autograd import GradcheckError


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


def leaf(values, dtype=np.float64, requires_grad=True) -> tg.Tensor:
    return tg.tensor(np.array(values, dtype=dtype), requires_grad=requires_grad)


def sinmul_class(base):
    """``k · sin(x · y)`` as a Function on ``base`` (ours or torch's): Tensor arguments
    around a number, two saved tensors, a ctx attribute, None where not needed."""

    class SinMul(base):
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.k = k
            ctx.save_for_backward(x, y)
            return (x * y).sin() * k

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            c = (x * y).cos() * g * ctx.k
            need_x, _, need_y = ctx.needs_input_grad
            return (c * y if need_x else None, None, c * x if need_y else None)

    return SinMul


SinMul = sinmul_class(autograd.Function)


class Square(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


def returning(result_fn, name="MyFn"):
    """A Function ``y = 2 x`` (and a number argument) whose backward returns
    ``result_fn(g)``: for the checks on what backward returns."""

    def forward(ctx, x, n=None):
        return x * 2

    def backward(ctx, g):
        return result_fn(g)

    return type(
        name,
        (autograd.Function,),
        {"forward": staticmethod(forward), "backward": staticmethod(backward)},
    )


# ---------------------------------------------------------------------- gradients
def test_user_function_gradient_matches_central_differences(rng):
    xv, yv = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    check_grads(lambda a, b: SinMul.apply(a, 1.5, b), xv, yv)


def test_user_function_matches_numpy_formula(rng):
    xv, yv = rng.standard_normal(5), rng.standard_normal(5)
    up = rng.standard_normal(5)
    x, y = leaf(xv), leaf(yv)
    out = SinMul.apply(x, 3, y)
    np.testing.assert_allclose(out.data, 3 * np.sin(xv * yv), rtol=1e-14)
    out.backward(gradient=up)
    np.testing.assert_allclose(x.grad.data, 3 * np.cos(xv * yv) * up * yv, rtol=1e-13)
    np.testing.assert_allclose(y.grad.data, 3 * np.cos(xv * yv) * up * xv, rtol=1e-13)


@pytest.mark.torch
def test_user_function_matches_the_same_function_in_torch(rng):
    torch = pytest.importorskip("torch")
    TorchSinMul = sinmul_class(torch.autograd.Function)
    xv, yv, up = (rng.standard_normal((2, 3)) for _ in range(3))
    x, y = leaf(xv), leaf(yv)
    tx, ty = (torch.tensor(v, requires_grad=True) for v in (xv, yv))
    out, tout = SinMul.apply(x, 2, y), TorchSinMul.apply(tx, 2, ty)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-14)
    assert out.grad_fn.needs_input_grad == tout.grad_fn.needs_input_grad
    out.backward(gradient=up)
    tout.backward(gradient=torch.tensor(up))
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(y.grad.data, ty.grad.numpy(), rtol=1e-13)


def test_backward_may_return_none_for_inputs_without_gradient(rng):
    xv, yv = rng.standard_normal(3), rng.standard_normal(3)
    x, y = leaf(xv), leaf(yv, requires_grad=False)
    SinMul.apply(x, 1, y).sum().backward()
    assert y.grad is None
    np.testing.assert_allclose(x.grad.data, np.cos(xv * yv) * yv, rtol=1e-13)


# ---------------------------------------------------------------------- the node
def test_node_is_the_ctx_and_the_outputs_grad_fn():
    seen = []

    class MyFn(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(ctx)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            seen.append(ctx)
            return g * 2

    x = leaf([1.0, 2.0])
    y = MyFn.apply(x)
    assert y.grad_fn is seen[0]
    assert isinstance(y.grad_fn, autograd.graph.Node)
    assert y.grad_fn.name() == "MyFnBackward"  # (its class is the same for every op)
    assert "grad_fn=<MyFnBackward>" in repr(y)
    assert not y.is_leaf and y.requires_grad
    y.sum().backward()
    assert seen[1] is seen[0]


def test_next_functions_list_only_tensor_arguments():
    x, y = leaf([1.0]), leaf([2.0])
    fns = SinMul.apply(x, 3, y).grad_fn.next_functions
    assert len(fns) == 2
    assert [type(n).__name__ for n, _ in fns] == ["AccumulateGrad", "AccumulateGrad"]
    assert fns[0][0].variable is x and fns[1][0].variable is y
    assert [nr for _, nr in fns] == [0, 0]
    # a Tensor that needs no gradient is (None, 0)
    fns = SinMul.apply(x, 3, leaf([2.0], requires_grad=False)).grad_fn.next_functions
    assert fns[0][0].variable is x and fns[1] == (None, 0)


@pytest.mark.torch
@pytest.mark.parametrize("y_requires_grad", [True, False])
def test_next_functions_match_torch(y_requires_grad):
    torch = pytest.importorskip("torch")
    TorchSinMul = sinmul_class(torch.autograd.Function)
    out = SinMul.apply(leaf([1.0]), 3, leaf([2.0], requires_grad=y_requires_grad))
    tout = TorchSinMul.apply(
        torch.tensor([1.0], requires_grad=True),
        3,
        torch.tensor([2.0], requires_grad=y_requires_grad),
    )

    def shape(fns):
        return [(None if n is None else type(n).__name__, nr) for n, nr in fns]

    assert shape(out.grad_fn.next_functions) == shape(tout.grad_fn.next_functions)
    assert out.grad_fn.name() == "SinMulBackward" == type(tout.grad_fn).__name__


@pytest.mark.parametrize(
    "flags, expected",
    [
        ((True, True), (True, False, True)),
        ((True, False), (True, False, False)),
        ((False, True), (False, False, True)),
    ],
)
def test_needs_input_grad_has_one_entry_per_argument(flags, expected):
    seen = {}

    class MyFn(autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            seen["forward"] = ctx.needs_input_grad
            return x * y * k

        @staticmethod
        def backward(ctx, g):
            seen["backward"] = ctx.needs_input_grad
            return g, None, g

    x, y = leaf([1.0], requires_grad=flags[0]), leaf([2.0], requires_grad=flags[1])
    MyFn.apply(x, 4, y).sum().backward()
    assert seen == {"forward": expected, "backward": expected}
    assert (x.grad is not None, y.grad is not None) == flags


def test_ctx_attributes_and_non_tensor_arguments_reach_backward():
    seen = {}

    class MyFn(autograd.Function):
        @staticmethod
        def forward(ctx, x, label, options, nothing):
            ctx.label, ctx.options, ctx.nothing = label, options, nothing
            ctx.scale = options["scale"]
            return x * ctx.scale

        @staticmethod
        def backward(ctx, g):
            seen.update(label=ctx.label, options=ctx.options, nothing=ctx.nothing)
            return g * ctx.scale, None, None, None

    x = leaf([1.0, 2.0])
    options = {"scale": 3.0}
    y = MyFn.apply(x, "a label", options, None)
    np.testing.assert_array_equal(y.data, [3.0, 6.0])
    y.sum().backward()
    assert seen == {"label": "a label", "options": options, "nothing": None}
    assert seen["options"] is options
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


# ---------------------------------------------------------------------- several outputs
def test_multi_output_function_both_outputs_used(rng):
    xv = rng.standard_normal(4)

    class Two(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            e = x.exp()
            ctx.save_for_backward(e)
            return x * 2, e

        @staticmethod
        def backward(ctx, ga, gb):
            (e,) = ctx.saved_tensors
            return ga * 2 + gb * e

    x = leaf(xv)
    a, b = Two.apply(x)
    assert a.grad_fn is b.grad_fn and a.grad_fn.name() == "TwoBackward"
    assert (a.output_nr, b.output_nr) == (0, 1)
    (a * b).sum().backward()
    # d/dx (2x · eˣ) = 2eˣ + 2x·eˣ
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(xv) * (1 + xv), rtol=1e-13)
    check_grads(lambda t: (lambda p, q: p * q)(*Two.apply(t)), xv)


@pytest.mark.parametrize("materialize", [True, False])
def test_unused_output_gets_zeros_or_none(materialize):
    seen = []

    class Two(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, (x * 3).sum()

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((ga, gb))
            return ga * 2

    x = leaf([1.0, 2.0, 3.0], dtype=np.float32)
    a, _ = Two.apply(x)
    a.sum().backward()
    (ga, gb) = seen[0]
    np.testing.assert_array_equal(ga.data, np.ones(3))
    if materialize:  # zeros of the unused output's shape and dtype
        assert isinstance(gb, tg.Tensor)
        assert gb.shape == () and gb.dtype == np.float32 and gb.item() == 0.0
    else:
        assert gb is None
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])


@pytest.mark.torch
@pytest.mark.parametrize("materialize", [True, False])
def test_unused_output_matches_torch(materialize):
    torch = pytest.importorskip("torch")

    def make(base, seen):
        class Two(base):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, ga, gb):
                seen.append(None if gb is None else np.array(gb.tolist()))
                return ga * 2

        return Two

    ours, theirs = [], []
    a, _ = make(autograd.Function, ours).apply(leaf([1.0, 2.0]))
    a.sum().backward()
    ta, _ = make(torch.autograd.Function, theirs).apply(torch.ones(2, requires_grad=True))
    ta.sum().backward()
    if materialize:
        np.testing.assert_array_equal(ours[0], theirs[0])
    else:
        assert ours == theirs == [None]


def test_mark_non_differentiable_output_does_not_require_grad():
    seen = []

    class MaxWithIndex(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values = x * 2
            marked = x * 3
            ctx.mark_non_differentiable(marked)
            return values, marked

        @staticmethod
        def backward(ctx, gv, gm):
            seen.append(gm)
            return gv * 2

    x = leaf([1.0, 2.0])
    values, marked = MaxWithIndex.apply(x)
    assert values.requires_grad and values.grad_fn.name() == "MaxWithIndexBackward"
    assert not marked.requires_grad and marked.grad_fn is None and marked.is_leaf
    np.testing.assert_array_equal(marked.data, [3.0, 6.0])
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    np.testing.assert_array_equal(seen[0].data, [0.0, 0.0])  # as torch: zeros reach it


def test_single_marked_output_does_not_require_grad():
    class Marked(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g * 2

    out = Marked.apply(leaf([1.0]))
    assert not out.requires_grad and out.grad_fn is None


# ---------------------------------------------------------------------- forward
def test_forward_returning_an_input():
    class Ident(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    x = leaf([1.0, 3.0])
    y = Ident.apply(x)
    assert y is not x
    assert y.detach().numpy() is x.detach().numpy()  # the same memory, as torch's view of it
    assert y.grad_fn.name() == "IdentBackward" and x.grad_fn is None and x.is_leaf
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [5.0, 5.0])


def test_forward_and_backward_run_with_grad_mode_off():
    seen = {}

    class MyFn(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            inner = x * 2
            seen["forward"] = autograd.is_grad_enabled()
            seen["inner"] = (inner.requires_grad, inner.grad_fn)
            return inner + 1

        @staticmethod
        def backward(ctx, g):
            seen["backward"] = autograd.is_grad_enabled()
            out = g * 2
            seen["inner_backward"] = out.requires_grad
            return out

    x = leaf([1.0])
    y = MyFn.apply(x)
    assert autograd.is_grad_enabled()
    assert seen["forward"] is False and seen["inner"] == (False, None)
    # the output is the Function's, not the ops' inside it
    assert y.grad_fn.name() == "MyFnBackward"
    assert [n.name() for n, _ in y.grad_fn.next_functions] == ["AccumulateGrad"]
    y.backward()
    assert seen["backward"] is False and seen["inner_backward"] is False
    assert autograd.is_grad_enabled()
    np.testing.assert_array_equal(x.grad.data, [2.0])


def test_function_inside_no_grad_records_nothing():
    ran = []

    class MyFn(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ran.append(True)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = leaf([1.0, 2.0])
    with autograd.no_grad():
        y = MyFn.apply(x)
    assert ran == [True]
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    np.testing.assert_array_equal(y.data, [2.0, 4.0])
    with pytest.raises(RuntimeError):
        y.sum().backward()
    assert x.grad is None


def test_function_on_tensors_not_requiring_grad_records_nothing():
    y = SinMul.apply(leaf([1.0], requires_grad=False), 2, leaf([2.0], requires_grad=False))
    assert not y.requires_grad and y.grad_fn is None


def test_function_inside_enable_grad_within_no_grad_records():
    x = leaf([1.0, 2.0])
    with autograd.no_grad(), autograd.enable_grad():
        y = Square.apply(x)
    assert y.grad_fn.name() == "SquareBackward"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_integer_outputs_are_not_differentiable():
    class Bucket(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, (x * 10).to(tg.int64)

        @staticmethod
        def backward(ctx, g, gi):
            return g * 2

    x = leaf([0.25, 0.5])
    y, idx = Bucket.apply(x)
    assert idx.dtype == np.int64 and not idx.requires_grad and idx.grad_fn is None
    assert y.requires_grad
    np.testing.assert_array_equal(idx.data, [2, 5])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_single_integer_output_is_not_differentiable():
    class Round(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return (x * 10).to(tg.int64)

        @staticmethod
        def backward(ctx, g):
            return None

    out = Round.apply(leaf([0.25]))
    assert out.dtype == np.int64 and not out.requires_grad and out.grad_fn is None


def test_kwargs_are_passed_through_to_forward():
    """As in PyTorch, keywords are bound to forward's parameters (defaults filled in), so
    backward returns one gradient per parameter of forward."""
    seen = {}

    class Scale(autograd.Function):
        @staticmethod
        def forward(ctx, x, scale=1.0, shift=0.0):
            seen.update(scale=scale, shift=shift, needs=ctx.needs_input_grad)
            ctx.scale = scale
            return x * scale + shift

        @staticmethod
        def backward(ctx, g):
            return g * ctx.scale, None, None

    x = leaf([1.0, 2.0])
    y = Scale.apply(x, scale=3.0, shift=0.5)
    assert seen == {"scale": 3.0, "shift": 0.5, "needs": (True, False, False)}
    np.testing.assert_array_equal(y.data, [3.5, 6.5])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_tensor_passed_by_keyword_gets_a_gradient_as_in_torch():
    class Times(autograd.Function):
        @staticmethod
        def forward(ctx, x, other=None):
            return x * other

        @staticmethod
        def backward(ctx, g):
            return g, g

    x, other = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    Times.apply(x, other=other).sum().backward()
    assert other.grad is not None
    np.testing.assert_array_equal(other.grad.data, [1.0, 1.0])


# ---------------------------------------------------------------------- what backward returns
@pytest.mark.parametrize(
    "result_fn, expected, got",
    [(lambda g: (g,), 2, 1), (lambda g: (g, g, g), 2, 3)],
    ids=["too_few", "too_many"],
)
def test_wrong_number_of_gradients_names_the_function(result_fn, expected, got):
    class MyFn(autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return result_fn(g)

    x = leaf([1.0])
    with pytest.raises(RuntimeError, match=rf"MyFnBackward.*expected {expected}, got {got}"):
        MyFn.apply(x, leaf([2.0])).sum().backward()
    assert x.grad is None


def test_extra_trailing_none_gradients_are_allowed():
    MyFn = returning(lambda g: (g * 2, None, None))
    x = leaf([1.0])
    MyFn.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0])


def test_gradient_of_impossible_shape_names_the_function():
    MyFn = returning(lambda g: tg.ones(3, dtype=tg.float64))
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"MyFnBackward.*invalid gradient at index 0"):
        MyFn.apply(x).sum().backward()
    assert x.grad is None


@pytest.mark.parametrize(
    "x_shape, g_shape",
    [((2,), (4, 2)), ((1, 2), (3, 2)), ((2, 1), (2, 3)), ((1, 1), (2, 3))],
    ids=str,
)
def test_broadcastable_gradient_is_summed_to_the_input_shape(x_shape, g_shape, rng):
    gv = rng.standard_normal(g_shape)
    MyFn = returning(lambda g: tg.tensor(gv))
    x = leaf(np.ones(x_shape))
    MyFn.apply(x).sum().backward()
    expected = gv.sum(axis=tuple(range(len(g_shape) - len(x_shape))))
    expected = expected.sum(
        axis=tuple(i for i, n in enumerate(x_shape) if n == 1), keepdims=True
    ).reshape(x_shape)
    assert x.grad.shape == x_shape
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-13)


@pytest.mark.parametrize(
    "x_shape, g_shape",
    [((2, 1), (3, 2)), ((1, 2), (2,)), ((2, 3), ()), ((2,), (3,))],
    ids=str,
)
def test_gradient_not_broadcastable_to_the_input_raises(x_shape, g_shape):
    # as torch: the input's shape must expand to the gradient's ((2, 1) does not to (3, 2))
    MyFn = returning(lambda g: tg.tensor(np.ones(g_shape)))
    x = leaf(np.ones(x_shape))
    with pytest.raises(RuntimeError, match="MyFnBackward returned an invalid gradient"):
        MyFn.apply(x).sum().backward()
    assert x.grad is None


@pytest.mark.torch
@pytest.mark.parametrize(
    "x_shape, g_shape, ok",
    [((2,), (4, 2), True), ((1, 2), (3, 2), True), ((2, 1), (3, 2), False), ((1, 2), (2,), False)],
    ids=str,
)
def test_gradient_shape_rules_match_torch(x_shape, g_shape, ok, rng):
    torch = pytest.importorskip("torch")
    gv = rng.standard_normal(g_shape)

    class TorchFn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return torch.tensor(gv)

    tx = torch.ones(x_shape, dtype=torch.float64, requires_grad=True)
    x = leaf(np.ones(x_shape))
    MyFn = returning(lambda g: tg.tensor(gv))
    if ok:
        TorchFn.apply(tx).sum().backward()
        MyFn.apply(x).sum().backward()
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-13)
    else:
        with pytest.raises(RuntimeError, match="invalid gradient at index 0"):
            TorchFn.apply(tx).sum().backward()
        with pytest.raises(RuntimeError, match="invalid gradient at index 0"):
            MyFn.apply(x).sum().backward()


def test_gradient_is_cast_to_the_input_dtype():
    MyFn = returning(lambda g: g.double() * 2)
    x = leaf([1.0, 2.0], dtype=np.float32)
    MyFn.apply(x).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_gradient_for_a_non_tensor_argument_raises():
    MyFn = returning(lambda g: (g * 2, g))
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match=r"MyFnBackward.*not a Tensor"):
        MyFn.apply(x, 2.0).sum().backward()


def test_gradient_for_a_non_tensor_argument_changes_no_grad_as_torch():
    MyFn = returning(lambda g: (g * 2, g))
    x = leaf([1.0])
    with pytest.raises(RuntimeError):
        MyFn.apply(x, 2.0).sum().backward()
    assert x.grad is None


def test_gradient_for_a_non_tensor_argument_message_matches_torch():
    MyFn = returning(lambda g: (g * 2, g))
    with pytest.raises(RuntimeError, match="at position 2, but the corresponding forward input"):
        MyFn.apply(leaf([1.0]), 2.0).sum().backward()


def test_numpy_array_from_a_tensor_mode_backward_is_a_type_error():
    MyFn = returning(lambda g: g.numpy() * 2)
    x = leaf([1.0])
    with pytest.raises(TypeError, match="MyFnBackward"):
        MyFn.apply(x).sum().backward()
    assert x.grad is None


# ---------------------------------------------------------------------- freeing, retain_graph
def test_second_backward_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = Square.apply(x)
    s = y.sum()
    s.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        s.backward()
    with pytest.raises(RuntimeError, match="freed"):
        _ = y.grad_fn.saved_tensors
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_retain_graph_keeps_saved_tensors_for_a_second_backward():
    x = leaf([1.0, 2.0])
    y = Square.apply(x)
    s = y.sum()
    s.backward(retain_graph=True)
    (saved,) = y.grad_fn.saved_tensors
    np.testing.assert_array_equal(saved.data, [1.0, 2.0])
    s.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])
    with pytest.raises(RuntimeError, match="retain_graph"):
        s.backward()


def test_second_backward_through_a_freed_graph_raises_even_if_nothing_was_saved():
    """A documented difference (docs/porting-from-pytorch.md): PyTorch raises only when a
    node reads freed saved tensors, so a graph whose nodes saved nothing can be walked
    twice there; here every freed node refuses, and ``.grad`` is left as it was."""
    MyFn = returning(lambda g: g * 2)
    x = leaf([1.0])
    s = MyFn.apply(x).sum()
    s.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        s.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0])


# ---------------------------------------------------------------------- gradcheck
def test_gradcheck_accepts_a_correct_function(rng):
    x, y = leaf(rng.standard_normal((2, 3))), leaf(rng.standard_normal((2, 3)))
    assert autograd.gradcheck(SinMul.apply, [x, 2, y]) is True
    assert autograd.gradcheck(Square.apply, [x]) is True


def test_gradcheck_rejects_a_wrong_function(rng):
    class WrongSquare(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * g  # should be 2x

    with pytest.raises(GradcheckError, match="input 0"):
        autograd.gradcheck(WrongSquare.apply, [leaf(rng.standard_normal(3))])


# ---------------------------------------------------------------------- arrays=True
def cube_class(seen):
    class Cube(autograd.Function, arrays=True):
        @staticmethod
        def forward(ctx, x, scale):
            seen.append(("forward", type(x), type(scale)))
            ctx.save_for_backward(x)
            ctx.scale = scale
            return scale * x**3

        @staticmethod
        def backward(ctx, g):
            seen.append(("backward", type(g)))
            (x,) = ctx.saved_tensors
            return 3 * ctx.scale * x**2 * g, None

    return Cube


def test_arrays_function_works_on_numpy_arrays(rng):
    seen = []
    Cube = cube_class(seen)
    xv, up = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    x = leaf(xv)
    y = Cube.apply(x, 0.5)
    assert isinstance(y, tg.Tensor) and y.grad_fn.name() == "CubeBackward"
    np.testing.assert_allclose(y.data, 0.5 * xv**3, rtol=1e-14)
    y.backward(gradient=up)
    assert seen == [("forward", np.ndarray, float), ("backward", np.ndarray)]
    np.testing.assert_allclose(x.grad.data, 1.5 * xv**2 * up, rtol=1e-13)


def test_arrays_function_gradient_matches_central_differences(rng):
    Cube = cube_class([])
    check_grads(lambda t: Cube.apply(t, 2.0), rng.standard_normal(5))
    assert autograd.gradcheck(lambda t: Cube.apply(t, 2.0), leaf(rng.standard_normal(4)))


def test_arrays_function_numpy_scalar_and_integer_results():
    class Stats(autograd.Function, arrays=True):
        @staticmethod
        def forward(ctx, x):
            ctx.shape = x.shape
            return x.sum(), np.argmax(x)  # numpy scalars: a float and an integer

        @staticmethod
        def backward(ctx, g, gi):
            return np.broadcast_to(g, ctx.shape)

    x = leaf([1.0, 5.0, 2.0])
    total, index = Stats.apply(x)
    assert total.shape == () and total.requires_grad and total.item() == 8.0
    assert index.item() == 1 and not index.requires_grad and index.grad_fn is None
    total.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 1.0])


def test_arrays_function_inside_no_grad_records_nothing():
    Cube = cube_class([])
    with autograd.no_grad():
        y = Cube.apply(leaf([2.0]), 1.0)
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal(y.data, [8.0])


def test_needs_input_grad_under_no_grad_as_torch():
    seen = []

    class MyFn(autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            seen.append(ctx.needs_input_grad)
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, None

    with autograd.no_grad():
        MyFn.apply(leaf([1.0]), 2)
    assert seen == [(True, False)]


def test_non_tensor_output_gets_none_gradient_as_torch():
    seen = []

    class WithCount(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 7

        @staticmethod
        def backward(ctx, g, g_count):
            seen.append(g_count)
            return g * 2

    out, count = WithCount.apply(leaf([1.0]))
    assert count == 7
    out.sum().backward()
    assert len(seen) == 1 and seen[0] is None


# ---------------------------------------------------------------------- PyTorch 2's style
class LinearNew(autograd.Function):
    """PyTorch 2's other style: forward without ctx, then setup_context."""

    @staticmethod
    def forward(x, w, b):
        return x.mm(w.t()) + b

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, w, _ = inputs
        ctx.save_for_backward(x, w)
        ctx.seen_output = output

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g.mm(w), g.t().mm(x), g.sum(0)


def test_setup_context_style_function(rng):
    x, w, b = (leaf(rng.standard_normal(s)) for s in ((4, 3), (2, 3), (2,)))
    assert autograd.gradcheck(LinearNew.apply, [x, w, b])
    out = LinearNew.apply(x, w, b)
    assert out.grad_fn.name() == "LinearNewBackward"
    np.testing.assert_allclose(out.data, x.data @ w.data.T + b.data, rtol=1e-14)
    assert out.grad_fn.seen_output is not None  # setup_context saw forward's output
    out.sum().backward()
    np.testing.assert_allclose(w.grad.data, np.ones((4, 2)).T @ x.data, rtol=1e-14)
