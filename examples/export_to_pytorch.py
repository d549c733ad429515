"""Train in tinygrad_rms, save a checkpoint, load it into PyTorch and keep training there.

1. Our SimpleNet -- the RMSProp document's model: Linear 10->50, ReLU, Linear 50->1 --
   trains for a few full-batch RMSprop steps on random data.
2. ``tinygrad_rms.save`` writes the model's and the optimizer's state to one ``.npz``
   file: numpy arrays plus a JSON description of the nesting.  No pickle, so loading a
   checkpoint cannot run code; and the file is replaced atomically.
3. If PyTorch is installed, ``tinygrad_rms.load`` reads the checkpoint back as numpy
   arrays, ``torch.from_numpy`` turns them into tensors, and the equivalent ``torch.nn``
   model loads them.  The parameter names are PyTorch's (``fc1.weight``, ...) and so is
   the optimizer's state layout (``square_avg``, ``step``), so nothing needs renaming.
   The two models predict the same, and ``torch.optim.RMSprop`` picks up where ours
   stopped: training on in both libraries side by side gives the same losses.

Without PyTorch, the script says so after step 2 and exits with status 0.

Run from the repository root::

    python examples/export_to_pytorch.py               # checkpoint in a temporary directory,
                                                       # deleted at the end
    python examples/export_to_pytorch.py ckpt.npz      # ... or kept at a path you choose
    python examples/export_to_pytorch.py --out DIR     # ... or kept as DIR/simplenet.npz

--quick and --plot are accepted, as by every example: the run is already short, and it
draws no figure.
"""

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
import tinygrad_rms.optim as optim

HERE = Path(__file__).resolve().parent  # examples/, home of _common.py
STEPS_HERE, STEPS_THERE = 5, 5
HYPER = dict(lr=0.01, alpha=0.9, eps=1e-8)  # the document's RMSprop settings


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 50)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(50, 1)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def train_step(model, optimizer, criterion, X, y):
    """One full-batch step; works unchanged with our objects and with PyTorch's."""
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def continue_in_pytorch(path, X, y, ours, our_optimizer):
    import torch

    checkpoint = tg.load(path)  # numpy arrays, ints, floats, ... -- nothing else
    print(f"\nloaded {path} (saved after epoch {checkpoint['epoch']})")

    # The same architecture in torch.nn: identical attribute names give identical keys.
    class TorchSimpleNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(10, 50)
            self.relu = torch.nn.ReLU()
            self.fc2 = torch.nn.Linear(50, 1)

        def forward(self, x):
            return self.fc2(self.relu(self.fc1(x)))

    model = TorchSimpleNet()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in checkpoint["model"].items()})

    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    with torch.no_grad():
        theirs = model(X_t).numpy()
    mine = ours(tg.tensor(X)).detach().numpy()
    print(f"predictions: max |tinygrad_rms - PyTorch| = {np.abs(mine - theirs).max():.2e}")

    # The optimizer: same hyperparameters, and its state as tensors (``step`` included).
    saved = checkpoint["optimizer"]
    group = saved["param_groups"][0]
    # Our RMSprop can also follow Keras/TF/optax conventions; PyTorch's knows only its own.
    others = ("eps_in_sqrt", "lr_in_momentum", "nesterov", "decoupled_weight_decay",
              "bias_correction", "initial_accumulator_value")  # fmt: skip
    assert not any(group.get(k) for k in others), "not PyTorch's RMSprop convention"
    optimizer = torch.optim.RMSprop(
        model.parameters(),
        **{k: group[k] for k in ("lr", "alpha", "eps", "momentum", "centered", "weight_decay")},
    )
    state = optimizer.state_dict()
    state["state"] = {
        index: {
            name: torch.tensor(float(value)) if name == "step" else torch.from_numpy(value)
            for name, value in param_state.items()
        }
        for index, param_state in saved["state"].items()
    }
    optimizer.load_state_dict(state)

    # Both libraries now take the same steps from the same weights and optimizer state
    # (a loss reflects the weights before its step, so from the second line on the
    # losses also show that the optimizer state came across).
    criterion, our_criterion = torch.nn.MSELoss(), nn.MSELoss()
    for epoch in range(STEPS_HERE + 1, STEPS_HERE + STEPS_THERE + 1):
        loss = train_step(model, optimizer, criterion, X_t, y_t)
        our_loss = train_step(ours, our_optimizer, our_criterion, tg.tensor(X), tg.tensor(y))
        print(f"Epoch [{epoch}] in PyTorch, Loss: {loss:.6f}   (tinygrad_rms: {our_loss:.6f})")


def parse_args(argv: Sequence[str]):
    if str(HERE) not in sys.path:  # runpy.run_path (the tests) does not add it
        sys.path.insert(0, str(HERE))
    from _common import make_parser

    parser = make_parser(__doc__)
    parser.set_defaults(out=None)  # no --out: a temporary folder, deleted at the end
    parser.add_argument(
        "checkpoint", nargs="?", type=Path, help="where to write the checkpoint (.npz)"
    )
    return parser.parse_args(list(argv))


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)  # --help prints the docstring and exits before anything is written
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 10)).astype(np.float32)
    y = rng.standard_normal((100, 1)).astype(np.float32)

    model = SimpleNet()
    optimizer = optim.RMSprop(model.parameters(), **HYPER)
    criterion = nn.MSELoss()
    for epoch in range(1, STEPS_HERE + 1):
        loss = train_step(model, optimizer, criterion, tg.tensor(X), tg.tensor(y))
        print(f"Epoch [{epoch}] in tinygrad_rms, Loss: {loss:.6f}")

    with tempfile.TemporaryDirectory() as tmp:
        if args.checkpoint is not None:
            path = args.checkpoint
        elif args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / "simplenet.npz"
        else:
            path = Path(tmp) / "simplenet.npz"
        checkpoint = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "epoch": STEPS_HERE,
        }
        tg.save(checkpoint, path)
        print(f"saved model and optimizer state to {path}")

        try:
            import torch  # noqa: F401  (only to learn whether PyTorch is there)
        except ImportError:
            print(
                "PyTorch is not installed, so the export half is skipped.  The checkpoint "
                "is plain .npz (numpy arrays + JSON), readable with tinygrad_rms.load or "
                "numpy; install torch (pip install torch) to see it loaded into torch.nn."
            )
            return 0
        continue_in_pytorch(path, X, y, model, optimizer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
