"""``flyte create``: write a configuration file, store a secret."""

from __future__ import annotations

from pathlib import Path

import click

from flyte._config import AdminConfig, Config, ImageConfig, TaskConfig
from flyte._secrets_store import SecretInfo, secrets_path, set_secret, validate_secret
from flyte.cli._api_keys import create_api_key
from flyte.cli._projects import create_project
from flyte.cli._triggers import create_trigger
from flyte.cli.main import current_config

__all__ = ["create", "create_config", "create_secret"]


@click.group()
def create() -> None:
    """Create a configuration file or a secret."""


@create.command("config", short_help="Write a configuration file.")
@click.option("--endpoint", help="URL of the flyte server; leave out to run everything locally.")
@click.option("--insecure", is_flag=True, help="Talk to the server without TLS.")
@click.option("--org", help="Organisation that runs belong to.")
@click.option("-p", "--project", help=f"Project that runs belong to.  [default: {TaskConfig.project}]")
@click.option("-d", "--domain", help=f"Domain that runs belong to.  [default: {TaskConfig.domain}]")
@click.option(
    "--builder",
    type=click.Choice(["local", "remote"]),
    default="local",
    show_default=True,
    help="Where container images are built.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("config.yaml"),
    show_default=True,
    help="File to write; a folder means <folder>/config.yaml.",
)
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def create_config(
    endpoint: str | None,
    insecure: bool,
    org: str | None,
    project: str | None,
    domain: str | None,
    builder: str,
    output: Path,
    force: bool,
) -> None:
    """Write a configuration file (./config.yaml unless --output says otherwise).

    With no options the file holds the defaults: local runs, project "flytesnacks", domain
    "development". An existing file is kept unless --force is given.
    """
    task = TaskConfig(org=org, project=project or TaskConfig.project, domain=domain or TaskConfig.domain)
    config = Config(admin=AdminConfig(endpoint, insecure), image=ImageConfig(builder), task=task)
    target = output / "config.yaml" if output.is_dir() else output
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # "x" refuses to replace a file that appears between a check and the write.
        with target.open("w" if force else "x", encoding="utf-8") as f:
            f.write(config.to_yaml())
    except FileExistsError:
        raise click.ClickException(f"{target} already exists; use --force to overwrite it") from None
    click.echo(f"Wrote {target}")


@create.command("secret", short_help="Store a secret.")
@click.argument("name")
@click.argument("value", required=False)
@click.option("--value", "value_option", metavar="VALUE", help="The value, as an option instead of an argument.")
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the value from this UTF-8 text file, exactly as it is.",
)
@click.option("-p", "--project", help="Make the secret apply to this project only.")
@click.option("-d", "--domain", help="Make the secret apply to this domain only.")
def create_secret(
    name: str,
    value: str | None,
    value_option: str | None,
    from_file: Path | None,
    project: str | None,
    domain: str | None,
) -> None:
    """Store the secret NAME with VALUE; without a value, prompt for it (hidden).

    A value on the command line lands in the shell's history: for real credentials prefer
    --from-file or the prompt. With a server endpoint configured the secret is stored, encrypted,
    by the server (for its runs); without one it goes to the local store in the flyte home
    folder. Either way a scoped secret wins over an unscoped one of the same name.
    """
    given = [v for v in (value, value_option, from_file) if v is not None]
    if len(given) > 1:
        raise click.UsageError("give the value once: as VALUE, --value or --from-file")
    config = current_config()
    validate_secret(name, project, domain)  # before prompting, so a typo costs no typing
    secret = _read_value(value if value is not None else value_option, from_file)
    if config.is_remote:
        from flyte.cli._secrets_remote import store_on_server

        store_on_server(config, name, secret, project, domain)
        scope = SecretInfo(name, project, domain).scope
        click.echo(f"Stored secret {name} ({scope}) on the server {config.admin.endpoint}")
        return
    set_secret(name, secret, project, domain, home=config.home())
    scope = SecretInfo(name, project, domain).scope
    click.echo(f"Stored secret {name} ({scope}) in {secrets_path(config.home())}")


def _read_value(value: str | None, from_file: Path | None) -> str:
    if value is not None:
        return value
    if from_file is not None:
        try:
            return from_file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise click.ClickException(f"{from_file} is not UTF-8 text") from None
    entered: str = click.prompt("Enter secret value", hide_input=True)
    return entered


create.add_command(create_api_key)
create.add_command(create_project)
create.add_command(create_trigger)
