"""cProfile of our training step: ``python -m benchmarks.profile_step [--steps N] [--top K]``.

Profiles ``N`` steps of B1's step on tinygrad_rms (after a warm-up, so the kernel's
compilation is not in it) and prints the top functions by own time and by cumulative
time, plus the profiler-free time per step for scale (cProfile inflates Python-heavy
code, so read its numbers as shares, not as absolute costs).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

from .b1_seed_step import SPEC
from .contenders import make_ours


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_step", description=__doc__)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)

    ours = make_ours(SPEC)
    for _ in range(200):
        ours.step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        ours.step()
    plain = (time.perf_counter() - t0) / args.steps

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.steps):
        ours.step()
    profiler.disable()

    print(f"{args.steps} steps; without the profiler {plain * 1e6:.1f} µs per step\n")
    for order in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats(order).print_stats(args.top)
        print(f"--- by {order} ---")
        print(buf.getvalue().split("\n", 4)[-1])


if __name__ == "__main__":
    main()
