"""B5: RMSprop step time against parameter count, ours vs PyTorch (both modes) vs the probe.

One float32 tensor of 1e2 ... 1.6e7 elements (8 log-spaced sizes; the largest is left out
in quick mode), timed as in B2 (``b2_optimizer_step.measure_case``: preset gradients,
``step()`` alone, warm-up first, samples round-robin).  The table is always written; with
matplotlib the full run also draws ``docs/img/b5_scaling.png`` (time per step and
effective bandwidth against size, both log-log), which the report embeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .b2_optimizer_step import BYTES_PER_ELEMENT, LABELS, fmt_count, fmt_pct, measure_case
from .common import ROOT, Context, Result, fmt_ratio, fmt_time, register

PICTURE = ROOT / "docs" / "img" / "b5_scaling.png"
PICTURE_LINK = "img/b5_scaling.png"  # relative to docs/benchmarks.md
REDRAW = "python -m benchmarks --only B5 --merge"
NAMES = ("ours", "torch-foreach", "torch-for-loop", "probe")


def sizes(quick: bool) -> list[int]:
    """8 log-spaced sizes from 1e2 to 1.6e7 rounded to two significant digits (7 in quick)."""
    raw = np.geomspace(1e2, 1.6e7, 8)
    out = [int(float(f"{x:.2g}")) for x in raw]
    return out[:-1] if quick else out


def draw(points: Sequence[dict[str, Any]], path: Path, threads: int) -> str | None:
    """Draw the two log-log panels into ``path``; None when done, else why not."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        return f"matplotlib is not importable ({exc})"
    n = np.array([p["elements"] for p in points], dtype=float)
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax_t, ax_bw = fig.subplots(1, 2)
    styles = {
        "ours": dict(color="C0", marker="o", lw=2),
        "torch-foreach": dict(color="C3", marker="s"),
        "torch-for-loop": dict(color="C1", marker="^"),
        "probe": dict(color="0.3", marker="", ls="--"),
    }
    for name in NAMES:
        if name not in points[0]["contenders"]:
            continue
        t = np.array([p["contenders"][name]["median"] for p in points])
        label = LABELS[name] + (f" ({threads} threads)" if name.startswith("torch") else "")
        ax_t.loglog(n, t, label=label, **styles[name])
        ax_bw.loglog(n, BYTES_PER_ELEMENT * n / t / 1e9, label=label, **styles[name])
    ax_t.set(xlabel="parameters (float32, one tensor)", ylabel="seconds per step()")
    ax_t.set_title("RMSprop step time")
    ax_bw.set(xlabel="parameters (float32, one tensor)", ylabel="GB/s (20 bytes per element)")
    ax_bw.set_title("effective bandwidth")
    for ax in (ax_t, ax_bw):
        ax.grid(True, which="major", alpha=0.4)
    ax_t.legend(fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return None


TITLE = "scaling: optimizer step time against parameter count"


@register("B5", TITLE)
def run(ctx: Context) -> Result:
    repeats = ctx.n_repeats(quick=3, full=15)
    target_s, warm_s = ctx.pick(0.002, 0.02), ctx.pick(0.003, 0.05)
    points = []
    for total in sizes(ctx.quick):
        ctx.log(f"B5: {total} elements")
        res = measure_case(ctx, total, 1, NAMES, repeats=repeats, target_s=target_s, warm_s=warm_s)
        points.append({"elements": total, "contenders": res})

    present = [n for n in NAMES if n in points[0]["contenders"]]
    headers = ["elements", *(LABELS[n] for n in present)]
    headers += ["ours GB/s", "probe GB/s", "ours % of probe"]
    torch_names = [n for n in present if n.startswith("torch")]
    headers += ["faster PyTorch ÷ ours"] if torch_names else []
    rows = []
    for p in points:
        res = p["contenders"]
        row = [fmt_count(p["elements"]), *(fmt_time(res[n]["median"]) for n in present)]
        row += [f"{res['ours']['gbps']:.1f}", f"{res['probe']['gbps']:.1f}"]
        row.append(fmt_pct(res["probe"]["median"] / res["ours"]["median"]))
        if torch_names:
            best = min(res[n]["median"] for n in torch_names)
            p["torch_best_over_ours"] = best / res["ours"]["median"]
            row.append(fmt_ratio(p["torch_best_over_ours"]))
        rows.append(row)

    picture_note = None if ctx.quick else draw(points, PICTURE, ctx.threads)
    drawn_now = not ctx.quick and picture_note is None
    what = (
        "`RMSprop(lr=0.01, alpha=0.9).step()` alone on one float32 tensor of growing size "
        "(preset gradient), ours vs PyTorch's two modes vs B2's bandwidth probe (the fused "
        f"kernel's {BYTES_PER_ELEMENT} bytes per element with no arithmetic). Each sample "
        f"times as many consecutive steps as fill ~{fmt_time(target_s)}; {repeats} samples "
        "per contender, round-robin with rotating order, after a warm-up."
    )
    if PICTURE.exists():
        caption = "drawn by an earlier full run, not from this table"
        caption = "drawn from the measurements in this table" if drawn_now else caption
        what += (
            f"\n\n![B5: step time and bandwidth against parameter count]({PICTURE_LINK})\n\n"
            f"*Picture {caption}; redraw it with `{REDRAW}` (full mode, matplotlib needed).*"
        )
    notes = ctx.no_torch_note()
    if ctx.quick:
        notes.append(f"Quick mode: sizes up to {fmt_count(points[-1]['elements'])}, no picture.")
    elif picture_note is not None:
        notes.append(f"No picture drawn: {picture_note}.")
    notes.append(
        "Where the lines meet the probe the step runs at memory speed; below a few thousand "
        "elements every contender's time is its fixed per-call cost (Python, dispatch)."
    )
    data = {
        "sizes": [p["elements"] for p in points],
        "repeats": repeats,
        "target_sample_s": target_s,
        "threads": ctx.threads,
        "torch": ctx.torch_status,
        "points": points,
        "picture": str(PICTURE.relative_to(ROOT)) if drawn_now else None,
    }
    return Result("B5", TITLE, what, headers, rows, notes, data)
