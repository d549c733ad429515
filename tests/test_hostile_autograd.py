"""A backward that fails part-way changes no gradient and leaves the graph whole; grad
mode's switches behave as PyTorch's (``set_grad_enabled`` as a plain call, ``no_grad`` on
generator functions, booleans only)."""

from __future__ import annotations

import numpy as np
import pytest
from hostile_util import assert_unchanged, snapshot

import tinygrad_rms as tg


def _leaves():
    a = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([3.0, -4.0], dtype=tg.float64, requires_grad=True)
    return a, b


def test_a_walk_refused_part_way_adds_no_gradient() -> None:
    a, b = _leaves()
    c = tg.tensor([5.0, 6.0], dtype=tg.float64)
    a.grad = tg.tensor([10.0, 10.0], dtype=tg.float64)
    # a's branch is newer and runs first; b's branch needs c, changed in place since
    loss = (b * c).sum() + (a * 2).sum()
    with tg.no_grad():
        c.mul_(2)
    before = snapshot(a, b)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()
    assert_unchanged(before, a, b)


def test_a_walk_stopped_by_anomaly_mode_adds_no_gradient_and_can_be_retried() -> None:
    a, b = _leaves()
    with np.errstate(invalid="ignore"):
        y = (a * 2).sum() + (b.sqrt()).sum()  # sqrt(-4) is NaN
    before = snapshot(a, b)
    with tg.autograd.detect_anomaly(), pytest.raises(RuntimeError, match="non-finite gradient"):
        y.backward(retain_graph=True)
    assert_unchanged(before, a, b)
    y.backward()  # kept, as PyTorch keeps it with retain_graph: outside anomaly mode it runs
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])
    assert np.isnan(b.grad.numpy()[1])


def test_a_failing_hook_adds_no_gradient() -> None:
    a, b = _leaves()
    loss = (a * b).sum()

    def broken(g):
        raise ZeroDivisionError("hook failed")

    b.register_hook(broken)
    before = snapshot(a, b)
    with pytest.raises(ZeroDivisionError):
        loss.backward()
    assert_unchanged(before, a, b)


def test_set_grad_enabled_as_a_plain_call_switches_recording() -> None:
    try:
        tg.set_grad_enabled(False)
        assert not tg.is_grad_enabled()
        assert not (tg.ones(2, requires_grad=True) * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    assert tg.is_grad_enabled()
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()

    @tg.set_grad_enabled(False)
    def inside() -> bool:
        return tg.is_grad_enabled()

    assert tg.is_grad_enabled() and not inside() and tg.is_grad_enabled()


@pytest.mark.parametrize("value", [0, 1, None, "False", np.bool_(False)])
def test_set_grad_enabled_takes_booleans_only(value) -> None:
    with pytest.raises(TypeError, match="must be a bool"):
        tg.set_grad_enabled(value)
    assert tg.is_grad_enabled()


def test_no_grad_on_a_generator_function_covers_its_body_only() -> None:
    w = tg.ones(2, requires_grad=True)

    @tg.no_grad()
    def batches():
        for i in range(3):
            received = yield (w * i).requires_grad, tg.is_grad_enabled()
            assert received is None or received == "sent"

    seen = []
    gen = batches()
    seen.append(next(gen))
    assert tg.is_grad_enabled()  # the caller's mode between resumptions
    seen.append(gen.send("sent"))
    seen.extend(gen)
    assert seen == [(False, False)] * 3 and tg.is_grad_enabled()


def test_no_grad_generator_passes_thrown_errors_and_close() -> None:
    closed = []

    @tg.no_grad
    def gen():
        try:
            while True:
                try:
                    yield tg.is_grad_enabled()
                except KeyError:
                    yield "caught"
        finally:
            closed.append(tg.is_grad_enabled())

    g = gen()
    assert next(g) is False
    assert g.throw(KeyError("x")) == "caught"
    g.close()
    assert closed == [False] and tg.is_grad_enabled()


@pytest.mark.skipif(
    not __import__("importlib").util.find_spec("torch"), reason="torch is not installed"
)
def test_grad_mode_switches_as_live_pytorch() -> None:
    import torch

    for lib in (tg, torch):
        lib.set_grad_enabled(False)
        off = lib.is_grad_enabled()
        lib.set_grad_enabled(True)

        @lib.no_grad()
        def gen(lib=lib):
            yield lib.is_grad_enabled()

        assert (off, next(gen()), lib.is_grad_enabled()) == (False, False, True)
