from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from archon.benchmarks.benchmark import ERROR_KEY
from archon.benchmarks.registry import get_benchmark
from archon.benchmarks.types import Item
from archon.errors import ArchonError, ConfigError

RECORDS = [
    {"qid": "a", "question": "2+2?", "gold": "4", "topic": "sums"},
    {"qid": "b", "question": "3*3?", "gold": "9", "topic": "products"},
]


def write(tmp_path: Path, definition: str, records: Any = RECORDS, records_name: str = "data.jsonl") -> Path:
    data = tmp_path / records_name
    if isinstance(records, str):
        data.write_text(records)
    elif records_name.endswith(".jsonl"):
        data.write_text("".join(json.dumps(r) + "\n" for r in records))
    else:
        data.write_text(json.dumps(records))
    path = tmp_path / "bench.yaml"
    path.write_text(textwrap.dedent(definition).lstrip())
    return path


VALID = """
    name: arithmetic
    data: data.jsonl
    fields: {id: qid, input: question, answer: gold}
    template: "Topic {topic}. {input} Put the answer in \\\\boxed{}."
    scorer: numeric
"""


def error_text(tmp_path: Path, definition: str, **kwargs: Any) -> str:
    with pytest.raises(ArchonError) as info:
        get_benchmark(str(write(tmp_path, definition, **kwargs))).load()
    return str(info.value)


def test_a_valid_definition(tmp_path: Path) -> None:
    benchmark = get_benchmark(str(write(tmp_path, VALID)))
    assert benchmark.name == "arithmetic" and benchmark.scorer.name == "numeric"
    items = {i.id: i for i in benchmark.items("all")}
    assert items["a"].prompt == "Topic sums. 2+2? Put the answer in \\boxed{}."
    assert items["a"].reference == "4"
    assert asyncio.run(benchmark.scorer.score(items["b"], "It is 9.")).correct


def test_yaml_records_default_fields_and_record_number_ids(tmp_path: Path) -> None:
    records = tmp_path / "records.yaml"
    records.write_text("- {input: 'Capital of France?', answer: Paris}\n- {input: 'Capital of Italy?', answer: Rome}\n")
    definition = tmp_path / "capitals.yml"
    definition.write_text("name: capitals\ndata: records.yaml\nscorer: exact\n")
    items = get_benchmark(str(definition)).load()
    assert [(i.id, i.prompt, i.reference) for i in items] == [
        ("1", "Capital of France?", "Paris"),
        ("2", "Capital of Italy?", "Rome"),
    ]


def make_records(count: int = 3) -> list[dict[str, Any]]:
    return [{"input": f"q{i}", "answer": str(i)} for i in range(count)]


def make_items() -> list[Item]:
    return [Item(id="only", prompt="p", reference="1")]


def test_python_loader_by_import_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
        name: generated
        loader: "{__name__}:make_records"
        loader_options: {{count: 4}}
        scorer: exact
    """,
    )
    assert [i.reference for i in get_benchmark(str(path)).load()] == ["0", "1", "2", "3"]
    path.write_text(f'name: g\nloader: "{__name__}:make_items"\nscorer: exact\n')
    assert [i.id for i in get_benchmark(str(path)).load()] == ["only"]


def test_a_record_missing_a_field_becomes_a_failed_item(tmp_path: Path) -> None:
    records = [*RECORDS, {"qid": "c", "question": "1+1?"}, {"question": "no id", "gold": "1"}]
    items = {i.id: i for i in get_benchmark(str(write(tmp_path, VALID, records=records))).items("all")}
    assert len(items) == 4
    assert items["c"].meta[ERROR_KEY] == "record 3: missing field 'gold'"
    assert items["record-4"].meta[ERROR_KEY] == "record 4: missing field 'qid' (the id)"
    assert not items["a"].meta.get(ERROR_KEY)


def test_a_template_field_missing_from_a_record_fails_that_item(tmp_path: Path) -> None:
    records = [RECORDS[0], {"qid": "b", "question": "3*3?", "gold": "9"}]
    items = {i.id: i for i in get_benchmark(str(write(tmp_path, VALID, records=records))).items("all")}
    assert items["b"].meta[ERROR_KEY] == "the prompt template uses {topic}, which this record does not have"


# -- malformed definitions: each error names the file, the key (and line) and what was expected --


def test_unknown_key_names_the_line_and_the_allowed_keys(tmp_path: Path) -> None:
    text = error_text(tmp_path, VALID + "    scorer_option: {}\n")
    assert text.startswith(f"{tmp_path / 'bench.yaml'}:6: scorer_option: unknown key 'scorer_option'; allowed keys:")
    assert "scorer_options" in text


def test_missing_scorer_and_unknown_field_key(tmp_path: Path) -> None:
    text = error_text(
        tmp_path,
        """
        name: x
        data: data.jsonl
        fields: {inputs: question}
    """,
    )
    assert "2 problems" in text
    assert ("bench.yaml:3: fields.inputs: unknown key 'inputs'; allowed keys: answer, category, choices, id, "
            "input") in text
    assert "bench.yaml:1: scorer: missing required key 'scorer'" in text


def test_unknown_scorer_suggests_the_closest(tmp_path: Path) -> None:
    text = error_text(tmp_path, VALID.replace("scorer: numeric", "scorer: numerc"))
    assert "bench.yaml:5: scorer: scorer 'numerc' is not known. Did you mean 'numeric'?" in text


def test_data_and_loader_are_exclusive(tmp_path: Path) -> None:
    text = error_text(tmp_path, VALID + "    loader: 'x:y'\n")
    assert "give exactly one of 'data' (a records file) or 'loader' (an import path)" in text


def test_missing_records_file(tmp_path: Path) -> None:
    text = error_text(tmp_path, VALID.replace("data.jsonl", "nope.jsonl"))
    assert text.startswith(f"{tmp_path / 'bench.yaml'}:2: data: records file not found: ")
    assert text.endswith("nope.jsonl")


def test_invalid_yaml_and_wrong_types(tmp_path: Path) -> None:
    assert "bench.yaml:3: invalid YAML: expected ',' or ']'" in error_text(tmp_path, "name: x\ndata: [unclosed\n")
    text = error_text(tmp_path, VALID + "    dev_fraction: 2\n")
    assert "bench.yaml:6: dev_fraction: Input should be less than or equal to 1 (got 2)" in text
    assert "expected a mapping with 'name'" in error_text(tmp_path, "- just\n- a list\n")


def test_bad_scorer_options(tmp_path: Path) -> None:
    text = error_text(tmp_path, VALID.replace("scorer: numeric", "scorer: regex"))
    assert "bench.yaml:5: scorer_options: scorer 'regex' needs the option 'pattern'" in text
    text = error_text(tmp_path, VALID + "    scorer_options: {tolerance: 1}\n")
    assert (
        "bench.yaml:6: scorer_options.tolerance: unknown option for scorer 'numeric'; allowed: rel_tol, abs_tol" in text
    )


def test_judge_scorer_needs_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCHON_JUDGE_MODEL", raising=False)
    text = error_text(tmp_path, VALID.replace("scorer: numeric", "scorer: judge"))
    assert "scorer_options.model: the judge scorer needs a model" in text
    path = write(tmp_path, VALID.replace("scorer: numeric", "scorer: judge"))
    assert get_benchmark(str(path), judge_model="fake/judge").scorer.name == "judge"


def test_unreadable_records_name_the_record(tmp_path: Path) -> None:
    bad_line = json.dumps(RECORDS[0]) + "\n\n{not json}\n"
    with pytest.raises(ConfigError) as info:
        get_benchmark(str(write(tmp_path, VALID, records=bad_line))).load()
    assert (
        str(info.value) == f"{tmp_path / 'data.jsonl'}:3: record on line 3: invalid JSON: "
        "Expecting property name enclosed in double quotes"
    )
    with pytest.raises(ConfigError, match=r"record 2: expected a mapping of fields, got a str"):
        get_benchmark(
            str(
                write(
                    tmp_path,
                    VALID.replace("data.jsonl", "data.json"),
                    records=[RECORDS[0], "x"],
                    records_name="data.json",
                )
            )
        ).load()
    duplicate = [RECORDS[0], RECORDS[0]]
    with pytest.raises(ConfigError, match=r"record 2: duplicate id 'a' \(first used by record 1\)"):
        get_benchmark(str(write(tmp_path, VALID, records=duplicate))).load()


def test_loader_errors(tmp_path: Path) -> None:
    text = error_text(tmp_path, "name: x\nloader: 'no_such_module_xyz:f'\nscorer: exact\n")
    assert "bench.yaml:2: loader: cannot import 'no_such_module_xyz'" in text
    text = error_text(
        tmp_path, f"name: x\nloader: '{__name__}:make_records'\nloader_options: {{bad: 1}}\nscorer: exact\n"
    )
    assert "loader: " in text and "raised TypeError" in text


CHOICES = """
    name: quiz
    data: data.jsonl
    fields: {id: qid, input: question, answer: gold, choices: options, category: topic}
    scorer: choice
"""


def test_a_choices_field_makes_multiple_choice_items_with_context(tmp_path: Path) -> None:
    records = [
        {"qid": "a", "question": "2+2?", "options": ["3", "4", "5"], "gold": "B", "topic": "sums"},
        {"qid": "b", "question": "3*3?", "options": ["9", "6"], "gold": 0, "topic": "products"},
        {"qid": "c", "question": "1+1?", "options": ["1", "2"], "gold": "2", "topic": "sums"},
        {"qid": "d", "question": "5-5?", "options": ["0", "1"], "gold": "zero"},
        {"qid": "e", "question": "?", "options": "not a list", "gold": "A"},
    ]
    benchmark = get_benchmark(str(write(tmp_path, CHOICES, records=records)))
    items = {i.id: i for i in benchmark.items("all")}
    # The gold may be a letter, an index from 0 or the text of an option; it becomes a letter.
    assert [items[k].reference for k in "abc"] == ["B", "A", "B"]
    assert "2+2?" in items["a"].prompt and "\nA. 3\nB. 4\nC. 5" in items["a"].prompt
    context = items["a"].context
    assert context is not None and context.choices == ["3", "4", "5"] and context.labels == "ABC"
    assert context.category == "sums" and context.answer_format == "choice"
    assert "is not a letter, an index or the text of one of the options" in items["d"].meta[ERROR_KEY]
    assert "must be a list of 2 to" in items["e"].meta[ERROR_KEY]
    assert asyncio.run(benchmark.scorer.score(items["a"], "The answer is B.")).correct
