"""The seed-style reference: a bare GOV.UK page (govuk-frontend-jinja's template, header, footer and one
paragraph) from a plain Flask app, with none of govuk-layout's hooks (no security headers, session, limits,
CSRF, logs, metrics or compression), the way a bare Flask hello is the reference for Flask itself."""

from flask import Flask, render_template
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader


def create_app() -> Flask:
    app = Flask(__name__)
    app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
        [
            FileSystemLoader(app.root_path + "/templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )

    @app.get("/")
    def page() -> str:
        return render_template("bare.html")

    return app
