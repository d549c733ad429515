"""B2: the RMSprop step alone, ours vs PyTorch (both modes) vs unfused numpy vs a bandwidth probe.

Every contender updates float32 parameters whose gradients are already there, so only
``step()`` is timed.  The sizes are 1e3, 1e5, 1e6 and 1.6e7 elements (1.6e7 in full mode
only), as one tensor and as the same total split over 100 tensors.  The contenders:

- ``ours``: ``tinygrad_rms.optim.RMSprop(params, lr=0.01, alpha=0.9).step()``;
- ``ours-parallel``: the same with the kernels' parallel copies turned on
  (``optim.set_parallel_threshold(PARALLEL_MIN_SIZE)``, off by default), in the cases
  with a tensor that large;
- ``bare``: the Numba kernel ``rmsprop_update`` called directly on the same kind of arrays
  with the scalars the optimizer would pass (sizes up to 1e5 only), once per tensor: what
  ``step()`` costs beyond the kernel is the difference (with 100 small tensors, ``step()``
  packs them and makes one call: ``optim/_pack.py``, so it may beat the bare calls);
- ``torch-foreach`` / ``torch-for-loop``: ``torch.optim.RMSprop`` with ``foreach=True`` /
  ``foreach=False`` (PyTorch's intra-op threads as everywhere in the harness);
- ``numpy``: PyTorch's single-tensor algorithm written as separate numpy operations, each
  allocating its temporaries as numpy does (``v *= α; v += (1-α)·g·g; avg = √v + ε;
  θ -= lr·g/avg``);
- ``probe``: a Numba loop compiled with the project's own ``jit`` (so with the kernel's
  options) that reads θ, g and v and writes θ and v, exactly the 20 bytes per float32
  element that the fused kernel must move, with one addition instead of the arithmetic.
  Its speed is what the memory system allows one thread (ours' default); "% of probe" is
  probe time / contender time.

GB/s counts those 20 bytes per element for every contender (the algorithm's minimum
traffic, not what an unfused implementation actually moves).  ``measure_case`` is shared
with B5, which sweeps the size.
"""

from __future__ import annotations

import functools
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rms.kernels._jit import PARALLEL_MIN_SIZE, jit

from .common import (
    Context,
    Result,
    fmt_ratio,
    fmt_time,
    markdown_table,
    register,
    round_robin,
    summarize,
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

LABELS = {
    "ours": "ours: RMSprop.step()",
    "ours-parallel": "ours, parallel kernels on (opt-in)",
    "bare": "bare rmsprop_update call(s)",
    "torch-foreach": "PyTorch foreach=True",
    "torch-for-loop": "PyTorch foreach=False",
    "numpy": "numpy, unfused",
    "probe": "bandwidth probe (Numba)",
}


@jit
def bandwidth_probe(param, grad, square_avg):  # type: ignore[no-untyped-def]
    """Read θ, g, v and write θ, v once per element (the fused kernel's traffic), no math.

    One addition keeps every load alive (a store of an unchanged value could be dropped
    by the compiler): θ ← v + g and v ← θ, a swap that drifts by g every other call.
    """
    n = param.size
    theta = param.reshape(n)
    g = grad.reshape(n)
    v = square_avg.reshape(n)
    for i in range(n):
        old = theta[i]
        theta[i] = v[i] + g[i]
        v[i] = old


# ---------------------------------------------------------------------- contenders
@dataclass
class StepContender:
    """``step()`` updates the parameters once; ``params()`` returns them as numpy arrays."""

    name: str
    step: Callable[[], Any]
    params: Callable[[], list[np.ndarray]]
    before: Callable[[], Any] = lambda: None


def split_sizes(total: int, parts: int) -> list[int]:
    """``total`` elements as ``parts`` tensor sizes differing by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def initial_arrays(total: int, parts: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(parameter, gradient) float32 pairs: θ ~ U(-1, 1), g ~ N(0, 1), seeded."""
    rng = np.random.default_rng(seed)
    out = []
    for size in split_sizes(total, parts):
        theta = rng.random(size, dtype=F32)
        theta *= 2
        theta -= 1
        out.append((theta, rng.standard_normal(size, dtype=F32)))
    return out


def kernel_scalars() -> np.ndarray:
    """``rmsprop_update``'s packed ``scalars`` for float32 parameters.

    Taken from ``RMSprop(lr=LR, alpha=ALPHA, eps=EPS)``'s own plan, so the bare call runs
    the very specialisation and values that ``step()`` runs.
    """
    import tinygrad_rms.nn as tnn
    import tinygrad_rms.optim as toptim

    opt = toptim.RMSprop([tnn.Parameter(np.zeros(1, F32))], lr=LR, alpha=ALPHA, eps=EPS)
    return opt.plan(opt.defaults).scalars(np.dtype(F32), 1)


def make_ours(
    arrays: Sequence[tuple[np.ndarray, np.ndarray]], parallel: bool = False
) -> StepContender:
    import tinygrad_rms as tg
    import tinygrad_rms.nn as tnn
    import tinygrad_rms.optim as toptim

    params = []
    for theta, g in arrays:
        p = tnn.Parameter(theta.copy())
        p.grad = tg.tensor(g)  # a copy
        params.append(p)
    opt = toptim.RMSprop(params, lr=LR, alpha=ALPHA, eps=EPS)
    if not parallel:
        return StepContender("ours", opt.step, lambda: [p.detach().numpy() for p in params])

    def step() -> None:  # the setting is global: on for this contender's steps only
        previous = toptim.set_parallel_threshold(PARALLEL_MIN_SIZE)
        try:
            opt.step()
        finally:
            toptim.set_parallel_threshold(previous)

    return StepContender("ours-parallel", step, lambda: [p.detach().numpy() for p in params])


def _kernel_calls(
    kernel: Callable[..., Any], arrays: Sequence[tuple[np.ndarray, np.ndarray]], *extra: Any
) -> tuple[Callable[[], Any], list[np.ndarray]]:
    """One pre-bound call of ``kernel(θ, g, v, *extra)`` per tensor, on private copies."""
    thetas = [theta.copy() for theta, _ in arrays]
    calls = [
        functools.partial(kernel, theta, g.copy(), np.zeros_like(theta), *extra)
        for theta, (_, g) in zip(thetas, arrays, strict=True)
    ]
    if len(calls) == 1:
        return calls[0], thetas

    def step() -> None:
        for call in calls:
            call()

    return step, thetas


def make_bare(arrays: Sequence[tuple[np.ndarray, np.ndarray]]) -> StepContender:
    from tinygrad_rms.kernels import rmsprop_update

    step, thetas = _kernel_calls(rmsprop_update, arrays, None, None, kernel_scalars())
    return StepContender("bare", step, lambda: thetas)


def make_probe(arrays: Sequence[tuple[np.ndarray, np.ndarray]]) -> StepContender:
    step, thetas = _kernel_calls(bandwidth_probe, arrays)
    return StepContender("probe", step, lambda: thetas)


def make_torch(
    arrays: Sequence[tuple[np.ndarray, np.ndarray]],
    torch: ModuleType,
    threads: int,
    foreach: bool,
) -> StepContender:
    params = []
    for theta, g in arrays:
        p = torch.nn.Parameter(torch.from_numpy(theta.copy()))
        p.grad = torch.from_numpy(g.copy())
        params.append(p)
    opt = torch.optim.RMSprop(params, lr=LR, alpha=ALPHA, eps=EPS, foreach=foreach)
    return StepContender(
        "torch-foreach" if foreach else "torch-for-loop",
        opt.step,
        lambda: [p.detach().numpy() for p in params],
        lambda: torch.set_num_threads(threads),
    )


def make_numpy(arrays: Sequence[tuple[np.ndarray, np.ndarray]]) -> StepContender:
    """PyTorch's ``_single_tensor_rmsprop`` as plain numpy expressions (temporaries and all)."""
    triples = [(theta.copy(), g.copy(), np.zeros_like(theta)) for theta, g in arrays]
    lr, alpha, eps = LR, ALPHA, EPS  # Python floats: numpy keeps float32 arrays float32

    def step() -> None:
        for theta, g, v in triples:
            v *= alpha  # square_avg.mul_(alpha)
            v += (1 - alpha) * g * g  # .addcmul_(grad, grad, value=1 - alpha)
            avg = np.sqrt(v) + eps  # avg = square_avg.sqrt().add_(eps)
            theta -= lr * g / avg  # param.addcdiv_(grad, avg, value=-lr)

    return StepContender("numpy", step, lambda: [t for t, _, _ in triples])


def make_contenders(
    ctx: Context, arrays: Sequence[tuple[np.ndarray, np.ndarray]], names: Sequence[str]
) -> list[StepContender]:
    """The contenders in ``names`` (torch ones skipped without PyTorch), in that order."""
    out = []
    for name in names:
        if name == "ours":
            out.append(make_ours(arrays))
        elif name == "ours-parallel":
            out.append(make_ours(arrays, parallel=True))
        elif name == "bare":
            out.append(make_bare(arrays))
        elif name == "probe":
            out.append(make_probe(arrays))
        elif name == "numpy":
            out.append(make_numpy(arrays))
        elif name in ("torch-foreach", "torch-for-loop"):
            if ctx.torch is not None:
                out.append(make_torch(arrays, ctx.torch, ctx.threads, name == "torch-foreach"))
        else:
            raise ValueError(f"unknown contender {name!r}")
    return out


# ---------------------------------------------------------------------- measuring
def calibrate(fn: Callable[[], Any], warm_s: float, max_calls: int = 100_000) -> float:
    """Warm ``fn`` up (two calls, then at least three more and ``warm_s`` seconds).

    Returns the mean seconds per call of the calls after the first two.
    """
    fn()
    fn()
    perf = time.perf_counter
    calls, t0 = 0, perf()
    while True:
        fn()
        calls += 1
        elapsed = perf() - t0
        if (calls >= 3 and elapsed >= warm_s) or calls >= max_calls:
            return elapsed / calls


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
    """Time ``step()`` of each contender on ``total`` float32 elements in ``parts`` tensors.

    Each contender gets its own arrays.  After its first call (timed alone: it may load or
    compile a kernel, or create optimizer state) and a warm-up, each sample times as many
    back-to-back steps as fill about ``target_s`` (at least one), samples going
    round-robin with rotating order.  Returns per contender the summary of seconds per
    step (with samples, steps per sample and first-call seconds).
    """
    arrays = initial_arrays(total, parts)
    contenders = make_contenders(ctx, arrays, names)
    del arrays
    by_name = {c.name: c for c in contenders}
    first: dict[str, float] = {}
    inner: dict[str, int] = {}
    for c in contenders:
        c.before()
        t0 = time.perf_counter()
        c.step()
        first[c.name] = time.perf_counter() - t0
        per_call = calibrate(c.step, warm_s)
        inner[c.name] = max(1, min(100_000, round(target_s / per_call)))

    perf = time.perf_counter

    def sample(name: str) -> float:
        c = by_name[name]
        c.before()
        n = inner[name]
        step = c.step
        t0 = perf()
        for _ in range(n):
            step()
        return (perf() - t0) / n

    try:
        samples = round_robin(list(by_name), repeats, sample)
    finally:
        if ctx.torch is not None:
            ctx.torch.set_num_threads(ctx.threads)
    out = {}
    for name, values in samples.items():
        stats = summarize(values)
        stats["gbps"] = BYTES_PER_ELEMENT * total / stats["median"] / 1e9
        out[name] = {**stats, "samples": values, "inner": inner[name], "first_call": first[name]}
    return out


def agreement(ctx: Context, steps: int = 10) -> dict[str, float]:
    """Largest |θ − θ_ours| of every updating contender after ``steps`` steps (3 tensors)."""
    arrays = initial_arrays(1_000, 3, seed=1)
    names = ["ours", "bare", "torch-foreach", "torch-for-loop", "numpy"]
    finals = {}
    for c in make_contenders(ctx, arrays, names):
        c.before()
        for _ in range(steps):
            c.step()
        finals[c.name] = np.concatenate([np.asarray(p).ravel() for p in c.params()])
    if ctx.torch is not None:
        ctx.torch.set_num_threads(ctx.threads)
    ref = finals["ours"]
    return {k: float(np.max(np.abs(v - ref))) for k, v in finals.items() if k != "ours"}


# ---------------------------------------------------------------------- compile and code
def numba_threads() -> int:
    import numba

    return int(numba.get_num_threads())


def _fresh_compile(dispatcher: Any, signatures: Sequence[Any]) -> tuple[float, Any]:
    """Seconds to compile ``signatures`` on an uncached copy of ``dispatcher``, and the copy."""
    import numba

    options = {k: v for k, v in dispatcher.targetoptions.items() if k not in ("cache", "nopython")}
    fresh = numba.njit(**options)(dispatcher.py_func)
    t0 = time.perf_counter()
    for sig in signatures:
        fresh.compile(sig)
    return time.perf_counter() - t0, fresh


def vector_instructions(asm: str) -> dict[str, dict[str, int]]:
    """Counts of the square-root and division instructions by register width in ``asm``.

    ``vsqrtps``/``vdivps`` on ``zmm`` (16 floats) or ``ymm`` (8) registers mean the loop was
    vectorised; the scalar ``vsqrtss``/``vdivss`` (and ``xmm`` packed forms) are what a
    remainder loop, or an unvectorised one, uses.
    """
    out: dict[str, dict[str, int]] = {}
    for ins in ("vsqrtps", "vdivps", "vsqrtss", "vdivss"):
        widths: dict[str, int] = {}
        for operands in re.findall(rf"\b{ins}\s+([^\n]*)", asm):
            regs = re.findall(r"%([xyz]mm)\d+", operands)
            key = regs[-1] if regs else "memory"
            widths[key] = widths.get(key, 0) + 1
        out[ins] = widths
    return out


def kernel_code_facts() -> dict[str, Any]:
    """Compile times (uncached) of the kernel's float32 signature and of the probe, and
    the vector width of the kernel's square root and division."""
    from tinygrad_rms.kernels import rmsprop_update

    sig32 = [s for s in rmsprop_update.signatures if "float32" in str(s[0])]
    probe_sigs = list(bandwidth_probe.signatures)
    facts: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if sig32:
            seconds, fresh = _fresh_compile(rmsprop_update, sig32[:1])
            facts["kernel_compile_s"] = seconds
            try:
                facts["kernel_vector_instructions"] = vector_instructions(
                    fresh.inspect_asm(fresh.signatures[0])
                )
            except Exception as exc:  # inspection is a diagnostic, never a failure
                facts["kernel_vector_instructions"] = f"unavailable: {exc}"
        if probe_sigs:
            facts["probe_compile_s"], _ = _fresh_compile(bandwidth_probe, probe_sigs[:1])
    return facts


def describe_vectors(counts: Any) -> str:
    if not isinstance(counts, dict):
        return str(counts)
    parts = []
    for ins in ("vsqrtps", "vdivps"):
        wide = {k: v for k, v in counts.get(ins, {}).items() if k in ("ymm", "zmm")}
        parts.append(
            f"{ins} on " + (", ".join(f"{v}× {k}" for k, v in sorted(wide.items())) or "no ymm/zmm")
        )
    return "; ".join(parts)


def fmt_count(n: int) -> str:
    """1000 -> '1e3', 16000000 -> '1.6e7', 560 -> '560'."""
    if n < 1000:
        return str(n)
    exp = int(np.floor(np.log10(n)))
    mant = n / 10**exp
    return f"{mant:g}e{exp}" if round(mant, 2) == mant else f"{n:.2g}"


def fmt_pct(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.0f} %"


# ---------------------------------------------------------------------- the benchmark
@register("B2", "optimizer step alone (RMSprop.step on preset gradients)")
def run(ctx: Context) -> Result:
    sizes = ctx.pick(SIZES_QUICK, SIZES_FULL)
    repeats = ctx.n_repeats(quick=3, full=15)
    target_s = ctx.pick(0.002, 0.01)
    warm_s = ctx.pick(0.005, 0.05)
    base_names = ["ours", "torch-foreach", "torch-for-loop", "numpy", "probe"]

    cases: list[dict[str, Any]] = []
    for total in sizes:
        for parts in (1, SPLIT):
            names = list(base_names)
            if total <= BARE_UP_TO:
                names.insert(1, "bare")
            if total // parts >= PARALLEL_MIN_SIZE:
                names.insert(1, "ours-parallel")
            ctx.log(f"B2: {total} elements in {parts} tensor(s)")
            res = measure_case(
                ctx, total, parts, names, repeats=repeats, target_s=target_s, warm_s=warm_s
            )
            cases.append({"elements": total, "tensors": parts, "contenders": res})
    facts = kernel_code_facts()
    agree = agreement(ctx)

    headers = ["elements", "tensors", "contender", "median / step", "IQR", "GB/s", "% of probe"]
    headers.append("× ours")
    rows = []
    for case in cases:
        res = case["contenders"]
        probe = res["probe"]["median"]
        ours = res["ours"]["median"]
        for name, s in res.items():
            s["probe_fraction"] = probe / s["median"]
            rows.append(
                [
                    fmt_count(case["elements"]),
                    str(case["tensors"]),
                    LABELS[name],
                    fmt_time(s["median"]),
                    fmt_time(s["iqr"]),
                    f"{s['gbps']:.1f}",
                    fmt_pct(s["probe_fraction"]),
                    fmt_ratio(s["median"] / ours),
                ]
            )

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

    notes = []
    if ctx.torch is None:
        notes.append(f"PyTorch was not measured: {ctx.torch_status}.")
    else:
        notes.append(
            f"PyTorch ran with {ctx.threads} intra-op thread(s) (torch.set_num_threads, as in "
            "the rest of the harness); our kernel (by default), the bare calls, numpy's "
            "ufuncs and the probe use one. The ours-parallel rows turn on the kernels' "
            f"parallel copies for tensors of at least {PARALLEL_MIN_SIZE:,} elements "
            f"({numba_threads()} Numba threads); they are off by default because between "
            "BLAS calls in a training step the thread pools contend (see B3)."
        )
    notes += cache_notes(cases)
    notes.append(
        "Compile times (fresh dispatchers, no disk cache, not part of any timing): "
        f"rmsprop_update float32 {fmt_time(facts.get('kernel_compile_s'))}, probe "
        f"{fmt_time(facts.get('probe_compile_s'))}. First call of each contender on the "
        "first case ("
        + ", ".join(f"{k} {fmt_time(v['first_call'])}" for k, v in cases[0]["contenders"].items())
        + "); it loads or compiles its kernel unless an earlier benchmark in this process did."
    )
    notes.append(
        "The kernel's float32 machine code (inspect_asm of an uncached compile): "
        + describe_vectors(facts.get("kernel_vector_instructions"))
        + "."
    )
    notes.append(
        "Same arithmetic: after 10 steps from the same start (1e3 elements in 3 tensors) the "
        "largest |θ − θ_ours| is " + ", ".join(f"{k} {v:.1e}" for k, v in agree.items()) + "."
    )

    data = {
        "lr": LR,
        "alpha": ALPHA,
        "eps": EPS,
        "dtype": "float32",
        "bytes_per_element": BYTES_PER_ELEMENT,
        "split_tensors": SPLIT,
        "repeats": repeats,
        "target_sample_s": target_s,
        "threads": ctx.threads,
        "torch": ctx.torch_status,
        "cases": cases,
        "targets": targets,
        "code": facts,
        "agreement_max_abs_diff": agree,
    }
    return Result(
        "B2",
        "optimizer step alone (RMSprop.step on preset gradients)",
        what,
        headers,
        rows,
        notes,
        data,
    )


def _case(cases: Sequence[dict[str, Any]], total: int, parts: int) -> dict[str, Any] | None:
    for case in cases:
        if case["elements"] == total and case["tensors"] == parts:
            return case["contenders"]
    return None


def evaluate_targets(
    ctx: Context, cases: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], list[list[str]]]:
    """The issue's three targets, measured: values for the JSON and rows for the table."""
    biggest = max(SIZES_FULL)
    targets: dict[str, Any] = {}
    rows: list[list[str]] = []

    def verdict(ok: bool | None, ok_by_min: bool | None = None) -> str:
        """By medians; when the best samples say otherwise, that too (a noisy machine)."""
        text = "–" if ok is None else ("yes" if ok else "**no**")
        if ok is not None and ok_by_min is not None and ok_by_min != ok:
            text += f" (by minimums: {'yes' if ok_by_min else 'no'})"
        return text

    for parts in (1, SPLIT):
        res = _case(cases, biggest, parts)
        where = f"{fmt_count(biggest)} elements, {parts} tensor{'s' if parts > 1 else ''}"
        if res is None:
            rows.append([f"≥ {TARGET_SPEEDUP:g}× PyTorch's faster mode, {where}", "not run", "–"])
            rows.append(
                [f"≥ {TARGET_PROBE_FRACTION:.0%} of the probe's bandwidth, {where}", "not run", "–"]
            )
            continue
        torch_modes = {k: res[k]["median"] for k in ("torch-foreach", "torch-for-loop") if k in res}
        ours, ours_min = res["ours"]["median"], res["ours"]["min"]
        if torch_modes:
            faster = min(torch_modes, key=torch_modes.__getitem__)
            speedup = torch_modes[faster] / ours
            by_min = min(res[k]["min"] for k in torch_modes) / ours_min
            ok = speedup >= TARGET_SPEEDUP
            targets[f"speedup_vs_torch_{parts}"] = {
                "torch_mode": faster,
                "speedup": speedup,
                "speedup_by_min": by_min,
                "met": ok,
            }
            rows.append(
                [
                    f"≥ {TARGET_SPEEDUP:g}× PyTorch's faster mode, {where}",
                    f"{speedup:.2f}× ({LABELS[faster]} {fmt_time(torch_modes[faster])}, "
                    f"ours {fmt_time(ours)}); {by_min:.2f}× by minimums",
                    verdict(ok, by_min >= TARGET_SPEEDUP),
                ]
            )
        else:
            rows.append(
                [f"≥ {TARGET_SPEEDUP:g}× PyTorch's faster mode, {where}", "no PyTorch", "–"]
            )
        frac = res["probe"]["median"] / ours
        frac_min = res["probe"]["min"] / ours_min
        ok = frac >= TARGET_PROBE_FRACTION
        targets[f"probe_fraction_{parts}"] = {
            "fraction": frac,
            "fraction_by_min": frac_min,
            "met": ok,
        }
        rows.append(
            [
                f"≥ {TARGET_PROBE_FRACTION:.0%} of the probe's bandwidth, {where}",
                f"{fmt_pct(frac)} ({res['ours']['gbps']:.1f} of {res['probe']['gbps']:.1f} GB/s); "
                f"{fmt_pct(frac_min)} by minimums",
                verdict(ok, frac_min >= TARGET_PROBE_FRACTION),
            ]
        )
    for case in cases:
        res = case["contenders"]
        if "bare" not in res:
            continue
        ours, bare = res["ours"]["median"], res["bare"]["median"]
        ratio = ours / bare
        ratio_by_min = res["ours"]["min"] / res["bare"]["min"]
        parts = case["tensors"]
        limit = TARGET_OVERHEAD_SPLIT if parts > 1 else TARGET_OVERHEAD
        ok = ratio <= limit
        per_tensor = (ours - bare) / parts
        targets[f"overhead_{case['elements']}_{parts}"] = {
            "ratio": ratio,
            "overhead_s": ours - bare,
            "overhead_per_tensor_s": per_tensor,
            "ratio_by_min": ratio_by_min,
            "met": ok,
        }
        rows.append(
            [
                f"step() ≤ {limit:g}× bare kernel call(s), {fmt_count(case['elements'])}"
                f" elements, {parts} tensor{'s' if parts > 1 else ''}",
                f"{ratio:.2f}× ({fmt_time(ours)} vs {fmt_time(bare)}; "
                f"{fmt_time(per_tensor)} per tensor beyond the kernel); "
                f"{ratio_by_min:.2f}× by minimums",
                verdict(ok, ratio_by_min <= limit),
            ]
        )
    if ctx.quick:
        rows.append(["(quick mode)", f"{fmt_count(biggest)} elements run in full mode only", "–"])
    return targets, rows


def cache_notes(cases: Sequence[dict[str, Any]]) -> list[str]:
    """Is the kernel compute- or bandwidth-bound?  Its in-cache rate vs the probe's.

    In cache (1e5 float32 elements: three 400 kB arrays) the kernel (bare, without
    ``step()``'s fixed cost) against the probe shows what the arithmetic costs; its rate
    there against the probe's rate at the largest size (from DRAM in full mode) says which
    limit the largest step meets.
    """
    single = [c for c in cases if c["tensors"] == 1]
    if len(single) < 2:
        return []
    small = next((c for c in single if c["elements"] == BARE_UP_TO), single[0])
    largest = single[-1]
    kernel = "bare" if "bare" in small["contenders"] else "ours"
    k_time = small["contenders"][kernel]["median"]
    p_time = small["contenders"]["probe"]["median"]
    rate = small["elements"] / k_time
    probe_rate = largest["elements"] / largest["contenders"]["probe"]["median"]
    ours_frac = largest["contenders"]["probe"]["median"] / largest["contenders"]["ours"]["median"]
    return [
        f"Compute vs bandwidth: in cache ({fmt_count(small['elements'])} elements) the "
        f"{'bare ' if kernel == 'bare' else ''}kernel takes {fmt_time(k_time)} where the probe "
        f"takes {fmt_time(p_time)} ({p_time / k_time:.0%}): there the arithmetic is the limit, "
        f"at {rate / 1e9:.2f} G elements/s. The probe streams {probe_rate / 1e9:.2f} G "
        f"elements/s at {fmt_count(largest['elements'])} elements, so the step there is "
        + (
            "bandwidth-bound (the arithmetic keeps up with memory); ours reaches "
            if rate > probe_rate
            else "compute-bound (the arithmetic is slower than memory); ours reaches "
        )
        + f"{ours_frac:.0%} of the probe."
    ]
