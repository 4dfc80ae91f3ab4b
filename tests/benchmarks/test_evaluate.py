from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from archon.benchmarks.benchmark import Benchmark, broken_item
from archon.benchmarks.evaluate import evaluate, run_fingerprint
from archon.benchmarks.results import ItemResult
from archon.benchmarks.scorers.base import unscorable
from archon.benchmarks.scorers.numeric import NumericScorer
from archon.benchmarks.types import Item, Score
from archon.errors import ConfigError, NodeFailedError
from archon.models.types import Completion
from archon.runtime.usage import Usage


@dataclass
class StandInResult:
    answer: str
    usage: Usage
    trace: list[dict[str, Any]] = field(default_factory=list)
    latency_s: float = 0.25


class StandInSystem:
    """Answers "The answer is <n>" where n is the number in the prompt, plus ``offset``."""

    def __init__(self, offset: int = 0, fail_on: frozenset[str] = frozenset(), delay: float = 0.0) -> None:
        self.offset = offset
        self.fail_on = fail_on
        self.delay = delay
        self.name = f"plus{offset}"
        self.calls: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def fingerprint(self) -> str:
        return f"stand-in-{self.offset}"

    async def arun(self, query: str, *, context: object = None) -> StandInResult:
        self.calls.append(query)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            if query in self.fail_on:
                raise NodeFailedError("gen", ["call to 'fake/x' failed after 3 attempt(s): timed out"])
            usage = Usage()
            usage.record(
                "gen", "fake/x", Completion("t", "fake/x", prompt_tokens=10, completion_tokens=5, cost_usd=0.001)
            )
            return StandInResult(f"The answer is {int(query) + self.offset}", usage)
        finally:
            self.in_flight -= 1


def numbers_benchmark(n: int = 10, scorer: Any = NumericScorer) -> tuple[Benchmark, list[Item]]:
    data = [Item(id=f"i{k}", prompt=str(k), reference=str(k)) for k in range(n)]
    benchmark = Benchmark("numbers", lambda: data, scorer)
    return benchmark, benchmark.items("all")


def lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]


def test_scores_every_item_and_reports(tmp_path: Path) -> None:
    benchmark, items = numbers_benchmark(10)
    system = StandInSystem()
    report = asyncio.run(evaluate(system, benchmark, items, concurrency=4, out_dir=tmp_path, progress=False))
    assert report.score == 1.0 and report.items == 10 and report.failures == 0
    assert report.estimate.method == "wilson" and report.ci[0] == pytest.approx(0.7225, abs=1e-3)
    assert report.usage.calls == 10 and report.tokens == 150 and report.usage.cost_usd == pytest.approx(0.01)
    assert report.latency_p50_s == pytest.approx(0.25)
    rows = lines(tmp_path)
    assert sorted(r["id"] for r in rows) == [f"i{k}" for k in range(10)]
    assert {r["fingerprint"] for r in rows} == {run_fingerprint(system, benchmark)}
    assert json.loads((tmp_path / "report.json").read_text())["estimate"]["mean"] == 1.0


def test_failures_are_recorded_and_never_stop_the_eval(tmp_path: Path) -> None:
    data = [Item(id=f"i{k}", prompt=str(k), reference=str(k)) for k in range(4)]
    data.append(broken_item("broken", "record 5: missing field 'answer'"))
    benchmark = Benchmark("numbers", lambda: data, NumericScorer)
    system = StandInSystem(fail_on=frozenset({"1"}))
    report = asyncio.run(
        evaluate(system, benchmark, benchmark.items("all"), concurrency=2, out_dir=tmp_path, progress=False)
    )
    by_id = {r.id: r for r in report.results}
    assert by_id["i1"].failure == "system" and by_id["i1"].score == 0.0
    assert "node 'gen' produced no candidates" in (by_id["i1"].reason or "")
    assert by_id["broken"].failure == "record" and by_id["broken"].score is None
    assert by_id["broken"].reason == "record 5: missing field 'answer'"
    assert "" not in system.calls and len(system.calls) == 4  # the broken record never reached the system
    # A system failure counts as 0; a broken record is left out of the mean.
    assert report.items == 5 and report.failures == 2 and report.system_errors == 1 and report.unscorable == 1
    assert report.score == pytest.approx(3 / 4)


def test_unscorable_and_crashing_scorers_are_left_out_of_the_mean(tmp_path: Path) -> None:
    class Picky:
        name = "picky"

        async def score(self, item: Item, answer: str) -> Score:
            if item.id == "i0":
                raise RuntimeError("bug in scorer")
            if item.id == "i1":
                return unscorable("judge answered off-format", usage={"calls": 2, "cost_usd": 0.5})
            return Score(0.5, "half", {"usage": {"calls": 2, "prompt_tokens": 7}})

    benchmark, items = numbers_benchmark(4, scorer=Picky)
    report = asyncio.run(evaluate(StandInSystem(), benchmark, items, concurrency=4, out_dir=tmp_path, progress=False))
    by_id = {r.id: r for r in report.results}
    assert (
        by_id["i0"].failure == "scoring" and by_id["i0"].reason == "scorer 'picky' raised RuntimeError: bug in scorer"
    )
    assert by_id["i1"].failure == "scoring" and by_id["i1"].score is None
    assert report.estimate.n == 2 and report.score == 0.5 and report.estimate.method == "bootstrap"
    assert report.scoring_usage.calls == 6 and report.scoring_usage.cost_usd == 0.5


def test_resume_skips_finished_items_and_reruns_system_failures(tmp_path: Path) -> None:
    benchmark, items = numbers_benchmark(6)
    system = StandInSystem()
    fingerprint = run_fingerprint(system, benchmark)
    done = [
        ItemResult("i0", fingerprint, "The answer is 0", 1.0),
        ItemResult("i1", fingerprint, "The answer is 7", 0.0, "expected 1, got 7"),
        ItemResult("i2", fingerprint, None, 0.0, "timed out", "system", "timed out"),
    ]
    text = "".join(r.to_json() + "\n" for r in done)
    # Killed mid-write: the last line is cut off.
    (tmp_path / "results.jsonl").write_text(text + '{"id": "i3", "fingerpr')
    report = asyncio.run(evaluate(system, benchmark, items, concurrency=2, out_dir=tmp_path, progress=False))
    assert sorted(system.calls) == ["2", "3", "4", "5"]  # i0 and i1 were finished: not run again
    assert report.resumed == 2 and report.items == 6
    by_id = {r.id: r for r in report.results}
    assert by_id["i1"].score == 0.0  # the earlier result is kept as it was
    assert by_id["i2"].score == 1.0 and by_id["i2"].failure is None
    assert report.score == pytest.approx(5 / 6)
    # The cut line was closed off, so the file still parses line by line (bar that one).
    parsed = []
    for line in (tmp_path / "results.jsonl").read_text().splitlines():
        try:
            parsed.append(json.loads(line)["id"])
        except json.JSONDecodeError:
            parsed.append("<cut>")
    assert parsed[:4] == ["i0", "i1", "i2", "<cut>"]
    assert sorted(parsed[4:]) == ["i2", "i3", "i4", "i5"]

    # Everything done: a third run calls nothing.
    again = StandInSystem()
    asyncio.run(evaluate(again, benchmark, items, concurrency=2, out_dir=tmp_path, progress=False))
    assert again.calls == []


def test_another_systems_results_are_never_mixed_in(tmp_path: Path) -> None:
    benchmark, items = numbers_benchmark(3)
    asyncio.run(evaluate(StandInSystem(), benchmark, items, concurrency=2, out_dir=tmp_path, progress=False))
    other = StandInSystem(offset=1)
    with pytest.raises(ConfigError, match="holds results of a different system or benchmark"):
        asyncio.run(evaluate(other, benchmark, items, concurrency=2, out_dir=tmp_path, progress=False))
    assert other.calls == []
    report = asyncio.run(
        evaluate(other, benchmark, items, concurrency=2, out_dir=tmp_path, resume=False, progress=False)
    )
    assert report.score == 0.0 and len(other.calls) == 3
    assert (tmp_path / "results.jsonl.prev").exists()
    assert {r["fingerprint"] for r in lines(tmp_path)} == {run_fingerprint(other, benchmark)}


def test_concurrency_is_bounded(tmp_path: Path) -> None:
    benchmark, items = numbers_benchmark(12)
    system = StandInSystem(delay=0.01)
    asyncio.run(evaluate(system, benchmark, items, concurrency=3, out_dir=tmp_path, progress=False))
    assert system.max_in_flight == 3
    with pytest.raises(ValueError, match="concurrency"):
        asyncio.run(evaluate(system, benchmark, items, concurrency=0, out_dir=tmp_path, progress=False))


def test_paired_comparison_of_two_reports(tmp_path: Path) -> None:
    benchmark, items = numbers_benchmark(30)
    right = asyncio.run(
        evaluate(StandInSystem(), benchmark, items, concurrency=8, out_dir=tmp_path / "a", progress=False)
    )
    wrong = asyncio.run(
        evaluate(StandInSystem(offset=1), benchmark, items, concurrency=8, out_dir=tmp_path / "b", progress=False)
    )
    comparison = right.compare(wrong)
    assert comparison.n == 30 and comparison.difference == -1.0 and comparison.significant


def test_progress_bar_runs(tmp_path: Path) -> None:
    benchmark, items = numbers_benchmark(3)
    report = asyncio.run(evaluate(StandInSystem(), benchmark, items, concurrency=2, out_dir=tmp_path, progress=True))
    assert report.items == 3
