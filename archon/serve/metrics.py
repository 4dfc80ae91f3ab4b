"""Prometheus metrics of a server (prometheus-client, on a registry of its own)."""

from __future__ import annotations

from typing import Any

from archon.runtime.usage import Usage


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram

        self.content_type = CONTENT_TYPE_LATEST
        self.registry = CollectorRegistry()
        self.requests = Counter("archon_requests", "Chat completion requests, by system and HTTP status",
                                ["model", "status"], registry=self.registry)
        self.latency = Histogram("archon_request_seconds", "Time to answer a request, by system", ["model"],
                                 buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
                                 registry=self.registry)
        self.provider_calls = Counter("archon_provider_calls", "Model calls made (cache misses), by model",
                                      ["model"], registry=self.registry)
        self.failures = Counter("archon_provider_failures", "Model calls that failed for good, by model",
                                ["model"], registry=self.registry)
        self.cache_hits = Counter("archon_cache_hits", "Model calls answered from the cache, by model", ["model"],
                                  registry=self.registry)

    def request(self, model: str, status: int, latency_s: float) -> None:
        self.requests.labels(model=model, status=str(status)).inc()
        self.latency.labels(model=model).observe(latency_s)

    def usage(self, usage: Usage) -> None:
        """The provider calls, failures and cache hits of one request, by model."""
        for model, stats in usage.by_model.items():
            self.provider_calls.labels(model=model).inc(stats.calls)
            self.failures.labels(model=model).inc(stats.failures)
            self.cache_hits.labels(model=model).inc(stats.cache_hits)

    def render(self) -> Any:
        from prometheus_client import generate_latest

        return generate_latest(self.registry).decode()
