"""The wire form of an image recipe: what a builder on another machine needs, files included."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from flyte._internal import wire
from flyte._internal.imagebuild._pixi import PIXI_PROJECT_DIR, script_manifest
from flyte._internal.imagebuild._poetry import POETRY_PROJECT_DIR
from flyte.errors import ImageBuildError

if TYPE_CHECKING:
    from flyte._image import Image

__all__ = ["MAX_IMAGE_FILES_BYTES", "environment_images", "image_spec"]

MAX_IMAGE_FILES_BYTES = 32 * 1024 * 1024
"""Files an image copies travel with the task's spec; larger contexts belong in the code bundle."""

_PIP_KINDS = ("pip", "requirements", "uv_script", "uv_project")
# The server's workers run its own flyte: a layer installing another copy changes nothing there.
# Their tasks' code comes in the run's code bundle, so baking it in (code_bundle) changes nothing.
_IGNORED = ("local_flyte", "dockerignore", "code_bundle")


def _pip_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "index_url": options.get("index_url"),
        "extra_index_urls": list(options.get("extra_index_urls") or ()),
        "pre": bool(options.get("pre")),
        "extra_args": options.get("extra_args"),
    }


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as e:
        raise ImageBuildError(f"cannot read the image's {what} {path}: {e.strerror}") from e


def _ignored(relative: PurePosixPath, patterns: tuple[str, ...]) -> bool:
    """Whether a ``.dockerignore`` pattern (``!`` negates one before it) leaves the path out."""
    left_out = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.removeprefix("!").strip("/")
        if relative.match(glob) or any(parent.match(glob) for parent in relative.parents if parent.parts):
            left_out = not negated
    return left_out


def _dockerignore_patterns(path: str) -> tuple[str, ...]:
    lines = _read_text(path, ".dockerignore").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def _copies(src: Path, dst: str, ignore: tuple[str, ...] = ()) -> list[wire.ImageStep]:
    """``copy_file`` steps for a file, or for each file of a folder (dot-files, caches and what
    ``ignore`` patterns name left out)."""
    if src.is_file():
        target = dst if not dst.endswith("/") and dst != "." else f"{dst.rstrip('/')}/{src.name}"
        return [wire.ImageStep(kind="copy_file", path=target, content=src.read_bytes())]
    if not src.is_dir():
        raise ImageBuildError(f"the image copies {src}, which does not exist")
    steps = []
    for child in sorted(src.rglob("*")):
        relative = child.relative_to(src)
        hidden = any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
        if child.is_file() and not hidden and not _ignored(PurePosixPath(relative.as_posix()), ignore):
            steps.append(
                wire.ImageStep(kind="copy_file", path=f"{dst}/{relative.as_posix()}", content=child.read_bytes())
            )
    return steps


def _poetry_steps(options: dict[str, Any], ignore: tuple[str, ...]) -> list[wire.ImageStep]:
    """A poetry project: its folder copied first when the project itself is installed."""
    pyproject = Path(options["pyproject"])
    copied = options["mode"] == "install_project"
    steps = _copies(pyproject.parent, POETRY_PROJECT_DIR, ignore) if copied else []
    step = wire.ImageStep(
        kind="poetry_project",
        text=_read_text(options["pyproject"], "pyproject.toml"),
        lock=_read_text(options["poetry_lock"], "poetry.lock"),
        extra_args=options["extra_args"],
        path=POETRY_PROJECT_DIR if copied else None,
    )
    return [*steps, step]


def _pixi_steps(kind: str, options: dict[str, Any], ignore: tuple[str, ...]) -> list[wire.ImageStep]:
    """A pixi project (its folder copied first with ``install_project``), or a pixi script as the
    project its metadata describes."""
    steps = []
    if kind == "pixi_script":
        script = Path(options["script"])
        manifest = script_manifest(_read_text(options["script"], "pixi script"), script.name, options["platforms"])
        manifest_name = "pixi.toml"
    else:
        manifest_path = Path(options["manifest"])
        if options["mode"] == "install_project":
            steps = _copies(manifest_path.parent, PIXI_PROJECT_DIR, ignore)
        manifest = _read_text(options["manifest"], "pixi manifest")
        manifest_name = manifest_path.name
    lock = options["pixi_lock"]
    step = wire.ImageStep(
        kind="pixi_project",
        text=manifest,
        lock=_read_text(lock, "pixi.lock") if lock else None,
        path=f"{PIXI_PROJECT_DIR}/{manifest_name}",
        environment=options["environment"],
        extra_args=options["extra_args"],
    )
    return [*steps, step]


def _steps(kind: str, options: dict[str, Any], ignore: tuple[str, ...] = ()) -> list[wire.ImageStep]:
    if kind == "pip":
        return [wire.ImageStep(kind="pip", packages=list(options["packages"]), **_pip_options(options))]
    if kind == "requirements":
        text = _read_text(options["file"], "requirements file")
        return [wire.ImageStep(kind="requirements", text=text, **_pip_options(options))]
    if kind == "uv_script":
        text = _read_text(options["script"], "script")
        return [wire.ImageStep(kind="uv_script", text=text, **_pip_options(options))]
    if kind == "uv_project":
        lock = Path(options["uvlock"])
        return [
            wire.ImageStep(
                kind="uv_project",
                text=_read_text(options["pyproject"], "pyproject.toml"),
                lock=lock.read_text() if lock.is_file() else None,
                **_pip_options(options),
            )
        ]
    if kind == "poetry_project":
        return _poetry_steps(options, ignore)
    if kind in ("pixi_project", "pixi_script"):
        return _pixi_steps(kind, options, ignore)
    if kind == "apt":
        return [wire.ImageStep(kind="apt", packages=list(options["packages"]))]
    if kind == "env":
        return [wire.ImageStep(kind="env", env=dict(options["env_vars"]))]
    if kind == "workdir":
        return [wire.ImageStep(kind="workdir", path=options["workdir"])]
    if kind == "commands":
        return [wire.ImageStep(kind="commands", commands=list(options["commands"]))]
    if kind in ("copy_file", "copy_folder"):
        return _copies(Path(options["src"]), options["dst"], ignore)
    raise ImageBuildError(f"image layers of kind {kind!r} cannot be built into an environment")


def image_spec(image: Image | str | None) -> wire.ImageSpec | None:
    """The wire form of a task environment's image, or None when it adds nothing to the worker's
    own environment (no image, an image named by reference, a base image without layers).

    Raises:
        ImageBuildError: the image is built from a Dockerfile, which needs a container builder, or a
            file it reads is missing or too large to travel with the task.
    """
    from flyte._image import Image

    if not isinstance(image, Image) or not image._layers:
        if isinstance(image, Image) and image.dockerfile is not None:
            raise ImageBuildError(
                f"image {image.uri} is built from a Dockerfile, which needs a container builder: "
                "run the task where that image exists, or describe it with Image layers"
            )
        return None
    steps: list[wire.ImageStep] = []
    # A .dockerignore applies to every folder the image copies, whatever the order of the layers.
    ignore = tuple(
        pattern
        for layer in image._layers
        if layer.kind == "dockerignore"
        for pattern in _dockerignore_patterns(dict(layer.options)["path"])
    )
    for layer in image._layers:
        if layer.kind not in _IGNORED:
            steps.extend(_steps(layer.kind, dict(layer.options), ignore))
    size = sum(len(step.content or b"") + len(step.text or "") + len(step.lock or "") for step in steps)
    if size > MAX_IMAGE_FILES_BYTES:
        raise ImageBuildError(
            f"image {image.uri} carries {size} bytes of files, over {MAX_IMAGE_FILES_BYTES}: put large files in "
            "the code bundle or a store instead"
        )
    python = ".".join(map(str, image.python_version))
    # Hashed by what is built, not by where its files were: the same recipe from two machines
    # (or from a client and a worker) is one image.
    canonical = json.dumps([python, [step.model_dump(mode="json") for step in steps]], sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return wire.ImageSpec(hash=digest, uri=image.uri, python=python, steps=steps)


def environment_images(root: Path) -> dict[str, wire.ImageSpec]:
    """The images of the task environments defined by the modules loaded from under ``root``
    (the modules a code bundle of ``root`` holds), by environment name; default images left out.

    Raises:
        ImageBuildError: as :func:`image_spec`.
    """
    from flyte._environment import TaskEnvironment

    root = root.resolve()
    images: dict[str, wire.ImageSpec] = {}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not Path(file).resolve().is_relative_to(root):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, TaskEnvironment) and value.name not in images:
                spec = image_spec(value.image)
                if spec is not None:
                    images[value.name] = spec
    return images
