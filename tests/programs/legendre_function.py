"""Fit sin(x) on [-π, π] with y = a + b·P3(c + d·x), where P3(z) = (5z³ − 3z)/2 is the
Legendre polynomial of degree 3, written as a custom autograd Function.

A program in the style of PyTorch's "defining new autograd functions" tutorial, written
for PyTorch (``import torch``); the tests run it on tinygrad_rms with the import swapped
and compare what it prints with what PyTorch printed.  Plain gradient descent, with the
parameters updated in place under ``no_grad``.
"""

import math

import torch


class Legendre3(torch.autograd.Function):
    """P3(z) = (5z³ − 3z)/2, with P3'(z) = (15z² − 3)/2."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return 0.5 * (5 * z**3 - 3 * z)

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * z**2 - 1)


dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# the starting point matters for this non-convex fit: near the answer's shape
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

step_size = 5e-6
p3 = Legendre3.apply
for t in range(2000):
    prediction = a + b * p3(c + d * x)
    loss = (prediction - y).pow(2).sum()
    if t % 200 == 199:
        print(t, f"{loss.item():.6f}")
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= step_size * p.grad
            p.grad = None

print(f"Result: y = {a.item():.6f} + {b.item():.6f} * P3({c.item():.6f} + {d.item():.6f} x)")
