"""``flyte run``: run a task of a Python file, with its inputs given as options.

The command is three nested levels, each a click command so that each level has its own help::

    flyte run [RUN OPTIONS] FILE TASK [--input value ...]
    |         run options    |    |    task inputs, from the task's signature (flyte.cli._params)
    |                        |    the task: short (function) name or full env.func name
    |                        the workflow file, loaded only when a task or the help needs it

A run is local with ``--local`` or when no endpoint is configured: it runs in this process and
prints its name, its outputs and where its records are. Otherwise it goes to the server: the
code is bundled and uploaded (when the server lacks it), the run is created and its name and
URL printed; with ``--follow`` the command then streams the logs of the run's actions (a child's
lines prefixed with its name) under a line counting the actions by phase, and prints the
outputs once the run ends. ``flyte run python-script SCRIPT`` runs a plain script as a task
(:mod:`flyte.cli._run_script`).

The options shared with the real CLI either take effect (``-p``, ``-d``, ``--root-dir``,
``--raw-data-path`` for local runs, ``--copy-style`` for server runs) or are refused by
``flyte.init_from_config``/``flyte.with_runcontext`` with a one-line error where they cannot
apply (e.g. ``--service-account``, ``--queue``; ``--label`` and ``--version`` on a server).
``--image`` maps image reference names to URIs.

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

__all__ = ["RunFailed", "RunSettings", "current_settings", "report_remote_run", "run", "show_outputs"]

_SETTINGS_KEY = "flyte.cli.run.settings"


@dataclass(frozen=True)
class RunSettings:
    """The options of ``flyte run`` itself, handed down to the task command.

    ``project``/``domain``/``root_dir``/``images`` go to ``flyte.init_from_config``; the
    others to ``flyte.with_runcontext``, which refuses those that cannot apply.
    """

    local: bool = False
    name: str | None = None
    env_vars: dict[str, str] = field(default_factory=dict)
    overwrite_cache: bool = False
    disable_run_cache: bool = False
    follow: bool = False
    project: str | None = None
    domain: str | None = None
    root_dir: Path | None = None
    raw_data_path: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    images: tuple[str, ...] = ()
    copy_style: str = "loaded_modules"
    version: str | None = None
    service_account: str | None = None
    queue: str | None = None
    max_action_concurrency: int | None = None
    signals: dict[str, str] = field(default_factory=dict)

    def init_options(self) -> dict[str, Any]:
        """The keyword arguments these options add to ``flyte.init_from_config``."""
        # As in the real CLI, an image without a name is the default one (Image.from_ref_name()).
        images = tuple(image if "=" in image else f"default={image}" for image in self.images)
        return {"project": self.project, "domain": self.domain, "images": images or None}

    def runcontext_options(self) -> dict[str, Any]:
        """The keyword arguments these options give ``flyte.with_runcontext`` (options it
        refuses, such as labels or a version, are passed so that it says why)."""
        options: dict[str, Any] = {
            "name": self.name,
            "env_vars": self.env_vars,
            "overwrite_cache": self.overwrite_cache,
            "disable_run_cache": self.disable_run_cache,
        }
        optional = {
            "project": self.project,
            "domain": self.domain,
            "raw_data_path": self.raw_data_path,
            "labels": self.labels or None,
            "version": self.version,
            "service_account": self.service_account,
            "queue": self.queue,
            "max_action_concurrency": self.max_action_concurrency,
            "signals": self.signals or None,
        }
        options.update({key: value for key, value in optional.items() if value is not None})
        if self.copy_style != "loaded_modules":
            options["copy_style"] = self.copy_style
        return options


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


def _parse_labels(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    return _parse_env(ctx, param, values)


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
        """``python-script``, ``deployed-task``, else the group of the file ``cmd_name`` (whether
        it exists is checked when it is loaded)."""
        if cmd_name == "python-script":
            from flyte.cli._run_script import python_script

            return python_script
        if cmd_name == "deployed-task":
            from flyte.cli._run_deployed import deployed_task

            return deployed_task
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
    "-f",
    "--follow",
    is_flag=True,
    help="On a server: show progress and the logs of every action until the run ends, then outputs.",
)
@click.option("-p", "--project", help="Project of the run, instead of the configuration's task.project.")
@click.option("-d", "--domain", help="Domain of the run, instead of the configuration's task.domain.")
@click.option(
    "--root-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder whose sources are bundled for a server run (default: the working folder, or the "
    "folder the file is imported from).",
)
@click.option("--raw-data-path", help="Where a local run writes its offloaded data (files, folders, dataframes).")
@click.option(
    "--label",
    "labels",
    multiple=True,
    callback=_parse_labels,
    metavar="KEY=VALUE",
    help="Label recorded with the run; repeat for several.",
)
@click.option(
    "--image",
    "images",
    multiple=True,
    metavar="[NAME=]URI",
    help="URI of the image flyte.Image.from_ref_name(NAME) stands for (no NAME: the default one); repeat for several.",
)
@click.option(
    "--copy-style",
    type=click.Choice(["loaded_modules", "all", "none", "custom"]),
    default="loaded_modules",
    show_default=True,
    help="What a server run ships: the loaded modules under the root folder, or all its files.",
)
@click.option("--version", help="Code version of the run (flyte.ctx().version); a server versions code by its hash.")
@click.option("--service-account", help="Service account of the run (refused: tasks run as the server's user).")
@click.option("--queue", help="Queue to send the run to (refused: the server has one queue).")
@click.option(
    "--max-action-concurrency",
    type=click.IntRange(min=1),
    help="At most this many of the run's actions run at once.",
)
@click.option(
    "--signal",
    "signals",
    multiple=True,
    callback=_parse_env,
    metavar="NAME=VALUE",
    help="Local runs: the value of the condition NAME (flyte.new_condition) instead of asking; repeatable.",
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
    project: str | None,
    domain: str | None,
    root_dir: Path | None,
    raw_data_path: str | None,
    labels: dict[str, str],
    images: tuple[str, ...],
    copy_style: str,
    version: str | None,
    service_account: str | None,
    queue: str | None,
    max_action_concurrency: int | None,
    signals: dict[str, str],
) -> None:
    """Run a task from a Python file, locally or on a server.

    \b
        flyte run hello.py main --x 3
        flyte run --local hello.py main
        flyte run hello.py --help        # the file's tasks
        flyte run hello.py main --help   # the task's inputs
        flyte run python-script train.py --gpu 1   # a plain script as a task

    Run options go before FILE; the task's inputs go after TASK, one option per input
    (--my_param or --my-param). Lists, dicts, tuples, dataclasses and pydantic models are given
    as JSON. Runs are local when --local is given or no endpoint is configured; on a server,
    the command returns once the run is created unless --follow is given.
    """
    ctx.meta[_SETTINGS_KEY] = RunSettings(
        local=local,
        name=name,
        env_vars=env_vars,
        overwrite_cache=overwrite_cache,
        disable_run_cache=disable_run_cache,
        follow=follow,
        project=project,
        domain=domain,
        root_dir=root_dir,
        raw_data_path=raw_data_path,
        labels=labels,
        images=images,
        copy_style=copy_style,
        version=version,
        service_account=service_account,
        queue=queue,
        max_action_concurrency=max_action_concurrency,
        signals=signals,
    )


def current_settings() -> RunSettings:
    """The options of the ``flyte run`` being executed (defaults outside one)."""
    ctx = click.get_current_context(silent=True)
    settings = ctx.meta.get(_SETTINGS_KEY) if ctx is not None else None
    return settings if isinstance(settings, RunSettings) else RunSettings()


def _run_task(task: AsyncFunctionTaskTemplate[Any, Any, Any], inputs: dict[str, Any]) -> None:
    settings = current_settings()
    config = current_config()
    if config.is_remote and not settings.local:
        _run_remote(task, inputs, settings, config)
        return
    import flyte
    from flyte._internal.model.naming import new_run_name
    from flyte.cli._progress import progress_line
    from flyte.errors import BaseRuntimeError

    flyte.init_from_config(config, root_dir=settings.root_dir, **settings.init_options())
    # Named here rather than by the engine so that a failure can say which run failed.
    run_name = settings.name or new_run_name()
    runner = flyte.with_runcontext(mode="local", **{**settings.runcontext_options(), "name": run_name})
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
    show_outputs(outputs.named_outputs)
    click.echo(f"Records: {handle.url}")


def show_outputs(named: dict[str, Any]) -> None:
    """Prints a run's outputs, one ``name = value`` per output (``Outputs: none`` without any)."""
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

    flyte.init_from_config(config, root_dir=settings.root_dir or _project_root(task), **settings.init_options())
    runner = flyte.with_runcontext(mode="remote", **settings.runcontext_options())
    handle: Run = runner.run(task, **inputs)
    report_remote_run(handle, settings, config)


def report_remote_run(handle: Run, settings: RunSettings, config: Config) -> None:
    """Prints a server run's name and URL; with ``--follow``, streams its actions' logs until it
    ends and prints its outputs (a failed run raises :class:`RunFailed`; Ctrl-C offers to abort
    it, see :mod:`flyte.cli._follow_abort`)."""
    from flyte.errors import BaseRuntimeError

    click.echo(f"Run:     {handle.name} ({handle.phase})")
    click.echo(f"URL:     {handle.url}")
    if not settings.follow:
        return
    from flyte._internal.client import client_for
    from flyte.cli._follow_abort import follow_or_abort

    assert config.admin.endpoint is not None  # the run was just created there
    follow_or_abort(client_for(config.admin.endpoint), handle.name, live=not current_state().no_progress)
    try:
        outputs = handle.outputs()
    except BaseRuntimeError as e:
        raise RunFailed(handle.name, e, remote=True) from e
    click.echo(f"Run:     {handle.name} ({handle.phase})")
    show_outputs(outputs.named_outputs)
