"""GOV.UK Design System layout, standard pages, error pages and assets for Flask."""

from importlib.metadata import version

from govuk_layout.config import ConfigError, LayoutSettings, NavigationItem
from govuk_layout.extension import GovukLayout, LayoutState

__version__ = version("govuk-layout")
__all__ = ["ConfigError", "GovukLayout", "LayoutSettings", "LayoutState", "NavigationItem", "__version__"]
