"""The ``flyte`` command: a click group whose subcommands are imported only when used.

Errors: a command reports a user mistake by raising a :mod:`flyte.errors` error,
``FileNotFoundError`` or ``click.ClickException``; the root group prints it as one line,
``Error: <message>``, on stderr and exits with code 1 (usage errors: code 2). Anything else is
a bug and keeps its traceback. Code that runs a command outside the root group can get the same
treatment with :func:`cli_errors`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import click

from flyte._config import Config, load_config
from flyte.errors import BaseRuntimeError

__all__ = [
    "OUTPUT_FORMATS",
    "USER_ERRORS",
    "CLIState",
    "LazyCommand",
    "LazyGroup",
    "cli_errors",
    "current_config",
    "current_state",
    "endpoint_url",
    "main",
]

USER_ERRORS: tuple[type[BaseException], ...] = (BaseRuntimeError, FileNotFoundError)
"""Exceptions that mean the user got something wrong: shown as one line, never as a traceback.
(``flyte.errors.ConfigError`` is a ``BaseRuntimeError``.)"""

# Only present in click >= 8.2, where a group run without arguments raises it to show its help.
_NO_ARGS_IS_HELP: tuple[type[BaseException], ...] = tuple(
    getattr(click.exceptions, name) for name in ("NoArgsIsHelpError",) if hasattr(click.exceptions, name)
)


class LazyCommand(NamedTuple):
    """Where a subcommand lives (``module``, ``attribute``) and its one-line help for listings."""

    module: str
    attribute: str
    short_help: str


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when the subcommand is run or its help shown.

    The group's own ``--help`` lists lazy subcommands from their :class:`LazyCommand` short help,
    so listing commands imports nothing.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, LazyCommand] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, LazyCommand] = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Names of the eager and lazy subcommands, sorted."""
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand named ``cmd_name``, importing its module if it is lazy."""
        spec = self.lazy_commands.get(cmd_name)
        if spec is None:
            return super().get_command(ctx, cmd_name)
        import importlib

        command = getattr(importlib.import_module(spec.module), spec.attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{spec.module}.{spec.attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Lists subcommands with their short help, without importing lazy ones."""
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            spec = self.lazy_commands.get(name)
            if spec is not None:
                rows.append((name, spec.short_help))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class _RootGroup(LazyGroup):
    """The ``flyte`` group: turns user mistakes anywhere below it into one-line errors."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        """Parses the root's own options; a usage error there becomes one line."""
        with _one_line_usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        """Runs the chosen subcommand, reporting user mistakes as one line."""
        with _one_line_usage_errors(), cli_errors():
            return super().invoke(ctx)


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Turns :data:`USER_ERRORS` raised inside the block into ``click.ClickException`` (exit 1);
    with ``flyte -vv`` the error's traceback is printed on stderr first.

    Usage::

        with cli_errors():
            do_something_that_may_raise_a_flyte_error()
    """
    try:
        yield
    except USER_ERRORS as e:
        if current_state().verbosity >= 2:
            import traceback

            click.echo("".join(traceback.format_exception(e)).rstrip(), err=True)
        raise click.ClickException(_one_line(str(e))) from e


@contextlib.contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    try:
        yield
    except _NO_ARGS_IS_HELP:
        raise
    except click.UsageError as e:
        message = _one_line(e.format_message())
        if e.ctx is not None:
            message = f"{message.rstrip('.')}. Try '{e.ctx.command_path} --help'."
        raise _OneLineUsageError(message) from e


class _OneLineUsageError(click.ClickException):
    """A usage error without click's usage block: one line, exit code 2 like click's own."""

    exit_code = 2


def _one_line(message: str) -> str:
    return " ".join(message.split())


OUTPUT_FORMATS = ("table", "json", "yaml")
"""What ``-of/--output-format`` accepts: tables for people, JSON or YAML for programs."""


@dataclass
class CLIState:
    """Settings of the root group shared with every subcommand (``ctx.obj``).

    ``endpoint``, ``insecure`` and ``org`` override the configuration's ``admin.endpoint``,
    ``admin.insecure`` and ``task.org`` (``None``/``False``: keep what the configuration says).
    """

    config_path: Path | None = None
    endpoint: str | None = None
    insecure: bool = False
    org: str | None = None
    verbosity: int = 0
    output_format: str = "table"
    no_progress: bool = False
    log_format: str = "console"
    _config: Config | None = field(default=None, repr=False)

    def config(self) -> Config:
        """The configuration with the root options applied, loaded once per invocation."""
        if self._config is None:
            self._config = self._apply_options(load_config(self.config_path))
            _use_configured_api_key(self._config)
        return self._config

    def option_overrides(self) -> list[str]:
        """The root options that changed the configuration, as given on the command line."""
        given = (("--endpoint", self.endpoint is not None), ("--insecure", self.insecure), ("--org", self.org))
        return [name for name, used in given if used]

    def _apply_options(self, config: Config) -> Config:
        admin, task = config.admin, config.task
        insecure = self.insecure or admin.insecure
        if self.insecure:
            admin = dataclasses.replace(admin, insecure=True)
        if self.endpoint is not None:
            admin = dataclasses.replace(admin, endpoint=endpoint_url(self.endpoint, insecure))
        if self.org is not None:
            task = dataclasses.replace(task, org=self.org)
        return dataclasses.replace(config, admin=admin, task=task)


def _use_configured_api_key(config: Config) -> None:
    """Makes the clients of this command send the config's ``admin.api_key`` (unless
    ``FLYTE_API_KEY`` or ``flyte.init`` gave one), also in commands that never call init."""
    from flyte._init_options import configure_connection, current_connection, resolve_api_key

    connection = current_connection()
    api_key = resolve_api_key(connection.api_key, config.admin.api_key)
    if api_key is not None and api_key != connection.api_key:
        configure_connection(dataclasses.replace(connection, api_key=api_key))


def endpoint_url(endpoint: str, insecure: bool) -> str | None:
    """The server URL of ``--endpoint``: kept when it has a scheme; ``host:port`` (or the
    ``dns:///host:port`` form of flyte configs) gets ``https://``, or ``http://`` when
    ``insecure``. An empty value means no server: everything runs locally."""
    endpoint = endpoint.strip()
    if not endpoint:
        return None
    if endpoint.startswith("dns:///"):
        endpoint = endpoint[len("dns:///") :]
    if "://" in endpoint:
        return endpoint
    return f"{'http' if insecure else 'https'}://{endpoint}"


def current_state() -> CLIState:
    """The root group's settings for the running command; defaults outside the root group."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(CLIState) if ctx is not None else None
    return state if state is not None else CLIState()


def current_config() -> Config:
    """The configuration for the running command: honours ``flyte --config``, ``--endpoint``,
    ``--insecure`` and ``--org``; outside the root group (e.g. a command invoked on its own in a
    test) it is :func:`flyte._config.load_config`."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(CLIState) if ctx is not None else None
    return state.config() if state is not None else load_config()


_COMMANDS: dict[str, LazyCommand] = {
    "abort": LazyCommand("flyte.cli._abort", "abort", "Abort a server run, or one action of it."),
    "build": LazyCommand("flyte.cli._build", "build", "Build an environment's image."),
    "create": LazyCommand("flyte.cli._create", "create", "Create a configuration file or a secret."),
    "delete": LazyCommand("flyte.cli._delete", "delete", "Delete local state: the local task cache."),
    "deploy": LazyCommand("flyte.cli._deploy", "deploy", "Deploy environments' tasks to the server."),
    "gen": LazyCommand("flyte.cli._gen", "gen", "Generate documentation of the CLI."),
    "get": LazyCommand("flyte.cli._get", "get", "Show the configuration, secrets, runs, their data and logs."),
    "prefetch": LazyCommand("flyte.cli._prefetch", "prefetch", "Store models in the object store ahead of use."),
    "rerun": LazyCommand("flyte.cli._rerun", "rerun", "Re-run a server run with its code and inputs (--recover)."),
    "run": LazyCommand("flyte.cli._run", "run", "Run a task from a Python file, locally or on a server."),
    "serve": LazyCommand("flyte.cli._serve", "serve", "Serve an app environment from a Python file locally."),
    "signal": LazyCommand("flyte.cli._signal", "signal", "Give a paused condition of a server run its value."),
    "start": LazyCommand("flyte.cli._start", "start", "Start the flyte server."),
    "update": LazyCommand("flyte.cli._update", "update", "Update something stored on the server (a trigger)."),
    "whoami": LazyCommand("flyte.cli._whoami", "whoami", "Show the server, API key and project in use."),
}


@click.group("flyte", cls=_RootGroup, lazy_commands=_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="openflyte", prog_name="flyte", message="%(prog)s %(version)s")
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file to use instead of searching ($FLYTECTL_CONFIG, ./config.yaml, ...).",
)
@click.option(
    "--endpoint",
    metavar="URL",
    help="Server to talk to, instead of the configuration's admin.endpoint. host:port means "
    "https://host:port (http:// with --insecure); an empty value means no server (run locally).",
)
@click.option("--insecure", is_flag=True, help="Talk to the server over plain HTTP, without TLS (admin.insecure).")
@click.option("--org", help="Organisation the command applies to, instead of the configuration's task.org.")
@click.option(
    "-v", "--verbose", "verbosity", count=True, help="Log more on stderr: -v for info, -vv for debug and tracebacks."
)
@click.option(
    "-of",
    "--output-format",
    type=click.Choice(OUTPUT_FORMATS),
    default="table",
    show_default=True,
    help="How listing commands (flyte get ...) print: a table for people, json or yaml for programs.",
)
@click.option("--no-progress", is_flag=True, help="Do not draw the live progress line of runs (e.g. in CI logs).")
@click.option(
    "--log-format",
    type=click.Choice(("console", "json")),
    default="console",
    show_default=True,
    help="How log records are written on stderr: readable lines, or one JSON object per line.",
)
@click.pass_context
def main(
    ctx: click.Context,
    config_path: Path | None,
    endpoint: str | None,
    insecure: bool,
    org: str | None,
    verbosity: int,
    output_format: str,
    no_progress: bool,
    log_format: str,
) -> None:
    """Flyte: write workflows as async Python, run them locally or on a server.

    Commands follow a verb/noun shape: `flyte create config`, `flyte get run`, `flyte run`.
    Root options go before the command and apply to it:

    \b
        flyte --endpoint localhost:8080 --insecure get run
        flyte -of json get run my-run
        flyte -vv run --local hello.py main
    """
    ctx.obj = CLIState(config_path, endpoint, insecure, org, verbosity, output_format, no_progress, log_format)
    if verbosity or log_format != "console":
        from flyte.cli._log_setup import configure_logging

        ctx.call_on_close(configure_logging(verbosity, log_format))
