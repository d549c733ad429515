"""B4: the document's whole program as a process: ours vs PyTorch, wall time and peak RSS.

Ours is ``python examples/simplenet.py``; PyTorch's is ``python benchmarks/simplenet_torch.py``
(the document's program with a fixed seed).  Ours runs twice over:

- warm Numba cache: ``NUMBA_CACHE_DIR`` points at a private directory that an untimed
  priming run filled, so each timed run loads the compiled kernel from disk;
- cold Numba cache: ``NUMBA_CACHE_DIR`` points at a fresh empty directory per run, so the
  run must compile the kernel (checked: the directory holds a new index afterwards).

Private directories keep the measurement independent of the ``__pycache__`` next to
``tinygrad_rms/kernels``, which other processes may be rewriting.  A bare
``python -c "import numpy"`` is timed too: the floor that every numpy program pays.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import (
    ROOT,
    ChildRun,
    Context,
    Result,
    fmt_mib,
    fmt_ratio,
    fmt_time,
    register,
    round_robin,
    run_child,
    summarize,
)

EXAMPLE = ROOT / "examples" / "simplenet.py"
TWIN = Path(__file__).resolve().parent / "simplenet_torch.py"
EPOCH_LINE = re.compile(r"^Epoch \[(\d+)/10\], Loss: (-?\d+\.\d{4})$", re.MULTILINE)


def _losses(run: ChildRun, label: str) -> list[float]:
    """The 10 losses the program printed; raises if it failed or printed something else."""
    found = EPOCH_LINE.findall(run.stdout)
    if run.returncode != 0 or [int(k) for k, _ in found] != list(range(1, 11)):
        tail = (run.stderr or run.stdout)[-2000:]
        raise RuntimeError(f"{label} exited {run.returncode} without 10 epoch lines:\n{tail}")
    return [float(x) for _, x in found]


def _snapshot(directory: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in directory.rglob("*") if p.is_file()}


TITLE = "whole process (the document's program, start to exit)"


@register("B4", TITLE)
def run(ctx: Context) -> Result:
    repeats = ctx.n_repeats(quick=2, full=7)
    py = sys.executable
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    base_env = {**os.environ, "PYTHONPATH": path}

    with tempfile.TemporaryDirectory(prefix="bench-b4-") as tmp_name:
        warm_dir, cold_root = Path(tmp_name, "numba-warm"), Path(tmp_name, "numba-cold")
        warm_dir.mkdir()
        cold_root.mkdir()

        commands: dict[str, tuple[list[str], dict[str, str] | None]] = {
            "ours-warm": ([py, str(EXAMPLE)], {**base_env, "NUMBA_CACHE_DIR": str(warm_dir)}),
            "ours-cold": ([py, str(EXAMPLE)], None),  # env made per run
        }
        if ctx.torch is not None:
            commands["torch"] = ([py, str(TWIN)], base_env)
        commands["floor"] = ([py, "-c", "import numpy"], base_env)

        cold_checks: list[int] = []

        def run_one(name: str) -> ChildRun:
            argv, env = commands[name]
            if name == "ours-cold":
                cache = Path(tempfile.mkdtemp(dir=cold_root))
                env = {**base_env, "NUMBA_CACHE_DIR": str(cache)}
            result = run_child(argv, env=env, cwd=ROOT)
            if name != "floor":
                _losses(result, name)
            if name == "ours-cold":
                cold_checks.append(len(list(cache.rglob("*.nbi"))))
            return result

        # untimed priming: fills the warm cache, pulls every file into the OS page cache
        ctx.log("B4: priming runs")
        priming = {name: run_one(name) for name in commands if name != "ours-cold"}
        ours_losses = _losses(priming["ours-warm"], "ours")
        torch_losses = _losses(priming["torch"], "torch") if "torch" in priming else None
        warm_files = _snapshot(warm_dir)
        if not any(f.endswith(".nbi") for f in warm_files):
            raise RuntimeError(f"priming run left no Numba index in {warm_dir}: is cache=True on?")

        ctx.log(f"B4: {repeats} repeats of {len(commands)} processes, interleaved")
        runs = round_robin(list(commands), repeats, run_one)
        warm_unchanged = _snapshot(warm_dir) == warm_files
        cold_compiled = sum(1 for n in cold_checks if n > 0)

    keys = ("wall_s", "maxrss_bytes", "cpu_s")
    summary = {
        name: {k: summarize([getattr(r, k) for r in rs]) for k in keys}
        | {"wall_samples": [r.wall_s for r in rs], "maxrss_samples": [r.maxrss_bytes for r in rs]}
        for name, rs in runs.items()
    }
    med = {name: {k: s[k]["median"] for k in keys} for name, s in summary.items()}
    labels = {
        "ours-warm": "ours, warm Numba cache",
        "ours-cold": "ours, cold Numba cache",
        "torch": f"PyTorch {ctx.torch.__version__ if ctx.torch else ''}".strip(),
        "floor": '`python -c "import numpy"` (floor)',
    }
    headers = ["process", "wall (median)", "IQR", "min", "peak RSS (median)", "CPU user+sys"]
    has_torch = "torch" in runs
    headers += ["wall × torch", "RSS × torch"] if has_torch else []
    rows = []
    for name, s in summary.items():
        row = [labels[name], *(fmt_time(s["wall_s"][k]) for k in ("median", "iqr", "min"))]
        row += [fmt_mib(med[name]["maxrss_bytes"]), fmt_time(med[name]["cpu_s"])]
        if has_torch:
            row += [fmt_ratio(med[name][k] / med["torch"][k]) for k in ("wall_s", "maxrss_bytes")]
        rows.append(row)

    compile_delta = med["ours-cold"]["wall_s"] - med["ours-warm"]["wall_s"]
    notes = [
        *ctx.no_torch_note(),
        f"Cold cache: {cold_compiled} of {len(cold_checks)} cold runs wrote a new Numba index "
        "into their empty NUMBA_CACHE_DIR, i.e. compiled the kernel. Warm cache: "
        + (
            "the warm runs left the primed cache directory unchanged, i.e. loaded the kernel "
            "from disk."
            if warm_unchanged
            else "WARNING: the primed cache directory was rewritten during the warm runs (a "
            "recompile happened, e.g. the kernel source changed meanwhile): rerun."
        ),
        f"Cold minus warm wall time (≈ the kernel's compilation in a fresh process): "
        f"{fmt_time(compile_delta)}.",
        (
            "PYTHONDONTWRITEBYTECODE is set here, so every run compiles the Python modules "
            "that have no `.pyc` yet (tinygrad_rms's own, unless installed otherwise) from source."
            if os.environ.get("PYTHONDONTWRITEBYTECODE")
            else "Python's `.pyc` caches are warm after the priming runs."
        ),
        "Children inherit the environment (OPENBLAS_* included) and use their libraries' "
        f"default thread counts (here {ctx.threads} for numpy's BLAS and for torch).",
    ]
    first_runs = {name: r.wall_s for name, r in priming.items()}
    firsts = ", ".join(f"{labels[k]} {fmt_time(v)}" for k, v in first_runs.items())
    notes.append(f"First (untimed, priming) run of each: {firsts}.")

    what = (
        "The document's complete program (10 epochs, printing 10 losses; ours is "
        "`examples/simplenet.py`) as a fresh Python process, from spawn to exit: "
        f"{repeats} runs per row, round-robin with rotating order, after one untimed priming "
        "run of each. Peak RSS is each child's own `ru_maxrss` from `os.wait4`; CPU is its "
        "user+system time. PyTorch has no JIT cache to be cold, so it has one row."
    )
    data: dict[str, Any] = {
        "repeats": repeats,
        "ours_script": "examples/simplenet.py",
        "python": py,
        "results": summary,
        "first_run_wall_s": first_runs,
        "cold_runs_compiled": cold_compiled,
        "cold_runs": len(cold_checks),
        "warm_cache_unchanged": warm_unchanged,
        "compile_delta_s": compile_delta,
        "ours_losses": ours_losses,
        "torch_losses": torch_losses,
    }
    if has_torch:
        pairs = [(n, k) for n in ("ours-warm", "ours-cold") for k in ("wall_s", "maxrss_bytes")]
        data["ratios"] = {f"{n}/torch {k}": med[n][k] / med["torch"][k] for n, k in pairs}
    return Result("B4", TITLE, what, headers, rows, notes, data)
