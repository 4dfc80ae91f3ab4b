"""Code benchmarks: HumanEval and MBPP, scored by running their tests in the sandbox."""

from __future__ import annotations

from archon.benchmarks.code.humaneval import load_humaneval
from archon.benchmarks.code.mbpp import load_mbpp
from archon.benchmarks.code.scorer import CodeTestsScorer, reference_answer
from archon.benchmarks.code.task import CodeTask

__all__ = [
    "CodeTask",
    "CodeTestsScorer",
    "load_humaneval",
    "load_mbpp",
    "reference_answer",
]
