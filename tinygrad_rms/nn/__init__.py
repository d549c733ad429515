"""Neural-network building blocks: Module, Parameter, layers, activations and losses."""

from . import functional, init
from .activation import ReLU
from .linear import Linear
from .loss import MSELoss
from .module import Module, Parameter

__all__ = ["Linear", "MSELoss", "Module", "Parameter", "ReLU", "functional", "init"]
