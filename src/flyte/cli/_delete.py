"""``flyte delete``: remove local state. ``flyte delete local-cache`` empties the task cache of
local runs (the ``cache`` table of ``<flyte home>/local.db``), so that cached tasks run again;
the records of past runs are kept."""

from __future__ import annotations

import click

from flyte.cli.main import current_config

__all__ = ["delete", "delete_local_cache"]


@click.group()
def delete() -> None:
    """Delete local state.

    \b
        flyte delete local-cache    # cached tasks run again in the next local run
    """


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
