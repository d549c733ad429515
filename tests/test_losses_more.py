"""The losses with options, against PyTorch, numpy and central differences, every reduction.

Cases: ``MORE_LOSS_CASES`` in ``tests/fixtures/make_nn_fixtures.py`` — NLLLoss and
CrossEntropyLoss with class weights, ``ignore_index`` (the default −100 and others),
label smoothing, unbatched and N-d inputs (N, C, d1, ...), class-probability targets;
BCELoss (with weights, and at x = 0 and 1 where the logs are clamped at −100);
SmoothL1Loss (β = 1, ½, 0); HuberLoss (δ = 1, 0.3); KLDivLoss (each of "mean",
"batchmean", "sum", "none", with and without ``log_target``, zeros in the target).  For
each case the loss and the gradients of ``sum(loss * upstream)`` for the input and (float
targets that require grad) the target:

* ``test_more_loss_matches_fixture``: PyTorch's values stored in ``nn_torch.npz``;
* ``test_more_loss_matches_live_torch`` (``@pytest.mark.torch``): PyTorch now, fresh inputs;
* ``test_more_loss_gradients_match_central_differences``: our backward against the slope
  of our own forward (float64), without PyTorch;
* ``test_*_matches_numpy_transcription``: the forwards against loops written from the
  formulas in PyTorch's documentation.

Then node names, the functional forms, dtypes, edge cases, the deprecated
``size_average``/``reduce`` flags, the weight buffer, and one clear error per bad input.
"""

from __future__ import annotations

import math
import warnings
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
CASES = [pytest.param(c, id=c.name) for c in TABLE.MORE_LOSS_CASES]

assert_close = fixture_util.assert_close

pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")


def ours(case, arrays: dict, up: np.ndarray):
    """Our loss module on the case's arrays: the loss and the gradients of sum(loss * up)."""
    x = tg.tensor(arrays["input"], requires_grad=True)
    t = tg.tensor(arrays["target"], requires_grad=case.target_grad)
    out = TABLE.build_loss(case, nn, arrays.get("weight"))(x, t)
    out.backward(gradient=up)
    return out, x.grad, t.grad


def check(case, arrays: dict, ref: dict) -> None:
    out, gx, gt = ours(case, arrays, ref["up"])
    assert_close(out.data, ref["out"], f"{case.name}: loss")
    assert gx is not None, f"{case.name}: no input gradient"
    assert_close(gx.data, ref["ginput"], f"{case.name}: input gradient")
    if case.target_grad:
        assert gt is not None, f"{case.name}: no target gradient"
        assert_close(gt.data, ref["gtarget"], f"{case.name}: target gradient")
    else:
        assert gt is None


def test_fixture_covers_the_table() -> None:
    assert list(FIX["more_loss_names"]) == [c.name for c in TABLE.MORE_LOSS_CASES], (
        "nn_torch.npz is stale: run python tests/fixtures/make_nn_fixtures.py"
    )


def test_the_ignore_cases_really_ignore_something() -> None:
    """The ignore_index cases test ignoring only if some target equals the index."""
    for name, index in [("nll_ignore", -100), ("nll_ignore_custom", 1), ("ce_ignore", -100),
                        ("ce_ignore_weight", 4), ("ce_smooth_weight_ignore", -100),
                        ("ce_1d_weight_ignore", -100), ("nll_1d_ignore", -100)]:  # fmt: skip
        target = FIX[f"more_loss/{name}_sum/target"]
        assert (target == index).sum() >= 2, name
        assert (target != index).sum() >= 2, name


@pytest.mark.parametrize("case", CASES)
def test_more_loss_matches_fixture(case) -> None:
    p = f"more_loss/{case.name}"
    arrays = {k: FIX[f"{p}/{k}"] for k in ("input", "target", "weight") if f"{p}/{k}" in FIX}
    ref = {k: FIX.get(f"{p}/{k}") for k in ("out", "up", "ginput", "gtarget")}
    check(case, arrays, ref)


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES)
def test_more_loss_matches_live_torch(case) -> None:
    pytest.importorskip("torch")
    rng = np.random.default_rng(zlib.crc32(case.name.encode()) + 1)
    arrays = case.make_arrays(rng)
    check(case, arrays, TABLE.more_loss_reference(case, arrays, rng))


@pytest.mark.parametrize("case", [c for c in CASES if "clamped" not in c.id])
def test_more_loss_gradients_match_central_differences(case) -> None:
    """d sum(loss * up) / d input (and / d target) vs the slope of our forward.

    BCE's clamped case is left out: its inputs sit on the ends of [0, 1].
    """
    rng = np.random.default_rng(zlib.crc32(case.name.encode()) + 2)
    arrays = case.make_arrays(rng)
    x, t = arrays["input"], arrays["target"]
    loss = TABLE.build_loss(case, nn, arrays.get("weight"))
    up = rng.standard_normal(loss(tg.tensor(x), tg.tensor(t)).shape)
    _, gx, gt = ours(case, arrays, up)
    num_x = numeric_grad(lambda a: loss(a, tg.tensor(t)), [x], 0, upstream=up)
    np.testing.assert_allclose(gx.data, num_x, rtol=1e-6, atol=1e-7, err_msg=case.name)
    if case.target_grad:
        num_t = numeric_grad(lambda b: loss(tg.tensor(x), b), [t], 0, upstream=up)
        np.testing.assert_allclose(gt.data, num_t, rtol=1e-6, atol=1e-7, err_msg=case.name)


# ---------------------------------------------------------------------- numpy transcriptions
def _reduce(losses: list[float], reduction: str, denominator: float) -> np.ndarray:
    if reduction == "none":
        return np.array(losses)
    total = sum(losses)
    return np.array(total if reduction == "sum" else total / denominator)


def naive_cross_entropy(x, t, weight=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
    """Loop over samples of logits (N, C) and class indices (N,), as documented."""
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    losses, total_weight = [], 0.0
    for i in range(n):
        if t[i] == ignore_index:
            losses.append(0.0)
            continue
        row = x[i]
        log_p = row - (row.max() + math.log(sum(math.exp(v - row.max()) for v in row)))
        nll = -w[t[i]] * log_p[t[i]]
        smooth = -sum(w[k] * log_p[k] for k in range(c))
        losses.append((1 - smoothing) * nll + smoothing / c * smooth)
        total_weight += w[t[i]]
    return _reduce(losses, reduction, total_weight)


def naive_soft_cross_entropy(x, y, weight=None, smoothing=0.0, reduction="mean"):
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    losses = []
    for i in range(n):
        row = x[i]
        log_p = row - (row.max() + math.log(sum(math.exp(v - row.max()) for v in row)))
        target = (1 - smoothing) * y[i] + smoothing / c
        losses.append(-sum(w[k] * target[k] * log_p[k] for k in range(c)))
    return _reduce(losses, reduction, n)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.15, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_matches_numpy_transcription(reduction, smoothing, weighted) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((9, 5)) * 3
    t = rng.integers(0, 5, 9)
    t[[1, 4]] = -100
    w = rng.uniform(0.3, 2.0, 5) if weighted else None
    got = F.cross_entropy(
        tg.tensor(x),
        tg.tensor(t),
        weight=None if w is None else tg.tensor(w),
        reduction=reduction,
        label_smoothing=smoothing,
    )
    expected = naive_cross_entropy(x, t, w, -100, smoothing, reduction)
    np.testing.assert_allclose(got.data, expected, rtol=1e-13, atol=1e-15)
    # and class probabilities: one-hot targets give the index loss (no ignored rows)
    keep = t != -100
    onehot = np.eye(5)[t[keep]]
    soft = F.cross_entropy(
        tg.tensor(x[keep]),
        tg.tensor(onehot),
        weight=None if w is None else tg.tensor(w),
        reduction=reduction,
        label_smoothing=smoothing,
    )
    expected_soft = naive_soft_cross_entropy(x[keep], onehot, w, smoothing, reduction)
    np.testing.assert_allclose(soft.data, expected_soft, rtol=1e-13, atol=1e-15)


def test_nd_cross_entropy_is_the_flat_one_per_position() -> None:
    """(N, C, d1, d2) equals (N·d1·d2, C) with the class dim moved last."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 4, 5))
    t = rng.integers(0, 3, (2, 4, 5))
    t[0, 1, :2] = -100
    w = tg.tensor(rng.uniform(0.5, 2.0, 3))
    flat_x = np.moveaxis(x, 1, -1).reshape(-1, 3)
    for reduction in ("mean", "sum"):
        for smoothing in (0.0, 0.2):
            nd = F.cross_entropy(
                tg.tensor(x), tg.tensor(t), w, reduction=reduction, label_smoothing=smoothing
            )
            flat = F.cross_entropy(
                tg.tensor(flat_x),
                tg.tensor(t.reshape(-1)),
                w,
                reduction=reduction,
                label_smoothing=smoothing,
            )
            np.testing.assert_allclose(nd.data, flat.data, rtol=1e-14)
    none = F.cross_entropy(tg.tensor(x), tg.tensor(t), reduction="none")
    assert none.shape == (2, 4, 5) and np.all(none.detach().numpy()[0, 1, :2] == 0)


def test_bce_matches_numpy_transcription() -> None:
    x = np.array([0.0, 1e-60, 0.3, 0.5, 0.9, 1.0])
    y = np.array([0.0, 1.0, 0.2, 1.0, 0.0, 0.7])
    w = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0])
    expected = [
        -wi * (yi * max(math.log(xi) if xi > 0 else -math.inf, -100)
               + (1 - yi) * max(math.log(1 - xi) if xi < 1 else -math.inf, -100))
        for xi, yi, wi in zip(x, y, w, strict=True)
    ]  # fmt: skip
    got = F.binary_cross_entropy(tg.tensor(x), tg.tensor(y), tg.tensor(w), reduction="none")
    np.testing.assert_allclose(got.data, expected, rtol=1e-14)
    mean = F.binary_cross_entropy(tg.tensor(x), tg.tensor(y), tg.tensor(w))
    np.testing.assert_allclose(mean.item(), np.mean(expected), rtol=1e-14)


def test_smooth_l1_and_huber_match_numpy_transcription() -> None:
    d = np.array([-3.0, -1.0, -0.4, 0.0, 0.2, 0.5, 1.0, 2.5])
    x, y = tg.tensor(d + 1.0), tg.tensor(np.ones_like(d))
    for beta in (1.0, 0.5, 0.0):
        expected = [abs(v) if beta == 0 else (0.5 * v * v / beta if abs(v) < beta
                    else abs(v) - 0.5 * beta) for v in d]  # fmt: skip
        got = F.smooth_l1_loss(x, y, reduction="none", beta=beta)
        np.testing.assert_allclose(got.data, expected, rtol=1e-15)
    for delta in (1.0, 0.3, 2.0):
        expected = [0.5 * v * v if abs(v) < delta else delta * (abs(v) - 0.5 * delta) for v in d]
        got = F.huber_loss(x, y, reduction="none", delta=delta)
        np.testing.assert_allclose(got.data, expected, rtol=1e-15)
        # Huber is δ times smooth L1 with β = δ
        smooth = F.smooth_l1_loss(x, y, reduction="none", beta=delta)
        np.testing.assert_allclose(got.data, delta * smooth.data, rtol=1e-14)


def test_kl_div_matches_numpy_transcription() -> None:
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(4), size=3)
    p[0, 1] = 0.0
    q_log = np.log(rng.dirichlet(np.ones(4), size=3))
    pointwise = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - q_log), 0.0)
    expected = {
        "none": pointwise,
        "sum": pointwise.sum(),
        "mean": pointwise.mean(),
        "batchmean": pointwise.sum() / 3,
    }
    for reduction, value in expected.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = F.kl_div(tg.tensor(q_log), tg.tensor(p), reduction=reduction)
        np.testing.assert_allclose(got.data, value, rtol=1e-14, atol=1e-16)
        logged = F.kl_div(
            tg.tensor(q_log), tg.tensor(np.log(p + 1e-300)), reduction="sum", log_target=True
        )
        np.testing.assert_allclose(logged.data, pointwise.sum(), rtol=1e-12)
    # batchmean of one distribution is the KL divergence itself
    one = F.kl_div(tg.tensor(q_log[1]), tg.tensor(p[1]), reduction="batchmean")
    np.testing.assert_allclose(one.item(), pointwise[1].sum() / 4, rtol=1e-14)  # dim 0 is 4


# ---------------------------------------------------------------------- graph nodes
NODE_NAMES = [
    ("ce", lambda x, t, p: F.cross_entropy(x, t), "NllLossBackward0"),
    ("ce_weight", lambda x, t, p: F.cross_entropy(x, t, tg.ones(4)), "NllLossBackward0"),
    ("ce_smooth", lambda x, t, p: F.cross_entropy(x, t, label_smoothing=0.1), "AddBackward0"),
    ("ce_probs_mean", lambda x, t, p: F.cross_entropy(x, p), "DivBackward1"),
    ("ce_probs_sum", lambda x, t, p: F.cross_entropy(x, p, reduction="sum"), "NegBackward0"),
    ("nll", lambda x, t, p: F.nll_loss(x, t), "NllLossBackward0"),
    ("bce", lambda x, t, p: F.binary_cross_entropy(p, p), "BinaryCrossEntropyBackward0"),
    ("smooth_l1", lambda x, t, p: F.smooth_l1_loss(x, p), "SmoothL1LossBackward0"),
    ("huber", lambda x, t, p: F.huber_loss(x, p), "HuberLossBackward0"),
    ("kl_mean", lambda x, t, p: F.kl_div(x, p), "MeanBackward0"),
    ("kl_batchmean", lambda x, t, p: F.kl_div(x, p, reduction="batchmean"), "DivBackward0"),
    ("kl_sum", lambda x, t, p: F.kl_div(x, p, reduction="sum"), "SumBackward0"),
    ("kl_none", lambda x, t, p: F.kl_div(x, p, reduction="none"), "SubBackward0"),
]


@pytest.mark.parametrize(("what", "fn", "name"), NODE_NAMES, ids=[n[0] for n in NODE_NAMES])
def test_each_loss_is_one_node_named_as_pytorch_names_its_last(what, fn, name) -> None:
    x = tg.randn(3, 4, dtype=tg.float64, requires_grad=True)
    p = tg.tensor(np.full((3, 4), 0.25), requires_grad=True)
    out = fn(x, tg.tensor(np.array([0, 3, 1])), p)
    assert out.grad_fn.name() == name
    # one node: its inputs are leaves
    assert all(
        f is None or type(f).__name__ == "AccumulateGrad" for f, _ in out.grad_fn.next_functions
    )


def test_nd_nll_node_is_pytorchs_2d_one() -> None:
    x = tg.randn(2, 3, 4, dtype=tg.float64, requires_grad=True)
    t = tg.tensor(np.zeros((2, 4), np.int64))
    assert F.cross_entropy(x, t).grad_fn.name() == "NllLoss2DBackward0"
    assert F.nll_loss(x, t).grad_fn.name() == "NllLoss2DBackward0"


@pytest.mark.torch
@pytest.mark.parametrize(("what", "fn", "name"), NODE_NAMES, ids=[n[0] for n in NODE_NAMES])
def test_node_names_are_live_torchs(what, fn, name) -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    p = torch.full((3, 4), 0.25, dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0, 3, 1])
    theirs = {
        "ce": lambda: TF.cross_entropy(x, t),
        "ce_weight": lambda: TF.cross_entropy(x, t, torch.ones(4, dtype=torch.float64)),
        "ce_smooth": lambda: TF.cross_entropy(x, t, label_smoothing=0.1),
        "ce_probs_mean": lambda: TF.cross_entropy(x, p),
        "ce_probs_sum": lambda: TF.cross_entropy(x, p, reduction="sum"),
        "nll": lambda: TF.nll_loss(x, t),
        "bce": lambda: TF.binary_cross_entropy(p, p),
        "smooth_l1": lambda: TF.smooth_l1_loss(x, p),
        "huber": lambda: TF.huber_loss(x, p),
        "kl_mean": lambda: TF.kl_div(x, p),
        "kl_batchmean": lambda: TF.kl_div(x, p, reduction="batchmean"),
        "kl_sum": lambda: TF.kl_div(x, p, reduction="sum"),
        "kl_none": lambda: TF.kl_div(x, p, reduction="none"),
    }
    assert theirs[what]().grad_fn.name() == name


# ---------------------------------------------------------------------- modules and functional
def test_modules_equal_their_functional_forms() -> None:
    rng = np.random.default_rng(6)
    x, t = tg.tensor(rng.standard_normal((5, 4))), tg.tensor(rng.integers(0, 4, 5))
    w = tg.tensor(rng.uniform(0.5, 2, 4))
    p = tg.tensor(rng.uniform(0.1, 0.9, (5, 4)))
    y = tg.tensor(rng.uniform(0, 1, (5, 4)))
    pairs = [
        (nn.NLLLoss(w, ignore_index=2)(x, t), F.nll_loss(x, t, w, ignore_index=2)),
        (
            nn.CrossEntropyLoss(w, label_smoothing=0.2, reduction="sum")(x, t),
            F.cross_entropy(x, t, w, reduction="sum", label_smoothing=0.2),
        ),
        (nn.BCELoss(w)(p, y), F.binary_cross_entropy(p, y, w)),
        (nn.SmoothL1Loss(beta=0.3)(x, y), F.smooth_l1_loss(x, y, beta=0.3)),
        (nn.HuberLoss(delta=0.3)(x, y), F.huber_loss(x, y, delta=0.3)),
        (
            nn.KLDivLoss(reduction="batchmean", log_target=True)(x, y),
            F.kl_div(x, y, reduction="batchmean", log_target=True),
        ),
    ]
    for a, b in pairs:
        np.testing.assert_array_equal(a.data, b.data)


def test_default_ignore_index_is_minus_100_as_in_pytorch() -> None:
    x = tg.randn(3, 4, dtype=tg.float64)
    with_ignored = nn.CrossEntropyLoss()(x, tg.tensor(np.array([0, -100, 1])))
    without = nn.CrossEntropyLoss()(x[tg.tensor(np.array([0, 2]))], tg.tensor(np.array([0, 1])))
    np.testing.assert_allclose(with_ignored.item(), without.item(), rtol=1e-15)


def test_every_sample_ignored_gives_nan_mean_and_zero_gradient() -> None:
    for smoothing, weight in [(0.0, None), (0.2, None), (0.0, tg.ones(4, dtype=tg.float64))]:
        x = tg.randn(3, 4, dtype=tg.float64, requires_grad=True)
        t = tg.tensor(np.full(3, -100))
        loss = F.cross_entropy(x, t, weight, label_smoothing=smoothing)
        assert math.isnan(loss.item())
        loss.backward()
        np.testing.assert_array_equal(x.grad.data, 0.0)
        assert F.cross_entropy(x, t, reduction="sum").item() == 0.0
        assert F.nll_loss(x, t, reduction="sum").item() == 0.0


def test_cross_entropy_huge_logits_with_options_are_finite() -> None:
    x = tg.tensor(np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 1e4]]), requires_grad=True)
    t = tg.tensor(np.array([1, 2]))
    loss = F.cross_entropy(x, t, tg.tensor([1.0, 2.0, 0.5]), label_smoothing=0.1)
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.detach().numpy()))
    soft = F.cross_entropy(x, tg.tensor(np.array([[0.0, 1.0, 0.0], [0.0, 0.5, 0.5]])))
    np.testing.assert_allclose(soft.item(), (2e4 + math.log(2)) / 2, rtol=1e-14)


@pytest.mark.parametrize(
    "make",
    [
        lambda x, t: F.cross_entropy(x, t, tg.ones(4), label_smoothing=0.1),
        lambda x, t: F.nll_loss(x, t, tg.ones(4)),
        lambda x, t: F.cross_entropy(x, tg.full((3, 4), 0.25), tg.ones(4)),
        lambda x, t: F.kl_div(x, tg.full((3, 4), 0.25), reduction="batchmean"),
        lambda x, t: F.smooth_l1_loss(x, tg.zeros(3, 4), beta=0.5),
        lambda x, t: F.huber_loss(x, tg.zeros(3, 4)),
        lambda x, t: F.binary_cross_entropy(x.sigmoid(), tg.full((3, 4), 0.5), tg.ones(4)),
    ],
)
def test_float32_in_float32_out_and_gradients(make) -> None:
    x32 = tg.randn(3, 4, requires_grad=True)
    t = tg.tensor(np.array([0, 3, 1]))
    out = make(x32, t)
    out.backward()
    assert out.dtype == np.float32 and x32.grad.dtype == np.float32
    x64 = tg.tensor(x32.detach().numpy().astype(np.float64), requires_grad=True)
    out64 = make(x64, t)
    out64.backward()
    np.testing.assert_allclose(out.data, out64.data, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x32.grad.data, x64.grad.data, rtol=1e-4, atol=1e-6)


def test_kl_div_mean_warns_as_pytorch() -> None:
    x, y = tg.randn(2, 3), tg.full((2, 3), 1 / 3)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(x, y, reduction="batchmean")


def test_kl_div_target_gradient_is_nan_where_the_target_is_zero_as_pytorch() -> None:
    x = tg.tensor(np.log(np.array([0.2, 0.3, 0.5])), requires_grad=True)
    y = tg.tensor(np.array([0.0, 0.4, 0.6]), requires_grad=True)
    loss = F.kl_div(x, y, reduction="sum")
    loss.backward()
    assert math.isnan(y.grad.detach().numpy()[0]) and np.all(
        np.isfinite(y.grad.detach().numpy()[1:])
    )
    np.testing.assert_allclose(y.grad.data[1:], np.log([0.4, 0.6]) + 1 - x.data[1:], rtol=1e-14)
    np.testing.assert_array_equal(x.grad.data, -y.data)


@pytest.mark.parametrize(
    ("flags", "reduction"),
    [
        ({"size_average": False}, "sum"),
        ({"reduce": False}, "none"),
        ({"size_average": True, "reduce": True}, "mean"),
        ({"size_average": True}, "mean"),
    ],
)
def test_deprecated_size_average_and_reduce_flags(flags, reduction) -> None:
    for cls in (
        nn.MSELoss,
        nn.L1Loss,
        nn.NLLLoss,
        nn.BCELoss,
        nn.SmoothL1Loss,
        nn.CrossEntropyLoss,
    ):
        with pytest.warns(UserWarning, match=f"reduction='{reduction}'"):
            assert cls(**flags).reduction == reduction
    with pytest.warns(UserWarning, match="deprecated"):
        assert nn.KLDivLoss(**flags).reduction == reduction
    x, t = tg.randn(4, 3), tg.tensor(np.array([0, 1, 2, 0]))
    with pytest.warns(UserWarning):
        got = F.cross_entropy(x, t, **flags)
    np.testing.assert_array_equal(got.data, F.cross_entropy(x, t, reduction=reduction).data)


def test_positional_arguments_are_pytorchs() -> None:
    w = tg.tensor([1.0, 2.0, 3.0])
    loss = nn.CrossEntropyLoss(w, None, 2, None, "sum", 0.1)
    assert loss.weight is w and loss.ignore_index == 2 and loss.reduction == "sum"
    assert loss.label_smoothing == 0.1
    assert nn.NLLLoss(w, None, 1).ignore_index == 1
    assert nn.SmoothL1Loss(None, None, "none", 0.5).beta == 0.5
    assert nn.HuberLoss("sum", 2.0).delta == 2.0
    assert nn.KLDivLoss(None, None, "batchmean", True).log_target is True
    x, t = tg.randn(3, 3), tg.tensor(np.array([0, 2, 1]))
    np.testing.assert_array_equal(
        F.cross_entropy(x, t, w, None, 2, None, "sum", 0.1).data, loss(x, t).data
    )


def test_class_weight_is_a_buffer_as_in_pytorch() -> None:
    w = tg.tensor([1.0, 2.0, 3.0])
    loss = nn.CrossEntropyLoss(weight=w)
    assert list(loss.state_dict()) == ["weight"] and dict(loss.named_buffers())["weight"] is w
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    loss.double()
    assert loss.weight.dtype == np.float64
    assert repr(loss) == "CrossEntropyLoss()"


# ---------------------------------------------------------------------- errors
def test_reduction_errors() -> None:
    for cls in (nn.NLLLoss, nn.CrossEntropyLoss, nn.BCELoss, nn.SmoothL1Loss, nn.HuberLoss):
        with pytest.raises(ValueError, match="reduction"):
            cls(reduction="batchmean")
    with pytest.raises(ValueError, match="reduction"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        F.kl_div(tg.randn(2), tg.rand(2), reduction="Mean")
    with pytest.raises(ValueError, match="reduction"):
        F.nll_loss(tg.randn(2, 3), tg.tensor(np.array([0, 1])), reduction="avg")


def test_class_index_errors_name_what_is_wrong() -> None:
    x = tg.randn(4, 3)
    with pytest.raises(IndexError, match=r"target class 5 is out of range \[0, 2\]"):
        F.nll_loss(x, tg.tensor(np.array([0, 5, 1, -100])))
    with pytest.raises(IndexError, match="-100"):  # not ignored when ignore_index differs
        F.cross_entropy(x, tg.tensor(np.array([0, -100, 1, 2])), ignore_index=1)
    with pytest.raises(ValueError) as info:
        F.cross_entropy(tg.randn(2, 3, 4), tg.tensor(np.zeros((2, 3), np.int64)))
    assert "(2, 3, 4)" in str(info.value) and "(2, 3)" in str(info.value)
    with pytest.raises(ValueError, match=r"3 classes, got shape \(4,\)"):
        F.cross_entropy(x, tg.tensor(np.array([0, 1, 2, 0])), weight=tg.ones(4))
    with pytest.raises(ValueError, match="3 classes"):
        nn.NLLLoss(weight=tg.ones(2))(x, tg.tensor(np.array([0, 1, 2, 0])))
    with pytest.raises(TypeError, match="integer class indices"):
        F.nll_loss(x, tg.rand(4, 3))  # NLL takes no probabilities
    with pytest.raises(TypeError, match="Tensor"):
        F.nll_loss(np.zeros((2, 3)), tg.tensor(np.array([0, 1])))
    with pytest.raises(TypeError, match="floating point"):
        F.cross_entropy(tg.tensor(np.zeros((2, 3), np.int64)), tg.tensor(np.array([0, 1])))


def test_probability_target_and_smoothing_errors() -> None:
    x, p = tg.randn(2, 3), tg.full((2, 3), 1 / 3)
    with pytest.raises(RuntimeError, match="ignore_index"):
        F.cross_entropy(x, p, ignore_index=0)
    for bad in (-0.1, 1.5):
        with pytest.raises(RuntimeError, match=r"between 0.0 and 1.0"):
            F.cross_entropy(x, tg.tensor(np.array([0, 1])), label_smoothing=bad)
    with pytest.raises(TypeError, match="label_smoothing must be a number"):
        nn.CrossEntropyLoss(label_smoothing="0.1")(x, tg.tensor(np.array([0, 1])))


def test_bce_errors() -> None:
    with pytest.raises(RuntimeError, match="input should be between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([0.5, 1.5]), tg.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="input should be between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([0.5, float("nan")]), tg.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        nn.BCELoss()(tg.tensor([0.5, 0.5]), tg.tensor([0.0, 2.0]))
    with pytest.raises(ValueError) as info:
        nn.BCELoss()(tg.rand(4, 1), tg.rand(4))
    assert "(4, 1)" in str(info.value) and "(4,)" in str(info.value)
    with pytest.raises(ValueError, match="does not broadcast"):
        F.binary_cross_entropy(tg.rand(4, 3), tg.rand(4, 3), weight=tg.ones(4))


def test_regression_loss_parameter_errors() -> None:
    with pytest.raises(RuntimeError, match="negative values for beta"):
        F.smooth_l1_loss(tg.randn(3), tg.randn(3), beta=-1.0)
    for delta in (0.0, -1.0):
        with pytest.raises(RuntimeError, match="non-positive values for delta"):
            nn.HuberLoss(delta=delta)(tg.randn(3), tg.randn(3))
    with pytest.raises(ValueError, match="same size"):
        F.huber_loss(tg.randn(3, 2), tg.randn(3, 2), weight=tg.ones(2))
    for fn in (F.smooth_l1_loss, F.huber_loss, F.kl_div):
        with pytest.raises(ValueError) as info:
            fn(tg.randn(5, 1), tg.randn(5))
        assert "(5, 1)" in str(info.value) and "(5,)" in str(info.value)


def test_huber_weight_rescales_each_element() -> None:
    x = tg.randn(3, 2, dtype=tg.float64, requires_grad=True)
    y, w = tg.zeros(3, 2, dtype=tg.float64), tg.tensor(np.arange(6.0).reshape(3, 2))
    loss = F.huber_loss(x, y, reduction="sum", weight=w)
    plain = F.huber_loss(x, y, reduction="none")
    np.testing.assert_allclose(loss.item(), (plain.data * w.data).sum(), rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(x.grad.data, np.clip(x.data, -1, 1) * w.data, rtol=1e-14)
