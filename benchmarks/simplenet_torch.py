"""The RMSProp document's PyTorch program, verbatim but for a fixed seed (B4's twin).

B4 runs it as ``python benchmarks/simplenet_torch.py`` next to ``examples/simplenet.py``.
"""

import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)


# Define a simple feedforward neural network
class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()  # noqa: UP008 - the document's spelling
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
for epoch in range(10):
    optimizer.zero_grad()  # Clear gradients
    outputs = model(X)  # Forward propagation
    loss = criterion(outputs, y)  # Compute loss
    loss.backward()  # Backpropagation
    optimizer.step()  # Update parameters

    print(f"Epoch [{epoch + 1}/10], Loss: {loss.item():.4f}")
