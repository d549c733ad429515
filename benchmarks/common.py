"""What every benchmark shares: registry, run context, timing, statistics, child processes,
machine facts and markdown.

A benchmark is a function ``fn(ctx: Context) -> Result`` in a module ``bN_name.py`` of this
package, decorated with ``@register("BN", "title")``.  It times its contenders with
``interleaved`` (in-process callables) or ``round_robin`` + ``run_child`` (processes), so
every contender sees the same machine state: repeats go round-robin, the order rotating
from one repeat to the next, and the summary is the median with its IQR and minimum.
"""

from __future__ import annotations

import ctypes
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
import threading
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


@dataclass(frozen=True)
class Benchmark:
    id: str
    title: str
    fn: Callable[[Context], Result]


REGISTRY: dict[str, Benchmark] = {}


def register(
    bench_id: str, title: str
) -> Callable[[Callable[[Context], Result]], Callable[[Context], Result]]:
    """Decorator adding ``fn`` to the registry under ``bench_id`` ("B1", "B2", ...)."""
    if not re.fullmatch(r"B\d+", bench_id):
        raise ValueError(f"benchmark ids look like 'B7', got {bench_id!r}")

    def deco(fn: Callable[[Context], Result]) -> Callable[[Context], Result]:
        if bench_id in REGISTRY and REGISTRY[bench_id].fn is not fn:
            raise ValueError(f"benchmark id {bench_id} registered twice")
        REGISTRY[bench_id] = Benchmark(bench_id, title, fn)
        return fn

    return deco


def discover() -> list[Benchmark]:
    """Import every ``bN_*.py`` module of this package; the registry, ordered by number."""
    here = Path(__file__).resolve().parent
    for path in sorted(here.glob("b[0-9]*_*.py")):
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


def interleaved(
    contenders: Mapping[str, Callable[[], Any]],
    *,
    repeats: int,
    inner: int = 1,
    before: Mapping[str, Callable[[], Any]] | None = None,
) -> dict[str, list[float]]:
    """Seconds per call of each contender: each sample times ``inner`` back-to-back calls.

    ``before[name]``, if given, runs untimed before each of that contender's samples (e.g.
    to set a thread count).  Garbage collection stays on (as in a real training loop) but
    starts each sample from a collected heap.
    """
    perf = time.perf_counter
    before = before or {}

    def run(name: str) -> float:
        fn = contenders[name]
        if name in before:
            before[name]()
        gc.collect()
        t0 = perf()
        for _ in range(inner):
            fn()
        return (perf() - t0) / inner

    return round_robin(list(contenders), repeats, run)


def first_call(fn: Callable[[], _T]) -> tuple[float, _T]:
    """Seconds taken by one call of ``fn``, and its value."""
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def summarize(samples: Sequence[float]) -> dict[str, float]:
    """n, median, quartiles, IQR, min, max and mean of ``samples``."""
    a = np.asarray(samples, dtype=np.float64)
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    return {
        "n": len(a),
        "median": float(med),
        "q1": float(q1),
        "q3": float(q3),
        "iqr": float(q3 - q1),
        "min": float(a.min()),
        "max": float(a.max()),
        "mean": float(a.mean()),
    }


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


def step_rows(
    names: list[str],
    labels: dict[str, str],
    stats: dict[str, dict[str, float]],
    first: dict[str, float],
    med: dict[str, float],
) -> list[list[str]]:
    """Training-step table rows (B1, B3): median, IQR, min, first step, × numpy, × torch."""
    rows = []
    for name in names:
        s = stats[name]
        row = [
            labels[name],
            fmt_time(s["median"]),
            fmt_time(s["iqr"]),
            fmt_time(s["min"]),
            fmt_time(first[name]),
            fmt_ratio(s["median"] / med["numpy"]),
        ]
        if "torch" in med:
            row.append(fmt_ratio(s["median"] / med["torch"]))
        rows.append(row)
    return rows


def step_record(
    ctx: Context,
    spec_json: dict[str, Any],
    timing: dict[str, int],
    stats: dict[str, dict[str, float]],
    samples: dict[str, list[float]],
    first: dict[str, float],
) -> dict[str, Any]:
    """The JSON fields every training-step benchmark (B1, B3) records first: the spec,
    how it was timed (``timing``: repeats, inner, warmup), threads, torch, and per
    contender its summary, samples and first-step time."""
    return {
        "spec": spec_json,
        **timing,
        "threads": ctx.threads,
        "torch": ctx.torch_status,
        "contenders": {
            name: {**stats[name], "samples": samples[name], "first_call": first[name]}
            for name in samples
        },
    }


def fmt_mib(nbytes: float | None) -> str:
    return "–" if nbytes is None else f"{nbytes / 2**20:.1f} MiB"


class LoadMeter:
    """How busy *other* processes kept the machine while a benchmark ran.

    Machine-wide busy CPU time comes from ``/proc/stat``; this process's own, and its
    reaped children's, from ``os.times()``; the difference over the wall time is the
    number of cores that others used on average (None where ``/proc/stat`` is missing).
    On a shared machine that number says how far to trust a table.
    """

    def __init__(self) -> None:
        self._start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat") as f:
                ticks = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        return busy, own, time.perf_counter()

    def other_cores(self) -> float | None:
        end = self._sample()
        if self._start is None or end is None or end[2] <= self._start[2]:
            return None
        busy, own, wall = (e - s for e, s in zip(end, self._start, strict=True))
        return max(busy - own, 0.0) / wall


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
    """Run ``argv`` to completion; wall time from spawn to reaping, rusage from ``wait4``.

    On Linux the child is started by the small launcher ``_spawn.py``, which reaps it with
    ``os.wait4`` (the usage of exactly that child) and reports back: a child spawned from
    this large process would inherit our RSS high-water mark at ``exec`` (see the
    launcher's docstring).  Elsewhere the child is reaped here with ``os.wait4``.  Output
    goes to temporary files so that no pipe can fill up.
    """
    argv = [str(a) for a in argv]
    use_launcher = sys.platform.startswith("linux") and hasattr(os, "posix_spawnp")
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        out_path, err_path = Path(tmp, "stdout"), Path(tmp, "stderr")
        report = Path(tmp, "report.json")
        cmd = (
            [sys.executable, "-I", "-S", str(_LAUNCHER), str(report), "--", *argv]
            if use_launcher
            else argv
        )
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=err,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,
            )
            killer = threading.Timer(timeout, _kill_group, (proc.pid,))
            killer.start()
            try:
                if hasattr(os, "wait4"):
                    _, status, usage = os.wait4(proc.pid, 0)
                    proc.returncode = os.waitstatus_to_exitcode(status)
                else:  # pragma: no cover - Windows
                    proc.wait()
                    usage = None
                wall = time.perf_counter() - t0
            finally:
                killer.cancel()
        stdout = out_path.read_text(errors="replace")
        stderr = err_path.read_text(errors="replace")
        if use_launcher:
            if proc.returncode != 0 or not report.exists():
                raise RuntimeError(
                    f"launcher failed ({proc.returncode}) for {argv}: {stderr[-2000:]}"
                )
            rep = json.loads(report.read_text())
            return ChildRun(
                argv,
                rep["returncode"],
                rep["wall_s"],
                rep["maxrss_kib"] * 1024,
                rep["cpu_s"],
                stdout,
                stderr,
            )
    if usage is None:  # pragma: no cover - Windows
        return ChildRun(argv, int(proc.returncode), wall, None, None, stdout, stderr)
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
    return ChildRun(
        argv,
        int(proc.returncode),
        wall,
        int(usage.ru_maxrss) * scale,
        usage.ru_utime + usage.ru_stime,
        stdout,
        stderr,
    )


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------------- threads and BLAS
_OPENBLAS_NAMES = [(p, s) for p in ("scipy_openblas", "openblas") for s in ("64_", "")]


def _loaded_libraries(substring: str) -> list[str]:
    """Paths of shared libraries loaded in this process whose file name contains ``substring``."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return []
    return sorted(p for p in paths if substring in os.path.basename(p).lower())


def openblas_runtime() -> list[dict[str, Any]]:
    """Every OpenBLAS loaded here (numpy's, and any other): path, threads, core, build config."""
    found = []
    for path in _loaded_libraries("openblas"):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in _OPENBLAS_NAMES:
            get_threads = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if get_threads is None:
                continue
            info: dict[str, Any] = {"library": path, "threads": int(get_threads())}
            for key in ("corename", "config"):
                fn = getattr(lib, f"{prefix}_get_{key}{suffix}", None)
                if fn is not None:
                    fn.restype = ctypes.c_char_p
                    info[key] = fn().decode(errors="replace").strip()
            info["_set"] = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            found.append(info)
            break
    return found


def blas_threads() -> tuple[int, str]:
    """Threads numpy's BLAS uses, and how that was found."""
    libs = openblas_runtime()
    if libs:
        return libs[0]["threads"], f"OpenBLAS runtime ({os.path.basename(libs[0]['library'])})"
    try:
        import threadpoolctl

        for pool in threadpoolctl.threadpool_info():
            if pool.get("user_api") == "blas":
                return int(pool["num_threads"]), f"threadpoolctl ({pool.get('internal_api')})"
    except ImportError:
        pass
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return n, "assumed: usable CPUs (BLAS not introspectable)"


def set_blas_threads(n: int) -> bool:
    """Set every loaded OpenBLAS to ``n`` threads; False when none could be set."""
    done = False
    for info in openblas_runtime():
        if info["_set"] is not None:
            info["_set"](int(n))
            done = True
    return done


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


# ---------------------------------------------------------------------- machine facts
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


def _numpy_blas_config() -> dict[str, Any]:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        simd = config.get("SIMD Extensions", {})
    except Exception:
        return {}
    out = {k: blas.get(k) for k in ("name", "version", "openblas configuration") if blas.get(k)}
    if simd:
        out["simd_found"] = list(simd.get("found", []))
    return out


def machine_facts(ctx: Context) -> dict[str, Any]:
    """CPU, cores, versions, BLAS and the environment variables that steer threads/kernels."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    facts: dict[str, Any] = {
        "cpu_model": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "python_executable": sys.executable,
        "numpy": np.__version__,
        "numba": _version("numba"),
        "llvmlite": _version("llvmlite"),
        "scipy": _version("scipy"),
        "torch": ctx.torch.__version__ if ctx.torch is not None else None,
        "torch_status": ctx.torch_status,
        "threads": ctx.threads,
        "numpy_blas_build": _numpy_blas_config(),
        "numpy_blas_runtime": [
            {k: v for k, v in info.items() if not k.startswith("_")} for info in openblas_runtime()
        ],
        "env": {
            k: v
            for k, v in sorted(os.environ.items())
            if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "NUMBA_", "GOTO", "BLIS_", "PYTHON"))
        },
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    try:
        import threadpoolctl

        facts["threadpoolctl"] = threadpoolctl.threadpool_info()
    except ImportError:
        facts["threadpoolctl"] = "not installed (OpenBLAS queried through ctypes instead)"
    if ctx.torch is not None:
        torch = ctx.torch
        config = torch.__config__.show()
        blas = re.search(r"BLAS_INFO=(\w+)", config)
        facts["torch_blas"] = blas.group(1) if blas else None
        facts["torch_threads"] = torch.get_num_threads()
        facts["torch_interop_threads"] = torch.get_num_interop_threads()
    return facts


# ---------------------------------------------------------------------- markdown
def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table (numeric-looking columns right-aligned)."""

    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    align = []
    for j, _ in enumerate(headers):
        column = [str(r[j]) for r in rows if j < len(r)]
        numeric = column and all(re.match(r"^[–\d.]", c) for c in column)
        align.append("---:" if numeric else "---")
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell(x) for x in r) + " |" for r in rows]
    return "\n".join(lines)


def _facts_rows(facts: Mapping[str, Any]) -> list[list[str]]:
    build = facts.get("numpy_blas_build") or {}
    runtime = facts.get("numpy_blas_runtime") or []
    blas_rt = (
        "; ".join(
            f"{os.path.basename(i['library'])}: {i['threads']} threads, "
            f"core {i.get('corename', '?')}"
            for i in runtime
        )
        or "not introspectable"
    )
    env = facts.get("env") or {}
    rows = [
        ["CPU", str(facts["cpu_model"])],
        [
            "cores",
            f"{facts['logical_cpus']} logical, {facts['usable_cpus']} usable by this process",
        ],
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
        ["numpy BLAS (runtime)", blas_rt],
        ["threads used by both numpy's BLAS and torch", str(facts["threads"])],
        ["environment", ", ".join(f"{k}={v}" for k, v in env.items()) or "(none set)"],
        [
            "load average (1, 5, 15 min) at start / end",
            " / ".join(
                ", ".join(f"{x:.2f}" for x in facts.get(key) or [])
                for key in ("loadavg_at_start", "loadavg_at_end")
                if facts.get(key)
            ),
        ],
    ]
    if facts.get("torch_blas"):
        rows.insert(
            [r[0] for r in rows].index("torch") + 1,
            ["torch BLAS / threads", f"{facts['torch_blas']} / {facts['torch_threads']} intra-op"],
        )
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
        if res.notes:
            parts += [""] + [f"- {n}" for n in res.notes]
    return "\n".join(parts) + "\n"


def to_jsonable(x: Any) -> Any:
    """``x`` with numpy scalars/arrays, Paths and tuples turned into JSON types."""
    if isinstance(x, dict):
        return {str(k): to_jsonable(v) for k, v in x.items() if not str(k).startswith("_")}
    if isinstance(x, list | tuple):
        return [to_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def model_step_run(
    ctx: Context,
    contenders: dict[str, Callable[[], float]],
    floor: str,
    twin: Callable[[str], str],
    ratios_of: dict[str, tuple[str, str]],
    target: float,
) -> tuple[dict[str, Any], list[list[str]], list[str]]:
    """The shared part of B6 and B7: each contender's first step (its loss) and a warm-up,
    interleaved samples, then the table rows (median, IQR, min, × ``floor``, × the torch
    contender ``twin(name)``) and the target and loss-agreement notes.  ``ratios_of``:
    label -> (ours, theirs) for the target.  Returns (data, rows, notes)."""
    repeats = ctx.n_repeats(quick=3, full=15)
    first = {name: fn() for name, fn in contenders.items()}
    for fn in contenders.values():
        fn()
    samples = interleaved(contenders, repeats=repeats)
    stats = {name: summarize(v) for name, v in samples.items()}
    med = {name: v["median"] for name, v in stats.items()}
    ratios = {k: med[a] / med[b] for k, (a, b) in ratios_of.items() if a in med and b in med}
    rows = [
        [
            name,
            fmt_time(med[name]),
            fmt_time(stats[name]["iqr"]),
            fmt_time(stats[name]["min"]),
            fmt_ratio(med[name] / med[floor]),
            fmt_ratio(med[name] / med[twin(name)]) if twin(name) in med else "–",
        ]
        for name in contenders
    ]
    verdicts = "; ".join(
        f"{k} {r:.2f}×: " + ("met" if r <= target else "**not met**") for k, r in ratios.items()
    )
    notes = [
        f"Target (issue): ours ≤ {target}× PyTorch. "
        + (verdicts if ratios else f"Not measured (no PyTorch: {ctx.torch_status})."),
        "First-step losses from identical weights and data: "
        + ", ".join(f"{k} {v:.6f}" for k, v in first.items())
        + ".",
    ]
    data = {
        "stats": stats,
        "samples": samples,
        "ratios": ratios,
        "first_losses": first,
        "repeats": repeats,
        "target": {"ours/torch at most": target, "measured": ratios, "threads": ctx.threads},
    }
    return data, rows, notes
