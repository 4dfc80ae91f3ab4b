"""choice_shuffle: sample a multiple-choice question with its options in a different order each time.

Medprompt's choice-shuffle ensemble: small models favour some positions ("A" more than
"D"), so the samples of a plain vote share that bias; shuffling the options per sample turns
it into noise that the vote then averages out. Sample ``i`` sees the options in an order
drawn from a seed made of the query and ``i`` (sample 0 in the original order, so it is the
same call a plain generate's sample 0 is); its answer letter is mapped back to the original
labels, which the candidate states on its last line ("Answer: B"), ready for a ``vote`` with
the ``choice`` extractor, a ranker or the benchmark's scorer.

It needs the item's choices (``ItemContext.choices``, which ``archon eval``/``search`` pass for
mmlu, arc-challenge and custom benchmarks with a ``choices`` field), and the query must list
them as the built-in benchmarks do, one "A. option" line each.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any, Literal

from pydantic import Field

from archon.errors import ContextMissingError
from archon.layers.answers import choice_letter
from archon.layers.base import (
    Call,
    Candidate,
    ItemContext,
    NodeContext,
    NodeInputs,
    NodeOutput,
    SamplingSpec,
    Technique,
)
from archon.layers.generate import confidence_notes
from archon.layers.registry import register, register_role


class ChoiceShuffleSpec(SamplingSpec):
    type: Literal["choice_shuffle"] = "choice_shuffle"
    models: list[str] = Field(min_length=1, description="Models (aliases or strings); each is sampled.")
    samples: int = Field(default=5, ge=1, le=1000, description="Samples per model, each with its own order.")
    temperature: float | None = Field(default=0.7, ge=0, le=2)
    system_prompt: str | None = None
    logprobs: bool = Field(default=False, description="Note each sample's mean token log-probability "
                           "(for a confidence-weighted vote), as generate does.")


def permutation(query: str, sample: int, n: int) -> list[int]:
    """The order sample ``sample`` shows ``n`` options in: position k shows original option
    ``order[k]``. Sample 0 keeps the original order; the others are seeded by query and sample."""
    order = list(range(n))
    if sample:
        seed = int.from_bytes(hashlib.sha256(f"{sample}\x1f{query}".encode()).digest()[:8], "big")
        random.Random(seed).shuffle(order)
    return order


def shuffled_query(query: str, context: ItemContext, order: list[int]) -> str:
    """The query with its option lines in ``order`` (relabelled A, B, C... from the top)."""
    choices, labels = context.choices or [], context.option_labels()
    listed = "\n".join(f"{label}. {choice}" for label, choice in zip(labels, choices, strict=True))
    if listed not in query:
        raise ContextMissingError(f"the query does not list its choices as '{labels[0]}. {choices[0]}' lines, one per "
                            "option in the context's order, so they cannot be shuffled")
    shown = "\n".join(f"{label}. {choices[i]}" for label, i in zip(labels, order, strict=True))
    return query.replace(listed, shown, 1)


@register
class ChoiceShuffle(Technique):
    type = "choice_shuffle"
    Spec = ChoiceShuffleSpec
    source = True
    spec: ChoiceShuffleSpec

    def max_outputs(self, n_inputs: int) -> int:
        return len(self.spec.models) * self.spec.samples

    def calls(self, n_inputs: int) -> int:
        return len(self.spec.models) * self.spec.samples

    def candidates_per_call(self, n_inputs: int) -> int:
        return 0

    def candidate_tokens(self, input_tokens: int, call_tokens: int, n_inputs: int) -> int:
        return call_tokens + 16  # the mapped answer line

    def sketch(self) -> str:
        return f"{self.spec.samples}×{'+'.join(self.spec.models)} shuffled choices"

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        s = self.spec
        context = ctx.context
        if not context.choices:
            raise ContextMissingError(f"node {ctx.node_id!r} (choice_shuffle) needs the item's choices, and this query "
                                "came without them: pass context={'choices': [...]} (archon eval and search do "
                                "for multiple-choice benchmarks)")
        labels = context.option_labels()
        params = self.sampling()
        calls, orders = [], []
        for slot, model in enumerate(s.models):
            for i in range(s.samples):
                index = slot * s.samples + i
                order = permutation(ctx.query, index, len(context.choices))
                messages = [{"role": "user", "content": shuffled_query(ctx.query, context, order)}]
                if s.system_prompt:
                    messages.insert(0, {"role": "system", "content": s.system_prompt})
                calls.append(Call(model, messages, sample_index=index, params=params, logprobs=s.logprobs))
                orders.append(order)
        results = await ctx.gather(calls)
        candidates = []
        for call, order, result in zip(calls, orders, results, strict=True):
            if result is None:
                continue
            shown = choice_letter(result.text, labels)
            original = labels[order[labels.index(shown)]] if shown is not None else None
            text = result.text if original is None else (
                f"{result.text.rstrip()}\n\n(The options were shown in another order; in the original order "
                f"this is option {original}.)\nAnswer: {original}")
            candidates.append(Candidate(text, origin=self.id, model=call.model,
                                        notes={"shown_order": "".join(labels[i] for i in order),
                                               "shown_answer": shown, "answer": original,
                                               **confidence_notes(result)}))
        return NodeOutput(self.id, tuple(candidates))


def searched_node(node_id: str, models: list[str], *, samples: int, temperature: float, prefill: str | None = None,
                  logprobs: bool = False) -> dict[str, Any]:
    """A choice_shuffle node in a generator's place (``prefill`` does not apply: it rewrites the query)."""
    node: dict[str, Any] = {"id": node_id, "type": "choice_shuffle", "models": list(models), "samples": samples,
                            "temperature": temperature}
    if logprobs:
        node["logprobs"] = True
    return node


register_role("shuffled_generator", ChoiceShuffle.type, searched_node)
