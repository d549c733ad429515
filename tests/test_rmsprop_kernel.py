"""The fused RMSprop kernel against a plain-numpy transcription of PyTorch's algorithm,
for every combination of centered x momentum x weight_decay x maximize, in both dtypes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from naive import rmsprop_torch_step

import tinygrad_rms as tg
from tinygrad_rms import optim
from tinygrad_rms.nn import Parameter

COMBOS = list(itertools.product([False, True], [0.0, 0.9], [0.0, 0.05], [False, True]))


def _gradient_stream(rng, shape, steps, dtype):
    grads = [rng.standard_normal(shape) * 10.0 ** rng.integers(-4, 2) for _ in range(steps)]
    grads[3].flat[0] = 0.0  # an exact zero gradient element
    return [g.astype(dtype) for g in grads]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("centered,momentum,weight_decay,maximize", COMBOS)
@pytest.mark.parametrize("alpha", [0.9, 0.3])
def test_kernel_matches_numpy_transcription(
    dtype, centered, momentum, weight_decay, maximize, alpha
):
    rng = np.random.default_rng(1234)
    shapes = [(4, 3), (5,), ()]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    params = [Parameter(a.copy()) for a in init]
    hyper = dict(
        lr=0.01,
        alpha=alpha,
        eps=1e-8,
        weight_decay=weight_decay,
        momentum=momentum,
        centered=centered,
        maximize=maximize,
    )
    opt = optim.RMSprop(params, **hyper)
    streams = [_gradient_stream(rng, s, 25, dtype) for s in shapes]
    ref = [a.copy() for a in init]
    ref_states = [{} for _ in shapes]
    for t in range(25):
        for p, stream in zip(params, streams, strict=True):
            p.grad = tg.tensor(stream[t])
        opt.step()
        for i, stream in enumerate(streams):
            ref[i] = rmsprop_torch_step(ref[i], stream[t], ref_states[i], **hyper)
    # float32: rounding differs (the kernel's two-sided lerp, operation order) and the
    # centered v − ḡ² cancels, so allow a few float32 ulps of the O(1) parameters.
    rtol, atol = (1e-12, 1e-15) if dtype == np.float64 else (2e-5, 1e-6)
    for p, r, st_ref in zip(params, ref, ref_states, strict=True):
        assert p.data.dtype == dtype
        np.testing.assert_allclose(p.data, r, rtol=rtol, atol=atol)
        st = opt.state[p]
        assert st["step"] == 25
        for key, value in st_ref.items():
            np.testing.assert_allclose(st[key], value, rtol=rtol, atol=atol)
        assert ("momentum_buffer" in st) == (momentum > 0)
        assert ("grad_avg" in st) == centered


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("everything_on", [False, True])
def test_large_tensors_take_the_parallel_kernel_and_match(dtype, everything_on, parallel_kernels):
    PARALLEL_MIN_SIZE = parallel_kernels
    rng = np.random.default_rng(77)
    shapes = [(PARALLEL_MIN_SIZE + 3,), (7,)]  # one on each side of the threshold
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    params = [Parameter(a.copy()) for a in init]
    hyper = dict(
        lr=0.01,
        alpha=0.9,
        eps=1e-8,
        weight_decay=0.05 if everything_on else 0.0,
        momentum=0.9 if everything_on else 0.0,
        centered=everything_on,
        maximize=everything_on,
    )
    opt = optim.RMSprop(params, **hyper)
    ref, ref_states = [a.copy() for a in init], [{} for _ in shapes]
    for _ in range(3):
        grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
        for p, g in zip(params, grads, strict=True):
            p.grad = tg.tensor(g)
        opt.step()
        for i, g in enumerate(grads):
            ref[i] = rmsprop_torch_step(ref[i], g, ref_states[i], **hyper)
    rtol, atol = (1e-12, 1e-15) if dtype == np.float64 else (2e-5, 1e-6)
    for p, r in zip(params, ref, strict=True):
        np.testing.assert_allclose(p.data, r, rtol=rtol, atol=atol)


def test_params_without_grad_are_skipped():
    a, b = Parameter(np.ones(3)), Parameter(np.ones(2))
    opt = optim.RMSprop([a, b], lr=0.1)
    a.grad = tg.tensor(np.full(3, 0.5))
    opt.step()
    np.testing.assert_array_equal(b.data, np.ones(2))
    assert b not in opt.state
    assert not np.allclose(a.data, 1.0)


def test_changing_lr_between_steps_takes_effect():
    g = np.array([0.3, -2.0, 1e-3])
    results = {}
    for lrs in [(0.01, 0.01), (0.01, 0.5)]:
        p = Parameter(np.zeros(3))
        opt = optim.RMSprop([p], lr=lrs[0], alpha=0.9)
        ref, st = np.zeros(3), {}
        for lr in lrs:
            opt.param_groups[0]["lr"] = lr
            p.grad = tg.tensor(g)
            opt.step()
            ref = rmsprop_torch_step(
                ref,
                g,
                st,
                lr=lr,
                alpha=0.9,
                eps=1e-8,
                weight_decay=0,
                momentum=0,
                centered=False,
                maximize=False,
            )
        np.testing.assert_allclose(p.data, ref, rtol=1e-14)
        results[lrs] = p.detach().numpy().copy()
    assert not np.allclose(results[(0.01, 0.01)], results[(0.01, 0.5)])


def test_non_finite_values_propagate_as_ieee():
    p = Parameter(np.array([1.0, 2.0, 3.0]))
    opt = optim.RMSprop([p], lr=0.1)
    p.grad = tg.tensor(np.array([np.nan, np.inf, 0.0]))
    opt.step()
    assert np.isnan(p.detach().numpy()[0]) and np.isnan(p.detach().numpy()[1])  # inf/inf
    assert p.data[2] == 3.0  # zero gradient: 0/(0+eps) = 0, parameter untouched


def test_param_groups_have_their_own_hyperparameters():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    opt = optim.RMSprop([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.01)
    a.grad = tg.tensor(np.ones(2))
    b.grad = tg.tensor(np.ones(2))
    opt.step()
    # first step: v = (1-α) g², update = lr g/(√v + ε) ≈ lr/√(1-α)
    np.testing.assert_allclose(a.data, -0.01 / (np.sqrt(0.01) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(b.data, -0.5 / (np.sqrt(0.01) + 1e-8), rtol=1e-12)


def test_step_with_closure_returns_its_loss():
    p = Parameter(np.array([2.0]))
    opt = optim.RMSprop([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 4.0
    assert p.data[0] < 2.0
