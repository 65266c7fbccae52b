"""``flyte update``: change something stored on the server (a trigger's activation, ...).

Each subcommand lives in a module of its own and is added here with one line.
"""

from __future__ import annotations

import click

from flyte.cli._triggers import update_trigger

__all__ = ["update"]


@click.group()
def update() -> None:
    """Update something stored on the server.

    \b
        flyte update trigger NAME TASK_NAME --deactivate
    """


update.add_command(update_trigger)
