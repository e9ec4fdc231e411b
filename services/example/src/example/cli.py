"""Operations commands, run as ``flask --app example <command>``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from example import submissions
from example.repository import StoreUnavailable


@click.command("create-table")
@with_appcontext
def create_table() -> None:
    """Create the DynamoDB table (with TTL on Expires) if it does not exist. Safe to run again."""
    store = submissions.current_store()
    try:
        created = store.create_table()
    except StoreUnavailable as error:
        raise click.ClickException(str(error)) from error
    where = store.endpoint_url or f"region {store.region}"
    click.echo(f"{'Created' if created else 'Found'} table {store.table_name} at {where}")
