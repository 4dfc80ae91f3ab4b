"""How model calls are made unless a system says otherwise, defined once.

The system schema (``archon.config.spec.RuntimeConfig``), the client (``ModelClient``) and its
retry policy (``RetryPolicy``) all take their defaults from here.
"""

from __future__ import annotations

#: Model calls in flight at once, in total.
MAX_CONCURRENCY = 16
#: Model calls in flight at once to one model (unless the model sets its own limit).
PER_MODEL_CONCURRENCY = 16
#: Seconds one call may take.
TIMEOUT_S = 300.0
#: Retries of a call that timed out or got a 429 or 5xx.
MAX_RETRIES = 4
#: The first backoff; it doubles each retry (with jitter), up to RETRY_MAX_S.
RETRY_BASE_S = 0.5
RETRY_MAX_S = 30.0
