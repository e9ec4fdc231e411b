"""gettext catalogues of a package or service: extract, update, compile and check them, with Babel.

A catalogue root is the Python package folder (``src/<name>``): its ``.py`` files and ``templates/``
are scanned, and ``translations/<language>/LC_MESSAGES/messages.po`` and ``.mo`` live inside it,
where Flask-Babel finds them and the wheel carries them. Only ``.po`` files are edited by hand;
``update`` rewrites them from the sources and compiles the ``.mo`` files, ``problems`` lists what
``update`` or a translator still has to do.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

DOMAIN = "messages"
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
# The templates' own tags (``{% chrome %}``) must parse, or Jinja's extractor would skip the file.
OPTIONS_MAP = {
    "**/templates/**.html": {"extensions": "govuk_layout.chrome.ChromeCache", "trimmed": "true", "silent": "false"}
}
# Babel's keywords (``_``, ``gettext``, ``N_``, ...) plus Flask-Babel's lazy ones, for forms built at import.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "_l": None,  # Flask-Babel's usual short name for lazy_gettext
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
    "plural_forms": (1, 2),  # govuk_layout.i18n.plural_forms, for govuk-frontend's JavaScript messages
}
COMMENT_TAGS = ("Translators:",)
# English messages that are written the same in Welsh: the only ones a Welsh page may show.
SAME_IN_WELSH = frozenset({"Beta"})


def _po(root: Path, language: str) -> Path:
    return root / "translations" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages(root: Path) -> list[str]:
    """The languages ``root`` has a catalogue (or a ``translations/<language>/LC_MESSAGES`` folder) for."""
    return sorted(path.parent.name for path in (root / "translations").glob("*/LC_MESSAGES") if path.is_dir())


def extract(root: Path) -> Catalog:
    """Every message marked in ``root``'s Python files and templates, in English (the template catalogue)."""
    template = Catalog(project=root.name, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        root,
        METHOD_MAP,
        OPTIONS_MAP,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _read(path: Path, language: str) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


def _compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update(root: Path, new_languages: Iterable[str] = ()) -> list[Path]:
    """Bring every catalogue of ``root`` (and new ones for ``new_languages``) up to date with the sources.

    New messages arrive untranslated (or fuzzy, when a near match was translated), removed ones are
    dropped, and each ``.mo`` is compiled from its ``.po``. Returns the files written.
    """
    template = extract(root)
    written = []
    for language in sorted({*languages(root), *new_languages}):
        po = _po(root, language)
        if po.exists():
            catalog = _read(po, language)
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, project=root.name, charset="utf-8", domain=DOMAIN)
        # Keep the catalogue's own creation date, so an update with no new messages changes nothing.
        catalog.update(template, update_creation_date=False)
        catalog.obsolete.clear()
        buffer = io.BytesIO()
        # Sorted, and without line numbers, so an edit elsewhere in a file does not churn the catalogue.
        write_po(buffer, catalog, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True)
        po.write_bytes(buffer.getvalue().rstrip(b"\n") + b"\n")  # one final newline, as the lint hooks want
        po.with_suffix(".mo").write_bytes(_compiled(_read(po, language)))
        written += [po, po.with_suffix(".mo")]
    return written


def _message_key(message: object) -> tuple[str, str | None]:
    key = message.id  # type: ignore[attr-defined]
    return (key if isinstance(key, str) else key[0]), message.context  # type: ignore[attr-defined]


def problems(root: Path) -> list[str]:
    """What keeps ``root``'s catalogues from being complete and current; empty when there is nothing.

    A message in the sources but not in a catalogue (or the other way round), an untranslated or
    fuzzy entry, a translation whose placeholders differ from the English, and a ``.mo`` that is not
    the compiled ``.po`` are each reported, with the file and the message.
    """
    template = extract(root)
    wanted = {_message_key(message) for message in template if message.id}
    found = []
    for language in languages(root):
        po = _po(root, language)
        if not po.exists():
            found.append(f"{po}: missing (run `nox -s translations`)")
            continue
        catalog = _read(po, language)
        where = po.relative_to(root.parent) if root.parent in po.parents else po
        have = {_message_key(message) for message in catalog if message.id}
        for text, _context in sorted(wanted - have, key=str):
            found.append(f"{where}: not in the catalogue (run `nox -s translations`): {text!r}")
        for text, _context in sorted(have - wanted, key=str):
            found.append(f"{where}: no longer in the sources (run `nox -s translations`): {text!r}")
        for message in catalog:
            if not message.id:
                continue
            text = _message_key(message)[0]
            if message.fuzzy:
                found.append(f"{where}: fuzzy, check the translation and remove the fuzzy flag: {text!r}")
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                found.append(f"{where}: untranslated: {text!r}")
        for message, errors in catalog.check():
            for error in errors:
                found.append(f"{where}: {error}: {_message_key(message)[0]!r}")
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != _compiled(catalog):
            found.append(
                f"{where.with_suffix('.mo')}: stale or missing, not the compiled .po (run `nox -s translations`)"
            )
    return found


class _PageText(HTMLParser):
    """What a reader meets on a page: text, the title, and labels read out (aria-label, alt, title, placeholder)."""

    _READ_ATTRIBUTES = ("aria-label", "alt", "title", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skipping += 1
        self.parts += [value for name, value in attrs if name in self._READ_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The words of an HTML page as a reader meets them, in one line with single spaces."""
    parser = _PageText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _pattern(message: str) -> re.Pattern[str] | None:
    """A message as it can appear in page text: tags dropped, placeholders matching anything."""
    text = " ".join(re.sub(r"<[^>]+>", "", message.replace("%%", "%")).split())
    pieces = re.split(r"%\([a-z_]+\)[-#0 +]?\d*[diouxXeEfFgGcrs]", text)
    # Around placeholders, only a real word tells English apart: " at " or "am" is Welsh too.
    if not any(re.search(r"[A-Za-z]{4}" if len(pieces) > 1 else r"[A-Za-z]{2}", piece) for piece in pieces):
        return None
    body = ".+?".join(re.escape(piece) for piece in pieces)
    return re.compile(rf"(?<![\w’'-]){body}(?![\w’'-])")


def english_left(text: str, roots: Iterable[Path], same_in_welsh: Iterable[str] = SAME_IN_WELSH) -> list[str]:
    """The English messages of ``roots``' catalogues that ``text`` (a translated page's text) still contains."""
    allowed = set(same_in_welsh)
    found = set()
    for root in roots:
        for english, pattern in _english_patterns(root.resolve()):
            if english not in allowed and pattern.search(text):
                found.add(english)
    return sorted(found)


@functools.cache
def _english_patterns(root: Path) -> tuple[tuple[str, re.Pattern[str]], ...]:
    messages = {_message_key(message)[0] for message in extract(root) if message.id}
    return tuple((english, pattern) for english in sorted(messages) if (pattern := _pattern(english)) is not None)
