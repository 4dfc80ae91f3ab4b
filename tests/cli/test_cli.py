"""The command line: help starts fast, commands print what they promise, errors are one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archon.cli.main import main

FAKE_SYSTEM = """
name: fake-general
models:
  m: {model: fake/cli}
nodes:
  - {id: gen, type: generate, models: [m], samples: 3}
  - {id: crit, type: critique, model: m}
  - {id: best, type: rank, model: m, top_k: 1}
"""


@pytest.fixture
def system_file(tmp_path: Path) -> Path:
    path = tmp_path / "system.yaml"
    path.write_text(FAKE_SYSTEM)
    return path


def test_help_starts_fast_without_heavy_imports() -> None:
    code = "import sys; from archon.cli.main import build_parser; build_parser(); " \
           "print(','.join(m for m in ('litellm', 'optuna', 'xllamacpp', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"heavy modules imported at CLI start: {out}"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "archon.cli.main", "--help"], capture_output=True, check=True)
    assert time.perf_counter() - start < 5  # generous: the machine is shared; typical ~0.1 s


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


def test_validate_reports_ok_and_errors(system_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(FAKE_SYSTEM.replace("top_k: 1", "top_k: 9"))
    assert main(["validate", str(system_file), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "ok: " in captured.out and "5 calls/query" in captured.out
    assert f"{bad}" in captured.err and "nodes[2]" in captured.err and "top_k is 9" in captured.err
    assert "Traceback" not in captured.err


def test_user_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "typo.yaml"
    bad.write_text(FAKE_SYSTEM.replace("type: critique", "type: critic"))
    proc = subprocess.run([sys.executable, "-m", "archon.cli.main", "run", str(bad), "hi"],
                          capture_output=True, text=True, env={**os.environ})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "nodes[1].type" in proc.stderr and "unknown technique 'critic'" in proc.stderr
    assert "critique" in proc.stderr  # the valid choices are listed


def test_show_text_and_mermaid(system_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(system_file)]) == 0
    text = capsys.readouterr().out
    assert "[gen] -> crit: critique (m)" in text and "<- output" in text
    assert main(["show", "--mermaid", str(system_file)]) == 0
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("flowchart LR") and "crit --> best" in mermaid


def test_schema_is_written(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    schema = json.loads(out.read_text())
    assert "nodes" in schema["properties"]


def test_show_draws_a_cascades_branches(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    config = Path(__file__).parents[2] / "configs" / "adaptive.yaml"
    assert main(["show", str(config)]) == 0
    text = capsys.readouterr().out
    assert "    cheap:\n" in text and "early_stop: adaptive_vote (small)" in text
    assert "escalate:" in text and "[samples] -> vote: vote" in text
    assert main(["show", "--mermaid", str(config)]) == 0
    mermaid = capsys.readouterr().out
    assert 'subgraph answer__escalate["escalate"]' in mermaid
    assert "answer__escalate__samples --> answer__escalate__vote" in mermaid
    assert "query --> answer\n" in mermaid and "answer --> result([answer])" in mermaid
