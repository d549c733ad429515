"""B6: one training step of a character-level LSTM language model (and the GRU variant).

Embedding 65 → 64, one LSTM (or GRU) layer 64 → 128 batch-first, Linear 128 → 65,
cross-entropy over batch 32 × 64 steps, ``clip_grad_norm_(1.0)``, RMSprop lr 2e-3: ours vs
PyTorch (``nn.LSTM``/``nn.GRU``, same threads) vs a hand-written numpy floor of the LSTM
step, from the same weights and data, interleaved.  The issue's target: ours ≤ 1.0×
PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .common import Context, Result, library_step, model_step_run, register

VOCAB, EMBED, HIDDEN, BATCH, STEPS, LR = 65, 64, 128, 32, 64, 2e-3
TARGET = 1.0


def weights(kind: str) -> dict[str, np.ndarray]:
    """PyTorch-named float32 weights for ``kind`` ("LSTM" or "GRU"), U(±1/√H) as PyTorch."""
    rng = np.random.default_rng(6)
    gates = {"LSTM": 4, "GRU": 3}[kind] * HIDDEN
    bound = 1 / np.sqrt(HIDDEN)

    def u(*shape: int, b: float = bound) -> np.ndarray:
        return rng.uniform(-b, b, shape).astype(np.float32)

    return {
        "embed.weight": rng.standard_normal((VOCAB, EMBED)).astype(np.float32),
        "rnn.weight_ih_l0": u(gates, EMBED),
        "rnn.weight_hh_l0": u(gates, HIDDEN),
        "rnn.bias_ih_l0": u(gates),
        "rnn.bias_hh_l0": u(gates),
        "head.weight": u(VOCAB, HIDDEN, b=1 / np.sqrt(HIDDEN)),
        "head.bias": u(VOCAB, b=1 / np.sqrt(HIDDEN)),
    }


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.integers(0, VOCAB, (BATCH, STEPS))
    return x, rng.integers(0, VOCAB, BATCH * STEPS)


def make_library_step(lib: Any, kind: str) -> Callable[[], float]:
    """The training step on tinygrad_rms or PyTorch (``lib`` is the top module)."""
    nn = lib.nn

    class CharModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(VOCAB, EMBED)
            self.rnn = getattr(nn, kind)(EMBED, HIDDEN, batch_first=True)
            self.head = nn.Linear(HIDDEN, VOCAB)

        def forward(self, x: Any) -> Any:
            return self.head(self.rnn(self.embed(x))[0])

    model = CharModel()
    model.load_state_dict({k: lib.tensor(v) for k, v in weights(kind).items()})
    return library_step(lib, model, LR, data(), clip=1.0)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-a))


def make_numpy_lstm_step() -> Callable[[], float]:
    """The LSTM step written directly in numpy: forward, BPTT, clipping, RMSprop."""
    w = weights("LSTM")
    x, y = data()
    state = {k: np.zeros_like(v) for k, v in w.items()}
    H = HIDDEN

    def step() -> float:
        emb = w["embed.weight"][x.T]  # (L, N, E), time first
        xw = emb @ w["rnn.weight_ih_l0"].T + w["rnn.bias_ih_l0"] + w["rnn.bias_hh_l0"]
        acts, cs, hs = np.empty_like(xw), np.empty((STEPS, BATCH, H), np.float32), []
        h = c = np.zeros((BATCH, H), np.float32)
        for t in range(STEPS):
            hs.append(h)
            a = xw[t] + h @ w["rnn.weight_hh_l0"].T
            i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H : 2 * H]), _sigmoid(a[:, 3 * H :])
            g = np.tanh(a[:, 2 * H : 3 * H])
            acts[t] = np.concatenate([i, f, g, o], axis=1)
            c = f * c + i * g
            cs[t] = c
            h = o * np.tanh(c)
        out = np.stack([*hs[1:], h])  # (L, N, H): each step's new h
        feats = out.transpose(1, 0, 2).reshape(-1, H)  # batch-first rows, as the libraries
        logits = feats @ w["head.weight"].T + w["head.bias"]
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = float(-np.log(p[rows, y]).mean())
        p[rows, y] -= 1
        p /= len(y)
        grads = {"head.weight": p.T @ feats, "head.bias": p.sum(axis=0)}
        d_out = (p @ w["head.weight"]).reshape(BATCH, STEPS, H).transpose(1, 0, 2)
        d = np.empty_like(acts)
        dh, dc = np.zeros((BATCH, H), np.float32), np.zeros((BATCH, H), np.float32)
        for t in range(STEPS - 1, -1, -1):
            i, f, g, o = (acts[t][:, k * H : (k + 1) * H] for k in range(4))
            dh = dh + d_out[t]
            tc = np.tanh(cs[t])
            dc = dc + dh * o * (1 - tc * tc)
            c_prev = cs[t - 1] if t else np.zeros_like(dc)
            d[t] = np.concatenate(
                [
                    dc * g * i * (1 - i),
                    dc * c_prev * f * (1 - f),
                    dc * i * (1 - g * g),
                    dh * tc * o * (1 - o),
                ],
                axis=1,
            )
            dc = dc * f
            dh = d[t] @ w["rnn.weight_hh_l0"]
        flat = d.reshape(-1, 4 * H)
        grads["rnn.weight_hh_l0"] = flat.T @ np.stack(hs).reshape(-1, H)
        grads["rnn.weight_ih_l0"] = flat.T @ emb.reshape(-1, EMBED)
        grads["rnn.bias_ih_l0"] = grads["rnn.bias_hh_l0"] = flat.sum(axis=0)
        d_emb = (flat @ w["rnn.weight_ih_l0"]).reshape(STEPS, BATCH, EMBED)
        grads["embed.weight"] = np.zeros_like(w["embed.weight"])
        np.add.at(grads["embed.weight"], x.T, d_emb)
        norm = np.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        scale = min(1.0, 1.0 / (norm + 1e-6))
        for k, g in grads.items():  # RMSprop, PyTorch's defaults (alpha 0.99, eps 1e-8)
            g = g * scale
            state[k] = 0.99 * state[k] + 0.01 * g * g
            w[k] -= LR * g / (np.sqrt(state[k]) + 1e-8)
        return loss

    return step


@register("B6", "char-level LSTM/GRU language-model step")
def run(ctx: Context) -> Result:
    import tinygrad_rms as tg

    contenders: dict[str, Callable[[], float]] = {}
    for kind in ("LSTM", "GRU"):
        contenders[f"ours {kind}"] = make_library_step(tg, kind)
        if ctx.torch is not None:
            ctx.torch.set_num_threads(ctx.threads)
            contenders[f"torch {kind}"] = make_library_step(ctx.torch, kind)
    contenders["numpy LSTM floor"] = make_numpy_lstm_step()
    data_out, rows, notes = model_step_run(
        ctx,
        contenders,
        "numpy LSTM floor",
        lambda name: "torch LSTM" if name == "numpy LSTM floor" else f"torch {name.split()[-1]}",
        {kind: (f"ours {kind}", f"torch {kind}") for kind in ("LSTM", "GRU")},
        TARGET,
    )
    repeats = data_out["repeats"]
    notes.append(
        "Ours runs each LSTM/GRU layer as one graph node (ops/recurrent.py): per step one "
        "recurrent matmul and the gate arithmetic in numpy; the weight gradients are one "
        "matmul each over all steps. PyTorch on the CPU runs oneDNN's fused RNN kernels."
    )
    what = (
        f"One zero_grad + forward + cross-entropy + backward + clip_grad_norm_(1.0) + RMSprop "
        f"(lr {LR}) step of Embedding {VOCAB}→{EMBED}, LSTM/GRU {EMBED}→{HIDDEN} "
        f"(batch-first), Linear {HIDDEN}→{VOCAB} on batch {BATCH} × {STEPS} characters, "
        f"float32; {repeats} samples per contender, round-robin, after 2 warm-up steps."
    )
    headers = ["contender", "median / step", "IQR", "min", "× numpy LSTM floor", "× torch"]
    return Result(
        "B6", "char-level LSTM / GRU language model step", what, headers, rows, notes, data_out
    )
