"""``flyte run deployed-task ENV.TASK[:VERSION] --x 1``: run a task deployed on the server.

The task's inputs become options from the interface the server stored (their literal types
read back into Python types), so a deployed task runs without its source file at hand. The
``flyte run`` options (``--name``, ``--follow``, ``-e``, ...) apply as for a task from a file.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Optional

import click

from flyte.cli.main import current_config

if TYPE_CHECKING:
    from flyte.remote import Task

__all__ = ["deployed_task"]


def _split_reference(reference: str) -> tuple[str, str | None]:
    """``ENV.TASK[:VERSION]`` as (task name, version or None)."""
    name, _, version = reference.partition(":")
    if "." not in name:
        raise click.ClickException(f"name the deployed task as ENV.TASK[:VERSION], got {reference!r}")
    return name, version or None


def _task_command(reference: str, task: Task) -> click.Command:
    from flyte._internal.serde import NativeInterface
    from flyte.cli._params import option_for

    options = []
    code_defaults = set()
    for name, (tp, default) in task.interface.inputs.items():
        if default is NativeInterface.has_default:
            # The default lives in the task's code: left out unless given, so the task applies it.
            code_defaults.add(name)
            options.append(option_for(name, Optional[tp], inspect.Parameter.empty))
        else:
            options.append(option_for(name, tp, default))

    def run_it(**inputs: Any) -> None:
        given = {k: v for k, v in inputs.items() if not (k in code_defaults and v is None)}
        _run(task, given)

    doc = task.info.description
    return click.Command(
        reference,
        params=list(options),
        callback=run_it,
        help=f"Run the deployed task {task.name} (version {task.version}).\n\n{doc}".rstrip(),
        short_help=f"{task.name}:{task.version}",
    )


def _run(task: Task, inputs: dict[str, Any]) -> None:
    import flyte
    from flyte.cli._run import current_settings, report_remote_run

    settings = current_settings()
    if settings.local:
        raise click.ClickException(f"{task.name} is a deployed task: it runs on the server, not with --local")
    code_options = {"--image": bool(settings.images), "--root-dir": settings.root_dir is not None}
    given = [option for option, used in code_options.items() if used]
    if given:
        raise click.ClickException(
            f"{', '.join(given)} cannot apply to a deployed task: its code and images are those it was deployed with"
        )
    runner = flyte.with_runcontext(mode="remote", **settings.runcontext_options())
    handle = runner.run(task, **inputs)
    report_remote_run(handle, settings, current_config())


class _DeployedTaskGroup(click.Group):
    """The deployed tasks of the server, found by reference; inputs follow the reference."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command of the deployed task ``ENV.TASK[:VERSION]`` (fetched from the server)."""
        import flyte
        from flyte.cli._run import current_settings
        from flyte.remote import Task

        config = current_config()
        if not config.is_remote:
            raise click.ClickException(
                "deployed tasks live on a server: configure one (admin.endpoint, FLYTE_ADMIN_ENDPOINT or --endpoint)"
            )
        # Subcommands are resolved before this group's callback runs: its options are in params.
        scope_project, scope_domain = ctx.params.get("project"), ctx.params.get("domain")
        settings = current_settings()
        flyte.init_from_config(
            config, project=scope_project or settings.project, domain=scope_domain or settings.domain
        )
        name, version = _split_reference(cmd_name)
        task = Task.get(name, version=version, auto_version=None if version else "latest")
        return _task_command(cmd_name, task)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Deployed tasks are not listed here: `flyte get task` lists them."""
        return []


@click.group(
    "deployed-task",
    cls=_DeployedTaskGroup,
    subcommand_metavar="ENV.TASK[:VERSION] [INPUTS]...",
    short_help="Run a task deployed on the server.",
)
@click.option("-p", "--project", help="Project the task is deployed in.")
@click.option("-d", "--domain", help="Domain the task is deployed in.")
def deployed_task(project: str | None, domain: str | None) -> None:
    """Run a task deployed on the server (its newest version unless :VERSION is given).

    \b
        flyte run deployed-task my_env.square --x 3
        flyte run --follow deployed-task my_env.square:v1 --x 3
        flyte run deployed-task my_env.square --help    # its inputs

    The inputs come from the interface the server stored: no source file is needed.
    """
