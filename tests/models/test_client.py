"""The model client: retries, timeouts, what is never retried, offline mode, seeds, limits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest

import archon
from archon.errors import ModelCallError
from archon.models.client import ModelClient
from archon.models.retry import RetryPolicy, is_retryable
from archon.models.types import Completion, ModelRequest
from archon.testing import FakeCall

Register = Callable[[str, Callable[[FakeCall], str]], str]
FAST = RetryPolicy(max_retries=3, base_s=0.001)


def complete(client: ModelClient, model: str, prompt: str | None = None, **params: object) -> Completion:
    request = ModelRequest(model, ({"role": "user", "content": prompt or uuid.uuid4().hex},), params)
    return asyncio.run(client.complete(request))


def test_transient_failures_are_retried_and_succeed() -> None:
    query = f"transient {uuid.uuid4().hex}"  # the fake remembers attempts per request
    system = archon.System.from_text("""
name: t
models:
  flaky: {model: fake/flaky, extra: {fake_failure_rate: 1.0, fake_failure_mode: transient}}
nodes:
  - {id: gen, type: generate, models: [flaky], samples: 4}
  - {id: fuse, type: fuse, models: [flaky]}
runtime: {retry_base_s: 0.001, max_retries: 2}
""", cache=False)
    result = system.run(query)
    assert len(result.trace[0]["outputs"]) == 4
    assert system.client.counters["retries"] == 5  # every request failed once
    assert system.client.counters["provider_calls"] == 10
    assert system.client.counters["failures"] == 0
    assert result.usage.total.failures == 0 and result.usage.total.calls == 5
    assert result.errors == []


def test_retries_give_up_after_max_retries() -> None:
    client = ModelClient(None, retry=FAST)
    with pytest.raises(ModelCallError) as info:
        complete(client, "fake/down", fake_failure_rate=1.0)
    assert info.value.attempts == 4
    assert "injected failure (503)" in str(info.value)
    assert "after 4 attempt(s)" in str(info.value)
    assert client.counters["retries"] == 3 and client.counters["provider_calls"] == 4


def test_errors_that_retrying_cannot_fix_fail_at_once(fake_model: Register) -> None:
    class BadRequest(Exception):
        status_code = 400

    def refuse(call: FakeCall) -> str:
        raise BadRequest("prompt too long")

    model = fake_model("refuser", refuse)
    client = ModelClient(None, retry=FAST)
    with pytest.raises(ModelCallError) as info:
        complete(client, model)
    assert info.value.attempts == 1
    assert client.counters["retries"] == 0


def test_timeouts_are_retried_then_reported() -> None:
    client = ModelClient(None, timeout_s=0.05, retry=RetryPolicy(max_retries=1, base_s=0.001))
    with pytest.raises(ModelCallError, match="timed out") as info:
        complete(client, "fake/slow", fake_latency=1.0)
    assert info.value.attempts == 2


@pytest.mark.parametrize(
    ("name", "status", "retryable"),
    [("RateLimitError", 429, True), ("InternalServerError", 500, True), ("Timeout", None, True),
     ("BadRequestError", 400, False), ("AuthenticationError", 401, False), ("NotFoundError", 404, False)],
)
def test_which_errors_are_retryable(name: str, status: int | None, retryable: bool) -> None:
    error = type(name, (Exception,), {"status_code": status})()
    assert is_retryable(error) is retryable


def test_backoff_doubles_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(base_s=1.0, max_s=5.0)
    for attempt, cap in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)):
        delay = policy.delay(attempt)
        assert cap / 2 <= delay <= cap


def test_offline_mode_blocks_remote_providers() -> None:
    client = ModelClient(None, retry=FAST)
    with pytest.raises(ModelCallError, match="ARCHON_OFFLINE") as info:
        complete(client, "openai/gpt-4o-mini")
    assert info.value.attempts == 1
    assert client.counters["provider_calls"] == 0


def test_missing_api_key_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCHON_TEST_MISSING_KEY", raising=False)
    client = ModelClient(None, retry=FAST)
    with pytest.raises(ModelCallError, match="ARCHON_TEST_MISSING_KEY"):
        complete(client, "fake/a", api_key_env="ARCHON_TEST_MISSING_KEY")


def test_seed_is_the_sample_index_plus_the_alias_seed(fake_model: Register) -> None:
    model = fake_model("seeds", lambda c: f"seed {c.seed}")
    result = archon.System.from_text(f"""
name: t
models:
  seeded: {{model: {model}, seed: 100}}
  plain: {model}
nodes:
  - {{id: gen, type: generate, models: [seeded, plain], samples: 2}}
""", cache=False).run("q")
    assert [c.text for c in result.candidates] == ["seed 100", "seed 101", "seed 2", "seed 3"]


def test_node_params_override_alias_defaults(fake_model: Register) -> None:
    seen: list[float] = []
    model = fake_model("temps", lambda c: seen.append(c.temperature) or "ok")
    archon.System.from_text(f"""
name: t
models:
  m: {{model: {model}, temperature: 0.1}}
nodes:
  - {{id: gen, type: generate, models: [m], temperature: 1.3}}
  - {{id: fuse, type: fuse, models: [m]}}
""", cache=False).run("q")
    assert seen == [1.3, 0.1]  # the node's own temperature wins; fuse keeps the alias default


def test_the_default_fake_answers_in_the_declared_shape_whatever_the_prompt_says() -> None:
    from archon.models.types import Reply

    client = ModelClient(None)

    def ask(prompt: str, reply: Reply) -> str:
        request = ModelRequest("fake/a", ({"role": "user", "content": prompt},), {}, 0, reply)
        return asyncio.run(client.complete(request)).text

    ranking = ask("Put these three in order, please.", Reply("ranking", 3))
    assert sorted(ranking.split(" > ")) == ["[1]", "[2]", "[3]"]
    assert ask("Put these three in order, please.", Reply("ranking", 3)) == ranking  # deterministic
    # Words of a technique's prompt in a plain question change nothing: the declared shape decides.
    assert ask("Rank the 3 responses\n\n[1] a\n\n[2] b\n\n[3] c", Reply()).startswith("The answer is")
    assert ask("Is it right?", Reply("verdict")) in ("[Correct]", "[Incorrect]")
    assert ask("Judge these.", Reply("test_verdicts", 2)).count("[") == 2
    assert ask("Write tests.", Reply("asserts", 3)).splitlines() == ["1. assert 1 == 1", "2. assert 2 == 2",
                                                                     "3. assert 3 == 3"]
    assert ask("Merge:\n\n[1] first\n\n[2] second", Reply("fused")) == "first"


def test_api_model_cost_is_litellm_price(monkeypatch: pytest.MonkeyPatch) -> None:
    # mock_response is answered inside litellm: nothing leaves the machine.
    monkeypatch.delenv("ARCHON_OFFLINE")
    from archon.models.providers import ensure_litellm

    litellm = ensure_litellm()
    client = ModelClient(None)
    done = complete(client, "openai/gpt-4o-mini", "price me", mock_response="A mocked answer of some length.")
    assert done.text == "A mocked answer of some length."
    assert done.prompt_tokens > 0 and done.completion_tokens > 0
    prompt_cost, completion_cost = litellm.cost_per_token(
        model="openai/gpt-4o-mini", prompt_tokens=done.prompt_tokens, completion_tokens=done.completion_tokens
    )
    assert done.cost_usd == pytest.approx(prompt_cost + completion_cost)
    assert done.cost_usd > 0
