"""The four losses against PyTorch and against central differences, every reduction.

Cases: ``LOSS_CASES`` in ``tests/fixtures/make_nn_fixtures.py`` — MSELoss, L1Loss (with
exact ties), CrossEntropyLoss ((N, C) logits with int64 targets, (C,) logits with a
scalar target, logits of ±1e4) and BCEWithLogitsLoss (logits of ±100), each with
reduction "mean", "sum" and "none".  For each case the loss value and the gradients of
``sum(loss * upstream)`` with respect to the input and, for float targets, the target:

* ``test_loss_matches_fixture``: PyTorch's values stored in ``tests/fixtures/nn_torch.npz``;
* ``test_loss_matches_live_torch`` (``@pytest.mark.torch``): PyTorch now, fresh inputs;
* ``test_loss_gradients_match_central_differences``: our backward against the slope of
  our own forward (float64), which does not involve PyTorch at all.

Then the error cases: mismatched shapes, float class targets, out-of-range classes and
unknown reductions.
"""

from __future__ import annotations

import zlib

import fixture_util
import numpy as np
import pytest
from gradcheck_util import numeric_grad

import tinygrad_rms as tg
from tinygrad_rms import nn
from tinygrad_rms.nn import functional as F

TABLE = fixture_util.generator("make_nn_fixtures")
FIX = fixture_util.arrays("nn_torch.npz")

CASES = [pytest.param(c, id=c.name) for c in TABLE.LOSS_CASES]


assert_close = fixture_util.assert_close


def ours(case, x: np.ndarray, t: np.ndarray, up: np.ndarray):
    """Our loss module on (x, t): the loss and the gradients of sum(loss * up)."""
    xt = tg.tensor(x, requires_grad=True)
    tt = tg.tensor(t, requires_grad=not case.int_target)
    out = getattr(nn, case.loss)(reduction=case.reduction)(xt, tt)
    out.backward(gradient=up)
    return out, xt.grad, tt.grad


def check(case, x, t, ref) -> None:
    out, gx, gt = ours(case, x, t, ref["up"])
    assert_close(out.data, ref["out"], f"{case.name}: loss")
    assert gx is not None, f"{case.name}: no input gradient"
    assert_close(gx.data, ref["ginput"], f"{case.name}: input gradient")
    if ref["gtarget"] is None:
        assert gt is None
    else:
        assert gt is not None, f"{case.name}: no target gradient"
        assert_close(gt.data, ref["gtarget"], f"{case.name}: target gradient")


def test_fixture_covers_the_table() -> None:
    assert list(FIX["loss_names"]) == [c.name for c in TABLE.LOSS_CASES], (
        "nn_torch.npz is stale: run python tests/fixtures/make_nn_fixtures.py"
    )


@pytest.mark.parametrize("case", CASES)
def test_loss_matches_fixture(case) -> None:
    p = f"loss/{case.name}"
    ref = {k: FIX.get(f"{p}/{k}") for k in ("out", "up", "ginput", "gtarget")}
    check(case, FIX[f"{p}/input"], FIX[f"{p}/target"], ref)


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES)
def test_loss_matches_live_torch(case) -> None:
    pytest.importorskip("torch")
    rng = np.random.default_rng(zlib.crc32(case.name.encode()) + 1)
    x, t = TABLE.make_loss_inputs(case, rng)
    check(case, x, t, TABLE.loss_reference(case, x, t, rng))


@pytest.mark.parametrize("case", [c for c in CASES if "ties" not in c.id])
def test_loss_gradients_match_central_differences(case) -> None:
    """d sum(loss * up) / d input (and / d target) vs the slope of our forward.

    L1's tie case is left out: |x − y| has no derivative where x = y.
    """
    rng = np.random.default_rng(zlib.crc32(case.name.encode()) + 2)
    x, t = TABLE.make_loss_inputs(case, rng)
    loss = getattr(nn, case.loss)(reduction=case.reduction)
    up = rng.standard_normal(loss(tg.tensor(x), tg.tensor(t)).shape)
    _, gx, gt = ours(case, x, t, up)
    # the step is relative for ±1e4 logits, where 1e-6 is below the float64 spacing
    eps = 1e-6 * max(1.0, float(np.abs(x).max()) / 100)
    num_x = numeric_grad(lambda a: loss(a, tg.tensor(t)), [x], 0, eps=eps, upstream=up)
    np.testing.assert_allclose(gx.data, num_x, rtol=1e-6, atol=1e-7, err_msg=case.name)
    if not case.int_target:
        num_t = numeric_grad(lambda b: loss(tg.tensor(x), b), [t], 0, upstream=up)
        np.testing.assert_allclose(gt.data, num_t, rtol=1e-6, atol=1e-7, err_msg=case.name)


# ---------------------------------------------------------------------- extremes, by hand
def test_cross_entropy_huge_logits_are_finite_and_exact() -> None:
    x = tg.tensor(np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 1e4]]), requires_grad=True)
    t = tg.tensor(np.array([1, 2]))
    loss = F.cross_entropy(x, t, reduction="none")
    # −log softmax: row 0 picks a logit 2e4 below the max, row 1 one of two tied maxima
    np.testing.assert_allclose(loss.data, [2e4, np.log(2)], rtol=1e-15)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[1, -1, 0], [0, 0.5, -0.5]], atol=1e-300)
    # float32 too: the shift by the row max keeps exp from overflowing
    x32 = tg.tensor(np.array([[1e4, -1e4, 0.0]], np.float32), requires_grad=True)
    l32 = F.cross_entropy(x32, tg.tensor(np.array([0])))
    l32.backward()
    assert l32.dtype == np.float32 and l32.item() == 0.0
    assert np.all(np.isfinite(x32.grad.detach().numpy()))


def test_bce_with_logits_extremes_are_finite_and_exact() -> None:
    x = tg.tensor(np.array([100.0, -100.0, 100.0, -100.0, 800.0]), requires_grad=True)
    y = tg.tensor(np.array([1.0, 0.0, 0.0, 1.0, 0.0]))
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    # right label: log(1 + e^−100) ≈ 3.7e-44; wrong label: ≈ 100; e^800 would overflow
    np.testing.assert_allclose(loss.data, [np.exp(-100), np.exp(-100), 100, 100, 800], rtol=1e-12)
    loss.sum().backward()
    # σ(x) − y: ≈ 0 when right, ±1 when wrong
    np.testing.assert_allclose(x.grad.data, [0, 0, 1, -1, 1], atol=1e-40)
    x32 = tg.tensor(np.array([100.0, -100.0], np.float32), requires_grad=True)
    l32 = F.binary_cross_entropy_with_logits(x32, tg.tensor(np.array([0.0, 1.0], np.float32)))
    l32.backward()
    assert l32.dtype == np.float32 and l32.item() == pytest.approx(100.0)
    np.testing.assert_allclose(x32.grad.data, [0.5, -0.5])


def test_reductions_relate_as_mean_sum_none() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    logits, cls = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    for fn, args in [
        (F.mse_loss, (x, y)),
        (F.l1_loss, (x, y)),
        (F.binary_cross_entropy_with_logits, (x, rng.uniform(size=(5, 3)))),
        (F.cross_entropy, (logits, cls)),
    ]:
        a, b = (tg.tensor(v) for v in args)
        none = fn(a, b, reduction="none").data
        assert none.shape == (args[1].shape if fn is not F.cross_entropy else (5,))
        np.testing.assert_allclose(fn(a, b, reduction="sum").item(), none.sum(), rtol=1e-14)
        np.testing.assert_allclose(fn(a, b).item(), none.mean(), rtol=1e-14)  # mean by default


def test_loss_dtype_follows_the_input() -> None:
    x = tg.randn(4, 3)
    assert nn.MSELoss()(x, tg.randn(4, 3)).dtype == np.float32
    assert nn.CrossEntropyLoss()(x, tg.tensor(np.array([0, 1, 2, 0]))).dtype == np.float32
    x64 = tg.randn(4, 3, dtype=tg.float64)
    assert nn.L1Loss(reduction="none")(x64, tg.randn(4, 3, dtype=tg.float64)).dtype == np.float64


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("cls", ["MSELoss", "L1Loss", "BCEWithLogitsLoss"])
def test_shape_mismatch_names_both_shapes(cls: str) -> None:
    loss = getattr(nn, cls)()
    with pytest.raises(ValueError) as info:
        loss(tg.randn(100, 1), tg.rand(100))
    assert "(100, 1)" in str(info.value) and "(100,)" in str(info.value)
    with pytest.raises(ValueError) as info:
        loss(tg.randn(2, 3), tg.rand(3, 2))
    assert "(2, 3)" in str(info.value) and "(3, 2)" in str(info.value)


def test_cross_entropy_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError) as info:
        F.cross_entropy(tg.randn(5, 4), tg.tensor(np.array([0, 1, 2])))
    assert "(5, 4)" in str(info.value) and "(3,)" in str(info.value)
    with pytest.raises(ValueError) as info:
        nn.CrossEntropyLoss()(tg.randn(4), tg.tensor(np.array([1])))  # (C,) needs a scalar
    assert "(4,)" in str(info.value) and "(1,)" in str(info.value)


def test_cross_entropy_float_targets_raise_type_error() -> None:
    with pytest.raises(TypeError, match="float"):
        F.cross_entropy(tg.randn(3, 4), tg.tensor(np.array([0.0, 1.0, 2.0])))
    with pytest.raises(TypeError, match="integer"):
        nn.CrossEntropyLoss()(tg.randn(3, 4), tg.rand(3))


@pytest.mark.parametrize("bad", [4, 7, -1, -99])
def test_cross_entropy_out_of_range_class_raises_index_error(bad: int) -> None:
    t = tg.tensor(np.array([0, bad, 1]))
    with pytest.raises(IndexError, match=r"\[0, 3\]"):
        nn.CrossEntropyLoss()(tg.randn(3, 4), t)
    with pytest.raises(IndexError):
        F.cross_entropy(tg.randn(4), tg.tensor(np.array(bad)))


def test_cross_entropy_ignores_the_default_ignore_index() -> None:
    """-100 is PyTorch's default ``ignore_index``: padding targets, not a bad class."""
    logits = tg.randn(3, 4, dtype=tg.float64)
    targets = tg.tensor(np.array([0, -100, 1]))
    kept = F.cross_entropy(logits[np.array([0, 2])], tg.tensor(np.array([0, 1])))
    np.testing.assert_allclose(F.cross_entropy(logits, targets).item(), kept.item(), rtol=1e-14)


@pytest.mark.parametrize("cls", ["MSELoss", "L1Loss", "CrossEntropyLoss", "BCEWithLogitsLoss"])
@pytest.mark.parametrize("reduction", ["avg", "Mean", "", None])
def test_unknown_reduction_raises(cls: str, reduction) -> None:
    with pytest.raises(ValueError, match="reduction"):
        getattr(nn, cls)(reduction=reduction)
    fn = {
        "MSELoss": F.mse_loss,
        "L1Loss": F.l1_loss,
        "CrossEntropyLoss": F.cross_entropy,
        "BCEWithLogitsLoss": F.binary_cross_entropy_with_logits,
    }[cls]
    target = tg.tensor(np.array([0, 1])) if cls == "CrossEntropyLoss" else tg.rand(2, 3)
    with pytest.raises(ValueError, match="reduction"):
        fn(tg.randn(2, 3), target, reduction=reduction)
