"""Fitting sin(x) with a cubic by hand, twice: modern style, then the legacy style.

A program in the style of PyTorch's "learning PyTorch with examples" tutorial, written for
PyTorch (``import torch``); the tests run it on tinygrad_rms with the imports swapped and
compare what it prints with what PyTorch printed.  It uses the idioms of hand-written
training loops: the device line, ``torch.linspace``/``torch.sin``, ``p -= lr * p.grad``
under ``no_grad``, ``p.grad = None``; then ``autograd.Variable``, ``torch.Tensor(list)``,
``p.data -= lr * p.grad.data``, ``p.grad.data.zero_()`` and ``h = h.data``.  No random
numbers: both libraries start from the same values.
"""

import math

import torch
from torch.autograd import Variable

dtype = torch.float
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.full((), 0.1, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -0.2, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), -0.1, device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(1000):
    y_pred = a + b * x + c * x**2 + d * x**3
    loss = (y_pred - y).pow(2).sum()
    if t % 200 == 199:
        print(t, f"{loss.item():.4f}")
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f"Result: y = {a.item():.6f} + {b.item():.6f} x + {c.item():.6f} x^2 + {d.item():.6f} x^3")

# the same fit in the style of older tutorials: Variables, .data and .grad.data
coefficients = Variable(torch.Tensor([0.1, -0.2, 0.3, -0.1]), requires_grad=True)
powers = torch.stack([x**0, x, x**2, x**3], dim=1)
for _ in range(1000):
    loss = (torch.matmul(powers, coefficients) - y).pow(2).sum()
    loss.backward()
    coefficients.data -= learning_rate * coefficients.grad.data
    coefficients.grad.data.zero_()
print("legacy", f"{loss.item():.4f}", [f"{v:.6f}" for v in coefficients.data.tolist()])
print("norm", f"{coefficients.data.norm().item():.6f}", coefficients.type())

# .data shares memory and is outside the graph; h = h.data cuts the history
h = coefficients * 2
h = h.data
print("cut", h.requires_grad, h.grad_fn is None, f"{h.sum().item():.6f}")
coefficients.data.add_(torch.ones(4), alpha=0.5)
print("shifted", f"{coefficients.sum().item():.6f}")
