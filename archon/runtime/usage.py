"""Cost accounting: calls, cache hits, failures, tokens, USD and latency.

Recorded per node and per model for each query, and summed over many queries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from archon.models.types import Completion


@dataclass
class UsageStats:
    calls: int = 0  # provider calls actually made (cache misses)
    cache_hits: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0  # summed call latency (not wall time)
    truncated: int = 0  # completions cut off at max_tokens (cached ones included)

    @property
    def requests(self) -> int:
        """Calls the system asked for, whether served by the provider or the cache."""
        return self.calls + self.cache_hits

    def add_completion(self, completion: Completion) -> None:
        if completion.cached:
            self.cache_hits += 1
        else:
            self.calls += 1
            self.cost_usd += completion.cost_usd
            self.latency_s += completion.latency_s
        # Tokens are counted either way: they are what the architecture consumes.
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.truncated += completion.truncated

    def merge(self, other: UsageStats) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Usage:
    total: UsageStats = field(default_factory=UsageStats)
    by_node: dict[str, UsageStats] = field(default_factory=dict)
    by_model: dict[str, UsageStats] = field(default_factory=dict)

    def record(self, node: str, model: str, completion: Completion) -> None:
        for stats in self._targets(node, model):
            stats.add_completion(completion)

    def record_failure(self, node: str, model: str) -> None:
        for stats in self._targets(node, model):
            stats.failures += 1

    def _targets(self, node: str, model: str) -> tuple[UsageStats, ...]:
        return (
            self.total,
            self.by_node.setdefault(node, UsageStats()),
            self.by_model.setdefault(model, UsageStats()),
        )

    def merge(self, other: Usage) -> None:
        self.total.merge(other.total)
        for mine, theirs in ((self.by_node, other.by_node), (self.by_model, other.by_model)):
            for name, stats in theirs.items():
                mine.setdefault(name, UsageStats()).merge(stats)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total.to_dict(),
            "by_node": {k: v.to_dict() for k, v in self.by_node.items()},
            "by_model": {k: v.to_dict() for k, v in self.by_model.items()},
        }
