"""What PyTorch programs use of ``torch.nn`` beyond layers and losses: the activations
LeakyReLU, ELU, GELU, SiLU, Softplus, LogSoftmax; the containers ModuleList, ModuleDict
and Sequential's full protocol; buffers, ``state_dict`` compatibility, ``get_submodule``
and ``Module.to``; ``nn.init``; ``nn.utils``' gradient clipping and parameter vectors.

The activations' values and gradients against PyTorch are in the module table of
``tests/fixtures/make_nn_fixtures.py`` (run by ``tests/test_nn_modules.py``, with a model
made of ModuleList, ModuleDict, a named Sequential and buffers); here they are checked
against numpy transcriptions and central differences.  PyTorch's reference values used
here are in ``nn_torch.npz`` (containers/, buffers/, fans/, gains, clip/); the tests
marked ``torch`` compare with a live PyTorch as well.  ``erf``/``erfc`` (numpy has none)
are checked against ``math`` and, when importable, mpmath at 40 digits.
"""

from __future__ import annotations

import importlib.util
import math
import re
import warnings
from collections import OrderedDict

import fixture_util
import numpy as np
import pytest
from gradcheck_util import check_grads

import tinygrad_rms as tg
from tinygrad_rms import nn, optim
from tinygrad_rms.nn import functional as F
from tinygrad_rms.nn import init
from tinygrad_rms.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)
from tinygrad_rms.ops.nn import erf, erfc

TABLE = fixture_util.generator("make_nn_fixtures")
FIX = fixture_util.arrays("nn_torch.npz")
HAS_MPMATH = importlib.util.find_spec("mpmath") is not None


def strs(key: str) -> list[str]:
    return [str(s) for s in FIX[key]]


# ---------------------------------------------------------------------- erf, erfc
def _ulps(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    spacing = np.array([math.ulp(float(v)) for v in exact])
    return np.abs(got - exact) / spacing


def test_erf_and_erfc_against_math_within_a_few_ulps() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.uniform(-1.2, 1.2, 4000),
            rng.uniform(-7, 7, 4000),
            rng.uniform(-30, 30, 2000),
            [0.0, 1.0, -1.0, 1 - 1e-16, 1 + 2e-16, 0.25, 0.5, 2.0, 4.0, 6.0, 26.0, 1e-300],
        ]
    )
    got_erf, got_erfc = erf(x), erfc(x)
    assert got_erf.dtype == got_erfc.dtype == np.float64
    ref_erf = np.array([math.erf(v) for v in x])
    ref_erfc = np.array([math.erfc(v) for v in x])
    # math's own are within ~1 ulp; ours within a few of them
    assert _ulps(got_erf, ref_erf).max() <= 3
    tiny = ref_erfc > 1e-300  # subnormal erfc has no meaningful ulp count
    assert _ulps(got_erfc[tiny], ref_erfc[tiny]).max() <= 8
    np.testing.assert_allclose(got_erfc[~tiny], ref_erfc[~tiny], atol=1e-300)


@pytest.mark.skipif(not HAS_MPMATH, reason="mpmath is not installed")
def test_erfc_far_in_the_tail_against_mpmath() -> None:
    import mpmath

    mpmath.mp.dps = 40
    x = np.concatenate([np.linspace(1.0, 26.5, 400), -np.linspace(0.0, 6.0, 100)])
    exact = np.array([float(mpmath.erfc(mpmath.mpf(float(v)))) for v in x])
    assert _ulps(erfc(x), exact).max() <= 6
    exact_erf = np.array([float(mpmath.erf(mpmath.mpf(float(v)))) for v in x])
    assert _ulps(erf(x), exact_erf).max() <= 3


def test_erf_special_values_and_symmetry() -> None:
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 40.0, -40.0])
    np.testing.assert_array_equal(erf(special), [0.0, -0.0, 1.0, -1.0, np.nan, 1.0, -1.0])
    assert np.signbit(erf(np.array([-0.0]))[0])
    np.testing.assert_array_equal(erfc(special), [1.0, 1.0, 0.0, 2.0, np.nan, 0.0, 2.0])
    x = np.random.default_rng(1).uniform(-8, 8, 1000)
    np.testing.assert_array_equal(erf(-x), -erf(x))
    np.testing.assert_allclose(erf(x) + erfc(x), 1.0, rtol=0, atol=4e-16)
    assert np.all(np.diff(erf(np.linspace(-6, 6, 20001))) >= 0)  # monotone, pieces joined


# ---------------------------------------------------------------------- activations
_SQRT_2PI = math.sqrt(2 * math.pi)


def _gelu_numpy(x: np.ndarray) -> np.ndarray:
    """x·½erfc(−x/√2); the argument as x·√½ (one rounding differs from x/√2, and erfc(a)
    moves by 2a² times that: 1e-14 relative in the far tail)."""
    return np.array([v * 0.5 * math.erfc(-v * math.sqrt(0.5)) for v in x.ravel()]).reshape(x.shape)


def _gelu_tanh_numpy(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


ACTIVATIONS = [
    ("leaky_relu", lambda x: F.leaky_relu(x), lambda x: np.where(x > 0, x, 0.01 * x)),
    ("leaky_relu_0.2", lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    ("elu", lambda x: F.elu(x), lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    (
        "elu_alpha",
        lambda x: F.elu(x, alpha=0.7),
        lambda x: np.where(x > 0, x, 0.7 * np.expm1(np.minimum(x, 0))),
    ),
    ("gelu", lambda x: F.gelu(x), _gelu_numpy),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), _gelu_tanh_numpy),
    ("silu", lambda x: F.silu(x), lambda x: x / (1 + np.exp(-x))),
    (
        "softplus",
        lambda x: F.softplus(x),
        lambda x: np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20)))),
    ),
    (
        "softplus_beta",
        lambda x: F.softplus(x, beta=2.0, threshold=3.0),
        lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(np.minimum(2 * x, 3))) / 2),
    ),
    (
        "log_softmax",
        lambda x: F.log_softmax(x, 1),
        lambda x: x - np.log(np.exp(x).sum(axis=1, keepdims=True)),
    ),
]
ACT_IDS = [a[0] for a in ACTIVATIONS]


@pytest.mark.parametrize(("name", "fn", "reference"), ACTIVATIONS, ids=ACT_IDS)
def test_activation_matches_numpy_transcription(name, fn, reference) -> None:
    x = np.random.default_rng(2).standard_normal((6, 7)) * 4
    x[0, :3] = [0.0, -0.0, 1e-8]
    np.testing.assert_allclose(fn(tg.tensor(x)).data, reference(x), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize(("name", "fn", "reference"), ACTIVATIONS, ids=ACT_IDS)
def test_activation_gradient_matches_central_differences(name, fn, reference) -> None:
    x = np.random.default_rng(3).standard_normal((4, 5)) * 3
    x[np.abs(x) < 1e-3] = 0.5  # away from the kinks
    if name == "softplus_beta":
        x[np.abs(2 * x - 3) < 1e-3] = 0.5
    check_grads(fn, x)


@pytest.mark.parametrize(("name", "fn", "reference"), ACTIVATIONS, ids=ACT_IDS)
def test_activation_keeps_float32(name, fn, reference) -> None:
    x = tg.randn(3, 4, requires_grad=True)
    out = fn(x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_allclose(
        out.data, reference(x.detach().numpy().astype(np.float64)), rtol=3e-6, atol=1e-6
    )


def test_activation_derivatives_at_the_kink_are_pytorchs() -> None:
    x = tg.tensor(np.array([0.0, -0.0]), requires_grad=True)
    F.leaky_relu(x, 0.3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.3, 0.3])
    x = tg.tensor(np.array([0.0]), requires_grad=True)
    F.elu(x, alpha=1.5).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.5])
    x = tg.tensor(np.array([0.0]), requires_grad=True)
    F.gelu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.5])


def test_activation_tails_are_finite_and_exact() -> None:
    x = tg.tensor(np.array([-800.0, -40.0, 40.0, 800.0]), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # (underflow is fine)
        for fn in (F.silu, F.softplus, F.elu, F.gelu, lambda t: F.gelu(t, approximate="tanh")):
            out = fn(x)
            (g,) = tg.autograd.grad(out.sum(), [x])
            assert np.all(np.isfinite(out.detach().numpy())) and np.all(
                np.isfinite(g.detach().numpy())
            )
    np.testing.assert_array_equal(F.softplus(x).data[2:], [40.0, 800.0])
    np.testing.assert_array_equal(F.silu(x).data[2:], [40.0, 800.0])
    # GELU keeps the tiny values PyTorch's 1 + erf rounds to 0: x·Φ(x) at −10
    phi = 0.5 * math.erfc(10 / math.sqrt(2))
    np.testing.assert_allclose(F.gelu(tg.tensor([-10.0], dtype=tg.float64)).item(), -10 * phi)


ACT_NODES = [
    (lambda x: F.leaky_relu(x), "LeakyReluBackward0"),
    (lambda x: F.elu(x), "EluBackward0"),
    (lambda x: F.gelu(x), "GeluBackward0"),
    (lambda x: F.gelu(x, approximate="tanh"), "GeluBackward0"),
    (lambda x: F.silu(x), "SiluBackward0"),
    (lambda x: F.softplus(x), "SoftplusBackward0"),
    (lambda x: F.log_softmax(x, 0), "LogSoftmaxBackward0"),
]


@pytest.mark.parametrize(("fn", "name"), ACT_NODES, ids=[n for _, n in ACT_NODES])
def test_activation_is_one_node_with_pytorchs_name(fn, name) -> None:
    x = tg.randn(3, requires_grad=True)
    out = fn(x)
    assert out.grad_fn.name() == name
    assert type(out.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"


@pytest.mark.torch
def test_activations_match_live_torch_on_a_wide_range() -> None:
    torch = pytest.importorskip("torch")
    x_np = np.concatenate([np.linspace(-40, 40, 801), [-1e-300, 0.0, 1e-300]])
    pairs = [
        (F.leaky_relu, torch.nn.functional.leaky_relu, {}),
        (F.elu, torch.nn.functional.elu, {"alpha": 0.3}),
        (F.gelu, torch.nn.functional.gelu, {}),
        (F.gelu, torch.nn.functional.gelu, {"approximate": "tanh"}),
        (F.silu, torch.nn.functional.silu, {}),
        (F.softplus, torch.nn.functional.softplus, {"beta": 0.5, "threshold": 4.0}),
    ]
    for ours, theirs, kwargs in pairs:
        x = tg.tensor(x_np, requires_grad=True)
        xt = torch.tensor(x_np, requires_grad=True)
        out, out_t = ours(x, **kwargs), theirs(xt, **kwargs)
        out.sum().backward()
        out_t.sum().backward()
        what = f"{theirs.__name__}{kwargs}"
        # absolute: PyTorch's GELU rounds 1 + erf(x/√2) to 0 for x ≪ 0, ours keeps it
        np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(
            x.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-14, err_msg=what
        )


def test_modules_call_their_functional_forms_and_print_as_pytorch() -> None:
    x = tg.randn(3, 4)
    pairs = [
        (nn.LeakyReLU(0.2), F.leaky_relu(x, 0.2), "LeakyReLU(negative_slope=0.2)"),
        (nn.ELU(0.5, inplace=True), F.elu(x, 0.5), "ELU(alpha=0.5, inplace=True)"),
        (nn.GELU("tanh"), F.gelu(x, "tanh"), "GELU(approximate='tanh')"),
        (nn.SiLU(), F.silu(x), "SiLU()"),
        (nn.Softplus(2, 5), F.softplus(x, 2, 5), "Softplus(beta=2, threshold=5)"),
        (nn.LogSoftmax(dim=1), F.log_softmax(x, 1), "LogSoftmax(dim=1)"),
        (nn.ReLU(inplace=True), F.relu(x), "ReLU(inplace=True)"),
    ]
    for module, expected, text in pairs:
        np.testing.assert_array_equal(module(x).data, expected.data)
        assert repr(module) == text


def test_inplace_flag_computes_out_of_place() -> None:
    x = tg.randn(5, requires_grad=True)
    before = x.detach().numpy().copy()
    out = nn.LeakyReLU(inplace=True)(x)
    np.testing.assert_array_equal(x.data, before)  # documented: the input is left as is
    out.sum().backward()
    assert x.grad is not None


def test_implicit_softmax_dim_warns_and_picks_pytorchs() -> None:
    for shape, dim in [((4,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)]:
        x = tg.randn(*shape)
        with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
            got = nn.LogSoftmax()(x)
        np.testing.assert_array_equal(got.data, F.log_softmax(x, dim).data)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            got = F.softmax(x)
        np.testing.assert_array_equal(got.data, F.softmax(x, dim).data)


def test_softmax_dtype_argument_converts_first() -> None:
    x = tg.randn(2, 3)
    out = F.log_softmax(x, 1, dtype=tg.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, F.log_softmax(x.double(), 1).data, rtol=1e-15)


def test_activation_errors() -> None:
    with pytest.raises(RuntimeError, match="'none' or 'tanh'"):
        nn.GELU("exact")
    with pytest.raises(RuntimeError, match="'none' or 'tanh'"):
        F.gelu(tg.randn(2), approximate="erf")
    for fn in (F.leaky_relu, F.elu, F.gelu, F.silu, F.softplus):
        with pytest.raises(TypeError, match="floating point"):
            fn(tg.tensor([1, 2]))
        with pytest.raises(TypeError, match="Tensor"):
            fn(np.zeros(2))
    with pytest.raises(TypeError, match="negative_slope must be a number"):
        F.leaky_relu(tg.randn(2), "0.1")


# ---------------------------------------------------------------------- containers
def test_module_list_protocol() -> None:
    a, b, c, d = nn.Linear(2, 2), nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    ml = nn.ModuleList([a, b])
    assert len(ml) == 2 and list(ml) == [a, b] and ml[0] is a and ml[-1] is b
    assert ml.append(c) is ml and ml[2] is c
    assert ml.extend([d]) is ml and len(ml) == 4
    part = ml[1:3]
    assert isinstance(part, nn.ModuleList) and list(part) == [b, c]
    assert [n for n, _ in part.named_children()] == ["0", "1"]  # a slice is numbered anew
    ml[1] = nn.ELU()
    assert isinstance(ml[1], nn.ELU) and ml._modules["1"] is ml[1]
    del ml[1]
    assert list(ml) == [a, c, d] and [n for n, _ in ml.named_children()] == ["0", "1", "2"]
    ml.insert(1, b)
    ml.insert(-1, nn.GELU())  # PyTorch's insert fails on a negative index; this one is list's
    assert [type(m).__name__ for m in ml] == ["Linear", "ReLU", "Tanh", "GELU", "Sigmoid"]
    assert ml.pop(0) is a and len(ml) == 4
    ml += [nn.SiLU()]
    both = ml + nn.ModuleList([a])
    assert isinstance(both, nn.ModuleList) and len(both) == 6 and both[5] is a
    assert getattr(ml, "0") is ml[0]  # children are attributes too, as in PyTorch
    # the parameters of the modules in the list are the container's
    assert [n for n, _ in nn.ModuleList([nn.Linear(1, 1)] * 2).named_parameters()] == [
        "0.weight",
        "0.bias",
    ]
    with pytest.raises(NotImplementedError):
        ml(tg.randn(2))


def test_module_list_errors() -> None:
    ml = nn.ModuleList([nn.ReLU()])
    with pytest.raises(IndexError, match="out of range"):
        ml[1]
    with pytest.raises(IndexError, match="out of range"):
        ml[-2] = nn.ReLU()
    with pytest.raises(TypeError, match="not a Module subclass"):
        ml.append(3)
    with pytest.raises(TypeError, match="not a Module subclass"):
        nn.ModuleList([nn.ReLU(), "relu"])
    with pytest.raises(TypeError, match="should be called with an iterable, but got int"):
        ml.extend(3)
    with pytest.raises(TypeError, match="not a Module subclass"):
        ml[0] = lambda x: x


def test_module_dict_protocol() -> None:
    a, b, c = nn.ReLU(), nn.Linear(1, 2), nn.Tanh()
    md = nn.ModuleDict({"b": a, "a": b})
    assert list(md) == ["b", "a"] and list(md.keys()) == ["b", "a"]  # insertion order
    assert md["a"] is b and "a" in md and "z" not in md and len(md) == 2
    assert list(md.values()) == [a, b] and list(md.items()) == [("b", a), ("a", b)]
    md["c"] = c
    md.update({"b": nn.SiLU()})
    md.update([("d", nn.GELU())])
    md.update(nn.ModuleDict({"e": nn.ELU()}))
    assert list(md) == ["b", "a", "c", "d", "e"] and isinstance(md["b"], nn.SiLU)
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    assert md.pop("c") is c and "c" not in md and not hasattr(md, "c")
    del md["d"]
    assert list(md) == ["b", "a", "e"]
    md.clear()
    assert len(md) == 0 and list(md.parameters()) == [] and not hasattr(md, "a")


def test_module_dict_errors() -> None:
    md = nn.ModuleDict()
    with pytest.raises(KeyError):
        md["missing"]
    with pytest.raises(KeyError, match="attribute 'train' already exists"):
        md["train"] = nn.ReLU()
    with pytest.raises(KeyError, match="contain"):
        nn.ModuleDict({"a.b": nn.ReLU()})
    with pytest.raises(KeyError, match="empty string"):
        md[""] = nn.ReLU()
    with pytest.raises(TypeError, match="not a Module subclass"):
        md["x"] = 3
    with pytest.raises(ValueError, match="element #0 has length 3; 2 is required"):
        nn.ModuleDict([("a", nn.ReLU(), 3)])
    with pytest.raises(TypeError, match="iterable of key/value pairs, but got int"):
        nn.ModuleDict(3)
    with pytest.raises(KeyError):
        del md["missing"]


def test_sequential_from_ordered_dict_and_edits() -> None:
    fc, act, out = nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2)
    seq = nn.Sequential(OrderedDict([("fc", fc), ("act", act), ("out", out)]))
    assert [n for n, _ in seq.named_children()] == ["fc", "act", "out"]
    assert seq.fc is fc and seq[1] is act and seq[-1] is out and len(seq) == 3
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias", "out.weight", "out.bias"]
    x = tg.randn(5, 3)
    np.testing.assert_array_equal(seq(x).data, out(act(fc(x))).data)
    assert [n for n, _ in seq[1:].named_children()] == ["act", "out"]  # names kept
    seq[1] = nn.Tanh()
    assert isinstance(seq.act, nn.Tanh)
    both = seq + nn.Sequential(nn.ReLU())
    assert len(both) == 4 and [n for n, _ in both.named_children()] == ["0", "1", "2", "3"]
    seq += nn.Sequential(nn.ReLU())
    assert len(seq) == 4
    with pytest.raises(TypeError, match="'act'"):
        nn.Sequential(OrderedDict([("act", "relu")]))
    with pytest.raises(IndexError, match="out of range"):
        seq.insert(9, nn.ReLU())
    with pytest.raises(ValueError, match="only objects of Sequential"):
        seq + nn.ModuleList()


def test_container_structure_matches_fixture() -> None:
    got = TABLE.container_structure(nn)
    for what, names in got.items():
        assert names == strs(f"containers/{what}"), what


@pytest.mark.torch
def test_container_structure_matches_live_torch() -> None:
    torch = pytest.importorskip("torch")
    assert TABLE.container_structure(nn) == TABLE.container_structure(torch.nn)


def test_an_optimizer_trains_what_a_module_list_holds() -> None:
    tg.manual_seed(0)
    model = TABLE.CONTAINER_MODEL(nn)
    params = list(model.parameters())
    assert len(params) == 8  # 3 Linear in the list, 1 in the head; the buffers are not
    before = [p.detach().numpy().copy() for p in params]
    opt = optim.SGD(model.parameters(), lr=0.1)
    out = model(tg.randn(6, 4))
    (out * out).sum().backward()
    opt.step()
    assert all(not np.array_equal(b, p.data) for b, p in zip(before, params, strict=True))


# ---------------------------------------------------------------------- buffers
class _WithBuffers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.register_buffer("running", tg.zeros(2))
        self.register_buffer("count", tg.tensor(0))
        self.register_buffer("scratch", tg.ones(2), persistent=False)
        self.register_buffer("absent", None)


def test_buffers_are_named_saved_and_loaded() -> None:
    m = _WithBuffers()
    assert [n for n, _ in m.named_buffers()] == ["running", "count", "scratch"]
    assert list(m.buffers()) == [m.running, m.count, m.scratch]
    assert [n for n, _ in m.named_parameters()] == ["fc.weight", "fc.bias"]
    # persistent buffers after the module's own parameters (none here), before children
    assert list(m.state_dict()) == ["running", "count", "fc.weight", "fc.bias"]
    assert not m.running.requires_grad
    state = {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}
    state["running"][:] = [1.5, -2.0]
    state["count"] = np.array(7)
    running = m.running
    assert m.load_state_dict(state) == ([], [])
    assert m.running is running  # copied into, not replaced
    np.testing.assert_array_equal(m.running.data, [1.5, -2.0])
    assert m.count.item() == 7
    with pytest.raises(RuntimeError, match=r'Missing key.*"running"'):
        m.load_state_dict({k: v for k, v in state.items() if k != "running"})
    with pytest.raises(RuntimeError, match=r'Unexpected key.*"scratch"'):
        m.load_state_dict({**state, "scratch": np.ones(2, np.float32)})
    with pytest.raises(RuntimeError, match="size mismatch"):
        m.load_state_dict({**state, "count": np.zeros(3, np.int64)})


def test_buffers_by_attribute_and_replacement() -> None:
    m = _WithBuffers()
    m.running = tg.full((2,), 3.0)  # assigning a Tensor to a buffer's name updates it
    assert dict(m.named_buffers())["running"] is m.running
    m.running = None
    assert "running" not in dict(m.named_buffers()) and "running" not in m.state_dict()
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'count'"):
        m.count = 3
    m.count = nn.Parameter(tg.zeros(1))  # a Parameter takes the name over, as in PyTorch
    assert "count" in dict(m.named_parameters()) and "count" not in dict(m.named_buffers())
    del m.scratch
    assert "scratch" not in dict(m.named_buffers()) and not hasattr(m, "scratch")


def test_register_buffer_errors_are_pytorchs() -> None:
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=re.escape("buffer name should be a string. Got int")):
        m.register_buffer(3, tg.zeros(1))
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", tg.zeros(1))
    with pytest.raises(KeyError, match="empty string"):
        m.register_buffer("", tg.zeros(1))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", tg.zeros(1))
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        m.register_buffer("training", tg.zeros(1))
    with pytest.raises(TypeError, match="cannot assign 'ndarray' object to buffer 'x'"):
        m.register_buffer("x", np.zeros(1))
    m.register_buffer("x", tg.zeros(1))
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_parameter("x", nn.Parameter(tg.zeros(1)))
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.add_module("x", nn.ReLU())

    class Early(nn.Module):
        def __init__(self) -> None:
            self.register_buffer("b", tg.zeros(1))

    with pytest.raises(AttributeError, match=re.escape("before Module.__init__")):
        Early()


def test_to_converts_float_buffers_and_keeps_integer_ones() -> None:
    m = _WithBuffers()
    assert m.to(tg.float64) is m
    assert m.running.dtype == m.scratch.dtype == np.float64 and m.fc.weight.dtype == np.float64
    assert m.count.dtype == np.int64
    m.float()
    assert m.running.dtype == np.float32 and m.count.dtype == np.int64


def test_buffer_model_state_dict_keys_and_values_are_pytorchs() -> None:
    """PyTorch's state_dict of BUFFER_MODEL (buffers at two levels, a non-persistent one,
    a None one, a weight tied across two modules) loads into ours under the same keys,
    and ours gives back the same dict."""
    model = TABLE.BUFFER_MODEL(nn)
    keys = strs("buffers/keys")
    assert list(model.state_dict()) == keys
    assert [n for n, _ in model.named_buffers()] == strs("buffers/named_buffers")
    assert [n for n, _ in model.named_parameters()] == strs("buffers/named_parameters")
    state = {k: FIX[f"buffers/value/{k}"] for k in keys}
    assert model.load_state_dict(state) == ([], [])
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.data, state[k])
        assert v.dtype == state[k].dtype
    assert model.decoder.weight is model.encoder.fc.weight


@pytest.mark.torch
def test_a_torch_model_with_buffers_loads_here_and_back() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    theirs = TABLE.BUFFER_MODEL(torch.nn)
    with torch.no_grad():
        theirs.encoder.running_mean.uniform_()
        theirs.encoder.num_batches_tracked.fill_(11)
    ours = TABLE.BUFFER_MODEL(nn)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    back = TABLE.BUFFER_MODEL(torch.nn)
    result = back.load_state_dict(
        {k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()}
    )
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    for (k, a), (k2, b) in zip(theirs.state_dict().items(), back.state_dict().items(), strict=True):
        assert k == k2 and torch.equal(a, b)


# ---------------------------------------------------------------------- Module.to, lookups
def test_module_to_accepts_pytorchs_forms() -> None:
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert m.to("cpu") is m and m.to(tg.device("cpu")) is m and m.cpu() is m
    assert m.to() is m and m[0].weight.dtype == np.float32
    m.to("cpu", tg.float64)
    assert m[0].weight.dtype == np.float64
    m.to(device="cpu", dtype=tg.float32, non_blocking=True)
    assert m[0].weight.dtype == np.float32
    m.to(tg.zeros(1, dtype=tg.float64))
    assert m[0].weight.dtype == np.float64
    m.to("float32")
    assert m[0].bias.dtype == np.float32
    w = m[0].weight
    m.double()
    assert m[0].weight is w  # the Parameters stay the same objects


@pytest.mark.parametrize("where", ["cuda", "cuda:0", "mps"])
def test_module_to_a_gpu_is_a_clear_error(where) -> None:
    m = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to(where)
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to(where, tg.float64)
    assert m.weight.dtype == np.float32  # nothing changed
    with pytest.raises(RuntimeError, match="CPU only"):
        m.cuda()


def test_module_to_refuses_non_float_dtypes() -> None:
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="only accepts floating point"):
        m.to(tg.int64)
    with pytest.raises(TypeError, match="float32 or float64"):
        m.to(np.float16)
    with pytest.raises(TypeError, match="unexpected keyword"):
        m.to(dtype=tg.float64, copy=True)


def test_get_submodule_parameter_buffer() -> None:
    model = nn.Sequential(
        OrderedDict([("enc", nn.Sequential(nn.Linear(2, 2))), ("act", nn.ReLU())])
    )
    model.enc.register_buffer("stat", tg.zeros(2))
    assert model.get_submodule("") is model
    assert model.get_submodule("enc.0") is model.enc[0]
    assert model.get_parameter("enc.0.weight") is model.enc[0].weight
    assert model.get_buffer("enc.stat") is model.enc.stat
    with pytest.raises(AttributeError, match=re.escape("Sequential has no attribute `1`")):
        model.get_submodule("enc.1")
    with pytest.raises(AttributeError, match=re.escape("`weight` is not an nn.Module")):
        model.get_submodule("enc.0.weight")
    with pytest.raises(AttributeError, match=re.escape("`0` is not an nn.Parameter")):
        model.get_parameter("enc.0")
    with pytest.raises(AttributeError, match=re.escape("ReLU has no attribute `weight`")):
        model.get_parameter("act.weight")
    with pytest.raises(AttributeError, match=re.escape("`0` is not a buffer")):
        model.get_buffer("enc.0")


def test_state_dict_options_and_shared_modules_as_pytorch() -> None:
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    # a module reachable twice: once in named_modules/parameters, twice in state_dict
    assert [n for n, _ in model.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.named_parameters(remove_duplicate=False))) == 4
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(model.state_dict(prefix="net.")) == [
        "net.0.weight",
        "net.0.bias",
        "net.2.weight",
        "net.2.bias",
    ]
    assert model.state_dict(keep_vars=True)["0.weight"] is shared.weight
    assert model.state_dict()["0.weight"] is not shared.weight
    target: dict = {}
    assert model.state_dict(destination=target) is target and len(target) == 4
    assert [n for n, _ in model.named_children()] == ["0", "1"]
    # loading: PyTorch's dict (both names) loads; so does one naming the shared module once
    state = {k: v.data + 1 for k, v in model.state_dict().items()}
    assert model.load_state_dict(state) == ([], [])
    np.testing.assert_array_equal(shared.weight.data, state["2.weight"])
    once = {k: v + 1 for k, v in state.items() if k.startswith("0.")}
    assert model.load_state_dict(once) == ([], [])  # (PyTorch: "2.weight" missing)
    np.testing.assert_array_equal(shared.bias.data, once["0.bias"])
    with pytest.raises(RuntimeError, match=r'Missing key.*"2\.bias"'):
        model.load_state_dict({k: v for k, v in state.items() if k.endswith("weight")})


@pytest.mark.torch
def test_traversals_with_duplicates_match_live_torch() -> None:
    torch = pytest.importorskip("torch")

    def names(lib_nn):
        shared = lib_nn.Linear(2, 2)
        model = lib_nn.Sequential(shared, lib_nn.ReLU(), lib_nn.Sequential(shared))
        return {
            "modules": [n for n, _ in model.named_modules()],
            "modules_all": [n for n, _ in model.named_modules(remove_duplicate=False)],
            "params": [n for n, _ in model.named_parameters()],
            "params_all": [n for n, _ in model.named_parameters(remove_duplicate=False)],
            "state": list(model.state_dict()),
            "children": [n for n, _ in model.named_children()],
        }

    assert names(nn) == names(torch.nn)


def test_replacing_a_layer_keeps_its_place_as_in_pytorch() -> None:
    """``model.fc1 = nn.Linear(...)`` (fine-tuning's idiom) and re-tying a weight keep
    the entry where it was, so state_dict keys keep PyTorch's order."""
    model = nn.Sequential(OrderedDict([("fc1", nn.Linear(3, 4)), ("act", nn.ReLU())]))
    model.fc2 = nn.Linear(4, 2)
    model.fc1 = nn.Linear(3, 4, bias=False)
    assert [n for n, _ in model.named_children()] == ["fc1", "act", "fc2"]
    assert list(model.state_dict()) == ["fc1.weight", "fc2.weight", "fc2.bias"]
    model.fc2.weight = nn.Parameter(tg.zeros(2, 4))
    assert [n for n, _ in model.fc2.named_parameters()] == ["weight", "bias"]


def test_registration_name_errors_are_pytorchs() -> None:
    m = nn.Module()
    with pytest.raises(TypeError, match=re.escape("module name should be a string. Got int")):
        m.add_module(1, nn.ReLU())
    with pytest.raises(KeyError, match="contain"):
        m.register_module("a.b", nn.ReLU())
    with pytest.raises(KeyError, match=r"parameter name can.+ be empty"):
        m.register_parameter("", None)
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        m.add_module("forward", nn.ReLU())


# ---------------------------------------------------------------------- nn.init
def test_fans_match_pytorch() -> None:
    for i, shape in enumerate(TABLE.FAN_SHAPES):
        got = init._calculate_fan_in_and_fan_out(tg.zeros(*shape))
        assert list(got) == list(FIX[f"fans/{i}"]), shape
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(tg.zeros(3))


def test_gains_match_pytorch() -> None:
    got = [init.calculate_gain(name, param) for name, param in TABLE.GAINS]
    np.testing.assert_allclose(got, FIX["gains"], rtol=1e-15)
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


def _ks_uniform(s: np.ndarray, lo: float, hi: float) -> float:
    x = np.sort(s.ravel())
    n = x.size
    f = np.clip((x - lo) / (hi - lo), 0, 1)
    i = np.arange(1, n + 1)
    return math.sqrt(n) * max((i / n - f).max(), (f - (i - 1) / n).max())


def _ks_normal(s: np.ndarray, mean: float, std: float) -> float:
    x = np.sort(s.ravel())
    n = x.size
    f = 0.5 * erfc(-(x - mean) / (std * math.sqrt(2)))
    i = np.arange(1, n + 1)
    return math.sqrt(n) * max((i / n - f).max(), (f - (i - 1) / n).max())


KS_CRIT = 1.95  # exceeded with probability 0.001


def _assert_uniform(s: np.ndarray, bound: float) -> None:
    n = s.size
    assert s.min() >= -bound and s.max() <= bound
    assert s.min() < -bound * (1 - 20 / n) and s.max() > bound * (1 - 20 / n)
    assert abs(s.var() - bound**2 / 3) < 5 * bound**2 * math.sqrt(4 / 45 / n)
    assert _ks_uniform(s, -bound, bound) < KS_CRIT


def _assert_normal(s: np.ndarray, std: float) -> None:
    n = s.size
    assert abs(s.mean()) < 5 * std / math.sqrt(n)
    assert abs(s.var() / std**2 - 1) < 5 * math.sqrt(2 / n)
    assert _ks_normal(s, 0.0, std) < KS_CRIT


def test_distribution_checks_have_power() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(AssertionError):
        _assert_uniform(rng.uniform(-0.97, 0.97, 40000), 1.0)
    with pytest.raises(AssertionError):
        _assert_normal(rng.standard_normal(40000) * 1.04, 1.0)
    with pytest.raises(AssertionError):
        _assert_normal(rng.uniform(-math.sqrt(3), math.sqrt(3), 40000), 1.0)


@pytest.mark.parametrize(
    ("name", "fill", "shape", "bound"),
    [
        ("xavier_uniform", lambda t: init.xavier_uniform_(t), (200, 150), math.sqrt(6 / 350)),
        ("xavier_uniform_gain", lambda t: init.xavier_uniform_(t, gain=2.0), (20, 30, 5),
         2 * math.sqrt(6 / 250)),
        ("kaiming_uniform", lambda t: init.kaiming_uniform_(t), (300, 120),
         math.sqrt(3) * math.sqrt(2) / math.sqrt(120)),  # a = 0: leaky_relu's gain is √2
        ("kaiming_uniform_a_sqrt5", lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), (300, 120),
         1 / math.sqrt(120)),  # PyTorch's Linear default
        ("kaiming_uniform_relu_fan_out",
         lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), (40, 200, 3),
         math.sqrt(3) * math.sqrt(2) / math.sqrt(120)),
        ("uniform", lambda t: init.uniform_(t, -0.3, 0.3), (200, 200), 0.3),
    ],
)  # fmt: skip
def test_uniform_initialisations_have_pytorchs_bounds(name, fill, shape, bound) -> None:
    tg.manual_seed(21)
    t = tg.zeros(*shape)
    assert fill(t) is t
    _assert_uniform(t.detach().numpy().astype(np.float64), bound)


@pytest.mark.parametrize(
    ("name", "fill", "shape", "std"),
    [
        ("xavier_normal", lambda t: init.xavier_normal_(t, gain=0.5), (200, 150),
         0.5 * math.sqrt(2 / 350)),
        ("kaiming_normal", lambda t: init.kaiming_normal_(t, nonlinearity="relu"), (300, 120),
         math.sqrt(2) / math.sqrt(120)),
        ("kaiming_normal_tanh_fan_out",
         lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh"), (30, 200, 2),
         5 / 3 / math.sqrt(60)),
        ("normal", lambda t: init.normal_(t, std=0.02), (200, 200), 0.02),
    ],
)  # fmt: skip
def test_normal_initialisations_have_pytorchs_std(name, fill, shape, std) -> None:
    tg.manual_seed(22)
    t = tg.zeros(*shape, dtype=tg.float64)
    assert fill(t) is t
    _assert_normal(t.detach().numpy(), std)


def test_normal_mean_and_uniform_range() -> None:
    tg.manual_seed(23)
    t = init.normal_(tg.zeros(100000, dtype=tg.float64), mean=3.0, std=2.0)
    assert abs(t.data.mean() - 3.0) < 5 * 2 / math.sqrt(1e5)
    u = init.uniform_(tg.zeros(100000, dtype=tg.float64), 2.0, 5.0)
    assert u.data.min() >= 2.0 and u.data.max() < 5.0 and abs(u.data.mean() - 3.5) < 0.02


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (4, 3, 2)])
def test_orthogonal_is_orthogonal_times_gain(shape) -> None:
    tg.manual_seed(24)
    t = init.orthogonal_(tg.zeros(*shape, dtype=tg.float64), gain=1.5)
    q = t.data.reshape(shape[0], -1)
    gram = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(len(gram)), atol=1e-12)
    assert not np.allclose(init.orthogonal_(tg.zeros(*shape, dtype=tg.float64)).data, t.data / 1.5)


def test_init_fills_parameters_in_place_and_counts_the_change() -> None:
    layer = nn.Linear(4, 3)
    w = layer.weight
    version = w._version
    assert init.constant_(w, 0.25) is w and np.all(w.detach().numpy() == 0.25)
    assert w._version > version and w.requires_grad
    init.zeros_(layer.bias)
    init.ones_(w)
    assert np.all(layer.bias.detach().numpy() == 0) and np.all(w.detach().numpy() == 1)
    init.eye_(w)
    np.testing.assert_array_equal(w.data, np.eye(3, 4))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(layer.bias)
    # reproducible from manual_seed, or from a generator given
    tg.manual_seed(5)
    a = init.kaiming_uniform_(tg.zeros(5, 5)).detach().numpy().copy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(init.kaiming_uniform_(tg.zeros(5, 5)).data, a)
    g1 = init.normal_(tg.zeros(4), generator=np.random.default_rng(3)).data
    g2 = init.normal_(tg.zeros(4), generator=np.random.default_rng(3)).data
    np.testing.assert_array_equal(g1, g2)


def test_init_errors_and_no_ops() -> None:
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(tg.zeros(3, 4), mode="fan_avg")
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.kaiming_normal_(tg.zeros(3, 4), nonlinearity="gelu")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tg.zeros(3))
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(tg.zeros(3))
    with pytest.raises(RuntimeError, match="from=2 > to=1"):
        init.uniform_(tg.zeros(3), 2, 1)
    with pytest.raises(RuntimeError, match=re.escape("std >= 0.0")):
        init.normal_(tg.zeros(3), 0, -1)
    with pytest.raises(TypeError, match="Generator"):
        init.normal_(tg.zeros(3), generator=7)
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        empty = tg.zeros(0, 4)
        assert init.kaiming_uniform_(empty) is empty


# ---------------------------------------------------------------------- nn.utils
def _params_with_grads(case, grads):
    params = []
    for shape, g in zip(case.shapes, grads, strict=True):
        p = nn.Parameter(tg.zeros(*(shape or (2,)), dtype=tg.float64))
        if g is not None:
            p.grad = tg.tensor(g)
        params.append(p)
    return params


@pytest.mark.parametrize("case", TABLE.CLIP_CASES, ids=[c.name for c in TABLE.CLIP_CASES])
def test_clipping_matches_pytorch_fixture(case) -> None:
    grads = [FIX.get(f"clip/{case.name}/grad{i}") for i in range(len(case.shapes))]
    params = _params_with_grads(case, grads)
    grad_objects = [p.grad for p in params]
    if case.value is not None:
        assert clip_grad_value_(params, case.value) is None
    else:
        total = clip_grad_norm_(iter(params), case.max_norm, case.norm_type)
        assert isinstance(total, tg.Tensor) and total.shape == ()
        np.testing.assert_allclose(total.data, FIX[f"clip/{case.name}/total"], rtol=1e-14)
    for i, p in enumerate(params):
        assert p.grad is grad_objects[i]  # in place
        if grads[i] is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.data, FIX[f"clip/{case.name}/g{i}"], rtol=1e-14)


@pytest.mark.torch
@pytest.mark.parametrize("case", TABLE.CLIP_CASES, ids=[c.name for c in TABLE.CLIP_CASES])
def test_clipping_matches_live_torch(case) -> None:
    pytest.importorskip("torch")
    ref = TABLE.clip_reference(case, np.random.default_rng(len(case.name)))
    params = _params_with_grads(case, ref["grads"])
    if case.value is not None:
        clip_grad_value_(params, case.value)
    else:
        total = clip_grad_norm_(params, case.max_norm, case.norm_type)
        np.testing.assert_allclose(total.data, ref["total"], rtol=1e-14)
    for p, g in zip(params, ref["clipped"], strict=True):
        if g is not None:
            np.testing.assert_allclose(p.grad.data, g, rtol=1e-14)


def test_clip_grad_norm_scales_to_max_norm_and_returns_the_norm_before() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    model(tg.randn(5, 3, dtype=tg.float64)).sum().backward()
    grads = [p.grad.detach().numpy().copy() for p in model.parameters()]
    norm = math.sqrt(sum((g * g).sum() for g in grads))
    total = clip_grad_norm_(model.parameters(), max_norm=norm / 4)
    np.testing.assert_allclose(total.item(), norm, rtol=1e-14)
    after = math.sqrt(sum((p.grad.data**2).sum() for p in model.parameters()))
    np.testing.assert_allclose(after, norm / 4, rtol=1e-6)  # the 1e-6 in PyTorch's scale
    # inf-norm: the largest |g|, given as float("inf") or "inf"
    biggest = max(np.abs(p.grad.detach().numpy()).max() for p in model.parameters())
    np.testing.assert_allclose(clip_grad_norm_(model.parameters(), 10.0, "inf").item(), biggest)
    # float32 gradients: a float32 norm
    p = nn.Parameter(tg.zeros(3))
    p.grad = tg.tensor([3.0, 4.0, 0.0])
    out = clip_grad_norm_(p, 1.0)
    assert out.dtype == np.float32 and out.item() == 5.0 and p.grad.dtype == np.float32


def test_clip_grad_norm_edges() -> None:
    assert clip_grad_norm_([], 1.0).item() == 0.0
    no_grad = nn.Parameter(tg.zeros(2))
    assert clip_grad_norm_([no_grad], 1.0).item() == 0.0 and no_grad.grad is None
    p = nn.Parameter(tg.zeros(3, dtype=tg.float64))
    p.grad = tg.tensor([float("nan"), 1.0, 2.0], dtype=tg.float64)
    with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert p.grad.data[1] == 1.0  # unchanged by the refusal
    assert math.isnan(clip_grad_norm_(p, 1.0).item()) and np.all(np.isnan(p.grad.detach().numpy()))
    with pytest.raises(TypeError, match="iterable of Tensors"):
        clip_grad_norm_(3, 1.0)


def test_total_norm_and_clip_with_norm_compose_to_clip_grad_norm() -> None:
    rng = np.random.default_rng(9)
    a = [nn.Parameter(tg.zeros(3, 2, dtype=tg.float64)) for _ in range(3)]
    b = [nn.Parameter(tg.zeros(3, 2, dtype=tg.float64)) for _ in range(3)]
    for p, q in zip(a, b, strict=True):
        g = rng.standard_normal((3, 2))
        p.grad, q.grad = tg.tensor(g), tg.tensor(g.copy())
    total = get_total_norm([p.grad for p in a], 3.0)
    clip_grads_with_norm_(a, 0.5, total)
    np.testing.assert_array_equal(total.data, clip_grad_norm_(b, 0.5, 3.0).data)
    for p, q in zip(a, b, strict=True):
        np.testing.assert_array_equal(p.grad.data, q.grad.data)


def test_clip_grad_value() -> None:
    p = nn.Parameter(tg.zeros(4))
    p.grad = tg.tensor([-3.0, -0.1, 0.2, 5.0])
    clip_grad_value_(p, 0.5)
    np.testing.assert_array_equal(p.grad.data, np.float32([-0.5, -0.1, 0.2, 0.5]))


def test_parameters_to_vector_and_back() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)).double()
    vec = parameters_to_vector(model.parameters())
    expected = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    np.testing.assert_array_equal(vec.data, expected)
    assert vec.shape == (11,) and vec.grad_fn.name() == "CatBackward0"
    # differentiable: d sum(vec * w) / d param is w's slice
    w = np.arange(11.0)
    (vec * tg.tensor(w)).sum().backward()
    got = np.concatenate([p.grad.detach().numpy().ravel() for p in model.parameters()])
    np.testing.assert_array_equal(got, w)
    new = tg.tensor(np.linspace(-1, 1, 11))
    weights = [p for p in model.parameters()]
    vector_to_parameters(new, model.parameters())
    assert [p for p in model.parameters()] == weights  # the same Parameters, copied into
    np.testing.assert_array_equal(parameters_to_vector(model.parameters()).data, new.data)
    new.data[0] = 99.0  # copied, not viewed (see vector_to_parameters' docstring)
    assert model[0].weight.data[0, 0] != 99.0


def test_vector_to_parameters_errors() -> None:
    params = list(nn.Linear(2, 2).parameters())
    with pytest.raises(TypeError, match=re.escape("expected torch.Tensor, but got: list")):
        vector_to_parameters([0.0] * 6, params)
    with pytest.raises(RuntimeError, match="6 elements"):
        vector_to_parameters(tg.zeros(5), params)
    with pytest.raises(RuntimeError, match="6 elements"):
        vector_to_parameters(tg.zeros(2, 3), params)


def test_utils_are_reachable_as_in_pytorch() -> None:
    assert nn.utils.clip_grad_norm_ is clip_grad_norm_
    assert tg.nn.utils.parameters_to_vector is parameters_to_vector


# ---------------------------------------------------------------------- a whole program
def _program(torch, weights, steps: int = 6) -> list[float]:
    """A PyTorch training script, run with either library as ``torch``: ModuleList,
    ModuleDict, GELU/SiLU, a buffer, label smoothing and ignore_index, gradient clipping,
    a state_dict round trip into a fresh model, and a LogSoftmax + NLLLoss head."""
    nn_ = torch.nn

    class Net(nn_.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn_.ModuleList([nn_.Linear(4, 8), nn_.Linear(8, 8)])
            self.acts = nn_.ModuleDict({"a": nn_.GELU(), "b": nn_.SiLU()})
            self.head = nn_.Sequential(OrderedDict([("fc", nn_.Linear(8, 3))]))
            self.register_buffer("shift", torch.zeros(4, dtype=torch.float64))

        def forward(self, x):
            x = x - self.shift
            x = self.acts["a"](self.blocks[0](x))
            x = self.acts["b"](self.blocks[1](x))
            return self.head(x)

    model = Net().double()
    model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn_.CrossEntropyLoss(label_smoothing=0.1, ignore_index=-100)
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(steps):
        x = torch.tensor(rng.standard_normal((10, 4)))
        y = torch.tensor(rng.integers(0, 3, 10))
        y[3] = -100
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        nn_.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        opt.step()
        losses.append(float(loss.item()))
    fresh = Net().double()
    fresh.load_state_dict(model.state_dict())
    nll = nn_.NLLLoss()(nn_.LogSoftmax(dim=1)(fresh(x)), torch.tensor(np.zeros(10, np.int64)))
    losses.append(float(nll.item()))
    return losses


def _program_weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    shapes = {
        "shift": (4,),
        "blocks.0.weight": (8, 4),
        "blocks.0.bias": (8,),
        "blocks.1.weight": (8, 8),
        "blocks.1.bias": (8,),
        "head.fc.weight": (3, 8),
        "head.fc.bias": (3,),
    }
    return {k: 0.5 * rng.standard_normal(s) for k, s in shapes.items()}


def test_program_runs_and_learns() -> None:
    losses = _program(tg, _program_weights(), steps=30)
    assert all(math.isfinite(v) for v in losses)
    assert np.mean(losses[-5:-1]) < np.mean(losses[:4])


@pytest.mark.torch
def test_program_gives_pytorchs_numbers() -> None:
    torch = pytest.importorskip("torch")
    weights = _program_weights()
    ours, theirs = _program(tg, weights), _program(torch, weights)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_warnings_are_not_raised_by_the_usual_calls() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Softmax(dim=1)(tg.randn(2, 3))
        nn.CrossEntropyLoss(label_smoothing=0.1)(tg.randn(2, 3), tg.tensor(np.array([0, 2])))
        nn.KLDivLoss(reduction="batchmean")(tg.randn(2, 3), tg.rand(2, 3))
