"""Generate docs/api.md from the public names and their docstrings.

Run:  python docs/make_api.py
The test suite checks that docs/api.md is what this script writes and that every public
name has a docstring, so the reference cannot drift from the code.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from types import ModuleType

import tinygrad_rms
import tinygrad_rms.autograd
import tinygrad_rms.nn
import tinygrad_rms.nn.functional
import tinygrad_rms.nn.init
import tinygrad_rms.optim
import tinygrad_rms.optim.lr_scheduler
import tinygrad_rms.utils.data
import tinygrad_rms.viz

MODULES: list[ModuleType] = [
    tinygrad_rms,
    tinygrad_rms.autograd,
    tinygrad_rms.nn,
    tinygrad_rms.nn.functional,
    tinygrad_rms.nn.init,
    tinygrad_rms.optim,
    tinygrad_rms.optim.lr_scheduler,
    tinygrad_rms.utils.data,
    tinygrad_rms.viz,
]
#: classes whose public methods are listed too
CLASSES = [
    tinygrad_rms.Tensor,
    tinygrad_rms.nn.Module,
    tinygrad_rms.optim.Optimizer,
    tinygrad_rms.optim.lr_scheduler.LRScheduler,
]
OUT = Path(__file__).resolve().parent / "api.md"


def summary(obj: object) -> str:
    """The first paragraph of the docstring, on one line ('' when there is none)."""
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def signature(obj: object) -> str:
    try:
        # ``_builtins.float``: the spelling of ``float`` where the module's own ``float`` hides it
        return str(inspect.signature(obj)).replace("_builtins.", "")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""


def public_names(module: ModuleType) -> list[str]:
    return [n for n in module.__all__ if not isinstance(getattr(module, n), ModuleType)]


def class_members(cls: type) -> list[str]:
    own = [n for n in vars(cls) if not n.startswith("_")]
    return sorted(n for n in own if callable(getattr(cls, n)) or isinstance(vars(cls)[n], property))


def undocumented() -> list[str]:
    """Public names without a docstring summary."""
    missing = []
    for module in MODULES:
        for name in public_names(module):
            obj = getattr(module, name)
            if not isinstance(obj, type(tinygrad_rms.float32)) and not summary(obj):
                missing.append(f"{module.__name__}.{name}")
    for cls in CLASSES:
        missing += [
            f"{cls.__name__}.{n}" for n in class_members(cls) if not summary(getattr(cls, n))
        ]
    return missing


def render() -> str:
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings by `python docs/make_api.py`; do not edit by hand.",
        "",
    ]
    for module in MODULES:
        lines += [
            f"## `{module.__name__}`",
            "",
            summary(module),
            "",
            "| name | summary |",
            "| --- | --- |",
        ]
        for name in public_names(module):
            obj = getattr(module, name)
            sig = (
                signature(obj)
                if callable(obj) and not isinstance(obj, type(tinygrad_rms.float32))
                else ""
            )
            text = summary(obj) if sig or inspect.isclass(obj) else f"dtype `{obj}`"
            lines.append(f"| `{name}{sig}` | {_cell(text)} |")
        lines.append("")
    for cls in CLASSES:
        lines += [
            f"## `{cls.__module__}.{cls.__name__}` methods",
            "",
            "| name | summary |",
            "| --- | --- |",
        ]
        for name in class_members(cls):
            member = getattr(cls, name)
            sig = "" if isinstance(vars(cls)[name], property) else signature(member)
            lines.append(f"| `{name}{sig}` | {_cell(summary(member))} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
    missing = undocumented()
    if missing:
        print("undocumented:", ", ".join(missing))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
