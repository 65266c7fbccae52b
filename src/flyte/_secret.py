"""Secrets a task asks for, by key, and how they reach its process."""

from __future__ import annotations

import hashlib
import pathlib
import re
from dataclasses import dataclass
from typing import Union

__all__ = ["Secret", "SecretRequest", "secrets_from_request"]

_ENV_VAR_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# The one mount point the runtime knows how to populate; any other would silently stay empty.
_SUPPORTED_MOUNT = pathlib.Path("/etc/flyte/secrets")


_NOT_IN_ENV_VAR_NAME = re.compile(r"[^A-Z0-9_]")


def _env_var_from(key: str, group: str | None) -> str:
    name = f"{group}_{key}" if group else key
    # Keys may be paths or dotted names (an image build's secret mounts use them); any
    # character a variable name cannot hold becomes "_", as "-" always has.
    name = _NOT_IN_ENV_VAR_NAME.sub("_", name.upper())
    return f"_{name}" if name[:1].isdigit() else name


@dataclass(unsafe_hash=True)
class Secret:
    """A secret a task needs, looked up by ``key`` (and ``group``) in the secret store.

    By default the value is exposed as an environment variable named after the key: upper-cased,
    dashes turned into underscores, and prefixed with the upper-cased group when there is one
    (``Secret("my-key")`` -> ``MY_KEY``; ``Secret("k", group="g-1")`` -> ``G_1_K``), any other
    character a variable name cannot hold becoming ``_`` too (``"/tmp/s"`` -> ``_TMP_S``). Pass
    ``as_env_var`` to choose the name. With ``mount`` (only ``/etc/flyte/secrets`` is supported)
    the secret is written to a file there instead, and no variable is set unless ``as_env_var``
    is given too. An ``as_env_var`` that is not a valid variable name raises ``ValueError``.
    """

    key: str
    group: str | None = None
    mount: pathlib.Path | None = None
    as_env_var: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str):
            raise TypeError(f"Secret key must be a str, got {type(self.key).__name__}: {self.key!r}")
        if self.mount is not None and pathlib.Path(self.mount) != _SUPPORTED_MOUNT:
            raise ValueError(f"Secret mount {str(self.mount)!r} is not supported: only {_SUPPORTED_MOUNT} can be used")
        if not self.as_env_var and self.mount is None:
            self.as_env_var = _env_var_from(self.key, self.group)
        if self.as_env_var is not None and not _ENV_VAR_NAME.match(self.as_env_var):
            raise ValueError(
                f"Invalid environment variable name {self.as_env_var!r} for secret {self.key!r}: "
                f"it must match {_ENV_VAR_NAME.pattern}"
            )

    def stable_hash(self) -> str:
        """A hex digest of the secret's fields that is the same in every process."""
        parts = (self.key, self.group, self.mount, self.as_env_var)
        text = "|".join("" if part is None else str(part) for part in parts)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


SecretRequest = Union[str, Secret, list[Union[str, Secret]]]
"""What ``secrets=`` accepts: one key, one :class:`Secret`, or a list of either."""


def secrets_from_request(secrets: SecretRequest | tuple[str | Secret, ...] | None) -> list[Secret]:
    """Normalise a :data:`SecretRequest` into a list of :class:`Secret`; ``None`` gives ``[]``.

    Bare strings become ``Secret(key=...)``; anything that is neither a string nor a
    :class:`Secret` raises ``TypeError`` naming it.
    """
    if secrets is None:
        return []
    items = [secrets] if isinstance(secrets, (str, Secret)) else secrets
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"secrets must be a str, a Secret or a list of them, got {type(secrets).__name__}: {secrets!r}")
    result: list[Secret] = []
    for item in items:
        if isinstance(item, str):
            result.append(Secret(key=item))
        elif isinstance(item, Secret):
            result.append(item)
        else:
            raise TypeError(f"secrets must contain only str or Secret, got {type(item).__name__}: {item!r}")
    return result
