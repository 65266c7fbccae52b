"""``-p/--project`` and ``-d/--domain`` on the commands that name a run.

Run names are unique on a server, so a run is found by its name alone; the options are accepted
(scripts written for other Flyte deployments pass them) and checked: a run of another project or
domain than the one given is not found, as it would not be where the caller looked. Which
projects a caller may see at all is the server's business (API keys scoped to a project).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from flyte.errors import RunNotFoundError

__all__ = ["check_run_scope", "run_in_scope"]

F = TypeVar("F", bound=Callable[..., Any])


def check_run_scope(run: str, project: str | None, domain: str | None) -> None:
    """Raises ``RunNotFoundError`` unless the run ``run`` is in ``project`` and ``domain`` (each
    checked when given).

    Raises:
        RunNotFoundError: there is no such run, or it is in another project or domain.
    """
    if project is None and domain is None:
        return
    from flyte.cli._get_runs import run_source

    info = run_source().get_run(run)
    if (project is not None and info.project != project) or (domain is not None and info.domain != domain):
        where = "/".join(part for part in (project, domain) if part is not None)
        raise RunNotFoundError(f"No run named '{run}' in {where} (it is in {info.project}/{info.domain})")


def run_in_scope(run_parameter: str) -> Callable[[F], F]:
    """Adds ``-p/-d`` to a command whose parameter ``run_parameter`` names a run, and checks the
    run against them (:func:`check_run_scope`) before the command runs."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def checked(*args: Any, project: str | None = None, domain: str | None = None, **kwargs: Any) -> Any:
            check_run_scope(kwargs[run_parameter], project, domain)
            return command(*args, **kwargs)

        with_domain = click.option("-d", "--domain", help="Domain the run belongs to (checked).")(checked)
        return click.option("-p", "--project", help="Project the run belongs to (checked).")(with_domain)  # type: ignore[return-value]

    return decorate
