"""Where a local task's secrets come from: the caller's environment or the local secrets file."""

from __future__ import annotations

import os
from collections.abc import Sequence

from flyte._secret import Secret
from flyte.errors import RuntimeUserError


def _source_env_var(secret: Secret) -> str:
    # The variable a user sets to provide the secret: the key's default env-var form.
    name = f"{secret.group}_{secret.key}" if secret.group else secret.key
    return name.replace("-", "_").upper()


def resolve_secrets(task_name: str, secrets: Sequence[Secret], project: str, domain: str) -> dict[str, str]:
    """Maps each secret's ``as_env_var`` to its value; a missing secret is an error naming it."""
    if not secrets:
        return {}
    from flyte._secrets_store import get_secret

    resolved: dict[str, str] = {}
    for secret in secrets:
        source = _source_env_var(secret)
        value = os.environ.get(source)
        if value is None:
            value = get_secret(secret.key, group=secret.group, project=project, domain=domain)
        if value is None:
            raise RuntimeUserError(
                "SecretNotFound",
                f"Secret '{secret.key}' needed by task '{task_name}' was not found: set the environment "
                f"variable {source} or run `flyte create secret {secret.key} VALUE`",
            )
        resolved[secret.as_env_var or source] = value
    return resolved
