"""Neural-network building blocks: Module, Parameter, layers, activations and losses.

module.py      Module (registration, state dicts, modes) and Parameter
container.py   Sequential
linear.py      Linear
layers.py      Identity, Flatten, Dropout, Embedding
rnn.py         RNNCell, RNN
activation.py  ReLU, Tanh, Sigmoid, Softmax
loss.py        MSELoss, L1Loss, CrossEntropyLoss, BCEWithLogitsLoss
functional.py  the one implementation of each of the above's math
init.py        initialisations
"""

from . import functional, init
from .activation import ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .layers import Dropout, Embedding, Flatten, Identity
from .linear import Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss
from .module import Module, Parameter
from .rnn import RNN, RNNCell

__all__ = [
    "RNN",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "Identity",
    "L1Loss",
    "Linear",
    "MSELoss",
    "Module",
    "Parameter",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
]
