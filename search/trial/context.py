"""What every part of one search process shares: the spec, the data, the client, the budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from archon.benchmarks.benchmark import Benchmark
from archon.benchmarks.types import Item, Scorer
from archon.models.client import ModelClient
from archon.runtime.system import System
from archon.sandbox.unit_tests import CodeRunner
from archon.search.define.budget import Budget, Price
from archon.search.define.spec import SearchSpec
from archon.search.study.monitor import SearchMonitor


@dataclass
class SearchContext:
    spec: SearchSpec
    source: str  # where the spec came from (a file path, "<dict>"...)
    benchmark: Benchmark
    dev_items: list[Item]
    client: ModelClient  # one client, one response cache (in the run directory) for every trial
    budget: Budget
    prices: dict[str, Price] = field(default_factory=dict)
    run_dir: Path = Path(".")
    #: What the search is doing, for a live view (the CLI draws it; nobody has to).
    monitor: SearchMonitor = field(default_factory=SearchMonitor)
    #: Where generated code runs: one store of executions (in the run directory) for every trial.
    sandbox: CodeRunner | None = None
    #: Trials that the recorded run lost midway and queued again (a replay fails them too).
    interrupted: frozenset[int] = frozenset()

    def load_system(self, data: dict[str, Any]) -> System:
        """A system of this search: it shares the search's client (cache, limits) and sandbox."""
        return System.load(data, client=self.client, sandbox=self.sandbox)

    @cached_property
    def scorer(self) -> Scorer:
        """The benchmark's scorer, with its judge calls and code runs going through this search's."""
        return self.benchmark.scorer_for(client=self.client, sandbox=self.sandbox)
