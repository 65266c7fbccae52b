"""The HTTP contract between the server and its clients (SDK, CLI, workers).

Every request and response body of the API is one of these pydantic models; the server's
OpenAPI document is generated from them. Binary payloads (encoded inputs and outputs, which are
msgpack or a reference to an offloaded blob) travel base64-encoded.

Endpoints (all under ``/api/v1``; errors are ``{"detail": "..."}`` with a 4xx or 5xx status):

==========  ===========================================  ======================================
method      path                                         body -> response
==========  ===========================================  ======================================
GET         /info                                        -> ServerInfo
HEAD, GET   /bundles/{hash}                              -> tar.gz bytes (404 when unknown)
PUT         /bundles/{hash}                              tar.gz bytes -> 204 (400: refused; 413)
POST        /images                                      BuildImageRequest -> BuiltImageInfo (400: the build failed)
POST        /secrets                                     SecretWrite -> SecretInfo (201 new, 200 replaced; 400, 413)
GET         /secrets?name&org&project&domain             -> list[SecretInfo] (never values)
GET         /secrets/{name}?org&project&domain           -> SecretInfo of exactly that scope (404)
DELETE      /secrets/{name}?org&project&domain           -> 204 (404 when there is none)
POST        /runs                                        CreateRunRequest -> RunInfo (201; 400, 409, 413)
GET         /runs?project&domain&phase&task&limit        -> list[RunInfo], newest first
GET         /runs/{run}                                  -> RunInfo (404 when unknown)
GET         /runs/{run}/wait?timeout=30                  -> RunInfo once ended, or at the timeout
POST        /runs/{run}/abort                            AbortRequest? -> RunInfo (404; 409: it ended otherwise)
GET         /runs/{run}/actions                          -> list[ActionInfo]
GET         /runs/{run}/actions/{action}                 -> ActionDetail
GET         /runs/{run}/actions/{action}/logs?after&wait -> LogChunk (long-polls up to ``wait`` s)
POST        /runs/{run}/actions                          CreateActionsRequest -> list[ActionState] (401, 403)
POST        /runs/{run}/actions/wait                     WaitRequest -> list[ActionState] (ended)
POST        /runs/{run}/actions/{action}/abort           AbortRequest? -> ActionInfo (404; 409 as above)
GET         /attempts/{run}/{action}/{attempt}           -> AttemptSpec (401, 403, 404, 409)
POST        /attempts/{run}/{action}/{attempt}/heartbeat Heartbeat -> 204 (401, 403, 409: attempt is over)
POST        /attempts/{run}/{action}/{attempt}/logs      LogBatch -> 204 (401, 403, 404, 413)
POST        /attempts/{run}/{action}/{attempt}/report    ReportUpdate -> 204 (401, 403, 404)
POST        /attempts/{run}/{action}/{attempt}/complete  CompleteAttempt -> 204 (401, 403, 409)
==========  ===========================================  ======================================

Creating actions is idempotent: an action that exists already (a parent running again) is not
created twice, and its current state is returned, with outputs when it has succeeded.

Workers only: creating actions and every ``/attempts`` route need the attempt's token in the
``X-Flyte-Attempt-Token`` header (401 without it, 403 with another one): the server gives each
attempt's worker its own token, so no other client can report on an attempt or add children to
it. Every number is finite and bounded (422 names the field otherwise); names and values that are
stored must not contain NUL characters, while free text (log lines, reports, error messages) has
them replaced.
"""

from __future__ import annotations

import base64
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

API_PREFIX = "/api/v1"


def _b64decode(value: object) -> object:
    if isinstance(value, str):
        return base64.b64decode(value.encode("ascii"), validate=True)
    return value


Payload = Annotated[
    bytes,
    BeforeValidator(_b64decode),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str, when_used="json"),
]
"""Encoded values: bytes in Python, base64 text on the wire."""

Phase = Literal[
    "QUEUED",
    "WAITING_FOR_RESOURCES",
    "INITIALIZING",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "ABORTED",
    "TIMED_OUT",
    "RECOVERED",
]
TERMINAL_PHASES = frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT", "RECOVERED"})


# Bounds that keep every stored number meaningful to the scheduler: a value past them is a
# mistake or an attack, and is refused (422) before anything is stored.
MAX_CPU = 4096.0
MAX_MEMORY_BYTES = 1 << 50  # 1 PiB
MAX_GPUS = 1024
MAX_TIMEOUT_S = 366 * 24 * 3600.0
MAX_BACKOFF_S = 24 * 3600.0
MAX_TIMESTAMP = 1e10  # the year 2286: later times are not timestamps a worker sends
MAX_WAIT_S = 120.0

MAX_INT32 = 2**31 - 1  # the range of the databases' integer columns (attempt numbers, log positions)

ATTEMPT_TOKEN_HEADER = "X-Flyte-Attempt-Token"
"""The header in which a worker presents its attempt's token (see the attempt routes)."""
ATTEMPT_TOKEN_ENV = "FLYTE_ATTEMPT_TOKEN"
"""The environment variable in which a worker receives its attempt's token."""

_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,254}$"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
NAME_PATTERN = _NAME
"""Projects, domains and action names: what every database stores as text and every URL carries."""
TEXT_PATTERN = r"^[^\x00]*$"
"""Free text in a query (a filter): anything but NUL."""
_DOTTED_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_BUNDLE_FILE = re.compile(r"^(?!/)(?!.*(^|/)\.\.(/|$))[A-Za-z0-9_./-]+\.py$")


def _readable(text: str) -> bool:
    """Whether ``text`` can be stored as text by every database: no NUL, valid UTF-8."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_texts(value: Any) -> None:
    if isinstance(value, str):
        if not _readable(value):
            raise ValueError("must not contain NUL characters or invalid Unicode (lone surrogates)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_texts(key)
            _check_texts(item)
    elif isinstance(value, list):
        for item in value:
            _check_texts(item)


def _clean_text(value: object) -> object:
    # Free text (log lines, reports, error messages) is what a task printed: it is kept, with the
    # characters no database stores as text replaced, rather than refused and lost.
    if isinstance(value, str) and not _readable(value):
        return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    return value


FreeText = Annotated[str, BeforeValidator(_clean_text)]
"""Text printed or produced by a task: NULs and lone surrogates are replaced, never refused."""


class _Model(BaseModel):
    # NaN and infinities are never a meaningful number of seconds, bytes or CPUs.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_texts(cls, value: Any, info: ValidationInfo) -> Any:
        # Names and values that reach the database must be storable as text by PostgreSQL too.
        _check_texts(value)
        return value


class SecretSpec(_Model):
    """A secret a task needs, and the variable (or the file, with ``mount``) it is exposed as."""

    key: str = Field(min_length=1, max_length=256)
    group: str | None = Field(default=None, max_length=256)
    as_env_var: str | None = Field(default=None, pattern=_ENV_NAME)
    mount: Literal["/etc/flyte/secrets"] | None = Field(
        default=None, description="Written to a file of the attempt's secrets folder (FLYTE_SECRETS_DIR)"
    )


SECRET_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,127})?$"
"""A stored secret's name: a key, or ``group/key`` for a secret with a group."""
MAX_SECRET_BYTES = 1 << 20
"""The largest secret value a server stores (1 MiB)."""


class SecretWrite(_Model):
    """Stores a secret (replacing the one of the same name and scope); ``None`` scopes mean any."""

    name: str = Field(pattern=SECRET_NAME_PATTERN)
    value: str = Field(max_length=MAX_SECRET_BYTES)
    org: str | None = Field(default=None, pattern=_NAME)
    project: str | None = Field(default=None, pattern=_NAME)
    domain: str | None = Field(default=None, pattern=_NAME)


class SecretInfo(_Model):
    """A stored secret's name and scope, never its value."""

    name: str
    org: str | None = None
    project: str | None = None
    domain: str | None = None
    created_at: float
    updated_at: float


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


class CreateRunRequest(_Model):
    """Starts a run of ``task`` with the given encoded inputs."""

    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    project: str = Field(default="flytesnacks", pattern=_NAME)
    domain: str = Field(default="development", pattern=_NAME)
    task: TaskSpec
    inputs: Payload
    bundle: str | None = Field(default=None, pattern=r"^[0-9a-f]{32,64}$")
    cache_key: str | None = None
    env_vars: dict[Annotated[str, Field(pattern=_ENV_NAME)], str] = Field(default_factory=dict, max_length=1000)
    overwrite_cache: bool = False
    disable_run_cache: bool = False
    max_action_concurrency: int | None = Field(default=None, ge=1, le=1_000_000)
    custom_context: dict[str, str] = Field(default_factory=dict, max_length=1000)
    images: dict[str, ImageSpec] = Field(
        default_factory=dict,
        max_length=1000,
        description="The images of the environments the run's code defines, by environment name: children "
        "created by workers name their environment, and run in its image",
    )


class RunInfo(_Model):
    """A run as listings show it."""

    name: str
    project: str
    domain: str
    task_name: str
    phase: Phase
    created_at: float
    started_at: float | None = None
    ended_at: float | None = None
    error: ErrorInfo | None = None
    url: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class ActionInfo(_Model):
    """One action of a run: where it sits in the tree and how it went."""

    name: str
    parent: str | None
    task_name: str
    kind: Literal["task", "trace"]
    group: str | None = None
    phase: Phase
    attempts: int
    cache_status: str | None = None
    queued_at: float
    started_at: float | None = None
    ended_at: float | None = None
    error: ErrorInfo | None = None
    waiting_reason: str | None = Field(default=None, description="Why a queued action has not started")


class ActionDetail(ActionInfo):
    """An action with its encoded inputs and outputs."""

    inputs: Payload | None = None
    outputs: Payload | None = None
    report: str | None = None


class CreateAction(_Model):
    """A child call (or a trace) made by a running action."""

    name: str = Field(pattern=_NAME)
    parent: str = Field(pattern=_NAME)
    kind: Literal["task", "trace"] = "task"
    task: TaskSpec
    inputs: Payload
    group: str | None = None
    cache_key: str | None = None
    outputs: Payload | None = Field(default=None, description="A trace's recorded result")
    error: ErrorInfo | None = Field(default=None, description="A trace's recorded failure")


class CreateActionsRequest(_Model):
    """A batch of child calls."""

    actions: list[CreateAction] = Field(max_length=10_000)


class ActionState(_Model):
    """Where an action stands, with its outputs or error once it has ended."""

    name: str
    phase: Phase
    outputs: Payload | None = None
    error: ErrorInfo | None = None


class WaitRequest(_Model):
    """Long-poll for any of ``names`` to end, for at most ``timeout`` seconds."""

    names: list[str] = Field(max_length=10_000)
    timeout: float = Field(default=30.0, ge=0, le=MAX_WAIT_S)


MAX_ABORT_REASON = 4096
"""The longest reason an abort records."""


class AbortRequest(_Model):
    """Why a run or an action is aborted: kept as the message of the aborted actions' error.

    Aborting stops every unfinished action below the one aborted (the root, for a run); a parent
    awaiting one of them gets ``ActionAbortedError``. Aborting what is already aborted changes
    nothing; aborting what ended otherwise is a 409.
    """

    reason: FreeText = Field(default="Aborted", min_length=1, max_length=MAX_ABORT_REASON)


class AttemptSpec(_Model):
    """Everything a worker needs to run one attempt of one action."""

    run_name: str
    action_name: str
    attempt: int
    project: str
    domain: str
    task: TaskSpec
    inputs: Payload
    bundle: str | None
    raw_data_path: str
    custom_context: dict[str, str] = Field(default_factory=dict)
    recorded: list[ActionState] = Field(default_factory=list, description="Children already ended")


class Heartbeat(_Model):
    """A worker is alive; ``waiting`` when it only waits on children (it holds no slot then)."""

    waiting: bool = False


class LogLine(_Model):
    """One line a task printed or logged."""

    stream: Literal["stdout", "stderr", "log"] = "stdout"
    ts: float = Field(ge=0, le=MAX_TIMESTAMP)
    text: FreeText


class LogBatch(_Model):
    """Lines sent by a worker."""

    lines: list[LogLine] = Field(max_length=100_000)


class StoredLogLine(LogLine):
    """A stored log line, numbered in its action."""

    seq: int
    attempt: int


class LogChunk(_Model):
    """Log lines after a position; ``done`` once the action has ended and all lines are sent."""

    lines: list[StoredLogLine]
    next_seq: int
    done: bool


class CompleteAttempt(_Model):
    """How an attempt ended: its encoded outputs, or its error."""

    outputs: Payload | None = None
    error: ErrorInfo | None = None
    report: FreeText | None = None


class ReportUpdate(_Model):
    """The latest HTML of a running task's report."""

    html: FreeText


class ServerInfo(_Model):
    """What a client learns from the server root: its version and where its data lives."""

    version: str
    store: str
    database: str
