"""Neural-network building blocks: Module, Parameter, layers, activations and losses.

module.py      Module (registration of parameters, buffers and children; state dicts;
               modes; ``to``) and Parameter
container.py   Sequential, ModuleList, ModuleDict
linear.py      Linear
layers.py      Identity, Flatten, Dropout, Embedding
rnn.py         RNN, LSTM, GRU and their cells
    conv.py        Conv1d, Conv2d, MaxPool1d/2d, AvgPool2d, AdaptiveAvgPool2d
    norm.py        BatchNorm1d, BatchNorm2d, LayerNorm
activation.py  ReLU, Tanh, Sigmoid, Softmax, LogSoftmax, LeakyReLU, ELU, GELU, SiLU,
               Softplus
loss.py        MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss,
               SmoothL1Loss, HuberLoss, KLDivLoss
functional.py  the one implementation of each of the above's math (checks the
               arguments, then calls the op's single graph node in ``ops/nn.py``)
init.py        initialisations: uniform_, normal_, constant_, xavier_*, kaiming_*,
               orthogonal_, calculate_gain and PyTorch's fan computations
utils.py       clip_grad_norm_, clip_grad_value_, parameters_to_vector,
               vector_to_parameters
"""

from ..porting import not_covered
from . import functional, init, utils
from .activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .container import ModuleDict, ModuleList, Sequential
from .conv import AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, MaxPool1d, MaxPool2d
from .layers import Dropout, Dropout2d, Embedding, Flatten, Identity, Unflatten
from .linear import Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

__all__ = [
    "ELU",
    "GELU",
    "GRU",
    "LSTM",
    "RNN",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout2d",
    "Embedding",
    "Flatten",
    "GRUCell",
    "HuberLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "LSTMCell",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool1d",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "RNNCell",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Tanh",
    "Unflatten",
    "functional",
    "init",
    "utils",
]


def __getattr__(name: str) -> object:
    """A PyTorch name this module lacks: an error that says so (see ``porting.py``)."""
    raise not_covered(f"module {__name__!r}", name)
