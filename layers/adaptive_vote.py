"""adaptive_vote: self-consistency that stops sampling once the vote is decided.

Adaptive-Consistency (Aggarwal et al., 2023) and early-stopping self-consistency: sample in
rounds and, after each, ask how sure the vote is. With ``a`` samples for the leading answer
and ``b`` for the runner-up, the leader's share among the two has a Beta(a+1, b+1) posterior
(uniform prior). Two stopping rules read it:

- ``majority`` (the paper's): stop once P(share > 1/2) reaches ``confidence``: the leader is
  the model's true majority answer.
- ``final_vote``: stop once P(the leader still leads after the samples left up to
  ``max_samples``) reaches ``confidence``: the rest of a fixed ``max_samples`` vote would not
  change its outcome. It asks for less near the end (few samples left can overturn little), so
  it saves more on hard questions whose majority is never certain; the remaining samples'
  split is Beta-binomial, and every one of them is assumed to go to one of the two (the worst
  case for the leader).

Either way sampling ends at ``max_samples``. Easy questions (all samples agree) stop after a
few; hard ones get more.

Sample ``i`` of a model is exactly the call ``generate`` makes for its sample ``i`` (same
prompt, parameters and index), so the samples are the same cached calls a fixed-N vote over
that model makes: comparing the two costs only the samples fixed-N would have drawn anyway.
The static budget check prices the worst case (every model at ``max_samples``); the usage
shows what was spent. The candidates come out in vote order, the first noting how many
samples were drawn and why sampling stopped.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from math import comb, factorial
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archon.layers.answers import Extractor, extract_answer
from archon.layers.base import Call, Candidate, NodeContext, NodeInputs, NodeOutput, SamplingSpec, Technique
from archon.layers.generate import confidence_notes
from archon.layers.registry import register, register_stage
from archon.layers.searchable import FinalStage, SpaceField, StageContext, choose
from archon.layers.vote import majority_order


class AdaptiveVoteSpec(SamplingSpec):
    type: Literal["adaptive_vote"] = "adaptive_vote"
    models: list[str] = Field(min_length=1, description="Models sampled; each round samples each of them.")
    max_samples: int = Field(default=16, ge=1, le=1000, description="The most samples per model.")
    min_samples: int = Field(default=2, ge=1, description="Samples per model before the first check.")
    step: int = Field(default=1, ge=1, description="Samples per model added each round.")
    confidence: float = Field(default=0.95, gt=0.5, lt=1,
                              description="Stop when the rule's probability that the vote is decided reaches this.")
    rule: Literal["majority", "final_vote"] = Field(
        default="majority", description="'majority': P(the leader is the true majority answer); 'final_vote': "
        "P(the samples left up to max_samples would not change the vote).")
    extractor: Extractor = Field(default="last_number", description="How to pull the answer out of a sample.")
    pattern: str | None = Field(default=None, description="Regex for extractor 'regex' (group 1 is the answer).")
    temperature: float | None = Field(default=0.7, ge=0, le=2)
    system_prompt: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AdaptiveVoteSpec:
        if self.min_samples > self.max_samples:
            raise ValueError(f"`min_samples <= max_samples` must hold, but got (min_samples={self.min_samples}, "
                             f"max_samples={self.max_samples})")
        if (self.extractor == "regex") != bool(self.pattern):
            raise ValueError("extractor 'regex' needs a `pattern`, and only it uses one")
        return self


def majority_confidence(leading: int, runner_up: int) -> float:
    """P(p > 1/2) for p ~ Beta(leading + 1, runner_up + 1): how sure the leader is the majority.

    For integer parameters this is a binomial tail: sum_{j <= leading} C(n, j) / 2^n, n = leading + runner_up + 1.
    """
    n = leading + runner_up + 1
    return float(sum(comb(n, j) for j in range(leading + 1)) / 2**n)


def _beta(x: int, y: int) -> Fraction:
    """The Beta function at positive integers, exactly: (x-1)! (y-1)! / (x+y-1)!."""
    return Fraction(factorial(x - 1) * factorial(y - 1), factorial(x + y - 1))


def vote_holds(leading: int, runner_up: int, remaining: int) -> float:
    """P(the leader still strictly leads after ``remaining`` more samples), with the leader's share
    among the two ~ Beta(leading + 1, runner_up + 1) and every further sample going to one of them.

    The runner-up's gain is Beta-binomial; a tie counts as overturned (the cautious reading).
    Computed exactly, as ``majority_confidence`` is: the chance is often a round number (2 agreeing
    samples with 2 left: exactly 0.9), and in floating point it came out a hair below, so a
    threshold of 0.9 did not stop there."""
    total = sum((comb(remaining, gained) * _beta(gained + runner_up + 1, remaining - gained + leading + 1)
                 for gained in range(remaining + 1)
                 if runner_up + gained < leading + remaining - gained), Fraction(0))
    return float(total / _beta(runner_up + 1, leading + 1))


@register
class AdaptiveVote(Technique):
    type = "adaptive_vote"
    Spec = AdaptiveVoteSpec
    source = True
    spec: AdaptiveVoteSpec

    def max_outputs(self, n_inputs: int) -> int:
        return len(self.spec.models) * self.spec.max_samples

    def calls(self, n_inputs: int) -> int:
        return len(self.spec.models) * self.spec.max_samples  # the worst case: nobody agrees

    def candidates_per_call(self, n_inputs: int) -> int:
        return 0

    def candidate_tokens(self, input_tokens: int, call_tokens: int, n_inputs: int) -> int:
        return call_tokens

    def sequential_calls(self, n_inputs: int) -> int:
        s = self.spec
        return 1 + -(-(s.max_samples - s.min_samples) // s.step)  # rounds, one after another

    def sketch(self) -> str:
        rule = "" if self.spec.rule == "majority" else ", final vote"
        return f"adaptive vote ≤{self.spec.max_samples}×{'+'.join(self.spec.models)} (p≥{self.spec.confidence:g}{rule})"

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        s = self.spec
        messages = [{"role": "user", "content": ctx.query}]
        if s.system_prompt:
            messages.insert(0, {"role": "system", "content": s.system_prompt})
        params = self.sampling()
        samples: list[Candidate] = []
        answers: list[str | None] = []
        drawn, confidence, stopped = 0, 0.0, "max_samples"
        while drawn < s.max_samples:
            take = min(s.min_samples if drawn == 0 else s.step, s.max_samples - drawn)
            # As generate indexes them: a model listed twice gets its own range of samples.
            calls = [Call(model, messages, sample_index=slot * s.max_samples + i, params=params)
                     for slot, model in enumerate(s.models) for i in range(drawn, drawn + take)]
            results = await ctx.gather(calls, require_any=not samples)
            drawn += take
            for call, result in zip(calls, results, strict=True):
                if result is not None:
                    samples.append(Candidate(result.text, origin=self.id, model=call.model,
                                             notes=confidence_notes(result)))
                    answers.append(extract_answer(result.text, s.extractor, s.pattern))
            top = Counter(a for a in answers if a is not None).most_common(2)
            if top:
                leading, runner_up = top[0][1], top[1][1] if len(top) > 1 else 0
                confidence = (majority_confidence(leading, runner_up) if s.rule == "majority"
                              else vote_holds(leading, runner_up, (s.max_samples - drawn) * len(s.models)))
                if confidence >= s.confidence:
                    stopped = "confident"
                    break
        voted = majority_order(samples, answers)
        first = voted[0].with_notes(samples=len(samples), stopped=stopped, confidence=round(confidence, 4))
        return NodeOutput(self.id, (first, *voted[1:]))


class AdaptiveSpace(BaseModel):
    """The ``adaptive_vote`` final stage: sample until the vote is decided, at most ``samples``."""

    model_config = ConfigDict(extra="forbid")

    confidence: list[Annotated[float, Field(gt=0.5, lt=1)]] = Field(
        default=[0.95], min_length=1, description="Stopping confidences to choose from.")
    rule: list[Literal["majority", "final_vote"]] = Field(
        default=["majority"], min_length=1, description="Stopping rules to choose from (see adaptive_vote).")
    min_samples: int = Field(default=2, ge=1, description="Samples per model before the first check.")
    step: int = Field(default=1, ge=1, description="Samples per model added each round.")


@register_stage
class AdaptiveVoteStage(FinalStage):
    """The whole architecture: the generators sampled in rounds until their vote is decided."""

    names = ("adaptive_vote",)
    space_fields = {"adaptive": SpaceField(AdaptiveSpace, Field(default_factory=AdaptiveSpace))}

    def whole(self, name: str, ctx: StageContext, generators: list[str], samples: int,
              temperature: float) -> list[dict[str, Any]]:
        adaptive = ctx.space.adaptive
        confidence = choose(ctx.trial, "adaptive_confidence", adaptive.confidence)
        rule = choose(ctx.trial, "adaptive_rule", adaptive.rule)
        node: dict[str, Any] = {"id": "adaptive_vote", "type": AdaptiveVote.type, "models": list(generators),
                                "max_samples": samples, "min_samples": min(adaptive.min_samples, samples),
                                "step": adaptive.step, "confidence": confidence, "rule": rule,
                                "temperature": temperature}
        if ctx.space.vote_extractor:
            node["extractor"] = ctx.space.vote_extractor
        return [node]
