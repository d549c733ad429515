"""The Tensor methods real PyTorch programs use beyond the basics (issue item 5): log1p,
expm1, sign, floor/ceil/round, var/std, norm, prod, cumsum, bmm/dot/outer, gather,
scatter_add, masked_fill, repeat, split/chunk, view_as/expand_as/type_as, sort/topk/argsort,
all/any, the comparison methods, isnan/isinf/isfinite, nan_to_num, the casts, new_* and
size().

Each op: forward against numpy (with PyTorch's dtype rules), backward against central
differences in float64 (``gradcheck_util.check_grads``), its node's PyTorch name, its edge
cases (ties, zeros, one element) and its errors (one clear exception naming the values).
The same ops against PyTorch itself are cases of ``tests/fixtures/make_op_fixtures.py``
(run by ``test_ops_vs_torch.py``); the tests marked ``torch`` here compare what the table
cannot hold (integer dtypes, indices, ties, errors) with a live PyTorch.
"""

from __future__ import annotations

import importlib.util
import math
import warnings

import numpy as np
import pytest
from gradcheck_util import check_grads
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rms as tg
from tinygrad_rms.ops.movement import Size

HAS_TORCH = importlib.util.find_spec("torch") is not None
SWEEP = settings(max_examples=25, deadline=None, database=None)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240612)


def leaf(data, dtype=tg.float64) -> tg.Tensor:
    return tg.tensor(np.asarray(data, dtype=np.float64), dtype=dtype, requires_grad=True)


def ints(data, dtype=tg.int64) -> tg.Tensor:
    return tg.tensor(data, dtype=dtype)


# ---------------------------------------------------------------------- node names
X34 = np.linspace(-1.7, 2.3, 12).reshape(3, 4)
NODE_NAMES = {
    "log1p": (lambda x: x.abs().log1p(), "Log1PBackward0"),
    "expm1": (lambda x: x.expm1(), "Expm1Backward0"),
    "sign": (lambda x: x.sign(), "SignBackward0"),
    "floor": (lambda x: x.floor(), "FloorBackward0"),
    "ceil": (lambda x: x.ceil(), "CeilBackward0"),
    "round": (lambda x: x.round(), "RoundBackward0"),
    "round(decimals=1)": (lambda x: x.round(decimals=1), "RoundBackward1"),
    "nan_to_num": (lambda x: x.nan_to_num(), "NanToNumBackward0"),
    "var": (lambda x: x.var(), "VarBackward0"),
    "var(dim)": (lambda x: x.var(1), "VarBackward0"),
    "std": (lambda x: x.std(), "StdBackward0"),
    "norm": (lambda x: x.norm(), "LinalgVectorNormBackward0"),
    "norm(inf, dim)": (lambda x: x.norm(math.inf, dim=1), "LinalgVectorNormBackward0"),
    "prod": (lambda x: x.prod(), "ProdBackward0"),
    "prod(dim)": (lambda x: x.prod(1), "ProdBackward1"),
    "cumsum": (lambda x: x.cumsum(0), "CumsumBackward0"),
    "bmm": (lambda x: x.reshape(1, 3, 4).bmm(x.reshape(1, 4, 3)), "BmmBackward0"),
    "dot": (lambda x: x[0].dot(x[1]), "DotBackward0"),
    "outer": (lambda x: x[0].outer(x[1]), "MulBackward0"),
    "gather": (lambda x: x.gather(1, ints([[0], [1], [2]])), "GatherBackward0"),
    "scatter_add": (lambda x: x.scatter_add(0, ints([[2, 1, 0, 0]]), x[:1]), "ScatterAddBackward0"),
    "masked_fill": (lambda x: x.masked_fill(x > 0, 0.0), "MaskedFillBackward0"),
    "masked_fill(tensor)": (lambda x: x.masked_fill(x > 0, x[0, 0]), "MaskedFillBackward1"),
    "repeat": (lambda x: x.repeat(2, 1), "RepeatBackward0"),
    "split": (lambda x: x.split(2)[0], "SplitBackward0"),
    "split(sizes)": (lambda x: x.split([1, 2])[1], "SplitWithSizesBackward0"),
    "chunk": (lambda x: x.chunk(2, 1)[1], "SplitBackward0"),
    "view_as": (lambda x: x.view_as(tg.zeros(4, 3)), "ViewBackward0"),
    "expand_as": (lambda x: x[:1].expand_as(x), "ExpandBackward0"),
    "type_as": (lambda x: x.type_as(tg.zeros(1)), "ToCopyBackward0"),
    "sort": (lambda x: x.sort().values, "SortBackward0"),
    "topk": (lambda x: x.topk(2).values, "TopkBackward0"),
}


@pytest.mark.parametrize("name", list(NODE_NAMES))
def test_node_names_are_pytorchs(name):
    fn, node = NODE_NAMES[name]
    out = fn(leaf(X34))
    assert out.grad_fn is not None and out.grad_fn.name() == node


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name", list(NODE_NAMES))
def test_node_names_match_live_torch(name):
    import torch

    if name in ("view_as", "type_as", "gather", "scatter_add"):
        pytest.skip("builds its extra operand with this library's functions")
    fn, node = NODE_NAMES[name]
    assert fn(torch.tensor(X34, requires_grad=True)).grad_fn.name() == node


# ---------------------------------------------------------------------- pointwise
POINTWISE = {
    "log1p": (lambda t: t.log1p(), np.log1p, "gt-1"),
    "expm1": (lambda t: t.expm1(), np.expm1, "any"),
    "sign": (lambda t: t.sign(), np.sign, "any"),
    "floor": (lambda t: t.floor(), np.floor, "any"),
    "ceil": (lambda t: t.ceil(), np.ceil, "any"),
    "round": (lambda t: t.round(), np.round, "any"),
    "round(decimals=2)": (lambda t: t.round(decimals=2), lambda a: np.round(a, 2), "any"),
}


def _pointwise_values(rng, kind: str, shape=(3, 4)) -> np.ndarray:
    if kind == "gt-1":
        return rng.uniform(-0.9, 3.0, size=shape)
    return 3.0 * rng.standard_normal(shape)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(POINTWISE))
def test_pointwise_forward(name, dtype, rng):
    fn, ref, kind = POINTWISE[name]
    a = _pointwise_values(rng, kind).astype(dtype)
    out = fn(tg.tensor(a))
    assert out.dtype == dtype and out.shape == a.shape
    np.testing.assert_allclose(out.data, ref(a), rtol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("name", list(POINTWISE))
def test_pointwise_backward(name, rng):
    fn, _, kind = POINTWISE[name]
    check_grads(fn, _pointwise_values(rng, kind))


def test_log1p_and_expm1_are_exact_near_zero():
    small = np.array([1e-12, -3e-10, 2e-17])
    np.testing.assert_allclose(tg.tensor(small).log1p().data, np.log1p(small), rtol=1e-15)
    np.testing.assert_allclose(tg.tensor(small).expm1().data, np.expm1(small), rtol=1e-15)
    assert tg.tensor([1e-12]).log1p().item() != 0.0  # log(1 + x) would give exactly 0


def test_integer_inputs_of_float_functions_give_float32():
    i = ints([[1, 2], [0, 5]])
    for name in ("log1p", "expm1"):
        out = getattr(i, name)()
        assert out.dtype == np.float32
        np.testing.assert_allclose(
            out.detach().numpy(), getattr(np, name)(i.detach().numpy()), rtol=1e-6
        )


def test_sign_of_zeros_and_nan_is_zero_as_pytorch():
    out = tg.tensor([-2.0, -0.0, 0.0, np.nan, np.inf, -np.inf, 1e-300], dtype=tg.float64).sign()
    np.testing.assert_array_equal(out.data, [-1.0, 0.0, 0.0, 0.0, 1.0, -1.0, 1.0])
    assert not np.signbit(out.detach().numpy()[1])  # +0, not -0


def test_sign_floor_ceil_round_keep_integer_dtypes():
    i = ints([[1, -2, 3], [0, 5, -6]])
    for name in ("sign", "floor", "ceil", "round"):
        out = getattr(i, name)()
        assert out.dtype == np.int64
    np.testing.assert_array_equal(i.sign().detach().numpy(), np.sign(i.detach().numpy()))
    np.testing.assert_array_equal(i.floor().data, i.data)
    assert ints([1, -3], tg.int32).ceil().dtype == np.int32
    b = tg.tensor([True, False])
    assert b.sign().dtype == np.bool_ and b.sign().tolist() == [True, False]
    u = tg.tensor(np.array([0, 3], np.uint8)).sign()
    assert u.dtype == np.uint8 and u.tolist() == [0, 1]


@pytest.mark.parametrize("name", ["floor", "ceil", "round"])
def test_steps_refuse_bool(name):
    with pytest.raises(TypeError, match=f"{name}: not defined for bool"):
        getattr(tg.tensor([True]), name)()


def test_round_halves_to_even_as_pytorch():
    halves = tg.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5])
    np.testing.assert_array_equal(halves.round().data, [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 4.0])
    # with decimals: rint(x · 10^d) / 10^d in the tensor's dtype (PyTorch's formula)
    x = tg.tensor([2.675, 1.005, -0.125], dtype=tg.float64)
    np.testing.assert_array_equal(x.round(decimals=2).data, [2.68, 1.0, -0.12])
    big = tg.tensor([1234.5, -250.0, 350.0])
    np.testing.assert_array_equal(big.round(decimals=-2).data, [1200.0, -200.0, 400.0])


def test_round_arguments():
    with pytest.raises(TypeError):
        tg.tensor([1.26]).round(1)  # keyword-only, as in PyTorch
    with pytest.raises(TypeError, match=r"decimals must be an int, got 1\.5"):
        tg.tensor([1.26]).round(decimals=1.5)
    with pytest.raises(TypeError, match="decimals=1 needs a floating tensor, got dtype int64"):
        ints([1]).round(decimals=1)
    assert ints([7]).round(decimals=0).tolist() == [7]


def test_step_functions_have_zero_gradient_even_at_jumps():
    x = leaf([-1.0, -0.5, 0.0, 0.5, 1.0, 2.5])
    for name in ("sign", "floor", "ceil", "round"):
        x.grad = None
        getattr(x, name)().sum().backward()
        np.testing.assert_array_equal(x.grad.data, np.zeros(6))


def test_isnan_isinf_isfinite():
    a = np.array([1.0, np.nan, np.inf, -np.inf, -0.0], dtype=np.float32)
    t = tg.tensor(a, requires_grad=True)
    for name in ("isnan", "isinf", "isfinite"):
        out = getattr(t, name)()
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.data, getattr(np, name)(a))
    i = ints([1, 2])
    assert i.isnan().tolist() == [False, False] and i.isfinite().tolist() == [True, True]


def test_nan_to_num_defaults_are_the_dtypes_extremes():
    a = [1.5, np.nan, np.inf, -np.inf]
    out32 = tg.tensor(a).nan_to_num()
    big = np.finfo(np.float32).max
    assert out32.dtype == np.float32
    np.testing.assert_array_equal(out32.data, np.array([1.5, 0.0, big, -big], np.float32))
    out64 = tg.tensor(a, dtype=tg.float64).nan_to_num()
    np.testing.assert_array_equal(out64.data, np.nan_to_num(np.array(a)))
    given_ = tg.tensor(a).nan_to_num(nan=2.0, posinf=1e3, neginf=-1e3)
    np.testing.assert_array_equal(given_.data, [1.5, 2.0, 1e3, -1e3])
    np.testing.assert_array_equal(tg.tensor(a).nan_to_num(1.0, 2.0, 3.0).data, [1.5, 1, 2, 3])
    # a replacement too big for float32 becomes inf (as PyTorch)
    assert tg.tensor([np.inf]).nan_to_num(posinf=1e300).item() == np.inf
    assert ints([1, 2]).nan_to_num().tolist() == [1, 2]
    with pytest.raises(TypeError, match="nan must be a number, got 'x'"):
        tg.tensor([1.0]).nan_to_num(nan="x")


def test_nan_to_num_gradient_passes_only_where_finite(rng):
    x = leaf([1.5, np.nan, np.inf, -np.inf, -2.0])
    up = rng.standard_normal(5)
    x.nan_to_num().backward(gradient=up)
    np.testing.assert_array_equal(x.grad.data, up * [1, 0, 0, 0, 1])
    check_grads(lambda t: t.nan_to_num(nan=1.0) * t, rng.standard_normal((2, 3)))


# ---------------------------------------------------------------------- var / std
VAR_ARGS = [
    ((), {}, {}),
    ((1,), {}, {"axis": 1}),
    ((0,), {"keepdim": True}, {"axis": 0, "keepdims": True}),
    (((0, 2),), {}, {"axis": (0, 2)}),
    ((-1, False), {}, {"axis": -1, "ddof": 0}),
    ((False,), {}, {"ddof": 0}),
    ((), {"dim": 1, "correction": 0}, {"axis": 1, "ddof": 0}),
    (
        (),
        {"dim": (1, 2), "correction": 2, "keepdim": True},
        {"axis": (1, 2), "ddof": 2, "keepdims": True},
    ),
    ((), {"unbiased": False, "keepdim": True}, {"ddof": 0, "keepdims": True}),
    ((), {"correction": 0.5}, {"ddof": 0.5}),
]


@pytest.mark.parametrize("args,kwargs,np_kwargs", VAR_ARGS, ids=str)
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_forward_and_backward(op, args, kwargs, np_kwargs, rng):
    a = rng.standard_normal((2, 3, 4))
    np_kwargs = {"ddof": 1, **np_kwargs}
    out = getattr(tg.tensor(a), op)(*args, **kwargs)
    expected = getattr(np, op)(a, **np_kwargs)
    assert out.shape == np.shape(expected) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    check_grads(lambda t: getattr(t, op)(*args, **kwargs), a)


def test_var_std_float32(rng):
    a = rng.standard_normal((5, 7)).astype(np.float32)
    for op in ("var", "std"):
        out = getattr(tg.tensor(a), op)(1)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.data, getattr(np, op)(a.astype(np.float64), 1, ddof=1), 2e-6)


def test_std_of_one_element_is_nan_with_pytorchs_warning():
    x = leaf([3.0])
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom is <= 0"):
        s = x.std()
    assert math.isnan(s.item())
    s.backward()
    assert np.isnan(
        x.grad.detach().numpy()
    ).all()  # 2/(N - 1) = inf, times a zero deviation (PyTorch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert leaf([3.0]).std(correction=0).item() == 0.0  # N - 0 = 1: no warning


def test_var_with_correction_beyond_the_count_is_inf():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert tg.tensor([1.0, 2.0, 3.0]).var(correction=4).item() == math.inf
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert math.isnan(tg.tensor(3.0).var().item())  # a 0-d tensor: one element


def test_std_gradient_is_zero_where_std_is_zero():
    x = leaf([[1.0, 1.0], [2.0, 3.0]])
    x.std(1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0, 0], [-(0.5**0.5), 0.5**0.5]], rtol=1e-15)


def test_var_std_errors():
    with pytest.raises(TypeError, match="only floating tensors have a var, got dtype int64"):
        ints([1, 2]).var()
    with pytest.raises(TypeError, match="give unbiased=True or correction=0, not both"):
        tg.tensor([1.0, 2.0]).std(unbiased=True, correction=0)
    with pytest.raises(TypeError, match="got unbiased twice"):
        tg.tensor([1.0, 2.0]).var(True, True)
    with pytest.raises(TypeError, match="correction must be a number, got 'x'"):
        tg.tensor([1.0, 2.0]).var(correction="x")
    with pytest.raises(IndexError, match="Dimension out of range"):
        tg.tensor([1.0, 2.0]).std(1)
    with pytest.raises(ValueError, match="appears more than once"):
        tg.tensor([[1.0, 2.0]]).var((0, 0))


# ---------------------------------------------------------------------- norm
NORMS = [
    ("fro", None, False),
    (2, 1, False),
    (2, (0, 1), True),
    ("fro", (1, 2), False),
    (1, None, False),
    (1, 0, True),
    (3, 2, False),
    (0.5, 1, False),
    (1.5, None, False),
    (-1, 1, False),
    (math.inf, None, False),
    (math.inf, 1, True),
    (-math.inf, 2, False),
    (0, 1, False),
]


def _np_norm(a: np.ndarray, p, dim, keepdim) -> np.ndarray:
    p = 2 if p == "fro" else p
    axes = tuple(range(a.ndim)) if dim is None else (dim if isinstance(dim, tuple) else (dim,))
    mag = np.abs(a)
    if p == math.inf:
        out = mag.max(axis=axes, keepdims=True)
    elif p == -math.inf:
        out = mag.min(axis=axes, keepdims=True)
    elif p == 0:
        out = (mag != 0).sum(axis=axes, keepdims=True).astype(a.dtype)
    else:
        out = (mag**p).sum(axis=axes, keepdims=True) ** (1.0 / p)
    return out if keepdim else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])


@pytest.mark.parametrize("p,dim,keepdim", NORMS, ids=str)
def test_norm_forward_and_backward(p, dim, keepdim, rng):
    a = rng.standard_normal((2, 3, 4))
    out = tg.tensor(a).norm(p, dim=dim, keepdim=keepdim)
    expected = _np_norm(a, p, dim, keepdim)
    assert out.shape == expected.shape and out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    if p != 0:
        check_grads(lambda t: t.norm(p, dim=dim, keepdim=keepdim), a)


def test_norm_default_is_the_2_norm_of_everything(rng):
    a = rng.standard_normal((3, 4)).astype(np.float32)
    out = tg.tensor(a).norm()
    assert out.dtype == np.float32 and out.shape == ()
    np.testing.assert_allclose(out.item(), np.linalg.norm(a.astype(np.float64)), rtol=1e-6)
    np.testing.assert_allclose(tg.tensor(a).norm(dtype=tg.float64).item(), np.linalg.norm(a))
    assert tg.tensor(-3.0).norm().item() == 3.0


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, math.inf, -math.inf])
def test_norm_gradient_at_zero_is_zero_not_nan(p):
    x = leaf([[0.0, 0.0, 0.0], [0.0, 3.0, -4.0]])
    x.norm(p, dim=1).sum().backward()
    assert np.isfinite(x.grad.detach().numpy()).all()
    np.testing.assert_array_equal(x.grad.data[0], 0.0)
    if p == 2:
        np.testing.assert_allclose(x.grad.data[1], [0.0, 0.6, -0.8], rtol=1e-15)


def test_norm_inf_ties_share_the_gradient():
    x = leaf([1.0, -3.0, 3.0])
    x.norm(math.inf).backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, -0.5, 0.5])


def test_norm_p0_has_no_gradient_as_pytorch():
    x = leaf([1.0, 0.0, 3.0])
    n = x.norm(0)
    assert n.item() == 2.0 and n.grad_fn.name() == "LinalgVectorNormBackward0"
    n.backward()
    assert x.grad is None


def test_norm_errors():
    with pytest.raises(TypeError, match="norm: expected a floating tensor, got dtype int64"):
        ints([3, 4]).norm()
    with pytest.raises(ValueError, match="p='nuc' is not supported"):
        tg.tensor([[1.0, 2.0]]).norm("nuc")
    with pytest.raises(ValueError, match="p='fro' takes at most 2 dims, got dim=\\(0, 1, 2\\)"):
        tg.zeros(2, 2, 2).norm("fro", dim=(0, 1, 2))
    with pytest.raises(TypeError, match="p must be a number or 'fro', got None"):
        tg.tensor([1.0]).norm(None)
    with pytest.raises(IndexError, match="Dimension out of range"):
        tg.tensor([1.0]).norm(dim=3)


# ---------------------------------------------------------------------- prod / cumsum
def test_prod_forward_and_backward(rng):
    a = rng.uniform(0.5, 1.5, size=(3, 4)) * np.where(rng.random((3, 4)) < 0.5, -1, 1)
    np.testing.assert_allclose(tg.tensor(a).prod().item(), np.prod(a), rtol=1e-13)
    for dim, keepdim in ((0, False), (1, True), (-1, False)):
        out = tg.tensor(a).prod(dim, keepdim=keepdim)
        np.testing.assert_allclose(out.data, np.prod(a, axis=dim, keepdims=keepdim), rtol=1e-13)
        check_grads(lambda t, d=dim, k=keepdim: t.prod(d, keepdim=k), a)
    check_grads(lambda t: t.prod(), a)


@pytest.mark.parametrize(
    "values,expected",
    [
        ([2.0, 0.0, 3.0, 4.0], [0.0, 24.0, 0.0, 0.0]),  # one zero: it gets Π of the others
        ([2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]),  # two zeros: nothing moves the product
        ([0.0], [1.0]),
        ([-2.0, 5.0], [5.0, -2.0]),
    ],
)
def test_prod_gradient_with_zeros_is_exact(values, expected):
    x = leaf(values)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.data, expected)


def test_prod_along_a_dim_with_zeros():
    a = np.array([[2.0, 0.0, 3.0], [0.0, 1.0, 0.0], [1.5, 2.0, -1.0]])
    x = leaf(a)
    x.prod(1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 6, 0], [0, 0, 0], [-2, -1.5, 3]])
    check_grads(lambda t: t.prod(0), a)


def test_prod_dtypes_and_edges():
    assert ints([2, 3], tg.int32).prod().dtype == np.int64
    assert (
        tg.tensor([True, False]).prod().item() == 0 and tg.tensor([True]).prod().dtype == np.int64
    )
    assert tg.zeros(0).prod().item() == 1.0
    assert tg.tensor(3.0).prod(0).item() == 3.0
    assert tg.tensor([1.0, 2.0]).prod(dtype=tg.float64).dtype == np.float64
    with pytest.raises(TypeError, match=r"prod: dim must be an int \(one dim\), got \(0, 1\)"):
        tg.zeros(2, 2).prod((0, 1))
    x = leaf(4.0)
    x.prod().backward()
    assert x.grad.item() == 1.0


def test_cumsum_forward_backward_and_dtypes(rng):
    a = rng.standard_normal((3, 4))
    for dim in (0, 1, -1):
        np.testing.assert_allclose(tg.tensor(a).cumsum(dim).data, np.cumsum(a, dim), rtol=1e-14)
        check_grads(lambda t, d=dim: t.cumsum(d), a)
    assert ints([1, 2, 3], tg.int32).cumsum(0).dtype == np.int64
    assert tg.tensor([True, True]).cumsum(0).tolist() == [1, 2]
    assert ints([1, 2]).cumsum(0, dtype=tg.float64).dtype == np.float64
    assert tg.tensor(3.0).cumsum(0).item() == 3.0
    with pytest.raises(TypeError):
        tg.tensor([1.0]).cumsum()  # dim is required, as in PyTorch
    with pytest.raises(IndexError, match="Dimension out of range"):
        tg.tensor([1.0]).cumsum(1)


# ---------------------------------------------------------------------- bmm / dot / outer
def test_bmm_dot_outer_forward_and_backward(rng):
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    np.testing.assert_allclose(tg.tensor(a).bmm(tg.tensor(b)).data, a @ b, rtol=1e-14)
    check_grads(lambda x, y: x.bmm(y), a, b)
    check_grads(lambda x, y: x.bmm(y), a, b, requires_grad=[False, True])
    u, v = rng.standard_normal(5), rng.standard_normal(5)
    out = tg.tensor(u).dot(tg.tensor(v))
    assert out.shape == () and out.item() == pytest.approx(float(u @ v), rel=1e-14)
    check_grads(lambda x, y: x.dot(y), u, v)
    check_grads(lambda x: x.dot(x), u)
    np.testing.assert_allclose(tg.tensor(u).outer(tg.tensor(v[:3])).data, np.outer(u, v[:3]))
    check_grads(lambda x, y: x.outer(y), u, v[:3])


def test_bmm_dot_outer_dtypes():
    i = ints([[[1, 2], [3, 4]]])
    assert i.bmm(i).dtype == np.int64 and i.bmm(i).tolist() == [[[7, 10], [15, 22]]]
    assert ints([1, 2]).dot(ints([3, 4])).item() == 11
    mixed = tg.tensor([1.0, 2.0]).outer(ints([1, 2, 3]))  # outer promotes, as a product
    assert mixed.dtype == np.float32 and mixed.shape == (2, 3)


@pytest.mark.parametrize(
    "call,exc,message",
    [
        (
            lambda: tg.zeros(3, 4).bmm(tg.zeros(4, 5)),
            ValueError,
            r"input must be a 3-d Tensor, got \(3, 4\)",
        ),
        (
            lambda: tg.zeros(2, 3, 4).bmm(tg.zeros(3, 4, 5)),
            ValueError,
            r"shapes \(2, 3, 4\) and \(3, 4, 5\)",
        ),
        (lambda: tg.zeros(2, 3, 4).bmm(tg.zeros(2, 3, 5)), ValueError, "do not fit"),
        (
            lambda: tg.zeros(1, 2, 2).bmm(tg.zeros(1, 2, 2, dtype=tg.float64)),
            TypeError,
            "one dtype, got float32 and float64",
        ),
        (
            lambda: tg.zeros(3).dot(tg.zeros(4)),
            RuntimeError,
            r"differ in length: \(3,\) and \(4,\)",
        ),
        (
            lambda: tg.zeros(3, 1).dot(tg.zeros(3)),
            RuntimeError,
            r"1D tensors expected, but got 2D and 1D tensors \(shapes \(3, 1\) and \(3,\)\)",
        ),
        (lambda: tg.zeros(3).dot([1, 2, 3]), TypeError, "'tensor' must be a Tensor, not list"),
        (lambda: tg.zeros(2).dot(tg.zeros(2, dtype=tg.float64)), TypeError, "one dtype"),
        (lambda: tg.zeros(2, 1).outer(tg.zeros(2)), ValueError, r"outer: input must be a 1-d"),
    ],
)
def test_bmm_dot_outer_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# ---------------------------------------------------------------------- gather / scatter_add
def _np_gather(a: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    out = np.empty(index.shape, a.dtype)
    for pos in np.ndindex(index.shape):
        src = list(pos)
        src[dim] = index[pos]
        out[pos] = a[tuple(src)]
    return out


def _np_scatter_add(a: np.ndarray, dim: int, index: np.ndarray, src: np.ndarray) -> np.ndarray:
    out = a.copy()
    for pos in np.ndindex(index.shape):
        dst = list(pos)
        dst[dim] = index[pos]
        out[tuple(dst)] += src[pos]
    return out


GATHERS = [
    (1, [[0, 0, 3], [1, 2, 2], [3, 3, 3]]),
    (0, [[2, 0, 1, 1], [2, 2, 2, 2]]),  # fewer rows than the input: allowed
    (1, [[3], [0]]),  # smaller on both dims
    (-1, [[0, 1, 2, 3, 3, 3]]),  # longer than the input along dim: allowed
]


@pytest.mark.parametrize("dim,index", GATHERS, ids=str)
def test_gather(dim, index, rng):
    a = rng.standard_normal((3, 4))
    idx = np.array(index)
    out = tg.tensor(a).gather(dim, ints(index))
    np.testing.assert_array_equal(out.data, _np_gather(a, dim % 2, idx))
    check_grads(lambda t: t.gather(dim, ints(index)), a)


def test_gather_repeated_indices_add_up_and_int32_index():
    x = leaf([1.0, 2.0, 3.0])
    x.gather(0, ints([2, 2, 0, 2], tg.int32)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 3.0])
    assert tg.tensor(5.0).gather(0, ints(0)).item() == 5.0


@pytest.mark.parametrize(
    "dim,index,src_shape",
    [(1, [[0, 0], [3, 1], [2, 2]], (3, 2)), (0, [[0, 1, 1, 0], [1, 1, 1, 2]], (2, 4))],
)
def test_scatter_add(dim, index, src_shape, rng):
    a, src = rng.standard_normal((3, 4)), rng.standard_normal(src_shape)
    out = tg.tensor(a).scatter_add(dim, ints(index), tg.tensor(src))
    np.testing.assert_allclose(out.data, _np_scatter_add(a, dim, np.array(index), src), rtol=1e-15)
    check_grads(lambda t, s: t.scatter_add(dim, ints(index), s), a, src)


def test_scatter_add_is_out_of_place_and_unused_src_gets_zero_gradient():
    base = tg.zeros(3, dtype=tg.float64)
    src = leaf([[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]])
    out = base.scatter_add(0, ints([0, 0]), src[0])
    assert base.tolist() == [0.0, 0.0, 0.0] and out.tolist() == [3.0, 0.0, 0.0]
    # src larger than index: only its first index.shape elements are used
    wide = base.scatter_add(0, ints([2, 2]), src.reshape(-1))
    assert wide.tolist() == [0.0, 0.0, 3.0]
    wide.sum().backward()
    np.testing.assert_array_equal(src.grad.data, [[1, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize(
    "call,exc,message",
    [
        (
            lambda x: x.gather(1, ints([[0, 5]])),
            IndexError,
            "index 5 is out of bounds for dim 1 with size 4",
        ),
        (
            lambda x: x.gather(1, ints([[0, -1]])),
            IndexError,
            "index -1 is out of bounds for dim 1 with size 4",
        ),
        (
            lambda x: x.gather(1, tg.tensor([[0.0, 1.0]])),
            TypeError,
            "index must be an integer tensor, got dtype float32",
        ),
        (lambda x: x.gather(1, [[0, 1]]), TypeError, "gather: index must be a Tensor, got list"),
        (
            lambda x: x.gather(1, ints([0, 1])),
            ValueError,
            r"as many dims as the input: index shape \(2,\), input shape \(3, 4\)",
        ),
        (
            lambda x: x.gather(1, ints([[0]] * 4)),
            ValueError,
            r"index shape \(4, 1\) is larger than the input's \(3, 4\) at dim 0",
        ),
        (lambda x: x.gather(2, ints([[0]])), IndexError, "Dimension out of range"),
        (
            lambda x: x.scatter_add(1, ints([[0, 4]]), tg.ones(1, 2)),
            IndexError,
            "index 4 is out of bounds",
        ),
        (
            lambda x: x.scatter_add(1, ints([[0, 0]]), tg.ones(1, 2, dtype=tg.float64)),
            TypeError,
            "src must have the input's dtype float32, got float64",
        ),
        (
            lambda x: x.scatter_add(1, ints([[0, 0], [1, 1]]), tg.ones(1, 2)),
            ValueError,
            r"index shape \(2, 2\) must be no larger than src shape \(1, 2\)",
        ),
        (
            lambda x: x.scatter_add(1, ints([[0]]), 1.0),
            TypeError,
            "src must be a Tensor, got float",
        ),
    ],
)
def test_gather_scatter_add_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call(tg.zeros(3, 4))


@SWEEP
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    data=st.data(),
    seed=st.integers(0, 2**31),
)
def test_sweep_gather_scatter_add(shape, data, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    d = dim % len(shape)
    rng = np.random.default_rng(seed)
    idx_shape = tuple(
        rng.integers(1, n + 1) if i != d else rng.integers(1, 5) for i, n in enumerate(shape)
    )
    index = rng.integers(0, shape[d], size=idx_shape)
    a = rng.standard_normal(shape)
    np.testing.assert_array_equal(
        tg.tensor(a).gather(dim, ints(index)).data, _np_gather(a, d, index)
    )
    check_grads(lambda t: t.gather(dim, ints(index)), a, seed=seed)
    src = rng.standard_normal(idx_shape)
    out = tg.tensor(a).scatter_add(dim, ints(index), tg.tensor(src))
    np.testing.assert_allclose(out.data, _np_scatter_add(a, d, index, src), rtol=1e-14)
    check_grads(lambda t, s: t.scatter_add(dim, ints(index), s), a, src, seed=seed)


# ---------------------------------------------------------------------- masked_fill
def test_masked_fill(rng):
    a = rng.standard_normal((3, 4))
    mask = a > 0.3
    out = tg.tensor(a).masked_fill(tg.tensor(mask), -7.5)
    np.testing.assert_array_equal(out.data, np.where(mask, -7.5, a))
    check_grads(lambda t: t.masked_fill(tg.tensor(mask), 2.0), a)
    # the mask broadcasts against the input, both ways (the result has the joint shape)
    row = tg.tensor([True, False, False, True])
    np.testing.assert_array_equal(tg.tensor(a).masked_fill(row, 0.0).data, np.where(row.data, 0, a))
    check_grads(lambda t: t.masked_fill(row, 1.0), a)
    big = tg.tensor(np.array([[[True]], [[False]]]))
    assert tg.tensor(a).masked_fill(big, 1.0).shape == (2, 3, 4)
    check_grads(lambda t: t.masked_fill(big, 1.0), a)


def test_masked_fill_with_a_tensor_value(rng):
    a, v = rng.standard_normal((3, 4)), rng.standard_normal(())
    mask = tg.tensor(a < 0)
    check_grads(lambda t, value: t.masked_fill(mask, value), a, v)
    out = tg.zeros(3).masked_fill(tg.tensor([True, False, True]), tg.tensor(2.0, dtype=tg.float64))
    assert out.dtype == np.float32 and out.tolist() == [2.0, 0.0, 2.0]  # the input's dtype


def test_masked_fill_minus_inf_before_softmax():
    scores = leaf([[0.5, 1.0, -2.0], [3.0, 0.0, 1.0]])
    masked = tg.tensor([[False, True, False], [False, False, True]])
    p = scores.masked_fill(masked, float("-inf")).softmax(dim=-1)
    assert (p.data[masked.data] == 0).all()
    np.testing.assert_allclose(p.detach().numpy().sum(axis=1), 1.0, rtol=1e-15)
    p[:, 0].sum().backward()
    assert (
        np.isfinite(scores.grad.detach().numpy()).all()
        and (scores.grad.detach().numpy()[masked.detach().numpy()] == 0).all()
    )


def test_masked_fill_values_take_the_inputs_dtype():
    m = tg.tensor([True, False, True])
    assert ints([0, 0, 0]).masked_fill(m, 1.5).tolist() == [1, 0, 1]  # truncated, as PyTorch
    assert tg.tensor([False] * 3).masked_fill(m, 1).tolist() == [True, False, True]


@pytest.mark.parametrize(
    "call,exc,message",
    [
        (
            lambda x: x.masked_fill(ints([1, 0, 1]), 1.0),
            TypeError,
            "mask must be a bool Tensor, got dtype int64",
        ),
        (
            lambda x: x.masked_fill([True, False, True], 1.0),
            TypeError,
            "mask must be a bool Tensor, got list",
        ),
        (
            lambda x: x.masked_fill(tg.tensor([True, False]), 1.0),
            ValueError,
            r"mask shape \(2,\) does not broadcast with input shape \(3,\)",
        ),
        (
            lambda x: x.masked_fill(x > 0, tg.tensor([1.0])),
            ValueError,
            r"a tensor value must be 0-d, got shape \(1,\)",
        ),
        (
            lambda x: x.masked_fill(x > 0, "a"),
            TypeError,
            "value must be a number or a 0-d Tensor, got 'a'",
        ),
        (
            lambda x: x.masked_fill(x > 0, 1e300),
            ValueError,
            "value 1e\\+300 does not fit in dtype float32",
        ),
        (
            lambda x: ints([1, 2, 3], tg.int32).masked_fill(x > 0, 2**40),
            ValueError,
            "does not fit in dtype int32",
        ),
    ],
)
def test_masked_fill_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call(tg.zeros(3))


# ---------------------------------------------------------------------- repeat, split, chunk
REPEATS = {
    "(2, 3)": (lambda t: t.repeat(2, 3), (2, 3)),
    "((1, 2),)": (lambda t: t.repeat((1, 2)), (1, 2)),
    "[3, 1]": (lambda t: t.repeat([3, 1]), (3, 1)),
    "new dim": (lambda t: t.repeat(2, 1, 3), (2, 1, 3)),
    "ones": (lambda t: t.repeat(1, 1), (1, 1)),
    "zero": (lambda t: t.repeat(0, 2), (0, 2)),
}


@pytest.mark.parametrize("name", list(REPEATS))
def test_repeat(name, rng):
    call, reps = REPEATS[name]
    a = rng.standard_normal((2, 3))
    np.testing.assert_array_equal(call(tg.tensor(a)).data, np.tile(a, reps))
    if 0 not in reps:
        check_grads(call, a)
    assert tg.tensor(2.0).repeat(3).tolist() == [2.0, 2.0, 2.0]


def test_repeat_errors():
    with pytest.raises(
        ValueError, match=r"1 repeat count\(s\) \(2,\) for a tensor of shape \(2, 2\)"
    ):
        tg.zeros(2, 2).repeat(2)
    with pytest.raises(ValueError, match=r"non-negative ints, got \(-1, 1\)"):
        tg.zeros(2, 2).repeat(-1, 1)


def test_split_and_chunk_sizes_are_pytorchs():
    x = tg.tensor(np.arange(10.0))
    shapes = lambda parts: [p.shape[0] for p in parts]
    assert shapes(x.split(3)) == [3, 3, 3, 1]
    assert shapes(x.split(20)) == [10]
    assert shapes(x.split([2, 8])) == [2, 8] and shapes(x.split((0, 10))) == [0, 10]
    assert shapes(x.chunk(3)) == [4, 4, 2]
    assert shapes(x.chunk(4)) == [3, 3, 3, 1]
    assert shapes(x.chunk(6)) == [2, 2, 2, 2, 2]  # fewer than asked, as PyTorch
    assert shapes(x.chunk(11)) == [1] * 10
    assert shapes(tg.zeros(0).chunk(3)) == [0, 0, 0]
    assert shapes(tg.zeros(0).split(2)) == [0] and shapes(tg.zeros(0).split(0)) == [0]
    for parts in (x.split(3), x.chunk(2), x.split([5, 5]), x.split(10)):
        assert type(parts) is tuple
        np.testing.assert_array_equal(np.concatenate([p.data for p in parts]), x.data)


def test_split_pieces_are_views(rng):
    x = tg.tensor(rng.standard_normal((4, 6)))
    parts = x.split(2, dim=1)
    for p in parts:
        assert np.shares_memory(p.data, x.data)
        assert p._version_counter is x._version_counter
    x.data[0, 0] = 99.0
    assert parts[0].data[0, 0] == 99.0


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t.split(2, dim=1)[1],
        lambda t: t.split([1, 2], dim=0)[0] * 3,
        lambda t: tg.cat([p * (i + 1) for i, p in enumerate(t.split(4, dim=-1))], dim=-1),
        lambda t: t.chunk(2)[1] + t.chunk(2)[0],
        lambda t: t.chunk(4, dim=1)[-1],
    ],
)
def test_split_chunk_backward(fn, rng):
    check_grads(fn, rng.standard_normal((3, 5)))


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda x: x.split([2, 7]), r"the sizes \[2, 7\] add up to 9, not to the size 10 of dim 0"),
        (
            lambda x: x.split(0),
            r"split_size must be positive \(0 only for a dim of size 0\), got 0",
        ),
        (lambda x: x.split(-1), "got -1 for dim 0 of size 10"),
        (lambda x: x.split([5, -1, 6]), r"non-negative ints, got \[5, -1, 6\]"),
        (lambda x: x.chunk(0), "chunks must be a positive int, got 0"),
        (lambda x: tg.tensor(1.0).split(1), "split: expects a tensor with at least 1 dimension"),
        (lambda x: tg.tensor(1.0).chunk(1), "chunk: expects a tensor with at least 1 dimension"),
    ],
)
def test_split_chunk_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(tg.zeros(10))


def test_view_as_expand_as_type_as(rng):
    a = rng.standard_normal((2, 6))
    other = tg.zeros(3, 4)
    assert tg.tensor(a).view_as(other).shape == (3, 4)
    check_grads(lambda t: t.view_as(other), a)
    row = rng.standard_normal(4)
    np.testing.assert_array_equal(
        tg.tensor(row).expand_as(other).data, np.broadcast_to(row, (3, 4))
    )
    check_grads(lambda t: t.expand_as(other), row)
    x = tg.tensor([1.5, -2.5], requires_grad=True)
    y = x.type_as(tg.zeros(1, dtype=tg.float64))
    assert y.dtype == np.float64 and y.grad_fn.name() == "ToCopyBackward0"
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0]
    as_int = x.type_as(ints([1]))
    assert as_int.dtype == np.int64 and not as_int.requires_grad and as_int.tolist() == [1, -2]
    same = tg.zeros(2)
    assert same.type_as(tg.ones(1)) is same
    with pytest.raises(ValueError, match=r"shape \(7,\) is invalid for a tensor of shape \(2, 6\)"):
        tg.tensor(a).view_as(tg.zeros(7))
    with pytest.raises(ValueError, match="cannot expand shape"):
        tg.tensor(a).expand_as(tg.zeros(7))
    with pytest.raises(TypeError, match="view_as: other must be a Tensor, got tuple"):
        tg.tensor(a).view_as((3, 4))
    with pytest.raises(TypeError, match="type_as: other must be a Tensor, got str"):
        tg.tensor(a).type_as("float64")


# ---------------------------------------------------------------------- sort / topk / argsort
TIES = np.array([[3.0, 1.0, 3.0, 2.0, 1.0, 3.0], [0.0, np.nan, -1.0, 0.0, np.nan, 5.0]])


def test_sort_is_stable_both_ways_and_puts_nan_last():
    up = tg.tensor(TIES).sort()
    assert up.indices.tolist() == [[1, 4, 3, 0, 2, 5], [2, 0, 3, 5, 1, 4]]
    down = tg.tensor(TIES).sort(descending=True)
    assert down.indices.tolist() == [[0, 2, 5, 3, 1, 4], [1, 4, 5, 0, 3, 2]]
    np.testing.assert_array_equal(up.values.data, np.take_along_axis(TIES, up.indices.data, 1))
    assert up.indices.dtype == np.int64 and not up.indices.requires_grad
    values, indices = tg.tensor(TIES).sort(dim=0)  # a namedtuple: unpacks
    assert indices.tolist()[0] == [1, 0, 1, 1, 0, 0] and values.shape == TIES.shape
    np.testing.assert_array_equal(tg.tensor(TIES).argsort().data, up.indices.data)
    assert tg.tensor(TIES).argsort(dim=0, descending=True).tolist()[0] == [0, 1, 0, 0, 1, 1]


def test_sort_long_rows_with_ties_stay_stable():
    data = np.repeat([2.0, 1.0, 3.0], 40)
    order = tg.tensor(data).sort(descending=True).indices.data
    np.testing.assert_array_equal(
        order, np.concatenate([np.arange(80, 120), np.arange(40), np.arange(40, 80)])
    )


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values_and_gradient(dim, descending, rng):
    a = rng.standard_normal((3, 5))
    out = tg.tensor(a).sort(dim=dim, descending=descending)
    expected = np.sort(a, axis=dim)
    np.testing.assert_array_equal(
        out.values.data, np.flip(expected, dim) if descending else expected
    )
    check_grads(lambda t: t.sort(dim, descending).values, a)


def test_sort_gradient_goes_back_to_each_values_place():
    x = leaf([3.0, 1.0, 3.0])
    x.sort(descending=True).values.backward(gradient=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad.data, [1.0, 3.0, 2.0])


def test_sort_dtypes_and_0d():
    assert ints([3, 1, 2]).sort().values.tolist() == [1, 2, 3]
    assert tg.tensor([False, True]).sort(descending=True).values.tolist() == [True, False]
    s = leaf(3.0).sort()
    assert (
        s.values.shape == ()
        and s.indices.item() == 0
        and s.values.grad_fn.name() == "SortBackward0"
    )


@pytest.mark.parametrize(
    "k,dim,largest", [(1, -1, True), (3, 1, True), (2, 0, False), (5, 1, False), (0, 1, True)]
)
def test_topk(k, dim, largest, rng):
    a = rng.standard_normal((3, 5))
    out = tg.tensor(a).topk(k, dim=dim, largest=largest)
    order = np.sort(a, axis=dim)
    if largest:
        order = np.flip(order, dim)
    np.testing.assert_array_equal(out.values.data, np.take(order, range(k), axis=dim))
    np.testing.assert_array_equal(out.values.data, np.take_along_axis(a, out.indices.data, dim))
    if k:
        check_grads(lambda t: t.topk(k, dim, largest).values, a)


def test_topk_with_ties_and_nan():
    out = tg.tensor(TIES).topk(3)
    np.testing.assert_array_equal(out.values.data, [[3.0, 3.0, 3.0], [np.nan, np.nan, 5.0]])
    # which of the equal values comes first is unspecified in PyTorch; here the first one
    assert out.indices.tolist() == [[0, 2, 5], [1, 4, 5]]
    smallest = tg.tensor(TIES).topk(2, largest=False)
    assert smallest.values.tolist() == [[1.0, 1.0], [-1.0, 0.0]]
    x = leaf([3.0, 1.0, 3.0])
    x.topk(2).values.backward(gradient=np.array([1.0, 2.0]))
    assert sorted(x.grad.tolist()) == [0.0, 1.0, 2.0] and x.grad.data[1] == 0.0


def test_topk_errors_and_0d():
    with pytest.raises(ValueError, match="topk: k=7 is out of range for dim -1 of size 6"):
        tg.tensor(TIES).topk(7)
    with pytest.raises(ValueError, match="k=-1 is out of range"):
        tg.tensor(TIES).topk(-1)
    with pytest.raises(TypeError, match=r"k must be an int, got 1\.5"):
        tg.tensor(TIES).topk(1.5)
    with pytest.raises(IndexError, match="Dimension out of range"):
        tg.tensor(TIES).topk(1, dim=2)
    with pytest.raises(TypeError, match="sort: dim must be an int, got None"):
        tg.tensor(TIES).sort(dim=None)
    t = tg.tensor(3.0).topk(1)
    assert t.values.item() == 3.0 and t.indices.item() == 0


@SWEEP
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    data=st.data(),
    seed=st.integers(0, 2**31),
    few=st.booleans(),
)
def test_sweep_sort_topk_against_numpy(shape, data, seed, few):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, size=shape).astype(np.float64) if few else rng.standard_normal(shape)
    order = np.argsort(a, axis=dim, kind="stable")
    np.testing.assert_array_equal(tg.tensor(a).sort(dim).indices.data, order)
    k = data.draw(st.integers(0, shape[dim]), label="k")
    top = tg.tensor(a).topk(k, dim)
    np.testing.assert_array_equal(
        top.values.data, np.take(np.flip(np.sort(a, dim), dim), range(k), dim)
    )
    if not few:
        check_grads(lambda t: t.sort(dim, descending=True).values, a, seed=seed)


# ---------------------------------------------------------------------- all / any, comparisons
def test_all_any():
    a = np.array([[1.0, 0.0], [2.0, 3.0]])
    t = tg.tensor(a, requires_grad=True)
    assert t.all().item() is False and t.any().item() is True
    assert t.all(1).tolist() == [False, True] and t.any(dim=0, keepdim=True).tolist() == [
        [True, True]
    ]
    assert t.all(dim=(0, 1)).shape == () and t.all(0).dtype == np.bool_
    assert not t.all().requires_grad and t.all().grad_fn is None
    assert tg.zeros(0).all().item() is True and tg.zeros(0).any().item() is False
    assert tg.tensor([np.nan]).any().item() is True
    u = tg.tensor(np.array([1, 2], np.uint8)).all()
    assert u.dtype == np.uint8 and u.item() == 1  # PyTorch keeps uint8
    assert ints([[1, 0], [0, 0]]).any(1).tolist() == [True, False]
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.all(2)


@pytest.mark.parametrize(
    "method,operator",
    [
        ("eq", "__eq__"),
        ("ne", "__ne__"),
        ("lt", "__lt__"),
        ("le", "__le__"),
        ("gt", "__gt__"),
        ("ge", "__ge__"),
    ],
)
def test_comparison_methods_are_the_operators(method, operator, rng):
    a = tg.tensor(np.round(rng.standard_normal((3, 4))), requires_grad=True)
    b = tg.tensor(np.round(rng.standard_normal(4)))
    for other in (b, 0.0, 1, np.zeros(4)):
        got, expected = getattr(a, method)(other), getattr(a, operator)(other)
        assert got.dtype == np.bool_ and not got.requires_grad
        np.testing.assert_array_equal(got.data, expected.data)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        getattr(a, method)(tg.zeros(3))


# ---------------------------------------------------------------------- casts, new_*, size()
def test_integer_and_bool_casts_carry_no_gradient():
    x = tg.tensor([1.7, -2.2, 0.0], requires_grad=True)
    for name, dtype in (("long", np.int64), ("int", np.int32), ("bool", np.bool_)):
        out = getattr(x, name)()
        assert out.dtype == dtype and not out.requires_grad
    assert x.long().tolist() == [1, -2, 0] and x.bool().tolist() == [True, True, False]
    assert x.double().grad_fn.name() == "ToCopyBackward0"
    i = ints([1, 2])
    assert i.long() is i and i.float().dtype == np.float32


def test_new_tensors_take_this_tensors_dtype():
    x = tg.zeros(2, dtype=tg.float64)
    for made in (x.new_zeros(2, 3), x.new_zeros((2, 3)), x.new_zeros([2, 3]), x.new_ones(2, 3)):
        assert made.shape == (2, 3) and made.dtype == np.float64 and not made.requires_grad
    assert x.new_ones(2).tolist() == [1.0, 1.0] and x.new_zeros(()).shape == ()
    assert x.new_ones(2, dtype=tg.int64).dtype == np.int64
    assert x.new_full((2,), 3).tolist() == [3.0, 3.0] and x.new_full((2,), 3).dtype == np.float64
    assert ints([1]).new_full((2,), 3.5).tolist() == [3, 3]
    assert x.new_tensor([1, 2]).dtype == np.float64
    assert ints([1]).new_tensor([1.5, 2.0]).tolist() == [1, 2]
    assert x.new_zeros(2, requires_grad=True).requires_grad
    src = tg.tensor([1.0, 2.0], requires_grad=True)
    copy = src.new_tensor(src)
    assert not copy.requires_grad and not np.shares_memory(copy.data, src.data)
    assert copy.new_tensor([1], dtype=tg.float32).dtype == np.float32


def test_size_is_a_torch_size():
    x = tg.zeros(2, 3)
    s = x.size()
    assert isinstance(s, Size) and isinstance(s, tuple) and s == (2, 3)
    assert repr(s) == "torch.Size([2, 3])" and str(s) == "torch.Size([2, 3])"
    assert str(tg.tensor(1.0).size()) == "torch.Size([])"
    assert isinstance(s[1:], Size) and s[1:] == (3,) and s[0] == 2 and type(s[0]) is int
    assert isinstance(s + (4,), Size) and s + (4,) == (2, 3, 4)  # noqa: RUF005
    assert isinstance((4,) + s, Size) and (4,) + s == (4, 2, 3)  # noqa: RUF005
    assert isinstance(s * 2, Size) and s * 2 == (2, 3, 2, 3)
    assert s.numel() == 6 and Size([]).numel() == 1
    assert Size((1, np.int64(2))) == (1, 2)
    with pytest.raises(TypeError, match=r"item 0 is float 1\.5"):
        Size((1.5,))
    assert x.size(1) == 3 and x.size(-2) == 2 and x.size(dim=0) == 2
    with pytest.raises(
        IndexError,
        match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
    ):
        x.size(2)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        tg.tensor(1.0).size(0)


# ---------------------------------------------------------------------- against live torch
DTYPE_CASES = {
    "log1p(int)": lambda lib: lib.tensor([1, 2]).log1p(),
    "expm1(bool)": lambda lib: lib.tensor([True, False]).expm1(),
    "sign(int)": lambda lib: lib.tensor([3, -2, 0]).sign(),
    "sign(bool)": lambda lib: lib.tensor([True, False]).sign(),
    "floor(int)": lambda lib: lib.tensor([3, -2]).floor(),
    "round(int)": lambda lib: lib.tensor([3, -2]).round(),
    "prod(int32)": lambda lib: lib.tensor([3, -2], dtype=lib.int32).prod(),
    "prod(bool, dim)": lambda lib: lib.tensor([[True, False]]).prod(1),
    "cumsum(int32)": lambda lib: lib.tensor([3, -2], dtype=lib.int32).cumsum(0),
    "cumsum(bool)": lambda lib: lib.tensor([True, True]).cumsum(0),
    "bmm(int)": lambda lib: lib.tensor([[[1, 2]]]).bmm(lib.tensor([[[3], [4]]])),
    "dot(int)": lambda lib: lib.tensor([1, 2]).dot(lib.tensor([3, 4])),
    "outer(float, int)": lambda lib: lib.tensor([1.5, 2.0]).outer(lib.tensor([1, 2])),
    "masked_fill(int, 1.5)": lambda lib: lib.tensor([0, 0]).masked_fill(
        lib.tensor([True, False]), 1.5
    ),
    "masked_fill(bool, 1)": lambda lib: lib.tensor([False, False]).masked_fill(
        lib.tensor([True, False]), 1
    ),
    "all(float)": lambda lib: lib.tensor([1.0, 0.0]).all(),
    "any(int, dim)": lambda lib: lib.tensor([[1, 0], [0, 0]]).any(1),
    "isnan(int)": lambda lib: lib.tensor([1, 2]).isnan(),
    "nan_to_num(float32)": lambda lib: lib.tensor(
        [float("nan"), float("inf"), -float("inf")]
    ).nan_to_num(),
    "nan_to_num(float64)": lambda lib: lib.tensor(
        [float("inf"), -float("inf")], dtype=lib.float64
    ).nan_to_num(),
    "round(half)": lambda lib: lib.tensor([0.5, 1.5, 2.5, -0.5, 2.675]).round(),
    "round(decimals=2)": lambda lib: lib.tensor([2.675, 1.005, -0.125, 0.285]).round(decimals=2),
    "round(decimals=-1)": lambda lib: lib.tensor([25.0, 35.0, -45.0, 1234.5]).round(decimals=-1),
    "sort(ties).indices": lambda lib: lib.tensor(TIES).sort(descending=True).indices,
    "argsort(ties)": lambda lib: lib.tensor(TIES).argsort(dim=0),
    "sort(int).values": lambda lib: lib.tensor([[3, 1, 2]]).sort(dim=1).values,
    "gather(int32 index)": lambda lib: lib.tensor([1.0, 2.0]).gather(
        0, lib.tensor([1, 1], dtype=lib.int32)
    ),
    "long": lambda lib: lib.tensor([1.7, -2.7]).long(),
    "int": lambda lib: lib.tensor([1.7, -2.7]).int(),
    "bool": lambda lib: lib.tensor([1.7, 0.0]).bool(),
    "type_as(int)": lambda lib: lib.tensor([1.7, -2.7]).type_as(lib.tensor([1])),
    "new_full(int, 3.5)": lambda lib: lib.tensor([1]).new_full((2,), 3.5),
    "new_tensor(float64)": lambda lib: lib.tensor([1.0], dtype=lib.float64).new_tensor([1, 2]),
    "var(float32)": lambda lib: lib.tensor([1.0, 2.0, 4.0]).var(),
    "std(unbiased=False)": lambda lib: lib.tensor([[1.0, 2.0, 4.0]]).std(1, unbiased=False),
    "norm(float32)": lambda lib: lib.tensor([3.0, 4.0]).norm(),
    "chunk sizes": lambda lib: lib.stack(
        [lib.tensor(float(p.shape[0])) for p in lib.zeros(6).chunk(4)]
    ),
}


def _torch_dtype_name(t) -> str:
    return str(t.dtype).removeprefix("torch.")


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name", list(DTYPE_CASES))
def test_values_and_dtypes_match_live_torch(name):
    import torch

    ours, theirs = DTYPE_CASES[name](tg), DTYPE_CASES[name](torch)
    assert str(ours.dtype) == _torch_dtype_name(theirs)
    if ours.dtype.kind == "f":  # float32 results may differ in the last place
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=3e-7, atol=0)
    else:
        np.testing.assert_array_equal(ours.data, theirs.numpy())


TORCH_ERRORS = {
    "gather out of bounds": lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([[0, 5]])),
    "gather index ndim": lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([0, 1])),
    "scatter_add dtype": lambda lib: lib.zeros(2).scatter_add(
        0, lib.tensor([0]), lib.ones(1, dtype=lib.float64)
    ),
    "bmm 2-d": lambda lib: lib.zeros(3, 4).bmm(lib.zeros(4, 5)),
    "dot lengths": lambda lib: lib.zeros(3).dot(lib.zeros(4)),
    "topk k": lambda lib: lib.zeros(3).topk(4),
    "split sizes": lambda lib: lib.zeros(10).split([2, 7]),
    "chunk 0": lambda lib: lib.zeros(10).chunk(0),
    "repeat fewer": lambda lib: lib.zeros(2, 2).repeat(2),
    "std int": lambda lib: lib.tensor([1, 2]).std(),
    "norm int": lambda lib: lib.tensor([1, 2]).norm(),
    "masked_fill int mask": lambda lib: lib.zeros(2).masked_fill(lib.tensor([1, 0]), 1.0),
    "size(2)": lambda lib: lib.zeros(2, 3).size(2),
}


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name", list(TORCH_ERRORS))
def test_what_pytorch_refuses_is_refused(name):
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, TypeError, ValueError, IndexError)):
        TORCH_ERRORS[name](torch)
    with pytest.raises((RuntimeError, TypeError, ValueError, IndexError)):
        TORCH_ERRORS[name](tg)


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_size_prints_as_torch_size():
    import torch

    for shape in ((2, 3), (), (5,)):
        assert repr(tg.zeros(shape).size()) == repr(torch.zeros(shape).size())
        assert str(tg.zeros(shape).size()[1:]) == str(torch.zeros(shape).size()[1:])


# ---------------------------------------------------------------------- % // triangles one_hot
def test_remainder_and_floor_divide_follow_python_signs(rng):
    a = 3.0 * rng.standard_normal((3, 4))
    for divisor in (1.3, -0.9):
        np.testing.assert_allclose((tg.tensor(a) % divisor).numpy(), np.remainder(a, divisor))
        np.testing.assert_array_equal(
            (tg.tensor(a) // divisor).numpy(), np.floor_divide(a, divisor)
        )
    ints = np.array([7, -7, 5, -5])
    np.testing.assert_array_equal((tg.tensor(ints) % 3).numpy(), ints % 3)
    np.testing.assert_array_equal((tg.tensor(ints) // 2).numpy(), ints // 2)
    np.testing.assert_array_equal((10 % tg.tensor([3, 4])).numpy(), [1, 2])
    np.testing.assert_array_equal((10 // tg.tensor([3, 4])).numpy(), [3, 2])
    assert (tg.tensor(ints) // 2).dtype == np.int64
    assert tg.tensor([5]) // tg.tensor([2.0]) == 2.0  # promoted, as PyTorch's floor_divide


def test_remainder_gradient_against_central_differences(rng):
    # values away from the jumps at multiples of the divisor
    a = np.array([[0.3, 1.9, -2.2], [4.1, -0.4, 2.9]])
    b = np.array([1.1, 0.7, 1.6])
    check_grads(lambda x, y: x % y, a, b)
    check_grads(lambda x: x % 1.3, a)
    assert (leaf(a) % 1.3).grad_fn.name() == "RemainderBackward0"
    assert (leaf(a) % leaf(b)).grad_fn.name() == "RemainderBackward1"


def test_floor_divide_has_no_gradient():
    out = leaf([[3.5, -1.5]]) // 2
    assert not out.requires_grad and out.grad_fn is None


@pytest.mark.parametrize("diagonal", [-1, 0, 2])
def test_tril_triu_forward_and_backward(diagonal, rng):
    a = rng.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(tg.tensor(a).tril(diagonal).numpy(), np.tril(a, diagonal))
    np.testing.assert_array_equal(tg.triu(tg.tensor(a), diagonal).numpy(), np.triu(a, diagonal))
    check_grads(lambda t: t.tril(diagonal) * t, a)
    check_grads(lambda t: t.triu(diagonal=diagonal).exp(), a)


def test_tril_triu_refuse_vectors_and_non_int_diagonals():
    with pytest.raises(RuntimeError, match=r"at least 2 dimensions, got \(3,\)"):
        tg.ones(3).tril()
    with pytest.raises(TypeError, match="diagonal must be an int, got float"):
        tg.ones(2, 2).triu(0.5)


def test_square_allclose_equal(rng):
    a = rng.standard_normal((2, 3))
    np.testing.assert_array_equal(tg.square(tg.tensor(a)).numpy(), a**2)
    check_grads(lambda t: t.square(), a)
    x = tg.tensor(a)
    assert tg.allclose(x, x + 1e-9) and not tg.allclose(x, x + 1e-3)
    assert x.allclose(tg.tensor([np.nan]), equal_nan=True) is False
    assert tg.equal(x, tg.tensor(a.copy())) and not tg.equal(x, x[:1])


def test_one_hot_as_pytorch():
    import tinygrad_rms.nn.functional as F

    out = F.one_hot(tg.tensor([[0, 2], [1, 1]]))
    assert out.dtype == np.int64 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.numpy(), np.eye(3, dtype=np.int64)[[[0, 2], [1, 1]]])
    assert F.one_hot(tg.tensor([1]), num_classes=4).tolist() == [[0, 1, 0, 0]]
    with pytest.raises(RuntimeError, match="index tensor of dtype int64, got float32"):
        F.one_hot(tg.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="smaller than num_classes=3, got 5"):
        F.one_hot(tg.tensor([0, 5]), 3)
    with pytest.raises(RuntimeError, match="non-negative, got -1"):
        F.one_hot(tg.tensor([-1, 0]))


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_one_hot_floor_divide_and_equal_against_live_pytorch(rng):
    import torch
    import torch.nn.functional as TF

    import tinygrad_rms.nn.functional as F

    labels = rng.integers(0, 5, size=(3, 4))
    np.testing.assert_array_equal(
        F.one_hot(tg.tensor(labels)).numpy(), TF.one_hot(torch.tensor(labels)).numpy()
    )
    a = 3.0 * rng.standard_normal((3, 4))
    for lib_a, lib_b in [(tg.tensor(a), torch.tensor(a))]:
        np.testing.assert_array_equal((lib_a // 0.7).numpy(), (lib_b // 0.7).numpy())
        np.testing.assert_array_equal((lib_a % -0.7).numpy(), (lib_b % -0.7).numpy())
    assert tg.allclose(tg.tensor(a), tg.tensor(a * (1 + 1e-6))) == torch.allclose(
        torch.tensor(a), torch.tensor(a * (1 + 1e-6))
    )


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind_forward_backward_and_node(dim, rng):
    a = rng.standard_normal((3, 4, 2))
    pieces = tg.tensor(a).unbind(dim)
    expected = np.moveaxis(a, dim, 0)
    assert len(pieces) == a.shape[dim]
    for piece, want in zip(pieces, expected, strict=True):
        np.testing.assert_array_equal(piece.numpy(), want)
    check_grads(lambda t: tg.stack([p * (i + 1) for i, p in enumerate(t.unbind(dim))]), a)
    assert leaf(a).unbind(dim)[0].grad_fn.name() == "UnbindBackward0"


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_unbind_with_unused_pieces_against_live_pytorch(rng):
    import torch

    a = rng.standard_normal((4, 3))
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(a, requires_grad=True)
        first, _, third, _ = lib.unbind(x, 0)
        (first * 2 + third.exp()).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-15)
