"""example_tests: unit tests read from the worked examples in the query itself; no model call.

Programming tasks often show what the function must return (``>>> f(3)`` then ``9``,
``f(3) == 9``, ``f(3) ➞ 9``, "Input: 3 / Output: 9"). Those examples are part of the
question, so they may judge candidates without any model call and without ever seeing the
benchmark's hidden tests (CodeT and AlphaCode select among samples the same way). The
tests feed a ``unit_test_evaluate`` node in ``execute`` mode, which runs them in the sandbox.

Only examples that call a function the query's code defines, and whose expected value is a
Python literal, become tests; anything else is skipped rather than guessed (the trace lists
the tests taken). A query without usable examples yields no tests, and ``unit_test_evaluate``
then keeps the candidates' order.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import Any, Literal

from pydantic import Field

from archon.layers.base import GraphView, NodeContext, NodeInputs, NodeOutput, NodeSpec, Technique
from archon.layers.registry import register, register_preset, register_stage
from archon.layers.searchable import MAX, CandidateFlow, FinalStage, StageContext
from archon.layers.unit_test_evaluate import UnitTestEvaluate, executed_timeout
from archon.sandbox.extract import parses

_CODE_BLOCK = re.compile(r"```(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL)
_DEFINED = re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)
# "call OP expected" with the arrows and words task writers use.
_ARROW = re.compile(r"\s*(?:==>|=>|==|->|➞|→|\breturns\b|\bshould return\b|\bgives\b)\s*|\s+=\s+")
# "For lst = [1, 2] the output should be 3" (keyword arguments, then the value).
_FOR_OUTPUT = re.compile(r"^\s*For\s+(.+?),?\s+the\s+(?:output|result)\s+should\s+be\s+(.+?)\s*$", re.IGNORECASE)
# Task writers from other languages spell the booleans their way.
_BOOLEANS = {"true": "True", "false": "False"}
_LEAD = re.compile(r"^\s*(?:[*\-•]\s+|for\s+|e\.g\.\s*|example\s*\d*\s*:\s*|examples?\s*:\s*)", re.IGNORECASE)


class ExampleTestsSpec(NodeSpec):
    type: Literal["example_tests"] = "example_tests"
    max_tests: int = Field(default=10, ge=1, le=50, description="Keep at most this many examples.")


def example_tests(query: str, limit: int = 10) -> list[str]:
    """Python assert statements for the worked examples in ``query`` (see the module docstring)."""
    blocks = _CODE_BLOCK.findall(query)
    text = blocks[-1] if blocks else query
    functions = set(_DEFINED.findall(text))
    if not functions:
        return []
    found: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        test = (_doctest(lines, i, functions) or _arrow(line, functions) or _input_output(lines, i, functions)
                or _for_output(line, functions))
        if test and test not in found:
            found.append(test)
    return found[:limit]


def _doctest(lines: list[str], i: int, functions: set[str]) -> str | None:
    """``>>> call`` (with ``...`` continuations) and the expected value on the next line."""
    stripped = lines[i].strip()
    if not stripped.startswith(">>>"):
        return None
    source = stripped[3:].strip()
    j = i + 1
    while j < len(lines) and lines[j].strip().startswith("..."):
        source += "\n" + lines[j].strip()[3:].strip()
        j += 1
    source = _without_comment(source)
    expected = lines[j].strip() if j < len(lines) else ""
    if expected.startswith((">>>", '"""', "'''")):
        expected = ""
    if _has_comparison(source):
        # ">>> f(1) == 2" states its own check (shown as True, or not shown at all).
        return _assert_true(source, functions) if expected in ("", "True") else None
    return _assert_equal(source, expected, functions) if expected else None


def _arrow(line: str, functions: set[str]) -> str | None:
    """``f(3) == 9``, ``f(3) ➞ 9``, ``for f(3) == 9``, ``* f(3) -> 9``, ``f(3) returns 9``."""
    body = _LEAD.sub("", line.strip()).strip()
    parts = _ARROW.split(body, maxsplit=1)
    if len(parts) != 2:
        return None
    call, expected = parts[0].strip(), parts[1].strip()
    # "f(5, 6) -> 19 - 5 - 6 = 8": a worked computation, the value comes last.
    if " = " in expected:
        expected = expected.rsplit(" = ", 1)[1]
    return _assert_equal(call, expected.rstrip(".,;"), functions)


def _input_output(lines: list[str], i: int, functions: set[str]) -> str | None:
    """``Input: 3`` or ``Input: grid = [...], k = 3`` followed by ``Output: value``."""
    match = re.match(r"^\s*Input\s*:\s*(.+)$", lines[i])
    if not match or len(functions) != 1:
        return None
    following = [ln.strip() for ln in lines[i + 1 : i + 3]]
    output = next((ln for ln in following if ln.lower().startswith("output")), None)
    if output is None:
        return None
    (function,) = functions
    return _assert_equal(f"{function}({match.group(1).strip()})", output.split(":", 1)[-1].strip(), functions)


def _for_output(line: str, functions: set[str]) -> str | None:
    match = _FOR_OUTPUT.match(line)
    if not match or len(functions) != 1:
        return None
    (function,) = functions
    return _assert_equal(f"{function}({match.group(1)})", match.group(2).rstrip("."), functions)


def _assert_equal(call: str, expected: str, functions: set[str]) -> str | None:
    call, expected = _without_comment(call), _without_comment(expected)
    expected = _BOOLEANS.get(expected, expected)
    if not _calls_defined(call, functions):
        return None
    value = _literal(expected)
    if value is _MISSING:
        return None
    if _has_float(value):
        # Worked examples round their floats; compare as HumanEval's own checks do (1e-6).
        if isinstance(value, (int, float)):
            return f"assert abs(({call}) - ({expected})) < 1e-6"
        if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
            return (f"assert len(__r := ({call})) == len(__e := {expected}) and "
                    "all(abs(a - b) < 1e-6 for a, b in zip(__r, __e))")
        return None
    return f"assert ({call}) == {expected}"


def _assert_true(source: str, functions: set[str]) -> str | None:
    return f"assert {source}" if _calls_defined(source, functions) and parses(f"assert {source}") else None


def _calls_defined(expression: str, functions: set[str]) -> bool:
    """The expression calls a function the query defines, and names nothing else but builtins
    (``is_happy(abc)`` in a docstring means the string "abc"; as code it is a NameError)."""
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    calls_one = any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions
                    for node in ast.walk(tree))
    return calls_one and all(name in functions or name in _BUILTINS for name in names)


_MISSING = object()
_BUILTINS = frozenset(dir(builtins))


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return _MISSING


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, (list, tuple, set)):
        return any(_has_float(v) for v in value)
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    return False


def _has_comparison(source: str) -> bool:
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return isinstance(tree.body, ast.Compare)


def _without_comment(text: str) -> str:
    """Drop a trailing ``# comment`` (outside string literals) and surrounding space."""
    quote: str | None = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return text[:i].strip()
    return text.strip()


@register
class ExampleTests(Technique):
    type = "example_tests"
    Spec = ExampleTestsSpec
    # The tests come from the query alone: with `inputs: []` the node needs no candidates.
    needs_inputs = False
    writes_tests = True
    spec: ExampleTestsSpec

    def max_outputs(self, n_inputs: int) -> int:
        return n_inputs

    def calls(self, n_inputs: int) -> int:
        return 0

    def candidates_per_call(self, n_inputs: int) -> int:
        return 0

    def sketch(self) -> str:
        return "example_tests"

    def check(self, view: GraphView) -> list[str]:
        if view.is_output or any(t != "unit_test_evaluate" for t in view.consumer_types):
            return ["an example_tests node must feed only unit_test_evaluate nodes"]
        return []

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        return NodeOutput(self.id, inputs.candidates, tests=tuple(example_tests(ctx.query, self.spec.max_tests)))


@register_stage
class ExampleTestsStage(FinalStage):
    """Tests read from the query's own worked examples, run against each candidate in the sandbox
    (``test_timeout_s`` per test, as for executed unit tests)."""

    names = ("example_tests",)
    checks = True

    def add(self, name: str, flow: CandidateFlow, ctx: StageContext) -> None:
        flow.add_query_reader("example_tests", ExampleTests.type)
        flow.add("unit_test_evaluate", UnitTestEvaluate.type, flow.count, mode="execute",
                 **executed_timeout(ctx.space))


#: One model's greedy answer and samples, the first to pass the query's own examples.
register_preset("example_tests", {"generators": 1, "samples": MAX, "greedy": True, "final_stage": "example_tests"})
