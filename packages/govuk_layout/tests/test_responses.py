"""The app's responses go out with exactly Werkzeug's headers, without its copy when that changes nothing."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from govuk_layout import GovukLayout
from govuk_layout.responses import HeadersAsSent, header_list
from govuk_layout.testing import TEST_CONFIG


def _stream() -> Iterator[bytes]:
    yield b"one"
    yield b"two"


# Each builds a response of the app's class; Werkzeug's own get_wsgi_headers gives what must be sent.
RESPONSES: dict[str, Callable[[type[Response]], Response]] = {
    "page": lambda cls: cls(
        "<p>Hello</p>", mimetype="text/html", headers={"Vary": "Cookie", "X-Frame-Options": "DENY"}
    ),
    "not found": lambda cls: cls("Page not found", status=404),
    "relative redirect": lambda cls: cls("", status=302, headers={"Location": "/start?step=2"}),
    "redirect to an IRI": lambda cls: cls("", status=303, headers={"Location": "https://example.gov.uk/café"}),
    "content location": lambda cls: cls("x", headers={"Content-Location": "/café"}),
    "no content": lambda cls: cls(b"", status=204),
    "not modified": lambda cls: cls("x", status=304, headers={"ETag": '"a"', "Content-Encoding": "gzip"}),
    "streamed, no length": lambda cls: cls(_stream()),
    "length removed": lambda cls: _without_length(cls("four")),
    "header name in capitals": lambda cls: cls("", status=302, headers={"LOCATION": "/next"}),
}


def _without_length(response: Response) -> Response:
    del response.headers["Content-Length"]
    return response


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("name", RESPONSES)
def test_the_headers_sent_are_werkzeugs(app: Flask, name: str, method: str) -> None:
    environ = EnvironBuilder(path="/a/b", base_url="https://service.justice.gov.uk/", method=method).get_environ()
    response = RESPONSES[name](app.response_class)
    expected = Response.get_wsgi_headers(response, environ).to_wsgi_list()
    assert response.get_wsgi_headers(environ).to_wsgi_list() == expected
    assert response.get_wsgi_response(environ)[2] == expected


def test_a_plain_page_is_sent_with_its_own_headers_not_a_copy(app: Flask) -> None:
    environ = EnvironBuilder(path="/").get_environ()
    page = RESPONSES["page"](app.response_class)
    assert page.get_wsgi_headers(environ) is page.headers
    redirect = RESPONSES["relative redirect"](app.response_class)
    assert redirect.get_wsgi_headers(environ) is not redirect.headers  # its Location encoded in Werkzeug's copy


def test_an_apps_own_response_class_is_left_as_it_is() -> None:
    class Mine(Response):
        default_mimetype = "text/plain"

    app = Flask("own_class")
    app.response_class = Mine
    app.config.update(TEST_CONFIG, GOVUK_SERVICE_NAME="Fish", GOVUK_CONTACT_EMAIL="a@justice.gov.uk")
    GovukLayout(app)
    assert app.response_class is Mine


def test_a_response_still_pickles(app: Flask) -> None:
    """Flask-Caching, for one, pickles the responses it keeps."""
    kept = pickle.loads(pickle.dumps(app.response_class("<p>Hello</p>", status=201, headers={"X-Kept": "yes"})))
    assert isinstance(kept, HeadersAsSent)
    assert (kept.status_code, kept.get_data(), kept.headers["X-Kept"]) == (201, b"<p>Hello</p>", "yes")


def test_werkzeug_still_keeps_the_header_list_the_package_appends_to() -> None:
    """Security headers, Vary and a cached page's gzip are written into this list unchecked: a Werkzeug that keeps
    no such list sends every page the checked, slower way, and this says so."""
    headers = Headers([("Content-Type", "text/html")])
    listed = header_list(headers)
    assert listed is not None
    listed.append(("Vary", "Cookie"))
    assert headers.to_wsgi_list() == [("Content-Type", "text/html"), ("Vary", "Cookie")]
