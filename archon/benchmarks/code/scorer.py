"""``CodeTestsScorer``: an answer scores 1 when its code passes the item's tests in the sandbox."""

from __future__ import annotations

import ast

from archon.benchmarks.code.task import CodeTask
from archon.benchmarks.types import Item, Score
from archon.errors import ArchonError
from archon.sandbox import extract_python_code, get_sandbox
from archon.sandbox.unit_tests import CodeRunner


class CodeTestsScorer:
    """Scorer "code-tests" for items whose reference is a ``CodeTask`` (HumanEval, MBPP).

    The sandbox is chosen on first use (``get_sandbox()``) unless one is given.
    ``timeout_s`` is per answer; the default leaves room on a busy machine for the slowest
    reference solution (MBPP 123 takes ~7 s on an idle core).
    """

    name = "code-tests"

    def __init__(self, sandbox: CodeRunner | None = None, *, timeout_s: float = 20, memory_mb: int = 512) -> None:
        self._sandbox = sandbox
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb

    @property
    def sandbox(self) -> CodeRunner:
        if self._sandbox is None:
            self._sandbox = get_sandbox()
        return self._sandbox

    def with_resources(self, *, client: object = None, sandbox: CodeRunner | None = None) -> CodeTestsScorer:
        """This scorer running its programs in ``sandbox`` (the run's, e.g. a recorded one)."""
        if sandbox is None:
            return self
        return CodeTestsScorer(sandbox, timeout_s=self.timeout_s, memory_mb=self.memory_mb)

    async def score(self, item: Item, answer: str) -> Score:
        task = item.reference
        if not isinstance(task, CodeTask):
            # A wiring mistake, not a bad answer: fail loudly rather than score 0 forever.
            raise ArchonError(f"scorer 'code-tests' needs a CodeTask reference, but item {item.id!r} has {task!r}")
        code = extract_python_code(answer, entry_point=task.entry_point)
        if not code.strip():
            return Score(0.0, reason="no code in the answer")
        problem = _syntax_problem(f"{task.complete(code)}\n\n{task.tests}\n")
        if problem:
            # Caught here, it costs no sandbox run.
            return Score(0.0, reason=problem, details={"code": code})
        result = await self.sandbox.run_python(
            task.program(code), timeout_s=self.timeout_s, memory_mb=self.memory_mb, completion=True
        )
        if result.ok:  # exit status 0 *and* the completion line: the hidden tests ran to the end
            return Score(1.0, details={"duration_s": result.duration_s})
        return Score(
            0.0,
            reason=result.reason,
            details={"code": code, "stderr": result.stderr[-2000:], "backend": result.backend},
        )


def _syntax_problem(program: str) -> str | None:
    """Why `program` does not even parse, or None. Parsing runs no code, so it is safe here."""
    try:
        ast.parse(program)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return f"syntax error: {exc.msg}{where}"
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes before 3.11.4, deep nesting
        return f"syntax error: {type(exc).__name__}: {exc}"
    return None


def reference_answer(item: Item) -> str:
    """The item's reference solution, written as a model would answer (in a python fence)."""
    task = item.reference
    if not isinstance(task, CodeTask):
        raise ArchonError(f"item {item.id!r} has no code reference solution")
    return f"```python\n{task.solution}\n```"
