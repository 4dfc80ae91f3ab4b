"""`archon eval` end to end: real System, real gsm8k items, the fake model provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from archon.benchmarks.registry import get_benchmark
from archon.cli.main import main
from archon.testing.fake import FakeCall, register_fake_model, unregister_fake_model

SYSTEM = """
name: {name}
models:
  m: {{model: fake/{model}}}
nodes:
  - {{id: answer, type: generate, models: [m]}}
"""


@pytest.fixture
def oracle() -> Iterator[None]:
    """fake/oracle answers gsm8k questions correctly (it looks the gold answer up)."""
    gold = {item.prompt: item.reference for item in get_benchmark("gsm8k").load()}

    def respond(call: FakeCall) -> str:
        answer = next((g for question, g in gold.items() if question in call.prompt), "0")
        return f"Let me think step by step.\nAnswer: {answer}"

    register_fake_model("oracle", respond)
    yield
    unregister_fake_model("oracle")


def system_file(tmp_path: Path, name: str, model: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(SYSTEM.format(name=name, model=model))
    return str(path)


def test_eval_one_system_then_resume(tmp_path: Path, oracle: None, capsys: pytest.CaptureFixture[str]) -> None:
    system = system_file(tmp_path, "oracle", "oracle")
    out = tmp_path / "out"
    args = ["eval", system, "--benchmark", "gsm8k", "--limit", "5", "--out", str(out), "--concurrency", "2"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "gsm8k (test split, 5 items)" in printed
    assert "1.000 [0.566, 1.000]" in printed
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 5 and all(r["score"] == 1.0 for r in rows)
    assert [r["id"] for r in rows] != []
    expected_ids = {i.id for i in get_benchmark("gsm8k").items("test", limit=5)}
    assert {r["id"] for r in rows} == expected_ids

    assert main(args) == 0
    assert "5 items reused from an earlier run" in capsys.readouterr().out
    assert len((out / "results.jsonl").read_text().splitlines()) == 5


def test_eval_compares_two_systems_on_the_same_items(
    tmp_path: Path, oracle: None, capsys: pytest.CaptureFixture[str]
) -> None:
    good = system_file(tmp_path, "good", "oracle")
    guesser = system_file(tmp_path, "guesser", "echo")  # the default fake answers "The answer is 4x."
    out = tmp_path / "out"
    code = main(["eval", guesser, good, "-b", "gsm8k", "--split", "dev", "--limit", "5", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "good − guesser: +1.000" in printed and "significant at 95%" in printed
    assert (out / "good" / "results.jsonl").exists() and (out / "guesser" / "results.jsonl").exists()
    good_ids = {json.loads(x)["id"] for x in (out / "good" / "results.jsonl").read_text().splitlines()}
    guesser_ids = {json.loads(x)["id"] for x in (out / "guesser" / "results.jsonl").read_text().splitlines()}
    assert good_ids == guesser_ids == {i.id for i in get_benchmark("gsm8k").items("dev", limit=5)}


def test_eval_a_custom_benchmark_with_a_broken_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data.jsonl").write_text('{"input": "Say 42", "answer": "42"}\n{"input": "Say 43"}\n')
    (tmp_path / "bench.yaml").write_text("name: says\ndata: data.jsonl\nscorer: numeric\n")
    system = system_file(tmp_path, "echo", "echo")
    code = main(["eval", system, "-b", str(tmp_path / "bench.yaml"), "--split", "all", "--out", str(tmp_path / "o")])
    assert code == 0
    printed = capsys.readouterr().out
    assert "1 × record failure: record 2: missing field 'answer'" in printed


def test_list_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--list"]) == 0
    listed = capsys.readouterr().out
    for name in ("gsm8k", "math500", "mmlu", "arc-challenge", "ifeval", "arena-hard", "alpaca-eval", "humaneval"):
        assert name in listed
    system = system_file(tmp_path, "echo", "echo")
    assert main(["eval", system, "--benchmark", "gsm8kk", "--out", str(tmp_path / "o")]) == 2
    assert "benchmark 'gsm8kk' is not known. Did you mean 'gsm8k'?" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["eval", system])
    assert info.value.code == 2
    assert "--benchmark is required" in capsys.readouterr().err


def test_eval_a_judged_benchmark_through_the_shared_client(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The judge always prefers the answer shown first: over both orders every item ties.
    register_fake_model("judge", lambda call: "m")
    try:
        system = system_file(tmp_path, "echo", "echo")
        out = tmp_path / "o"
        args = ["eval", system, "-b", "alpaca-eval", "--limit", "2", "--judge-model", "fake/judge", "--out", str(out)]
        assert main(args) == 0
    finally:
        unregister_fake_model("judge")
    printed = capsys.readouterr().out
    assert "0.500 [0.500, 0.500]" in printed
    assert "judge: 4 calls (0 cached)" in printed
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [g["verdict"] for g in rows[0]["details"]["games"]] == ["A", "A"]
    assert rows[0]["scoring_usage"]["calls"] == 2


def test_no_cache_reaches_the_judge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--no-cache bypasses the cache for the judge's calls too: they go through the systems' client."""
    register_fake_model("judge", lambda call: "m")
    try:
        system = system_file(tmp_path, "echo", "echo")
        args = ["eval", system, "-b", "alpaca-eval", "--limit", "2", "--judge-model", "fake/judge"]
        assert main([*args, "--out", str(tmp_path / "first")]) == 0
        capsys.readouterr()
        assert main([*args, "--out", str(tmp_path / "cached")]) == 0
        assert "judge: 0 calls (4 cached)" in capsys.readouterr().out
        assert main([*args, "--out", str(tmp_path / "uncached"), "--no-cache"]) == 0
        assert "judge: 4 calls (0 cached)" in capsys.readouterr().out
    finally:
        unregister_fake_model("judge")
