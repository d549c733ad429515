"""The RMSProp document's PyTorch program, run on tinygrad_rms.

Only the three import lines differ from the document (and a seed is set so the output
is the same on every run).  It trains a one-hidden-layer network (10 -> 50 -> 1, ReLU)
on random data with mean squared error and RMSprop(lr=0.01, alpha=0.9, eps=1e-8),
printing the loss after each of 10 full-batch epochs.

Run:  python examples/simplenet.py
      python examples/simplenet.py --plot    also draws docs/img/simplenet_loss.png
"""

import sys

import tinygrad_rms as torch
import tinygrad_rms.nn as nn
import tinygrad_rms.optim as optim

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

if __name__ == "__main__" and "--plot" in sys.argv[1:]:
    from _common import parse_args, pyplot, save_figure

    args = parse_args(sys.argv[1:], __doc__)
    plt = pyplot(args)
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(range(1, 11), losses, "o-")
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE loss (before the epoch's step)")
        ax.set_title("The document's SimpleNet with RMSprop(lr=0.01, alpha=0.9)")
        ax.grid(True, alpha=0.3)
        save_figure(fig, args, "simplenet_loss.png")
