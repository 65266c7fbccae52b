"""The pieces every wire model shares: the API prefix, bounds, name patterns, payloads
and the checks on stored text."""

from __future__ import annotations

import base64
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    ValidationInfo,
    field_validator,
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
    "PAUSED",
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
