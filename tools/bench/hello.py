"""The baseline: a bare Flask "hello", served by the same gunicorn settings as the service."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
