"""Rate limits per client address, with the GOV.UK 429 page and a Retry-After header.

Counters live in memory for local development and tests, and in Redis in
production so every worker and replica shares them. Static files and the
health probes are never limited.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from govuk_layout import fallbacks


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


def _exempt() -> bool:
    exempt = current_app.config["GOVUK_RATELIMIT_EXEMPT_BLUEPRINTS"]
    return any(name in exempt for name in request.blueprints)


def _retry_after(response: Response) -> Response:
    if response.status_code != 429 or "Retry-After" in response.headers:
        return response
    breached = get_limiter(current_app).current_limit
    seconds = 60
    if breached is not None:
        try:
            seconds = min(math.ceil(breached.reset_at - time.time()), breached.limit.get_expiry())
        except Exception:  # the store failed after the breach: the window's length is a safe upper bound
            current_app.logger.warning("rate limit store unreachable while computing Retry-After")
            seconds = breached.limit.get_expiry()
    response.headers["Retry-After"] = str(max(1, seconds))
    return response


def _limit_unrouted() -> None:
    """Flask-Limiter skips requests no view matched (404, 405): count them against the default limit too."""
    if request.routing_exception is None:
        return
    config = current_app.config
    try:
        for item in parse_many(config["RATELIMIT_DEFAULT"]):
            if not get_limiter(current_app).limiter.hit(
                item, config["RATELIMIT_KEY_PREFIX"], "unrouted", get_remote_address()
            ):
                raise TooManyRequests(retry_after=item.get_expiry())
    except TooManyRequests:
        raise
    except Exception as error:  # the store failed: Flask-Limiter's own fallback covers the routed pages
        fallbacks.store_unreachable("ratelimit", error)


def get_limiter(app: Flask) -> Limiter:
    """The app's Limiter, for per-view limits: ``get_limiter(app).limit("5 per minute")(view)``."""
    limiter: Limiter = next(iter(app.extensions["limiter"]))
    return limiter


def init_app(app: Flask) -> None:
    """Limit every view by client address (``RATELIMIT_DEFAULT``), unless turned off (by default under TESTING)."""
    if app.config["RATELIMIT_ENABLED"] is None:
        app.config["RATELIMIT_ENABLED"] = not app.testing
    if not app.config["RATELIMIT_ENABLED"]:
        return
    uri = storage_uri(app)
    app.config["RATELIMIT_STORAGE_URI"] = uri
    app.config["RATELIMIT_KEY_PREFIX"] = app.config["RATELIMIT_KEY_PREFIX"] or app.import_name
    # Redis down must not mean the service is down: count in memory until it is back.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    if not uri.startswith("memory:"):
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_connect_timeout": fallbacks.REDIS_TIMEOUT, "socket_timeout": fallbacks.REDIS_TIMEOUT},
        )
    fallbacks.watch_limiter()
    limiter = Limiter(get_remote_address, app=app)
    limiter.request_filter(_exempt)
    app.before_request(_limit_unrouted)
    app.after_request(_retry_after)
