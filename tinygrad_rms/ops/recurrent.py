"""A whole LSTM or GRU layer (one direction, all time steps) as a single graph node.

Forward, the way a CPU library does it: the input projection of all L steps as one
matmul, then per step the recurrent projection (one matmul on BLAS) and the gate
arithmetic.  Backward through time walks the steps in reverse doing only what must be
sequential (each step's gate gradients and ``dgates · W_hh`` for the step before); the
weight gradients are then each *one* matmul over all L·N rows, rather than L small ones,
and the input gradient another.  Checked by ``gradcheck`` and against PyTorch in
``tests/test_recurrent.py``.

LSTM, PyTorch's gate order i, f, g, o, from ``gates = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh``::

    i, f, o = σ(gates_i), σ(gates_f), σ(gates_o);   g = tanh(gates_g)
    c' = f·c + i·g;   h' = o·tanh(c')

GRU, PyTorch's form with the hidden bias inside the reset gate (``gx = x W_ihᵀ + b_ih``,
``gh = h W_hhᵀ + b_hh``)::

    r = σ(gx_r + gh_r);   z = σ(gx_z + gh_z);   n = tanh(gx_n + r·gh_n)
    h' = (1 − z)·n + z·h
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function

__all__ = ["gru_layer", "lstm_layer"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e^−x) in three passes over one new array; e^−x overflows to inf for
    very negative x, giving exactly 0 (the warning is silenced, the value is right)."""
    with np.errstate(over="ignore"):
        out = np.exp(-x)
    out += 1
    return np.reciprocal(out, out=out)


def _gates(a: np.ndarray, n: int) -> list[np.ndarray]:
    """The ``n`` gate blocks of ``a`` (…, n·H) as views (plain slices: ``np.split`` costs
    more than the arithmetic on these sizes)."""
    size = a.shape[-1] // n
    return [a[..., k * size : (k + 1) * size] for k in range(n)]


def _project(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """x Wᵀ (+ b) for x of shape (L, N, in): one matmul over all L·N rows."""
    out = (x.reshape(-1, x.shape[-1]) @ w.T).reshape(*x.shape[:-1], w.shape[0])
    if b is not None:
        out += b
    return out


def _order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _weight_grads(
    d: np.ndarray, x: np.ndarray, h_prev: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From the gate gradients ``d`` (L, N, G) in time order: dx, dW_ih, dW_hh — one matmul
    each over all steps (``h_prev``: the state each step started from, in time order)."""
    flat = d.reshape(-1, d.shape[-1])
    dx = (flat @ w_ih).reshape(x.shape)
    dw_ih = flat.T @ x.reshape(-1, x.shape[-1])
    dw_hh = flat.T @ h_prev.reshape(-1, h_prev.shape[-1])
    return dx, dw_ih, dw_hh


class LSTMLayer(Function, arrays=True, name="LSTMBackward"):
    """(x, h0, c0, W_ih, W_hh, b_ih, b_hh) → (output, h_n, c_n) for one direction."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        steps, hidden = x.shape[0], h0.shape[-1]
        bias = None if b_ih is None else b_ih + b_hh
        gates = _project(x, w_ih, bias)  # (L, N, 4H), then overwritten by the activations
        h_prev = np.empty((steps, *h0.shape), h0.dtype)  # the state each step started from
        c_all = np.empty((steps, *c0.shape), c0.dtype)  # each step's new cell state
        tanh_c = np.empty((steps, *c0.shape), c0.dtype)  # and its tanh
        out = np.empty((steps, *h0.shape), h0.dtype)
        h, c = h0, c0
        for t in _order(steps, reverse):
            h_prev[t] = h
            a = gates[t]
            a += h @ w_hh.T
            a[:, : 2 * hidden] = _sigmoid(a[:, : 2 * hidden])  # i, f
            a[:, 3 * hidden :] = _sigmoid(a[:, 3 * hidden :])  # o
            np.tanh(a[:, 2 * hidden : 3 * hidden], out=a[:, 2 * hidden : 3 * hidden])  # g
            i, f, g, o = _gates(a, 4)
            c = f * c + i * g
            np.tanh(c, out=tanh_c[t])
            h = o * tanh_c[t]
            c_all[t], out[t] = c, h
        ctx.save_for_backward(x, c0, w_ih, w_hh, gates, h_prev, c_all, tanh_c)
        ctx.reverse, ctx.bias = reverse, b_ih is not None
        return out, h, c

    @staticmethod
    def backward(ctx, d_out, d_hn, d_cn):
        x, c0, w_ih, w_hh, act, h_prev, c_all, tanh_c = ctx.saved_tensors
        steps = x.shape[0]
        d = np.empty_like(act)
        dh, dc = d_hn.copy(), d_cn.copy()
        order = list(_order(steps, ctx.reverse))
        for k in range(steps - 1, -1, -1):
            t = order[k]
            c_before = c_all[order[k - 1]] if k else c0
            i, f, g, o = _gates(act[t], 4)
            di, df, dg, do = _gates(d[t], 4)  # views of d, written in place
            dh += d_out[t]
            tc = tanh_c[t]
            dc += dh * o * (1 - tc * tc)
            np.multiply(dc * g, i * (1 - i), out=di)
            np.multiply(dc * c_before, f * (1 - f), out=df)
            np.multiply(dc * i, 1 - g * g, out=dg)
            np.multiply(dh * tc, o * (1 - o), out=do)
            dc *= f
            dh = d[t] @ w_hh
        dx, dw_ih, dw_hh = _weight_grads(d, x, h_prev, w_ih, w_hh)
        db = d.sum(axis=(0, 1)) if ctx.bias else None
        return dx, dh, dc, dw_ih, dw_hh, db, db, None


class GRULayer(Function, arrays=True, name="GRUBackward"):
    """(x, h0, W_ih, W_hh, b_ih, b_hh) → (output, h_n) for one direction."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, reverse):
        steps, hidden = x.shape[0], h0.shape[-1]
        gx = _project(x, w_ih, b_ih)  # (L, N, 3H), then overwritten by r, z, n
        hn_all = np.empty((steps, *h0.shape), h0.dtype)  # each step's W_hn h + b_hn
        h_prev = np.empty((steps, *h0.shape), h0.dtype)
        out = np.empty((steps, *h0.shape), h0.dtype)
        h = h0
        for t in _order(steps, reverse):
            h_prev[t] = h
            gh = h @ w_hh.T
            if b_hh is not None:
                gh += b_hh
            a = gx[t]
            a[:, : 2 * hidden] = _sigmoid(a[:, : 2 * hidden] + gh[:, : 2 * hidden])  # r, z
            r, z = a[:, :hidden], a[:, hidden : 2 * hidden]
            hn_all[t] = gh[:, 2 * hidden :]
            n = np.tanh(a[:, 2 * hidden :] + r * hn_all[t])
            a[:, 2 * hidden :] = n
            h = (1 - z) * n + z * h
            out[t] = h
        ctx.save_for_backward(x, w_ih, w_hh, gx, hn_all, h_prev)
        ctx.reverse, ctx.bias = reverse, b_ih is not None
        return out, h

    @staticmethod
    def backward(ctx, d_out, d_hn):
        x, w_ih, w_hh, act, hn_all, h_prev = ctx.saved_tensors
        steps = x.shape[0]
        d_gx, d_gh = np.empty_like(act), np.empty_like(act)
        dh = d_hn.copy()
        for t in reversed(list(_order(steps, ctx.reverse))):
            r, z, n = _gates(act[t], 3)
            dh += d_out[t]
            dn = dh * (1 - z) * (1 - n * n)
            dz = dh * (h_prev[t] - n) * z * (1 - z)
            dr = dn * hn_all[t] * r * (1 - r)
            d_gx[t] = np.concatenate([dr, dz, dn], axis=-1)
            d_gh[t] = np.concatenate([dr, dz, dn * r], axis=-1)
            dh = dh * z + d_gh[t] @ w_hh
        flat_gh = d_gh.reshape(-1, d_gh.shape[-1])
        dx, dw_ih, _ = _weight_grads(d_gx, x, h_prev, w_ih, w_hh)
        dw_hh = flat_gh.T @ h_prev.reshape(-1, h_prev.shape[-1])
        db_ih = d_gx.sum(axis=(0, 1)) if ctx.bias else None
        db_hh = flat_gh.sum(axis=0) if ctx.bias else None
        return dx, dh, dw_ih, dw_hh, db_ih, db_hh, None


def lstm_layer(
    x: Any, h0: Any, c0: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any, reverse: bool
) -> tuple[Any, Any, Any]:
    """One LSTM layer, one direction: ``(output (L, N, H), h_n, c_n)``."""
    return LSTMLayer.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)


def gru_layer(
    x: Any, h0: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any, reverse: bool
) -> tuple[Any, Any]:
    """One GRU layer, one direction: ``(output (L, N, H), h_n)``."""
    return GRULayer.apply(x, h0, w_ih, w_hh, b_ih, b_hh, reverse)
