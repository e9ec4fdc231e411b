"""Serve the installed govuk-frontend files in front of Flask, with WhiteNoise.

Fingerprinted copies (listed in the builder's manifest) are cached by browsers for a
year; their ``.br``/``.gz`` variants were written at build time, so nothing is
compressed per request. Plain names stay available, revalidated hourly, for links
that do not go through :meth:`StaticAssets.url` (the web manifest's icons, old pages).

They carry the pages' security headers, HSTS only over https, and no
Access-Control-Allow-Origin (WhiteNoise's default is ``*``): the pages load them from
their own origin, and no other site's CORS request may read them. Cross-Origin-Resource-Policy
does not cover those, and GDS Transport is licensed for GOV.UK services only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from wsgiref.headers import Headers

from flask import Flask, current_app
from whitenoise import WhiteNoise

from govuk_layout import assets, security

EXTENSION_KEY = "govuk_layout.static"
IMMUTABLE = "public, max-age=31536000, immutable"
PLAIN_MAX_AGE = 3600

WSGIApp = Callable[..., Any]


class UnknownAsset(LookupError):
    """``asset_url()`` was given a name that no installed govuk-frontend file has."""


class StaticAssets:
    """One app's asset directory and URL prefix, its manifest, and the WSGI middleware serving them."""

    def __init__(
        self,
        directory: Path,
        url_path: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
        autorefresh: bool = False,
        strict: bool = False,
    ) -> None:
        self.directory = directory
        self.strict = strict  # an unknown name raises instead of becoming a URL that answers 404
        self.prefix = url_path.rstrip("/") + "/"
        self.manifest = assets.load_manifest(directory)
        headers = dict(extra_headers or {})
        self.extra_headers = {name: value for name, value in headers.items() if name not in security.HTTPS_ONLY}
        self.https_headers = [(name, value) for name, value in headers.items() if name in security.HTTPS_ONLY]
        self.autorefresh = autorefresh
        self._immutable = {self.prefix + hashed for hashed in self.manifest.values()}

    def path(self, filename: str) -> str:
        """The URL path of a runtime file, fingerprinted when the manifest knows it.

        When strict (development and tests) a name that is not an installed file raises :class:`UnknownAsset`.
        """
        hashed = self.manifest.get(filename)
        if hashed is None and self.strict and self.directory.is_dir() and not self._installed(filename):
            raise UnknownAsset(
                f"asset_url({filename!r}): govuk-frontend has no such file in {self.directory} "
                "(names look like 'govuk-frontend.min.css' or 'images/favicon.svg')"
            )
        return self.prefix + (hashed or filename)

    def _installed(self, filename: str) -> bool:
        candidate = (self.directory / filename).resolve()
        return candidate.is_relative_to(self.directory.resolve()) and candidate.is_file()

    def is_immutable(self, _path: str, url: str) -> bool:
        return url in self._immutable

    def _add_headers(self, headers: Headers, path: str, url: str) -> None:
        if self.is_immutable(path, url):
            headers["Cache-Control"] = IMMUTABLE
        for name, value in self.extra_headers.items():
            headers[name] = value

    def wrap(self, application: WSGIApp) -> WhiteNoise:
        """WSGI middleware answering the asset URLs itself and passing everything else to ``application``."""
        middleware = _WhiteNoise(
            application,
            self.https_headers,
            allow_all_origins=False,
            autorefresh=self.autorefresh,
            max_age=PLAIN_MAX_AGE,
            immutable_file_test=self.is_immutable,
            add_headers_function=self._add_headers,
        )
        if self.autorefresh or self.directory.is_dir():  # not installed yet: Flask's static route answers 404
            middleware.add_files(str(self.directory), prefix=self.prefix)
        return middleware


class _WhiteNoise(WhiteNoise):  # type: ignore[misc]  # WhiteNoise has no type hints
    """WhiteNoise, adding per request the headers that only an https response may carry."""

    def __init__(self, application: WSGIApp, https_headers: Sequence[tuple[str, str]], **options: Any) -> None:
        super().__init__(application, **options)
        self.https_headers = list(https_headers)

    def serve(self, static_file: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.https_headers and security.over_https(environ):
            start_response = partial(_with_headers, start_response, self.https_headers)
        return WhiteNoise.serve(static_file, environ, start_response)


def _with_headers(
    start_response: Callable[..., Any], extra: list[tuple[str, str]], status: str, headers: list[Any], *exc_info: Any
) -> Any:
    return start_response(status, headers + extra, *exc_info)


def register(app: Flask, directory: Path, url_path: str, *, extra_headers: Mapping[str, str] | None = None) -> None:
    """Serve ``directory`` at ``url_path`` in front of ``app``; development rescans it on every request."""
    static_assets = StaticAssets(
        directory,
        url_path,
        extra_headers=extra_headers,
        autorefresh=app.config.get("GOVUK_ENVIRONMENT") == "development",
        strict=app.config.get("GOVUK_ENVIRONMENT") == "development" or app.testing,
    )
    app.wsgi_app = static_assets.wrap(app.wsgi_app)  # type: ignore[method-assign]
    app.extensions[EXTENSION_KEY] = static_assets


def asset_path(filename: str) -> str:
    """The current app's URL path for a runtime file."""
    static_assets: StaticAssets = current_app.extensions[EXTENSION_KEY]
    return static_assets.path(filename)
