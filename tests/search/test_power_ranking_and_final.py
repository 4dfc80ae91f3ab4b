"""The power ranking (each model alone, greedy) and the held-out verdict, unit by unit."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna

from archon.benchmarks.benchmark import Benchmark
from archon.benchmarks.scorers.numeric import NumericScorer
from archon.benchmarks.types import Item
from archon.runtime.clients import make_client
from archon.search.define.budget import Budget
from archon.search.define.loading import load_search_spec
from archon.search.define.space import greedy_node
from archon.search.report.final_eval import final_evaluation
from archon.search.study.power_ranking import BASELINE_TEMPERATURE, power_ranking, single_model_system, stored_ranking
from archon.search.trial.attributes import RANKING_ATTR
from archon.search.trial.context import SearchContext
from archon.testing.fake import Responder
from tests.search.search_helpers import SearchFactory

ITEMS = [Item(f"q{i}", f"Question {i}: which magic number is meant?", reference=str(42 + i % 3)) for i in range(24)]


def context(tmp_path: Path, models: dict[str, str]) -> SearchContext:
    spec = load_search_spec({"name": "unit", "benchmark": {"name": "magic", "test_limit": 8}, "models": models,
                             "space": {"generators": {"count": [1, 1]}}})[0]
    benchmark = Benchmark("magic", lambda: ITEMS, NumericScorer, dev_fraction=0.5)
    client = make_client(spec.runtime, spec.aliases().values(), False)
    return SearchContext(spec, "<unit>", benchmark, benchmark.items("dev", limit=6), client,
                         Budget(spec.budget, 50, {}), run_dir=tmp_path)


def test_each_model_alone_answers_greedily_and_the_best_comes_first(tmp_path: Path, zoo: list[str]) -> None:
    ctx = context(tmp_path, {"w": "fake/wrong", "r": "fake/right"})
    study = optuna.create_study(direction="maximize")
    ranking = power_ranking(study, ctx)
    assert ranking.order == ("r", "w") and ranking.best == "r"
    assert ranking.results["r"]["score"] == 1.0 and ranking.results["w"]["score"] == 0.0
    assert ranking.temperature == BASELINE_TEMPERATURE == 0.0
    assert single_model_system(ctx.spec, "r")["nodes"] == [greedy_node("r", None)]
    # Kept in the study: asked again (a resumed search, another worker), it costs nothing.
    calls = ctx.client.counters["provider_calls"]
    assert stored_ranking(study) == ranking and study.user_attrs[RANKING_ATTR]["order"] == ["r", "w"]
    assert power_ranking(study, ctx) == ranking and ctx.client.counters["provider_calls"] == calls


def test_ties_keep_the_order_of_the_models_in_the_file(tmp_path: Path, zoo: list[str]) -> None:
    ctx = context(tmp_path, {"second": "fake/wrong", "first": "fake/wrong"})
    ranking = power_ranking(optuna.create_study(direction="maximize"), ctx)
    assert ranking.order == ("second", "first")


def vote_of(model: str, samples: int) -> dict[str, Any]:
    return {"name": "voting", "models": {"m": model}, "nodes": [
        {"id": "generate_m", "type": "generate", "models": ["m"], "samples": samples},
        {"id": "vote", "type": "vote", "inputs": ["generate_m"]}]}


def test_the_final_table_compares_the_best_with_the_baseline_and_lists_every_model(tmp_path: Path,
                                                                                   zoo: list[str]) -> None:
    ctx = context(tmp_path, {"r": "fake/right", "w": "fake/wrong"})
    ranking = power_ranking(optuna.create_study(direction="maximize"), ctx)
    final = final_evaluation(ctx, vote_of("fake/wrong", 3), 7, ranking)
    assert final["items"] == 8 and final["split"] == "test"
    assert final["best"]["trial"] == 7 and final["best"]["calls_per_query"] == 3.0
    assert final["single"]["model"] == "r" and final["single"]["score"] == 1.0
    assert set(final["models"]) == {"r", "w"} and final["models"]["w"]["score"] == 0.0
    c = final["comparison"]
    assert (c["difference"], c["n"], c["single_better"], c["best_better"]) == (-1.0, 8, 8, 0)
    assert c["significant"] and not final["same_system"]
    assert [row["k"] for row in final["coverage"]["rows"]] == [1, 2, 3]  # it sampled: explained


def test_when_the_best_is_the_single_model_it_is_scored_once_and_said(tmp_path: Path, zoo: list[str]) -> None:
    ctx = context(tmp_path, {"r": "fake/right", "w": "fake/wrong"})
    ranking = power_ranking(optuna.create_study(direction="maximize"), ctx)
    final = final_evaluation(ctx, single_model_system(ctx.spec, "r"), 0, ranking)
    assert final["same_system"] and final["comparison"]["difference"] == 0.0
    assert "coverage" not in final  # nothing was sampled
    folders = {p.name for p in (tmp_path / "final").iterdir()}  # one folder per distinct system
    assert {ctx.load_system(single_model_system(ctx.spec, a)).fingerprint() for a in ("r", "w")} <= folders
    assert [row["same_as_found"] for row in final["baselines"] if row["name"] == "r alone, greedy"] == [True]


def test_an_empty_test_split_is_skipped_with_its_reason(tmp_path: Path, zoo: list[str]) -> None:
    ctx = context(tmp_path, {"r": "fake/right"})
    ranking = power_ranking(optuna.create_study(direction="maximize"), ctx)
    ctx.benchmark = Benchmark("magic", lambda: ITEMS, NumericScorer, dev_fraction=1.0)  # every item is dev
    assert final_evaluation(ctx, single_model_system(ctx.spec, "r"), 0, ranking) == {
        "skipped": "the benchmark's test split is empty"}


def test_the_baseline_is_the_best_model_on_dev_even_when_another_wins_on_test(
        make_search: SearchFactory, tmp_path: Path, fake_model: Callable[[str, Responder], str]) -> None:
    """"devwins" is right on every dev item and wrong on every test item, "testwins" the reverse: the
    baseline must be the model a user would have picked without a search, the best on dev, whatever
    the held-out split says (a baseline picked on test would flatter it with the very items it is
    judged on). It comes second in the file, so file order cannot pick it either."""
    from archon.benchmarks.custom import load_custom_benchmark
    from archon.search import run_search, summarize
    from archon.testing.fake import FakeCall, default_responder
    from tests.search.search_helpers import magic_answer

    path = make_search(models={"testwins": "fake/testwins", "devwins": "fake/devwins"},
                       space={"generators": {"count": [1, 2]}, "final_stage": ["none", "vote"]},
                       search={"n_trials": 3})
    # The magic benchmark's own dev split (dev_fraction 0.5, split_seed 0), all of it.
    dev_ids = {item.id for item in load_custom_benchmark(tmp_path / "magic.yaml").items("dev")}

    def rule(right_on_dev: bool) -> Responder:
        def respond(call: FakeCall) -> str:
            gold = magic_answer(call.prompt)
            if call.reply.kind not in ("answer", "fused") or gold is None:
                return default_responder(call)
            number = re.search(r"Question (\d+):", call.prompt)
            assert number is not None
            right = (f"q{number.group(1)}" in dev_ids) == right_on_dev
            return f"The answer is {gold if right else 42 + (gold - 41) % 3}."

        return respond

    fake_model("devwins", rule(right_on_dev=True))
    fake_model("testwins", rule(right_on_dev=False))
    outcome = run_search(path, run_dir=tmp_path / "run", say=lambda _message: None)
    # The setting holds: devwins is the best alone on dev, testwins on test.
    ranking = outcome.ranking
    assert ranking.best == "devwins" and ranking.order == ("devwins", "testwins")
    assert ranking.results["devwins"]["score"] == 1.0 and ranking.results["testwins"]["score"] == 0.0
    summary = summarize(outcome, audit=False, plots=False)
    final = summary["final"]
    assert final["models"]["testwins"]["score"] == 1.0 and final["models"]["devwins"]["score"] == 0.0
    # The baseline is the best on dev, with its test score, in the summary, final.json and both reports.
    assert final["single"]["model"] == "devwins" and final["single"]["system"] == "fake-search-devwins"
    assert final["single"]["score"] == 0.0
    assert json.loads((outcome.run_dir / "final.json").read_text())["single"]["model"] == "devwins"
    assert json.loads((outcome.run_dir / "summary.json").read_text())["final"]["single"]["model"] == "devwins"
    report = (outcome.run_dir / "report.md").read_text()
    assert "| baseline: best single model on dev, devwins alone (greedy) | 0.0% |" in report
    assert "| testwins alone (greedy) | 100.0% |" in report
    from archon.search.report.html import html_report
    from archon.search.study.rundir import open_run

    assert "baseline: devwins alone, greedy (best on dev)" in html_report(open_run(outcome.run_dir))
