"""Every example in examples/ runs (on the fake provider, so quickly and offline)."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest

from archon.cli.main import main as archon_main

ROOT = Path(__file__).resolve().parents[1]

FAKE_SYSTEM = """
name: fake-capitals
models:
  m: fake/capitals
nodes:
  - {id: gen, type: generate, models: [m], samples: 3}
  - {id: best, type: rank, model: m, top_k: 1}
"""


def test_custom_technique_example(capsys: pytest.CaptureFixture[str], isolated_registry: None) -> None:
    runpy.run_path(str(ROOT / "examples" / "custom_technique.py"), run_name="__main__")
    out = capsys.readouterr().out.strip()
    assert out.startswith("The answer is")
    # Searchable from its own module: its stage and knob make architectures of their own.
    assert "7 distinct architectures" in out
    assert "'shortest_prefer': 'longest'} -> ['generate', 'shortest']" in out


def test_python_api_example(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    system = tmp_path / "system.yaml"
    system.write_text(FAKE_SYSTEM)
    monkeypatch.setattr(sys, "argv", ["python_api.py", str(system)])
    runpy.run_path(str(ROOT / "examples" / "python_api.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "answer: The answer is" in out and "usage: 4 calls" in out
    assert "'What is 2 ** 10?' ->" in out


def test_custom_benchmark_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from archon.testing import register_fake_model, unregister_fake_model

    capitals = {"France": "Paris", "Germany": "Berlin", "Italy": "Rome"}

    def answer(call: object) -> str:
        prompt = getattr(call, "prompt", "")
        return next((city for country, city in capitals.items() if country in prompt), "I don't know")

    register_fake_model("capitals", answer)
    try:
        system = tmp_path / "system.yaml"
        system.write_text(FAKE_SYSTEM)
        out = tmp_path / "out"
        code = archon_main(["eval", str(system), "--benchmark", str(ROOT / "examples/capitals/benchmark.yaml"),
                            "--split", "all", "--out", str(out)])
    finally:
        unregister_fake_model("capitals")
    assert code == 0
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    scores = {r["id"]: r["score"] for r in rows if "score" in r}
    assert len(scores) == 10
    assert {k for k, v in scores.items() if v == 1.0} == {"fr", "de", "it"}
