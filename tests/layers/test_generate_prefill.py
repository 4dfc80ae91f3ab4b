"""generate's `prefill: code`: the answer starts with the query's code, the model only continues it."""

from __future__ import annotations

from typing import Any

import archon
from archon.layers.generate import CODE_STOPS, code_prefix, continued
from archon.testing import FakeCall, register_fake_model, unregister_fake_model

QUERY = "Complete the function.\n\n```python\ndef inc(x):\n    \"\"\"Add one.\"\"\"\n```"


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
