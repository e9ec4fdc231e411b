"""`nox -s bench`: the service against a bare Flask hello and a bare GOV.UK page, under the same gunicorn."""
