"""Pixi scripts as pixi manifests: pixi installs a script's environment only by running the script,
so a script's inline (PEP 723) metadata is rewritten as the ``pixi.toml`` of an equivalent
workspace, installed like any pixi project.

``requires-python`` becomes the conda ``python`` dependency (unless ``[tool.pixi.dependencies]``
names one), ``dependencies`` become ``[pypi-dependencies]`` (``[tool.pixi.pypi-dependencies]``
wins for a package both name), ``[tool.pixi.dependencies]`` stay conda dependencies, and every
other ``[tool.pixi.*]`` table reaches pixi as it is.
"""

from __future__ import annotations

import re
from typing import Any

from flyte._image import _script_block
from flyte._internal.imagebuild._toml import dumps, load
from flyte.errors import ImageBuildError

__all__ = ["CONDA_PLATFORMS", "PIXI_PROJECT_DIR", "script_manifest"]

CONDA_PLATFORMS = {"linux/amd64": "linux-64", "linux/arm64": "linux-aarch64"}
"""The conda platform (subdir) a pixi environment is resolved for, by image platform."""

PIXI_PROJECT_DIR = "/opt/pixi-project"
"""Where a pixi project (manifest, lock, and its environments under ``.pixi/envs``) is in an image."""

_DEFAULT_CHANNELS = ["conda-forge"]
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(.*?)\s*$")


def _pypi_entry(requirement: str, script: str) -> tuple[str, str | dict[str, Any]]:
    """A PEP 508 requirement as a ``[pypi-dependencies]`` entry: its name and pixi's spec for it."""
    match = _REQUIREMENT.fullmatch(requirement)
    if match is None or ";" in match[3]:
        # pixi states conditions with [target.<platform>] tables, which no marker maps onto.
        raise ImageBuildError(
            f"{script}: dependency {requirement!r} is not supported in a pixi script: write it as a plain "
            "requirement, or as a [tool.pixi.target.<platform>.pypi-dependencies] entry for a condition"
        )
    name, extras, rest = match.groups()
    spec: dict[str, Any] = {}
    if rest.startswith("@"):
        url = rest[1:].strip()
        if url.startswith("git+"):
            repository, at, revision = url[len("git+") :].rpartition("@")
            # An "@" before the path is the URL's user, not a revision.
            if not at or "/" in revision:
                repository, revision = url[len("git+") :], ""
            spec["git"] = repository
            if revision:
                spec["rev"] = revision
        else:
            spec["url"] = url
    else:
        spec["version"] = rest.strip("()").replace(" ", "") or "*"
    if extras:
        spec["extras"] = sorted(extra.strip() for extra in extras.split(",") if extra.strip())
    return (name, spec["version"]) if list(spec) == ["version"] else (name, spec)


def script_manifest(script: str, name: str, platforms: tuple[str, ...]) -> str:
    """The ``pixi.toml`` equivalent to the pixi script ``script`` (its source), called ``name``
    (the script's file name, for messages), for images built for ``platforms`` (image platforms
    such as ``linux/amd64``).

    Raises:
        ImageBuildError: the script has no metadata block, its metadata is not valid, or the
            platforms it declares leave out one the image is built for.
    """
    block = _script_block(script)
    if block is None:
        raise ImageBuildError(
            f"{name} has no inline script metadata: a pixi script declares its dependencies in a "
            "'# /// script' ... '# ///' block"
        )
    metadata = load(block, f"the inline metadata of {name}")
    pixi = dict(metadata.get("tool", {}).get("pixi", {}))
    wanted = [CONDA_PLATFORMS[platform] for platform in platforms]
    workspace = dict(pixi.get("workspace", {}))
    declared = workspace.get("platforms")
    if declared and set(wanted) - set(declared):
        raise ImageBuildError(
            f"{name} declares the platforms {declared} under [tool.pixi.workspace], which leave out "
            f"{sorted(set(wanted) - set(declared))} that the image is built for: add them, or pass "
            "platform=(...) to Image.from_pixi_script"
        )
    workspace.setdefault("name", re.sub(r"[^A-Za-z0-9_-]+", "-", name.removesuffix(".py")) or "script")
    workspace.setdefault("channels", _DEFAULT_CHANNELS)
    workspace["platforms"] = declared or wanted
    dependencies = dict(pixi.get("dependencies", {}))
    if metadata.get("requires-python") and "python" not in dependencies:
        dependencies["python"] = metadata["requires-python"]
    pypi = dict(pixi.get("pypi-dependencies", {}))
    for requirement in metadata.get("dependencies", []):
        package, spec = _pypi_entry(str(requirement), name)
        pypi.setdefault(package, spec)
    manifest: dict[str, Any] = {"workspace": workspace}
    if dependencies:
        manifest["dependencies"] = dependencies
    if pypi:
        manifest["pypi-dependencies"] = pypi
    manifest.update({k: v for k, v in pixi.items() if k not in ("workspace", "dependencies", "pypi-dependencies")})
    header = f"# Written by flyte from the inline metadata of {name}: edit the script, not this file.\n\n"
    return header + dumps(manifest)
