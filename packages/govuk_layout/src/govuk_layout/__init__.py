"""GOV.UK Design System layout, standard pages, error pages and assets for Flask."""

from importlib.metadata import version

from govuk_layout.cached_pages import page_cache, render_page
from govuk_layout.components import Answer, component_cache
from govuk_layout.config import ConfigError, LayoutSettings, NavigationItem
from govuk_layout.csrf import csrf_exempt
from govuk_layout.extension import GovukLayout, LayoutState
from govuk_layout.sessions import no_store, rotate_session, session_expired

__version__ = version("govuk-layout")
__all__ = [
    "Answer",
    "ConfigError",
    "GovukLayout",
    "LayoutSettings",
    "LayoutState",
    "NavigationItem",
    "__version__",
    "component_cache",
    "csrf_exempt",
    "no_store",
    "page_cache",
    "render_page",
    "rotate_session",
    "session_expired",
]
