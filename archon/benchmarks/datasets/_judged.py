"""What the LLM-judged benchmarks share: choosing the judge model."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

from archon.benchmarks.benchmark import Benchmark
from archon.benchmarks.scorers.judge import JudgeScorer
from archon.benchmarks.types import Item
from archon.errors import ConfigError

JUDGE_ENV = "ARCHON_JUDGE_MODEL"


def resolve_judge_model(judge_model: str | None) -> str | None:
    return judge_model or os.environ.get(JUDGE_ENV) or None


def judge_model_or_error(benchmark: str, judge_model: str | None) -> str:
    """The judge model given, else $ARCHON_JUDGE_MODEL; there is no silent default,
    since the judge decides the score and a remote default would cost money."""
    model = resolve_judge_model(judge_model)
    if not model:
        raise ConfigError(
            benchmark,
            "judge_model",
            f"this benchmark is scored by an LLM judge: pass --judge-model MODEL or set {JUDGE_ENV}",
        )
    return model


def judge_factory(benchmark: str, judge_model: str | None) -> JudgeScorer:
    return JudgeScorer(model=judge_model_or_error(benchmark, judge_model))


def judged_benchmark(name: str, load: Callable[[], list[Item]], data: str, judge_model: str | None) -> Benchmark:
    """A pairwise LLM-judged benchmark: the prompt as is, scored by ``judge_model``."""
    judge_model = resolve_judge_model(judge_model)
    return Benchmark(
        name,
        load,
        functools.partial(judge_factory, name, judge_model),
        "{input}",
        identity={"data": data, "judge": judge_model},
    )
