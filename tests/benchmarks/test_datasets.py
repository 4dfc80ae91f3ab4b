"""Every built-in loader reads the real data shipped in the installed wheels."""

from __future__ import annotations

import pytest

from archon.benchmarks.benchmark import ERROR_KEY, Benchmark
from archon.benchmarks.registry import BUILTINS, available_benchmarks, get_benchmark
from archon.benchmarks.types import Item
from archon.errors import ConfigError, UnknownNameError

COUNTS = {
    "gsm8k": 1319,
    "math500": 500,
    "mmlu": 14042,
    "arc-challenge": 1172,
    "ifeval": 541,
    "arena-hard": 750,
    "alpaca-eval": 805,
    "humaneval": 164,
    "mbpp": 500,
}


@pytest.fixture(scope="module")
def loaded() -> dict[str, tuple[Benchmark, list[Item]]]:
    out = {}
    for name in COUNTS:
        benchmark = get_benchmark(name, judge_model="fake/judge")
        out[name] = (benchmark, benchmark.load())
    return out


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_counts_ids_and_no_broken_records(name: str, loaded: dict[str, tuple[Benchmark, list[Item]]]) -> None:
    benchmark, items = loaded[name]
    assert len(items) == COUNTS[name]
    assert len({item.id for item in items}) == len(items)
    assert [item.id for item in items if item.meta.get(ERROR_KEY)] == []
    assert all(item.prompt for item in items)
    # The split covers everything; the rendered prompt holds the raw input.
    dev, test = benchmark.items("dev"), benchmark.items("test")
    assert len(dev) + len(test) == len(items)
    assert items[0].prompt in next(i.prompt for i in benchmark.items("all") if i.id == items[0].id)


def test_gsm8k_gold_is_the_normalized_hash_tail(loaded: dict[str, tuple[Benchmark, list[Item]]]) -> None:
    items = {i.id: i for i in loaded["gsm8k"][1]}
    assert items["0"].reference == "18"  # Janet's ducks
    # In 14 records the "#### N" tail has thousands separators: normalized here.
    assert all("," not in i.reference for i in items.values())
    assert sum(i.reference == "65960" for i in items.values()) == 1


def test_math500_gold_comes_from_the_last_box(loaded: dict[str, tuple[Benchmark, list[Item]]]) -> None:
    items = {i.id: i for i in loaded["math500"][1]}
    # The dataset's own answer field reads "\le(3,\frac{\pi}{2}\right)" here.
    assert items["0"].reference == "\\left( 3, \\frac{\\pi}{2} \\right)"
    assert "\\boxed{}" in loaded["math500"][0].items(limit=1)[0].prompt


def test_choice_benchmarks(loaded: dict[str, tuple[Benchmark, list[Item]]]) -> None:
    mmlu = loaded["mmlu"][1]
    assert {i.meta["letters"] for i in mmlu} == {"ABCD"}
    assert {i.reference for i in mmlu} == set("ABCD")
    first = next(i for i in loaded["mmlu"][0].items("all") if i.id == "abstract_algebra/0")
    assert first.prompt.startswith("Answer this multiple-choice question about abstract algebra.")
    assert "\nB. 4" in first.prompt and first.reference == "B"
    arc = {i.id: i for i in loaded["arc-challenge"][1]}
    assert {i.meta["letters"] for i in arc.values()} == {"ABC", "ABCD", "ABCDE"}
    assert arc["Mercury_7175875"].reference == "C"
    assert arc["Mercury_7175875"].prompt.endswith("D. Planetary gravity will become stronger.")


def test_rendered_items_carry_their_context(loaded: dict[str, tuple[Benchmark, list[Item]]]) -> None:
    # What choice shuffling and routing see of an item besides its prompt.
    first = next(i for i in loaded["mmlu"][0].items("all") if i.id == "abstract_algebra/0")
    assert first.context is not None
    assert first.context.labels == "ABCD" and first.context.choices is not None and len(first.context.choices) == 4
    assert first.context.choices[1] == "4"  # "B. 4" in the prompt
    assert first.context.category == "abstract algebra" and first.context.answer_format == "choice"
    arc = next(i for i in loaded["arc-challenge"][0].items("all") if i.id == "Mercury_7175875")
    assert arc.context is not None and arc.context.choices is not None
    assert arc.context.choices[-1] == "Planetary gravity will become stronger."
    gsm = loaded["gsm8k"][0].items(limit=1)[0]
    assert gsm.context is not None and gsm.context.choices is None and gsm.context.answer_format == "number"


def test_judged_benchmarks_carry_baselines(loaded: dict[str, tuple[Benchmark, list[Item]]]) -> None:
    arena = loaded["arena-hard"][1]
    assert all(i.reference for i in arena)
    creative = [i for i in arena if i.meta["category"] == "creative_writing"]
    assert len(creative) == 250
    assert {i.meta["judge_format"] for i in creative} == {"arena-hard-creative"}
    assert {i.meta["baseline"] for i in arena} == {"o3-mini-2025-01-31", "gemini-2.0-flash-001"}
    alpaca = loaded["alpaca-eval"][1]
    assert all(i.reference and i.meta["judge_format"] == "alpaca-eval" for i in alpaca)


def test_judged_benchmark_without_a_judge_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCHON_JUDGE_MODEL", raising=False)
    benchmark = get_benchmark("arena-hard")
    with pytest.raises(ConfigError, match="pass --judge-model MODEL or set ARCHON_JUDGE_MODEL"):
        _ = benchmark.scorer
    monkeypatch.setenv("ARCHON_JUDGE_MODEL", "fake/judge")
    assert get_benchmark("alpaca-eval").scorer.name == "judge"


def test_registry() -> None:
    assert set(available_benchmarks()) == set(COUNTS) == set(BUILTINS)
    with pytest.raises(UnknownNameError) as info:
        get_benchmark("gsm8")
    assert "Did you mean 'gsm8k'?" in str(info.value)
    assert "arena-hard" in str(info.value)
    assert get_benchmark("gsm8k").description == available_benchmarks()["gsm8k"]


def test_fingerprint_changes_with_what_changes_scores() -> None:
    a, b = get_benchmark("arena-hard", judge_model="fake/a"), get_benchmark("arena-hard", judge_model="fake/b")
    assert a.fingerprint() != b.fingerprint()
    assert get_benchmark("gsm8k").fingerprint() == get_benchmark("gsm8k").fingerprint()
