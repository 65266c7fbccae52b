"""Where a local task's secrets come from: the caller's environment or the local secrets file."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

from flyte._internal.engine.env_overlay import process_getenv
from flyte._secret import Secret, _env_var_from
from flyte.errors import BaseRuntimeError, RuntimeUserError

logger = logging.getLogger("flyte")


def resolve_secrets(
    task_name: str,
    secrets: Sequence[Secret],
    project: str,
    domain: str,
    *,
    from_environment: bool = True,
    may_be_missing: Collection[str] = (),
    warn_if_missing: bool = False,
) -> dict[str, str]:
    """Maps each secret's ``as_env_var`` to its value; a missing secret is an error naming it.

    ``from_environment`` lets the caller's environment provide a secret (local runs), in the
    key's variable or in the ``as_env_var`` one; a server passes False, so that a task can never
    read the server's own variables by naming them. Keys in ``may_be_missing`` are left out
    when not found rather than refused; with ``warn_if_missing`` every missing secret is left
    out with a logged warning that says how to provide it.
    """
    if not secrets:
        return {}
    from flyte._secrets_store import get_secret

    resolved: dict[str, str] = {}
    for secret in secrets:
        # The variable a user sets to provide the secret: the key's default env-var form.
        source = _env_var_from(secret.key, secret.group)
        value = None
        if from_environment:
            # The key's own variable first, then the one the task reads it from (set already, as
            # the flyte SDK's local mode takes it). Both from the process itself: a calling task's
            # variables may use the same names for other values.
            value = process_getenv(source)
            if value is None and secret.as_env_var:
                value = process_getenv(secret.as_env_var)
        if value is None:
            try:
                value = get_secret(secret.key, group=secret.group, project=project, domain=domain)
            except (BaseRuntimeError, OSError, ValueError) as e:
                raise RuntimeUserError(
                    "SecretNotFound", f"Secret '{secret.key}' needed by task '{task_name}' cannot be read: {e}"
                ) from e
        if value is None and secret.key in may_be_missing:
            continue
        if value is None:
            where = f"project '{project}', domain '{domain}' or unscoped"
            names = " or ".join(dict.fromkeys(n for n in (source, secret.as_env_var) if n))
            how = f"set the environment variable {names}, or " if from_environment else ""
            message = (
                f"Secret '{secret.key}' needed by task '{task_name}' was not found (searched {where}): "
                f"{how}run `flyte create secret {secret.key} VALUE`"
            )
            if warn_if_missing:
                logger.warning("%s; the task runs without it", message)
                continue
            raise RuntimeUserError("SecretNotFound", message)
        resolved[secret.as_env_var or source] = value
    return resolved


def missing_secret_error(task_name: str, secrets: Sequence[Secret], exc: BaseException) -> RuntimeUserError | None:
    """The error to report when a task failed reading the variable of a secret that was not
    found (a ``KeyError`` naming it), or None when ``exc`` is anything else."""
    if not isinstance(exc, KeyError) or len(exc.args) != 1:
        return None
    for secret in secrets:
        source = _env_var_from(secret.key, secret.group)
        if exc.args[0] in (secret.as_env_var, source):
            names = " or ".join(dict.fromkeys(n for n in (source, secret.as_env_var) if n))
            return RuntimeUserError(
                "SecretNotFound",
                f"Task '{task_name}' read {exc.args[0]}, the variable of secret '{secret.key}', which was not "
                f"found: set the environment variable {names}, or run `flyte create secret {secret.key} VALUE`",
            )
    return None
