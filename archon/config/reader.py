"""The one reader under every file a user gives archon: systems, searches, custom benchmarks,
records, the reference implementation's JSON.

Whatever a file holds, reading it either gives a ``Document`` or raises a one-line
``ConfigError`` naming the file (and the line, where known): never another exception, never
a hang, never memory out of proportion to the file. It refuses

- a path that is missing, a directory, not a regular file (a FIFO, a device), or unreadable;
- a file over a size limit (``ARCHON_MAX_FILE_MB``, default 10 MB, for definitions;
  ``ARCHON_MAX_RECORDS_MB``, default 1024 MB, for records);
- content that is not UTF-8 text;
- nesting deeper than ``MAX_DEPTH`` (PyYAML and json recurse per level);
- YAML aliases that expand to more than ``MAX_VALUES`` values ("billion laughs"), or that
  contain themselves;
- anything the YAML or JSON parser rejects, with its line.

``.json`` files are parsed as JSON (so a JSON error says what JSON expected), everything
else as YAML (a superset of JSON).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from archon.config.locate import YamlLocator
from archon.errors import ConfigError

MAX_DEPTH = 64
MAX_VALUES = 1_000_000
DEFINITION_MB = 10
RECORDS_MB = 1024


@dataclass(frozen=True)
class Document:
    """A parsed file (or text): its data, its text, and where its lines are."""

    source: str  # the path, or "<string>"
    text: str | None
    data: Any

    @property
    def locator(self) -> YamlLocator:
        return YamlLocator(self.text)


def max_bytes(records: bool = False) -> int:
    """The size limit of a definition file or, with ``records``, of a records file."""
    name, default = ("ARCHON_MAX_RECORDS_MB", RECORDS_MB) if records else ("ARCHON_MAX_FILE_MB", DEFINITION_MB)
    raw = os.environ.get(name, "").strip()
    try:
        megabytes = float(raw) if raw else float(default)
    except ValueError:
        raise ConfigError(name, "", f"must be a number of megabytes, got {raw!r}") from None
    return int(megabytes * 1024 * 1024)


def read_text(path: Path, what: str = "file", *, limit: int | None = None) -> str:
    """The file's text, or a ConfigError naming it and what is wrong."""
    source = str(path)
    limit = max_bytes() if limit is None else limit
    try:
        if path.is_dir():
            raise ConfigError(source, "", f"is a directory; expected a {what}")
        if path.exists() and not path.is_file():  # a FIFO would block, /dev/zero never end
            raise ConfigError(source, "", f"is not a regular file; expected a {what}")
        size = path.stat().st_size
    except FileNotFoundError:
        raise ConfigError(source, "", f"{what} not found") from None
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read {what}: {exc.strerror or exc}") from None
    if size > limit:
        raise ConfigError(source, "", f"the {what} is {_size(size)}, over the {_size(limit)} limit (raise "
                          "ARCHON_MAX_FILE_MB, or ARCHON_MAX_RECORDS_MB for records)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read {what}: {exc.strerror or exc}") from None
    return decode(raw, source, what)


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n:,} bytes"


def decode(raw: bytes, source: str, what: str = "file") -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(source, "", f"the {what} is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be "
                          "decoded)", line=line) from None


def read_document(path: Path, what: str = "file") -> Document:
    """Read and parse a YAML or JSON file."""
    text = read_text(path, what)
    return Document(str(path), text, parse(text, str(path), as_json=path.suffix.lower() == ".json"))


def text_document(text: str, source: str = "<string>") -> Document:
    return Document(source, text, parse(text, source))


def parse(text: str, source: str, *, as_json: bool = False) -> Any:
    """The data of a YAML (or JSON) text, within the limits above."""
    if "\x00" in text:
        raise ConfigError(source, "", "the file holds a NUL character: it is not a text file")
    if as_json:
        return _parse_json(text, source)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    except RecursionError:
        raise ConfigError(source, "", f"nesting deeper than {MAX_DEPTH} levels") from None
    if node is None:
        return None
    _check_tree(node, source)
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    except (ValueError, OverflowError, TypeError, RecursionError) as exc:
        line = node.start_mark.line + 1
        raise ConfigError(source, "", f"invalid YAML value: {str(exc).splitlines()[0][:200]}", line=line) from None
    finally:
        loader.dispose()


def _parse_json(text: str, source: str) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(source, "", f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise ConfigError(source, "", f"nesting deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ConfigError(source, "", f"invalid JSON value: {str(exc)[:200]}") from None
    _check_depth(data, source)
    return data


def _check_tree(root: yaml.Node, source: str) -> None:
    """Refuse deep nesting, aliases that contain themselves, and alias expansions that would
    build more than MAX_VALUES values, before anything is constructed."""
    stack: list[tuple[yaml.Node, int, frozenset[int]]] = [(root, 1, frozenset())]
    values = 0
    while stack:
        node, depth, ancestors = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise ConfigError(source, "", f"the YAML expands to more than {MAX_VALUES:,} values (anchors and "
                              "aliases repeated inside each other); write the values out instead")
        if depth > MAX_DEPTH:
            raise ConfigError(source, "", f"nesting deeper than {MAX_DEPTH} levels",
                              line=node.start_mark.line + 1)
        if id(node) in ancestors:
            raise ConfigError(source, "", "a YAML alias refers to a value that contains it",
                              line=node.start_mark.line + 1)
        if isinstance(node, yaml.SequenceNode):
            inner = ancestors | {id(node)}
            stack.extend((child, depth + 1, inner) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            inner = ancestors | {id(node)}
            for key, value in node.value:
                stack.append((key, depth + 1, inner))
                stack.append((value, depth + 1, inner))


def _check_depth(data: Any, source: str) -> None:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ConfigError(source, "", f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _yaml_error(exc: yaml.YAMLError, source: str) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = mark.line + 1 if mark is not None else None
    return ConfigError(source, "", f"invalid YAML: {problem}", line=line)
