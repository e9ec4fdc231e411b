"""The service under the bench: its own app, plus one tiny view so the floor of the pipeline shows.

``create_app("example")`` is the service's ``create_app()`` with ``FLOOR_PATH`` added: a 13-byte text
response that passes every hook the service's pages do (request id, security headers and CSP nonce,
rate limit, input checks, session, CSRF, request log, metrics, compression) and renders nothing.
"""

import importlib

from flask import Flask

FLOOR_PATH = "/bench-floor"


def create_app(service: str) -> Flask:
    app: Flask = importlib.import_module(service).create_app()
    app.add_url_rule(FLOOR_PATH, "bench_floor", lambda: "Hello, World!")
    return app
