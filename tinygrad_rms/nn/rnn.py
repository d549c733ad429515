"""Recurrent layers with PyTorch's arguments, parameter names and numbers: ``RNN``,
``LSTM``, ``GRU`` (any ``num_layers``, ``bidirectional``, ``batch_first``, ``dropout``
between layers) and one-step ``RNNCell``, ``LSTMCell``, ``GRUCell``.

One layer in one direction over a sequence of length L, the way a CPU library does it:

1. the input projection of all L steps at once, one matmul: ``x W_ihᵀ + b`` (L·N rows);
2. per step, the recurrent projection ``h W_hhᵀ``, one matmul (BLAS);
3. per step, the gate arithmetic; for LSTM and GRU the whole layer is one graph node
   whose backward through time makes each weight gradient one matmul over all steps
   (``ops/recurrent.py``); Elman's RNN is composed from the library's ops.

Backpropagation through time needs nothing special: the graph is the unrolled loop, and
``backward`` walks it like any other.  Parameters per layer k and direction (suffix
``_reverse`` for the backward one): ``weight_ih_lk`` (G·H, in), ``weight_hh_lk`` (G·H, H),
``bias_ih_lk``, ``bias_hh_lk`` (G·H,), with G = 4 gates for LSTM (i, f, g, o), 3 for GRU
(r, z, n), 1 for RNN; all from U(−1/√H, 1/√H), as PyTorch.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..arrays import default_float
from ..creation import zeros
from ..ops.recurrent import gru_layer, lstm_layer
from ..tensor import Tensor, cat, stack
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _positive(owner: str, name: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {n!r}")
    return int(n)


def _flag(owner: str, name: str, value: Any) -> bool:
    if type(value) is not bool:
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return value


class _Recurrent(Module):
    """The parameters of ``layers`` × ``directions`` recurrences and one layer's loop."""

    def _setup(self, mode: str, input_size: int, hidden_size: int, bias: bool) -> str:
        """Module init and the arguments every recurrent module checks; returns its name."""
        super().__init__()
        owner = type(self).__name__
        self.mode = mode
        self.input_size = _positive(owner, "input_size", input_size)
        self.hidden_size = _positive(owner, "hidden_size", hidden_size)
        self.bias = _flag(owner, "bias", bias)
        return owner

    def _make_weights(self, layers: int, directions: int, input_size: int) -> None:
        gates, hidden = _GATES[self.mode] * self.hidden_size, self.hidden_size
        dtype = default_float()
        self._weight_names: list[list[str]] = []
        for layer in range(layers):
            for direction in range(directions):
                suffix = self._suffix(layer, direction)
                width = input_size if layer == 0 else hidden * directions
                names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
                setattr(self, names[0], Parameter(np.empty((gates, width), dtype)))
                setattr(self, names[1], Parameter(np.empty((gates, hidden), dtype)))
                for kind in ("ih", "hh"):
                    name = f"bias_{kind}{suffix}"
                    if self.bias:
                        setattr(self, name, Parameter(np.empty(gates, dtype)))
                        names.append(name)
                    else:
                        self.register_parameter(name, None)
                self._weight_names.append(names)
        self.reset_parameters()

    def _suffix(self, layer: int, direction: int) -> str:
        return ""

    def reset_parameters(self) -> None:
        """Every weight and bias from U(−1/√hidden, 1/√hidden), as PyTorch."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, index: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        names = self._weight_names[index]
        w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
        if not self.bias:
            return w_ih, w_hh, None, None
        return w_ih, w_hh, getattr(self, names[2]), getattr(self, names[3])

    def _run(
        self, xs: Tensor, state: tuple[Tensor, ...], index: int, reverse: bool
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """One layer in one direction over ``xs`` (L, N, in) from ``state`` ((h,) or (h, c),
        each (N, H)): the outputs (L, N, H) in time order, and the last state."""
        w_ih, w_hh, b_ih, b_hh = self._weights(index)
        if xs.dtype != w_ih.dtype:
            raise RuntimeError(
                f"{type(self).__name__}: input must have the type {w_ih.dtype} of the "
                f"parameters, got type {xs.dtype}"
            )
        if self.mode == "LSTM":  # one node for the layer (ops/recurrent.py)
            out, h, c = lstm_layer(xs, state[0], state[1], w_ih, w_hh, b_ih, b_hh, reverse)
            return out, (h, c)
        if self.mode == "GRU":
            out, h = gru_layer(xs, state[0], w_ih, w_hh, b_ih, b_hh, reverse)
            return out, (h,)
        # Elman: tanh/relu of a sum, composed from the library's ops
        projected = F.linear(xs, w_ih, None if b_ih is None else b_ih + b_hh)
        inputs = projected.unbind(0)  # one node for all steps (not a slice node each)
        outputs: list[Tensor] = [None] * xs.shape[0]  # type: ignore[list-item]
        h = state[0]
        for t in reversed(range(len(inputs))) if reverse else range(len(inputs)):
            pre = inputs[t] + F.linear(h, w_hh)
            h = F.tanh(pre) if self.mode == "RNN_TANH" else F.relu(pre)
            outputs[t] = h
        return stack(outputs, 0), (h,)


class _RNNBase(_Recurrent):
    """A stack of recurrent layers over a sequence: PyTorch's ``nn.RNNBase``."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        owner = self._setup(mode, input_size, hidden_size, bias)
        self.num_layers = _positive(owner, "num_layers", num_layers)
        self.batch_first = _flag(owner, "batch_first", batch_first)
        self.bidirectional = _flag(owner, "bidirectional", bidirectional)
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, int | float)
            or not (0 <= dropout <= 1)
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                f"an element being zeroed, got {dropout!r}"
            )
        self.dropout = float(dropout)
        if proj_size:
            raise ValueError(f"{owner}: proj_size is not supported here, got {proj_size!r}")
        self.proj_size = 0
        self._make_weights(self.num_layers, 2 if bidirectional else 1, self.input_size)
        if dtype is not None:
            self.to(dtype)

    def _suffix(self, layer: int, direction: int) -> str:
        return f"_l{layer}" + ("_reverse" if direction else "")

    if TYPE_CHECKING:  # model(x) gives forward's pair (Module.__call__ says Tensor)

        def __call__(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]: ...  # type: ignore[override]

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        owner = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{owner}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{owner}: expected input of shape (L, N, {self.input_size}) (or (N, L, "
                f"{self.input_size}) with batch_first) or (L, {self.input_size}), got "
                f"{input.shape}"
            )
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        directions = 2 if self.bidirectional else 1
        batch = input.shape[1]
        states = self._initial_states(hx, batched, batch, directions, input.dtype)
        layer_input, last = input, []  # last: each layer and direction's final state
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state = tuple(s[index] for s in states)
                out, final = self._run(layer_input, state, index, reverse=direction == 1)
                outputs.append(out)
                last.append(final)
            layer_input = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        finals = tuple(stack([s[k] for s in last], 0) for k in range(len(states)))
        if not batched:
            output = output.squeeze(1)
            finals = tuple(f.squeeze(1) for f in finals)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (finals if self.mode == "LSTM" else finals[0])

    def _initial_states(
        self, hx: Any, batched: bool, batch: int, directions: int, dtype: Any
    ) -> tuple[Tensor, ...]:
        """The initial states as (layers·directions, N, H) tensors: zeros, or ``hx``
        checked (a pair ``(h_0, c_0)`` for LSTM) and given a batch dim if unbatched."""
        owner, n = type(self).__name__, self.num_layers * directions
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            return tuple(zeros(n, batch, self.hidden_size, dtype=dtype) for _ in range(count))
        given = tuple(hx) if self.mode == "LSTM" else (hx,)
        if len(given) != count or not all(isinstance(h, Tensor) for h in given):
            what = "a tuple (h_0, c_0) of Tensors" if count == 2 else "a Tensor"
            raise TypeError(f"{owner}: hx must be {what}")
        expected = (n, batch, self.hidden_size) if batched else (n, self.hidden_size)
        for name, h in zip(("h_0", "c_0"), given, strict=False):
            if h.shape != expected:
                raise RuntimeError(f"{owner}: expected {name} of shape {expected}, got {h.shape}")
        return given if batched else tuple(h.unsqueeze(1) for h in given)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:  # (PyTorch's repr does not show an RNN's nonlinearity)
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(_RNNBase):
    """Elman RNN, h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) (or relu), over a
    sequence; returns ``(output, h_n)`` as PyTorch."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )


class LSTM(_RNNBase):
    """LSTM over a sequence; ``forward(input, (h_0, c_0))`` returns ``(output, (h_n,
    c_n))`` as PyTorch (gates i, f, g, o).  ``proj_size`` is refused."""

    def __init__(self, input_size: int, hidden_size: int, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", input_size, hidden_size, *args, **kwargs)


class GRU(_RNNBase):
    """GRU over a sequence; returns ``(output, h_n)`` as PyTorch (gates r, z, n, with
    ``n = tanh(W_in x + b_in + r·(W_hn h + b_hn))``)."""

    def __init__(self, input_size: int, hidden_size: int, *args: Any, **kwargs: Any) -> None:
        super().__init__("GRU", input_size, hidden_size, *args, **kwargs)


class _CellBase(_Recurrent):
    """One step of a recurrence: PyTorch's ``RNNCellBase`` (parameters without suffix)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool) -> None:
        self._setup(mode, input_size, hidden_size, bias)
        self._make_weights(1, 1, self.input_size)

    def _step(self, input: Tensor, hx: Any) -> tuple[Tensor, ...]:
        owner = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{owner}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{owner}: expected input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {input.shape}"
            )
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            state = tuple(
                zeros(x.shape[0], self.hidden_size, dtype=input.dtype) for _ in range(count)
            )
        else:
            given = tuple(hx) if count == 2 else (hx,)
            expected = (*input.shape[:-1], self.hidden_size)
            if len(given) != count or any(
                not isinstance(h, Tensor) or h.shape != expected for h in given
            ):
                got = [h.shape if isinstance(h, Tensor) else type(h).__name__ for h in given]
                raise RuntimeError(
                    f"{owner}: hidden state must be {count} Tensor(s) of shape {expected} "
                    f"for input {input.shape}, got {', '.join(map(str, got))}"
                )
            state = given if batched else tuple(h.unsqueeze(0) for h in given)
        _, final = self._run(x.unsqueeze(0), state, 0, reverse=False)
        return final if batched else tuple(s.squeeze(0) for s in final)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity=relu"  # PyTorch shows it unquoted for cells
        return text


class RNNCell(_CellBase):
    """One Elman step: ``h' = cell(x, h)``, x of shape (N, input_size) or (input_size,)."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, bias)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx)[0]


class LSTMCell(_CellBase):
    """One LSTM step: ``(h', c') = cell(x, (h, c))``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias)

    if TYPE_CHECKING:  # cell(x) gives forward's pair (Module.__call__ says Tensor)

        def __call__(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]: ...  # type: ignore[override]

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:
        h, c = self._step(input, hx)
        return h, c


class GRUCell(_CellBase):
    """One GRU step: ``h' = cell(x, h)``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__("GRU", input_size, hidden_size, bias)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx)[0]
