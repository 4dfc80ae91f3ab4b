"""The summary of one eval: score with its 95% CI, failures, cost and latency."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archon.benchmarks.results import SYSTEM_FAILURE, ItemResult
from archon.benchmarks.stats import Estimate, PairedComparison, mean_ci, paired_difference, percentile
from archon.runtime.usage import UsageStats

REPORT_FILE = "report.json"


@dataclass
class EvalReport:
    benchmark: str
    system: str  # the system's name (or source)
    fingerprint: str
    estimate: Estimate  # over scored items
    items: int
    failures: int  # system errors + unscorable items
    system_errors: int  # scored 0
    unscorable: int  # left out of the score
    usage: UsageStats  # the system's calls
    scoring_usage: UsageStats  # the judge's calls, if any
    latency_p50_s: float
    latency_p95_s: float
    resumed: int = 0  # items taken from an earlier, interrupted run
    results: list[ItemResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.estimate.mean

    @property
    def ci(self) -> tuple[float, float]:
        return self.estimate.low, self.estimate.high

    @property
    def tokens(self) -> int:
        return self.usage.prompt_tokens + self.usage.completion_tokens

    def scores(self) -> dict[str, float]:
        """Item id -> score, for the items that were scored."""
        return {r.id: r.score for r in self.results if r.score is not None}

    def compare(self, other: EvalReport) -> PairedComparison:
        """``other`` minus this report, on the items both scored (a paired bootstrap)."""
        return paired_difference(self.scores(), other.scores())

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "results"}
        data["tokens"] = self.tokens
        return data

    def write(self, out_dir: Path) -> Path:
        path = out_dir / REPORT_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
        return path


def build_report(
    benchmark: str, system: str, fingerprint: str, results: list[ItemResult], resumed: int = 0
) -> EvalReport:
    usage, scoring = UsageStats(), UsageStats()
    for result in results:
        usage.merge(_stats(result.usage))
        scoring.merge(_stats(result.scoring_usage))
    # Latency of the items the system ran on (a broken record never reached it).
    latencies = [r.latency_s for r in results if r.answer is not None or r.failure == SYSTEM_FAILURE]
    scored = [r.score for r in results if r.score is not None]
    return EvalReport(
        benchmark=benchmark,
        system=system,
        fingerprint=fingerprint,
        estimate=mean_ci(scored),
        items=len(results),
        failures=sum(r.failed for r in results),
        system_errors=sum(r.failure == SYSTEM_FAILURE for r in results),
        unscorable=sum(r.score is None for r in results),
        usage=usage,
        scoring_usage=scoring,
        latency_p50_s=percentile(latencies, 50),
        latency_p95_s=percentile(latencies, 95),
        resumed=resumed,
        results=results,
    )


def _stats(data: dict[str, Any]) -> UsageStats:
    known = {k: v for k, v in data.items() if k in UsageStats.__dataclass_fields__}
    return UsageStats(**known)
