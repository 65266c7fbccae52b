"""``flyte deploy FILE ENV`` (or ``--all``): register environments' tasks on the server.

The file is imported, its task environments found at its top level, and
:func:`flyte.deploy` registers the chosen ones (with the environments they depend on) with
the code bundle, their images and their triggers. ``--recursive`` takes every Python file
under a folder. The deployed tasks then run without their source: ``flyte run deployed-task``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from flyte.cli.main import current_config

if TYPE_CHECKING:
    from flyte._deploy import CopyFiles
    from flyte._environment import Environment

__all__ = ["deploy"]

_SKIPPED_FOLDERS = frozenset({".git", ".venv", "venv", "__pycache__", "node_modules", ".tox", "build", "dist"})


def _python_files(path: Path, recursive: bool) -> list[Path]:
    if not path.is_dir():
        return [path]
    if not recursive:
        raise click.ClickException(
            f"{path} is a folder: give a Python file, or --recursive to deploy the files under it"
        )
    return sorted(
        file
        for file in path.rglob("*.py")
        if not any(part in _SKIPPED_FOLDERS or part.startswith(".") for part in file.relative_to(path).parts[:-1])
    )


def _environments(files: list[Path], ignore_load_errors: bool) -> dict[str, Environment]:
    """The task environments defined at the top level of ``files``, by name."""
    from flyte._environment import TaskEnvironment
    from flyte._internal.module_loader import load_file
    from flyte.errors import ModuleLoadError

    found: dict[str, Environment] = {}
    for file in files:
        try:
            module = load_file(file)
        except ModuleLoadError as e:
            if ignore_load_errors:
                click.echo(f"Skipped {file}: {e.message}", err=True)
                continue
            raise click.ClickException(e.message) from e
        for value in vars(module).values():
            if isinstance(value, TaskEnvironment):
                found.setdefault(value.name, value)
    return found


def _root(files: list[Path], given: Path | None) -> Path:
    """The folder bundled with the code: ``--root-dir``, else the working folder when the files
    are inside it, else the folder the first file is imported from."""
    from flyte._internal.module_loader import module_name_for

    if given is not None:
        return given
    cwd = Path.cwd().resolve()
    first = files[0].resolve()
    return cwd if first.is_relative_to(cwd) else module_name_for(first)[1]


@click.command("deploy", short_help="Deploy environments' tasks to the server.")
@click.argument("path", type=click.Path(path_type=Path))
@click.argument("env_names", metavar="[ENV]...", nargs=-1)
@click.option("-p", "--project", help="Project to deploy to, instead of the configuration's task.project.")
@click.option("-d", "--domain", help="Domain to deploy to, instead of the configuration's task.domain.")
@click.option("--version", help="Version of the deployment; default: a digest of the code and the tasks.")
@click.option("--dry-run", "--dryrun", "dry_run", is_flag=True, help="Show what would be deployed; deploy nothing.")
@click.option(
    "--copy-style",
    type=click.Choice(("loaded_modules", "all")),
    default="loaded_modules",
    show_default=True,
    help="What the code bundle holds: the modules loaded from the root folder, or all its files.",
)
@click.option("--root-dir", type=click.Path(file_okay=False, path_type=Path), help="The folder the bundle is made of.")
@click.option("-r", "--recursive", is_flag=True, help="Deploy the environments of every Python file under PATH.")
@click.option("--all", "deploy_all", is_flag=True, help="Deploy every environment found, not only those named.")
@click.option("-i", "--ignore-load-errors", is_flag=True, help="Skip files that fail to import (with --recursive).")
@click.option(
    "--image",
    "images",
    multiple=True,
    metavar="NAME=URI",
    help="Image for Image.from_ref_name(NAME) (a URI alone: the default image); repeatable.",
)
def deploy(
    path: Path,
    env_names: tuple[str, ...],
    project: str | None,
    domain: str | None,
    version: str | None,
    dry_run: bool,
    copy_style: str,
    root_dir: Path | None,
    recursive: bool,
    deploy_all: bool,
    ignore_load_errors: bool,
    images: tuple[str, ...],
) -> None:
    """Deploy the environments ENV... of the Python file PATH (every one with --all) to the server.

    \b
        flyte deploy hello.py my_env
        flyte deploy --all hello.py
        flyte deploy --recursive --all ./src
        flyte deploy --version v1 hello.py my_env
        flyte deploy --dry-run hello.py my_env

    Environments they depend on are deployed with them. Deploying unchanged code again changes
    nothing; the deployed tasks run with `flyte run deployed-task ENV.TASK`.
    """
    import flyte

    if not env_names and not deploy_all:
        raise click.UsageError("name the environments to deploy, or give --all")
    if not path.exists():
        raise click.ClickException(f"no such file or folder: {path}")
    files = _python_files(path, recursive)
    found = _environments(files, ignore_load_errors)
    missing = [name for name in env_names if name not in found]
    if missing:
        available = ", ".join(sorted(found)) or "none"
        raise click.ClickException(f"no environment named {', '.join(missing)} in {path}; available: {available}")
    chosen = list(found.values()) if deploy_all else [found[name] for name in env_names]
    if not chosen:
        raise click.ClickException(f"no task environments in {path}")
    image_options = tuple(image if "=" in image else f"default={image}" for image in images)
    flyte.init_from_config(
        current_config(),
        root_dir=_root(files, root_dir),
        project=project,
        domain=domain,
        images=image_options or None,
    )
    style = cast("CopyFiles", copy_style)
    deployments = flyte.deploy(*chosen, dry_run=dry_run, version=version, copy_style=style)
    rows = [row for deployment in deployments for row in deployment.table_repr()]
    verb = "Would deploy" if dry_run else "Deployed"
    click.echo(f"{verb} {len(rows)} task(s):")
    width = max((len(row[1]) for row in rows), default=0)
    for env_name, task_name, task_version, trigger_names in rows:
        triggers = f"  triggers: {trigger_names}" if trigger_names else ""
        click.echo(f"  {task_name:<{width}}  version {task_version}  (env {env_name}){triggers}")
