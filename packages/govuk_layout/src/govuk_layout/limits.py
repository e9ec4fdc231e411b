"""Rate limits per client address and page, with the GOV.UK 429 page and a Retry-After header.

Counters live in memory for local development and tests, and in Redis in production so every
worker and replica shares them. Static files and the health probes are never limited.

The counting is the ``limits`` library's (the engine Flask-Limiter is built on): a fixed window
per address and endpoint. Flask-Limiter's own per-request resolution (decorators, blueprint and meta
limits, re-parsing the limit strings) cost more than the Redis call itself, for features govuk-layout
does not offer (see docs/performance.md). On Redis, the increment is a script of ours on the
``limits`` library's own key (so its window statistics, the Retry-After, still read it), sent through
the connections the session store shares (:mod:`govuk_layout.redis_client`).

An address that keeps one process busy (a flood, or an office behind one address) is counted in
batches: once it has made ``LEASE_AFTER`` requests to one endpoint in a window, each increment also
takes up to ``LEASE_MAX`` counts ahead (never more than a quarter of what the window has left), and
this process lets that many requests through without asking Redis. Every request let through was
counted in Redis first, so the limit holds across workers and replicas as before; counts taken and not
used are lost when the window ends, so such an address may be refused a little before its limit. An
address making a few requests is counted one request at a time, exactly as before.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from flask import Config, Flask, Request, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage, StorageTypes, storage_from_string
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from werkzeug.exceptions import TooManyRequests

from govuk_layout import fallbacks
from govuk_layout.redis_client import SharedRedis, shared_redis

EXTENSION_KEY = "govuk_layout.limits"
# Seconds counting stays in this process's memory after the store failed, before Redis is tried again.
RECHECK_AFTER = 30
# Requests to one endpoint from one address, in one window and this process, before counts are taken ahead.
LEASE_AFTER = 8
# The most counts one increment takes ahead: bounds what an address can lose when a window ends.
LEASE_MAX = 32
# Leases kept per process before the expired ones are dropped (each is a few hundred bytes).
LEASES_KEPT = 10_000

# KEYS[1]: the limits library's counter. ARGV: window seconds, the limit, counts wanted ahead.
# Counts this request (and any taken ahead) and returns its place in the window, the counts taken ahead
# and the window's milliseconds left. Ahead is at most a quarter of what is left, so it runs out gently.
_INCREMENT = """
local count = tonumber(redis.call('get', KEYS[1]) or '0')
local ahead = math.min(tonumber(ARGV[3]), math.max(0, math.floor((tonumber(ARGV[2]) - count - 1) / 4)))
count = redis.call('incrby', KEYS[1], 1 + ahead)
if count == 1 + ahead then
    redis.call('expire', KEYS[1], ARGV[1])
end
return {count - ahead, ahead, redis.call('pttl', KEYS[1])}
"""
_INCREMENT_SHA = hashlib.sha1(_INCREMENT.encode(), usedforsecurity=False).hexdigest()


@dataclass
class _Lease:
    """What this process knows of one address's window at one endpoint."""

    ends: float  # time.monotonic() by which the window has ended in Redis
    seen: int  # requests this process has counted in the window
    left: int = 0  # counts taken ahead and not yet used


def storage_uri(app: Flask) -> str:
    """Where counters live: the configured store, else memory locally and in tests, else Redis.

    Production without either is refused when the config is loaded (config.requirements).
    """
    config = app.config
    if config["RATELIMIT_STORAGE_URI"]:
        return str(config["RATELIMIT_STORAGE_URI"])
    if config["GOVUK_ENVIRONMENT"] == "development" or app.testing:
        return "memory://"
    return str(config["REDIS_URL"])


class RateLimits:
    """One app's limits: ``RATELIMIT_DEFAULT`` per client address and endpoint, parsed once.

    When the store fails, counting carries on in this process's memory (a warning line and
    ``govuk_store_fallbacks_total{store="ratelimit"}``), and the store is tried again after
    ``RECHECK_AFTER`` seconds, so a Redis outage never takes the service down.
    """

    def __init__(self, app: Flask) -> None:
        config = app.config
        uri = storage_uri(app)
        self.items: list[RateLimitItem] = parse_many(config["RATELIMIT_DEFAULT"])
        self.prefix = str(config["RATELIMIT_KEY_PREFIX"] or app.import_name)
        # Plain Redis (the sessions' too) is counted through the shared connections; sentinel, cluster
        # and memory through the limits library's own storage.
        self.redis: SharedRedis | None = None
        self._redis_storage: RedisStorage | None = None  # its keys and script, for the shared connections
        self.storage: StorageTypes
        if urlsplit(uri).scheme in ("redis", "rediss"):
            self.redis = shared_redis(app, uri)
            self.storage = self._redis_storage = RedisStorage(uri, connection_pool=self.redis.client.connection_pool)
        elif uri.startswith("memory:"):
            self.storage = storage_from_string(uri)
        else:
            timeouts = {"socket_connect_timeout": fallbacks.REDIS_TIMEOUT, "socket_timeout": fallbacks.REDIS_TIMEOUT}
            self.storage = storage_from_string(uri, **timeouts)
        self.limiter: RateLimiter = FixedWindowRateLimiter(self.storage)
        self._fallback = FixedWindowRateLimiter(MemoryStorage())
        self._store_failed_at: float | None = None
        self._leases: dict[tuple[object, ...], _Lease] = {}  # by limit and identifiers
        self._lock = threading.Lock()

    def _current(self) -> RateLimiter:
        if self._store_failed_at is None:
            return self.limiter
        if time.monotonic() - self._store_failed_at < RECHECK_AFTER:
            return self._fallback
        self._store_failed_at = None  # time to try the store again
        return self.limiter

    def _hit_redis(
        self, shared: SharedRedis, storage: RedisStorage, item: RateLimitItem, identifiers: tuple[str, ...]
    ) -> bool:
        """FixedWindowRateLimiter.hit on its storage's key, from counts taken ahead when this address has some."""
        local = (id(item), *identifiers)
        started = time.monotonic()
        with self._lock:
            lease = self._leases.get(local)
            if lease is not None and lease.ends > started:
                lease.seen += 1
                if lease.left:
                    lease.left -= 1
                    return True
                seen = lease.seen
            else:
                seen = 1
        wanted = min(LEASE_MAX, seen // 2) if seen >= LEASE_AFTER else 0
        key = storage.prefixed_key(item.key_for(self.prefix, *identifiers))
        arguments = (1, key, item.get_expiry(), item.amount, wanted)
        try:
            ((place, ahead, left_ms),) = shared.call(("EVALSHA", _INCREMENT_SHA, *arguments))
        except redis.exceptions.NoScriptError:  # a restarted or new Redis: EVAL loads the script again
            ((place, ahead, left_ms),) = shared.call(("EVAL", _INCREMENT, *arguments))
        if left_ms > 0:
            self._keep(local, started + left_ms / 1000, seen, int(ahead))
        return int(place) <= item.amount

    def _keep(self, local: tuple[object, ...], ends: float, seen: int, ahead: int) -> None:
        with self._lock:
            lease = self._leases.get(local)
            # The same window (windows are 1 s or longer): another thread's counts ahead add up.
            if lease is not None and abs(lease.ends - ends) < 0.5:
                lease.left += ahead
                return
            if len(self._leases) >= LEASES_KEPT:
                now = time.monotonic()
                self._leases = {key: kept for key, kept in self._leases.items() if kept.ends > now}
                # Many addresses at once: start again, losing only counts taken ahead.
                if len(self._leases) >= LEASES_KEPT // 2:
                    self._leases = {}
            self._leases[local] = _Lease(ends, seen, ahead)

    def hit(self, *identifiers: str) -> RateLimitItem | None:
        """Count one request against every limit; the first one it breaches, or None."""
        for item in self.items:
            limiter = self._current()
            try:
                if limiter is self.limiter and self.redis is not None and self._redis_storage is not None:
                    allowed = self._hit_redis(self.redis, self._redis_storage, item, identifiers)
                else:
                    allowed = limiter.hit(item, self.prefix, *identifiers)
            except Exception as error:  # the store failed (redis-py's errors and OSError among others)
                fallbacks.store_unreachable("ratelimit", error)
                self._store_failed_at = time.monotonic()
                allowed = self._fallback.hit(item, self.prefix, *identifiers)
            if not allowed:
                return item
        return None

    def retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        """Whole seconds until ``item``'s window for ``identifiers`` resets (at most the window's length)."""
        try:
            reset = self._current().get_window_stats(item, self.prefix, *identifiers).reset_time
            seconds = min(math.ceil(reset - time.time()), item.get_expiry())
        except Exception:  # the store failed after the breach: the window's length is a safe upper bound
            current_app.logger.warning("rate limit store unreachable while computing Retry-After")
            seconds = item.get_expiry()
        return max(1, seconds)

    def limit(self, *identifiers: str) -> None:
        """Raise the 429 (with Retry-After) when this request breaches a limit counted under ``identifiers``."""
        breached = self.hit(*identifiers)
        if breached is not None:
            raise TooManyRequests(retry_after=self.retry_after(breached, *identifiers))


def get_limiter(app: Flask) -> RateLimits:
    """The app's limits (``.storage`` is the ``limits`` storage, ``.limiter`` the strategy); limits must be on."""
    limits: RateLimits = app.extensions[EXTENSION_KEY]
    return limits


def exempt() -> bool:
    """Whether this request is for a blueprint left out of limits (the probes): sessions leave it alone too."""
    return _exempt(current_app.config, request._get_current_object())  # type: ignore[attr-defined]


def _exempt(config: Config, current: Request) -> bool:
    names = config["GOVUK_RATELIMIT_EXEMPT_BLUEPRINTS"]
    return any(name in names for name in current.blueprints)


def check_limit() -> None:
    """A ``before_request`` hook: count every request (unrouted ones, 404 and 405, too) but the exempt ones."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # each proxy looked up once
    current = request._get_current_object()  # type: ignore[attr-defined]
    if not _exempt(app.config, current):
        get_limiter(app).limit(current.remote_addr or "127.0.0.1", current.endpoint or "unrouted")


def init_app(app: Flask) -> None:
    """Limit every request by client address (``RATELIMIT_DEFAULT``), unless turned off (by default under TESTING)."""
    if app.config["RATELIMIT_ENABLED"] is None:
        app.config["RATELIMIT_ENABLED"] = not app.testing
    if not app.config["RATELIMIT_ENABLED"]:
        return
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app)
    app.config["RATELIMIT_KEY_PREFIX"] = app.config["RATELIMIT_KEY_PREFIX"] or app.import_name
    app.extensions[EXTENSION_KEY] = RateLimits(app)
    app.before_request(check_limit)
