"""Memoized component macros: a repeat call is served from the cache, and the HTML is what the macro makes."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import lazy_gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import meta
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField

import govuk_layout
from govuk_layout import GovukLayout, components
from govuk_layout.testing.hostile import HOSTILE, hostile_text
from govuk_layout.widgets import GovTextInput

BUTTON = '{{ govukButton({"text": text}) }}'
# Names a component could read besides its params, if it were not pure.
REQUEST_STATE = {"_", "gettext", "ngettext", "request", "session", "g", "config", "csrf_token", "cspNonce"}


def _render(app: Flask, source: str, **context: Any) -> str:
    with app.test_request_context():
        return render_template_string(source, **context)


def _stats(app: Flask) -> tuple[int, int, int]:
    stats = govuk_layout.component_cache(app).stats()
    return stats.hits, stats.misses, stats.uncached


def _counted(app: Flask, source: str, **context: Any) -> tuple[str, tuple[int, int, int]]:
    """The HTML, and the hits, misses and uncached calls it added (a component's own imports count too)."""
    before = _stats(app)
    html = _render(app, source, **context)
    return html, tuple(after - earlier for after, earlier in zip(_stats(app), before, strict=True))  # type: ignore[return-value]


@pytest.mark.parametrize("template", sorted(components.MACROS))
def test_every_memoized_macro_reads_only_its_params(app: Flask, template: str) -> None:
    """Nothing from the request, the session or the language: so the params alone can be the key."""
    source = (files("govuk_frontend_jinja") / "templates" / template.removeprefix("govuk_frontend_jinja/")).read_text()
    names = meta.find_undeclared_variables(app.jinja_env.parse(source))
    assert not names & (set(app.jinja_env.globals) | REQUEST_STATE)
    assert "{% trans" not in source and "{%- trans" not in source


def test_every_component_is_a_global_and_an_import_gives_the_same(app: Flask) -> None:
    assert {"govukButton", "govukInput", "govukSummaryList", "govukCookieBanner"} <= set(app.jinja_env.globals)
    assert "govukAttributes" not in app.jinja_env.globals  # a helper the components import themselves
    imported = '{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}' + BUTTON
    first, _ = _counted(app, BUTTON, text="Save")
    assert _counted(app, imported, text="Save") == (first, (1, 0, 0))


def test_a_repeat_call_is_a_hit_with_the_same_html(make_app: Callable[..., Flask]) -> None:
    cached, uncached = make_app(), make_app(GOVUK_COMPONENT_CACHE_SIZE=0)
    first, counts = _counted(cached, BUTTON, text="Continue")
    assert counts[1] >= 1
    assert _counted(cached, BUTTON, text="Continue") == (first, (1, 0, 0))
    assert _render(uncached, BUTTON, text="Continue") == first
    assert 'class="govuk-button"' in first and "Continue" in first
    assert _stats(uncached)[:2] == (0, 0)
    assert govuk_layout.component_cache(uncached).stats().size == 0


def test_accessors_agree(app: Flask) -> None:
    with app.app_context():
        assert govuk_layout.component_cache() is GovukLayout.component_cache(app) is components.component_cache(app)
    assert govuk_layout.component_cache(app).stats().hit_rate == 0.0
    _render(app, BUTTON, text="Continue")
    _render(app, BUTTON, text="Continue")
    stats = govuk_layout.component_cache(app).stats()
    assert stats.hits == 1 and stats.hit_rate == 1 / (1 + stats.misses)


@pytest.mark.parametrize(
    ("one", "other"),
    [("<b>", Markup("<b>")), (True, 1), (1, 1.0), ("1", 1), ([1], (1,)), ({"a": 1, "b": 2}, {"b": 2, "a": 1})],
)
def test_keys_tell_apart_what_renders_differently(one: Any, other: Any) -> None:
    assert components.key({"text": one}) != components.key({"text": other})


def test_fixed_params_are_keyed_as_the_dict_they_hold_and_hold_no_answer() -> None:
    link = {"items": [{"href": "/q/1", "text": "Change", "visuallyHiddenText": "name"}]}
    assert components.key({"actions": components.Fixed(link)}) == components.key({"actions": link})
    assert components.key(components.Fixed(link)) != components.key(components.Fixed({"items": []}))
    with pytest.raises(components.Uncacheable):
        components.Fixed({"text": components.Answer("Ada Lovelace")})


def test_markup_and_text_each_get_their_own_html(app: Flask) -> None:
    escaped = _render(app, BUTTON, text="<b>bold</b>")
    raw = _render(app, BUTTON, text=Markup("<b>bold</b>"))
    assert "&lt;b&gt;bold&lt;/b&gt;" in escaped and "<b>bold</b>" not in escaped
    assert "<b>bold</b>" in raw


def test_a_lazy_message_is_keyed_in_the_page_language(make_app: Callable[..., Flask]) -> None:
    app = make_app(GOVUK_LANGUAGES=["en", "cy"])
    text = lazy_gettext("Continue")
    with app.test_request_context("/?lang=cy"):
        welsh = render_template_string(BUTTON, text=text)
    with app.test_request_context("/?lang=en"):
        english = render_template_string(BUTTON, text=text)
    assert "Parhau" in welsh and "Continue" in english


def test_a_caller_body_is_never_cached(app: Flask) -> None:
    page = '{% call govukFieldset({"legend": {"text": "Where"}}) %}<p>{{ body }}</p>{% endcall %}'
    first, counts = _counted(app, page, body="First")
    second, again = _counted(app, page, body="Second")
    assert "<p>First</p>" in first and "<p>Second</p>" in second
    assert counts[2] == again[2] == 1


def test_params_of_any_other_type_render_uncached(app: Flask) -> None:
    class Changing:
        def __init__(self, text: str) -> None:
            self.text = text

        def __str__(self) -> str:
            return self.text

    tag = '{{ govukTag({"text": value}) }}'
    for _ in range(2):
        html, counts = _counted(app, tag, value=Changing("When"))
        assert "When" in html and counts[2] == 1
        changed, counts = _counted(app, tag, value=Changing("Later"))
        assert "Later" in changed and counts[2] == 1
    html, counts = _counted(app, tag, value=datetime.date(2030, 1, 2))
    assert "2030-01-02" in html and counts[2] == 1


def test_per_request_values_are_part_of_the_key(app: Flask) -> None:
    """A CSRF token or a nonce in params is keyed like any value, so no page gets another's."""
    params = '{"text": "Go", "name": "csrf_token", "value": csrf_token(), "attributes": {"nonce": cspNonce}}'
    page = "{{ govukButton(" + params + ") }}"
    app.add_url_rule("/token", "token", lambda: render_template_string(page))
    pages = [client.get("/token").get_data(as_text=True) for client in (app.test_client(), app.test_client())]
    for pattern in (r'<button[^>]* value="([^"]+)"', r'<button[^>]* nonce="([^"]+)"'):
        first, second = (re.search(pattern, html) for html in pages)
        assert first and second and first[1] != second[1]


def test_the_cache_keeps_the_most_recently_used(make_app: Callable[..., Flask]) -> None:
    cache = govuk_layout.component_cache(make_app(GOVUK_COMPONENT_CACHE_SIZE=2))
    rendered: list[str] = []

    def macro(params: dict[str, str]) -> Markup:
        rendered.append(params["text"])
        return Markup("<p>{}</p>").format(params["text"])

    for text in ("one", "two", "one", "three", "one", "two"):  # "two" is the least recently used when "three" comes
        assert cache.render("macro", macro, {"text": text}) == Markup(f"<p>{text}</p>")
    assert rendered == ["one", "two", "three", "two"]
    assert cache.stats() == components.CacheStats(hits=2, misses=4, uncached=0, size=2, maxsize=2)


def test_clear_forgets_entries_and_counts(app: Flask) -> None:
    _render(app, BUTTON, text="Continue")
    govuk_layout.component_cache(app).clear()
    assert govuk_layout.component_cache(app).stats() == components.CacheStats(0, 0, 0, 0, 512)


class _Form(Form):  # type: ignore[misc]
    name = StringField("Your name", widget=GovTextInput())


def test_a_widget_renders_through_the_cache_unless_it_holds_an_answer(app: Flask) -> None:
    empty, _ = _counted(app, "{{ form.name() }}", form=_Form())
    assert 'name="name"' in empty
    assert _counted(app, "{{ form.name() }}", form=_Form()) == (empty, (1, 0, 0))
    typed, counts = _counted(app, "{{ form.name() }}", form=_Form(MultiDict([("name", "Ada Lovelace")])))
    assert 'value="Ada Lovelace"' in typed and counts[:2] == (0, 0) and counts[2] >= 1
    assert "Ada" not in repr(govuk_layout.component_cache(app)._entries)


SUMMARY = "{{ govukSummaryList(params) }}"


def _answers(values: list[str], card: bool = False) -> dict[str, Any]:
    """Summary-list params with ``values`` as answers, every other row with a change link."""
    rows = [
        {"key": {"text": f"Question {index}"}, "value": {"text": components.Answer(value)}}
        | ({"actions": {"items": [{"href": f"/q/{index}", "text": "Change"}]}} if index % 2 else {})
        for index, value in enumerate(values)
    ]
    return {"rows": rows} | ({"card": {"title": {"text": "Your answers"}}} if card else {})


def _kept(app: Flask) -> str:
    return repr(govuk_layout.component_cache(app)._entries)


def test_a_summary_list_with_fixed_keys_and_links_renders_as_with_dicts(app: Flask) -> None:
    params = _answers(["Ada Lovelace", "ada@example.com"])
    fixed = {
        "rows": [
            {name: components.Fixed(part) if name != "value" else part for name, part in row.items()}
            for row in params["rows"]
        ]
    }
    first, counts = _counted(app, SUMMARY, params=fixed)
    assert counts[1] >= 1 and "Ada Lovelace" in first
    second, again = _counted(app, SUMMARY, params=params)
    assert second == first and again[0] >= 1 and again[1] == 0  # the same entry: Fixed params key as their dicts


def test_a_summary_list_of_answers_is_kept_without_them(app: Flask) -> None:
    first, counts = _counted(app, SUMMARY, params=_answers(["Ada Lovelace", "ada@example.com"]))
    assert "Ada Lovelace" in first and counts[1] >= 1
    second, again = _counted(app, SUMMARY, params=_answers(["Grace <Hopper>", "grace@example.com"]))
    assert "Grace &lt;Hopper&gt;" in second and again[1] == 0 and again[0] >= 1
    assert second == first.replace("Ada Lovelace", "Grace &lt;Hopper&gt;").replace("ada@", "grace@")
    assert not re.search("Ada|Grace|example.com", _kept(app))


def test_an_answer_anywhere_else_renders_uncached(make_app: Callable[..., Flask]) -> None:
    app, plain = make_app(), make_app(GOVUK_COMPONENT_CACHE_SIZE=0)
    elsewhere = {"rows": [{"key": {"text": components.Answer("Ada Lovelace")}, "value": {"text": "Name"}}]}
    multiline = _answers(["Ada\nLovelace"])
    for source, params in (
        (SUMMARY, elsewhere),
        (SUMMARY, multiline),
        ("{{ govukTag(params) }}", {"text": components.Answer("Ada Lovelace")}),
    ):
        for _ in range(2):
            html, counts = _counted(app, source, params=params)
            assert "Ada" in html and counts[2] >= 1 and html == _render(plain, source, params=params)
    assert "Ada" not in _kept(app)


@pytest.fixture
def cached_and_plain(make_app: Callable[..., Flask]) -> tuple[Flask, Flask]:
    return make_app(), make_app(GOVUK_COMPONENT_CACHE_SIZE=0)


@settings(HOSTILE, max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(values=st.lists(hostile_text(80), min_size=1, max_size=4), card=st.booleans())
def test_answers_in_a_summary_list_render_exactly_as_the_macro_does(
    cached_and_plain: tuple[Flask, Flask], values: list[str], card: bool
) -> None:
    cached, plain = cached_and_plain  # one pair for every example: hypothesis reuses the fixture
    for texts in (values, values[::-1], ["Ada", *values]):
        params = _answers(texts, card)
        assert _render(cached, SUMMARY, params=params) == _render(plain, SUMMARY, params=params)
