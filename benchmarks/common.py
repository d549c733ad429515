"""The measurement core every benchmark shares: registry, run context, round-robin timing,
summaries, child processes with peak RSS, machine facts and markdown.

A benchmark is a function ``fn(ctx: Context) -> Result`` in a module ``bN_name.py`` of this
package, decorated with ``@register("BN", "title")``.  Contenders are timed round-robin,
the order rotating from one repeat to the next, so every contender sees the same machine
state; a summary is the median with its IQR and minimum.
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
_T = TypeVar("_T")


# ---------------------------------------------------------------------- registry
@dataclass
class Result:
    """What a benchmark hands back: a table for people and ``data`` for machines (JSON)."""

    id: str
    title: str
    what: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """How this run was asked for, and what every benchmark needs to know about the machine."""

    quick: bool
    threads: int
    torch: ModuleType | None
    torch_status: str
    repeats: int | None = None
    log: Callable[[str], None] = print

    def pick(self, quick: _T, full: _T) -> _T:
        """The quick-mode or the full-mode value of a parameter."""
        return quick if self.quick else full

    def n_repeats(self, quick: int, full: int) -> int:
        """Number of round-robin repeats: ``--repeats`` if given, else by mode."""
        return self.repeats if self.repeats is not None else self.pick(quick, full)

    def no_torch_note(self) -> list[str]:
        return [] if self.torch is not None else [f"PyTorch was not measured: {self.torch_status}."]


@dataclass(frozen=True)
class Benchmark:
    id: str
    title: str
    fn: Callable[[Context], Result]


REGISTRY: dict[str, Benchmark] = {}


def register(bench_id: str, title: str) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Decorator adding ``fn`` to the registry under ``bench_id`` ("B1", "B2", ...)."""
    assert re.fullmatch(r"B\d+", bench_id) and bench_id not in REGISTRY, bench_id

    def deco(fn: Callable[[Context], Result]) -> Callable[[Context], Result]:
        REGISTRY[bench_id] = Benchmark(bench_id, title, fn)
        return fn

    return deco


def discover() -> list[Benchmark]:
    """Import every ``bN_*.py`` module of this package; the registry, ordered by number."""
    for path in sorted(Path(__file__).resolve().parent.glob("b[0-9]*_*.py")):
        importlib.import_module(f"{__package__}.{path.stem}")
    return sorted(REGISTRY.values(), key=lambda b: int(b.id[1:]))


# ---------------------------------------------------------------------- timing
def round_robin(
    names: Sequence[str], repeats: int, run: Callable[[str], _T]
) -> dict[str, list[_T]]:
    """Call ``run(name)`` ``repeats`` times per name, interleaved: repeat r starts at name r.

    Rotating the order keeps any "who runs right after whom" effect (caches, clock
    boost, a neighbour's load) from landing on one contender only.
    """
    out: dict[str, list[_T]] = {n: [] for n in names}
    order = list(names)
    for r in range(repeats):
        k = r % len(order)
        for name in order[k:] + order[:k]:
            out[name].append(run(name))
    return out


def time_steps(
    ctx: Context,
    steps: Mapping[str, Callable[[], Any]],
    *,
    repeats: int,
    inner: int = 1,
    warmup: float = 1,
    before: Mapping[str, Callable[[], Any]] | None = None,
    fill_s: float | None = None,
) -> tuple[dict[str, float], dict[str, Any], dict[str, list[float]], dict[str, dict]]:
    """The protocol of every in-process benchmark: each contender's first call timed alone
    (it may compile or load a kernel, or create state), a warm-up, then ``repeats``
    round-robin samples, each timing ``inner`` back-to-back calls.  The warm-up is
    ``warmup`` calls; or, with ``fill_s``, at least 5 calls and ``warmup`` seconds, and then
    each contender's ``inner`` is as many calls as fill ``fill_s`` (at least one).
    ``before[name]`` runs untimed before each of that contender's calls in a row (e.g. to
    set torch's threads).  Garbage collection stays on, as in a training loop, but each
    sample starts from a collected heap.

    Returns (first-call seconds, first-call values, samples, summaries with ``inner``).
    """
    before, perf = before or {}, time.perf_counter
    first_s, first_value, inners = {}, {}, {}

    def sample(name: str) -> float:
        fn, n = steps[name], inners[name]
        before.get(name, _nothing)()
        gc.collect()
        t0 = perf()
        for _ in range(n):
            fn()
        return (perf() - t0) / n

    try:
        for name, fn in steps.items():
            before.get(name, _nothing)()
            t0 = perf()
            first_value[name] = fn()
            first_s[name] = perf() - t0
            calls, t0 = 0, perf()
            while calls < (5 if fill_s else warmup) or (fill_s and perf() - t0 < warmup):
                fn()
                calls += 1
            per_call = (perf() - t0) / max(calls, 1)
            inners[name] = max(1, min(100_000, round(fill_s / per_call))) if fill_s else inner
        samples = round_robin(list(steps), repeats, sample)
    finally:
        if ctx.torch is not None:
            ctx.torch.set_num_threads(ctx.threads)
    stats = {k: summarize(v) | {"inner": inners[k]} for k, v in samples.items()}
    return first_s, first_value, samples, stats


def _nothing() -> None:
    pass


def summarize(samples: Sequence[float]) -> dict[str, float]:
    """n, median, quartiles, IQR, min, max and mean of ``samples``."""
    a = np.asarray(samples, dtype=np.float64)
    q1, med, q3 = (float(q) for q in np.percentile(a, [25, 50, 75]))
    out = {"n": len(a), "median": med, "q1": q1, "q3": q3, "iqr": q3 - q1}
    return out | {k: float(getattr(a, k)()) for k in ("min", "max", "mean")}


def compile_seconds(dispatcher: Any, signatures: Sequence[Any] | None = None) -> float:
    """Seconds to compile ``signatures`` (default: all it holds) on a fresh, uncached copy
    of a Numba dispatcher with the same options."""
    import numba

    options = {k: v for k, v in dispatcher.targetoptions.items() if k != "cache"}
    fresh = numba.jit(**options)(dispatcher.py_func)
    t0 = time.perf_counter()
    for sig in dispatcher.signatures if signatures is None else signatures:
        fresh.compile(sig)
    return time.perf_counter() - t0


# ---------------------------------------------------------------------- tables
def fmt_time(seconds: float | None) -> str:
    """Seconds with a readable unit: '83.2 µs', '1.23 ms', '2.41 s'."""
    if seconds is None or not np.isfinite(seconds):
        return "–"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def fmt_ratio(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.2f}×"


def fmt_mib(nbytes: float | None) -> str:
    return "–" if nbytes is None else f"{nbytes / 2**20:.1f} MiB"


def step_rows(
    names: Sequence[str],
    labels: Mapping[str, str],
    stats: Mapping[str, dict[str, float]],
    floor: str,
    twin: Callable[[str], str | None],
    first: Mapping[str, float] | None = None,
) -> list[list[str]]:
    """Training-step rows: median, IQR, min, [first step], × ``floor``, × ``twin(name)``
    (no column where the twin is None, '–' where it was not measured)."""
    rows = []
    for name in names:
        s = stats[name]
        row = [labels.get(name, name), *(fmt_time(s[k]) for k in ("median", "iqr", "min"))]
        if first is not None:
            row.append(fmt_time(first[name]))
        row.append(fmt_ratio(s["median"] / stats[floor]["median"]))
        if (t := twin(name)) is not None:
            row.append(fmt_ratio(s["median"] / stats[t]["median"]) if t in stats else "–")
        rows.append(row)
    return rows


def target_note(ctx: Context, target: float, ratios: Mapping[str, float]) -> str:
    """'Target (issue): ours ≤ T× PyTorch. <label> r×: met; ...' (or why not measured)."""
    verdicts = "; ".join(
        f"{k} {r:.2f}×: " + ("met" if r <= target else "**not met**") for k, r in ratios.items()
    )
    missing = f"Not measured (no PyTorch: {ctx.torch_status})."
    return f"Target (issue): ours ≤ {target}× PyTorch. " + (verdicts or missing)


def model_step_run(
    ctx: Context,
    contenders: dict[str, Callable[[], float]],
    floor: str,
    twin: Callable[[str], str],
    ratios_of: dict[str, tuple[str, str]],
    target: float,
) -> tuple[dict[str, Any], list[list[str]], list[str]]:
    """The shared part of B6 and B7: each step returns its loss; time them (``time_steps``,
    one warm-up step), tabulate median, IQR, min, × ``floor``, × the torch twin, and note the
    target (``ratios_of``: label -> (ours, theirs)) and the first-step losses.
    Returns (data, rows, notes)."""
    repeats = ctx.n_repeats(quick=3, full=15)
    _, first, samples, stats = time_steps(ctx, contenders, repeats=repeats)
    med = {name: v["median"] for name, v in stats.items()}
    ratios = {k: med[a] / med[b] for k, (a, b) in ratios_of.items() if a in med and b in med}
    losses = ", ".join(f"{k} {v:.6f}" for k, v in first.items())
    notes = [
        target_note(ctx, target, ratios),
        f"First-step losses from identical weights and data: {losses}.",
    ]
    data = {"stats": stats, "samples": samples, "ratios": ratios, "first_losses": first}
    data["repeats"] = repeats
    data["target"] = {"ours/torch at most": target, "measured": ratios, "threads": ctx.threads}
    return data, step_rows(list(contenders), {}, stats, floor, twin), notes


def library_step(lib: ModuleType, model: Any, lr: float, data: Any, clip: float = 0.0) -> Any:
    """A classification training step on ``lib`` (tinygrad_rms or torch): zero_grad,
    cross-entropy of ``model(x)`` (flattened to rows), backward, optionally
    ``clip_grad_norm_(clip)``, RMSprop(lr) step; it returns the loss as a float."""
    opt = lib.optim.RMSprop(model.parameters(), lr=lr)
    criterion, (x, y) = lib.nn.CrossEntropyLoss(), (lib.tensor(a) for a in data)

    def step() -> float:
        opt.zero_grad()
        out = model(x)
        loss = criterion(out.reshape(-1, out.shape[-1]), y)
        loss.backward()
        if clip:
            lib.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        return float(loss.item())

    return step


def max_rel_diff(losses: Mapping[str, Sequence[float]], ref: str) -> dict[str, float]:
    """Each loss curve's largest relative difference from ``losses[ref]``."""
    r = np.asarray(losses[ref])
    return {k: float(np.max(np.abs(np.asarray(v) - r) / np.abs(r))) for k, v in losses.items()}


def _cpu_sample() -> tuple[float, float, float] | None:
    try:
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system, time.perf_counter()


def load_meter() -> Callable[[], float | None]:
    """Start measuring how busy *other* processes keep the machine; call the result at the end.

    Machine-wide busy CPU time from ``/proc/stat`` minus this process's own and its reaped
    children's (``os.times()``), over the wall time: the cores others used on average
    (None where ``/proc/stat`` is missing).  It says how far to trust a table.
    """
    start = _cpu_sample()

    def other_cores() -> float | None:
        end = _cpu_sample()
        if start is None or end is None or end[2] <= start[2]:
            return None
        busy, own, wall = (e - s for e, s in zip(end, start, strict=True))
        return max(busy - own, 0.0) / wall

    return other_cores


# ---------------------------------------------------------------------- child processes
@dataclass
class ChildRun:
    """One finished child process: exit code, wall time, peak RSS and CPU time."""

    argv: list[str]
    returncode: int
    wall_s: float
    maxrss_bytes: int | None
    cpu_s: float | None
    stdout: str
    stderr: str


_LAUNCHER = Path(__file__).resolve().parent / "_spawn.py"


def run_child(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    timeout: float = 600.0,
) -> ChildRun:
    """Run ``argv`` to completion: wall time from spawn to reaping, peak RSS and CPU time.

    The child is started by the small launcher ``_spawn.py``, which reaps it with
    ``os.wait4`` and reports its usage: a child spawned from this large process would
    inherit our RSS high-water mark at ``exec`` (see the launcher).  POSIX only.  Output
    goes to temporary files so that no pipe can fill up.
    """
    argv = [str(a) for a in argv]
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        out_path, err_path, report = (Path(tmp, n) for n in ("stdout", "stderr", "report"))
        cmd = [sys.executable, "-I", "-S", str(_LAUNCHER), str(report), "--", *argv]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True
            )
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the child
                proc.wait()
        stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
        if proc.returncode != 0 or not report.exists():
            raise RuntimeError(f"launcher failed ({proc.returncode}) for {argv}: {stderr[-2000:]}")
        rep = json.loads(report.read_text())
    rss = rep["maxrss"] * (1 if sys.platform == "darwin" else 1024)  # bytes on macOS, else KiB
    return ChildRun(argv, rep["returncode"], rep["wall_s"], rss, rep["cpu_s"], stdout, stderr)


# ---------------------------------------------------------------------- threads, machine facts
def usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def blas_pools() -> list[dict[str, Any]]:
    """The BLAS libraries loaded in this process as threadpoolctl sees them ([] without it)."""
    try:
        import threadpoolctl
    except ImportError:
        return []
    return [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]


def blas_threads(limit: int | None = None) -> tuple[int, str]:
    """Threads numpy's BLAS uses, and how that was found; with ``limit``, first limit every
    loaded BLAS to that many (threadpoolctl)."""
    if not (pools := blas_pools()):
        return limit or usable_cpus(), "assumed: usable CPUs (threadpoolctl not installed)"
    if limit is not None:
        import threadpoolctl

        threadpoolctl.threadpool_limits(limit, user_api="blas")
        pools = blas_pools()
    return int(pools[0]["num_threads"]), f"threadpoolctl ({pools[0]['internal_api']})"


def load_torch(disabled: bool, threads: int) -> tuple[ModuleType | None, str]:
    """The real PyTorch with ``threads`` intra-op threads, or None and the reason why not."""
    if disabled:
        return None, "disabled (--no-torch)"
    try:
        torch = importlib.import_module("torch")
    except Exception as exc:  # ImportError, or a broken install raising something else
        return None, f"not importable ({type(exc).__name__}: {exc})"
    torch.set_num_threads(threads)
    return torch, f"torch {torch.__version__}, torch.set_num_threads({threads})"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(distribution: str) -> str | None:
    """Installed version of ``distribution``, read from its metadata (nothing is imported)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _numpy_blas_build() -> dict[str, Any]:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:
        return {}
    return {k: blas[k] for k in ("name", "version", "openblas configuration") if blas.get(k)}


def machine_facts(ctx: Context) -> dict[str, Any]:
    """CPU, cores, versions, BLAS and the environment variables that steer threads/kernels."""
    facts: dict[str, Any] = {
        "cpu_model": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "python_executable": sys.executable,
        "numpy": np.__version__,
        **{k: _version(k) for k in ("numba", "llvmlite", "scipy", "threadpoolctl")},
        "torch": ctx.torch.__version__ if ctx.torch is not None else None,
        "torch_status": ctx.torch_status,
        "threads": ctx.threads,
        "numpy_blas_build": _numpy_blas_build(),
        "numpy_blas_runtime": blas_pools(),
        "env": {
            k: v
            for k, v in sorted(os.environ.items())
            if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "NUMBA_", "GOTO", "BLIS_", "PYTHON"))
        },
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    if ctx.torch is not None:
        blas = re.search(r"BLAS_INFO=(\w+)", ctx.torch.__config__.show())
        facts["torch_blas"] = blas.group(1) if blas else None
        facts["torch_threads"] = ctx.torch.get_num_threads()
    return facts


# ---------------------------------------------------------------------- markdown, JSON
def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table (numeric-looking columns right-aligned)."""

    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    align = []
    for j in range(len(headers)):
        column = [str(r[j]) for r in rows if j < len(r)]
        align.append("---:" if column and all(re.match(r"^[–\d.]", c) for c in column) else "---")
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "| " + " | ".join(align) + " |"]
    return "\n".join(lines + ["| " + " | ".join(cell(x) for x in r) + " |" for r in rows])


def _facts_rows(facts: Mapping[str, Any]) -> list[list[str]]:
    build = facts.get("numpy_blas_build") or {}
    runtime = "; ".join(
        f"{os.path.basename(p['filepath'])}: {p['num_threads']} threads, "
        f"core {p.get('architecture', '?')}"
        for p in facts.get("numpy_blas_runtime") or []
    )
    loadavg = (
        ", ".join(f"{x:.2f}" for x in facts[key])
        for key in ("loadavg_at_start", "loadavg_at_end")
        if facts.get(key)
    )
    cores = f"{facts['logical_cpus']} logical, {facts['usable_cpus']} usable by this process"
    rows = [
        ["CPU", str(facts["cpu_model"])],
        ["cores", cores],
        ["platform", str(facts["platform"])],
        ["Python", str(facts["python"])],
        ["numpy / numba / llvmlite", f"{facts['numpy']} / {facts['numba']} / {facts['llvmlite']}"],
        [
            "scipy",
            f"{facts.get('scipy') or 'not installed'} (Numba imports scipy.linalg, when "
            "present, on its first compile or cache load)",
        ],
        ["torch", str(facts["torch_status"])],
        [
            "numpy BLAS (build)",
            f"{build.get('name', '?')} {build.get('version', '')}; "
            f"{build.get('openblas configuration', '')}".strip("; "),
        ],
        ["numpy BLAS (runtime)", runtime or "not introspectable (threadpoolctl not installed)"],
        ["threads used by both numpy's BLAS and torch", str(facts["threads"])],
        ["environment", ", ".join(f"{k}={v}" for k, v in (facts.get("env") or {}).items())],
        ["load average (1, 5, 15 min) at start / end", " / ".join(loadavg)],
    ]
    rows[-2][1] = rows[-2][1] or "(none set)"
    if facts.get("torch_blas"):
        blas = f"{facts['torch_blas']} / {facts['torch_threads']} intra-op"
        rows.insert(7, ["torch BLAS / threads", blas])
    return rows


def render_markdown(
    results: Sequence[Result], facts: Mapping[str, Any], meta: Mapping[str, Any]
) -> str:
    """The whole report: how it was made, the machine, then one section per benchmark."""
    parts = [
        "# Benchmarks",
        "",
        f"Generated by `{meta['command']}` on {meta['date']} ({meta['mode']} mode, "
        f"{meta['duration_s']:.0f} s). Regenerate with `python -m benchmarks` from the "
        "repository root (`--quick` for a run under a minute, `--out DIR` for the JSON, "
        "`--only B1` for one benchmark). Numbers are medians over interleaved repeats; "
        "contenders in one table were measured in the same run, round-robin.",
        "",
        "## Machine",
        "",
        markdown_table(["", ""], _facts_rows(facts)),
    ]
    for res in results:
        parts += ["", f"## {res.id}: {res.title}", ""]
        if res.data.get("kept_by_merge"):
            parts += [f"*Measured {res.data.get('measured_at', '?')}, kept by `--merge`.*", ""]
        parts += [res.what, "", markdown_table(res.headers, res.rows)]
        parts += [""] + [f"- {n}" for n in res.notes] if res.notes else []
    return "\n".join(parts) + "\n"


def to_jsonable(x: Any) -> Any:
    """``x`` with numpy scalars/arrays, Paths and tuples turned into JSON types."""
    if isinstance(x, dict):
        return {str(k): to_jsonable(v) for k, v in x.items() if not str(k).startswith("_")}
    if isinstance(x, list | tuple):
        return [to_jsonable(v) for v in x]
    if isinstance(x, np.generic | np.ndarray):
        return x.tolist()
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x
