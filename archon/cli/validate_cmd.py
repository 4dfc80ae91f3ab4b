"""`archon validate PATH...`: check any file archon reads, without calling a model or running code.

Each file is recognised by its content (or by an explicit ``kind:``): a system has
``nodes`` (or the reference implementation's ``layers``), a search ``benchmark`` and
``models``, a custom benchmark ``scorer`` and ``data`` (or ``loader``), a records file is a
list of mappings (``.jsonl``: one per line). Directories are walked. One line per file:
``ok`` with what it holds, the error, or why it was skipped; the exit code is 1 if any
file failed. A search is checked as deeply as ``archon search`` checks it before spending
anything: every model string known to litellm or to the local catalog (no key and no
weights needed), the benchmark found and its dev split non-empty, some architecture in the
space, and one within the budget.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DEFINITION_SUFFIXES = (".yaml", ".yml", ".json")
RECORDS_SUFFIX = ".jsonl"
KINDS = ("system", "search", "benchmark", "records")


def register(sub: Any) -> None:
    p = sub.add_parser("validate", help="check systems, searches, benchmarks and records files (no model is called)",
                       description="Check every file given (directories are walked): schema, graph rules, models, "
                       "budgets. Exit code 1 if any file failed.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archon.cli.output import console
    from archon.errors import ArchonError

    out, err = console(), console(stderr=True)
    failed = 0
    for path in _files([Path(p) for p in args.paths]):
        if path.suffix.lower() not in (*DEFINITION_SUFFIXES, RECORDS_SUFFIX):
            out.print(f"skipped: {path} (not a YAML, JSON or JSONL file)", markup=False)
            continue
        try:
            summary = validate_file(path)
        except ArchonError as exc:
            failed += 1
            err.print(f"error: {_one_line(str(exc))}", markup=False)
            continue
        out.print(f"ok: {path} ({summary})", markup=False)
    return 1 if failed else 0


def _files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
        else:
            yield path  # a missing file is reported by the reader, with its name


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(root).parts)


def _one_line(message: str) -> str:
    lines = [line.strip().removeprefix("- ") for line in message.splitlines() if line.strip()]
    return lines[0] if len(lines) == 1 else f"{lines[0]} {'; '.join(lines[1:])}"


def validate_file(path: Path) -> str:
    """What the file holds, in a few words; raises ArchonError for anything wrong with it."""
    from archon.config.reader import read_document

    if path.suffix.lower() == RECORDS_SUFFIX:
        return _records(path)
    doc = read_document(path, "file")
    kind = detect_kind(doc.data, str(path))
    if kind == "system":
        return _system(path)
    if kind == "search":
        return _search(path)
    if kind == "benchmark":
        return _benchmark(path)
    return _records(path)


def detect_kind(data: Any, source: str) -> str:
    from archon.errors import ConfigError

    if isinstance(data, dict) and data.get("kind") is not None:
        if data["kind"] not in KINDS[:3]:
            raise ConfigError(source, "kind", f"unknown kind {data['kind']!r}; expected one of {', '.join(KINDS[:3])}")
        return str(data["kind"])
    if isinstance(data, list):
        return "records"
    if isinstance(data, dict):
        if "nodes" in data or "layers" in data:
            return "system"
        if ("benchmark" in data and "models" in data) or "model_top_k_choices" in data:
            return "search"  # ours, or the reference implementation's ITAS format (refused with advice)
        if "scorer" in data and ("data" in data or "loader" in data):
            return "benchmark"
    raise ConfigError(source, "", "cannot tell what this file is: a system has 'nodes', a search 'benchmark' and "
                      "'models', a custom benchmark 'scorer' and 'data'; or say it with `kind: system`, "
                      "`kind: search` or `kind: benchmark`")


def _system(path: Path) -> str:
    from archon.runtime.estimate import estimate_cost
    from archon.runtime.system import System

    system = System.from_file(path, cache=False)
    _check_model_strings((system.graph.resolve_model(r).model for t in system.graph.nodes.values()
                          for r in t.model_refs()), str(path))
    cost = estimate_cost(system.graph)
    return (f"system {system.name}: {len(system.graph.nodes)} nodes, output {system.graph.output!r}, "
            f"{cost.calls} calls/query, depth {cost.depth}")


def _search(path: Path) -> str:
    from archon.search.define.budget import Budget, model_prices
    from archon.search.define.enumeration import walk
    from archon.search.define.loading import load_search_spec
    from archon.search.study import preflight

    spec, source, base = load_search_spec(path)
    aliases = spec.aliases()
    _check_model_strings((c.model for c in aliases.values()), source)
    preflight.import_plugins(spec, source)
    benchmark = preflight.resolve_benchmark(spec, base)
    items = preflight.dev_items(spec, benchmark, source)
    architectures = sum(1 for _ in walk(spec, list(spec.models), limit=1000))
    prices = model_prices(aliases.values())
    budget = Budget(spec.budget, spec.budget.query_tokens or preflight.mean_query_tokens(items), prices)
    cheapest = preflight.check_budget_fits(spec, budget, source)
    more = "+" if architectures >= 1000 else ""
    return (f"search {spec.name}: {benchmark.name} with {len(items)} dev items, {len(aliases)} models, "
            f"{architectures}{more} parameter combinations, cheapest within budget: {cheapest.calls} "
            "calls/query")


def _benchmark(path: Path) -> str:
    from archon.benchmarks.custom import load_custom_benchmark

    benchmark = load_custom_benchmark(path)
    items = benchmark.load()
    broken = sum(1 for i in items if i.meta.get("load_error"))
    return (f"benchmark {benchmark.name}: {len(items)} items ({broken} unusable), scorer {benchmark.scorer.name}, "
            f"{len(benchmark.items('dev'))} dev / {len(benchmark.items('test'))} test")


def _records(path: Path) -> str:
    from archon.benchmarks.records import read_records

    records = read_records(path)
    fields = sorted({key for record in records for key in record})
    return f"records: {len(records)}, fields {', '.join(map(str, fields[:8]))}{' ...' if len(fields) > 8 else ''}"


def _check_model_strings(models: Any, source: str) -> None:
    """Every model string names a provider litellm knows, or one of archon's own (local, fake: no key,
    no weights needed)."""
    from archon.errors import ConfigError
    from archon.models.provider_table import provider_info
    from archon.models.providers import ensure_litellm

    for model in sorted(set(models)):
        if provider_info(model) is not None:
            continue  # archon's own provider: checked with the graph (the local catalog; fake models are any name)
        litellm = ensure_litellm()
        try:
            litellm.get_llm_provider(model)
        except Exception as exc:  # litellm raises its BadRequestError for an unknown provider
            message = str(exc).splitlines()[0][:200]
            raise ConfigError(source, "models", f"model {model!r} is not one litellm knows: {message}") from None
