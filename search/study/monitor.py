"""What a running search is doing, for whoever watches it (``archon search``'s live view).

The search tells its monitor each step (a trial started, an item scored, a trial ended); the
monitor turns that, with the client's counters and the local engines' token counts, into a
status: the trial running and its score so far, the best so far, how the trials ended, calls
and cache hits, tokens per second of the local engine, money spent (and what the remaining
trials would cost at the per-query budget), and the time left when ``n_trials`` or
``timeout_s`` bounds the run. ``lines()`` words it; ``archon.runtime.progress.StatusView`` draws
it (in place on a terminal, as periodic plain lines in a log).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optuna.trial import FrozenTrial, TrialState

from archon.search.trial.attributes import is_duplicate, is_infeasible

if TYPE_CHECKING:
    from collections.abc import Iterable

    from archon.search.trial.evaluation import ItemOutcome


PACE_WINDOW = 10  # items: the time left is read from the pace of this sitting's last ten


@dataclass
class Running:
    """The unit of work going on: a trial, a model of the power ranking, an audit..."""

    label: str
    sketch: str
    total: int
    done: int = 0
    scores: list[float] = field(default_factory=list)
    resumed: int = 0  # items an earlier sitting finished (not in this sitting's pace)
    started: float = field(default_factory=time.monotonic)
    # When this sitting's last items finished: the pace is read from the recent ones, since the
    # first may have come from the cache in no time (a sitting restored from a recording).
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=PACE_WINDOW + 1))

    def seconds_per_item(self, now: float) -> float | None:
        fresh = self.done - self.resumed
        if fresh <= 0:
            return None
        if len(self.recent) > PACE_WINDOW:  # the last ten items, from the end of the one before
            return (now - self.recent[0]) / PACE_WINDOW
        return (now - self.started) / fresh

    @property
    def score(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None


class SearchMonitor:
    def __init__(self, *, n_trials: int | None = None, timeout_s: float | None = None,
                 max_usd_per_query: float | None = None, dev_items: int = 0, client: Any = None) -> None:
        self.n_trials = n_trials
        self.timeout_s = timeout_s
        self.max_usd_per_query = max_usd_per_query
        self.dev_items = dev_items
        self.client = client
        self.started = time.monotonic()
        self.running: Running | None = None
        self.best: tuple[int, float] | None = None
        self.ended: Counter[str] = Counter()
        self.earlier = 0  # trials an earlier sitting evaluated (counted, but not in this sitting's pace)
        self.spent_usd = 0.0
        self._lock = threading.Lock()
        self._rate: tuple[float, int] = (self.started, _local_tokens())
        self.tokens_per_s = 0.0

    # -- what the search tells it ------------------------------------------------------------------
    def start(self, label: str, total: int, sketch: str = "") -> None:
        with self._lock:
            self.running = Running(label, sketch, total)

    def item(self, score: float | None, usd: float = 0.0, *, resumed: bool = False) -> None:
        with self._lock:
            self.spent_usd += usd
            if self.running is not None:
                self.running.done += 1
                self.running.resumed += resumed
                if not resumed:
                    self.running.recent.append(time.monotonic())
                if score is not None:
                    self.running.scores.append(score)

    def outcome(self, outcome: ItemOutcome) -> None:
        """An item of the running unit scored (what it cost included)."""
        self.item(outcome.score, outcome.usd + outcome.scoring_usd)

    def resume(self, trials: Iterable[FrozenTrial]) -> None:
        """Count what an earlier sitting finished, so a resumed search shows its real progress."""
        for trial in trials:
            if trial.state.is_finished():
                self.trial_finished(trial)
        self.earlier = self.ended["evaluated"]

    def trial_finished(self, trial: FrozenTrial) -> None:
        with self._lock:
            self.running = None
            if is_infeasible(trial):
                self.ended["over budget"] += 1
            elif is_duplicate(trial):
                self.ended["repeat"] += 1
            elif trial.state == TrialState.PRUNED:
                self.ended["pruned"] += 1
                self.ended["evaluated"] += 1
            elif trial.state == TrialState.FAIL:
                self.ended["failed"] += 1
            else:
                self.ended["evaluated"] += 1
            if trial.state == TrialState.COMPLETE and trial.values and not is_infeasible(trial):
                score = trial.values[0]
                if self.best is None or score > self.best[1]:
                    self.best = (trial.number, score)

    # -- what it shows ---------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """A snapshot of everything above (rates measured since the last snapshot)."""
        now = time.monotonic()
        tokens = _local_tokens()
        then, before = self._rate
        if now - then >= 1.0:
            self.tokens_per_s = (tokens - before) / (now - then)
            self._rate = (now, tokens)
        with self._lock:
            counters = self.client.counters if self.client is not None else Counter()
            evaluated = self.ended["evaluated"]
            return {
                "elapsed_s": now - self.started,
                "running": None if self.running is None else {
                    "label": self.running.label, "sketch": self.running.sketch, "done": self.running.done,
                    "total": self.running.total, "score": self.running.score},
                "best": self.best, "ended": dict(self.ended), "n_trials": self.n_trials,
                "calls": counters.get("provider_calls", 0), "cache_hits": counters.get("cache_hits", 0),
                "tokens_per_s": self.tokens_per_s, "spent_usd": self.spent_usd,
                "remaining_usd": self._remaining_usd(evaluated), "eta_s": self._eta(now, evaluated, self.running),
            }

    def _remaining_usd(self, evaluated: int) -> float | None:
        if self.max_usd_per_query is None or self.n_trials is None:
            return None
        return max(0, self.n_trials - evaluated) * self.dev_items * self.max_usd_per_query

    def _eta(self, now: float, evaluated: int, running: Running | None) -> float | None:
        if self.n_trials is not None and evaluated >= self.n_trials:
            # The trials are done: what is left is the unit running (final evaluation, audit), at its own pace.
            pace = running.seconds_per_item(now) if running is not None else None
            if running is None or pace is None:
                return None
            return pace * max(0, running.total - running.done)
        elapsed = now - self.started
        bounds = []
        if self.timeout_s is not None:
            bounds.append(max(0.0, self.timeout_s - elapsed))
        if self.n_trials is not None and evaluated > self.earlier:
            bounds.append(elapsed / (evaluated - self.earlier) * max(0, self.n_trials - evaluated))
        return min(bounds) if bounds else None


def status_lines(status: dict[str, Any]) -> list[str]:
    """The status in words, a few short lines (the live view's content)."""
    from archon.runtime.progress import duration

    ended = status["ended"]
    n_trials = status["n_trials"]
    evaluated = ended.get("evaluated", 0)
    trials = f"trials: {evaluated}" + (f"/{n_trials}" if n_trials else "") + " evaluated"
    for key in ("pruned", "over budget", "repeat", "failed"):
        if ended.get(key):
            trials += f", {ended[key]} {key}"
    best = status["best"]
    if best is not None:
        trials += f"; best {best[1]:.3f} (trial {best[0]})"
    lines = [trials]
    running = status["running"]
    if running is not None:
        score = "" if running["score"] is None else f", score so far {running['score']:.3f}"
        lines.append(f"{running['label']}: {running['done']}/{running['total']} items{score}"
                     + (f"  {running['sketch']}" if running["sketch"] else ""))
    usage = f"calls {status['calls']}, cache hits {status['cache_hits']}"
    if status["tokens_per_s"]:
        usage += f", local {status['tokens_per_s']:.0f} tok/s"
    if status["spent_usd"] or status["remaining_usd"]:
        usage += f", spent ${status['spent_usd']:.4f}"
        if status["remaining_usd"] is not None:
            usage += f" (remaining trials up to ${status['remaining_usd']:.4f})"
    usage += f"; elapsed {duration(status['elapsed_s'])}"
    if status["eta_s"] is not None:
        usage += f", about {duration(status['eta_s'])} left"
    lines.append(usage)
    return lines


def _local_tokens() -> int:
    """Tokens the local engines of this process have decoded (0 without the local extra)."""
    try:
        from archon.local.engine import decoded_tokens
    except ImportError:
        return 0
    return decoded_tokens()
