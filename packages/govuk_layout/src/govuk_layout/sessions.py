"""Server-side sessions: the cookie carries only a random id; what users type stays on the server.

Flask-Session does the storage (a maintained library, rather than a store of our own): Redis in
production, shared by every worker and replica; on local disk in development and in memory under
``TESTING`` when no ``REDIS_URL`` is set. On top of it this module adds:

- anonymous sessions (:class:`GovukSession`): a first visit's session, holding only the CSRF secret
  Flask-WTF keeps (derived from the id, :func:`csrf.session_token`), is never stored or looked up;
  its signed id goes out only when a page used the token, so a request that never touches the
  session costs no store call, no id and no cookie;
- an idle timeout (the store's time-to-live, renewed by every request) and an absolute lifetime;
- :func:`expired`, true when the browser presented an id whose data is gone, so services can show
  the "Your answers have been deleted" page instead of silently starting again;
- :func:`rotate_session`, a new id for the same data, for the start and the end of a journey and
  for signing in (session fixation);
- the fall back when the store is unreachable: a warning log line, a counter, and the GOV.UK 503
  page (answers cannot be read or kept safely, so nothing pretends to work).
"""

from __future__ import annotations

import datetime
import functools
import hmac
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import redis
from cachelib import FileSystemCache, SimpleCache
from flask import Flask, Request, Response, current_app, g, redirect, render_template, request, session, url_for
from flask.sessions import SessionInterface
from flask_babel import ngettext
from flask_session.base import ServerSideSession
from flask_session.cachelib import CacheLibSessionInterface
from flask_session.redis import RedisSessionInterface
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.http import dump_cookie
from werkzeug.wrappers import Response as BaseResponse

from govuk_layout import csrf, errors, fallbacks, limits, randomness
from govuk_layout.compression import add_vary
from govuk_layout.config import ConfigError
from govuk_layout.encoding import urlsafe_b64
from govuk_layout.redis_client import SharedRedis, shared_redis

# When the session's data was first stored (epoch seconds): the absolute lifetime counts from here.
STARTED_KEY = "_govuk_started"
# Keys the layout and its libraries keep in every session; a session holding only these has no answers.
BOOKKEEPING_KEYS = frozenset({STARTED_KEY, "_permanent", "_flashes", "csrf_token"})
HOST_PREFIX = "__Host-"
EXPIRED_ENDPOINT = "govuk_layout.session_expired"
P = ParamSpec("P")
R = TypeVar("R")
_STORE_ERRORS = (redis.RedisError, OSError)


def _changed(session: GovukSession) -> None:
    session.modified = session.accessed = True


class GovukSession(ServerSideSession):  # type: ignore[misc]  # Flask-Session has no types
    """Flask-Session's session, with an id made only when something needs it, and a derived CSRF token.

    An *anonymous* session is one the store has never held: its id is signed (:meth:`_GovukSessions.issue`),
    so it cannot be forged, and it is never looked up. Until it holds more than :func:`csrf.session_token`
    (what Flask-WTF keeps in it) it is never stored; when it does, it is stored under a new, unsigned id.
    So an unsigned id the store does not know is always a session that expired.
    """

    govuk_expired = False
    govuk_unavailable = False

    def __init__(
        self, interface: _GovukSessions, data: dict[str, Any], sid: str | None = None, anonymous: bool = False
    ) -> None:
        dict.__init__(self, data)
        self.on_update = _changed  # a function, not Flask-Session's closure made per session
        self.modified = self.accessed = False
        self.interface = interface
        self._sid = sid
        self.anonymous = anonymous
        self.presented = sid is not None  # the browser sent this id: it needs no cookie
        self.derived_token: str | None = None

    @property
    def sid(self) -> str:
        if self._sid is None:
            self._sid = self.interface.issue()
        return self._sid

    @sid.setter
    def sid(self, value: str) -> None:
        # Flask-Session's regenerate and rotation set a new id: the store may hold that one.
        self._sid, self.anonymous, self.presented = value, False, False

    def __contains__(self, key: object) -> bool:
        # Flask-WTF asks whether the token is there before it reads it, makes it or checks it.
        return dict.__contains__(self, key) or self._derive(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else super().get(key, default)  # csrf.token() reads it with get

    def _derive(self, key: object) -> bool:
        """Put the derived token in, if ``key`` is the token's."""
        if key != self.interface.token_field():
            return False
        self.derived_token = token = csrf.session_token(self.interface.secret(), self.sid)
        dict.__setitem__(self, key, token)  # what self[key] = token does, without its layers of Python
        _changed(self)
        return True

    def holds_data(self) -> bool:
        """Whether it holds anything but what can be made again (``_permanent``, the derived token)."""
        field = self.interface.token_field()
        key: str
        value: Any
        for key, value in dict.items(self):
            if key != "_permanent" and (key != field or value != self.derived_token):
                return True
        return False


_FRESH = {"_permanent": True}


class _GovukSessions(SessionInterface):
    """Flask-Session's interface plus anonymous sessions, the absolute lifetime, expiry detection and outages."""

    # Flask-Session's, declared for the type checker (annotations only: the library's own are used).
    sid_length: int
    _get_store_id: Callable[[str], str]
    _delete_session: Callable[[str], None]
    _retrieve_session_data: Callable[[str], dict[str, Any] | None]
    regenerate: Callable[[Any], None]
    should_set_storage: Callable[[Flask, Any], bool]

    session_class = GovukSession

    def __init__(self, app: Flask, **options: Any) -> None:
        super().__init__(app, **options)  # type: ignore[call-arg]  # Flask-Session's, next in the MRO
        self.flask_app = app  # Flask-Session's cachelib interface keeps none
        self._token_field: str | None = None
        self._cookie_parts: tuple[str, str] | None = None

    def _generate_sid(self, num_bytes: int) -> str:
        # Flask-Session's is secrets.token_urlsafe: the same, without a system call per id.
        return randomness.token_urlsafe(num_bytes)

    def token_field(self) -> str:
        """The session key Flask-WTF keeps its token under (read once: Flask-WTF sets it after sessions start)."""
        if self._token_field is None:
            self._token_field = csrf.field_name(self.flask_app.config)
        return self._token_field

    def secret(self) -> str | bytes:
        """The app's ``SECRET_KEY``: anonymous ids are signed with it, and CSRF secrets derived from it."""
        secret_key = self.flask_app.secret_key
        if not secret_key:
            raise RuntimeError(f"{self.flask_app.name} needs a SECRET_KEY for its sessions")
        return secret_key

    def _tag(self, random_part: str) -> str:
        digest = csrf.mac(csrf.derived_key(self.secret(), "session id"), random_part.encode())
        return urlsafe_b64(digest[:16]).decode()

    def issue(self) -> str:
        """A new anonymous id: random, then a signature, so only this app's ids pass :meth:`issued`."""
        random_part = self._generate_sid(self.sid_length)
        return f"{random_part}.{self._tag(random_part)}"

    def issued(self, sid: str) -> bool:
        """Whether ``sid`` is an anonymous id this app (its ``SECRET_KEY``) issued."""
        random_part, _, tag = sid.rpartition(".")
        return bool(random_part) and hmac.compare_digest(tag.encode(), self._tag(random_part).encode())

    def _fresh(self, sid: str | None = None, expired: bool = False) -> GovukSession:
        fresh = GovukSession(self, _FRESH, sid, anonymous=True)
        if expired:
            fresh.govuk_expired = True
        return fresh

    def open_session(self, app: Flask, request: Request) -> GovukSession:
        presented = None
        if "HTTP_COOKIE" in request.environ:  # no Cookie header: nothing to parse or look up
            cookies = request.cookies
            name = app.config["SESSION_COOKIE_NAME"]
            if name in cookies:  # not .get(): Werkzeug raises and catches a KeyError for a missing key
                presented = cookies[name]
        if not presented:
            return self._fresh()
        if "." in presented:  # an anonymous id: nothing to look up; one not issued here is a stale or forged id
            return self._fresh(presented) if self.issued(presented) else self._fresh(expired=True)
        try:
            data = self._retrieve_session_data(self._get_store_id(presented))
        except _STORE_ERRORS as error:
            fallbacks.store_unreachable("session", error)
            unavailable = self._fresh()
            unavailable.govuk_unavailable = True
            return unavailable
        if data is None:  # unsigned ids are only ever issued with data: this one's data was deleted
            return self._fresh(expired=True)
        opened = GovukSession(self, data, presented)
        started = opened.get(STARTED_KEY)
        if started is not None and time.time() - float(started) > app.config["GOVUK_SESSION_MAX_LIFETIME"]:
            self._delete_session(self._get_store_id(presented))
            return self._fresh(expired=True)
        return opened

    def get_expiration_time(self, app: Flask, session: Any) -> datetime.datetime | None:
        # A browser-session cookie that outlives the server's data, so an expired id can be recognised.
        return None

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        # The cookie has no expiry to refresh: it is sent again only when its id or the data changed.
        return bool(session.modified)

    def _id_cookie(self, app: Flask, sid: str) -> str:
        """The ``Set-Cookie`` value for ``sid``: Werkzeug's ``dump_cookie`` with Flask's settings, worked out once."""
        if self._cookie_parts is None:
            placeholder = "govuksessionid"  # ids are letters, digits, "-", "_" and ".": never quoted, like this
            cookie = dump_cookie(
                self.get_cookie_name(app),
                placeholder,
                expires=self.get_expiration_time(app, None),
                httponly=self.get_cookie_httponly(app),
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
            )
            head, _, tail = cookie.partition(placeholder)
            self._cookie_parts = (head, tail)
        head, tail = self._cookie_parts
        return f"{head}{sid}{tail}"

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if session.govuk_unavailable:
            return
        if not session.modified and not self.should_set_storage(app, session):
            if session.accessed:
                add_vary(response, "Cookie")
            return
        if session.anonymous:
            if not session.holds_data():
                if session._sid is not None and not session.presented:  # its token went out: the id must too
                    response.headers.add("Set-Cookie", self._id_cookie(app, session._sid))
                    add_vary(response, "Cookie")
                elif session.accessed:
                    add_vary(response, "Cookie")
                return
            session.sid = self._generate_sid(self.sid_length)  # data: under an id the store must know
            session.modified = True
        if session and set(session) - BOOKKEEPING_KEYS and STARTED_KEY not in session:
            session[STARTED_KEY] = int(time.time())
        try:
            super().save_session(app, session, response)
        except _STORE_ERRORS as error:
            fallbacks.store_unreachable("session", error)
            # Too late to raise (the response is built): it becomes the 503 page, keeping its security headers.
            page = errors.render_page(503, ServiceUnavailable(retry_after=fallbacks.RETRY_AFTER))
            response.status_code = 503
            response.set_data(page.get_data())
            response.headers.pop("Location", None)
            response.headers.pop("Set-Cookie", None)
            for name in ("Content-Type", "Retry-After"):
                response.headers[name] = page.headers[name]

    def rotate(self, current: GovukSession) -> None:
        """Give ``current`` a new id, dropping the old one from the store; the data moves with it."""
        if current.anonymous:
            if current:  # nothing was stored under its id: only the new one is needed
                current.sid = self._generate_sid(self.sid_length)
        else:
            try:
                self.regenerate(current)
            except _STORE_ERRORS as error:
                fallbacks.store_unreachable("session", error)
                current.govuk_unavailable = True
                raise ServiceUnavailable(retry_after=fallbacks.RETRY_AFTER) from error
        current.modified = True
        current.pop(STARTED_KEY, None)


class RedisSessions(_GovukSessions, RedisSessionInterface):  # type: ignore[misc]  # Flask-Session has no types
    """Sessions in Redis, with short socket timeouts, one round trip per request unless the data changed.

    Reading renews the idle timeout (GETEX, Redis 6.2+), so an unchanged session is not written back.
    Reads and writes take the short path the rate limits share (:mod:`govuk_layout.redis_client`);
    ``client``, on the same connection pool, does the rest (rotation, deletion).
    """

    serializer: Any
    client: redis.Redis

    def __init__(self, app: Flask, shared: SharedRedis, **options: Any) -> None:
        super().__init__(app, client=shared.client, **options)
        self.redis = shared
        # The idle timeout, read once (init_app set it just before): each read renews the time-to-live by it.
        self.idle_seconds = int(app.permanent_session_lifetime.total_seconds())

    def _retrieve_session_data(self, store_id: str) -> dict[str, Any] | None:
        (stored,) = self.redis.call(("GETEX", store_id, "EX", self.idle_seconds))
        return self.serializer.decode(stored) if stored else None

    def _upsert_session(self, session_lifetime: datetime.timedelta, session: Any, store_id: str) -> None:
        data = self.serializer.encode(session)
        self.redis.call(("SET", store_id, data, "EX", int(session_lifetime.total_seconds())))

    def should_set_storage(self, app: Flask, session: Any) -> bool:
        return bool(session.modified)


class CacheSessions(_GovukSessions, CacheLibSessionInterface):  # type: ignore[misc]  # Flask-Session has no types
    """Sessions in a cachelib cache: a folder on disk in development, memory under TESTING."""


def _interface(app: Flask) -> _GovukSessions:
    config = app.config
    store = config["GOVUK_SESSION_STORE"]
    if store is None:
        if config["REDIS_URL"]:
            store = "redis"
        elif app.testing:
            store = "memory"
        elif config["GOVUK_ENVIRONMENT"] == "development":
            store = "filesystem"
        else:
            raise ConfigError(
                f"{app.name} configuration is invalid: REDIS_URL (or GOVUK_SESSION_STORE) is required when "
                "GOVUK_ENVIRONMENT is production, so sessions are shared by every worker and replica"
            )
    common: dict[str, Any] = {
        "key_prefix": config.get("SESSION_KEY_PREFIX") or f"{app.import_name}:session:",
        "permanent": True,
        "sid_length": 32,  # bytes of randomness: a 43-character id
        "serialization_format": "msgpack",
    }
    if store == "redis":
        if not config["REDIS_URL"]:
            raise ConfigError(f"{app.name} configuration is invalid: GOVUK_SESSION_STORE=redis needs REDIS_URL")
        return RedisSessions(app, shared_redis(app, config["REDIS_URL"]), **common)
    if store == "memory":
        return CacheSessions(app, client=SimpleCache(threshold=10_000), **common)
    folder = Path(tempfile.gettempdir()) / f"govuk-layout-sessions-{os.getuid()}-{app.import_name}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return CacheSessions(app, client=FileSystemCache(str(folder), threshold=10_000, mode=0o600), **common)


def _cookie(app: Flask) -> None:
    name = app.config["SESSION_COOKIE_NAME"]
    # __Host- makes the browser insist on Secure, Path=/ and no Domain, so no subdomain can set or read it.
    if app.config["SESSION_COOKIE_SECURE"] and not name.startswith(HOST_PREFIX):
        if app.config.get("SESSION_COOKIE_DOMAIN"):
            raise ConfigError(f"{app.name} configuration is invalid: a __Host- session cookie cannot have a domain")
        app.config["SESSION_COOKIE_NAME"] = HOST_PREFIX + name
        app.config["SESSION_COOKIE_PATH"] = "/"


def _current() -> Any:
    """This request's session object itself, not the ``session`` proxy."""
    return session._get_current_object()  # type: ignore[attr-defined]  # typed as the session, it is a LocalProxy


def _before_request() -> BaseResponse | None:
    current = _current()  # once: each proxy lookup costs more than the checks
    unavailable, expired = getattr(current, "govuk_unavailable", False), getattr(current, "govuk_expired", False)
    if not (unavailable or expired):
        return None
    if unavailable and not limits.exempt():
        raise ServiceUnavailable(retry_after=fallbacks.RETRY_AFTER)
    # A form sent after its session expired: say what happened, rather than "this page has timed out".
    if expired and request.method == "POST" and not limits.exempt():
        return redirect(url_for(EXPIRED_ENDPOINT), code=303)
    return None


def _no_store(response: Response) -> Response:
    # Iterating keys does not mark the session accessed (which would add Vary: Cookie to every response).
    if g.get("govuk_no_store") or has_answers():
        response.headers["Cache-Control"] = "no-store"
    return response


def no_store(view: Callable[P, R]) -> Callable[P, R]:
    """Mark a view whose page shows personal data or a reference: ``Cache-Control: no-store``.

    Every response sent while the session holds answers gets it anyway; this is for pages that
    show stored data without a session, such as a status page found by reference.
    """

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        g.govuk_no_store = True
        return view(*args, **kwargs)

    return wrapper


def duration(seconds: int) -> str:
    """``1200`` -> "20 minutes", ``90`` -> "90 seconds": how long a timeout is, in words."""
    if seconds % 60 == 0:
        return str(ngettext("%(num)d minute", "%(num)d minutes", seconds // 60))
    return str(ngettext("%(num)d second", "%(num)d seconds", seconds))


def expired_page() -> str:
    """ "Your answers have been deleted": forget whatever is left, under a new id, and link to the start."""
    rotate_session()
    session.clear()
    return render_template("govuk_layout/pages/session_expired.html")


def extend() -> tuple[str, int]:
    """The timeout warning's "Continue": this request renewed the session's time-to-live; 410 if it had gone."""
    # An anonymous id the browser kept holds nothing that could time out: it is live too.
    if session_expired() or not (session or getattr(session, "presented", False)):
        return "", 410
    session.modified = True  # stored again, with a fresh time-to-live
    g.govuk_no_store = True
    return "", 204


def session_expired() -> bool:
    """True when this request presented a session id whose data was deleted (idle or too old)."""
    return bool(getattr(session, "govuk_expired", False))


def has_answers() -> bool:
    """True when the session holds anything besides the layout's own bookkeeping."""
    return not BOOKKEEPING_KEYS.issuperset(_current())


def rotate_session() -> None:
    """Give the current session a new id, keeping its data: call it when a journey starts or ends, and at sign-in.

    The old id stops working at once, so an id seen before (a shared computer, a fixation attack)
    leads nowhere. The absolute lifetime starts again with the new id.
    """
    interface = current_app.session_interface
    if not isinstance(interface, _GovukSessions):
        raise RuntimeError("rotate_session needs govuk-layout's server-side sessions (GovukLayout.init_app)")
    interface.rotate(_current())


def init_app(app: Flask) -> None:
    """Store sessions server-side, with the cookie flags, idle timeout and absolute lifetime from the config."""
    app.config["SESSION_PERMANENT"] = True
    # The store's time-to-live, renewed by every request: the idle timeout.
    app.permanent_session_lifetime = datetime.timedelta(seconds=app.config["GOVUK_SESSION_IDLE_TIMEOUT"])
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    _cookie(app)
    app.session_interface = _interface(app)
    app.add_template_filter(duration, "govuk_duration")
    app.before_request(_before_request)
    app.after_request(_no_store)
