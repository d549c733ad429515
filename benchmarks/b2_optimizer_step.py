"""B2: the RMSprop step alone, ours vs PyTorch (both modes) vs unfused numpy vs a bandwidth probe.

Every contender updates float32 parameters whose gradients are preset, so only ``step()``
is timed, on 1e3, 1e5, 1e6 and 1.6e7 (full mode only) elements as one tensor and split
over 100.  Contenders: ``ours`` (``RMSprop(params, lr=0.01, alpha=0.9).step()``);
``ours-parallel`` (the kernels' opt-in parallel copies, where a tensor is that large);
``bare``, the Numba kernel ``rmsprop_update`` called once per tensor (up to 1e5 elements:
``step()`` minus this is its own cost; with 100 small tensors ``step()`` packs them into
one call, ``optim/_pack.py``, and may beat it); ``torch-foreach`` / ``torch-for-loop``;
``numpy``, PyTorch's algorithm as separate numpy operations with their temporaries; and
``probe``, a loop compiled with the project's ``jit`` that moves the fused kernel's 20
bytes per element (θ read+write, g read, v read+write) with one addition instead of the
arithmetic: the memory speed one thread (ours' default) can reach.  ``measure_case`` is
shared with B5, which sweeps the size.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_rms.kernels._jit import PARALLEL_MIN_SIZE, jit

from .common import (
    Context,
    Result,
    compile_seconds,
    fmt_ratio,
    fmt_time,
    markdown_table,
    register,
    time_steps,
)

F32 = np.float32
LR, ALPHA, EPS = 0.01, 0.9, 1e-8
#: bytes the fused update must move per float32 element: θ read+write, g read, v read+write
BYTES_PER_ELEMENT = 5 * np.dtype(F32).itemsize
SIZES_FULL = (1_000, 100_000, 1_000_000, 16_000_000)
SIZES_QUICK = (1_000, 100_000, 1_000_000)
SPLIT = 100
BARE_UP_TO = 100_000  # the bare-kernel contender (call overhead) runs up to this size
TARGET_SPEEDUP, TARGET_PROBE_FRACTION, TARGET_OVERHEAD = 5.0, 0.85, 2.0
#: issue 17: many small tensors (packed, optim/_pack.py) within 1.5× of the bare calls
TARGET_OVERHEAD_SPLIT = 1.5
TITLE = "optimizer step alone (RMSprop.step on preset gradients)"
LABELS = {
    "ours": "ours: RMSprop.step()",
    "ours-parallel": "ours, parallel kernels on (opt-in)",
    "bare": "bare rmsprop_update call(s)",
    "torch-foreach": "PyTorch foreach=True",
    "torch-for-loop": "PyTorch foreach=False",
    "numpy": "numpy, unfused",
    "probe": "bandwidth probe (Numba)",
}
Arrays = Sequence[tuple[np.ndarray, np.ndarray]]
#: a contender: (step, params): one update, and the parameters as numpy arrays
Step = tuple[Callable[[], Any], Callable[[], list[np.ndarray]]]


@jit
def bandwidth_probe(param, grad, square_avg):  # type: ignore[no-untyped-def]
    """Read θ, g, v and write θ, v once per element (the fused kernel's traffic), no math.

    One addition keeps every load alive (a store of an unchanged value could be dropped
    by the compiler): θ ← v + g and v ← θ, a swap that drifts by g every other call.
    """
    n = param.size
    theta, g, v = param.reshape(n), grad.reshape(n), square_avg.reshape(n)
    for i in range(n):
        old = theta[i]
        theta[i] = v[i] + g[i]
        v[i] = old


def split_sizes(total: int, parts: int) -> list[int]:
    """``total`` elements as ``parts`` tensor sizes differing by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def initial_arrays(total: int, parts: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(parameter, gradient) float32 pairs: θ ~ U(-1, 1), g ~ N(0, 1), seeded."""
    rng = np.random.default_rng(seed)
    sizes = split_sizes(total, parts)
    return [(rng.random(n, dtype=F32) * 2 - 1, rng.standard_normal(n, dtype=F32)) for n in sizes]


def _library(lib: Any, arrays: Arrays, **options: Any) -> Step:
    """``lib.optim.RMSprop`` (tinygrad_rms or torch) on copies of ``arrays``, grads preset."""
    params = [lib.nn.Parameter(lib.tensor(theta)) for theta, _ in arrays]
    for p, (_, g) in zip(params, arrays, strict=True):
        p.grad = lib.tensor(g)
    opt = lib.optim.RMSprop(params, lr=LR, alpha=ALPHA, eps=EPS, **options)
    return opt.step, lambda: [p.detach().numpy() for p in params]


def _ours_parallel(arrays: Arrays) -> Step:
    import tinygrad_rms

    step, params = _library(tinygrad_rms, arrays)
    optim = tinygrad_rms.optim

    def parallel_step() -> None:  # the setting is global: on for this contender's steps only
        previous = optim.set_parallel_threshold(PARALLEL_MIN_SIZE)
        try:
            step()
        finally:
            optim.set_parallel_threshold(previous)

    return parallel_step, params


def _kernel_calls(kernel: Callable[..., Any], arrays: Arrays, *extra: Any) -> Step:
    """One pre-bound call of ``kernel(θ, g, v, *extra)`` per tensor, on private copies."""
    thetas = [theta.copy() for theta, _ in arrays]
    calls = [
        functools.partial(kernel, theta, g.copy(), np.zeros_like(theta), *extra)
        for theta, (_, g) in zip(thetas, arrays, strict=True)
    ]

    def step() -> None:
        for call in calls:
            call()

    return calls[0] if len(calls) == 1 else step, lambda: thetas


def _bare(arrays: Arrays) -> Step:
    """``rmsprop_update`` with the packed scalars of ``RMSprop(lr, alpha, eps)``'s own plan,
    so the bare call runs the very specialisation and values that ``step()`` runs."""
    import tinygrad_rms as tg
    from tinygrad_rms.kernels import rmsprop_update

    opt = tg.optim.RMSprop([tg.nn.Parameter(np.zeros(1, F32))], lr=LR, alpha=ALPHA, eps=EPS)
    scalars = opt.plan(opt.defaults).scalars(np.dtype(F32), 1)
    return _kernel_calls(rmsprop_update, arrays, None, None, scalars)


def _numpy(arrays: Arrays) -> Step:
    """PyTorch's ``_single_tensor_rmsprop`` as plain numpy expressions (temporaries and all)."""
    triples = [(theta.copy(), g.copy(), np.zeros_like(theta)) for theta, g in arrays]

    def step() -> None:
        for theta, g, v in triples:  # Python floats: numpy keeps float32 arrays float32
            v *= ALPHA  # square_avg.mul_(alpha)
            v += (1 - ALPHA) * g * g  # .addcmul_(grad, grad, value=1 - alpha)
            avg = np.sqrt(v) + EPS  # avg = square_avg.sqrt().add_(eps)
            theta -= LR * g / avg  # param.addcdiv_(grad, avg, value=-lr)

    return step, lambda: [t for t, _, _ in triples]


def make_contenders(ctx: Context, arrays: Arrays, names: Sequence[str]) -> dict[str, Step]:
    """The contenders in ``names`` (torch ones skipped without PyTorch), in that order.
    PyTorch runs with ``ctx.threads`` intra-op threads, as set by the harness."""
    import tinygrad_rms

    makers: dict[str, Callable[[], Step]] = {
        "ours": lambda: _library(tinygrad_rms, arrays),
        "ours-parallel": lambda: _ours_parallel(arrays),
        "bare": lambda: _bare(arrays),
        "probe": lambda: _kernel_calls(bandwidth_probe, arrays),
        "numpy": lambda: _numpy(arrays),
        "torch-foreach": lambda: _library(ctx.torch, arrays, foreach=True),
        "torch-for-loop": lambda: _library(ctx.torch, arrays, foreach=False),
    }
    return {n: makers[n]() for n in names if ctx.torch is not None or not n.startswith("torch")}


def measure_case(
    ctx: Context,
    total: int,
    parts: int,
    names: Sequence[str],
    *,
    repeats: int,
    target_s: float,
    warm_s: float,
) -> dict[str, Any]:
    """Time ``step()`` of each contender (own arrays) on ``total`` float32 elements in
    ``parts`` tensors: first call alone, a warm-up of ``warm_s``, then samples of as many
    steps as fill ``target_s``, round-robin (``time_steps``).  Per contender: the summary
    of seconds per step, with samples, steps per sample, first-call seconds and GB/s."""
    contenders = make_contenders(ctx, initial_arrays(total, parts), names)
    first, _, samples, stats = time_steps(
        ctx,
        {name: c[0] for name, c in contenders.items()},
        repeats=repeats,
        warmup=warm_s,
        fill_s=target_s,
    )
    return {
        name: s
        | {"gbps": BYTES_PER_ELEMENT * total / s["median"] / 1e9}
        | {"samples": samples[name], "first_call": first[name]}
        for name, s in stats.items()
    }


def agreement(ctx: Context, steps: int = 10) -> dict[str, float]:
    """Largest |θ − θ_ours| of every updating contender after ``steps`` steps (3 tensors)."""
    names = ["ours", "bare", "torch-foreach", "torch-for-loop", "numpy"]
    finals = {}
    for name, (step, params) in make_contenders(ctx, initial_arrays(1_000, 3, 1), names).items():
        for _ in range(steps):
            step()
        finals[name] = np.concatenate([np.asarray(p).ravel() for p in params()])
    return {k: float(np.max(np.abs(v - finals["ours"]))) for k, v in finals.items() if k != "ours"}


def fmt_count(n: int) -> str:
    """1000 -> '1e3', 16000000 -> '1.6e7', 560 -> '560'."""
    if n < 1000:
        return str(n)
    exp = int(np.floor(np.log10(n)))
    mant = n / 10**exp
    return f"{mant:g}e{exp}" if round(mant, 2) == mant else f"{n:.2g}"


def fmt_pct(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.0f} %"


@register("B2", TITLE)
def run(ctx: Context) -> Result:
    repeats = ctx.n_repeats(quick=3, full=15)
    target_s, warm_s = ctx.pick(0.002, 0.01), ctx.pick(0.005, 0.05)
    cases: list[dict[str, Any]] = []
    for total in ctx.pick(SIZES_QUICK, SIZES_FULL):
        for parts in (1, SPLIT):
            names = ["ours", "torch-foreach", "torch-for-loop", "numpy", "probe"]
            if total <= BARE_UP_TO:
                names.insert(1, "bare")
            if total // parts >= PARALLEL_MIN_SIZE:
                names.insert(1, "ours-parallel")
            ctx.log(f"B2: {total} elements in {parts} tensor(s)")
            res = measure_case(
                ctx, total, parts, names, repeats=repeats, target_s=target_s, warm_s=warm_s
            )
            cases.append({"elements": total, "tensors": parts, "contenders": res})
    from tinygrad_rms.kernels import rmsprop_update

    sig32 = [s for s in rmsprop_update.signatures if "float32" in str(s[0])][:1]
    code = {
        "kernel_compile_s": compile_seconds(rmsprop_update, sig32) if sig32 else None,
        "probe_compile_s": compile_seconds(bandwidth_probe, bandwidth_probe.signatures[:1]),
    }
    agree = agreement(ctx)

    headers = ["elements", "tensors", "contender", "median / step", "IQR", "GB/s", "% of probe"]
    rows = []
    for case in cases:
        res = case["contenders"]
        for name, s in res.items():
            s["probe_fraction"] = res["probe"]["median"] / s["median"]
            ratio = fmt_ratio(s["median"] / res["ours"]["median"])
            count, parts = fmt_count(case["elements"]), str(case["tensors"])
            times = fmt_time(s["median"]), fmt_time(s["iqr"])
            rows.append([count, parts, LABELS[name], *times, f"{s['gbps']:.1f}"])
            rows[-1] += [fmt_pct(s["probe_fraction"]), ratio]
    targets, target_rows = evaluate_targets(ctx, cases)
    what = (
        "`RMSprop(params, lr=0.01, alpha=0.9).step()` alone on float32 parameters whose "
        "gradients are preset, as one tensor and as the same total split over "
        f"{SPLIT} tensors, against PyTorch's two implementations, PyTorch's algorithm in "
        "unfused numpy, the bare Numba kernel (up to 1e5 elements: the cost of `step()` "
        "around it) and a bandwidth probe: a loop compiled with the project's `jit` that "
        f"moves the same {BYTES_PER_ELEMENT} bytes per element as the fused kernel "
        "(θ read+write, g read, v read+write) with no arithmetic worth the name. "
        f"GB/s = {BYTES_PER_ELEMENT} B × elements / median time for every contender; "
        "% of probe = probe time / contender time. Each sample times as many consecutive "
        f"steps as fill ~{fmt_time(target_s)} (at least one); {repeats} samples per "
        "contender, round-robin with rotating order, after a warm-up.\n\n"
        "**Targets** (from the issue)\n\n"
        + markdown_table(["target", "measured", "met?"], target_rows)
        + "\n\n**All measurements**"
    )
    notes = ctx.no_torch_note()
    if ctx.torch is not None:
        import numba

        notes.append(
            f"PyTorch ran with {ctx.threads} intra-op thread(s) (torch.set_num_threads, as in "
            "the rest of the harness); our kernel (by default), the bare calls, numpy's "
            "ufuncs and the probe use one. The ours-parallel rows turn on the kernels' "
            f"parallel copies for tensors of at least {PARALLEL_MIN_SIZE:,} elements "
            f"({numba.get_num_threads()} Numba threads); they are off by default because "
            "between BLAS calls in a training step the thread pools contend (see B3)."
        )
    notes += cache_notes(cases)
    first = ", ".join(f"{k} {fmt_time(v['first_call'])}" for k, v in cases[0]["contenders"].items())
    notes.append(
        "Compile times (fresh dispatchers, no disk cache, not part of any timing): "
        f"rmsprop_update float32 {fmt_time(code['kernel_compile_s'])}, probe "
        f"{fmt_time(code['probe_compile_s'])}. First call of each contender on the first case "
        f"({first}); it loads or compiles its kernel unless an earlier benchmark in this "
        "process did."
    )
    notes.append(
        "Same arithmetic: after 10 steps from the same start (1e3 elements in 3 tensors) the "
        "largest |θ − θ_ours| is " + ", ".join(f"{k} {v:.1e}" for k, v in agree.items()) + "."
    )
    data = {
        **{"lr": LR, "alpha": ALPHA, "eps": EPS, "dtype": "float32"},
        **{"bytes_per_element": BYTES_PER_ELEMENT, "split_tensors": SPLIT, "repeats": repeats},
        **{"target_sample_s": target_s, "threads": ctx.threads, "torch": ctx.torch_status},
        **{"cases": cases, "targets": targets, "code": code, "agreement_max_abs_diff": agree},
    }
    return Result("B2", TITLE, what, [*headers, "× ours"], rows, notes, data)


def evaluate_targets(
    ctx: Context, cases: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], list[list[str]]]:
    """The issue's targets, measured: values for the JSON and rows for the table.  Each is a
    ratio of two contenders' medians in one case; the verdict is by medians, and where the
    ratio of the best samples says otherwise, that is added (a noisy machine)."""
    targets: dict[str, Any] = {}
    rows: list[list[str]] = []
    by_case = {(c["elements"], c["tensors"]): c["contenders"] for c in cases}
    biggest = max(SIZES_FULL)
    checks = []  # (key, label, case, numerator, denominator, limit, at least?, as percent?)
    for parts in (1, SPLIT):
        where = f"{fmt_count(biggest)} elements, {parts} tensor{'s' if parts > 1 else ''}"
        res = by_case.get((biggest, parts), {})
        modes = [k for k in ("torch-foreach", "torch-for-loop") if k in res]
        fast = min(modes, key=lambda k: res[k]["median"]) if modes else None
        speed = f"≥ {TARGET_SPEEDUP:g}× PyTorch's faster mode, {where}"
        checks.append((f"speedup_vs_torch_{parts}", speed, (biggest, parts), fast, "ours"))
        checks[-1] += (TARGET_SPEEDUP, True, False)
        probe = f"≥ {TARGET_PROBE_FRACTION:.0%} of the probe's bandwidth, {where}"
        checks.append((f"probe_fraction_{parts}", probe, (biggest, parts), "probe", "ours"))
        checks[-1] += (TARGET_PROBE_FRACTION, True, True)
    for (total, parts), res in by_case.items():
        if "bare" in res:
            limit = TARGET_OVERHEAD_SPLIT if parts > 1 else TARGET_OVERHEAD
            label = f"step() ≤ {limit:g}× bare kernel call(s), {fmt_count(total)} elements, "
            label += f"{parts} tensor{'s' if parts > 1 else ''}"
            checks.append((f"overhead_{total}_{parts}", label, (total, parts), "ours", "bare"))
            checks[-1] += (limit, False, False)
    for key, label, case, num, den, limit, at_least, percent in checks:
        res = by_case.get(case)
        if res is None or num is None:
            rows.append([label, "not run" if res is None else "no PyTorch", "–"])
            continue
        ratio = res[num]["median"] / res[den]["median"]
        by_min = res[num]["min"] / res[den]["min"]
        ok, ok_min = (
            (ratio >= limit, by_min >= limit) if at_least else (ratio <= limit, by_min <= limit)
        )
        show = fmt_pct if percent else (lambda r: f"{r:.2f}×")
        text = f"{show(ratio)} ({LABELS[num]} {fmt_time(res[num]['median'])}, "
        text += f"{LABELS[den]} {fmt_time(res[den]['median'])}"
        if den == "bare":  # what step() adds per tensor beyond the kernel calls
            per_tensor = (res[num]["median"] - res[den]["median"]) / case[1]
            text += f"; {fmt_time(per_tensor)} per tensor beyond the kernel"
        text += f"); {show(by_min)} by minimums"
        targets[key] = {"of": [num, den], "ratio": ratio, "ratio_by_min": by_min, "met": ok}
        verdict = ("yes" if ok else "**no**") + (
            f" (by minimums: {'yes' if ok_min else 'no'})" if ok_min != ok else ""
        )
        rows.append([label, text, verdict])
    if ctx.quick:
        rows.append(["(quick mode)", f"{fmt_count(biggest)} elements run in full mode only", "–"])
    return targets, rows


def cache_notes(cases: Sequence[dict[str, Any]]) -> list[str]:
    """Is the kernel compute- or bandwidth-bound?  In cache (1e5 float32 elements: three
    400 kB arrays) the bare kernel against the probe shows what the arithmetic costs; its
    rate there against the probe's at the largest size (DRAM in full mode) says which limit
    the largest step meets."""
    single = [c for c in cases if c["tensors"] == 1]
    if len(single) < 2:
        return []
    small = next((c for c in single if c["elements"] == BARE_UP_TO), single[0])
    largest, res = single[-1]["contenders"], small["contenders"]
    kernel = "bare" if "bare" in res else "ours"
    k_time, p_time = res[kernel]["median"], res["probe"]["median"]
    rate = small["elements"] / k_time
    probe_rate = single[-1]["elements"] / largest["probe"]["median"]
    bound = "bandwidth-bound (the arithmetic keeps up with memory)"
    if rate <= probe_rate:
        bound = "compute-bound (the arithmetic is slower than memory)"
    return [
        f"Compute vs bandwidth: in cache ({fmt_count(small['elements'])} elements) the "
        f"{'bare ' if kernel == 'bare' else ''}kernel takes {fmt_time(k_time)} where the probe "
        f"takes {fmt_time(p_time)} ({p_time / k_time:.0%}): there the arithmetic is the limit, "
        f"at {rate / 1e9:.2f} G elements/s. The probe streams {probe_rate / 1e9:.2f} G "
        f"elements/s at {fmt_count(single[-1]['elements'])} elements, so the step there is "
        f"{bound}; ours reaches {largest['probe']['median'] / largest['ours']['median']:.0%} "
        "of the probe."
    ]
