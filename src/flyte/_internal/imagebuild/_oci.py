"""Building an image's Dockerfile into an OCI image with the container builder this machine has.

Tried in order: buildah, podman, docker. buildah and podman keep images in their own storage
(``buildah images``); docker needs its engine running. Nothing is pretended: without a builder,
or when the build fails (say, its base image cannot be pulled), the error says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from flyte.errors import ImageBuildError

if TYPE_CHECKING:
    from flyte._image import Image

__all__ = ["build_oci", "container_builder"]

_BUILDERS = ("buildah", "podman", "docker")
_LOG_TAIL_LINES = 30


def container_builder() -> str | None:
    """The first container builder found on PATH, or None."""
    for name in _BUILDERS:
        if shutil.which(name):
            return name
    return None


def _command(builder: str, dockerfile: Path, tag: str, context: Path) -> list[str]:
    if builder == "buildah":
        # The vfs driver works without kernel overlay support, as in containers and small VMs.
        return [builder, "--storage-driver", "vfs", "bud", "--isolation", "chroot", "-f", str(dockerfile), "-t", tag]
    return [builder, "build", "-f", str(dockerfile), "-t", tag, str(context)]


def build_oci(image: Image, context: Path) -> str:
    """Builds ``image`` as an OCI image tagged with its URI, from ``context``; returns the URI.

    Raises:
        ImageBuildError: no container builder is installed, or the build failed (with its log).
    """
    from flyte._internal.imagebuild._dockerfile import render_dockerfile

    builder = container_builder()
    if builder is None:
        raise ImageBuildError(
            "no container builder found (buildah, podman or docker): install one, or build the image from "
            "`flyte build FILE ENV --dockerfile`"
        )
    text = render_dockerfile(image, context)
    with tempfile.TemporaryDirectory(prefix="flyte-oci-") as folder:
        dockerfile = Path(folder) / "Dockerfile"
        dockerfile.write_text(text)
        command = _command(builder, dockerfile, image.uri, context)
        if builder == "buildah":
            command.append(str(context))
        result = subprocess.run(command, cwd=context, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-_LOG_TAIL_LINES:])
        raise ImageBuildError(f"{builder} could not build {image.uri} (exit {result.returncode}):\n{tail}")
    return image.uri
