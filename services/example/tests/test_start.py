from flask.testing import FlaskClient


def test_start_page(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Request access to an Operations Engineering service – GOV.UK</title>" in html
    assert 'class="govuk-heading-xl"' in html
    assert "govuk-button--start" in html
    assert 'href="/assets/govuk-frontend.min.css"' in html


def test_standard_pages_use_the_service_config(client: FlaskClient) -> None:
    html = client.get("/accessibility").get_data(as_text=True)
    assert "Accessibility statement for Request access to an Operations Engineering service" in html
    assert "operations-engineering@digital.justice.gov.uk" in html
