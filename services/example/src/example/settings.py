"""The example service's config: govuk-layout's schema plus the service's own keys."""

from __future__ import annotations

from govuk_layout import LayoutSettings, NavigationItem


class ExampleSettings(LayoutSettings):
    """Defaults describe this service; every key can still be overridden by app.config or the environment."""

    GOVUK_SERVICE_NAME: str = "Request access to an Operations Engineering service"
    GOVUK_CONTACT_EMAIL: str = "operations-engineering@digital.justice.gov.uk"
    GOVUK_NAVIGATION: list[NavigationItem] = [NavigationItem(text="Check a request", href="/status")]
