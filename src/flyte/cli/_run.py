"""``flyte run``: run a task of a Python file, with its inputs given as options.

The command is three nested levels, each a click command so that each level has its own help::

    flyte run [RUN OPTIONS] FILE TASK [--input value ...]
    |         run options    |    |    task inputs, from the task's signature (flyte.cli._params)
    |                        |    the task: short (function) name or full env.func name
    |                        the workflow file, loaded only when a task or the help needs it

A run is local with ``--local`` or when no endpoint is configured: it runs in this process and
prints its name, its outputs and where its records are. Otherwise it goes to the server: the
code is bundled and uploaded (when the server lacks it), the run is created and its name and
URL printed; with ``--follow`` the command then streams the root action's logs under a line
counting the actions by phase, and prints the outputs once the run ends.

A failing task prints its error code and message on one line, and a hint, and exits with 1; bad
values, unknown tasks and files that do not load are one-line errors with exit code 1 too.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from flyte._internal.module_loader import module_name_for
from flyte.cli._loader import TaskIndex, load_file, summary
from flyte.cli._params import task_options
from flyte.cli._show import readable
from flyte.cli.main import current_config, current_state

if TYPE_CHECKING:
    from flyte._config import Config
    from flyte._run import Run
    from flyte._task import AsyncFunctionTaskTemplate
    from flyte.errors import BaseRuntimeError

__all__ = ["RunFailed", "RunSettings", "run"]

_SETTINGS_KEY = "flyte.cli.run.settings"


@dataclass(frozen=True)
class RunSettings:
    """The options of ``flyte run`` itself, handed down to the task command."""

    local: bool = False
    name: str | None = None
    env_vars: dict[str, str] = field(default_factory=dict)
    overwrite_cache: bool = False
    disable_run_cache: bool = False
    follow: bool = False


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _raise_bad_value(error: click.BadParameter) -> NoReturn:
    # click counts a bad value as a usage error (exit 2); for flyte run it is the user's input
    # being wrong, reported like every other input problem: one line, exit 1.
    raise click.ClickException(_one_line(error.format_message())) from error


class RunFailed(click.ClickException):
    """A run whose task failed: the error's code and message on one line, then a hint."""

    def __init__(self, run_name: str, error: BaseRuntimeError, remote: bool = False) -> None:
        super().__init__(_one_line(f"run {run_name} failed: {error.code}: {error.message}"))
        self.run_name = run_name
        self.error = error
        self.remote = remote

    def hint(self) -> str:
        """What to do next, depending on whose fault the error is."""
        if self.error.kind == "system":
            return (
                f"Hint: this is an error of flyte, not of the task's code; please report it with run {self.run_name}."
            )
        if self.remote:
            return f"Hint: the error comes from the task's code; see its traceback with: flyte get io {self.run_name}"
        return (
            f"Hint: the error comes from the task's code; its full traceback is kept with "
            f"run {self.run_name} in the local run records."
        )

    def show(self, file: Any = None) -> None:
        """Prints the error line and the hint on ``file`` (stderr by default)."""
        click.echo(f"Error: {self.format_message()}", file=file, err=True)
        click.echo(self.hint(), file=file, err=True)


def _parse_env(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", ctx, param)
        env[key.strip()] = value
    return env


class _TaskCommand(click.Command):
    """The command of one task: its inputs as options; invoking it runs the task."""

    def __init__(self, name: str, task: AsyncFunctionTaskTemplate[Any, Any, Any]) -> None:
        super().__init__(
            name,
            params=list(task_options(task.interface.inputs)),
            callback=lambda **inputs: _run_task(task, inputs),
            help=_task_help(task),
            short_help=summary(task),
        )

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parses the inputs; a value that does not fit its type is a one-line error, exit 1."""
        try:
            return super().parse_args(ctx, args)
        except click.BadParameter as e:
            _raise_bad_value(e)


def _task_help(task: AsyncFunctionTaskTemplate[Any, Any, Any]) -> str:
    doc = inspect.getdoc(task.func) or ""
    return f"Run the task {task.name}.\n\n{doc}" if doc else f"Run the task {task.name}."


class _FileGroup(click.Group):
    """The tasks of one workflow file; the file is loaded on first need, at most once."""

    def __init__(self, file: str) -> None:
        super().__init__(
            file,
            help=f"Run a task of {file}; `TASK --help` lists its inputs.",
            subcommand_metavar="TASK [INPUTS]...",
        )
        self.file = file
        self._index: TaskIndex | None = None

    @property
    def index(self) -> TaskIndex:
        """The tasks of the file, loading it the first time."""
        if self._index is None:
            self._index = TaskIndex.of(load_file(self.file))
        return self._index

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The names of the file's tasks, in definition order."""
        return self.index.names()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command of the task ``cmd_name`` (short or full name), or ``None``."""
        task = self.index.find(cmd_name)
        return _TaskCommand(cmd_name, task) if task is not None else None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Without a task name, the error names the file's tasks (``--help`` still shows help)."""
        if not args:
            raise _NoTaskGiven(self.file, [(name, summary(task)) for name, task in self.index.by_name.items()])
        return super().parse_args(ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Finds the task named by ``args[0]``; an unknown name lists the available tasks."""
        name = args[0]
        command = self.get_command(ctx, name)
        if command is None:
            available = self.index.names()
            listing = ", ".join(available) if available else "none (no functions decorated with @env.task)"
            raise click.ClickException(f"no task named {name!r} in {self.file}; available tasks: {listing}")
        return name, command, args[1:]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Lists the tasks with the first line of their docstrings."""
        rows = [(name, summary(task)) for name, task in self.index.by_name.items()]
        with formatter.section("Tasks"):
            if rows:
                formatter.write_dl(rows)
            else:
                formatter.write_text("No tasks: decorate functions with @env.task to run them.")


class _NoTaskGiven(click.ClickException):
    """``flyte run FILE`` without a task: one error line, then the tasks FILE defines."""

    exit_code = 2

    def __init__(self, file: str, tasks: list[tuple[str, str]]) -> None:
        if tasks:
            message = (
                f"no task given: name one of the tasks of {file} (`flyte run {file} TASK --help` shows its inputs)"
            )
        else:
            message = f"no task given, and {file} defines none: decorate functions with @env.task to run them"
        super().__init__(message)
        self.tasks = tasks

    def show(self, file: Any = None) -> None:
        """Prints the error line, then the tasks with the first lines of their docstrings."""
        click.echo(f"Error: {self.format_message()}", file=file, err=True)
        if not self.tasks:
            return
        click.echo("Tasks:", file=file, err=True)
        width = max(len(name) for name, _ in self.tasks)
        for name, doc in self.tasks:
            click.echo(f"  {name:<{width}}  {doc}".rstrip(), file=file, err=True)


class _RunGroup(click.Group):
    """``flyte run``: its own options, then a file whose tasks are the subcommands."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The group of the file ``cmd_name``; whether it exists is checked when it is loaded."""
        return _FileGroup(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Files are not listed: any path may be given."""
        return []

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parses the run options; a bad value (e.g. ``--env`` without ``=``) exits with 1."""
        try:
            return super().parse_args(ctx, args)
        except click.BadParameter as e:
            _raise_bad_value(e)


@click.group("run", cls=_RunGroup, subcommand_metavar="FILE TASK [INPUTS]...")
@click.option("--local", is_flag=True, help="Run in this process (the default without an endpoint).")
@click.option("--name", help="Name of the run; a random name when not given.")
@click.option(
    "-e",
    "--env",
    "env_vars",
    multiple=True,
    callback=_parse_env,
    metavar="KEY=VALUE",
    help="Environment variable for the run's tasks; repeat for several.",
)
@click.option("--overwrite-cache", is_flag=True, help="Run cached tasks again, replacing their outputs.")
@click.option("--disable-run-cache", is_flag=True, help="Neither read nor write the cache in this run.")
@click.option(
    "-f", "--follow", is_flag=True, help="On a server: show progress and logs until the run ends, then outputs."
)
@click.pass_context
def run(
    ctx: click.Context,
    local: bool,
    name: str | None,
    env_vars: dict[str, str],
    overwrite_cache: bool,
    disable_run_cache: bool,
    follow: bool,
) -> None:
    """Run a task from a Python file, locally or on a server.

    \b
        flyte run hello.py main --x 3
        flyte run --local hello.py main
        flyte run hello.py --help        # the file's tasks
        flyte run hello.py main --help   # the task's inputs

    Run options go before FILE; the task's inputs go after TASK, one option per input
    (--my_param or --my-param). Lists, dicts, tuples, dataclasses and pydantic models are given
    as JSON. Runs are local when --local is given or no endpoint is configured; on a server,
    the command returns once the run is created unless --follow is given.
    """
    ctx.meta[_SETTINGS_KEY] = RunSettings(local, name, env_vars, overwrite_cache, disable_run_cache, follow)


def _run_task(task: AsyncFunctionTaskTemplate[Any, Any, Any], inputs: dict[str, Any]) -> None:
    settings: RunSettings = click.get_current_context().meta.get(_SETTINGS_KEY, RunSettings())
    config = current_config()
    if config.is_remote and not settings.local:
        _run_remote(task, inputs, settings, config)
        return
    import flyte
    from flyte._internal.model.naming import new_run_name
    from flyte.cli._progress import progress_line
    from flyte.errors import BaseRuntimeError

    flyte.init_from_config(config)
    # Named here rather than by the engine so that a failure can say which run failed.
    run_name = settings.name or new_run_name()
    runner = flyte.with_runcontext(
        mode="local",
        name=run_name,
        env_vars=settings.env_vars,
        overwrite_cache=settings.overwrite_cache,
        disable_run_cache=settings.disable_run_cache,
    )
    try:
        with progress_line(run_name, enabled=not current_state().no_progress):
            handle = runner.run(task, **inputs)
        outputs = handle.outputs()
    except BaseRuntimeError as e:
        if e.code == "Conflict":
            # The name is another run's: this one never started, so there is no failure of its
            # own to point at, only the refusal.
            raise
        raise RunFailed(run_name, e) from e
    click.echo(f"Run:     {handle.name} ({handle.phase})")
    _show_outputs(outputs.named_outputs)
    click.echo(f"Records: {handle.url}")


def _show_outputs(named: dict[str, Any]) -> None:
    click.echo("Outputs:" + ("" if named else " none"))
    for key, value in named.items():
        click.echo(readable(f"  {key} = ", value))


def _project_root(task: AsyncFunctionTaskTemplate[Any, Any, Any]) -> Path:
    """The folder whose loaded sources are bundled: the working folder when the task's file is
    inside it, else the folder its file was imported from."""
    cwd = Path.cwd().resolve()
    file = getattr(sys.modules.get(task.func.__module__), "__file__", None)
    if file is None:
        return cwd
    path = Path(file).resolve()
    return cwd if path.is_relative_to(cwd) else module_name_for(path)[1]


def _run_remote(
    task: AsyncFunctionTaskTemplate[Any, Any, Any], inputs: dict[str, Any], settings: RunSettings, config: Config
) -> None:
    import flyte
    from flyte.errors import BaseRuntimeError

    flyte.init_from_config(config, root_dir=_project_root(task))
    runner = flyte.with_runcontext(
        mode="remote",
        name=settings.name,
        env_vars=settings.env_vars,
        overwrite_cache=settings.overwrite_cache,
        disable_run_cache=settings.disable_run_cache,
    )
    handle: Run = runner.run(task, **inputs)
    click.echo(f"Run:     {handle.name} ({handle.phase})")
    click.echo(f"URL:     {handle.url}")
    if not settings.follow:
        return
    from flyte._internal.client import client_for
    from flyte.cli._follow import follow_run

    assert config.admin.endpoint is not None  # the run was just created there
    follow_run(client_for(config.admin.endpoint), handle.name, live=not current_state().no_progress)
    try:
        outputs = handle.outputs()
    except BaseRuntimeError as e:
        raise RunFailed(handle.name, e, remote=True) from e
    click.echo(f"Run:     {handle.name} ({handle.phase})")
    _show_outputs(outputs.named_outputs)
