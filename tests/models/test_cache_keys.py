"""Cache keys are a contract: recorded experiments (recordings/) replay from them.

These keys were computed once and written down. A refactor, or a new request field, that
changes the key of an existing request makes every recorded call unreachable: if one of
these tests fails, either undo the change or migrate the recordings on purpose (and then
update the pinned value in the same commit).
"""

from __future__ import annotations

from archon.models.types import ModelRequest

PINNED_PLAIN = "803c39e56d5243224cb80094378aa002f6b8b8b7072bb9ae9439300dae220451"
PINNED_WITH_SECRETS = "5619d0f702696c466013e8fbf3ea84d266d5d72d52423d12ff9e3c33d8fe4c07"


def test_the_key_of_a_fixed_request_never_moves() -> None:
    request = ModelRequest(
        "local/qwen2.5-coder-0.5b",
        ({"role": "user", "content": "What is 17 * 23?"},),
        {"temperature": 0.7, "max_tokens": 300},
        3,
    )
    assert request.cache_key() == PINNED_PLAIN


def test_the_key_of_a_prefilled_request_with_a_key_variable_never_moves() -> None:
    request = ModelRequest(
        "openai/gpt-4o-mini",
        (
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "```python\n"},
        ),
        {"temperature": 0.0, "stop": ["\n```"], "api_key_env": "OPENAI_API_KEY", "api_base": "http://127.0.0.1:9"},
        0,
    )
    assert request.cache_key() == PINNED_WITH_SECRETS


def test_parameter_order_and_secret_values_do_not_change_the_key() -> None:
    base = ModelRequest("fake/a", ({"role": "user", "content": "q"},), {"temperature": 0.5, "max_tokens": 9}, 1)
    reordered = ModelRequest("fake/a", ({"role": "user", "content": "q"},), {"max_tokens": 9, "temperature": 0.5}, 1)
    with_key = ModelRequest("fake/a", ({"role": "user", "content": "q"},),
                            {"temperature": 0.5, "max_tokens": 9, "api_key": "sk-secret"}, 1)
    assert base.cache_key() == reordered.cache_key() == with_key.cache_key()


def test_sample_index_and_every_parameter_change_the_key() -> None:
    base = ModelRequest("fake/a", ({"role": "user", "content": "q"},), {"temperature": 0.5}, 0)
    others = [
        ModelRequest("fake/a", ({"role": "user", "content": "q"},), {"temperature": 0.5}, 1),
        ModelRequest("fake/a", ({"role": "user", "content": "q"},), {"temperature": 0.6}, 0),
        ModelRequest("fake/b", ({"role": "user", "content": "q"},), {"temperature": 0.5}, 0),
        ModelRequest("fake/a", ({"role": "user", "content": "q?"},), {"temperature": 0.5}, 0),
    ]
    keys = {base.cache_key(), *(o.cache_key() for o in others)}
    assert len(keys) == 5
