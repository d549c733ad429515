"""B1: one training step of the RMSProp document's SimpleNet, ours vs PyTorch vs numpy.

One step is what the document's loop body does: ``zero_grad``, forward, loss,
``backward``, ``step``; batch 100, 10 -> 50 -> 1, float32, RMSprop(lr=0.01, alpha=0.9,
eps=1e-8).  The Numba kernel's compilation is kept out of the step timings: it is timed
on its own (a fresh, uncached dispatcher), as is each contender's very first step.
"""

from __future__ import annotations

from typing import Any

from .common import Context, Result, compile_seconds, fmt_time, register
from .contenders import Spec, make_numpy, make_ours, make_torch, run_mlp

SPEC = Spec(widths=(10, 50, 1), batch=100, lr=0.01, alpha=0.9, eps=1e-8, seed=0)
TITLE = "seed step (the document's SimpleNet, one training step)"


def library_kernels() -> dict[str, Any]:
    """The Numba dispatchers that ``tinygrad_rms.kernels`` exports, by name."""
    import numba.core.dispatcher

    import tinygrad_rms.kernels as kernels

    return {
        name: obj
        for name in getattr(kernels, "__all__", dir(kernels))
        if isinstance(obj := getattr(kernels, name, None), numba.core.dispatcher.Dispatcher)
    }


def _cache_stats() -> dict[str, int]:
    kernels = library_kernels().values()
    return {
        "hits": sum(sum(k.stats.cache_hits.values()) for k in kernels),
        "misses": sum(sum(k.stats.cache_misses.values()) for k in kernels),
    }


@register("B1", TITLE)
def run(ctx: Context) -> Result:
    spec = SPEC
    repeats = ctx.n_repeats(quick=7, full=41)
    inner, warmup = ctx.pick(quick=100, full=500), ctx.pick(quick=50, full=300)
    # ours first: its first step loads (or compiles) the kernel
    contenders = [make_ours(spec)]
    if ctx.torch is not None:
        contenders.append(make_torch(spec, ctx.torch, ctx.threads))
        if ctx.threads > 1:  # how much of torch's time is its thread pool at this size
            contenders.append(make_torch(spec, ctx.torch, 1, name="torch-1t"))
    contenders.append(make_numpy(spec))
    cache_before = _cache_stats()
    version = ctx.torch.__version__ if ctx.torch is not None else ""
    headers, rows, agree_note, data = run_mlp(
        ctx,
        spec,
        contenders,
        **{"repeats": repeats, "inner": inner, "warmup": warmup, "agree_steps": 20},
        labels={"torch-1t": f"PyTorch {version}, 1 thread (extra row)"},
        pairs=[("ours", "numpy"), ("ours", "torch"), ("torch", "numpy"), ("ours", "torch-1t")],
    )
    cache_after = _cache_stats()  # only ours' first step can have loaded a kernel
    compile_times = {k: compile_seconds(v) for k, v in library_kernels().items() if v.signatures}

    threads = f"Threads: numpy's BLAS uses {ctx.threads}; "
    if ctx.torch is not None:
        threads = (
            f"Threads: numpy's BLAS and torch both use {ctx.threads} (torch.set_num_threads); "
        )
    threads += "the Numba kernel runs on one thread (the default)."
    if "torch-1t" in data["contenders"]:
        threads += (
            " The extra 1-thread PyTorch row (torch.set_num_threads(1) before each of its "
            "samples) shows what torch's thread pool costs or saves at this size."
        )
    compiled = ", ".join(f"{k} {fmt_time(v)}" for k, v in compile_times.items()) or "none"
    notes = [
        *ctx.no_torch_note(),
        threads,
        "Numba compile time of the kernels our step used (fresh dispatchers, no disk cache): "
        f"{compiled}. Our first step's kernel lookups: "
        f"{cache_after['hits'] - cache_before['hits']} disk-cache hit(s), "
        f"{cache_after['misses'] - cache_before['misses']} miss(es).",
        *agree_note,
        "The numpy floor keeps all parameters, gradients and RMSprop state in flat buffers "
        "(9 in-place ufunc calls for the whole optimizer step) and preallocates every "
        "intermediate; it skips zero_grad because it overwrites its gradients.",
    ]
    what = (
        f"One `zero_grad` + forward + `MSELoss` + `backward` + `RMSprop.step` of the document's "
        f"SimpleNet (batch {spec.batch}, {' -> '.join(map(str, spec.widths))}, float32, "
        f"{spec.n_params} parameters, RMSprop lr={spec.lr}, alpha={spec.alpha}, eps={spec.eps}). "
        f"Each sample times {inner} consecutive steps; {repeats} samples per contender, "
        f"round-robin with rotating order, after {warmup} warm-up steps. IQR is the "
        "interquartile range of the per-step sample times."
    )
    data["kernel_compile_s"] = compile_times
    data["kernel_cache"] = {"before": cache_before, "after_first_step": cache_after}
    return Result("B1", TITLE, what, headers, rows, notes, data)
