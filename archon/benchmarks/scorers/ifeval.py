"""IFEval: does the answer follow every verifiable instruction of the prompt?

The score is IFEval's headline metric, prompt-level strict accuracy: 1 when every
instruction is followed, else 0. The details keep the per-instruction results and
the "loose" variant (which forgives a first/last line of chatter and markdown
asterisks) so instruction-level accuracy can be computed from results.jsonl.
"""

from __future__ import annotations

from typing import Any

from archon.benchmarks.scorers.base import unscorable
from archon.benchmarks.scorers.ifeval_checks import load_evaluation
from archon.benchmarks.types import Item, Score
from archon.errors import ArchonError
from archon.layers.answers import strip_reasoning


class IFEvalScorer:
    name = "ifeval"

    async def score(self, item: Item, answer: str) -> Score:
        reference = item.reference
        if not isinstance(reference, dict) or "instruction_id_list" not in reference:
            return unscorable("the record has no instruction_id_list/kwargs to check")
        try:
            evaluation = load_evaluation()
        except ArchonError as exc:
            return unscorable(str(exc))
        prompt = str(item.meta.get("question") or item.prompt)
        response = strip_reasoning(answer)
        example = evaluation.InputExample(
            key=reference.get("key", 0),
            instruction_id_list=list(reference["instruction_id_list"]),
            prompt=prompt,
            kwargs=[_drop_none(k) for k in reference.get("kwargs", [])],
        )
        try:
            strict = evaluation.test_instruction_following_strict(example, {prompt: response})
            loose = evaluation.test_instruction_following_loose(example, {prompt: response})
        except Exception as exc:  # a checker bug on one odd answer must not stop the eval
            return unscorable(f"an IFEval checker crashed: {type(exc).__name__}: {exc}")
        ids = list(reference["instruction_id_list"])
        details: dict[str, Any] = {
            "instructions": ids,
            "strict": list(strict.follow_instruction_list),
            "loose": list(loose.follow_instruction_list),
            "loose_all": bool(loose.follow_all_instructions),
        }
        if strict.follow_all_instructions:
            return Score(1.0, None, details)
        missed = [i for i, ok in zip(ids, strict.follow_instruction_list, strict=True) if not ok]
        return Score(0.0, "not followed: " + ", ".join(missed), details)


def _drop_none(kwargs: dict[str, Any]) -> dict[str, Any]:
    # The reference implementation passes only the arguments that are set.
    return {k: v for k, v in kwargs.items() if v is not None}
