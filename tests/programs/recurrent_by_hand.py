"""A recurrent network written by hand, in float64, trained with Adam.

Written for PyTorch; the tests run it on tinygrad_rms with the imports swapped and compare
what it prints with what PyTorch printed.  It uses ``torch.set_default_dtype``, the
``torch.*`` functions (``tanh``, ``matmul``, ``cat``, ``unsqueeze``, ``exp``, ``mean``,
``max``), in-place ops recorded in the graph (``outputs[t] = h`` into a preallocated
tensor, ``pre += h @ w_h + bias``, ``scores *= scale``), ``nn.Parameter`` in a ``Module``,
``register_buffer``, and ``torch.no_grad`` for the evaluation.  No random numbers.
"""

import math

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)

steps, batch, n_in, n_hidden = 12, 4, 3, 8


def wave(*shape, frequency=1.0, scale=1.0):
    n = math.prod(shape)
    return scale * torch.sin(torch.linspace(0.0, frequency * n, n)).reshape(shape)


class HandRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.w_in = nn.Parameter(wave(n_in, n_hidden, frequency=0.7, scale=0.5))
        self.w_h = nn.Parameter(wave(n_hidden, n_hidden, frequency=1.1, scale=0.3))
        self.bias = nn.Parameter(torch.zeros(n_hidden))
        self.head = nn.Linear(n_hidden, 1)
        self.register_buffer("scale", torch.tensor(0.5))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], n_hidden)
        outputs = torch.zeros(xs.shape[0], xs.shape[1], n_hidden)
        for t in range(xs.shape[0]):
            pre = torch.matmul(xs[t], self.w_in)
            pre += h @ self.w_h + self.bias
            h = torch.tanh(pre)
            outputs[t] = h
        scores = self.head(outputs).sum(-1)
        scores *= self.scale
        return scores


xs = wave(steps, batch, n_in, frequency=0.37)
target = torch.cat([torch.zeros(1, batch), xs[:-1, :, 0]]).exp() - 1.0
model = HandRNN()
with torch.no_grad():
    model.head.weight.copy_(wave(1, n_hidden, frequency=0.9, scale=0.4))
    model.head.bias.fill_(0.05)
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)

for epoch in range(60):
    optimizer.zero_grad()
    prediction = model(xs)
    loss = torch.mean((prediction - target) ** 2)
    loss.backward()
    optimizer.step()
    if epoch % 10 == 9:
        print(epoch + 1, f"{loss.item():.10f}", prediction.dtype == torch.float64)

with torch.no_grad():
    prediction = model(xs)
    best, where = torch.max(prediction, dim=0)
    print("best", [f"{v:.8f}" for v in best.tolist()], where.tolist())
    first = torch.unsqueeze(prediction[0], 0)
    print("first step", first.shape[1], f"{prediction.sum().item():.8f}")
