"""``CodeTask``: what the code-tests scorer needs to judge one answer (an Item's reference)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from archon.benchmarks.code.harness import judge_program


@dataclass(frozen=True)
class CodeTask:
    """``tests`` run after the solution and fail by raising (HumanEval: the ``check``
    function and its call; MBPP: setup code and asserts). ``prompt_code`` is the
    signature and docstring a HumanEval "body only" answer continues; empty for MBPP.
    ``solution`` is the reference solution as complete code.
    """

    entry_point: str
    tests: str
    solution: str
    prompt_code: str = ""

    def program(self, code: str) -> str:
        """The program that judges an answer's `code`: the solution as a module, then the tests,
        then a completion line (run it with ``completion=True``; see harness.py)."""
        return judge_program(self.complete(code), self.tests, self.entry_point)

    def complete(self, code: str) -> str:
        """Turn `code` into a full solution. A complete function is kept as is, after the
        prompt when there is one: the prompt brings the imports and helper functions an
        answer may leave out, and its docstring-only function is then redefined by the
        answer. Anything else is taken as the body of the prompt's function."""
        if not self.prompt_code:
            return code
        if self.defines_entry_point(code):
            return f"{self.prompt_code}\n{code}"
        return self.prompt_code + _as_body(code)

    def defines_entry_point(self, code: str) -> bool:
        pattern = rf"^(?:async\s+)?def\s+{re.escape(self.entry_point)}\s*\("
        return re.search(pattern, code, re.MULTILINE) is not None


def _as_body(code: str) -> str:
    """A body written flush left (``return x + 1``) is indented under the signature."""
    lines = code.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first and not first[0].isspace():
        return "\n".join(f"    {line}" if line.strip() else line for line in lines) + "\n"
    return code
