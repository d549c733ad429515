"""Benchmark harness for tinygrad_rms: ``python -m benchmarks [--quick] [--out DIR]``.

Layout::

    common.py         registry, Context, the interleaved timer, statistics, child-process
                      runs with peak RSS, machine facts, markdown rendering
    contenders.py     the same MLP training step three ways: tinygrad_rms, PyTorch, plain numpy
    b1_seed_step.py   B1: one training step of the RMSProp document's SimpleNet
    b4_process.py     B4: the whole example program as a process (wall time, peak RSS)
    b6_char_lstm.py   B6: a char-level LSTM/GRU language-model step, with a numpy LSTM floor
    b7_cnn.py         B7: a small CNN step (and with BatchNorm), with a numpy im2col floor
    simplenet_torch.py  the document's PyTorch program with a fixed seed (B4's twin)
    _spawn.py         the small launcher that measures one child process (see run_child)
    profile_step.py   cProfile of our training step (``python -m benchmarks.profile_step``)

Adding a benchmark: create ``bN_name.py`` next to these and decorate one function with
``@register("BN", "title")``; it takes a ``Context`` and returns a ``Result``.  Modules
named ``b<digit>...`` are discovered automatically and run in the order of their ids.

PyTorch is optional everywhere: without it the torch contenders are reported as absent.

On a shared machine every section reports how busy other processes kept the CPUs; rerun a
noisy one alone with ``--only BN --merge`` (the other sections are kept from the last
JSON), and after changing only the report's format use ``--render-only``.
"""
