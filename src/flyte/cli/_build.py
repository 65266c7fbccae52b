"""``flyte build FILE ENV``: build an environment's image, or print it as a Dockerfile."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import click

from flyte.cli._loader import load_file
from flyte.cli.main import cli_errors, current_config

if TYPE_CHECKING:
    from flyte._environment import TaskEnvironment

__all__ = ["build"]


def _environment(module: ModuleType, file: str, name: str) -> TaskEnvironment:
    """The environment called ``name`` (its name, or the variable holding it) in ``module``."""
    from flyte._environment import TaskEnvironment

    found = {value.name: value for value in vars(module).values() if isinstance(value, TaskEnvironment)}
    by_variable = vars(module).get(name)
    if isinstance(by_variable, TaskEnvironment):
        return by_variable
    if name in found:
        return found[name]
    known = ", ".join(sorted(found)) or "none"
    raise click.ClickException(f"{file} defines no environment named {name!r} (environments: {known})")


@click.command("build", short_help="Build an environment's image.")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("env_name", metavar="ENV")
@click.option("--dockerfile", is_flag=True, help="Print the image as a Dockerfile instead of building it.")
@click.option(
    "--oci",
    is_flag=True,
    help="Build an OCI image from that Dockerfile with buildah, podman or docker (the first found).",
)
@click.option("--force", is_flag=True, help="Build again even if the image was built before.")
@click.option("--dry-run", is_flag=True, help="Check the recipe and print the URI without building.")
def build(file: str, env_name: str, dockerfile: bool, oci: bool, force: bool, dry_run: bool) -> None:
    """Build the image of environment ENV defined in FILE (and those of the environments it
    depends on) where its tasks run: on the configured server, else on this machine. Prints
    each image's URI.

    With --dockerfile, prints the environment's image as a Dockerfile (paths relative to the
    current folder), for a container builder; with --oci, builds that Dockerfile into an OCI image
    tagged with the image's URI, in the current folder as the build context.
    """
    import flyte
    from flyte._image import Image

    module = load_file(file)
    env = _environment(module, file, env_name)
    with cli_errors():
        if dockerfile or oci:
            from flyte._internal.imagebuild._dockerfile import render_dockerfile
            from flyte._internal.imagebuild._oci import build_oci

            if not isinstance(env.image, Image):
                raise click.ClickException(f"environment {env.name!r} uses the image {env.image!r}: nothing to build")
            if oci:
                click.echo(f"{env.name}: {build_oci(env.image, Path.cwd())}")
            else:
                click.echo(render_dockerfile(env.image, Path.cwd()), nl=False)
            return
        flyte.init_from_config(current_config())
        if dry_run or force:
            image = env.image if isinstance(env.image, Image) else None
            if image is None:
                click.echo(f"{env.name}: {env.image}")
                return
            result = flyte.build(image, dry_run=dry_run, force=force)
            click.echo(f"{env.name}: {result.uri}")
            return
        for name, uri in flyte.build_images(env).image_lookup.items():
            click.echo(f"{name}: {uri}")
