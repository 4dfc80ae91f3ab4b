"""choice_shuffle: seeded permutations of the options, answers mapped back to the original letters, and
the item context it reads."""

from __future__ import annotations

import pytest

from archon.errors import ConfigError, ContextMissingError
from archon.layers.choice_shuffle import permutation
from archon.testing import FakeCall
from tests.layers.layer_helpers import Register, system

QUESTION = "Which planet is largest?\n\nA. Mars\nB. Jupiter\nC. Venus\nD. Mercury"
CHOICES = {"choices": ["Mars", "Jupiter", "Venus", "Mercury"]}


def test_permutations_are_seeded_and_sample_zero_keeps_the_order() -> None:
    assert permutation("q", 0, 4) == [0, 1, 2, 3]
    assert permutation("q", 3, 4) == permutation("q", 3, 4)
    assert sorted(permutation("q", 3, 4)) == [0, 1, 2, 3]
    assert len({tuple(permutation("q", i, 4)) for i in range(1, 12)}) > 3


def test_choice_shuffle_maps_each_answer_back_to_the_original_letters(fake_model: Register) -> None:
    seen: list[str] = []

    def knows_jupiter(call: FakeCall) -> str:  # always right, whatever letter Jupiter has now
        seen.append(call.prompt)
        letter = next(line[0] for line in call.prompt.splitlines() if line.endswith(". Jupiter"))
        return f"Jupiter is the largest. Answer: {letter}"

    model = fake_model("jupiter", knows_jupiter)
    sys_ = system([{"id": "shuffle", "type": "choice_shuffle", "models": ["m"], "samples": 6},
                   {"id": "vote", "type": "vote", "extractor": "choice"}], {"m": model})
    result = sys_.run(QUESTION, context=CHOICES)
    assert seen[0] == QUESTION and len(set(seen)) > 2  # sample 0 as asked, the others shuffled
    assert {c.notes["answer"] for c in result.candidates} == {"B"}
    assert result.answer.rstrip().endswith("Answer: B")


def test_choice_shuffle_without_choices_says_what_it_needs() -> None:
    sys_ = system([{"id": "shuffle", "type": "choice_shuffle", "models": ["m"], "samples": 2}], {"m": "fake/alpha"})
    with pytest.raises(ContextMissingError, match="needs the item's choices"):
        sys_.run(QUESTION)
    with pytest.raises(ContextMissingError, match="does not list its choices"):
        sys_.run("Which planet is largest?", context=CHOICES)


def test_a_bad_context_is_a_clear_error() -> None:
    sys_ = system([{"id": "g", "type": "generate", "models": ["m"]}], {"m": "fake/alpha"})
    with pytest.raises(ConfigError, match="choices"):
        sys_.run("q", context={"choices": "not a list"})
    with pytest.raises(ConfigError, match="a context has: choices, labels, category"):
        sys_.run("q", context={"subject": "x"})
