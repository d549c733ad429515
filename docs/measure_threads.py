"""The figures of "Speed on a small machine" (docs/porting-from-pytorch.md).

One training step (forward, backward, RMSprop) of a small MLP, 256→256→256→10 on a batch of
128, timed with BLAS on every core and with ``tinygrad_rms.set_num_threads(1)``: first as the
machine is, then while this script keeps every core busy with other processes (what a shared
machine, a notebook next to a compile, or CI does to a training run).  The two thread counts
are measured in alternating rounds, so a change in the machine's load touches both alike.

    python docs/measure_threads.py            # about a minute
    python docs/measure_threads.py --quick    # a few seconds: checks that it runs
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time

import numpy as np

import tinygrad_rms as tg
from tinygrad_rms import nn, optim


def _burn() -> None:  # pragma: no cover - runs in the burner processes
    while True:
        pass


def _make_step():
    tg.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )
    opt = optim.RMSprop(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = tg.randn(128, 256)
    y = tg.tensor(np.random.default_rng(0).integers(0, 10, 128))

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def _ms_per_step(step, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps * 1e3


def measure(threads: list[int], rounds: int, steps: int) -> dict[int, float]:
    """Median ms/step per thread count, over ``rounds`` alternating rounds."""
    step = _make_step()
    for n in threads:  # warm up: Numba's compile, BLAS's pool
        tg.set_num_threads(n)
        _ms_per_step(step, 5)
    times: dict[int, list[float]] = {n: [] for n in threads}
    for _ in range(rounds):
        for n in threads:
            tg.set_num_threads(n)
            times[n].append(_ms_per_step(step, steps))
    return {n: statistics.median(t) for n, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds: checks it runs")
    args = parser.parse_args()
    rounds, steps = (2, 3) if args.quick else (15, 20)
    cores = os.cpu_count() or 1
    threads = sorted({cores, 1}, reverse=True)
    print(
        f"{cores} cores; MLP 256-256-256-10, batch 128, RMSprop; median ms/step of {rounds} rounds"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    quiet = measure(threads, rounds, steps)
    burners = [mp.Process(target=_burn, daemon=True) for _ in range(cores)]
    for p in burners:
        p.start()
    try:
        time.sleep(0.5)
        loaded = measure(threads, rounds, steps)
        load = os.getloadavg()[0]
    finally:
        for p in burners:
            p.terminate()
            p.join()
    print(f"load average at the end of the busy runs: {load:.2f}")
    print(f"{'BLAS threads':>12} | {'as the machine is':>17} | {f'{cores} cores kept busy':>19}")
    for n in threads:
        print(f"{n:>12} | {quiet[n]:>14.2f} ms | {loaded[n]:>16.2f} ms")
    if len(threads) > 1:
        many, one = threads
        print(
            f"time with {many} threads / time with 1: {quiet[many] / quiet[one]:.1f} as the "
            f"machine is, {loaded[many] / loaded[one]:.1f} with the cores kept busy"
        )


if __name__ == "__main__":
    main()
