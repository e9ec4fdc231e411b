"""tools/config_docs.py: the README's config tables come from LayoutSettings, and the README is up to date."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

from govuk_layout.config import LayoutSettings, setting
from tools import config_docs


class Schema(BaseModel):
    NAME: str = setting(..., "The name | with a pipe.", section="First")
    COLOUR: Literal["red", "blue"] = setting("red", "A colour.", section="Second")
    LOUD: bool = setting(False, "Shout,\n    over two lines.", section="First")
    LIMIT: int | None = setting(None, "A limit.", section="Second")
    WORDED: list[str] = setting(["a" * 50], "Long.", section="Second", shown_default="fifty a's")


EXPECTED = """### First

| Key | Default | What it does |
| --- | --- | --- |
| `NAME` | required | The name \\| with a pipe. |
| `LOUD` | off | Shout, over two lines. |

### Second

| Key | Default | What it does |
| --- | --- | --- |
| `COLOUR` | `red` | A colour. |
| `LIMIT` | unset | A limit. |
| `WORDED` | fifty a's | Long. |"""


def test_tables_follow_sections_and_field_order() -> None:
    assert config_docs.tables(Schema) == EXPECTED


def test_a_key_without_a_description_or_a_long_unworded_default_is_refused() -> None:
    class Undocumented(BaseModel):
        BARE: int = 3

    class TooLong(BaseModel):
        LONG: list[str] = setting(["a" * 50], "Long.", section="S")

    with pytest.raises(ValueError, match="BARE: every key needs a description and a section"):
        config_docs.tables(Undocumented)
    with pytest.raises(ValueError, match="LONG: the default is too long"):
        config_docs.tables(TooLong)


def test_only_the_part_between_the_markers_is_rewritten(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{config_docs.START}\nstale\n{config_docs.END}\n\nAfter.\n", encoding="utf-8")
    assert config_docs.main(["--check", "--readme", str(readme)]) == 1
    assert "stale" in readme.read_text(encoding="utf-8")
    assert config_docs.main(["--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith(f"# Title\n\n{config_docs.START}\n### Service and pages\n")
    assert text.endswith(f"{config_docs.END}\n\nAfter.\n")
    assert config_docs.main(["--check", "--readme", str(readme)]) == 0
    with pytest.raises(ValueError, match="markers"):
        config_docs.updated("no markers", Schema)


def test_the_package_readme_documents_every_key_as_its_schema_does() -> None:
    """Fails when a description changes (or a key is added) without `nox -s config-docs`."""
    text = config_docs.README.read_text(encoding="utf-8")
    assert config_docs.updated(text, LayoutSettings) == text, "README is out of date: run `nox -s config-docs`"
    for name in LayoutSettings.model_fields:
        assert text.count(f"| `{name}` |") == 1, name
