"""Smoke tests of the benchmark harness (``python -m benchmarks``).

They check that the harness runs and reports, never how fast anything is: one quick run
on the smallest settings (without PyTorch, as on CI), plus unit checks of the shared
helpers.  No timing assertions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the harness lives next to the package, not inside it
    sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402
from benchmarks.b4_process import EPOCH_LINE, fallback_program  # noqa: E402


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    docs = out / "benchmarks.md"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--repeats",
            "1",
            "--no-torch",
            "--out",
            str(out),
            "--docs",
            str(docs),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return {
        "stdout": proc.stdout,
        "json": json.loads((out / "latest.json").read_text()),
        "docs": docs.read_text(),
        "out": out,
    }


def test_quick_run_prints_and_writes_the_tables(quick_run: dict) -> None:
    text = quick_run["stdout"]
    assert text.strip() == quick_run["docs"].strip()
    for heading in ("# Benchmarks", "## Machine", "## B1:", "## B4:"):
        assert heading in text
    assert "| contender | median / step |" in text
    assert "| ours (tinygrad_rms) |" in text and "| plain numpy floor |" in text
    assert "| process | wall (median) |" in text and "| ours, cold Numba cache |" in text
    assert "PyTorch was not measured: disabled (--no-torch)" in text
    assert "OPENBLAS" in text or "environment | (none set)" in text


def test_quick_run_json_has_the_expected_keys(quick_run: dict) -> None:
    data = quick_run["json"]
    assert data["schema"] == 1 and data["mode"] == "quick" and data["errors"] == {}
    machine = data["machine"]
    for key in ("cpu_model", "logical_cpus", "python", "numpy", "numba", "threads", "env"):
        assert key in machine
    assert machine["torch"] is None

    b1 = data["benchmarks"]["B1"]
    assert set(b1["contenders"]) == {"ours", "numpy"}
    for stats in b1["contenders"].values():
        for key in ("median", "iqr", "min", "q1", "q3", "samples", "first_call"):
            assert key in stats
        assert stats["median"] > 0 and len(stats["samples"]) == 1
    assert set(b1["ratios"]) == {"ours/numpy"}
    assert b1["spec"]["widths"] == [10, 50, 1] and b1["spec"]["batch"] == 100
    assert "rmsprop_update" in b1["kernel_compile_s"]
    assert b1["agreement"]["max_rel_diff"]["ours"] < 1e-3  # same work, not a speed check

    b4 = data["benchmarks"]["B4"]
    assert set(b4["results"]) == {"ours-warm", "ours-cold", "floor"}
    for res in b4["results"].values():
        assert res["wall_s"]["median"] > 0 and res["maxrss_bytes"]["median"] > 0
    assert b4["cold_runs_compiled"] == b4["cold_runs"] == 1
    assert len(b4["ours_losses"]) == 10 and b4["torch_losses"] is None


def test_registry_discovers_the_benchmarks_in_order() -> None:
    ids = [b.id for b in common.discover()]
    assert ids[:1] == ["B1"] and "B4" in ids and ids == sorted(ids, key=lambda s: int(s[1:]))


def test_round_robin_rotates_the_order() -> None:
    calls: list[str] = []
    out = common.round_robin(["a", "b", "c"], 3, lambda name: calls.append(name) or name)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert out == {"a": ["a"] * 3, "b": ["b"] * 3, "c": ["c"] * 3}


def test_summary_and_formatting() -> None:
    s = common.summarize([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (s["median"], s["q1"], s["q3"], s["iqr"], s["min"], s["n"]) == (3, 2, 4, 2, 1, 5)
    assert common.fmt_time(83.2e-6) == "83.2 µs" and common.fmt_time(1.5) == "1.5 s"
    table = common.markdown_table(["name", "time"], [["a|b", "1 ms"]])
    assert table.splitlines() == ["| name | time |", "| --- | ---: |", "| a\\|b | 1 ms |"]


def test_fallback_program_runs_the_document_on_tinygrad_rms(tmp_path: Path) -> None:
    path = fallback_program(tmp_path)
    source = path.read_text()
    assert "import tinygrad_rms as torch\n" in source and "import torch\n" not in source
    compile(source, str(path), "exec")
    line = "Epoch [3/10], Loss: 1.2345"
    assert EPOCH_LINE.findall(line) == [("3", "1.2345")]


def test_child_run_reports_its_own_peak_rss() -> None:
    run = common.run_child([sys.executable, "-c", "b = bytearray(64 * 2**20); print('ok')"])
    assert run.returncode == 0 and run.stdout.strip() == "ok"
    assert run.maxrss_bytes is not None and run.maxrss_bytes >= 64 * 2**20
    assert run.wall_s > 0


def test_merge_keeps_other_benchmarks_of_the_same_mode(tmp_path: Path) -> None:
    from benchmarks.__main__ import merge_previous

    def entry(mode: str) -> dict:
        table = {"title": "t", "what": "w", "headers": ["h"], "rows": [["1"]], "notes": ["n"]}
        return {**table, "mode": mode, "measured_at": "then"}

    previous = {"mode": "full", "benchmarks": {"B1": entry("full"), "B2": entry("full")}}
    previous["benchmarks"]["B3"] = entry("quick")
    (tmp_path / "latest.json").write_text(json.dumps(previous))
    fresh = common.Result("B2", "new", "w", ["h"], [["2"]], data={"measured_at": "now"})
    merged = merge_previous([fresh], tmp_path / "latest.json", "full", lambda msg: None)
    assert [r.id for r in merged] == ["B1", "B2"]
    assert merged[1] is fresh and merged[0].data["kept_by_merge"]
    text = common.render_markdown(
        merged, _FACTS, {"command": "c", "date": "d", "mode": "full", "duration_s": 1.0}
    )
    assert "*Measured then, kept by `--merge`.*" in text and "## B2: new" in text


_FACTS = {
    "cpu_model": "cpu",
    "logical_cpus": 2,
    "usable_cpus": 2,
    "platform": "p",
    "python": "py",
    "numpy": "n",
    "numba": "nb",
    "llvmlite": "l",
    "torch_status": "absent",
    "threads": 1,
}


def test_render_only_rewrites_the_same_report_from_the_json(
    quick_run: dict, tmp_path: Path
) -> None:
    from benchmarks.__main__ import main

    docs = tmp_path / "again.md"
    assert main(["--render-only", "--out", str(quick_run["out"]), "--docs", str(docs)]) == 0
    assert docs.read_text() == quick_run["docs"]
