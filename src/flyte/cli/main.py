"""The ``flyte`` command: a click group whose subcommands are imported only when used.

Errors: a command reports a user mistake by raising a :mod:`flyte.errors` error,
``FileNotFoundError`` or ``click.ClickException``; the root group prints it as one line,
``Error: <message>``, on stderr and exits with code 1 (usage errors: code 2). Anything else is
a bug and keeps its traceback. Code that runs a command outside the root group can get the same
treatment with :func:`cli_errors`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import click

from flyte._config import Config, load_config
from flyte.errors import BaseRuntimeError

__all__ = ["USER_ERRORS", "CLIState", "LazyCommand", "LazyGroup", "cli_errors", "current_config", "main"]

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
    """Turns :data:`USER_ERRORS` raised inside the block into ``click.ClickException`` (exit 1).

    Usage::

        with cli_errors():
            do_something_that_may_raise_a_flyte_error()
    """
    try:
        yield
    except USER_ERRORS as e:
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


@dataclass
class CLIState:
    """Settings of the root group shared with every subcommand (``ctx.obj``)."""

    config_path: Path | None = None
    _config: Config | None = field(default=None, repr=False)

    def config(self) -> Config:
        """The configuration, loaded once per invocation."""
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config


def current_config() -> Config:
    """The configuration for the running command: honours ``flyte --config``; outside the root
    group (e.g. a command invoked on its own in a test) it is :func:`flyte._config.load_config`."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(CLIState) if ctx is not None else None
    return state.config() if state is not None else load_config()


_COMMANDS: dict[str, LazyCommand] = {
    "build": LazyCommand("flyte.cli._build", "build", "Build an environment's image."),
    "create": LazyCommand("flyte.cli._create", "create", "Create a configuration file or a secret."),
    "get": LazyCommand("flyte.cli._get", "get", "Show the configuration, secrets, runs, their data and logs."),
    "run": LazyCommand("flyte.cli._run", "run", "Run a task from a Python file, locally or on a server."),
    "start": LazyCommand("flyte.cli._start", "start", "Start the flyte server."),
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
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Flyte: write workflows as async Python, run them locally or on a server.

    Commands follow a verb/noun shape: `flyte create config`, `flyte get secret`, `flyte run`.
    """
    ctx.obj = CLIState(config_path)
