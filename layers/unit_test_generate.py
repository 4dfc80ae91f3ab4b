"""unit_test_generate: write unit tests for the query; candidates pass through with them.

``style: natural`` (the paper) asks for statements an answer should satisfy, judged
later by a model; ``style: code`` asks for Python assert statements, executed later
in the sandbox by unit_test_evaluate's ``execute`` mode.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from archon.layers.base import Call, GraphView, NodeContext, NodeInputs, NodeOutput, Reply, SingleModelSpec, Technique
from archon.layers.registry import register

NATURAL_PROMPT = """Write {n} unit tests for answers to the query below: short, checkable statements that a
correct and complete answer must satisfy (for example "The answer mentions ..." or "The answer states
that the result is ..."). Cover the key requirements of the query.

Query:
{query}

Reply with the unit tests only, as a numbered list, one per line:
1. ...
2. ...
"""

CODE_PROMPT = """Write {n} unit tests, as Python assert statements, for a correct solution to the programming
task below. Each test must be a single line starting with `assert` that calls the function the task asks
for, with concrete inputs and the exact expected output. Cover normal cases and edge cases.

Task:
{query}

Reply with the unit tests only, as a numbered list, one assert per line:
1. assert ...
2. assert ...
"""

_LINE = re.compile(r"^\s*(?:\d+[.)]|[-*])\s*(.+?)\s*$", re.MULTILINE)


class UnitTestGenerateSpec(SingleModelSpec):
    type: Literal["unit_test_generate"] = "unit_test_generate"
    num_tests: int = Field(default=5, ge=1, le=20)
    style: Literal["natural", "code"] = "natural"


def parse_tests(text: str, style: str, limit: int) -> list[str]:
    items = [m.strip().strip("`") for m in _LINE.findall(text)]
    if style == "code":
        items = [t for t in items if t.startswith("assert ")]
        if not items:  # a model that forgot the numbering still wrote asserts
            items = [ln.strip().strip("`") for ln in text.splitlines() if ln.strip().startswith("assert ")]
    return list(dict.fromkeys(t for t in items if t))[:limit]


@register
class UnitTestGenerate(Technique):
    type = "unit_test_generate"
    Spec = UnitTestGenerateSpec
    # Tests need only the query: with `inputs: []` they are written while candidates are sampled.
    needs_inputs = False
    writes_tests = True
    spec: UnitTestGenerateSpec

    def max_outputs(self, n_inputs: int) -> int:
        return n_inputs

    def calls(self, n_inputs: int) -> int:
        return 1

    def candidates_per_call(self, n_inputs: int) -> int:
        return 0

    def sketch(self) -> str:
        return f"unit tests({self.spec.model})"

    def check(self, view: GraphView) -> list[str]:
        # Paper rule 6: tests are written to be evaluated straight away.
        if view.is_output or any(t != "unit_test_evaluate" for t in view.consumer_types):
            return ["a unit_test_generate node must feed only unit_test_evaluate nodes"]
        return []

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        s = self.spec
        template = CODE_PROMPT if s.style == "code" else NATURAL_PROMPT
        prompt = template.format(n=s.num_tests, query=ctx.query)
        reply = Reply("asserts" if s.style == "code" else "tests", s.num_tests)
        (result,) = await ctx.gather([Call(s.model, prompt, params=self.sampling(), reply=reply)], require_any=False)
        # No tests (call failed, recorded) -> unit_test_evaluate keeps the candidates' order.
        tests = parse_tests(result.text, s.style, s.num_tests) if result else []
        return NodeOutput(self.id, inputs.candidates, tests=tuple(tests))
