"""A model trained in PyTorch continues here: its weights, a ``.pt`` file written by
``torch.save``, are loaded with ``torch.load(..., weights_only=True)`` and fine-tuned with
the document's RMSprop.

Written for PyTorch; the tests run it with the imports swapped (from the repository root,
where ``tests/fixtures/pt_simplenet.pt`` is the file PyTorch wrote) and compare what it
prints with what PyTorch printed.  No random numbers after the load.
"""

import torch
import torch.nn as nn


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 50)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(50, 1)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


model = SimpleNet()
state = torch.load("tests/fixtures/pt_simplenet.pt", map_location="cpu", weights_only=True)
model.load_state_dict(state)
print("loaded", len(state), list(state) == list(model.state_dict()))

x = torch.linspace(-1.0, 1.0, 40).reshape(4, 10)
y = torch.sin(torch.linspace(0.0, 3.0, 4)).reshape(4, 1)
with torch.no_grad():
    print("before", [f"{v:.6f}" for v in model(x).squeeze(1).tolist()])

criterion = nn.MSELoss()
optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, eps=1e-8)
for epoch in range(20):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1} loss {loss.item():.6f}")
with torch.no_grad():
    print("after", [f"{v:.6f}" for v in model(x).squeeze(1).tolist()])
