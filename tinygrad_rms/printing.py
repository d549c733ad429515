"""How a Tensor prints: PyTorch's layout, so that a program prints what it printed there.

The rules are PyTorch's (``torch/_tensor_str.py``, with its default print options):

* floats share one format, chosen from the finite non-zero values: whole numbers print
  as ``3.``; otherwise 4 decimals (``0.1235``); scientific notation (``1.2346e-05``) when
  the largest is over 1e8, or over 1000 times the smallest, or (for non-whole numbers) the
  smallest is under 1e-4.  Every element is right-aligned to the widest;
* rows wrap at 80 characters, as many elements per line as fit after the indent;
* more than 1000 elements are summarised with ``...``, 3 items at each edge of each dim;
* ``dtype=``, ``grad_fn=`` and ``requires_grad=`` follow the values, on a new line when
  the last line would pass 80 characters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["tensor_repr"]

PRECISION, LINEWIDTH, THRESHOLD, EDGEITEMS = 4, 80, 1000, 3


class _Formatter:
    """One format for every element of an array (PyTorch's ``_Formatter``)."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            for value in flat:
                self.max_width = max(self.max_width, len(_plain(value)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        low, high = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        wide = high / low > 1000.0 or high > 1.0e8
        if self.int_mode:
            self.sci_mode = wide
            widths = [len(self._text(v)) + (0 if wide else 1) for v in finite]
        else:
            self.sci_mode = wide or low < 1.0e-4
            widths = [len(self._text(v)) for v in finite]
        self.max_width = max(widths)

    def _text(self, value: float) -> str:
        if self.sci_mode:
            return f"{value:.{PRECISION}e}"
        if self.int_mode:
            return f"{value:.0f}"
        return f"{value:.{PRECISION}f}"

    def format(self, value: object) -> str:
        if not self.floating:
            text = _plain(value)
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):  # type: ignore[arg-type]
                text += "."
        else:
            text = f"{value:.{PRECISION}f}"
        return " " * (self.max_width - len(text)) + text


def _plain(value: object) -> str:
    """An integer or bool element as PyTorch prints it (``True``, ``-3``)."""
    return str(value.item() if isinstance(value, np.generic) else value)


def _summarised(values: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows: ``EDGEITEMS`` at each end of every dim."""
    for axis, n in enumerate(values.shape):
        if n > 2 * EDGEITEMS:
            keep = np.r_[0:EDGEITEMS, n - EDGEITEMS : n]
            values = np.take(values, keep, axis=axis)
    return values


def _body(values: np.ndarray, fmt: _Formatter, indent: int, summarize: bool) -> str:
    """The nested ``[...]`` text of ``values`` at ``indent`` (PyTorch's layout)."""
    ndim = values.ndim
    if ndim == 0:
        return fmt.format(values.item())
    n = values.shape[0]
    cut = summarize and n > 2 * EDGEITEMS
    edges: Sequence[np.ndarray] = (
        [*values[:EDGEITEMS], *values[n - EDGEITEMS :]] if cut else list(values)
    )
    if ndim == 1:
        items = [fmt.format(v.item()) for v in edges]
        if cut:
            items = [*items[:EDGEITEMS], " ...", *items[EDGEITEMS:]]
        per_line = max(1, (LINEWIDTH - indent) // (fmt.max_width + 2))
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = [_body(r, fmt, indent + 1, summarize) for r in edges]
    if cut:
        parts = [*parts[:EDGEITEMS], "...", *parts[EDGEITEMS:]]
    separator = "," + "\n" * (ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def tensor_repr(values: np.ndarray, suffixes: list[str]) -> str:
    """``tensor(<values>, <suffixes>)`` as PyTorch prints it."""
    indent = len("tensor(")
    if values.size == 0:
        body = "[]"
        if values.shape != (0,):
            suffixes = [f"size={values.shape}", *suffixes]
    else:
        summarize = values.size > THRESHOLD
        shown = _summarised(values) if summarize else values
        body = _body(values, _Formatter(shown), indent, summarize)
    text = "tensor(" + body
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            text += ",\n" + " " * indent + suffix
            last_line = indent + len(suffix)
        else:
            text += ", " + suffix
            last_line += len(suffix) + 2
    return text + ")"
