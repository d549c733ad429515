"""Every op against PyTorch, forward and backward, in float64.

The op cases (name, inputs, and a function that runs unchanged on ``torch`` and on
``tinygrad_rms``) are the table in ``tests/fixtures/make_op_fixtures.py``.  For each case:

* ``test_op_matches_fixture`` (always runs): our output and our gradients of
  ``sum(out * upstream)`` against what PyTorch computed from the same inputs and the same
  ``upstream``, stored in ``tests/fixtures/ops_torch.npz``;
* ``test_op_matches_live_torch`` (``@pytest.mark.torch``): the same against PyTorch run
  now, on fresh random inputs (cases with fixed inputs, such as ties, reuse theirs).

Then a hypothesis sweep checks the gradients of softmax, log_softmax, max/min along a dim,
expand, integer-array indexing, cat and stack on random shapes and dims against central
differences (``tinygrad_rms.autograd.gradcheck``).

Tolerances: float64 throughout.  Both libraries run the same formulas, but their
reduction orders and fused operations differ, so results agree to a few ulps of the
largest term, not bit for bit: rtol 1e-10, and an atol of 1e-12 times the largest
magnitude of the expected array for entries that cancel to about zero.
"""

from __future__ import annotations

import zlib

import fixture_util
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rms as tg
from tinygrad_rms.autograd import gradcheck

RTOL = 1e-10
ATOL_REL = 1e-12


TABLE = fixture_util.generator("make_op_fixtures")
FIX = fixture_util.arrays("ops_torch.npz")

CASES = [pytest.param(c, id=c.name) for c in TABLE.CASES]


def ours(op_case, inputs: list[np.ndarray], upstream: np.ndarray):
    """Our output and d sum(out * upstream) / d input_i, in float64."""
    xs = [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in inputs]
    out = op_case.fn(tg, *xs)
    assert isinstance(out, tg.Tensor), f"{op_case.name} returned {type(out).__name__}"
    out.backward(gradient=upstream)
    grads = [
        np.zeros_like(a) if x.grad is None else x.grad.data for a, x in zip(inputs, xs, strict=True)
    ]
    return out, grads


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    expected = np.asarray(expected)
    assert np.all(np.isfinite(expected)), f"{what}: the PyTorch reference is not finite"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == np.float64, f"{what}: dtype {actual.dtype}, expected float64"
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(
        actual, expected, rtol=RTOL, atol=ATOL_REL * max(scale, 1e-300), err_msg=what
    )


def check_case(op_case, inputs, upstream, out_ref, grads_ref) -> None:
    out, grads = ours(op_case, inputs, upstream)
    assert_close(np.asarray(out.data), out_ref, f"{op_case.name}: forward")
    for i, (g, g_ref) in enumerate(zip(grads, grads_ref, strict=True)):
        assert_close(np.asarray(g), g_ref, f"{op_case.name}: gradient of input {i}")


# ---------------------------------------------------------------------- against the fixture
def test_fixture_covers_the_table() -> None:
    assert list(FIX["names"]) == [c.name for c in TABLE.CASES], (
        "ops_torch.npz is stale: run python tests/fixtures/make_op_fixtures.py"
    )


@pytest.mark.parametrize("op_case", CASES)
def test_op_matches_fixture(op_case) -> None:
    n = len(op_case.inputs)
    inputs = [FIX[f"{op_case.name}/in{i}"] for i in range(n)]
    grads_ref = [FIX[f"{op_case.name}/grad{i}"] for i in range(n)]
    check_case(
        op_case, inputs, FIX[f"{op_case.name}/upstream"], FIX[f"{op_case.name}/out"], grads_ref
    )


def test_fixture_inputs_have_the_intended_ties() -> None:
    """The tie cases only test something if their inputs really tie (guards the table)."""
    ties = FIX["max_all_ties/in0"]
    assert (ties == ties.max()).sum() == 3 and (ties == ties.min()).sum() == 2
    # PyTorch's reference splits a full-reduction gradient evenly among the ties
    g = FIX["max_all_ties/grad0"]
    up = float(FIX["max_all_ties/upstream"])
    np.testing.assert_allclose(g[ties == ties.max()], up / 3, rtol=1e-15)
    a, b = FIX["maximum_ties/in0"], FIX["maximum_ties/in1"]
    tie = a == b
    assert tie.sum() == 3
    up = FIX["maximum_ties/upstream"]
    np.testing.assert_allclose(FIX["maximum_ties/grad0"][tie], up[tie] / 2, rtol=1e-15)
    at = FIX["clamp_at_bounds/in0"]
    assert (at == 0.5).sum() == 2 and (at == -0.5).sum() == 2


# ---------------------------------------------------------------------- against live torch
#: cases whose PyTorch reference changed between versions: the case -> the first version
#: whose behaviour the library follows (clamp's gradient is 0 at the bounds since 2.14)
SINCE = {"clamp_at_bounds": (2, 14), "clamp_min_only": (2, 14), "clamp_max_only": (2, 14)}


def _version(torch) -> tuple[int, int]:
    major, minor = torch.__version__.split(".")[:2]
    return int(major), int(minor)


@pytest.mark.torch
@pytest.mark.parametrize("op_case", CASES)
def test_op_matches_live_torch(op_case) -> None:
    torch = pytest.importorskip("torch")
    since = SINCE.get(op_case.name)
    if since and _version(torch) < since:
        pytest.skip(
            f"version-specific: the library follows PyTorch >= {since[0]}.{since[1]} here, "
            f"torch {torch.__version__} is older (docs/porting-from-pytorch.md)"
        )
    # fresh inputs: another seed than the fixture's, fixed per case for reproducibility
    rng = np.random.default_rng(zlib.crc32(op_case.name.encode()) + 1)
    inputs = op_case.make_inputs(rng)
    out_ref, upstream, grads_ref = TABLE.torch_reference(op_case, inputs, rng)
    check_case(op_case, inputs, upstream, out_ref, grads_ref)


@pytest.mark.torch
def test_max_dim_indices_match_torch_with_ties() -> None:
    torch = pytest.importorskip("torch")
    data = np.array(TABLE.TIES_MAX)
    for dim in (0, 1, -1):
        for name in ("max", "min"):
            ref = getattr(torch.tensor(data), name)(dim=dim)
            got = getattr(tg.tensor(data), name)(dim=dim)
            np.testing.assert_array_equal(got.indices.data, ref.indices.numpy())
            np.testing.assert_array_equal(got.values.data, ref.values.numpy())
            assert got.indices.dtype == np.int64


# ---------------------------------------------------------------------- property sweep
SWEEP = settings(max_examples=25, deadline=None, database=None)
small_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _leaf(seed: int, shape: tuple[int, ...], scale: float = 1.0) -> tg.Tensor:
    data = scale * np.random.default_rng(seed).standard_normal(shape)
    return tg.tensor(data, dtype=tg.float64, requires_grad=True)


@SWEEP
@given(shape=small_shapes, data=st.data(), log=st.booleans(), seed=st.integers(0, 2**31))
def test_sweep_softmax(shape, data, log, seed) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    x = _leaf(seed, shape, scale=3.0)
    fn = (lambda t: t.log_softmax(dim)) if log else (lambda t: t.softmax(dim))
    assert gradcheck(fn, x)
    # rows sum to one: the op is normalised along ``dim`` and no other
    total = (
        np.exp(fn(x).detach().numpy()).sum(axis=dim)
        if log
        else fn(x).detach().numpy().sum(axis=dim)
    )
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)


@SWEEP
@given(
    shape=small_shapes,
    data=st.data(),
    use_max=st.booleans(),
    keepdim=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_sweep_max_min_dim(shape, data, use_max, keepdim, seed) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    x = _leaf(seed, shape)
    name = "max" if use_max else "min"
    ref = getattr(np, name)(x.detach().numpy(), axis=dim, keepdims=keepdim)
    np.testing.assert_array_equal(getattr(x, name)(dim=dim, keepdim=keepdim).values.data, ref)
    assert gradcheck(lambda t: getattr(t, name)(dim=dim, keepdim=keepdim).values, x)


@st.composite
def expand_shapes(draw):
    """(source shape, argument of expand, resulting shape)."""
    target = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4).map(tuple))
    n_src = draw(st.integers(0, len(target)))
    lead = len(target) - n_src
    src, arg = [], list(target[:lead])
    for n in target[lead:]:
        kind = draw(st.sampled_from(["same", "one", "keep"]))
        src.append(1 if kind == "one" else n)
        arg.append(-1 if kind == "keep" else n)
    return tuple(src), tuple(arg), target


@SWEEP
@given(shapes=expand_shapes(), seed=st.integers(0, 2**31))
def test_sweep_expand(shapes, seed) -> None:
    src, arg, target = shapes
    x = _leaf(seed, src)
    assert x.expand(*arg).shape == target
    np.testing.assert_array_equal(x.expand(arg).data, np.broadcast_to(x.data, target))
    assert gradcheck(lambda t: t.expand(*arg), x)


@SWEEP
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    data=st.data(),
    axis=st.integers(0, 1),
    seed=st.integers(0, 2**31),
)
def test_sweep_getitem_integer_arrays(shape, data, axis, seed) -> None:
    n = shape[axis]
    idx = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6), label="idx")
    x = _leaf(seed, shape)
    fn = (lambda t: t[idx]) if axis == 0 else (lambda t: t[:, idx])
    np.testing.assert_array_equal(fn(x).data, np.take(x.data, idx, axis=axis))
    assert gradcheck(fn, x)
    # every occurrence of a repeated index contributes: the gradient of a sum counts them
    fn(x).sum().backward()
    counts = np.zeros(n)
    np.add.at(counts, np.asarray(idx) % n, 1.0)
    expected = counts[:, None] if axis == 0 else counts[None, :]
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(expected, shape))


@SWEEP
@given(
    base=small_shapes,
    data=st.data(),
    use_stack=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_sweep_cat_stack(base, data, use_stack, seed) -> None:
    k = data.draw(st.integers(1, 3), label="number of tensors")
    if use_stack:
        dim = data.draw(st.integers(-len(base) - 1, len(base)), label="dim")
        shapes = [base] * k
    else:
        dim = data.draw(st.integers(-len(base), len(base) - 1), label="dim")
        sizes = data.draw(st.lists(st.integers(1, 3), min_size=k, max_size=k), label="sizes")
        d = dim % len(base)
        shapes = [(*base[:d], s, *base[d + 1 :]) for s in sizes]
    xs = [_leaf(seed + i, s) for i, s in enumerate(shapes)]
    join, np_join = (tg.stack, np.stack) if use_stack else (tg.cat, np.concatenate)
    np.testing.assert_array_equal(join(xs, dim=dim).data, np_join([x.data for x in xs], axis=dim))
    assert gradcheck(lambda *ts: join(list(ts), dim=dim), xs)
