"""Render the SimpleNet's computation graph to docs/img/simplenet_graph.{dot,svg,png}.

Run:  python docs/make_graph_picture.py      (needs Graphviz's `dot` for the SVG/PNG)
"""

from pathlib import Path

import tinygrad_rms as torch
import tinygrad_rms.nn as nn
from tinygrad_rms.viz import to_dot

OUT = Path(__file__).resolve().parent / "img"


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 50)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(50, 1)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def main() -> None:
    torch.manual_seed(0)
    model = SimpleNet()
    loss = nn.MSELoss()(model(torch.randn(100, 10)), torch.randn(100, 1))
    OUT.mkdir(parents=True, exist_ok=True)
    text = to_dot(loss, params=model.named_parameters())
    (OUT / "simplenet_graph.dot").write_text(text)
    for suffix in ("svg", "png"):
        try:
            to_dot(loss, params=model.named_parameters(), path=OUT / f"simplenet_graph.{suffix}")
        except RuntimeError as e:
            print(e)
            return
    print(f"wrote {OUT}/simplenet_graph.dot, .svg and .png")


if __name__ == "__main__":
    main()
