"""Records files of custom benchmarks (JSONL, JSON or YAML lists of mappings) into items.

A file that cannot be read as records at all (bad JSON on line 7, a list item that
is not a mapping) is a ConfigError naming the file and the record. A record that is
merely missing a field becomes an item carrying the error, so one bad record costs
one failed item, with its reason in the results, not the whole run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from archon.benchmarks.benchmark import ERROR_KEY, broken_item
from archon.benchmarks.datasets._choices import LETTERS, choice_item
from archon.benchmarks.types import Item
from archon.config.reader import max_bytes, parse, read_text
from archon.errors import ConfigError

RECORD_SUFFIXES = (".jsonl", ".json", ".yaml", ".yml")


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a .jsonl/.json/.yaml/.yml file, each a mapping."""
    source = str(path)
    if path.suffix not in RECORD_SUFFIXES:
        raise ConfigError(source, "", f"unsupported records file type; expected one of {', '.join(RECORD_SUFFIXES)}")
    text = read_text(path, "records file", limit=max_bytes(records=True))
    if path.suffix == ".jsonl":
        records: list[Any] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(parse(line, source, as_json=True))
            except ConfigError as exc:
                raise ConfigError(source, f"record on line {number}", exc.message, line=number) from None
        lines = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        return _mappings(records, source, lambda i: f"record on line {lines[i]}")
    data = parse(text, source, as_json=path.suffix == ".json")
    if not isinstance(data, list):
        raise ConfigError(source, "", f"expected a list of records (mappings), got {_kind(data)}")
    return _mappings(data, source, lambda i: f"record {i + 1}")


def _mappings(records: list[Any], source: str, where: Callable[[int], str]) -> list[dict[str, Any]]:
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise ConfigError(source, where(index), f"expected a mapping of fields, got {_kind(record)}")
    return records


def records_to_items(
    records: Iterable[Mapping[str, Any]],
    *,
    source: str,
    id_field: str | None,
    input_field: str,
    answer_field: str | None,
    make_reference: Callable[[Any, Mapping[str, Any]], Any] | None = None,
    choices_field: str | None = None,
    category_field: str | None = None,
) -> list[Item]:
    """Map fields to items; ids default to the record number (1-based).

    With ``choices_field`` an item is multiple-choice as the built-in ones are: the prompt lists
    the options as lines "A. option" after the input, and the answer (a letter, an index from 0,
    or the text of an option) becomes the gold letter. ``category_field`` sets its category."""
    items: list[Item] = []
    first_seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        if id_field is None:
            item_id = str(number)
        elif record.get(id_field) in (None, ""):
            items.append(broken_item(f"record-{number}", f"record {number}: missing field {id_field!r} (the id)"))
            continue
        else:
            item_id = str(record[id_field])
        if item_id in first_seen:
            # Resuming and splitting go by id: two records with one id would be confused.
            raise ConfigError(
                source, f"record {number}", f"duplicate id {item_id!r} (first used by record {first_seen[item_id]})"
            )
        first_seen[item_id] = number
        missing = [f for f in (input_field, answer_field) if f is not None and (f not in record or record[f] is None)]
        if missing:
            fields = ", ".join(repr(f) for f in missing)
            items.append(broken_item(item_id, f"record {number}: missing field {fields}"))
            continue
        answer = record[answer_field] if answer_field is not None else None
        reference = make_reference(answer, record) if make_reference else answer
        # The other fields stay available to the template and to custom scorers.
        meta = {k: v for k, v in record.items() if k not in (input_field, answer_field, ERROR_KEY)}
        if category_field is not None and record.get(category_field) is not None:
            meta["category"] = str(record[category_field])
        if choices_field is None:
            items.append(Item(id=item_id, prompt=str(record[input_field]), reference=reference, meta=meta))
            continue
        options = record.get(choices_field)
        if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) for o in options) \
                or len(options) > len(LETTERS):
            items.append(broken_item(item_id, f"record {number}: field {choices_field!r} must be a list of 2 to "
                                     f"{len(LETTERS)} option texts, got {_kind(options)}"))
            continue
        gold = _gold_index(answer, options)
        if gold is None:
            items.append(broken_item(item_id, f"record {number}: the answer {answer!r} is not a letter, an index "
                                     "or the text of one of the options"))
            continue
        meta.pop(choices_field, None)
        items.append(choice_item(item_id, str(record[input_field]), options, gold, **meta))
    return items


def _gold_index(answer: Any, options: list[str]) -> int | None:
    """The index of the gold option: from a letter ("B"), an index (1) or the option's text."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return answer if 0 <= answer < len(options) else None
    text = str(answer).strip()
    if len(text) == 1 and text.upper() in LETTERS[: len(options)]:
        return LETTERS.index(text.upper())
    matches = [i for i, option in enumerate(options) if option.strip() == text]
    return matches[0] if len(matches) == 1 else None


def _kind(value: Any) -> str:
    return "nothing" if value is None else f"a {type(value).__name__}"
