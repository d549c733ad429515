"""B1: one training step of the RMSProp document's SimpleNet, ours vs PyTorch vs numpy.

One step is what the document's loop body does: ``zero_grad``, forward, loss,
``backward``, ``step``; batch 100, 10 -> 50 -> 1, float32, RMSprop(lr=0.01, alpha=0.9,
eps=1e-8).  The Numba kernel's compilation is kept out of the step timings: it is timed
on its own (a fresh, uncached dispatcher), as is each contender's very first step.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .common import (
    Context,
    Result,
    first_call,
    fmt_time,
    interleaved,
    register,
    step_record,
    step_rows,
    summarize,
)
from .contenders import Contender, Spec, make_numpy, make_ours, make_torch

SPEC = Spec(widths=(10, 50, 1), batch=100, lr=0.01, alpha=0.9, eps=1e-8, seed=0)


def library_kernels() -> dict[str, Any]:
    """The Numba dispatchers that ``tinygrad_rms.kernels`` exports, by name."""
    import numba.core.dispatcher

    import tinygrad_rms.kernels as kernels

    names = getattr(kernels, "__all__", dir(kernels))
    return {
        name: obj
        for name in names
        if isinstance(obj := getattr(kernels, name, None), numba.core.dispatcher.Dispatcher)
    }


def kernel_compile_seconds() -> dict[str, float]:
    """Seconds to compile each kernel from scratch, for the signatures the steps used.

    A fresh dispatcher of the same Python function with the same options but no disk
    cache compiles every signature the library's dispatcher holds by now.
    """
    import numba

    out = {}
    for name, kernel in library_kernels().items():
        if not kernel.signatures:
            continue
        options = {k: v for k, v in kernel.targetoptions.items() if k != "cache"}
        fresh = numba.jit(**options)(kernel.py_func)
        t0 = time.perf_counter()
        for sig in kernel.signatures:
            fresh.compile(sig)
        out[name] = time.perf_counter() - t0
    return out


def _kernel_cache_stats() -> dict[str, int]:
    hits = misses = 0
    for kernel in library_kernels().values():
        hits += sum(kernel.stats.cache_hits.values())
        misses += sum(kernel.stats.cache_misses.values())
    return {"hits": hits, "misses": misses}


def make_contenders(ctx: Context, spec: Spec, variants: bool = False) -> list[Contender]:
    """ours, torch (with ``ctx.threads``) and numpy; with ``variants`` also torch on 1 thread.

    The 1-thread row shows how much of torch's time is its thread pool: on a small
    problem and a busy machine, waking a second thread can cost more than it saves.
    """
    out = [make_ours(spec)]
    if ctx.torch is not None:
        out.append(make_torch(spec, ctx.torch, ctx.threads))
        if variants and ctx.threads > 1:
            out.append(make_torch(spec, ctx.torch, 1, name="torch-1t"))
    out.append(make_numpy(spec))
    return out


def loss_agreement(ctx: Context, spec: Spec, steps: int) -> dict[str, Any]:
    """Run fresh copies of every contender for ``steps`` steps from the same start.

    Returns each one's losses and its largest relative difference from the reference
    (torch when present, else the numpy floor): a check that all do the same work.
    """
    losses = {}
    for c in make_contenders(ctx, spec):
        c.before()
        losses[c.name] = [c.loss_value(c.step()) for _ in range(steps)]
    ref_name = "torch" if "torch" in losses else "numpy"
    ref = np.asarray(losses[ref_name])
    diffs = {
        name: float(np.max(np.abs(np.asarray(v) - ref) / np.abs(ref))) for name, v in losses.items()
    }
    return {"reference": ref_name, "steps": steps, "losses": losses, "max_rel_diff": diffs}


@register("B1", "seed step (the document's SimpleNet, one training step)")
def run(ctx: Context) -> Result:
    spec = SPEC
    repeats = ctx.n_repeats(quick=7, full=41)
    inner = ctx.pick(quick=100, full=500)
    warmup = ctx.pick(quick=50, full=300)

    cache_before = _kernel_cache_stats()
    contenders = make_contenders(ctx, spec, variants=True)
    first = {}
    for c in contenders:  # ours first: its first step loads (or compiles) the kernel
        c.before()
        first[c.name], _ = first_call(c.step)
    cache_after = _kernel_cache_stats()
    compile_times = kernel_compile_seconds()
    for c in contenders:
        c.before()
        for _ in range(warmup):
            c.step()
    agreement = loss_agreement(ctx, spec, steps=20)

    ctx.log(f"B1: {repeats} repeats x {inner} steps per contender, interleaved")
    try:
        samples = interleaved(
            {c.name: c.step for c in contenders},
            repeats=repeats,
            inner=inner,
            before={c.name: c.before for c in contenders},
        )
    finally:
        if ctx.torch is not None:
            ctx.torch.set_num_threads(ctx.threads)
    stats = {name: summarize(s) for name, s in samples.items()}
    med = {name: s["median"] for name, s in stats.items()}
    low = {name: s["min"] for name, s in stats.items()}
    pairs = [("ours", "numpy"), ("ours", "torch"), ("torch", "numpy"), ("ours", "torch-1t")]
    pairs = [(a, b) for a, b in pairs if a in med and b in med]
    ratios = {f"{a}/{b}": med[a] / med[b] for a, b in pairs}
    ratios_by_min = {f"{a}/{b}": low[a] / low[b] for a, b in pairs}

    headers = ["contender", "median / step", "IQR", "min", "first step", "× numpy floor"]
    if "torch" in med:
        headers.append("× torch")
    version = ctx.torch.__version__ if ctx.torch is not None else ""
    labels = {
        "ours": "ours (tinygrad_rms)",
        "torch": f"PyTorch {version}, {ctx.threads} thread{'s' if ctx.threads > 1 else ''}",
        "torch-1t": f"PyTorch {version}, 1 thread (extra row)",
        "numpy": "plain numpy floor",
    }
    rows = step_rows([c.name for c in contenders], labels, stats, first, med)

    notes = [
        (
            f"Threads: numpy's BLAS and torch both use {ctx.threads} (torch.set_num_threads); "
            if ctx.torch is not None
            else f"Threads: numpy's BLAS uses {ctx.threads}; "
        )
        + "the Numba kernel runs on one thread (the default)."
        + (
            " The extra 1-thread PyTorch row (torch.set_num_threads(1) before each of its "
            "samples) shows what torch's thread pool costs or saves at this size."
            if "torch-1t" in med
            else ""
        ),
        "Numba compile time of the kernels our step used (fresh dispatchers, no disk cache): "
        + (", ".join(f"{k} {fmt_time(v)}" for k, v in compile_times.items()) or "none")
        + ". Our first step's kernel lookups: "
        f"{cache_after['hits'] - cache_before['hits']} disk-cache hit(s), "
        f"{cache_after['misses'] - cache_before['misses']} miss(es).",
        "Loss agreement over 20 steps from identical weights and data, max relative "
        f"difference from {agreement['reference']}: "
        + ", ".join(
            f"{k} {v:.1e}"
            for k, v in agreement["max_rel_diff"].items()
            if k != agreement["reference"]
        )
        + ".",
        "The numpy floor keeps all parameters, gradients and RMSprop state in flat buffers "
        "(8 in-place ufunc calls for the whole optimizer step) and preallocates every "
        "intermediate; it skips zero_grad because it overwrites its gradients.",
    ]
    if ctx.torch is None:
        notes.insert(0, f"PyTorch was not measured: {ctx.torch_status}.")

    what = (
        f"One `zero_grad` + forward + `MSELoss` + `backward` + `RMSprop.step` of the document's "
        f"SimpleNet (batch {spec.batch}, {' -> '.join(map(str, spec.widths))}, float32, "
        f"{spec.n_params} parameters, RMSprop lr={spec.lr}, alpha={spec.alpha}, eps={spec.eps}). "
        f"Each sample times {inner} consecutive steps; {repeats} samples per contender, "
        f"round-robin with rotating order, after {warmup} warm-up steps. IQR is the "
        "interquartile range of the per-step sample times."
    )
    timing = {"repeats": repeats, "inner": inner, "warmup": warmup}
    data = {
        **step_record(ctx, spec.to_json(), timing, stats, samples, first),
        "ratios": ratios,
        "ratios_by_min": ratios_by_min,
        "kernel_compile_s": compile_times,
        "kernel_cache": {"before": cache_before, "after_first_step": cache_after},
        "agreement": agreement,
    }
    return Result(
        "B1",
        "seed step (the document's SimpleNet, one training step)",
        what,
        headers,
        rows,
        notes,
        data,
    )
