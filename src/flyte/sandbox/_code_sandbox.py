"""Code sandboxes: a script or command in a throwaway container built from declared packages."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Optional

import flyte
from flyte._image import Image
from flyte._resources import Resources
from flyte._syncify import syncify

#: The environment code-sandbox tasks belong to; add it to ``depends_on`` of an environment that
#: runs sandboxes.
sandbox_environment = flyte.TaskEnvironment(name="sandbox-runtime", image=Image.from_debian_base(install_flyte=False))


@dataclass
class ImageConfig:
    """Where a sandbox image is pushed and which Python it has."""

    registry: Optional[str] = None
    registry_secret: Optional[str] = None
    python_version: Optional[tuple[int, int]] = None


def _supported_types() -> frozenset[Any]:
    from flyte.io import Dir, File

    return frozenset({int, float, str, bool, datetime.datetime, datetime.timedelta, File, Dir})


@dataclass
class CodeSandbox:
    """A configured code sandbox (see :func:`create`)."""

    name: Optional[str] = None
    code: Optional[str] = None
    inputs: dict[str, type] = field(default_factory=dict)
    outputs: dict[str, type] = field(default_factory=dict)
    command: Optional[list[str]] = None
    arguments: Optional[list[str]] = None
    packages: list[str] = field(default_factory=list)
    system_packages: list[str] = field(default_factory=list)
    additional_commands: list[str] = field(default_factory=list)
    resources: Optional[Resources] = None
    image_config: Optional[ImageConfig] = None
    image_name: Optional[str] = None
    image: Optional[str] = None
    auto_io: bool = True
    retries: int = 0
    timeout: Optional[int] = None
    env_vars: Optional[dict[str, str]] = None
    secrets: Optional[list[Any]] = None
    cache: str = "auto"

    def image_spec(self) -> Image:
        """The image the sandbox runs in: Debian with its system and Python packages."""
        config = self.image_config or ImageConfig()
        image = Image.from_debian_base(
            install_flyte=False,
            registry=config.registry,
            registry_secret=config.registry_secret,
            python_version=config.python_version,
            name=self.image_name or self._default_image_name(),
        )
        apt = list(self.system_packages)
        if "gcc" not in apt:
            apt += ["gcc", "g++", "make"]
        image = image.with_apt_packages(*apt)
        if self.packages:
            image = image.with_pip_packages(*self.packages)
        if self.additional_commands:
            image = image.with_commands(self.additional_commands)
        return image

    def _default_image_name(self) -> str:
        config = self.image_config or ImageConfig()
        spec = {
            "packages": sorted(self.packages),
            "system_packages": sorted(self.system_packages),
            "additional_commands": self.additional_commands,
            "python_version": list(config.python_version) if config.python_version else None,
        }
        return "sandbox-" + hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]

    def _unavailable(self) -> NotImplementedError:
        # Images here are virtual environments, not containers, so nothing isolates the script
        # from the machine; running it anyway would break the promise of a sandbox.
        return NotImplementedError(
            f"Code sandbox '{self.name or 'sandbox'}' cannot run: container sandboxes need a container runtime, "
            "which this flyte does not have; use flyte.sandbox.orchestrator_from_str for pure-Python code"
        )

    @syncify
    async def as_task(self, image: Optional[str] = None) -> Any:
        """The sandbox as a container task (not available here: see :meth:`run`)."""
        raise self._unavailable()

    @syncify
    async def run(self, image: Optional[str] = None, **kwargs: Any) -> Any:
        """Builds the image if needed and runs the sandbox with ``kwargs`` as inputs.

        Raises:
            NotImplementedError: always, for now: there is no container runtime to isolate it.
        """
        raise self._unavailable()


def create(
    name: Optional[str] = None,
    *,
    code: Optional[str] = None,
    inputs: Optional[dict[str, type]] = None,
    outputs: Optional[dict[str, type]] = None,
    command: Optional[list[str]] = None,
    arguments: Optional[list[str]] = None,
    packages: Optional[list[str]] = None,
    system_packages: Optional[list[str]] = None,
    additional_commands: Optional[list[str]] = None,
    resources: Optional[Resources] = None,
    image_config: Optional[ImageConfig] = None,
    image_name: Optional[str] = None,
    image: Optional[str] = None,
    auto_io: bool = True,
    retries: int = 0,
    timeout: Optional[int] = None,
    env_vars: Optional[dict[str, str]] = None,
    secrets: Optional[list[Any]] = None,
    cache: str = "auto",
) -> CodeSandbox:
    """A code sandbox: ``code`` (a Python script, whose declared inputs are variables when
    ``auto_io``) or ``command``, run in a fresh container built from ``packages`` and
    ``system_packages``. Inputs and outputs may be int, float, str, bool, datetime, timedelta,
    File or Dir.

    Raises:
        ValueError: both ``code`` and ``command``.
        TypeError: an input or output of another type.
    """
    label = f"Code sandbox '{name or 'sandbox'}'"
    if code is not None and command is not None:
        raise ValueError(f"{label}: give either code or command, not both")
    supported = _supported_types()
    for kind, mapping in (("input", inputs or {}), ("output", outputs or {})):
        for key, tp in mapping.items():
            if tp not in supported:
                raise TypeError(
                    f"{label}: {kind} '{key}' has type {tp!r}; use int, float, str, bool, datetime.datetime, "
                    "datetime.timedelta, File or Dir"
                )
    return CodeSandbox(
        name=name,
        code=code,
        inputs=dict(inputs or {}),
        outputs=dict(outputs or {}),
        command=command,
        arguments=arguments,
        packages=list(packages or []),
        system_packages=list(system_packages or []),
        additional_commands=list(additional_commands or []),
        resources=resources,
        image_config=image_config,
        image_name=image_name,
        image=image,
        auto_io=auto_io,
        retries=retries,
        timeout=timeout,
        env_vars=env_vars,
        secrets=secrets,
        cache=cache,
    )
