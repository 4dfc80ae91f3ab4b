"""Verifiers never see the answer key: hidden tests and reference solutions only score.

A system with every technique that judges candidates (examples from the query, generated and
executed tests, an LLM judge of tests, rank, critique, verify, fuse) runs on real HumanEval items.
Every prompt sent to a model and every program the system runs in the sandbox is recorded: none
may contain the item's hidden tests or its reference solution, while the scorer's programs must.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import archon
from archon.benchmarks.code.task import CodeTask
from archon.benchmarks.evaluate import evaluate
from archon.benchmarks.registry import get_benchmark
from archon.sandbox import get_sandbox
from archon.sandbox.result import ExecutionResult
from archon.testing import FakeCall, register_fake_model, unregister_fake_model
from archon.testing.fake import default_responder

SYSTEM = {
    "name": "every-judge",
    "models": {"coder": "fake/keyless-coder"},
    "nodes": [
        {"id": "samples", "type": "generate", "models": ["coder"], "samples": 3, "prefill": "code"},
        {"id": "examples", "type": "example_tests", "inputs": []},
        {"id": "by_examples", "type": "unit_test_evaluate", "inputs": ["samples", "examples"], "mode": "execute"},
        {"id": "written", "type": "unit_test_generate", "inputs": [], "model": "coder", "style": "code"},
        {"id": "by_written", "type": "unit_test_evaluate", "inputs": ["by_examples", "written"], "mode": "execute"},
        {"id": "judged", "type": "unit_test_generate", "inputs": [], "model": "coder"},
        {"id": "by_judge", "type": "unit_test_evaluate", "inputs": ["by_written", "judged"], "mode": "llm",
         "model": "coder"},
        {"id": "verify", "type": "verify", "model": "coder"},
        {"id": "critique", "type": "critique", "model": "coder"},
        {"id": "rank", "type": "rank", "model": "coder", "top_k": 2},
        {"id": "fuse", "type": "fuse", "models": ["coder"]},
    ],
}


class RecordingRunner:
    def __init__(self) -> None:
        self.programs: list[str] = []

    async def run_python(self, code: str, *, timeout_s: float = 10, memory_mb: int = 512,
                         completion: bool = False) -> ExecutionResult:
        self.programs.append(code)
        return await get_sandbox().run_python(code, timeout_s=timeout_s, memory_mb=memory_mb, completion=completion)

    async def run_many(self, programs: Sequence[str], *, timeout_s: float = 10, memory_mb: int = 512
                       ) -> list[ExecutionResult]:
        return [await self.run_python(p, timeout_s=timeout_s, memory_mb=memory_mb) for p in programs]


def test_no_model_and_no_system_program_sees_the_hidden_tests_or_the_reference(tmp_path: Path) -> None:
    prompts: list[str] = []

    def coder(call: FakeCall) -> str:
        prompts.append(call.prompt)
        if "assert statements" in call.prompt:
            return "1. assert True\n2. assert 1 + 1 == 2"
        if "```python" in call.prompt and "Responses:" not in call.prompt:
            return "    return None\n"
        return default_responder(call)

    benchmark = get_benchmark("humaneval")
    items = benchmark.items("test", limit=4)
    system_runs, scorer_runs = RecordingRunner(), RecordingRunner()
    register_fake_model("keyless-coder", coder)
    try:
        system = archon.load(SYSTEM, cache=False, sandbox=system_runs)
        asyncio.run(evaluate(system, benchmark, items, out_dir=tmp_path, progress=False,
                             scorer=benchmark.scorer_for(sandbox=scorer_runs)))
    finally:
        unregister_fake_model("keyless-coder")

    assert prompts and system_runs.programs and scorer_runs.programs
    seen_by_system = "\n".join(prompts + system_runs.programs)
    for item in items:
        task = item.reference
        assert isinstance(task, CodeTask)
        hidden = [line.strip() for line in task.tests.splitlines() if "candidate(" in line]
        reference_body = [line.strip() for line in task.solution[len(task.prompt_code):].splitlines()
                          if len(line.strip()) > 25]
        assert hidden, item.id
        for secret in hidden + reference_body:
            assert secret not in seen_by_system, f"{item.id}: {secret!r} reached a model or a system program"
        assert any(hidden[0] in program for program in scorer_runs.programs)  # the scorer does use them
