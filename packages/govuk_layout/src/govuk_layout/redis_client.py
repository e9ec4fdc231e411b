"""One Redis per app and URL, shared by the rate limits and the session store, and the short path their
per-request calls take.

redis-py's client checks a connection out of its pool for every command: a lock, a poll of the socket
(a second ``recv``), retry, event and observability layers. Measured in process, that costs about twice
the command's own send and parse (docs/performance.md). The calls every request makes (the limit's
increment, the session's read and write) go through :meth:`SharedRedis.call` instead: the commands are
packed and sent in one write and their replies read, on connections kept in a stack and made with the
pool's own settings (address, password, TLS, timeouts; hiredis parses when installed). Rarer calls
(Retry-After, rotation, deletion) use ``.client``, an ordinary ``redis.Redis`` on the same pool.
"""

from __future__ import annotations

import os
import weakref
from collections import deque
from collections.abc import Sequence
from typing import Any

import redis
from flask import Flask

from govuk_layout import fallbacks

EXTENSION_KEY = "govuk_layout.redis"
Command = Sequence[Any]
Connection = Any  # a redis.connection.AbstractConnection, whose methods redis-py leaves untyped


class SharedRedis:
    """A ``redis.Redis`` (``.client``) and :meth:`call`, one round trip with little Python, on its settings."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(
            url, socket_connect_timeout=fallbacks.REDIS_TIMEOUT, socket_timeout=fallbacks.REDIS_TIMEOUT
        )
        # Idle connections: deque's pop and append are atomic, so worker threads share it without a lock.
        self._idle: deque[Connection] = deque()
        idle = weakref.ref(self._idle)

        def forget_in_child() -> None:  # a forked worker must not share its parent's sockets
            found = idle()
            if found is not None:
                found.clear()

        os.register_at_fork(after_in_child=forget_in_child)

    def _connection(self) -> Connection:
        pool = self.client.connection_pool
        return pool.connection_class(**pool.connection_kwargs)

    @staticmethod
    def _exchange(connection: Connection, commands: Sequence[Command]) -> list[Any]:
        try:
            connection.send_packed_command(connection.pack_commands(commands), check_health=False)
            replies, failed = [], None
            for _ in commands:  # every reply is read, so the connection stays in step
                try:
                    replies.append(connection.read_response())
                except redis.ResponseError as error:
                    replies.append(None)
                    failed = failed or error
        except BaseException:
            connection.disconnect()  # mid-exchange: what is left on the socket belongs to no one
            raise
        if failed is not None:
            raise failed
        return replies

    def call(self, *commands: Command) -> list[Any]:
        """Send ``commands`` together and return their replies: one round trip.

        Raises redis-py's errors: ``ConnectionError`` or ``TimeoutError`` when Redis cannot be reached
        within the short timeouts (after one retry when a kept connection had been dropped), and a
        command's ``ResponseError`` after every reply was read.
        """
        try:
            connection, kept = self._idle.pop(), True
        except IndexError:
            connection, kept = self._connection(), False
        try:
            replies = self._exchange(connection, commands)
        except redis.ConnectionError:
            if not kept:
                raise
            connection = self._connection()  # the kept one had been closed by the server: once more
            replies = self._exchange(connection, commands)
        self._idle.append(connection)
        return replies

    def close(self) -> None:
        """Close every idle connection and the client's pool."""
        while self._idle:
            self._idle.pop().disconnect()
        self.client.close()


def shared_redis(app: Flask, url: str) -> SharedRedis:
    """The app's one :class:`SharedRedis` for ``url``, made on first use: limits and sessions share it."""
    made: dict[str, SharedRedis] = app.extensions.setdefault(EXTENSION_KEY, {})
    if url not in made:
        made[url] = SharedRedis(url)
    return made[url]
