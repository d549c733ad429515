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
    Result,
    blas_threads,
    discover,
    load_meter,
    load_torch,
    machine_facts,
    render_markdown,
    to_jsonable,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    add = p.add_argument
    add("--quick", action="store_true", help="few repeats: the whole run in under a minute")
    add("--out", type=Path, default=ROOT / "benchmarks" / "results", help="dir for latest.json")
    add("--docs", type=Path, help="markdown report (default: docs/benchmarks.md in full mode)")
    add("--no-docs", action="store_true", help="write no markdown report")
    add("--only", help="comma-separated benchmark ids, e.g. B1,B4")
    add("--repeats", type=int, help="override every benchmark's repeat count")
    add("--threads", type=int, help="threads for numpy's BLAS and torch (default: BLAS's now)")
    add("--no-torch", action="store_true", help="measure without PyTorch even if installed")
    add(
        "--merge",
        action="store_true",
        help="keep the other benchmarks' results (same mode) from --out's latest.json, "
        "so that e.g. `--only B4 --merge` re-measures B4 alone",
    )
    add("--render-only", action="store_true", help="rewrite the report from --out's JSON")
    add("--list", action="store_true", help="list the benchmarks and exit")
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
        title, what, headers, rows, notes = (entry[k] for k in _TABLE_KEYS)
        out.append(Result(bench_id, title, what, headers, rows, notes, data))
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
    have, merged = {r.id for r in results}, list(results)
    for old in previous:
        if old.id not in have and old.data["mode"] == mode:
            old.data["kept_by_merge"] = True
            merged.append(old)
            log(f"--merge: kept {old.id} measured at {old.data['measured_at']}")
    return sorted(merged, key=lambda r: int(r.id[1:]))


def _docs_path(args: argparse.Namespace) -> Path | None:
    if args.no_docs or (args.docs is None and args.quick):
        return None
    return args.docs or ROOT / "docs" / "benchmarks.md"


def _write_docs(args: argparse.Namespace, markdown: str, log: Callable[[str], None]) -> None:
    docs = _docs_path(args)
    if docs is not None:
        docs.parent.mkdir(parents=True, exist_ok=True)
        docs.write_text(markdown)
        log(f"wrote {docs}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    benchmarks = discover()

    def log(msg: str) -> None:
        print(f"[bench] {msg}", file=sys.stderr, flush=True)

    if args.list:
        print("\n".join(f"{b.id}  {b.title}" for b in benchmarks))
        return 0
    if args.render_only:  # after a change to the report's format
        path = args.out / "latest.json"
        try:
            payload = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            print(f"--render-only: cannot read {path}: {exc}", file=sys.stderr)
            return 2
        markdown = render_markdown(results_from_json(payload), payload["machine"], payload)
        print(markdown)
        _write_docs(args, markdown, log)
        return 0
    if args.only:
        wanted = {s.strip().upper() for s in args.only.split(",") if s.strip()}
        if unknown := wanted - {b.id for b in benchmarks}:
            print(f"unknown benchmark id(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        benchmarks = [b for b in benchmarks if b.id in wanted]

    threads, how = blas_threads(args.threads)
    threads, how = (args.threads, f"--threads, {how}") if args.threads else (threads, how)
    torch, torch_status = load_torch(args.no_torch, threads)
    ctx = Context(args.quick, threads, torch, torch_status, args.repeats, log)
    log(f"threads: {threads} ({how}); torch: {torch_status}")
    facts = machine_facts(ctx)
    facts["threads_source"] = how
    mode = "quick" if args.quick else "full"
    start = time.time()
    results, errors = [], {}
    for b in benchmarks:
        log(f"running {b.id}: {b.title}")
        t0, other_cores = time.perf_counter(), load_meter()
        try:
            res = b.fn(ctx)
        except Exception:
            errors[b.id] = traceback.format_exc()
            log(f"{b.id} FAILED:\n{errors[b.id]}")
            continue
        res.data["elapsed_s"] = time.perf_counter() - t0
        res.data["measured_at"] = time.strftime("%Y-%m-%d %H:%M %Z")
        res.data["mode"] = mode
        res.data["other_processes_cores"] = others = other_cores()
        if others is not None:
            res.notes.append(
                f"Other processes kept {others:.2f} of {facts['usable_cpus'] or '?'} cores busy "
                "on average while this ran (/proc/stat minus this process and its children)"
                + ("; treat the numbers as noisy." if others > 0.25 else ".")
            )
        results.append(res)

    if hasattr(os, "getloadavg"):
        facts["loadavg_at_end"] = list(os.getloadavg())
    command = " ".join(["python -m benchmarks", *(sys.argv[1:] if argv is None else argv)])
    meta = {
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(start)),
        "mode": mode,
        "duration_s": time.time() - start,
    }
    if args.merge:
        results = merge_previous(results, args.out / "latest.json", mode, log)
    markdown = render_markdown(results, facts, meta)
    if errors:
        markdown += "\n## Failed\n\n" + "".join(f"- {k}: see the JSON's `errors`\n" for k in errors)
    print(markdown)

    benchmarks_json = {r.id: {k: getattr(r, k) for k in _TABLE_KEYS} | r.data for r in results}
    payload = {"schema": 1, **meta, "machine": facts, "benchmarks": benchmarks_json}
    payload["errors"] = errors
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "latest.json"
    json_path.write_text(json.dumps(to_jsonable(payload), indent=1, allow_nan=False) + "\n")
    log(f"wrote {json_path}")
    _write_docs(args, markdown, log)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
