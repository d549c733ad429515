"""Benchmark harness for tinygrad_rms: ``python -m benchmarks [--quick] [--out DIR]``.

``common.py`` is the measurement core (registry, round-robin timing, summaries, child
processes, machine facts, markdown); ``contenders.py`` the MLP step three ways (ours,
PyTorch, numpy) for B1 and B3; ``bN_*.py`` the benchmarks B1–B7, discovered by name and
run in order (each is one ``@register("BN", "title")`` function taking a ``Context`` and
returning a ``Result``); ``simplenet_torch.py`` the document's PyTorch program (B4's twin);
``_spawn.py`` the launcher that measures one child process.  One-off investigations
(cProfile of a step, the kernel's machine code) live in ``diagnostics.py``, outside the
report.  PyTorch is optional everywhere: without it the torch contenders are absent.
Rerun a noisy section alone with ``--only BN --merge``; after changing only the report's
format use ``--render-only``.
"""
