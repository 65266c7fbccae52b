"""The output format of listing commands: the root's ``-of/--output-format``, or the command's
own ``--output-format``, which wins when given.

``table`` is for people; ``json`` and ``yaml`` print the same data for programs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from flyte.cli._show import dump_json, dump_yaml
from flyte.cli.main import OUTPUT_FORMATS, current_state

__all__ = ["chosen_format", "output_format_option", "render"]

_F = TypeVar("_F", bound=Callable[..., Any])


def output_format_option(command: _F) -> _F:
    """The ``--output-format`` option of a listing command (default: the root's ``-of``)."""
    option = click.option(
        "--output-format",
        type=click.Choice(OUTPUT_FORMATS),
        default=None,
        help="table for people, json or yaml for programs; default: flyte -of (table).",
    )
    return option(command)


def chosen_format(given: str | None) -> str:
    """The command's ``--output-format`` if given, else the root's ``-of``."""
    return given if given is not None else current_state().output_format


def render(value: Any, output_format: str) -> str:
    """``value`` (API models or plain data) as JSON or YAML, without a trailing newline."""
    if output_format == "yaml":
        return dump_yaml(value).rstrip("\n")
    return dump_json(value)
