"""The RMSProp document's PyTorch program, run on tinygrad_rms.

Only the three import lines differ from the document (a seed is set so the output is
the same on every run, and the command line below is read first).  It trains a
one-hidden-layer network (10 -> 50 -> 1, ReLU)
on random data with mean squared error and RMSprop(lr=0.01, alpha=0.9, eps=1e-8),
printing the loss after each of 10 full-batch epochs.

Run:  python examples/simplenet.py
      python examples/simplenet.py --plot [--out DIR]   also draws simplenet_loss.png
(--quick is accepted, as by every example; this run is already short.)
"""

import sys

import tinygrad_rms as torch
import tinygrad_rms.nn as nn
import tinygrad_rms.optim as optim

ARGS = None  # not in the document: the examples' command line (--help, --plot, --out DIR)
if __name__ == "__main__" and sys.argv[1:]:
    from _common import parse_args

    ARGS = parse_args(sys.argv[1:], __doc__)  # --help prints this docstring and exits

torch.manual_seed(0)


# Define a simple feedforward neural network
class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()
        self.fc1 = nn.Linear(10, 50)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(50, 1)

    def forward(self, x):
        x = self.relu(self.fc1(x))
        x = self.fc2(x)
        return x


# Create model, loss function, and optimizer
model = SimpleNet()
criterion = nn.MSELoss()
optimizer = optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, eps=1e-08)

# Generate some dummy data
X = torch.randn(100, 10)
y = torch.randn(100, 1)

# Training loop
losses = []  # kept for --plot
for epoch in range(10):
    optimizer.zero_grad()  # Clear gradients
    outputs = model(X)  # Forward propagation
    loss = criterion(outputs, y)  # Compute loss
    loss.backward()  # Backpropagation
    optimizer.step()  # Update parameters

    print(f"Epoch [{epoch + 1}/10], Loss: {loss.item():.4f}")
    losses.append(loss.item())

if ARGS is not None and ARGS.plot:
    from _common import pyplot, save_figure

    plt = pyplot(ARGS)
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(range(1, 11), losses, "o-")
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE loss (before the epoch's step)")
        ax.set_title("The document's SimpleNet with RMSprop(lr=0.01, alpha=0.9)")
        ax.grid(True, alpha=0.3)
        save_figure(fig, ARGS, "simplenet_loss.png")
