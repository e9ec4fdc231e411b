"""What happens when Redis (the session store or the rate-limit counters) is unreachable: say so.

Each fall back writes a warning log line and adds to ``govuk_store_fallbacks_total{store=...}``, so
an outage shows on dashboards and alerts instead of passing silently. ``/readyz`` does not include
Redis: every replica shares the one Redis, so failing readiness would take every pod out of the
Service at once and users would get the ingress's bare 503 instead of the GOV.UK one, while pages that
need no session (the start page, the standard pages) would stop too.
"""

from __future__ import annotations

import functools
import logging

from flask import current_app, has_app_context
from prometheus_client import Counter

# Seconds: a Redis that accepts connections but never answers costs a request at most this per call.
REDIS_TIMEOUT = 0.25
# Seconds a user is asked to wait before trying again, on the 503 page's Retry-After.
RETRY_AFTER = 30


@functools.cache
def _counter() -> Counter:
    """Created once per process: prometheus_client refuses a second metric of the same name."""
    return Counter("govuk_store_fallbacks_total", "Times a Redis-backed store was unreachable.", ["store"])


def store_unreachable(store: str, error: BaseException | str) -> None:
    """Record one fall back of ``store`` (``session`` or ``ratelimit``): a warning line and the counter."""
    _counter().labels(store).inc()
    logger = current_app.logger if has_app_context() else logging.getLogger("govuk_layout")
    logger.warning("%s store unreachable, falling back: %s", store, error)
