"""Every op's forward and backward, one file per kind, each op an ``autograd.Function``.

    arithmetic.py   + − × ÷ ** @, maximum/minimum, where
    unary.py        exp, log, sqrt, abs, relu, tanh, sigmoid, clamp, clone, dtype casts
    reduce.py       sum, mean, max/min, argmax/argmin
    movement.py     reshape/view, squeeze/unsqueeze/flatten, transpose/permute/t,
                    expand, indexing, cat/stack
    nn.py           linear (Addmm), softmax, log-softmax, embedding, the losses

Ops take Tensors, work on their numpy arrays (``Function`` with ``arrays=True``) and
return Tensors.  They build on ``autograd`` and ``arrays`` only; ``tensor.py`` lists them
as Tensor methods, ``nn.functional`` validates and calls the nn ones.
"""
