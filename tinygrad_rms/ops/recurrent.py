"""One time step of an LSTM or a GRU as a single graph node each.

The layers (``nn/rnn.py``) compute the input projection of every time step at once, and
each step's recurrent projection with one matmul; what is left per step is the gate
arithmetic, a dozen elementwise ops that would each be a node.  Here each step's gate
arithmetic is one node, its backward written out by hand (checked by ``gradcheck`` and
against PyTorch in the tests).

LSTM, PyTorch's gate order i, f, g, o, from the summed projections ``gates`` (N, 4H)::

    i, f, o = σ(gates_i), σ(gates_f), σ(gates_o);   g = tanh(gates_g)
    c' = f·c + i·g;   h' = o·tanh(c')

GRU, PyTorch's form with the hidden bias inside the reset gate, from the input projection
``gx = x W_ihᵀ + b_ih`` and the hidden projection ``gh = h W_hhᵀ + b_hh`` (N, 3H each)::

    r = σ(gx_r + gh_r);   z = σ(gx_z + gh_z);   n = tanh(gx_n + r·gh_n)
    h' = (1 − z)·n + z·h
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function

__all__ = ["gru_step", "lstm_step"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e^−x) in three passes over one new array; e^−x overflows to inf for
    very negative x, giving exactly 0 (the warning is silenced, the value is right)."""
    with np.errstate(over="ignore"):
        out = np.exp(-x)
    out += 1
    return np.reciprocal(out, out=out)


class LSTMStep(Function, arrays=True, name="LSTMCellBackward"):
    """(gates, c) → (h', c'), the gate arithmetic of one LSTM step."""

    @staticmethod
    def forward(ctx, gates, c):
        i, f, g, o = np.split(gates, 4, axis=-1)
        i, f, o, g = _sigmoid(i), _sigmoid(f), _sigmoid(o), np.tanh(g)
        c_new = f * c + i * g
        tc = np.tanh(c_new)
        ctx.save_for_backward(i, f, g, o, c, tc)
        return o * tc, c_new

    @staticmethod
    def backward(ctx, dh, dc):
        i, f, g, o, c, tc = ctx.saved_tensors
        dc = dc + dh * o * (1 - tc * tc)
        d_gates = np.concatenate(
            [
                dc * g * i * (1 - i),
                dc * c * f * (1 - f),
                dc * i * (1 - g * g),
                dh * tc * o * (1 - o),
            ],
            axis=-1,
        )
        return d_gates, dc * f


class GRUStep(Function, arrays=True, name="GRUCellBackward"):
    """(gx, gh, h) → h', the gate arithmetic of one GRU step."""

    @staticmethod
    def forward(ctx, gx, gh, h):
        xr, xz, xn = np.split(gx, 3, axis=-1)
        hr, hz, hn = np.split(gh, 3, axis=-1)
        r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
        n = np.tanh(xn + r * hn)
        ctx.save_for_backward(r, z, n, hn, h)
        return (1 - z) * n + z * h

    @staticmethod
    def backward(ctx, dh_new):
        r, z, n, hn, h = ctx.saved_tensors
        dn = dh_new * (1 - z) * (1 - n * n)
        dz = dh_new * (h - n) * z * (1 - z)
        dr = dn * hn * r * (1 - r)
        d_gx = np.concatenate([dr, dz, dn], axis=-1)
        d_gh = np.concatenate([dr, dz, dn * r], axis=-1)
        return d_gx, d_gh, dh_new * z


def lstm_step(gates: Any, c: Any) -> tuple[Any, Any]:
    """One LSTM step's gate arithmetic: ``(h', c')`` from the summed projections."""
    return LSTMStep.apply(gates, c)


def gru_step(gx: Any, gh: Any, h: Any) -> Any:
    """One GRU step's gate arithmetic: ``h'`` from the two projections and ``h``."""
    return GRUStep.apply(gx, gh, h)
