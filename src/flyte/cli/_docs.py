"""Documentation of the ``flyte`` command tree: every command with its usage, help, arguments and
options, collected from click and written as Markdown or JSON (``flyte gen docs``)."""

from __future__ import annotations

import enum
import inspect
import json
from dataclasses import asdict, dataclass, field

import click

__all__ = ["CommandDoc", "ParamDoc", "collect", "to_json", "to_markdown"]


@dataclass(frozen=True)
class ParamDoc:
    """One argument or option of a command."""

    names: list[str]
    kind: str
    """``argument`` or ``option``."""
    type: str
    required: bool
    default: str | None
    help: str


@dataclass(frozen=True)
class CommandDoc:
    """One command: its full path (``flyte get run``), usage line, help and parameters."""

    path: str
    name: str
    is_group: bool
    usage: str
    short_help: str
    help: str
    params: list[ParamDoc] = field(default_factory=list)
    subcommands: list[str] = field(default_factory=list)


def _type_name(param: click.Parameter) -> str:
    if isinstance(param.type, click.Choice):
        return "|".join(str(choice) for choice in param.type.choices)
    if isinstance(param, click.Option) and param.is_flag:
        return "flag"
    if isinstance(param, click.Option) and param.count:
        return "count"
    return param.type.name


def _default(param: click.Parameter) -> str | None:
    if isinstance(param, click.Option) and (param.is_flag or param.count):
        return None
    default = param.default
    # click >= 8.3 marks "no default" with an enum member of its own rather than None.
    if default is None or callable(default) or default == () or isinstance(default, enum.Enum):
        return None
    return str(default)


def _param(param: click.Parameter) -> ParamDoc:
    is_option = isinstance(param, click.Option)
    names = [*param.opts, *param.secondary_opts] if is_option else [param.human_readable_name]
    help_text = getattr(param, "help", None) or ""
    return ParamDoc(
        names=names,
        kind="option" if is_option else "argument",
        type=_type_name(param),
        required=param.required,
        default=_default(param),
        help=" ".join(help_text.split()),
    )


def _help(command: click.Command) -> str:
    text = inspect.cleandoc(command.help or "")
    # \b marks a paragraph click must not rewrap; in Markdown the paragraph is kept as written.
    return "\n".join(line for line in text.splitlines() if line.strip() != "\b")


def collect(root: click.Command, name: str = "flyte") -> list[CommandDoc]:
    """Every command under ``root`` (included), depth first, subcommands in name order."""
    docs: list[CommandDoc] = []

    def visit(command: click.Command, ctx: click.Context) -> None:
        is_group = isinstance(command, click.Group)
        subcommands = command.list_commands(ctx) if isinstance(command, click.Group) else []
        pieces = " ".join(command.collect_usage_pieces(ctx))
        params = [_param(p) for p in command.get_params(ctx)]
        docs.append(
            CommandDoc(
                path=ctx.command_path,
                name=command.name or name,
                is_group=is_group,
                usage=f"{ctx.command_path} {pieces}".strip(),
                short_help=command.get_short_help_str(limit=120),
                help=_help(command),
                params=params,
                subcommands=subcommands,
            )
        )
        if not isinstance(command, click.Group):
            return
        for sub_name in subcommands:
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                visit(sub, click.Context(sub, info_name=sub_name, parent=ctx))

    visit(root, click.Context(root, info_name=name))
    return docs


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _anchor(path: str) -> str:
    return path.replace(" ", "-")


def to_markdown(docs: list[CommandDoc]) -> str:
    """The commands as one Markdown page: an index, then a section per command."""
    out = ["# flyte CLI", "", "| Command | Description |", "| --- | --- |"]
    out += [f"| [`{d.path}`](#{_anchor(d.path)}) | {_cell(d.short_help)} |" for d in docs]
    for doc in docs:
        out += ["", f"## {doc.path}", "", f"**`{doc.usage}`**", ""]
        if doc.help:
            out += [doc.help, ""]
        arguments = [p for p in doc.params if p.kind == "argument"]
        options = [p for p in doc.params if p.kind == "option"]
        if arguments:
            out += ["| Argument | Required |", "| --- | --- |"]
            out += [f"| `{p.names[0]}` | {'yes' if p.required else 'no'} |" for p in arguments]
            out.append("")
        if options:
            out += ["| Option | Type | Default | Description |", "| --- | --- | --- | --- |"]
            for p in options:
                names = ", ".join(f"`{n}`" for n in p.names)
                default = f"`{p.default}`" if p.default is not None else ""
                required = " (required)" if p.required else ""
                out.append(f"| {names} | `{_cell(p.type)}` | {_cell(default)} | {_cell(p.help)}{required} |")
            out.append("")
        if doc.subcommands:
            links = ", ".join(f"[`{s}`](#{_anchor(doc.path + ' ' + s)})" for s in doc.subcommands)
            out += [f"Subcommands: {links}", ""]
    return "\n".join(out).rstrip() + "\n"


def to_json(docs: list[CommandDoc], version: str) -> str:
    """The commands as a JSON document: ``{"cli": "flyte", "version": ..., "commands": [...]}``."""
    body = {"cli": "flyte", "version": version, "commands": [asdict(d) for d in docs]}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
