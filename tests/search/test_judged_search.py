"""An LLM-judged benchmark in a search: the judge is part of the run (its client, its cache) and a
trial's cost includes its calls, kept apart from the architecture's own measures."""

from __future__ import annotations

import json
from pathlib import Path

from archon.search import run_search
from archon.search.trial.attributes import SUMMARY_ATTR, is_evaluated
from archon.testing import FakeCall, register_fake_model, unregister_fake_model

JUDGED = """\
name: judged
data: judged.jsonl
fields: {id: id, input: question, answer: baseline}
scorer: judge
scorer_options: {model: fake/verdicts}
dev_fraction: 0.5
"""


def test_the_judge_uses_the_search_client_and_its_calls_count_in_the_trial(tmp_path: Path) -> None:
    records = [{"id": f"q{i}", "question": f"Question {i}?", "baseline": "A baseline answer."} for i in range(12)]
    (tmp_path / "judged.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "judged.yaml").write_text(JUDGED)
    search = tmp_path / "search.yaml"
    search.write_text(json.dumps({
        "name": "judged-search", "benchmark": {"name": "judged.yaml"}, "models": {"a": "fake/alpha"},
        "space": {"generators": {"samples": [1, 2]}, "fusion": {"layers": [0, 0]}, "rank": [False],
                  "final_stage": ["none"]},
        "search": {"n_trials": 1, "startup_trials": 1},
    }))
    verdicts: list[str] = []

    def judge(call: FakeCall) -> str:
        verdicts.append(call.prompt)
        return "My final verdict is: [[A>B]]"

    register_fake_model("verdicts", judge)
    try:
        outcome = run_search(search, run_dir=tmp_path / "run")
        again = run_search(search, run_dir=tmp_path / "run2", client=outcome.context.client)
    finally:
        unregister_fake_model("verdicts")
    trial = next(t for t in outcome.study.trials if is_evaluated(t))
    summary = trial.user_attrs[SUMMARY_ATTR]
    assert summary["scoring_calls"] == 2.0  # both orders judged, per item
    assert summary["calls"] == 1.0  # the architecture's own measure leaves the judge out
    items = summary["items"]
    # The ranking's and the trial's items were judged once each through the search's client, which
    # cached them: a second search on that client pays the judge nothing.
    assert len(verdicts) == 2 * items
    assert outcome.context.client.cache is not None
    assert again.context.client.counters["provider_calls"] == outcome.context.client.counters["provider_calls"]
