"""Rate limits per client address and page, with the GOV.UK 429 page and a Retry-After header.

Counters live in memory for local development and tests, and in Redis in production so every
worker and replica shares them. Static files and the health probes are never limited.

The counting is the ``limits`` library's (the engine Flask-Limiter is built on): a fixed window
per address and endpoint, one storage call a request. Flask-Limiter's own per-request resolution
(decorators, blueprint and meta limits, re-parsing the limit strings) cost more than the Redis
call itself, for features govuk-layout does not offer (see docs/performance.md). On Redis, the
increment is the ``limits`` library's own script on its own key, sent through the connections the
session store shares (:mod:`govuk_layout.redis_client`): its storage and script objects, and redis-py's
client under them, cost about three times the round trip's own CPU.
"""

from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

import redis
from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage, StorageTypes, storage_from_string
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from werkzeug.exceptions import TooManyRequests

from govuk_layout import fallbacks
from govuk_layout.redis_client import SharedRedis, shared_redis

EXTENSION_KEY = "govuk_layout.limits"
# Seconds counting stays in this process's memory after the store failed, before Redis is tried again.
RECHECK_AFTER = 30


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

    def _current(self) -> RateLimiter:
        if self._store_failed_at is None:
            return self.limiter
        if time.monotonic() - self._store_failed_at < RECHECK_AFTER:
            return self._fallback
        self._store_failed_at = None  # time to try the store again
        return self.limiter

    @staticmethod
    def _hit_redis(shared: SharedRedis, storage: RedisStorage, item: RateLimitItem, key: str) -> bool:
        """FixedWindowRateLimiter.hit's increment (its storage's key and script), in one round trip."""
        key = storage.prefixed_key(key)
        script = storage.lua_incr_expire
        try:
            (count,) = shared.call(("EVALSHA", script.sha, 1, key, item.get_expiry(), 1))
        except redis.exceptions.NoScriptError:  # a restarted or new Redis: EVAL loads the script again
            (count,) = shared.call(("EVAL", script.script, 1, key, item.get_expiry(), 1))
        return int(count) <= item.amount

    def hit(self, *identifiers: str) -> RateLimitItem | None:
        """Count one request against every limit; the first one it breaches, or None."""
        for item in self.items:
            limiter = self._current()
            try:
                if limiter is self.limiter and self.redis is not None and self._redis_storage is not None:
                    key = item.key_for(self.prefix, *identifiers)
                    allowed = self._hit_redis(self.redis, self._redis_storage, item, key)
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
    names = current_app.config["GOVUK_RATELIMIT_EXEMPT_BLUEPRINTS"]
    return any(name in names for name in request.blueprints)


def _client() -> str:
    return request.remote_addr or "127.0.0.1"


def check_limit() -> None:
    """A ``before_request`` hook: count every request (unrouted ones, 404 and 405, too) but the exempt ones."""
    if exempt():
        return
    get_limiter(current_app).limit(_client(), request.endpoint or "unrouted")


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
