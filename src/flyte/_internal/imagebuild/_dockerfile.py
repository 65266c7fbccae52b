"""An image recipe as a Dockerfile: the same recipe, for a container builder.

The text is deterministic (the same recipe always gives the same bytes). Paths of files an image
copies are written relative to ``context``, the folder the container build is run in.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flyte.errors import ImageBuildError

if TYPE_CHECKING:
    from flyte._image import Image

__all__ = ["render_dockerfile"]

_UV = "COPY --from=ghcr.io/astral-sh/uv:latest /uv /usr/local/bin/uv"


def _relative(path: str, context: Path) -> str:
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(context.resolve()).as_posix()
    except ValueError:
        raise ImageBuildError(f"the image reads {path}, outside the build context {context}") from None


def _pip_flags(options: dict[str, Any]) -> str:
    flags = []
    if options.get("index_url"):
        flags += ["--index-url", options["index_url"]]
    for url in options.get("extra_index_urls") or ():
        flags += ["--extra-index-url", url]
    if options.get("pre"):
        flags.append("--prerelease=allow")
    joined = shlex.join(flags)
    extra = options.get("extra_args")
    return " ".join(part for part in (joined, extra) if part)


def _install(options: dict[str, Any], *what: str) -> str:
    flags = _pip_flags(options)
    return f"RUN uv pip install --system {flags + ' ' if flags else ''}{shlex.join(what)}"


def _lines(kind: str, options: dict[str, Any], context: Path) -> list[str]:
    if kind == "apt":
        packages = shlex.join(options["packages"])
        return [
            "RUN apt-get update && apt-get install -y --no-install-recommends "
            f"{packages} && rm -rf /var/lib/apt/lists/*"
        ]
    if kind == "pip":
        return [_install(options, *options["packages"])]
    if kind == "requirements":
        source = _relative(options["file"], context)
        return [f"COPY {source} /tmp/requirements.txt", _install(options, "-r", "/tmp/requirements.txt")]
    if kind == "uv_script":
        from flyte._internal.imagebuild._venv import script_dependencies

        dependencies = script_dependencies(Path(options["script"]).read_text())
        return [_install(options, *dependencies)] if dependencies else []
    if kind == "uv_project":
        lines = [f"COPY {_relative(options['pyproject'], context)} /project/pyproject.toml"]
        if Path(options["uvlock"]).is_file():
            lines.append(f"COPY {_relative(options['uvlock'], context)} /project/uv.lock")
        install = "" if options.get("mode") == "install_project" else " --no-install-project"
        lines.append(f"RUN cd /project && UV_PROJECT_ENVIRONMENT=/usr/local uv sync{install}")
        return lines
    if kind == "env":
        return [f"ENV {key}={json.dumps(value)}" for key, value in options["env_vars"]]
    if kind == "workdir":
        return [f"WORKDIR {options['workdir']}"]
    if kind == "commands":
        return [f"RUN {command}" for command in options["commands"]]
    if kind in ("copy_file", "copy_folder"):
        return [f"COPY {_relative(options['src'], context)} {options['dst']}"]
    if kind == "dockerignore":
        # A builder reads it from the context, as .dockerignore or with --ignorefile.
        return [f"# .dockerignore: {_relative(options['path'], context)}"]
    if kind == "local_flyte":
        return ["# the local flyte source is installed by the builder of this project's images"]
    raise ImageBuildError(f"image layers of kind {kind!r} have no Dockerfile form")


def render_dockerfile(image: Image, context: Path | None = None) -> str:
    """The Dockerfile of ``image``, with the files it copies relative to ``context`` (the cwd).

    Raises:
        ImageBuildError: a file the image reads lies outside ``context``.
    """
    context = context or Path.cwd()
    if image.dockerfile is not None:
        return image.dockerfile.read_text()
    lines = [f"# {image.uri}", f"FROM {image.base_image or image.name}"]
    if any(layer.kind in ("pip", "requirements", "uv_script", "uv_project") for layer in image._layers):
        lines.append(_UV)
    for layer in image._layers:
        lines.extend(_lines(layer.kind, dict(layer.options), context))
    return "\n".join(lines) + "\n"
