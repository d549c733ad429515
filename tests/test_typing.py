"""The typed example (tests/typing_example.py, type-checked by mypy in CI) also runs and
trains: its types describe a working program."""

from __future__ import annotations

import typing_example


def test_the_typed_example_trains():
    before = typing_example.train(steps=0)
    after = typing_example.train(steps=20)
    assert after < 0.5 * before
