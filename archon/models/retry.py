"""Which provider failures are worth retrying, and how long to wait."""

from __future__ import annotations

import random
from dataclasses import dataclass

from archon.models import defaults

# litellm exception class names (matched by name so this module never imports litellm).
RETRYABLE = frozenset(
    {
        "Timeout",
        "TimeoutError",
        "RateLimitError",
        "InternalServerError",
        "ServiceUnavailableError",
        "APIConnectionError",
        "BadGatewayError",
    }
)


def is_retryable(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & RETRYABLE:
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = defaults.MAX_RETRIES
    base_s: float = defaults.RETRY_BASE_S
    max_s: float = defaults.RETRY_MAX_S

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter (attempt counts from 1)."""
        cap = min(self.max_s, self.base_s * (2 ** (attempt - 1)))
        return random.uniform(cap / 2, cap)
