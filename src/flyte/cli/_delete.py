"""``flyte delete``: remove local state or a secret. ``flyte delete local-cache`` empties the task
cache of local runs (the ``cache`` table of ``<flyte home>/local.db``), so that cached tasks run
again; the records of past runs are kept. ``flyte delete secret NAME`` removes a secret from the
server (with an endpoint configured) or from the local store."""

from __future__ import annotations

import click

from flyte.cli._api_keys import delete_api_key
from flyte.cli._triggers import delete_trigger
from flyte.cli.main import current_config

__all__ = ["delete", "delete_local_cache", "delete_secret"]


@click.group()
def delete() -> None:
    """Delete local state or a secret.

    \b
        flyte delete local-cache    # cached tasks run again in the next local run
        flyte delete secret NAME    # remove a secret (of the server, with an endpoint)
    """


@delete.command("secret", short_help="Remove a secret.")
@click.argument("name")
@click.option("-p", "--project", help="The project the secret is scoped to.")
@click.option("-d", "--domain", help="The domain the secret is scoped to.")
def delete_secret(name: str, project: str | None, domain: str | None) -> None:
    """Remove the secret NAME of exactly this scope (no -p/-d: the unscoped one), from the server
    when an endpoint is configured, else from the local store."""
    from flyte._secrets_store import SecretInfo
    from flyte._secrets_store import delete_secret as delete_local

    config = current_config()
    scope = SecretInfo(name, project, domain).scope
    if config.is_remote:
        from flyte.cli._secrets_remote import delete_on_server

        delete_on_server(config, name, project, domain)
        click.echo(f"Deleted secret {name} ({scope}) from the server {config.admin.endpoint}")
        return
    if not delete_local(name, project, domain, home=config.home()):
        raise click.ClickException(f"no local secret named {name!r} ({scope})")
    click.echo(f"Deleted secret {name} ({scope}) from the local store")


@delete.command("local-cache", short_help="Empty the task cache of local runs.")
def delete_local_cache() -> None:
    """Delete every cached task result of local runs, so that cached tasks run again.

    The cache lives in the local database (<flyte home>/local.db, or local.home of the
    configuration); the records of past runs stay. Server runs use the server's cache.
    """
    path = current_config().home() / "local.db"
    if not path.exists():
        click.echo(f"The local cache is empty: there is no local database at {path}.")
        return
    import sqlite3

    from flyte._internal.store.local_db import connect

    try:
        conn = connect(path)
        try:
            removed = conn.execute("DELETE FROM cache").rowcount
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise click.ClickException(f"cannot clear the local cache in {path}: {e}") from e
    noun = "result" if removed == 1 else "results"
    click.echo(f"Deleted {removed} cached {noun} from the local cache ({path}).")


delete.add_command(delete_api_key)
delete.add_command(delete_trigger)
