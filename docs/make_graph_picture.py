"""Draw the graphs shown in docs/backprop.md, with their values and gradients, to
docs/img/{neuron,micrograd,simplenet}_graph.{dot,svg,png}.

Run:  python docs/make_graph_picture.py      (needs Graphviz's `dot` for the SVG/PNG;
without it only the .dot files are written)
"""

from pathlib import Path

import tinygrad_rms as torch
import tinygrad_rms.nn as nn
from tinygrad_rms.viz import to_dot

OUT = Path(__file__).resolve().parent / "img"
F64 = torch.float64


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 50)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(50, 1)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def neuron():
    """Section 1 of backprop.md: L = (w·x + b − y)² at x=2, y=1, w=−3, b=10."""
    x, y = torch.tensor(2.0, dtype=F64), torch.tensor(1.0, dtype=F64)
    w = torch.tensor(-3.0, dtype=F64, requires_grad=True)
    b = torch.tensor(10.0, dtype=F64, requires_grad=True)
    u = w * x
    p = u + b
    r = p - y
    loss = r**2
    u.name, p.name, r.name, loss.name = "u", "p", "r", "L"
    return loss, {"x": x, "y": y, "w": w, "b": b}


def micrograd():
    """Section 2: karpathy/micrograd's README expression, each `+=` as a new tensor so
    every intermediate value stays on the graph."""
    a = torch.tensor(-4.0, dtype=F64, requires_grad=True)
    b = torch.tensor(2.0, dtype=F64, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    for t, name in ((c, "c"), (d, "d"), (e, "e"), (f, "f"), (g, "g")):
        t.name = name
    return g, {"a": a, "b": b}


def simplenet():
    """Section 7: SimpleNet on 100 random rows."""
    torch.manual_seed(0)
    model = SimpleNet()
    loss = nn.MSELoss()(model(torch.randn(100, 10)), torch.randn(100, 1))
    return loss, dict(model.named_parameters())


GRAPHS = {"neuron": neuron, "micrograd": micrograd, "simplenet": simplenet}


def drawn(stem: str):
    """(output, leaf names, DOT text) of one picture, after backward(retain_graph=True):
    the leaves show their .grad, and the graph stays whole for grads=True."""
    out, names = GRAPHS[stem]()
    out.backward(retain_graph=True)
    return out, names, to_dot(out, params=names, values=True, grads=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rendered = True
    for stem in GRAPHS:
        out, names, text = drawn(stem)
        (OUT / f"{stem}_graph.dot").write_text(text)
        print(f"{stem}: output {out.item():.4f}, leaves' grad", end="")
        for name, t in names.items():
            if t.grad is not None and t.grad.numel() == 1:
                print(f" {name} {t.grad.item():.4f}", end="")
        print()
        for suffix in ("svg", "png"):
            if not rendered:
                break
            try:
                to_dot(
                    out, params=names, values=True, grads=True, path=OUT / f"{stem}_graph.{suffix}"
                )
            except RuntimeError as e:
                print(e)
                rendered = False
    print(f"wrote {OUT}/*_graph.dot" + (", .svg and .png" if rendered else ""))


if __name__ == "__main__":
    main()
