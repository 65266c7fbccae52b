"""What a task is on the wire: its spec, image, secrets it needs and how it failed."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from flyte._internal.wire.base import (
    _BUNDLE_FILE,
    _DOTTED_MODULE,
    _ENV_NAME,
    MAX_BACKOFF_S,
    MAX_CPU,
    MAX_GPUS,
    MAX_MEMORY_BYTES,
    MAX_TIMEOUT_S,
    NAME_PATTERN,
    FreeText,
    Payload,
    _Model,
)


class SecretSpec(_Model):
    """A secret a task needs, and the variable (or the file, with ``mount``) it is exposed as."""

    key: str = Field(min_length=1, max_length=256)
    group: str | None = Field(default=None, max_length=256)
    as_env_var: str | None = Field(default=None, pattern=_ENV_NAME)
    mount: Literal["/etc/flyte/secrets"] | None = Field(
        default=None, description="Written to a file of the attempt's secrets folder (FLYTE_SECRETS_DIR)"
    )


ImageStepKind = Literal[
    "pip",
    "requirements",
    "uv_script",
    "uv_project",
    "poetry_project",
    "pixi_project",
    "env",
    "workdir",
    "commands",
    "copy_file",
    "apt",
]


class ImageStep(_Model):
    """One step of an image recipe, with the contents of the local files it reads."""

    kind: ImageStepKind
    packages: list[str] = Field(default_factory=list, max_length=10_000)
    index_url: str | None = None
    extra_index_urls: list[str] = Field(default_factory=list, max_length=100)
    pre: bool = False
    extra_args: str | None = None
    text: str | None = Field(
        default=None, description="A requirements file, a script, a pyproject.toml or a pixi manifest"
    )
    lock: str | None = Field(default=None, description="The project's lock file: uv.lock, poetry.lock or pixi.lock")
    env: dict[Annotated[str, Field(pattern=_ENV_NAME)], str] = Field(default_factory=dict, max_length=1000)
    path: str | None = Field(
        default=None,
        description="The working folder, where a copied file goes, where a pixi manifest goes, or the folder a "
        "poetry project was copied to when the project itself is installed",
    )
    environment: str | None = Field(
        default=None, pattern=r"^[a-z0-9-]{1,64}$", description="The pixi environment a pixi project installs"
    )
    commands: list[str] = Field(default_factory=list, max_length=1000)
    content: Payload | None = Field(default=None, description="A copied file's bytes")

    @model_validator(mode="after")
    def _complete(self) -> ImageStep:
        if self.kind == "copy_file" and (not self.path or self.path.rstrip("/") in ("", ".") or self.content is None):
            raise ValueError("a copy_file step needs the file's path in the image and its content")
        if self.kind == "workdir" and not self.path:
            raise ValueError("a workdir step needs a path")
        if self.kind == "poetry_project" and (self.text is None or self.lock is None):
            raise ValueError("a poetry_project step needs the pyproject.toml and the poetry.lock")
        if self.kind == "pixi_project" and (self.text is None or not self.path or not self.environment):
            raise ValueError("a pixi_project step needs the manifest, its path in the image and the environment")
        return self


class ImageSpec(_Model):
    """What an environment's image adds to a worker's: packages, files, variables and commands.

    Built by the server's executor into an environment of its own, cached by ``hash``.
    """

    hash: str = Field(pattern=r"^[0-9a-f]{32}$")
    uri: str = Field(max_length=1024)
    python: str = Field(pattern=r"^3\.[0-9]{1,2}$")
    steps: list[ImageStep] = Field(default_factory=list, max_length=1000)


class ReuseSpec(_Model):
    """How a reusable environment's warm workers (replicas) are pooled."""

    min_replicas: int = Field(default=0, ge=0, le=1000)
    max_replicas: int = Field(default=1, ge=1, le=1000)
    concurrency: int = Field(default=1, ge=1, le=10_000, description="Attempts one replica runs at once")
    idle_ttl_s: float = Field(default=30.0, ge=0, le=MAX_TIMEOUT_S, description="An idle replica lives this long")


class BuildImageRequest(_Model):
    """Build an image on the server (``force``: again, even if it was built before)."""

    image: ImageSpec
    force: bool = False


class BuiltImageInfo(_Model):
    """An image the server has built: its hash and URI."""

    hash: str
    uri: str


class TaskSpec(_Model):
    """What a worker needs to find and run a task, and how the scheduler must treat it."""

    name: str = Field(min_length=1, max_length=512, description="The task's full name, env.function")
    module: str = Field(
        min_length=1,
        max_length=512,
        description="The module defining the task: a .py file of the run's bundle (relative posix path) or a "
        "dotted module name installed on the server (only when the server allows it)",
    )
    cpu: float | None = Field(default=None, ge=0, le=MAX_CPU)
    memory_bytes: int | None = Field(default=None, ge=0, le=MAX_MEMORY_BYTES)
    gpu: int | None = Field(default=None, ge=0, le=MAX_GPUS, description="How many accelerators the task needs")
    accelerator: str | None = Field(
        default=None, max_length=128, pattern=NAME_PATTERN, description="The accelerator's model, e.g. A100"
    )
    retries: int = Field(default=0, ge=0, le=100)
    backoff_seconds: list[Annotated[float, Field(ge=0, le=MAX_BACKOFF_S)]] = Field(
        default_factory=list, max_length=101, description="Delay before retry n"
    )
    timeout_seconds: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT_S)
    env_vars: dict[Annotated[str, Field(pattern=_ENV_NAME)], str] = Field(default_factory=dict, max_length=1000)
    secrets: list[SecretSpec] = Field(default_factory=list, max_length=100)
    cacheable: bool = False
    report: bool = False
    reusable: bool = False
    reuse: ReuseSpec | None = Field(default=None, description="Run on the environment's warm replicas")
    environment: str | None = Field(default=None, max_length=256, description="The task's environment")
    image: ImageSpec | None = Field(
        default=None,
        description="None: the image the run recorded for the task's environment, if any, else the server's own",
    )

    @field_validator("module")
    @classmethod
    def _module_reference(cls, value: str) -> str:
        if _BUNDLE_FILE.match(value) or _DOTTED_MODULE.match(value):
            return value
        raise ValueError(
            "must be a relative path of a .py file inside the code bundle (no '..', not absolute) "
            "or a dotted module name"
        )

    @property
    def module_is_bundled(self) -> bool:
        """Whether the module is a file of the run's bundle (rather than an installed module)."""
        return self.module.endswith(".py")


class ErrorInfo(_Model):
    """How an action failed: the original error's class as ``code``, and whose fault it was."""

    code: FreeText
    kind: Literal["user", "system", "unknown"] = "user"
    message: FreeText
    traceback: FreeText = ""
