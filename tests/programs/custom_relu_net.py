"""A two-layer network whose ReLU is a custom autograd Function, trained by hand.

A program in the style of PyTorch's "defining new autograd functions" tutorial, written
for PyTorch (``import torch``); the tests run it on tinygrad_rms with the import swapped
and compare what it prints with what PyTorch printed.  The data and the starting weights
are smooth functions of their index (no random numbers), so both libraries start from
the same values.
"""

import torch


class ClampedReLU(torch.autograd.Function):
    """max(x, 0); the gradient passes where x > 0 and is 0 where x < 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad = grad_output.clone()
        grad[x < 0] = 0
        return grad


dtype = torch.float
device = torch.device("cpu")
batch, d_in, hidden, d_out = 32, 20, 16, 3


def smooth(rows, cols, frequency, scale):
    """A (rows, cols) matrix of sin values: varied, but the same in every library."""
    angles = torch.linspace(0.0, frequency, rows * cols, device=device, dtype=dtype)
    return scale * torch.sin(angles).reshape(rows, cols)


x = smooth(batch, d_in, 97.0, 1.0)
y = smooth(batch, d_out, 23.0, 0.5)
w1 = smooth(d_in, hidden, 61.0, 0.3).requires_grad_()
w2 = smooth(hidden, d_out, 17.0, 0.3).requires_grad_()

learning_rate = 1e-3
relu = ClampedReLU.apply
for t in range(300):
    prediction = relu(x.mm(w1)).mm(w2)
    loss = (prediction - y).pow(2).sum()
    if t % 50 == 49:
        print(t, f"{loss.item():.6f}")
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()

print("w1 sum", f"{w1.sum().item():.6f}", "w2 sum", f"{w2.sum().item():.6f}")
