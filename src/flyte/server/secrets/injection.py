"""How a worker receives its task's secrets: as environment variables, or as files of the
attempt's secrets folder (``Secret(mount=...)``), whose path is in ``FLYTE_SECRETS_DIR``.

The server's stored secrets come first (the narrowest scope for the run's project and domain);
a secret the server does not have is looked up in the server machine's local secrets store, as
before. A secret found in neither fails the attempt at once with ``SecretNotFound``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from flyte._internal import wire
from flyte.errors import BaseRuntimeError, RuntimeUserError
from flyte.server.secrets.cipher import SecretKeyError
from flyte.server.secrets.vault import SecretVault

__all__ = [
    "SECRETS_DIR_ENV",
    "attempt_secrets_folder",
    "remove_attempt_secrets",
    "resolve_for_attempt",
    "secret_name",
    "secret_values",
]

SECRETS_DIR_ENV = "FLYTE_SECRETS_DIR"
"""The variable naming the folder that mounted secrets are written to."""


def secret_name(key: str, group: str | None) -> str:
    """The stored name of a task's secret: ``key``, or ``group/key`` with a group."""
    return f"{group}/{key}" if group else key


def _env_var(spec: wire.SecretSpec) -> str:
    return (spec.as_env_var or secret_name(spec.key, spec.group).replace("/", "_")).replace("-", "_").upper()


def attempt_secrets_folder(server_home: Path, run: str, action: str, attempt: int) -> Path:
    """The folder mounted secrets of one attempt are written to."""
    return server_home / "attempt-secrets" / run / action / str(attempt)


def remove_attempt_secrets(server_home: Path, run: str, action: str, attempt: int) -> None:
    """Removes an ended attempt's mounted secrets."""
    shutil.rmtree(attempt_secrets_folder(server_home, run, action, attempt), ignore_errors=True)


def _value(vault: SecretVault, task_name: str, spec: wire.SecretSpec, project: str, domain: str) -> str:
    name = secret_name(spec.key, spec.group)
    try:
        value = vault.lookup(name, None, project, domain)
    except SecretKeyError as e:
        raise RuntimeUserError(
            "SecretNotFound", f"Secret '{name}' needed by task '{task_name}' cannot be read: {e}"
        ) from e
    if value is not None:
        return value
    from flyte._secrets_store import get_secret

    try:
        value = get_secret(spec.key, group=spec.group, project=project or None, domain=domain or None)
    except (BaseRuntimeError, OSError, ValueError) as e:
        raise RuntimeUserError(
            "SecretNotFound", f"Secret '{name}' needed by task '{task_name}' cannot be read: {e}"
        ) from e
    if value is None:
        raise RuntimeUserError(
            "SecretNotFound",
            f"Secret '{name}' needed by task '{task_name}' was not found (searched the server's secrets and its "
            f"local store for project '{project}', domain '{domain}' or unscoped): run "
            f"`flyte create secret {name} -p {project} -d {domain}` or `flyte create secret {name}`",
        )
    return value


def _write_private(path: Path, value: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value)


def resolve_for_attempt(
    vault: SecretVault,
    task_name: str,
    specs: Sequence[wire.SecretSpec],
    project: str,
    domain: str,
    folder: Path,
) -> tuple[dict[str, str], list[str]]:
    """The variables that give an attempt its secrets, and the values (to redact from its logs).

    Mounted secrets are written to ``folder`` (``<folder>/<key>``, or ``<folder>/<group>/<key>``),
    readable by the server's user only.

    Raises:
        RuntimeUserError: ``SecretNotFound``, naming the secret and the scopes searched.
    """
    env: dict[str, str] = {}
    values: list[str] = []
    for spec in specs:
        value = _value(vault, task_name, spec, project, domain)
        values.append(value)
        if spec.mount is not None:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_private(folder / secret_name(spec.key, spec.group), value)
            env[SECRETS_DIR_ENV] = str(folder)
            if spec.as_env_var:
                env[spec.as_env_var] = value
        else:
            env[_env_var(spec)] = value
    return env, values


def secret_values(vault: SecretVault, specs: Sequence[wire.SecretSpec], project: str, domain: str) -> list[str]:
    """The values of the secrets an attempt was given, as far as they can still be found."""
    values: list[str] = []
    for spec in specs:
        try:
            values.append(_value(vault, "", spec, project, domain))
        except BaseRuntimeError:
            continue
    return values
