"""Every nn module against PyTorch: outputs, input gradients and parameter gradients.

The cases are the table ``MODULE_CASES`` in ``tests/fixtures/make_nn_fixtures.py``; each
builds the same module from ``torch.nn`` and from ``tinygrad_rms.nn``.  For each case:

* ``test_module_matches_fixture`` (always runs): PyTorch's weights, stored in
  ``tests/fixtures/nn_torch.npz``, are loaded into our module with ``load_state_dict``
  (our state_dict keys and shapes must be PyTorch's, checked first), and our outputs and
  the gradients of ``Σ sum(out_j * upstream_j)`` with respect to every float input and
  every parameter must equal PyTorch's stored ones;
* ``test_module_matches_live_torch`` (``@pytest.mark.torch``): the same on fresh inputs,
  with weights from a fresh PyTorch initialisation.

Then what a value comparison cannot show: Dropout's statistics, the default
initialisations' distributions (KS statistic and moments over many draws), Sequential's
container protocol, the module system (traversal orders, train/eval, freezing, apply,
repr — PyTorch's strings are in the fixture too) and the error cases.

Tolerances: float64 throughout; the libraries sum in different orders, so rtol 1e-10
plus an atol of 1e-12 times the largest expected magnitude.
"""

from __future__ import annotations

import math
import zlib

import fixture_util
import numpy as np
import pytest

import tinygrad_rms as tg
from tinygrad_rms import nn, optim

TABLE = fixture_util.generator("make_nn_fixtures")
FIX = fixture_util.arrays("nn_torch.npz")

CASES = [pytest.param(c, id=c.name) for c in TABLE.MODULE_CASES]


assert_close = fixture_util.assert_close


# ---------------------------------------------------------------------- the comparison
def check_against(case, ref: dict) -> None:
    """Build our module, load PyTorch's weights, compare outputs and all gradients."""
    module = case.build(nn).double()
    module.train(case.train)
    ours = module.state_dict()
    assert list(ours) == list(ref["keys"]), f"{case.name}: state_dict keys differ from torch's"
    for k in ours:
        assert ours[k].shape == ref["weights"][k].shape, f"{case.name}: shape of {k}"
    module.load_state_dict(ref["weights"])
    for k, p in module.named_parameters():
        np.testing.assert_array_equal(p.data, ref["weights"][k])  # really loaded

    xs = [tg.tensor(a, requires_grad=a.dtype.kind == "f") for a in ref["inputs"]]
    outs = TABLE.as_tuple(module(*xs))
    assert len(outs) == len(ref["outs"]), f"{case.name}: number of outputs"
    for j, (o, o_ref) in enumerate(zip(outs, ref["outs"], strict=True)):
        assert_close(o.data, o_ref, f"{case.name}: output {j}")
    total = None
    for o, u in zip(outs, ref["upstreams"], strict=True):
        term = (o * tg.tensor(u)).sum()
        total = term if total is None else total + term
    total.backward()
    for i, (x, g_ref) in enumerate(zip(xs, ref["grad_inputs"], strict=True)):
        if g_ref is None:  # integer indices
            assert x.grad is None
            continue
        assert x.grad is not None, f"{case.name}: input {i} got no gradient"
        assert_close(x.grad.data, g_ref, f"{case.name}: gradient of input {i}")
    for k, p in module.named_parameters():
        assert p.grad is not None, f"{case.name}: parameter {k} got no gradient"
        assert_close(p.grad.data, ref["grad_params"][k], f"{case.name}: gradient of {k}")


def fixture_ref(case) -> dict:
    p = f"module/{case.name}"
    keys = [str(k) for k in FIX[f"{p}/keys"]]
    n_in, n_out = len(case.inputs), sum(1 for k in FIX if k.startswith(f"{p}/out"))
    return {
        "keys": keys,
        "weights": {k: FIX[f"{p}/w/{k}"] for k in keys},
        "grad_params": {k: FIX[f"{p}/gw/{k}"] for k in keys},
        "inputs": [FIX[f"{p}/in{i}"] for i in range(n_in)],
        "grad_inputs": [FIX.get(f"{p}/gin{i}") for i in range(n_in)],
        "upstreams": [FIX[f"{p}/up{j}"] for j in range(n_out)],
        "outs": [FIX[f"{p}/out{j}"] for j in range(n_out)],
    }


def test_fixture_covers_the_tables() -> None:
    stale = "nn_torch.npz is stale: run python tests/fixtures/make_nn_fixtures.py"
    assert list(FIX["module_names"]) == [c.name for c in TABLE.MODULE_CASES], stale
    assert list(FIX["repr_names"]) == list(TABLE.REPR_CASES), stale


@pytest.mark.parametrize("case", CASES)
def test_module_matches_fixture(case) -> None:
    check_against(case, fixture_ref(case))


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES)
def test_module_matches_live_torch(case) -> None:
    pytest.importorskip("torch")
    seed = zlib.crc32(case.name.encode()) + 1  # not the fixture's seed
    check_against(case, TABLE.module_reference(case, seed))


def test_fixture_embedding_case_repeats_rows() -> None:
    """The accumulation case only tests accumulation if some index really repeats."""
    idx = FIX["module/embedding_2d_repeats/in0"]
    counts = np.bincount(idx.ravel(), minlength=5)
    assert counts.max() >= 3
    # and PyTorch's reference row gradient is the sum of the upstream rows picking it
    up = FIX["module/embedding_2d_repeats/up0"].reshape(-1, 3)
    expected = np.zeros((5, 3))
    np.add.at(expected, idx.ravel(), up)
    np.testing.assert_allclose(FIX["module/embedding_2d_repeats/gw/weight"], expected, rtol=1e-14)


# ---------------------------------------------------------------------- Embedding
def test_embedding_repeated_indices_accumulate_gradient() -> None:
    emb = nn.Embedding(4, 2, dtype=np.float64)
    idx = tg.tensor(np.array([[3, 1, 3], [3, 0, 1]], dtype=np.int64))
    out = emb(idx)
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx.data])
    up = np.arange(12, dtype=np.float64).reshape(2, 3, 2) + 1
    out.backward(gradient=up)
    g = emb.weight.grad.detach().numpy().copy()
    np.testing.assert_array_equal(g[3], up[0, 0] + up[0, 2] + up[1, 0])  # three times
    np.testing.assert_array_equal(g[1], up[0, 1] + up[1, 2])
    np.testing.assert_array_equal(g[0], up[1, 1])
    np.testing.assert_array_equal(g[2], 0)  # never picked
    # a second backward accumulates into .grad as well
    emb(idx).backward(gradient=up)
    np.testing.assert_array_equal(emb.weight.grad.data, 2 * g)


def test_embedding_index_errors() -> None:
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="4 rows"):
        emb(tg.tensor(np.array([0, 4])))
    with pytest.raises(TypeError, match="integers"):
        emb(tg.tensor(np.array([0.0, 1.0])))


def test_embedding_negative_index_raises_like_torch() -> None:
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError):
        emb(tg.tensor(np.array([-1])))


# ---------------------------------------------------------------------- Dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_train_zero_fraction_and_exact_scale(p: float) -> None:
    tg.manual_seed(1234)
    n_rows, n_cols = 400, 500  # 200 000 elements
    x_np = np.random.default_rng(0).uniform(0.5, 2.0, (n_rows, n_cols))  # no zeros
    x = tg.tensor(x_np, requires_grad=True)
    drop = nn.Dropout(p)
    assert drop.training
    out = drop(x)
    zeros = out.detach().numpy() == 0
    n = zeros.size
    # fraction of zeros: binomial, within 5 standard errors of p
    se = math.sqrt(p * (1 - p) / n)
    assert abs(zeros.mean() - p) < 5 * se, (zeros.mean(), p)
    # the mask is not a fixed pattern along either axis (rows and columns all vary)
    assert 0 < zeros.mean(axis=1).min() and zeros.mean(axis=1).max() < 1
    # survivors scaled by exactly 1/(1−p): the product x · (1/(1−p)) in float64
    keep = ~zeros
    np.testing.assert_array_equal(out.data[keep], x_np[keep] * (1.0 / (1.0 - p)))
    # gradient masked the same way, with the same scale
    up = np.random.default_rng(1).standard_normal(x_np.shape)
    out.backward(gradient=up)
    np.testing.assert_array_equal(x.grad.data, up * np.where(keep, 1.0 / (1.0 - p), 0.0))


def test_dropout_float32_scale_and_fresh_masks() -> None:
    tg.manual_seed(5)
    p = 0.3
    x = tg.ones(300, 300)
    drop = nn.Dropout(p)
    a, b = drop(x).data, drop(x).data
    assert a.dtype == np.float32
    assert set(np.unique(a)) == {np.float32(0), np.float32(1.0) * np.float32(1 / (1 - p))}
    assert not np.array_equal(a == 0, b == 0)  # every call draws a new mask
    # manual_seed makes the mask reproducible
    tg.manual_seed(5)
    np.testing.assert_array_equal(drop(x).data, a)


def test_dropout_eval_is_identity() -> None:
    x_np = np.random.default_rng(2).standard_normal((50, 40))
    x = tg.tensor(x_np, requires_grad=True)
    drop = nn.Dropout(0.7).eval()
    out = drop(x)
    np.testing.assert_array_equal(out.data, x_np)
    up = np.random.default_rng(3).standard_normal(x_np.shape)
    out.backward(gradient=up)
    np.testing.assert_array_equal(x.grad.data, up)


def test_dropout_p0_and_p1_edges() -> None:
    x_np = np.random.default_rng(4).uniform(0.5, 1.5, (30, 30))
    up = np.ones_like(x_np)
    x = tg.tensor(x_np, requires_grad=True)
    nn.Dropout(0.0)(x).backward(gradient=up)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x_np)
    np.testing.assert_array_equal(x.grad.data, up)
    x = tg.tensor(x_np, requires_grad=True)
    out = nn.Dropout(1.0)(x)
    np.testing.assert_array_equal(out.data, 0.0)
    out.backward(gradient=up)
    np.testing.assert_array_equal(x.grad.data, 0.0)  # zeros, not NaN from 1/(1−p)


@pytest.mark.parametrize("p", [-0.1, 1.0001, 2, float("nan")])
def test_dropout_invalid_p_raises(p: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.functional.dropout(tg.ones(3), p)


def test_train_eval_switches_dropout_inside_a_model() -> None:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 200), nn.Dropout(0.5), nn.Linear(200, 3))
    x = tg.randn(8, 20)
    assert model.eval() is model
    a, b = model(x).data, model(x).data
    np.testing.assert_array_equal(a, b)  # deterministic in eval mode
    hidden = model[0](x)
    np.testing.assert_array_equal(model[1](hidden).data, hidden.data)
    model.train()
    c, d = model(x).data, model(x).data
    assert not np.array_equal(c, d) and not np.array_equal(c, a)
    assert (model[1](hidden).data == 0).mean() > 0.3


# ---------------------------------------------------------------------- default initialisations
KS_CRIT = 1.95  # sqrt(n) · D exceeds this with probability 0.001 (Kolmogorov distribution)


def ks_statistic(sample: np.ndarray, cdf) -> float:
    """Kolmogorov–Smirnov D = sup |F_n(x) − F(x)|, with the empirical CDF by hand."""
    x = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    n = x.size
    f = cdf(x)
    i = np.arange(1, n + 1)
    return float(max((i / n - f).max(), (f - (i - 1) / n).max()))


def uniform_cdf(bound: float):
    return lambda x: np.clip((x + bound) / (2 * bound), 0.0, 1.0)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


def assert_uniform(sample: np.ndarray, bound: float, what: str) -> None:
    """U(−bound, bound): inside the range, reaching its ends, moments and KS."""
    s = np.asarray(sample, dtype=np.float64).ravel()
    n = s.size
    assert s.min() >= -bound and s.max() <= bound, f"{what}: outside ±{bound}"
    # the extremes of n uniform draws come within about bound·(a few)/n of the ends
    assert s.min() < -bound * (1 - 20 / n) and s.max() > bound * (1 - 20 / n), what
    assert abs(s.mean()) < 5 * bound / math.sqrt(3 * n), f"{what}: mean {s.mean()}"
    var_se = bound**2 * math.sqrt(4 / 45 / n)
    assert abs(s.var() - bound**2 / 3) < 5 * var_se, f"{what}: variance {s.var()}"
    d = ks_statistic(s, uniform_cdf(bound))
    assert math.sqrt(n) * d < KS_CRIT, f"{what}: KS D={d} over {n} draws"


def assert_standard_normal(sample: np.ndarray, what: str) -> None:
    s = np.asarray(sample, dtype=np.float64).ravel()
    n = s.size
    assert abs(s.mean()) < 5 / math.sqrt(n), f"{what}: mean {s.mean()}"
    assert abs(s.var() - 1) < 5 * math.sqrt(2 / n), f"{what}: variance {s.var()}"
    kurt = ((s - s.mean()) ** 4).mean() / s.var() ** 2
    assert abs(kurt - 3) < 5 * math.sqrt(24 / n), f"{what}: kurtosis {kurt}"
    # unbounded: tails reach past ±3.5 among tens of thousands of draws, never absurdly far
    assert s.min() < -3.5 and s.max() > 3.5 and np.abs(s).max() < 7, what
    d = ks_statistic(s, normal_cdf)
    assert math.sqrt(n) * d < KS_CRIT, f"{what}: KS D={d} over {n} draws"


def test_the_distribution_checks_have_power() -> None:
    """The helpers reject near misses, so a wrong bound or scale would be caught."""
    rng = np.random.default_rng(0)
    b = 0.2
    with pytest.raises(AssertionError):
        assert_uniform(rng.uniform(-0.95 * b, 0.95 * b, 30000), b, "narrow")
    with pytest.raises(AssertionError):  # right range, wrong shape (triangular)
        assert_uniform((rng.uniform(-b, b, 30000) + rng.uniform(-b, b, 30000)) / 2, b, "tri")
    with pytest.raises(AssertionError):
        assert_standard_normal(1.05 * rng.standard_normal(40000), "wide")
    with pytest.raises(AssertionError):  # unit variance, wrong shape
        assert_standard_normal(rng.uniform(-math.sqrt(3), math.sqrt(3), 40000), "uniform")
    assert_uniform(rng.uniform(-b, b, 30000), b, "control")
    assert_standard_normal(rng.standard_normal(40000), "control")


def test_linear_default_init_is_uniform_over_fan_in() -> None:
    tg.manual_seed(11)
    fan_in, fan_out = 30, 200  # distinct, so a bound from the wrong fan is caught
    layers = [nn.Linear(fan_in, fan_out) for _ in range(100)]
    bound = 1 / math.sqrt(fan_in)
    assert_uniform(
        np.concatenate([m.weight.detach().numpy().ravel() for m in layers[:5]]), bound, "weight"
    )
    assert_uniform(np.concatenate([m.bias.data for m in layers]), bound, "bias")
    assert not np.array_equal(layers[0].weight.data, layers[1].weight.data)


@pytest.mark.parametrize("cls", ["RNN", "RNNCell"])
def test_rnn_default_init_is_uniform_over_hidden_size(cls: str) -> None:
    tg.manual_seed(12)
    input_size, hidden = 7, 16  # bound 1/4 from hidden, 1/√7 would be wrong
    modules = [getattr(nn, cls)(input_size, hidden) for _ in range(150)]
    bound = 1 / math.sqrt(hidden)
    for name in [n for n, _ in modules[0].named_parameters()]:
        sample = np.concatenate(
            [dict(m.named_parameters())[name].detach().numpy().ravel() for m in modules]
        )
        assert_uniform(sample, bound, f"{cls}.{name}")


def test_embedding_default_init_is_standard_normal() -> None:
    tg.manual_seed(13)
    tables = [nn.Embedding(500, 40) for _ in range(2)]
    assert_standard_normal(
        np.concatenate([t.weight.detach().numpy().ravel() for t in tables]), "weight"
    )
    assert tables[0].weight.dtype == np.float32


# ---------------------------------------------------------------------- Sequential
def test_sequential_container_protocol() -> None:
    a, b, c = nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3
    assert list(seq) == [a, b, c]
    assert seq[0] is a and seq[2] is c and seq[-1] is c and seq[-3] is a
    with pytest.raises(IndexError):
        seq[3]
    with pytest.raises(IndexError):
        seq[-4]
    sliced = seq[1:]
    assert isinstance(sliced, nn.Sequential) and len(sliced) == 2
    assert sliced[0] is b and sliced[1] is c  # shares the modules, no copies
    assert list(seq[::2]) == [a, c]
    assert len(seq[5:]) == 0
    # the slice computes what the tail of the chain computes
    x = tg.randn(5, 4)
    np.testing.assert_array_equal(sliced(x).data, c(b(x)).data)
    d = nn.Tanh()
    assert seq.append(d) is seq
    assert len(seq) == 4 and seq[3] is d
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    x = tg.randn(5, 3)
    np.testing.assert_array_equal(seq(x).data, d(c(b(a(x)))).data)
    assert len(nn.Sequential()) == 0


def test_sequential_rejects_non_modules() -> None:
    with pytest.raises(TypeError, match="argument 1 is a int"):
        nn.Sequential(nn.ReLU(), 3)
    with pytest.raises(TypeError, match="function"):
        nn.Sequential(lambda x: x)
    with pytest.raises(TypeError, match="str"):
        nn.Sequential(nn.ReLU()).append("relu")


def test_structure_matches_fixture() -> None:
    got = TABLE.structure_of(TABLE.STRUCTURE_MODEL(nn))
    for what, names in got.items():
        if what.startswith("slice_"):
            continue  # see test_sequential_slice_keeps_torch_names
        assert names == [str(s) for s in FIX[f"structure/{what}"]], what


@pytest.mark.torch
def test_structure_matches_live_torch() -> None:
    pytest.importorskip("torch")
    got = TABLE.structure_of(TABLE.STRUCTURE_MODEL(nn))
    ref = TABLE.structure_reference()
    for what in got:
        if not what.startswith("slice_"):
            assert got[what] == ref[what], what


def test_sequential_slice_keeps_torch_names() -> None:
    got = TABLE.structure_of(TABLE.STRUCTURE_MODEL(nn))
    assert got["slice_children"] == [str(s) for s in FIX["structure/slice_children"]]
    assert got["slice_state_dict"] == [str(s) for s in FIX["structure/slice_state_dict"]]


# ---------------------------------------------------------------------- module system
def test_children_and_modules_of_nested_sequentials() -> None:
    inner = nn.Sequential(nn.Tanh(), nn.Dropout(0.1))
    mid = nn.Sequential(nn.Linear(4, 4), inner)
    top = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), mid, nn.Linear(4, 2))
    assert list(top.children()) == [top[0], mid, top[2]]
    assert [n for n, _ in mid.named_children()] == ["0", "1"]
    mods = dict(top.named_modules())
    assert mods[""] is top and mods["1.1"] is inner and mods["1.1.1"] is inner[1]
    assert list(top.modules()) == list(mods.values())
    assert len(mods) == 10
    # a module reachable twice is listed once, under its first name
    top.append(inner)
    assert len(list(top.modules())) == 10
    assert [n for n, m in top.named_modules() if m is inner] == ["1.1"]


def test_train_and_eval_flip_training_recursively() -> None:
    model = TABLE.STRUCTURE_MODEL(nn)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    assert model.train() is model
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not any(m.training for m in model.modules())
    model.train()
    model[1].eval()  # only that subtree
    flags = {n: m.training for n, m in model.named_modules()}
    assert flags == {n: not (n == "1" or n.startswith("1.")) for n in flags}


def test_requires_grad_false_freezes_parameters() -> None:
    tg.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    x = tg.randn(4, 3, dtype=tg.float64, requires_grad=True)
    model.double()
    model(x).sum().backward()
    assert all(p.grad is None for p in model.parameters())
    assert x.grad is not None and np.abs(x.grad.detach().numpy()).sum() > 0  # input still gets one
    # unfreeze only the last layer: only it gets gradients
    model[2].requires_grad_(True)
    model(x).sum().backward()
    assert model[0].weight.grad is None and model[0].bias.grad is None
    assert model[2].weight.grad is not None and model[2].bias.grad is not None
    # an optimizer leaves frozen parameters exactly where they were
    before = model[0].weight.detach().numpy().copy()
    opt = optim.SGD(model.parameters(), lr=0.1)
    opt.step()
    np.testing.assert_array_equal(model[0].weight.data, before)


def test_apply_visits_children_first_then_self() -> None:
    model = TABLE.STRUCTURE_MODEL(nn)
    seen: list[nn.Module] = []
    assert model.apply(seen.append) is model
    order = [n for m in seen for n, mm in model.named_modules() if mm is m]
    # post-order: every module after all of its descendants, siblings in order
    assert order == ["0.0", "0.1", "0", "1.0", "1.1.0", "1.1.1", "1.1", "1", "2", ""]
    # the usual use: re-initialise every Linear
    model.apply(lambda m: isinstance(m, nn.Linear) and m.weight.data.fill_(0.5))
    assert all(
        np.all(m.weight.detach().numpy() == 0.5)
        for m in model.modules()
        if isinstance(m, nn.Linear)
    )


# ---------------------------------------------------------------------- repr
REPR_CASES = [pytest.param(name, id=name) for name in TABLE.REPR_CASES]


@pytest.mark.parametrize("name", REPR_CASES)
def test_repr_matches_torch_fixture(name: str) -> None:
    assert repr(TABLE.REPR_CASES[name](nn)) == str(FIX[f"repr/{name}"])


@pytest.mark.torch
@pytest.mark.parametrize("name", REPR_CASES)
def test_repr_matches_live_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    assert repr(TABLE.REPR_CASES[name](nn)) == repr(TABLE.REPR_CASES[name](torch.nn))


# ---------------------------------------------------------------------- error cases
def test_linear_wrong_input_width_names_shapes() -> None:
    layer = nn.Linear(4, 3)
    with pytest.raises(ValueError) as info:
        layer(tg.randn(2, 5))
    assert "(2, 5)" in str(info.value) and "(3, 4)" in str(info.value)
    with pytest.raises(ValueError, match=r"\(\)"):
        layer(tg.tensor(1.0))


def test_rnncell_wrong_shapes_name_them() -> None:
    cell = nn.RNNCell(4, 8)
    with pytest.raises(ValueError) as info:
        cell(tg.randn(2, 5))
    assert "(2, 5)" in str(info.value) and "4" in str(info.value)
    with pytest.raises(ValueError, match=r"\(2, 3, 4\)"):
        cell(tg.randn(2, 3, 4))
    with pytest.raises(RuntimeError) as info:  # PyTorch raises RuntimeError here too
        cell(tg.randn(2, 4), tg.randn(2, 7))
    assert "(2, 7)" in str(info.value) and "(2, 4)" in str(info.value)
    with pytest.raises(RuntimeError, match=r"\(8,\)"):
        cell(tg.randn(2, 4), tg.randn(8))  # unbatched hx for a batched input


def test_rnn_wrong_shapes_name_them() -> None:
    rnn = nn.RNN(4, 8)
    with pytest.raises(ValueError) as info:
        rnn(tg.randn(5, 2, 3))
    assert "(5, 2, 3)" in str(info.value) and "4" in str(info.value)
    with pytest.raises(ValueError, match=r"\(5,\)"):
        rnn(tg.randn(5))
    with pytest.raises(RuntimeError) as info:  # PyTorch raises RuntimeError here too
        rnn(tg.randn(5, 2, 4), tg.randn(1, 3, 8))
    assert "(1, 3, 8)" in str(info.value) and "(1, 2, 8)" in str(info.value)
    with pytest.raises(RuntimeError, match=r"\(2, 8\)"):
        rnn(tg.randn(5, 2, 4), tg.randn(2, 8))  # h0 without its layer dim
    # batch_first: h0 still (1, N, H), with N taken from dim 0
    with pytest.raises(RuntimeError, match=r"\(1, 5, 8\)"):
        nn.RNN(4, 8, batch_first=True)(tg.randn(2, 5, 4), tg.randn(1, 5, 8))


def test_rnn_constructor_errors() -> None:
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="num_layers"):
        nn.RNN(3, 4, num_layers=0)
    with pytest.raises(ValueError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="dropout"):
        nn.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size"):
        nn.RNNCell(3, 0)


def test_rnn_output_is_the_sequence_of_cell_states() -> None:
    """RNN = RNNCell unrolled: the two modules agree given the same weights (no torch)."""
    tg.manual_seed(9)
    rnn, cell = nn.RNN(3, 5, batch_first=True).double(), nn.RNNCell(3, 5).double()
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in rnn.state_dict().items()})
    x = tg.randn(2, 4, 3, dtype=tg.float64)
    out, h_n = rnn(x)
    h = None
    for t in range(4):
        h = cell(x[:, t], h)
        np.testing.assert_array_equal(out.data[:, t], h.data)
    np.testing.assert_array_equal(h_n.data[0], h.data)


def test_calling_a_module_runs_its_class_forward_directly():
    class Double(nn.Module):
        def forward(self, x, *, scale=2.0):
            return x * scale

    class Triple(Double):  # a subclass that inherits forward
        pass

    class Logged(Double):  # a subclass with its own __call__ keeps it
        def __call__(self, x):
            return ("called", super().__call__(x))

    x = tg.tensor([1.0, 2.0])
    np.testing.assert_array_equal(Double()(x).data, [2.0, 4.0])
    np.testing.assert_array_equal(Double()(x, scale=3.0).data, [3.0, 6.0])  # keywords pass
    np.testing.assert_array_equal(Triple()(x).data, [2.0, 4.0])
    tag, out = Logged()(x)
    assert tag == "called"
    np.testing.assert_array_equal(out.data, [2.0, 4.0])
    with pytest.raises(NotImplementedError, match="has no forward"):
        nn.Module()(x)


def test_a_static_or_class_method_forward_is_called_as_in_pytorch():
    """A forward written as a staticmethod (or classmethod) gets no ``self`` twice."""

    class Product(nn.Module):
        @staticmethod
        def forward(a, b, c):
            return a * b * c

    class Named(nn.Module):
        @classmethod
        def forward(cls, x):
            return cls.__name__, x

    np.testing.assert_array_equal(Product()(tg.tensor(2.0), 3.0, 4.0).data, 24.0)
    assert Named()(1) == ("Named", 1)
