"""gunicorn's gthread worker, with the request head read by the worker's event loop instead of a thread.

gthread gives a connection to one of its threads as soon as the first bytes arrive, and the thread then
reads the rest of the head with no deadline. A client that sends one header line every few seconds so
holds a thread, and a handful of them (2 workers x 4 threads) stopped every probe and page in a pentest.
Here the event loop collects the head without blocking, alongside the kept-alive connections it already
watches, and only a complete head goes to a thread; a head not complete within ``HEAD_TIMEOUT`` seconds
closes the connection. A slow client then costs a socket and a buffer, not a thread (each worker takes
up to gunicorn's ``worker_connections`` at once).

Bodies are still read by the thread that serves the request: the Cloud Platform ingress buffers a request
body before it passes it on, so only a client on the pod network could send one slowly.

TLS, HTTP/2 and the uwsgi protocol are left to gthread as they are: they cannot be read ahead as bytes.

A request gunicorn itself refuses (a bad request line, a line or headers over its limits) never reaches
the app, so it gets no GOV.UK page and none of the app's headers. gunicorn's own answer names the bad
line or header back (HTML-escaped); this worker's names only the status, with headers that stop a
browser doing anything with it.
"""

from __future__ import annotations

import errno
import os
import selectors
import ssl
import time
from collections import deque
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.http import errors
from gunicorn.http2 import negotiation
from gunicorn.workers.gthread import ThreadWorker

# A client on the pod network (the kubelet, Prometheus) sends its head at once; the ingress does too.
HEAD_TIMEOUT = float(os.environ.get("GUNICORN_HEAD_TIMEOUT", "10"))
END_OF_HEAD = b"\r\n\r\n"
# gunicorn's statuses for what a client sent wrong; the first match wins (ParseException is the base class).
CLIENT_ERRORS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], int, str], ...] = (
    ((errors.InvalidResponseHeader, errors.InvalidResponseHeaderName, errors.ConfigurationProblem), 0, ""),
    (errors.LimitRequestLine, 414, "URI Too Long"),
    (errors.LimitRequestHeaders, 431, "Request Header Fields Too Large"),
    (errors.UnsupportedTransferCoding, 501, "Not Implemented"),
    (errors.ExpectationFailed, 417, "Expectation Failed"),
    ((errors.ForbiddenProxyRequest, ssl.SSLError), 403, "Forbidden"),
    (errors.ParseException, 400, "Bad Request"),
)
# The app's pages carry more (its CSP with nonces, HSTS...); these keep a browser from rendering, framing,
# sniffing or caching a bare error.
ERROR_HEADERS = (
    "Content-Type: text/plain; charset=utf-8",
    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options: nosniff",
    "X-Frame-Options: DENY",
    "Referrer-Policy: no-referrer",
    "Cross-Origin-Resource-Policy: same-origin",
    "Cache-Control: no-store",
    "Connection: close",
)


def error_response(status: int, reason: str) -> bytes:
    """A complete HTTP/1.1 response that says only its status."""
    body = f"{status} {reason}\n"
    head = [f"HTTP/1.1 {status} {reason}", *ERROR_HEADERS, f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode("latin-1")


class HeadReadingWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no type hints
    """gthread, except that a request's head is complete before a thread sees it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heads: deque[Any] = deque()  # connections whose head is being read, the oldest deadline first
        cfg = self.cfg
        if cfg.limit_request_line and cfg.limit_request_fields and cfg.limit_request_field_size:
            # Past this the parser refuses the head (414 or 431) without waiting for more.
            fields = cfg.limit_request_fields * (cfg.limit_request_field_size + 2)
            self.max_head = cfg.limit_request_line + 2 + fields + 2
        else:
            self.max_head = 1024 * 1024  # a limit switched off: still hand it to the parser at some point

    def _reads_ahead(self, conn: Any) -> bool:
        cfg = self.cfg
        plain = not cfg.is_ssl and not conn.is_http2 and getattr(cfg, "protocol", "http") == "http"
        return plain and not negotiation.prior_knowledge_allowed(cfg, conn.client)

    def enqueue_req(self, conn: Any) -> None:
        """Collect the head in the event loop (a new, kept-alive or pipelining connection), then queue it."""
        if not self._reads_ahead(conn):
            super().enqueue_req(conn)
            return
        # Pipelined bytes a previous request read ahead are the start of this head.
        conn.head = bytearray(conn.parser.unreader.take_buffered() if conn.parser is not None else b"")
        if self._head_complete(conn):
            self._dispatch(conn)
            return
        conn.sock.setblocking(False)
        conn.head_deadline = time.monotonic() + HEAD_TIMEOUT
        self.heads.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read_head, conn))

    def _head_complete(self, conn: Any) -> bool:
        return END_OF_HEAD in conn.head or len(conn.head) > self.max_head

    def _read_head(self, conn: Any, _sock: Any) -> None:
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as error:
            if error.errno not in (errno.ECONNRESET, errno.ENOTCONN, errno.EPIPE):
                self.log.debug("Error reading a request head: %s", error)
            data = b""
        if not data:  # the client went away
            self._forget(conn)
            self.nr_conns -= 1
            conn.close()
            return
        conn.head += data
        if self._head_complete(conn):
            self._forget(conn)
            self._dispatch(conn)

    def _forget(self, conn: Any) -> None:
        self.heads.remove(conn)
        self.poller.unregister(conn.sock)

    def _dispatch(self, conn: Any) -> None:
        """Give the connection to a thread with its head already buffered, as gthread would have read it."""
        conn.data_ready = True  # gthread would wait for a first byte otherwise
        conn.init()  # a new connection's parser; the socket is blocking again for the thread
        conn.parser.unreader.unread(bytes(conn.head))
        conn.head = bytearray()
        super().enqueue_req(conn)

    def murder_pending(self) -> None:
        """gthread's expired connections, and those whose head is not complete in time."""
        super().murder_pending()
        now = time.monotonic()
        while self.heads and self.heads[0].head_deadline <= now:
            conn = self.heads[0]
            self._forget(conn)
            self.nr_conns -= 1
            conn.close()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """A request gunicorn refuses gets its status and nothing of what was sent; anything else as gunicorn."""
        status, reason = next(((code, text) for kinds, code, text in CLIENT_ERRORS if isinstance(exc, kinds)), (0, ""))
        if not status:  # the app's fault, or no client error at all: gunicorn's 500 echoes nothing
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %r", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, error_response(status, reason))
        except OSError:
            self.log.debug("Failed to send error message.")
