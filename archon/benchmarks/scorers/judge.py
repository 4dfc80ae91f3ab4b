"""An LLM judge comparing the answer with a baseline answer (the item's reference).

Judges favour whichever answer they read first (or second) often enough to move a
win rate by several points, so every item is judged twice, once in each order, and
the two outcomes are averaged: win 1, tie 0.5, loss 0 per order. A judge reply
without a well-formed verdict in either order makes the item unscorable (a failure
with the judge's reply as the reason) rather than a silent loss or tie.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from archon.benchmarks.benchmark import render_template
from archon.benchmarks.scorers.base import unscorable
from archon.benchmarks.scorers.judge_formats import JUDGE_FORMATS, JudgeFormat, Verdict
from archon.benchmarks.types import Item, Score
from archon.errors import ArchonError
from archon.layers.answers import strip_reasoning
from archon.models.types import ModelRequest
from archon.runtime.usage import UsageStats

DEFAULT_PARAMS: dict[str, Any] = {"temperature": 0.0}
# Outcome of one game for the system under test, by verdict and by whether it was shown as A.
_POINTS: dict[tuple[Verdict, bool], float] = {
    ("A", True): 1.0,
    ("B", True): 0.0,
    ("A", False): 0.0,
    ("B", False): 1.0,
    ("tie", True): 0.5,
    ("tie", False): 0.5,
}
_WORDS = {1.0: "won", 0.5: "tied", 0.0: "lost"}


class JudgeScorer:
    name = "judge"

    def __init__(
        self,
        model: str,
        format: str | None = None,
        params: Mapping[str, Any] | None = None,
        client: Any = None,
    ) -> None:
        if not model:
            raise ValueError("the judge needs a model (a litellm model string)")
        if format is not None and format not in JUDGE_FORMATS:
            raise ValueError(f"unknown judge format {format!r}; expected one of {', '.join(JUDGE_FORMATS)}")
        self.model = model
        self.format = format  # None: the item's meta["judge_format"], else arena-hard
        self.params = {**DEFAULT_PARAMS, **dict(params or {})}
        self._client = client

    @property
    def client(self) -> Any:
        """The run's model client: the judge's calls share its cache, limits and accounting."""
        if self._client is None:
            raise ArchonError("the judge has no model client: it runs inside an eval or a search, which hand it "
                              "theirs (benchmark.scorer_for(client=...))")
        return self._client

    def with_resources(self, *, client: Any = None, sandbox: Any = None) -> JudgeScorer:
        """This judge making its calls through ``client`` (the run's cache, limits and accounting)."""
        if client is None:
            return self
        return JudgeScorer(self.model, self.format, self.params, client=client)

    def judge_format(self, item: Item) -> JudgeFormat:
        name = self.format or str(item.meta.get("judge_format") or "arena-hard")
        return JUDGE_FORMATS.get(name, JUDGE_FORMATS["arena-hard"])

    async def score(self, item: Item, answer: str) -> Score:
        if not item.reference:
            return unscorable("no baseline answer to compare with for this prompt")
        question = str(item.meta.get("question") or item.prompt)
        ours, baseline = strip_reasoning(answer), strip_reasoning(str(item.reference))
        fmt = self.judge_format(item)
        usage = UsageStats()
        try:
            replies = await asyncio.gather(
                self._ask(fmt, question, ours, baseline, usage),
                self._ask(fmt, question, baseline, ours, usage),
            )
        except ArchonError as exc:
            return unscorable(f"judge call failed: {exc}", usage=usage.to_dict())
        games: list[dict[str, Any]] = []
        points: list[float] = []
        for index, (reply, system_first) in enumerate(zip(replies, (True, False), strict=True)):
            verdict = fmt.parse(reply)
            order = "system first" if system_first else "baseline first"
            if verdict is None:
                return unscorable(
                    f"judge answered off-format ({order}); expected {fmt.expected}, got {_excerpt(reply)!r}",
                    usage=usage.to_dict(),
                    judge_replies=list(replies),
                )
            games.append({"game": index + 1, "order": order, "verdict": verdict})
            points.append(_POINTS[(verdict, system_first)])
        value = sum(points) / len(points)
        reason = (
            None
            if value >= 1.0
            else "vs baseline: "
            + ", ".join(f"{_WORDS[p]} with {g['order']}" for p, g in zip(points, games, strict=True))
        )
        return Score(value, reason, {"games": games, "usage": usage.to_dict(), "judge": self.model})

    async def _ask(self, fmt: JudgeFormat, question: str, first: str, second: str, usage: UsageStats) -> str:
        user = render_template(fmt.user_template, {"question": question, "answer_a": first, "answer_b": second})
        request = ModelRequest(
            model=self.model,
            messages=({"role": "system", "content": fmt.system}, {"role": "user", "content": user}),
            params=self.params,
        )
        try:
            completion = await self.client.complete(request)
        except ArchonError:
            usage.failures += 1
            raise
        usage.add_completion(completion)
        return strip_reasoning(completion.text)


def _excerpt(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else "..." + flat[-limit:]
