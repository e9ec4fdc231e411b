"""The baseline: a bare Flask "hello", served by the same gunicorn settings as the service."""

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello() -> str:
        return "Hello, World!"

    return app
