"""The start page."""

from flask import Blueprint
from werkzeug.wrappers import Response

from govuk_layout import render_page

bp = Blueprint("start", __name__)


@bp.get("/")
def index() -> Response:
    # The same for every visitor (no answers shown): rendered once per language and cookie choice.
    return render_page("start.html", reads_answers=False)
