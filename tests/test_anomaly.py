"""``tinygrad_rms.autograd.detect_anomaly()``: the first op whose forward output, or whose
backward's gradient, is not finite raises a RuntimeError naming the op and the file:line
that created it (the innermost frame outside the package: the user's line).

Lines are found by a marker comment on the offending statement (``_line("...")``), so the
asserted line numbers are those of the statements themselves.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_rms as tg
import tinygrad_rms.autograd as autograd
from tinygrad_rms import nn, optim
from tinygrad_rms.autograd import detect_anomaly
from tinygrad_rms.nn import functional as F

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), 1/0: on purpose

with open(__file__, encoding="utf-8") as _f:
    _SOURCE = _f.read().splitlines()


def _line(marker: str) -> int:
    """The number of the one line of this file that ends with ``# <- marker``."""
    hits = [i for i, text in enumerate(_SOURCE, 1) if text.rstrip().endswith(f"# <- {marker}")]
    assert len(hits) == 1, f"marker {marker!r} found on lines {hits}"
    return hits[0]


def _site(marker: str) -> str:
    return f"{__file__}:{_line(marker)}"


def _anomaly_checks_on() -> bool:
    """Whether the current thread is in anomaly mode, seen from the outside: does an op
    producing -inf raise?"""
    try:
        tg.tensor([0.0]).log()
    except RuntimeError:
        return True
    return False


# ---------------------------------------------------------------------- forward
def test_first_nonfinite_forward_names_op_and_line():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        y = x * 2.0  # finite: passes
        with pytest.raises(RuntimeError) as info:
            y.log()  # <- log of zero
    message = str(info.value)
    assert "Log" in message
    assert _site("log of zero") in message
    assert "inf" in message


def test_only_the_first_nonfinite_op_is_reported():
    """In a chain, the op that first makes a NaN is named, not the ones after it."""
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(RuntimeError) as info:
        a = x * 1.0
        b = a - 1.0  # -1 and 3: finite
        c = b.sqrt()  # <- sqrt of -1
        d = c * 2.0
        d.sum()
    message = str(info.value)
    assert re.search(r"\bSqrt\b", message), message
    assert "Mul" not in message and "Sum" not in message
    assert _site("sqrt of -1") in message
    assert "nan" in message


@pytest.mark.parametrize(
    "make,op",
    [
        (lambda x: x / 0.0, "Div"),
        (lambda x: x.exp() * 1e38, "Mul"),
        (lambda x: (x * 100.0).exp(), "Exp"),
        (lambda x: x - float("inf"), "Sub"),
        (lambda x: x.reshape(2, 1) @ tg.tensor([[float("nan")]]), "Mm"),
        (lambda x: F.softmax(x * float("inf"), 0), "Mul"),
        (lambda x: F.mse_loss(x, tg.tensor([float("nan"), 0.0])), "MseLoss"),
    ],
    ids=["div", "mul-overflow", "exp-overflow", "sub-inf", "matmul-nan", "softmax", "mse"],
)
def test_forward_anomalies_of_various_ops(make: Callable, op: str):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(RuntimeError) as info:
        make(x)
    message = str(info.value)
    assert f"forward of {op} " in message, message
    assert f"{__file__}:" in message  # the lambda's line: this file, not the package


def test_forward_is_checked_under_no_grad_too():
    """Anomaly mode looks at every output, whether or not the graph is recorded."""
    with detect_anomaly(), tg.no_grad(), pytest.raises(RuntimeError, match="Log"):
        tg.tensor([0.0]).log()  # <- no_grad log


def test_integer_ops_are_not_checked():
    with detect_anomaly():
        out = tg.tensor([2**62]) * 4  # wraps around: integers have no NaN or inf
    assert out.dtype == np.int64


def test_finite_computation_is_unchanged():
    """No false alarm, and the values and gradients are those of normal mode."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))

    def run() -> tuple[np.ndarray, ...]:
        x = tg.tensor(a, requires_grad=True)
        w = tg.tensor(b, requires_grad=True)
        loss = ((x @ w).tanh().softmax(1).log() * 0.5).sum()
        loss.backward()
        return loss.data, x.grad.data, w.grad.data

    plain = run()
    with detect_anomaly():
        checked = run()
    for p, c in zip(plain, checked, strict=True):
        np.testing.assert_array_equal(p, c)


# ---------------------------------------------------------------------- backward
def test_nonfinite_gradient_names_op_and_creation_site():
    """sqrt at 0: the forward is finite (0), its backward 1/(2·0) is inf."""
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = x.sqrt()  # <- sqrt at zero
        loss = (y * 3.0).sum()
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    message = str(info.value)
    assert "backward of Sqrt" in message
    assert _site("sqrt at zero") in message
    assert "Mul" not in message and "Sum" not in message  # their gradients are finite
    assert x.grad is None  # raised before anything reached the leaf


def test_nonfinite_gradient_of_pow():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        y = x**0.5  # <- pow at zero
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    assert "backward of Pow" in str(info.value)
    assert _site("pow at zero") in str(info.value)


def test_backward_of_graph_built_outside_names_an_unknown_site():
    """Sites are recorded only in anomaly mode: a graph built outside still gets its
    gradients checked by a backward run inside, with the site unknown."""
    x = tg.tensor([0.0], requires_grad=True)
    loss = x.sqrt().sum()
    with detect_anomaly(), pytest.raises(RuntimeError) as info:
        loss.backward()
    assert "backward of Sqrt created at <unknown>" in str(info.value)


# ---------------------------------------------------------------------- outside: IEEE
def test_outside_the_context_nonfinite_values_flow_silently(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("anomaly checks ran outside detect_anomaly()")

    monkeypatch.setattr(autograd.function, "check_finite_output", forbidden)
    monkeypatch.setattr(autograd.engine, "check_finite_grads", forbidden)
    monkeypatch.setattr(autograd.anomaly, "creation_site", forbidden)
    x = tg.tensor([0.0, -1.0, 4.0], requires_grad=True)
    y = x.log()
    np.testing.assert_array_equal(y.data[:1], [-np.inf])
    assert np.isnan(y.detach().numpy()[1])
    s = x.sqrt()
    s.sum().backward()
    np.testing.assert_array_equal(x.grad.data[[0, 2]], [np.inf, 0.25])
    assert np.isnan(x.grad.detach().numpy()[1])
    assert (tg.tensor([1.0]) / 0.0).item() == np.inf


def test_after_the_context_checks_stop():
    with detect_anomaly():
        assert _anomaly_checks_on()
    assert not _anomaly_checks_on()
    assert tg.tensor([0.0]).log().item() == -np.inf


def test_graph_built_inside_backward_outside_is_not_checked():
    x = tg.tensor([0.0], requires_grad=True)
    with detect_anomaly():
        loss = x.sqrt().sum()
    loss.backward()  # outside: inf flows into the gradient
    assert x.grad.item() == np.inf


# ---------------------------------------------------------------------- nesting, restore
def test_nested_contexts_restore_the_previous_mode():
    assert not _anomaly_checks_on()
    with detect_anomaly():
        with detect_anomaly():
            assert _anomaly_checks_on()
        assert _anomaly_checks_on()  # the inner exit restores "on", not "off"
    assert not _anomaly_checks_on()


def test_mode_is_restored_when_an_exception_escapes():
    with pytest.raises(KeyError), detect_anomaly():
        raise KeyError("boom")
    assert not _anomaly_checks_on()
    with pytest.raises(RuntimeError, match="Log"), detect_anomaly():
        tg.tensor([0.0]).log()
    assert not _anomaly_checks_on()


def test_inner_exception_keeps_the_outer_context_on():
    with detect_anomaly():
        with pytest.raises(ValueError), detect_anomaly():
            raise ValueError("inner")
        assert _anomaly_checks_on()
    assert not _anomaly_checks_on()


def test_anomaly_and_grad_mode_are_independent():
    with detect_anomaly():
        with tg.no_grad():
            assert _anomaly_checks_on() and not tg.is_grad_enabled()
        assert _anomaly_checks_on() and tg.is_grad_enabled()
    with tg.no_grad():
        with detect_anomaly():
            assert not tg.is_grad_enabled()
        assert not tg.is_grad_enabled() and not _anomaly_checks_on()


def test_one_instance_can_be_used_again_after_exit():
    anomaly = detect_anomaly()
    for _ in range(2):
        with anomaly:
            assert _anomaly_checks_on()
        assert not _anomaly_checks_on()


def test_one_instance_nested_in_itself_restores_off():
    anomaly = detect_anomaly()
    try:
        with anomaly:
            with anomaly:
                pass
            assert _anomaly_checks_on()
        assert not _anomaly_checks_on()
    finally:
        autograd.grad_mode.mode.anomaly = False  # do not leak the mode into later tests


# ---------------------------------------------------------------------- threads
def test_anomaly_mode_is_per_thread():
    """A thread inside detect_anomaly() does not switch it on for another thread, and a
    new thread starts with it off even if its creator is in anomaly mode."""
    entered, release = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def worker() -> None:
        with detect_anomaly():
            entered.set()
            release.wait(10)
            seen["worker inside"] = _anomaly_checks_on()
        seen["worker after"] = _anomaly_checks_on()

    thread = threading.Thread(target=worker)
    thread.start()
    assert entered.wait(10)
    seen["main while worker inside"] = _anomaly_checks_on()
    release.set()
    thread.join(10)
    assert seen == {
        "worker inside": True,
        "worker after": False,
        "main while worker inside": False,
    }

    with detect_anomaly():
        child: dict[str, bool] = {}
        t = threading.Thread(target=lambda: child.setdefault("on", _anomaly_checks_on()))
        t.start()
        t.join(10)
        assert child == {"on": False}
        assert _anomaly_checks_on()


# ---------------------------------------------------------------------- a training step
def _data(n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((n, 3)).astype(np.float32)
    return X, X @ np.array([[1.0], [-2.0], [0.5]], np.float32)


def test_training_step_with_nan_input_raises_at_the_users_forward_call():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = optim.RMSprop(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    X, y = _data()
    with detect_anomaly():  # a clean step first: no false alarm
        opt.zero_grad()
        loss_fn(model(tg.tensor(X)), tg.tensor(y)).backward()
        opt.step()
    before = [p.detach().numpy().copy() for p in model.parameters()]
    X[5, 1] = np.nan
    with detect_anomaly():
        opt.zero_grad()
        with pytest.raises(RuntimeError) as info:
            out = model(tg.tensor(X))  # <- model forward with NaN data
            loss_fn(out, tg.tensor(y)).backward()
            opt.step()
    message = str(info.value)
    assert "forward of Addmm" in message  # the first Linear: the first op to see the NaN
    assert _site("model forward with NaN data") in message
    assert "tinygrad_rms" not in message.split(" created at ")[1]  # the user's line
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, b)  # the step never ran


class _TwoLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(3, 4), nn.Linear(4, 1)

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        h = self.fc1(x).relu()  # <- user module first layer
        return self.fc2(h)


def test_user_module_reports_the_line_inside_its_forward():
    """With a model class of the user's own, the innermost user frame is its forward."""
    model = _TwoLayer()
    X, _ = _data()
    X[0, 0] = np.inf
    with detect_anomaly(), pytest.raises(RuntimeError) as info:
        model(tg.tensor(X))
    assert "forward of Addmm" in str(info.value)
    assert _site("user module first layer") in str(info.value)


def test_nan_target_raises_at_the_loss_line():
    tg.manual_seed(1)
    model = nn.Linear(3, 1)
    X, y = _data()
    y[2, 0] = np.nan
    with detect_anomaly():
        out = model(tg.tensor(X))
        with pytest.raises(RuntimeError) as info:
            F.mse_loss(out, tg.tensor(y))  # <- loss with NaN target
    assert "forward of MseLoss" in str(info.value)
    assert _site("loss with NaN target") in str(info.value)


def test_diverged_parameter_raises_at_the_next_forward():
    """A parameter that became inf (e.g. after a step with a huge learning rate) is caught
    at the first op of the next forward."""
    tg.manual_seed(2)
    model = nn.Linear(3, 1)
    opt = optim.RMSprop(model.parameters(), lr=0.01)
    X, _ = _data()
    with tg.no_grad():
        model.weight[0, 1] = np.inf
    with detect_anomaly():
        opt.zero_grad()
        with pytest.raises(RuntimeError) as info:
            model(tg.tensor(X))  # <- forward after divergence
    assert "forward of Addmm" in str(info.value)
    assert _site("forward after divergence") in str(info.value)
