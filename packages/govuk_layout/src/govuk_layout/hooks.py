"""govuk-layout's request hooks, run by one ``before_request`` and one ``after_request`` function.

Flask asks ``ensure_sync`` (``inspect.iscoroutinefunction``) about every hook on every request, about a
microsecond each, and ``init_app`` registers about a dozen. :func:`combined` puts the app-wide hooks
registered inside it into one :class:`BeforeRequest` and one :class:`AfterRequest`, in their place, which
run them as Flask would: hooks an app registers before or after ``init_app`` keep their order around
them. The hooks stay listed, in each composite's ``hooks``; :func:`unpacked` reads a list of Flask's
with them in it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask
from werkzeug.wrappers import Response


class Combined:
    """Hooks run as one of Flask's: ``hooks`` in registration order, as Flask lists them."""

    def __init__(self, hooks: Iterable[Callable[..., Any]]) -> None:
        self.hooks = list(hooks)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.hooks!r})"


class BeforeRequest(Combined):
    """A ``before_request`` function: each hook in order, stopping at the first that returns a response."""

    def __call__(self) -> Any:
        for hook in self.hooks:
            answer = hook()
            if answer is not None:
                return answer
        return None


class AfterRequest(Combined):
    """An ``after_request`` function: each hook in reverse order, each given the response the one before returned."""

    def __call__(self, response: Response) -> Response:
        for hook in reversed(self.hooks):
            response = hook(response)
        return response


def unpacked(functions: Iterable[Callable[..., Any]]) -> list[Callable[..., Any]]:
    """Flask's list of hooks (``app.before_request_funcs[None]``) with each composite's hooks in its place."""
    return [
        hook for function in functions for hook in (function.hooks if isinstance(function, Combined) else [function])
    ]


def _combine(app: Flask, functions: list[Any], start: int, composite: type[Combined]) -> None:
    added = functions[start:]
    if added:  # Flask's ensure_sync (an async hook run in a thread), once here rather than on every request
        functions[start:] = [composite(app.ensure_sync(function) for function in added)]


@contextlib.contextmanager
def combined(app: Flask) -> Iterator[None]:
    """The app-wide ``before_request`` and ``after_request`` hooks registered in the block become one of each."""
    before, after = len(app.before_request_funcs[None]), len(app.after_request_funcs[None])
    yield
    _combine(app, app.before_request_funcs[None], before, BeforeRequest)
    _combine(app, app.after_request_funcs[None], after, AfterRequest)
