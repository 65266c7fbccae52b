"""An image recipe as a Dockerfile: the same recipe, for a container builder.

The text is deterministic (the same recipe always gives the same bytes). Paths of files an image
copies are written relative to ``context``, the folder the container build is run in.
"""

from __future__ import annotations

import json
import posixpath
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flyte._internal.imagebuild._pixi import PIXI_PROJECT_DIR, script_manifest
from flyte._internal.imagebuild._poetry import POETRY_PROJECT_DIR
from flyte.errors import ImageBuildError

if TYPE_CHECKING:
    from flyte._image import Image

__all__ = ["render_dockerfile"]

_UV = "COPY --from=ghcr.io/astral-sh/uv:latest /uv /usr/local/bin/uv"
_PIXI = "COPY --from=ghcr.io/prefix-dev/pixi:latest /usr/local/bin/pixi /usr/local/bin/pixi"
_UV_KINDS = ("pip", "requirements", "uv_script", "uv_project", "poetry_project")
# Ends the generated pixi.toml written inline; no TOML line is this word alone.
_MANIFEST_END = "FLYTE_PIXI_MANIFEST"


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


def _poetry(options: dict[str, Any], context: Path) -> list[str]:
    pyproject, lock = Path(options["pyproject"]), Path(options["poetry_lock"])
    extra = options.get("extra_args") or ""
    if options.get("mode") == "install_project":
        lines = [f"COPY {_relative(str(pyproject.parent), context)} {POETRY_PROJECT_DIR}"]
        if lock.resolve() != (pyproject.parent / "poetry.lock").resolve():
            lines.append(f"COPY {_relative(str(lock), context)} {POETRY_PROJECT_DIR}/poetry.lock")
    else:
        lines = [
            f"COPY {_relative(str(pyproject), context)} {POETRY_PROJECT_DIR}/pyproject.toml",
            f"COPY {_relative(str(lock), context)} {POETRY_PROJECT_DIR}/poetry.lock",
        ]
        # Only the two files are in the image: the project itself cannot be installed.
        extra = extra if "--no-root" in extra.split() else f"--no-root {extra}".strip()
    install = f"POETRY_VIRTUALENVS_CREATE=false poetry install {extra}".strip()
    return [*lines, f"RUN uv pip install --system poetry && cd {POETRY_PROJECT_DIR} && {install}"]


def _pixi(kind: str, options: dict[str, Any], context: Path) -> list[str]:
    lines = [_PIXI]
    copied = kind == "pixi_project" and options.get("mode") == "install_project"
    if kind == "pixi_script":
        script = Path(options["script"])
        manifest = f"{PIXI_PROJECT_DIR}/pixi.toml"
        text = script_manifest(script.read_text(), script.name, options["platforms"])
        lines.append(f'COPY <<"{_MANIFEST_END}" {manifest}\n{text}{_MANIFEST_END}')
    else:
        source = Path(options["manifest"])
        manifest = f"{PIXI_PROJECT_DIR}/{source.name}"
        target = PIXI_PROJECT_DIR if copied else manifest
        lines.append(f"COPY {_relative(str(source.parent if copied else source), context)} {target}")
    lock = options.get("pixi_lock")
    extra = options.get("extra_args") or ""
    if lock:
        if not (copied and Path(lock).resolve() == Path(options["manifest"]).resolve().with_name("pixi.lock")):
            lines.append(f"COPY {_relative(lock, context)} {PIXI_PROJECT_DIR}/pixi.lock")
        # pixi refuses --locked with --frozen, which asks for the lock as it is, unchecked.
        extra = extra if "--frozen" in extra.split() else f"--locked {extra}".strip()
    environment = options["environment"]
    prefix = f"{PIXI_PROJECT_DIR}/.pixi/envs/{environment}"
    install = f"RUN pixi install --manifest-path {manifest} --environment {environment} {extra}".strip()
    # The pixi environment runs the tasks, and later layers install into it.
    return [*lines, install, f'ENV VIRTUAL_ENV="{prefix}"', f'ENV PATH="{prefix}/bin:$PATH"']


def _code_bundle(options: dict[str, Any], context: Path) -> list[str]:
    from flyte._internal.bundle import build_bundle

    dst = options["dst"]
    if options["copy_style"] == "all":
        return ["# the task's code: the whole build context", f"COPY . {dst}"]
    files = build_bundle(context).files
    header = "# the task's code: the modules loaded from the build context, as its code bundle holds them"
    return [header, *(f"COPY {name} {posixpath.join(dst, name)}" for name in files)]


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
    if kind == "poetry_project":
        return _poetry(options, context)
    if kind in ("pixi_project", "pixi_script"):
        return _pixi(kind, options, context)
    if kind == "code_bundle":
        return _code_bundle(options, context)
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
    if any(layer.kind in _UV_KINDS for layer in image._layers):
        lines.append(_UV)
    for layer in image._layers:
        lines.extend(_lines(layer.kind, dict(layer.options), context))
    return "\n".join(lines) + "\n"
