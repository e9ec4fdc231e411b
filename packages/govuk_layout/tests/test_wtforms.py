"""govuk-frontend-wtf widgets render in any app using the layout, with a GOV.UK error summary."""

from __future__ import annotations

from flask import Flask, render_template_string
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from werkzeug.datastructures import MultiDict
from wtforms import DateField, Form, StringField
from wtforms.validators import DataRequired


class _Form(Form):  # type: ignore[misc]
    name = StringField("Your name", validators=[DataRequired("Enter your name")], widget=GovTextInput())
    born = DateField("Date of birth", format="%d %m %Y", widget=GovDateInput())


PAGE = """
{%- from "govuk_frontend_jinja/components/error-summary/macro.html" import govukErrorSummary -%}
{{ govukErrorSummary(wtforms_errors(form)) }}{{ form.name() }}{{ form.born() }}
"""


def test_widgets_and_error_summary_render(app: Flask) -> None:
    form = _Form(MultiDict([("name", ""), ("born", "31"), ("born", "2"), ("born", "2000")]))
    assert not form.validate()
    with app.test_request_context():
        html = render_template_string(PAGE, form=form)
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#name">Enter your name</a>' in html
    # A date's error links to its first input, which is what the widget names <field>-day.
    assert '<a href="#born-day">' in html
    assert 'id="born-day"' in html
    assert '<p id="name-error" class="govuk-error-message">' in html
    assert html.count("govuk-input--error") == 4  # the name, and all three parts of the date


FORM_PAGE = """
{%- extends "govuk_layout/form_page.html" -%}
{%- block title %}Your name{% endblock -%}
{%- block form_content %}<form method="post">{{ form.name() }}</form>{% endblock -%}
"""


def test_form_page_with_errors(app: Flask) -> None:
    form = _Form(MultiDict([("name", "")]))
    assert not form.validate()
    with app.test_request_context():
        html = render_template_string(FORM_PAGE, form=form, back_url="/previous")
    assert "<title>Error: Your name – Apply for a thing – GOV.UK</title>" in html
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#name">Enter your name</a>' in html
    assert 'class="govuk-back-link" href="/previous"' in html or 'href="/previous" class="govuk-back-link"' in html


def test_form_page_without_errors_or_back_link(app: Flask) -> None:
    form = _Form()
    with app.test_request_context():
        html = render_template_string(FORM_PAGE, form=form)
    assert "<title>Your name – Apply for a thing – GOV.UK</title>" in html
    assert "govuk-error-summary" not in html
    assert "govuk-back-link" not in html
    assert 'name="name"' in html
