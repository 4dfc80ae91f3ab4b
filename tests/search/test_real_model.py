"""A tiny search end to end on a real local model (SmolLM2-135M): 2 trials, 2 dev items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import archon

pytestmark = pytest.mark.real_model

CAPITALS = [("France", "Paris"), ("Italy", "Rome"), ("Japan", "Tokyo"), ("Spain", "Madrid"),
            ("Germany", "Berlin"), ("Egypt", "Cairo")]


@pytest.fixture(scope="module")
def smollm2() -> str:
    try:
        import archon.local.provider  # noqa: F401  (the engine itself)
        from archon.local.catalog import get_model_info
        from archon.local.pull import is_verified
    except ImportError as exc:
        pytest.skip(f"the local provider is not importable here: {exc}")
    if not is_verified(get_model_info("smollm2-135m")):
        pytest.skip("local/smollm2-135m is not pulled: run `archon models pull smollm2-135m`")
    return "local/smollm2-135m"


def test_tiny_search_on_smollm2(smollm2: str, tmp_path: Path) -> None:
    records = [{"id": c, "question": f"What is the capital of {c}? Answer with one word.", "answer": a}
               for c, a in CAPITALS]
    (tmp_path / "capitals.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "capitals.yaml").write_text(
        "name: capitals\ndata: capitals.jsonl\nfields: {id: id, input: question, answer: answer}\n"
        "scorer: regex\nscorer_options: {pattern: '\\b(" + "|".join(a for _, a in CAPITALS) + ")\\b'}\n"
        "dev_fraction: 0.5\n"
    )
    search = {
        "name": "real-tiny",
        "benchmark": {"name": "capitals.yaml", "dev_limit": 2, "test_limit": 2},
        "models": {"smol": {"model": smollm2, "max_tokens": 24}},
        "space": {"generators": {"samples": [1, 2]}, "fusion": {"layers": [0, 1], "width": 2},
                  "rank": [False], "critique": [False], "final_stage": ["none"]},
        "search": {"n_trials": 2, "batch_size": 2, "sampler": "random", "pruner": "none"},
    }
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(search))
    from archon.search import run_search, summarize

    outcome = run_search(path, run_dir=tmp_path / "run")
    summary = summarize(outcome, plots=False)
    assert outcome.provider_calls > 0
    assert summary["best"]["summary"]["items"] == 2
    final = summary["final"]
    assert final["items"] == 2 and final["best"]["n"] + final["best"]["failures"] >= 1
    system = archon.load(str(tmp_path / "run" / "best_system.yaml"))
    assert system.run("What is the capital of France? Answer with one word.").answer.strip()
