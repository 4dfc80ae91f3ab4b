"""Every reference solution passes its own tests through the sandbox: the loaders, the
program assembly and the sandbox agree with the benchmarks' ground truth."""

from __future__ import annotations

import asyncio

import pytest

from archon.benchmarks.code import CodeTestsScorer, load_humaneval, load_mbpp, reference_answer
from archon.benchmarks.types import Item
from archon.sandbox import Sandbox


async def failures(scorer: CodeTestsScorer, items: list[Item]) -> list[str]:
    scores = await asyncio.gather(*(scorer.score(item, reference_answer(item)) for item in items))
    return [f"{item.id}: {score.reason}" for item, score in zip(items, scores, strict=True) if not score.correct]


@pytest.mark.slow
def test_all_reference_solutions_pass(code_sandbox: Sandbox) -> None:
    # The sandbox's own bound (one run per core) keeps the load fair on small machines.
    scorer = CodeTestsScorer(code_sandbox)
    humaneval, mbpp = load_humaneval(), load_mbpp()
    assert (len(humaneval), len(mbpp)) == (164, 500)
    assert asyncio.run(failures(scorer, humaneval)) == []
    assert asyncio.run(failures(scorer, mbpp)) == []
