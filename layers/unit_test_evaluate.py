"""unit_test_evaluate: score each candidate against the unit tests; best first.

``mode: llm`` (the paper): one call per candidate judges every test [Passed]/[Failed].
``mode: execute`` (code tasks): each test (a Python assert) runs against the
candidate's code in the sandbox; nothing generated ever runs outside it.
Candidates are ordered by tests passed (ties keep their order); ``top_k`` keeps the best.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Literal

from pydantic import Field

from archon.layers.base import (
    Call,
    Candidate,
    GraphView,
    NodeContext,
    NodeInputs,
    NodeOutput,
    Reply,
    SamplingSpec,
    Technique,
)
from archon.layers.registry import register, register_preset, register_stage
from archon.layers.searchable import MAX, CandidateFlow, FinalStage, SpaceField, StageContext

PROMPT = """Judge whether the response below passes each unit test for the query.

Query:
{query}

Response:
{response}

Unit tests:
{tests}

For each unit test, in order, reply on its own line with its number and exactly [Passed] or [Failed]:
1. [Passed]
2. [Failed]
"""

_VERDICT_LINE = re.compile(r"^\s*(\d+)[.):]?.*?\[(passed|failed)\]", re.IGNORECASE | re.MULTILINE)


class UnitTestEvaluateSpec(SamplingSpec):
    type: Literal["unit_test_evaluate"] = "unit_test_evaluate"
    mode: Literal["llm", "execute"] = "llm"
    model: str | None = Field(default=None, description="The judge model (mode llm only).")
    top_k: int | None = Field(default=None, ge=1, description="Keep only the best k candidates.")
    timeout_s: float = Field(default=10.0, gt=0, description="Per test (mode execute).")


def parse_test_verdicts(text: str, n_tests: int) -> list[bool]:
    """Pass/fail per test. Only an explicit "[Passed]" counts as a pass (the reference
    implementation counted any text containing "pas"); a missing verdict is a fail."""
    verdicts = [False] * n_tests
    numbered = _VERDICT_LINE.findall(text)
    if numbered:
        for number, word in numbered:
            i = int(number) - 1
            if 0 <= i < n_tests:
                verdicts[i] = word.lower() == "passed"
        return verdicts
    bare = re.findall(r"\[(passed|failed)\]", text, re.IGNORECASE)
    for i, word in enumerate(bare[:n_tests]):
        verdicts[i] = word.lower() == "passed"
    return verdicts


@register
class UnitTestEvaluate(Technique):
    type = "unit_test_evaluate"
    Spec = UnitTestEvaluateSpec
    spec: UnitTestEvaluateSpec

    def max_outputs(self, n_inputs: int) -> int:
        return min(self.spec.top_k or n_inputs, n_inputs)

    def calls(self, n_inputs: int) -> int:
        return n_inputs if self.spec.mode == "llm" else 0

    def candidates_per_call(self, n_inputs: int) -> int:
        return 1

    def sketch(self) -> str:
        return ""  # the test-writing node before it names the stage

    def check(self, view: GraphView) -> list[str]:
        problems = []
        if not view.inputs_write_tests:
            problems.append("a unit_test_evaluate node needs a node that writes tests (unit_test_generate "
                            "or example_tests) among its inputs")
        if self.spec.mode == "llm" and not self.spec.model:
            problems.append("mode 'llm' needs a `model` to judge the tests")
        return problems

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        candidates = inputs.candidates
        tests = inputs.tests
        if not tests:  # nothing to judge by: keep the order, say so in the trace
            return NodeOutput(self.id, tuple(c.with_notes(tests_passed=None) for c in candidates)[: self.spec.top_k])
        if self.spec.mode == "execute":
            scores = await asyncio.gather(*(self._execute(ctx, c, tests) for c in candidates))
        else:
            scores = await asyncio.gather(*(self._judge(ctx, c, tests, i) for i, c in enumerate(candidates)))
        scored = [c.with_notes(tests_passed=sum(v), tests_total=len(v), test_results=v)
                  for c, v in zip(candidates, scores, strict=True)]
        order = sorted(range(len(scored)), key=lambda i: -int(scored[i].notes["tests_passed"]))
        ranked = tuple(scored[i] for i in order)
        return NodeOutput(self.id, ranked[: self.spec.top_k] if self.spec.top_k else ranked)

    async def _judge(self, ctx: NodeContext, candidate: Candidate, tests: tuple[str, ...], index: int) -> list[bool]:
        assert self.spec.model is not None
        listing = "\n".join(f"{i}. {t}" for i, t in enumerate(tests, start=1))
        prompt = PROMPT.format(query=ctx.query, response=candidate.text, tests=listing)
        call = Call(self.spec.model, prompt, sample_index=index, params=self.sampling(),
                    reply=Reply("test_verdicts", len(tests)))
        (result,) = await ctx.gather([call], require_any=False)
        return [False] * len(tests) if result is None else parse_test_verdicts(result.text, len(tests))

    async def _execute(self, ctx: NodeContext, candidate: Candidate, tests: tuple[str, ...]) -> list[bool]:
        from archon.sandbox.extract import extract_python_code
        from archon.sandbox.unit_tests import run_test_suite

        # All of a candidate's tests in one sandboxed program, each under its own timer.
        return await run_test_suite(extract_python_code(candidate.text), tests, per_test_s=self.spec.timeout_s,
                                    sandbox=ctx.sandbox)


@register_stage
class UnitTestStage(FinalStage):
    """Tests written by the judge model for the query, then the candidates ordered by the tests
    they pass (``unit_test_mode``: the judge decides, or they run in the sandbox)."""

    names = ("unit_test",)
    space_fields = {
        "unit_test_mode": SpaceField(Literal["llm", "execute"], Field(default="llm"), fingerprinted_at_default=True),
        "unit_test_style": SpaceField(Literal["natural", "code"] | None, Field(
            default=None, description="Style of generated tests (default: code when executed, natural otherwise)."),
            fingerprinted_at_default=True),
        "test_timeout_s": SpaceField(float | None, Field(
            default=None, gt=0, description="Per-test timeout of executed tests (unit_test_evaluate's timeout_s)."),
            fingerprinted_at_default=True),
    }
    uses_judge = True
    checks = True

    def add(self, name: str, flow: CandidateFlow, ctx: StageContext) -> None:
        mode = ctx.space.unit_test_mode
        style = ctx.space.unit_test_style or ("code" if mode == "execute" else "natural")
        flow.add_query_reader("unit_tests", "unit_test_generate", model=ctx.judge, style=style)
        extra = {"model": ctx.judge} if mode == "llm" else executed_timeout(ctx.space)
        flow.add("unit_test_evaluate", UnitTestEvaluate.type, flow.count, mode=mode, **extra)


def executed_timeout(space: Any) -> dict[str, float]:
    """The evaluate node's ``timeout_s`` from the space's ``test_timeout_s``, if it sets one."""
    return {"timeout_s": space.test_timeout_s} if space.test_timeout_s else {}


#: One model's greedy answer and samples, ordered by the tests its judge writes.
register_preset("unit_tests", {"generators": 1, "samples": MAX, "greedy": True, "final_stage": "unit_test"})
