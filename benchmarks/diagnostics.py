"""One-off diagnostics, not part of the report: ``python -m benchmarks.diagnostics {profile,asm}``.

- ``profile [--steps N] [--top K]``: cProfile of B1's training step on tinygrad_rms (after
  a warm-up, so no compilation in it); cProfile inflates Python-heavy code, so read its
  numbers as shares next to the profiler-free time per step it prints first.
- ``asm``: the vector width of ``rmsprop_update``'s float32 square roots and divisions in
  the machine code of an uncached compile (``vsqrtps``/``vdivps`` on ``zmm``/``ymm``
  registers mean the loop was vectorised; ``…ss`` forms are scalar remainder loops).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import time


def vector_instructions(asm: str) -> dict[str, dict[str, int]]:
    """Counts of ``vsqrtps``/``vdivps``/``vsqrtss``/``vdivss`` in ``asm`` by the register
    width of their last operand (``xmm``/``ymm``/``zmm``, or ``memory``)."""
    out: dict[str, dict[str, int]] = {}
    for ins in ("vsqrtps", "vdivps", "vsqrtss", "vdivss"):
        widths: dict[str, int] = {}
        for operands in re.findall(rf"\b{ins}\s+([^\n]*)", asm):
            regs = re.findall(r"%([xyz]mm)\d+", operands)
            key = regs[-1] if regs else "memory"
            widths[key] = widths.get(key, 0) + 1
        out[ins] = widths
    return out


def kernel_asm() -> dict[str, dict[str, int]]:
    import numba

    from tinygrad_rms.kernels import rmsprop_update

    from .b2_optimizer_step import initial_arrays, make_contenders
    from .common import Context

    ctx = Context(quick=True, threads=1, torch=None, torch_status="unused")
    make_contenders(ctx, initial_arrays(8, 1), ["bare"])["bare"][0]()  # a float32 signature
    sig = next(s for s in rmsprop_update.signatures if s[0].dtype == numba.float32)
    options = {k: v for k, v in rmsprop_update.targetoptions.items() if k != "cache"}
    fresh = numba.jit(**options)(rmsprop_update.py_func)
    fresh.compile(sig)
    return vector_instructions(fresh.inspect_asm(sig))


def profile(steps: int, top: int) -> None:
    from .b1_seed_step import SPEC
    from .contenders import make_ours

    ours = make_ours(SPEC)
    for _ in range(200):
        ours.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        ours.step()
    plain = (time.perf_counter() - t0) / steps
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [ours.step() for _ in range(steps)])
    print(f"{steps} steps; without the profiler {plain * 1e6:.1f} µs per step\n")
    for order in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats(order).print_stats(top)
        print(f"--- by {order} ---\n" + buf.getvalue().split("\n", 4)[-1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.diagnostics", description=__doc__)
    p.add_argument("what", choices=["profile", "asm"])
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)
    if args.what == "profile":
        profile(args.steps, args.top)
    else:
        for ins, widths in kernel_asm().items():
            print(
                f"{ins}: " + (", ".join(f"{n}× {w}" for w, n in sorted(widths.items())) or "none")
            )


if __name__ == "__main__":
    main()
