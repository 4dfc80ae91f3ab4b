"""A loaded system: ``archon.load(path).run("question")``."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from archon.config.graph import SystemGraph, check_graph
from archon.config.loading import dump_spec, system_from_dict, system_from_file, system_from_text
from archon.config.spec import SystemSpecBase
from archon.errors import ArchonError, ConfigError
from archon.layers.base import ItemContext
from archon.models.client import ModelClient
from archon.runtime.clients import CacheChoice, make_client
from archon.runtime.executor import RunResult, run_query
from archon.runtime.node_run import item_context
from archon.runtime.usage import Usage
from archon.sandbox.unit_tests import CodeRunner

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "system.schema.json"

class System:
    def __init__(self, spec: SystemSpecBase, graph: SystemGraph, source: str = "<spec>") -> None:
        self.spec = spec
        self.graph = graph
        self.source = source
        self._client: ModelClient | None = None
        self._cache: CacheChoice = True
        self._checked = False
        self.sandbox: CodeRunner | None = None  # None: the machine's default sandbox, uncached

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> System:
        """A system from a YAML or JSON file (the reference implementation's JSON format too).

        ``cache``: True for the shared on-disk cache, False for none, or a path/cache.
        ``client``: use this client (its cache and limits) instead of building one.
        ``sandbox``: where generated code runs (default: the machine's best sandbox).
        """
        return cls._made(*system_from_file(path), **options)

    @classmethod
    def from_text(cls, text: str, source: str = "<string>", **options: Any) -> System:
        """A system from YAML (or JSON) text; options as for ``from_file``."""
        return cls._made(*system_from_text(text, source), **options)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>", **options: Any) -> System:
        """A system from the dict a YAML file would hold; options as for ``from_file``."""
        return cls._made(*system_from_dict(data, source), **options)

    @classmethod
    def load(cls, source: str | Path | dict[str, Any] | SystemSpecBase, **options: Any) -> System:
        """``from_file`` for a path, ``from_dict`` for a dict, a checked copy of a SystemSpec."""
        if isinstance(source, SystemSpecBase):
            return cls._made(source, check_graph(source, "<spec>"), "<spec>", **options)
        if isinstance(source, dict):
            return cls.from_dict(source, **options)
        if isinstance(source, str) and "\n" in source:
            raise ConfigError(source.strip().splitlines()[0][:60], "", "is not a file name; to load a system "
                              "from YAML text use archon.System.from_text(text)")
        if isinstance(source, (str, Path)):
            return cls.from_file(source, **options)
        raise ConfigError("<input>", "", f"expected a file path, a mapping or a SystemSpec, got "
                          f"{type(source).__name__}")

    @classmethod
    def _made(cls, spec: SystemSpecBase, graph: SystemGraph, source: str, *, cache: CacheChoice = True,
              client: ModelClient | None = None, sandbox: CodeRunner | None = None) -> System:
        system = cls(spec, graph, source)
        system._client = client
        system._cache = cache
        system.sandbox = sandbox
        return system

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def client(self) -> ModelClient:
        if self._client is None:
            self._client = self._build_client()
        return self._client

    def _build_client(self) -> ModelClient:
        aliases = [cfg for graph in self.graph.walk() for cfg in graph.aliases.values()]
        return make_client(self.spec.runtime, aliases, self._cache)

    def fingerprint(self) -> str:
        """Hash of everything that changes answers (not the name or description)."""
        data = dump_spec(self.spec)
        for key in ("name", "description"):
            data.pop(key, None)
        data["output"] = self.graph.output  # an explicit `output:` naming the single sink changes nothing
        # A branch in another file changes answers when that file changes: its content counts too.
        branches = [dump_spec(graph.spec) for graph in list(self.graph.walk())[1:]]
        if branches:
            data["branches"] = branches
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    # -- running ---------------------------------------------------------------------------
    async def arun(self, query: str, *, context: ItemContext | Mapping[str, Any] | None = None,
                   on_token: Callable[[str], None] | None = None) -> RunResult:
        """Run one query. ``context``: the structure of the item it comes from (``ItemContext``
        or a dict: choices, labels, category, answer_format), for techniques that need it.
        ``on_token`` gets the answer's text as it is produced, where the output node's answer
        is one model call (otherwise nothing is streamed)."""
        checked = item_context(context)
        if not self._checked and not self.client.replay:  # a replay needs no model, only its recording
            self.check_models_available()
        return await run_query(self.graph, query, self.client, self.sandbox, on_token, checked)

    def check_models_available(self) -> None:
        """Fail fast, with the command to fix it, if a local model is not pulled yet
        (rather than once per call, deep inside a node)."""
        from archon.models.provider_table import provider_of

        for model in sorted({graph.resolve_model(r).model for graph in self.graph.walk()
                             for t in graph.nodes.values() for r in t.model_refs()}):
            if provider_of(model) == "local":
                from archon.errors import ModelNotAvailableError
                from archon.local.catalog import get_model_info
                from archon.local.pull import is_verified

                name = model.split("/", 1)[1]
                if not is_verified(get_model_info(name)):
                    raise ModelNotAvailableError(model, f"it is not pulled yet; run: archon models pull {name}")
        self._checked = True

    def run(self, query: str, *, context: ItemContext | Mapping[str, Any] | None = None) -> RunResult:
        result: RunResult = _run_sync(self.arun(query, context=context))
        return result

    async def arun_many(
        self, queries: Sequence[str], *, concurrency: int = 4, progress: bool = False
    ) -> list[RunResult]:
        """Run many queries, ``concurrency`` at a time; a failed query keeps its error
        in ``RunResult.error`` instead of stopping the batch."""
        semaphore = asyncio.Semaphore(max(1, concurrency))
        results: list[RunResult | None] = [None] * len(queries)
        bar = _progress_bar(progress, f"running {self.name}", len(queries))

        async def one(i: int, query: str) -> None:
            async with semaphore:
                try:
                    results[i] = await self.arun(query)
                except ArchonError as exc:
                    results[i] = RunResult(query, "", (), exc.usage or Usage(), [], 0.0, error=str(exc))
            bar.advance()

        with bar:
            await asyncio.gather(*(one(i, q) for i, q in enumerate(queries)))
        return [r for r in results if r is not None]

    def run_many(self, queries: Sequence[str], *, concurrency: int = 4, progress: bool = True) -> list[RunResult]:
        results: list[RunResult] = _run_sync(self.arun_many(queries, concurrency=concurrency, progress=progress))
        return results

    # -- export -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dump_spec(self.spec)

    def to_yaml(self, path: str | Path | None = None) -> str:
        """The system as YAML (written to ``path`` if given), with a schema line for editors
        when the file and archon's schema are in the same project (never a machine path)."""
        import yaml

        body = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        schema = schema_reference(Path(path)) if path is not None else None
        text = (f"# yaml-language-server: $schema={schema}\n" if schema else "") + body
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text


def schema_reference(path: Path) -> str | None:
    """The schema's path relative to ``path``'s folder when both lie in archon's project (the
    checkout holding the package), else None: an absolute path would name this machine."""
    project = SCHEMA_PATH.parents[2]
    target = path.resolve().parent
    if not (project / "pyproject.toml").exists() or not target.is_relative_to(project):
        return None
    return Path(os.path.relpath(SCHEMA_PATH, target)).as_posix()


def _run_sync(coro: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    coro.close()
    raise RuntimeError("an event loop is already running here: use `await system.arun(...)` instead")


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def advance(self) -> None:
        return None


class _RichBar(_NoBar):
    def __init__(self, description: str, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            transient=False,
        )
        self._task = self._progress.add_task(description, total=total)

    def __enter__(self) -> _RichBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def advance(self) -> None:
        self._progress.advance(self._task)


def _progress_bar(enabled: bool, description: str, total: int) -> _NoBar:
    return _RichBar(description, total) if enabled else _NoBar()
