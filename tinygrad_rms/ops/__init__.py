"""Every op's forward and backward, one file per kind, each op an ``autograd.Function``.

    arithmetic.py   + − × ÷ ** @, bmm/dot/outer, maximum/minimum, where, masked_fill
    unary.py        exp, log, log1p, expm1, sqrt, abs, sign, relu, tanh, sigmoid, clamp,
                    floor/ceil/round, nan_to_num, isnan/isinf/isfinite, clone, dtype casts
    reduce.py       sum, mean, var/std, norm, prod, max/min, argmax/argmin, all/any;
                    cumsum, sort/argsort/topk along a dim
    movement.py     reshape/view, squeeze/unsqueeze/flatten, transpose/permute/t,
                    expand, repeat, indexing, gather/scatter_add, cat/stack, split/chunk;
                    Size, the shape as size() returns it
    nn.py           linear (Addmm), softmax, log-softmax, embedding, the losses

Ops take Tensors, work on their numpy arrays (``Function`` with ``arrays=True``) and
return Tensors.  They build on ``autograd`` and ``arrays`` only; ``tensor.py`` lists them
as Tensor methods, ``nn.functional`` validates and calls the nn ones.
"""
