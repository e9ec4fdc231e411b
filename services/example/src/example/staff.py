"""The staff side: Operations Engineering lists requests and approves or rejects them.

Every view needs a signed-in member of staff (govuk-layout's staff sign-in); until
``GOVUK_OIDC_ISSUER`` is set these pages do not exist (404).
"""

from __future__ import annotations

import datetime
import math
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from example import forms, journey, submissions
from example.model import (
    APPROVED,
    REJECTED,
    STATUSES,
    AccessRequest,
    Decision,
    normalise_reference,
    organisation_name,
    status_name,
)
from example.repository import AlreadyDecided, StoreUnavailable
from govuk_layout.auth import current_user, protect_blueprint
from govuk_layout.i18n import UK_TIME_ZONE, govuk_date

PAGE_SIZE = 20
UK = ZoneInfo(UK_TIME_ZONE)
# The ?status= filter: its value in the URL -> the stored status (empty: every status).
FILTERS = {"": None, **{status.lower(): status for status in STATUSES}}
TAG_COLOURS = {"Received": "govuk-tag--blue", APPROVED: "govuk-tag--green", REJECTED: "govuk-tag--red"}

bp = protect_blueprint(Blueprint("staff", __name__, url_prefix="/staff"))


@bp.app_template_filter("uk_datetime")
def uk_datetime(moment: datetime.datetime) -> str:
    """GOV.UK style, in UK time and the page's language: 29 November 2026 at 8:15pm."""
    local = moment.astimezone(UK)
    hour, minute = local.hour % 12 or 12, local.minute
    if local.hour < 12:
        time = gettext("%(hour)d:%(minute)02dam", hour=hour, minute=minute)
    else:
        time = gettext("%(hour)d:%(minute)02dpm", hour=hour, minute=minute)
    return str(gettext("%(date)s at %(time)s", date=govuk_date(local.date()), time=time))


bp.add_app_template_filter(organisation_name)
bp.add_app_template_global(status_name)


@bp.app_template_global()
def status_tag(status: str) -> dict[str, str]:
    """govukTag params for a request's status."""
    return {"text": str(status_name(status)), "classes": TAG_COLOURS.get(status, "govuk-tag--grey")}


def _store_down(error: StoreUnavailable) -> ServiceUnavailable:
    current_app.logger.warning("staff: store unavailable: %s", error)
    return ServiceUnavailable()


def pagination(page: int, pages: int, href: Any) -> dict[str, Any]:
    """govukPagination params: first, last, and the pages either side of this one, with ellipses between."""
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    for number in shown:
        if items and number - items[-1].get("number", number) > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page})
    params: dict[str, Any] = {"items": items}
    if page > 1:
        params["previous"] = {"href": href(page - 1)}
    if page < pages:
        params["next"] = {"href": href(page + 1)}
    return params


@bp.get("")
def index() -> str:
    status_filter = request.args.get("status", "")
    if status_filter not in FILTERS:
        abort(400)
    page = request.args.get("page", "1")
    if not page.isascii() or not page.isdigit() or int(page) < 1:
        abort(400)
    try:
        everything = submissions.current_store().all_requests()
    except StoreUnavailable as error:
        raise _store_down(error) from error
    wanted = FILTERS[status_filter]
    matching = sorted(
        (found for found in everything if wanted is None or found.status == wanted),
        key=lambda found: (found.submitted_at, found.reference),
        reverse=True,
    )
    pages = max(1, math.ceil(len(matching) / PAGE_SIZE))
    number = int(page)
    if number > pages:
        abort(404)
    shown = matching[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]

    def href(n: int) -> str:
        return url_for("staff.index", status=status_filter or None, page=n if n > 1 else None)

    return render_template(
        "staff/index.html",
        requests_=shown,
        total=len(matching),
        status_filter=status_filter,
        status_options=[
            {
                "value": key,
                "text": status_name(value) if value else gettext("All statuses"),
                "selected": key == status_filter,
            }
            for key, value in FILTERS.items()
        ],
        pagination=pagination(number, pages, href) if pages > 1 else None,
        first=(number - 1) * PAGE_SIZE + 1,
    )


def _find(reference: str) -> AccessRequest:
    if normalise_reference(reference) != reference:
        abort(404)
    try:
        found = submissions.current_store().get(reference)
    except StoreUnavailable as error:
        raise _store_down(error) from error
    if found is None:
        abort(404)
    return found


@bp.route("/requests/<reference>", methods=["GET", "POST"])
def detail(reference: str) -> Response | tuple[str, int]:
    found = _find(reference)
    form = forms.DecisionForm()
    status, already_decided = 200, None
    if found.decision is None and form.validate_on_submit():
        user = current_user()
        assert user is not None  # the blueprint's guard saw to it
        outcome = APPROVED if form.decision.data == "approve" else REJECTED
        decision = Decision(
            outcome=outcome,
            by=user.name,
            by_sub=user.sub,
            at=datetime.datetime.now(datetime.UTC).replace(microsecond=0),
            reason=form.reason.data if outcome == REJECTED else None,
        )
        try:
            submissions.current_store().decide(found.reference, decision)
        except StoreUnavailable as error:
            raise _store_down(error) from error
        except AlreadyDecided as taken:
            found = taken.request or found
            status, already_decided = 409, _already_decided(found)
        else:
            current_app.logger.info("decided", extra={"reference": found.reference, "outcome": outcome})
            if outcome == APPROVED:
                flash(gettext("You approved request %(reference)s", reference=found.reference))
            else:
                flash(gettext("You rejected request %(reference)s", reference=found.reference))
            return redirect(url_for("staff.detail", reference=found.reference))
    elif request.method == "POST":
        if found.decision is not None:
            status, already_decided = 409, _already_decided(found)
        else:
            status = 400
    answer_rows = journey.current().rows(found)
    page = render_template(
        "staff/detail.html", request_=found, form=form, already_decided=already_decided, answer_rows=answer_rows
    )
    return page, status


def _already_decided(found: AccessRequest) -> str:
    decision = found.decision
    if decision is None:
        return str(gettext("This request has already been decided"))
    when = uk_datetime(decision.at)
    if decision.outcome == APPROVED:
        return str(gettext("This request was already approved by %(name)s on %(when)s", name=decision.by, when=when))
    return str(gettext("This request was already rejected by %(name)s on %(when)s", name=decision.by, when=when))
