"""The shared shape of multiple-choice items: question, lettered options, gold letter."""

from __future__ import annotations

from collections.abc import Sequence

from archon.benchmarks.types import Item

LETTERS = "ABCDEFGHIJ"


def choice_template(topic: str = "") -> str:
    """The prompt template; ``topic`` follows "question" (e.g. " about {subject}")."""
    return (
        f"Answer this multiple-choice question{topic}. Think it through, then write the final answer "
        'on the last line as "Answer: X", where X is the letter of the correct option.\n\n{input}'
    )


def choice_item(item_id: str, question: str, options: Sequence[str], gold: int, **meta: str) -> Item:
    """An item whose prompt lists the options as "A. ...", with the gold letter as reference."""
    letters = LETTERS[: len(options)]
    lines = [question.strip(), ""] + [
        f"{letter}. {text.strip()}" for letter, text in zip(letters, options, strict=False)
    ]
    return Item(
        id=item_id,
        prompt="\n".join(lines),
        reference=letters[gold],
        meta={"letters": letters, "choices": [text.strip() for text in options], **meta},
    )
