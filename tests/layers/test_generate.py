"""generate: models x samples distinct samples, the system prompt, log-probabilities in the cache,
and `prefill: code` (the answer starts with the query's code, the model only continues it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import archon
from archon.layers.generate import CODE_STOPS, code_prefix, continued
from archon.testing import FakeCall, register_fake_model, unregister_fake_model
from tests.layers.layer_helpers import Register, node, run

QUERY = "Complete the function.\n\n```python\ndef inc(x):\n    \"\"\"Add one.\"\"\"\n```"


def test_generate_makes_models_times_samples_distinct_samples(fake_model: Register) -> None:
    x = fake_model("gen_x", lambda c: f"x seed={c.seed} temperature={c.temperature}")
    y = fake_model("gen_y", lambda c: f"y seed={c.seed} temperature={c.temperature}")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{x}, {y}, {x}], samples: 3}}
""")
    texts = [c.text for c in result.candidates]
    assert len(texts) == 9 and len(set(texts)) == 9
    # The same model listed twice is two ensemble members with their own sample range.
    assert [t.split()[1] for t in texts if t.startswith("x")] == [f"seed={i}" for i in (0, 1, 2, 6, 7, 8)]
    assert all("temperature=0.7" in t for t in texts)  # generate samples at 0.7 by default
    assert [c.model for c in result.candidates] == [x] * 3 + [y] * 3 + [x] * 3
    assert {c.origin for c in result.candidates} == {"gen"}
    assert result.usage.total.calls == 9
    assert result.answer == texts[0]


def test_generate_sends_the_system_prompt_and_query(fake_model: Register) -> None:
    seen: list[str] = []

    def echo(call: FakeCall) -> str:
        seen.append(call.prompt)
        return "ok"

    model = fake_model("echo_sys", echo)
    run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{model}], system_prompt: "Be terse."}}
""", query="Why is the sky blue?")
    assert seen == ["Be terse.\nWhy is the sky blue?"]


def test_repeated_samples_of_the_default_fake_differ_by_seed() -> None:
    result = run("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 6}\n")
    seeds = [call["params"].get("seed") for call in node(result, "gen")["calls"]]
    assert [call["sample_index"] for call in node(result, "gen")["calls"]] == list(range(6))
    assert len(result.candidates) == 6
    assert seeds == [None] * 6  # the seed is derived by the client, not stored in the request


def test_logprobs_are_cached_with_the_text_and_old_entries_still_serve(tmp_path: Path) -> None:
    cache_path = tmp_path / "cache.sqlite"
    with_logprobs = {"name": "l", "models": {"m": "fake/alpha"},
                     "nodes": [{"id": "gen", "type": "generate", "models": ["m"], "samples": 2, "logprobs": True}]}
    first = archon.System.from_dict(with_logprobs, cache=cache_path).run("q")
    assert all("mean_logprob" in c.notes for c in first.candidates)
    again = archon.System.from_dict(with_logprobs, cache=cache_path).run("q")
    assert again.usage.total.calls == 0 and [c.notes for c in again.candidates] == [c.notes for c in first.candidates]
    # Asked without log-probabilities, the same calls are the same cache entries.
    without = {**with_logprobs, "nodes": [{**with_logprobs["nodes"][0], "logprobs": False}]}
    plain = archon.System.from_dict(without, cache=cache_path).run("q")
    assert plain.usage.total.calls == 0


# -- prefill: code ---------------------------------------------------------------------------


def test_the_prefix_is_the_last_python_block_and_the_answer_is_closed() -> None:
    assert code_prefix(QUERY) == "```python\ndef inc(x):\n    \"\"\"Add one.\"\"\"\n"
    assert code_prefix("no code here") is None
    prefix = code_prefix(QUERY) or ""
    assert continued(prefix, "    return x + 1\n") == prefix + "    return x + 1\n```"
    assert continued(prefix, "    return x + 1\n```\n") == prefix + "    return x + 1\n```"


def test_the_model_is_asked_to_continue_its_own_answer(tmp_path: Any) -> None:
    seen: list[FakeCall] = []

    def body(call: FakeCall) -> str:
        seen.append(call)
        return "    return x + 1\n"

    register_fake_model("continuer", body)
    try:
        system = archon.load({"name": "p", "nodes": [
            {"id": "g", "type": "generate", "models": ["fake/continuer"], "samples": 2, "prefill": "code"}]},
            cache=False)
        result = system.run(QUERY)
        plain = system.run("What is 2 + 2?")  # no code to continue: a plain call
    finally:
        unregister_fake_model("continuer")
    assert result.answer == "```python\ndef inc(x):\n    \"\"\"Add one.\"\"\"\n    return x + 1\n```"
    calls = result.trace[0]["calls"]
    assert [c["params"]["stop"] for c in calls] == [list(CODE_STOPS)] * 2
    assert calls[0]["prompt"] == QUERY  # the trace shows what was asked, not the prefix
    assert seen[0].prompt.endswith("```python\ndef inc(x):\n    \"\"\"Add one.\"\"\"\n")  # the prefix came last
    assert "stop" not in plain.trace[0]["calls"][0]["params"]
    assert plain.answer == "    return x + 1\n"
