import re

from flask.testing import FlaskClient


def test_start_page(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Request access to an Operations Engineering service – Ministry of Justice</title>" in html
    assert 'class="govuk-heading-xl"' in html
    assert re.search(r'<link rel="stylesheet" href="/assets/govuk-frontend[^"]*\.css"', html)
    button = re.search(r"<a [^>]*govuk-button--start[^>]*>", html)
    assert button
    assert 'href="/request/full-name"' in button.group(0)


def test_standard_pages_use_the_service_config(client: FlaskClient) -> None:
    html = client.get("/accessibility").get_data(as_text=True)
    assert "Accessibility statement for Request access to an Operations Engineering service" in html
    assert "operations-engineering@digital.justice.gov.uk" in html
