from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from archon.benchmarks.scorers.base import is_unscorable
from archon.benchmarks.scorers.judge import JudgeScorer
from archon.benchmarks.scorers.judge_formats import parse_alpaca_verdict, parse_arena_verdict
from archon.benchmarks.types import Item, Score
from archon.errors import ModelCallError
from archon.models.types import Completion, ModelRequest

SYSTEM_ANSWER = "OURS: Paris is the capital."
BASELINE = "THEIRS: It is Paris."


class ScriptedJudge:
    """A stand-in ModelClient: the reply depends on which answer is shown first."""

    def __init__(self, reply: Callable[[bool], str]) -> None:
        self.reply = reply
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> Completion:
        self.requests.append(request)
        user = request.messages[-1]["content"]
        ours_first = user.index("OURS") < user.index("THEIRS")
        return Completion(self.reply(ours_first), request.model, prompt_tokens=100, completion_tokens=10, cost_usd=0.01)


def judge(reply: Callable[[bool], str], fmt: str | None = None, **meta: Any) -> tuple[Score, ScriptedJudge]:
    client = ScriptedJudge(reply)
    scorer = JudgeScorer("fake/judge", format=fmt, client=client)
    item = Item(id="1", prompt="What is the capital of France?", reference=BASELINE, meta=meta)
    return asyncio.run(scorer.score(item, SYSTEM_ANSWER)), client


def test_both_orders_are_judged() -> None:
    result, client = judge(lambda ours_first: "[[A>B]]" if ours_first else "[[B>A]]")
    assert result.value == 1.0 and result.reason is None
    firsts = [
        r.messages[-1]["content"].index("OURS") < r.messages[-1]["content"].index("THEIRS") for r in client.requests
    ]
    assert sorted(firsts) == [False, True]
    assert all(r.params["temperature"] == 0.0 for r in client.requests)
    assert result.details["usage"]["calls"] == 2
    assert result.details["usage"]["cost_usd"] == pytest.approx(0.02)


def test_win_tie_loss_are_averaged_over_orders() -> None:
    assert judge(lambda f: "[[A=B]]")[0].value == 0.5
    assert judge(lambda f: "My verdict: [[B>>A]]" if f else "[[A>>B]]")[0].value == 0.0
    # A judge that always prefers the first answer cancels out to 0.5.
    position_biased, _ = judge(lambda f: "[[A>B]]")
    assert position_biased.value == 0.5
    assert position_biased.reason == "vs baseline: won with system first, lost with baseline first"


def test_off_format_reply_makes_the_item_unscorable_with_the_reply_as_reason() -> None:
    result, _ = judge(lambda f: "[[A>B]]" if f else "Both are fine, honestly.")
    assert is_unscorable(result)
    assert result.reason == (
        "judge answered off-format (baseline first); expected a final verdict label such as "
        "[[A>B]] or [[A=B]], got 'Both are fine, honestly.'"
    )


def test_alpaca_format() -> None:
    result, client = judge(lambda f: "m" if f else "M", fmt="alpaca-eval")
    assert result.value == 1.0
    assert "Best Model Identifier" in client.requests[0].messages[-1]["content"]
    off, _ = judge(lambda f: "Model m is better", judge_format="alpaca-eval")
    assert is_unscorable(off) and "expected just 'm' or 'M'" in (off.reason or "")


def test_format_comes_from_the_item() -> None:
    _, client = judge(lambda f: "[[A=B]]", judge_format="arena-hard-creative")
    assert "generating your own answer" not in client.requests[0].messages[0]["content"]
    _, client = judge(lambda f: "[[A=B]]")
    assert "generating your own answer" in client.requests[0].messages[0]["content"]


def test_failed_judge_call_and_missing_baseline_are_unscorable() -> None:
    class Failing:
        async def complete(self, request: ModelRequest) -> Completion:
            raise ModelCallError(request.model, "timed out", attempts=3)

    scorer = JudgeScorer("fake/judge", client=Failing())
    item = Item(id="1", prompt="q", reference=BASELINE)
    failed = asyncio.run(scorer.score(item, "x"))
    assert (
        is_unscorable(failed) and "judge call failed" in (failed.reason or "") and "timed out" in (failed.reason or "")
    )
    no_baseline = asyncio.run(scorer.score(Item(id="2", prompt="q", reference=None), "x"))
    assert is_unscorable(no_baseline) and no_baseline.reason == "no baseline answer to compare with for this prompt"


def test_verdict_parsers() -> None:
    assert parse_arena_verdict("long reasoning [[A>B]] ... final: [[B>>A]]") == "B"
    assert parse_arena_verdict("verdict [a=b]") == "tie"
    assert parse_arena_verdict("[[C>A]]") is None
    assert parse_arena_verdict("A is better") is None
    assert parse_alpaca_verdict(" `M`\n") == "B"
    assert parse_alpaca_verdict("m") == "A"
    assert parse_alpaca_verdict("mM") is None


def test_invalid_configuration() -> None:
    with pytest.raises(ValueError, match="needs a model"):
        JudgeScorer("")
    with pytest.raises(ValueError, match="unknown judge format"):
        JudgeScorer("fake/judge", format="mt-bench")
