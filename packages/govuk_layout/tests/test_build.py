"""Every service's built wheel asks for govuk-layout by version range, never by a local path."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from wheel_support import build_wheel

REPO = Path(__file__).resolve().parents[3]
SERVICES = sorted(path.parent for path in (REPO / "services").glob("*/pyproject.toml"))


def wheel_requirements(project: Path, outdir: Path) -> list[str]:
    wheel = build_wheel(project, outdir)
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = (name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
    return [line.removeprefix("Requires-Dist: ") for line in text.splitlines() if line.startswith("Requires-Dist: ")]


@pytest.mark.parametrize("project", SERVICES, ids=[path.name for path in SERVICES])
def test_service_wheel_requires_govuk_layout_by_version_range(project: Path, tmp_path: Path) -> None:
    requirements = wheel_requirements(project, tmp_path)
    assert requirements
    for requirement in requirements:
        assert "file:" not in requirement, requirement
        assert " @ " not in requirement, f"direct reference in {requirement}"
    (layout,) = (r for r in requirements if re.match(r"govuk-layout\b", r))
    # Extras (the example's forms) are fine; the version must still be a range.
    assert re.fullmatch(r"govuk-layout(\[[a-z,]+\])? \(?>=[0-9.]+,\s*<[0-9.]+\)?", layout), layout
