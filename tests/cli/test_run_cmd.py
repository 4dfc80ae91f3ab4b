"""`archon run`: the answer, the JSON result and the trace file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archon.cli.main import main


def test_run_prints_the_answer_and_json(system_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(system_file), "What is 2 + 2?", "--no-cache"]) == 0
    answer = capsys.readouterr().out.strip()
    assert answer.startswith("The answer is")
    assert main(["run", str(system_file), "What is 2 + 2?", "--json", "--no-cache"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answer"] == answer
    assert data["usage"]["total"]["calls"] == 5
    assert [n["node"] for n in data["trace"]] == ["gen", "crit", "best"]


def test_run_appends_a_trace_file(system_file: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    for _ in range(2):
        assert main(["run", str(system_file), "hello", "--trace", str(trace)]) == 0
    lines = trace.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["usage"]["total"]["cache_hits"] == 5
