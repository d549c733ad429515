"""Two models trained at the same time in two threads give exactly what they give when
trained one after the other: the graph, grad mode and optimizers share no mutable state.
(The random generator is one global: models and data are made before the threads.)"""

from __future__ import annotations

import threading

import numpy as np

import tinygrad_rms as tg
from tinygrad_rms import nn, optim


def _make(seed: int):
    tg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
    X, y = tg.randn(64, 8), tg.randn(64, 1)
    return model, X, y


def _train(model, X, y, steps: int, results: dict, key: str, no_grad_noise: bool) -> None:
    opt = optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, momentum=0.5, centered=True)
    losses = []
    for i in range(steps):
        if no_grad_noise and i % 7 == 0:
            with tg.no_grad():  # grad mode is per thread: must not leak into the other one
                (model(X) * 2).sum()
        opt.zero_grad()
        loss = nn.MSELoss()(model(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    results[key] = (losses, [p.detach().numpy().copy() for p in model.parameters()])


def test_two_threads_match_sequential_training():
    steps = 300
    sequential: dict = {}
    for key, seed in (("a", 1), ("b", 2)):
        _train(*_make(seed), steps, sequential, key, no_grad_noise=True)

    threaded: dict = {}
    made = {key: _make(seed) for key, seed in (("a", 1), ("b", 2))}
    threads = [
        threading.Thread(target=_train, args=(*made[k], steps, threaded, k, k == "a"))
        for k in ("a", "b")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key in ("a", "b"):
        assert threaded[key][0] == sequential[key][0]
        for p, q in zip(threaded[key][1], sequential[key][1], strict=True):
            np.testing.assert_array_equal(p, q)


def test_no_grad_in_one_thread_leaves_the_other_recording():
    inside = threading.Event()
    release = threading.Event()

    def hold_no_grad():
        with tg.no_grad():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=hold_no_grad)
    t.start()
    inside.wait(5)
    try:
        x = tg.randn(3, requires_grad=True)
        assert (x * 2).requires_grad
    finally:
        release.set()
        t.join()
