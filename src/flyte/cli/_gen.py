"""``flyte gen docs``: reference documentation of every ``flyte`` command, in Markdown or JSON."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["gen", "gen_docs"]


@click.group()
def gen() -> None:
    """Generate documentation."""


@gen.command("docs", short_help="Write the reference of every flyte command.")
@click.option(
    "--type",
    "doc_type",
    type=click.Choice(("markdown", "json")),
    default="markdown",
    show_default=True,
    help="markdown: one page with a section per command; json: the same for programs.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of stdout.",
)
def gen_docs(doc_type: str, output: Path | None) -> None:
    """Generate the reference of every flyte command: usage, help, arguments and options.

    \b
        flyte gen docs > cli.md
        flyte gen docs --type json -o cli.json
    """
    import importlib.metadata

    from flyte.cli._docs import collect, to_json, to_markdown
    from flyte.cli.main import main

    docs = collect(main)
    text = to_markdown(docs) if doc_type == "markdown" else to_json(docs, importlib.metadata.version("openflyte"))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise click.ClickException(f"cannot write {output}: {e.strerror or e}") from e
    click.echo(f"Wrote the reference of {len(docs)} commands to {output}.")
