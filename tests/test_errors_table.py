"""Every row of docs/errors.md, executed: the snippet raises the documented exception and
its message contains every documented fragment."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rms as tg
from tinygrad_rms import nn, optim
from tinygrad_rms.autograd import gradcheck
from tinygrad_rms.viz import to_dot

TABLE = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
ROW = re.compile(r"^\| `(?P<code>.+)` \| (?P<exc>\w+) \| (?P<fragments>.+) \|$")


def _rows() -> list:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            fragments = re.findall(r"`([^`]+)`", m["fragments"])
            rows.append(pytest.param(m["code"], m["exc"], fragments, id=m["code"][:60]))
    return rows


ROWS = _rows()


def test_the_table_has_rows():
    assert len(ROWS) >= 60


@pytest.mark.parametrize("code,exc,fragments", ROWS)
def test_documented_error(code, exc, fragments, tmp_path):
    (tmp_path / "notes.npz").write_text("not a checkpoint")
    namespace = {
        "tg": tg,
        "nn": nn,
        "optim": optim,
        "np": np,
        "gradcheck": gradcheck,
        "to_dot": to_dot,
        "tmp": tmp_path,
        "p": nn.Parameter(np.ones(3)),
        "model": nn.Linear(3, 2),
    }
    expected = getattr(builtins, exc)
    with pytest.raises(expected) as info:
        exec(code.replace("\\n", "\n"), namespace)  # a row spells a newline as \n
    assert type(info.value) is expected, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
