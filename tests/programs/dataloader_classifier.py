"""A small classifier trained from a DataLoader with RMSprop, saved and loaded back.

Written for PyTorch in the style of beginner classification tutorials; the tests run it
on tinygrad_rms with the imports swapped and compare what it prints with what PyTorch
printed.  It uses ``TensorDataset``/``DataLoader``, ``nn.Sequential(OrderedDict)``,
``CrossEntropyLoss(label_smoothing=...)``, the document's ``RMSprop(lr=0.01, alpha=0.9,
eps=1e-8)`` with ``StepLR``, gradient clipping, ``model.eval()`` with ``no_grad``,
accuracy from ``argmax``, ``F.log_softmax`` with ``nn.NLLLoss``, and a state dict saved
with ``torch.save`` to a file object and loaded back.  Two points with the same
features never get different classes, and no random numbers are drawn: the data and the
starting weights are smooth functions of their index, so both libraries start alike.
"""

import io
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset, random_split

device = "cuda" if torch.cuda.is_available() else "cpu"

# three interleaved spirals, 60 points each
n_per_class, n_classes = 60, 3
radius = torch.linspace(0.1, 1.0, n_per_class)
features, labels = [], []
for k in range(n_classes):
    angle = torch.linspace(k * 2.1, k * 2.1 + 3.0, n_per_class)
    features.append(torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1))
    labels.append(torch.full((n_per_class,), k, dtype=torch.long))
X = torch.cat(features)
Y = torch.cat(labels)
print("data", X.shape[0], X.shape[1], X.dtype == torch.float32, Y.dtype == torch.int64)

dataset = TensorDataset(X, Y)
train_part, held_out = random_split(dataset, [150, 30])
print("split", len(train_part), len(held_out))
loader = DataLoader(dataset, batch_size=32, shuffle=False)
print("batches", len(loader))

model = nn.Sequential(
    OrderedDict(
        [
            ("hidden", nn.Linear(2, 16)),
            ("act", nn.Tanh()),
            ("out", nn.Linear(16, n_classes)),
        ]
    )
).to(device)
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        wave = torch.sin(torch.linspace(0.0, 7.0 + i, p.numel()) * (1.3 + i))
        p.copy_(0.5 * wave.reshape(p.shape))

criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
optimizer = optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, eps=1e-8)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)

for epoch in range(30):
    model.train()
    running = 0.0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
        optimizer.step()
        running += loss.item() * xb.size(0)
    scheduler.step()
    if epoch % 5 == 4:
        rate = scheduler.get_last_lr()[0]
        print(f"epoch {epoch + 1} loss {running / len(dataset):.6f} lr {rate:.6f}")

model.eval()
with torch.no_grad():
    correct = 0
    for xb, yb in loader:
        predicted = model(xb).argmax(dim=1)
        correct += (predicted == yb).sum().item()
    nll = nn.NLLLoss()(F.log_softmax(model(X), dim=1), Y)
print(f"accuracy {correct / len(dataset):.4f} nll {nll.item():.6f} last norm {norm.item():.6f}")

buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
copy = nn.Sequential(
    OrderedDict(
        [
            ("hidden", nn.Linear(2, 16)),
            ("act", nn.Tanh()),
            ("out", nn.Linear(16, n_classes)),
        ]
    )
)
copy.load_state_dict(torch.load(buffer, weights_only=True, map_location="cpu"))
copy.eval()
with torch.no_grad():
    print("reloaded difference", (copy(X) - model(X)).abs().max().item())
print("keys", len(copy.state_dict()), next(iter(copy.state_dict())) == "hidden.weight")
