"""``python -m benchmarks``: run the registered benchmarks, print and save the report.

Full mode (default) writes ``docs/benchmarks.md`` (the committed record) and
``benchmarks/results/latest.json``; ``--quick`` runs in under a minute and writes only
the JSON unless ``--docs`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import (
    ROOT,
    Context,
    LoadMeter,
    Result,
    blas_threads,
    discover,
    load_torch,
    machine_facts,
    render_markdown,
    set_blas_threads,
    to_jsonable,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument(
        "--quick", action="store_true", help="few repeats: the whole run in under a minute"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results",
        help="directory for latest.json (default: benchmarks/results)",
    )
    p.add_argument(
        "--docs",
        type=Path,
        default=None,
        help="markdown report path (default: docs/benchmarks.md in full mode, none in quick)",
    )
    p.add_argument("--no-docs", action="store_true", help="write no markdown report")
    p.add_argument("--only", default=None, help="comma-separated benchmark ids, e.g. B1,B4")
    p.add_argument(
        "--repeats", type=int, default=None, help="override every benchmark's repeat count"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for numpy's BLAS and torch (default: what numpy's BLAS uses now)",
    )
    p.add_argument(
        "--no-torch", action="store_true", help="measure without PyTorch even if installed"
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="keep the other benchmarks' results (same mode) from the previous latest.json in "
        "--out, so that e.g. `--only B4 --merge` re-measures B4 alone",
    )
    p.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: rewrite the markdown report from --out's latest.json",
    )
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = p.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        p.error("--repeats must be at least 1")
    return args


_TABLE_KEYS = ("title", "what", "headers", "rows", "notes")


def results_from_json(payload: dict[str, Any]) -> list[Result]:
    """The Results saved in a latest.json payload (each with its own mode and date)."""
    out = []
    for bench_id, entry in payload.get("benchmarks", {}).items():
        data = {k: v for k, v in entry.items() if k not in _TABLE_KEYS}
        data.setdefault("mode", payload.get("mode"))
        data.setdefault("measured_at", payload.get("date"))
        table = [entry[k] for k in _TABLE_KEYS]
        out.append(Result(bench_id, *table[:4], notes=table[4], data=data))
    return sorted(out, key=lambda r: int(r.id[1:]))


def merge_previous(
    results: list[Result], path: Path, mode: str, log: Callable[[str], None]
) -> list[Result]:
    """``results`` plus the benchmarks of the previous report at ``path`` not re-run now.

    Only entries measured in the same mode are kept; each keeps its own ``measured_at``.
    """
    try:
        previous = results_from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError):
        log(f"--merge: no previous results in {path}")
        return results
    have = {r.id for r in results}
    merged = list(results)
    for old in previous:
        if old.id in have or old.data["mode"] != mode:
            continue
        old.data["kept_by_merge"] = True
        merged.append(old)
        log(f"--merge: kept {old.id} measured at {old.data['measured_at']}")
    return sorted(merged, key=lambda r: int(r.id[1:]))


def _docs_path(args: argparse.Namespace) -> Path | None:
    if args.no_docs:
        return None
    if args.docs is not None:
        return args.docs
    return None if args.quick else ROOT / "docs" / "benchmarks.md"


def render_only(args: argparse.Namespace) -> int:
    """Rewrite the markdown from the saved JSON (after a change to the report's format)."""
    path = args.out / "latest.json"
    try:
        payload = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        print(f"--render-only: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    results = results_from_json(payload)
    markdown = render_markdown(results, payload["machine"], payload)
    print(markdown)
    docs = _docs_path(args)
    if docs is not None:
        docs.write_text(markdown)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    benchmarks = discover()
    if args.list:
        for b in benchmarks:
            print(f"{b.id}  {b.title}")
        return 0
    if args.render_only:
        return render_only(args)
    if args.only:
        wanted = {s.strip().upper() for s in args.only.split(",") if s.strip()}
        unknown = wanted - {b.id for b in benchmarks}
        if unknown:
            print(f"unknown benchmark id(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        benchmarks = [b for b in benchmarks if b.id in wanted]

    def log(msg: str) -> None:
        print(f"[bench] {msg}", file=sys.stderr, flush=True)

    if args.threads is not None:
        if not set_blas_threads(args.threads):
            log(
                "could not set numpy's BLAS threads (no OpenBLAS found); torch still gets --threads"
            )
        threads, how = args.threads, "--threads"
    else:
        threads, how = blas_threads()
    torch, torch_status = load_torch(args.no_torch, threads)
    ctx = Context(
        quick=args.quick,
        threads=threads,
        torch=torch,
        torch_status=torch_status,
        repeats=args.repeats,
        log=log,
    )
    log(f"threads: {threads} ({how}); torch: {torch_status}")

    facts = machine_facts(ctx)
    facts["threads_source"] = how
    start = time.time()
    results, errors = [], {}
    for b in benchmarks:
        log(f"running {b.id}: {b.title}")
        t0 = time.perf_counter()
        meter = LoadMeter()
        try:
            res = b.fn(ctx)
        except Exception:
            errors[b.id] = traceback.format_exc()
            log(f"{b.id} FAILED:\n{errors[b.id]}")
            continue
        res.data["elapsed_s"] = time.perf_counter() - t0
        res.data["measured_at"] = time.strftime("%Y-%m-%d %H:%M %Z")
        res.data["mode"] = "quick" if args.quick else "full"
        others = meter.other_cores()
        res.data["other_processes_cores"] = others
        if others is not None:
            res.notes.append(
                f"Other processes kept {others:.2f} of {facts['usable_cpus'] or '?'} cores busy "
                "on average while this ran (/proc/stat minus this process and its children)"
                + ("; treat the numbers as noisy." if others > 0.25 else ".")
            )
        results.append(res)

    if hasattr(os, "getloadavg"):
        facts["loadavg_at_end"] = list(os.getloadavg())
    meta = {
        "command": "python -m benchmarks"
        + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(start)),
        "mode": "quick" if args.quick else "full",
        "duration_s": time.time() - start,
    }
    if args.merge:
        results = merge_previous(results, args.out / "latest.json", meta["mode"], log)
    markdown = render_markdown(results, facts, meta)
    if errors:
        markdown += (
            "\n## Failed\n\n" + "\n".join(f"- {k}: see the JSON's `errors`" for k in errors) + "\n"
        )
    print(markdown)

    payload = {
        "schema": 1,
        **meta,
        "machine": facts,
        "benchmarks": {
            r.id: {
                "title": r.title,
                "what": r.what,
                "headers": r.headers,
                "rows": r.rows,
                "notes": r.notes,
                **r.data,
            }
            for r in results
        },
        "errors": errors,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "latest.json"
    json_path.write_text(json.dumps(to_jsonable(payload), indent=1, allow_nan=False) + "\n")
    log(f"wrote {json_path}")
    docs = _docs_path(args)
    if docs is not None:
        docs.parent.mkdir(parents=True, exist_ok=True)
        docs.write_text(markdown)
        log(f"wrote {docs}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
