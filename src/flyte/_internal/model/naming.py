"""Names of runs and actions.

A child action's name is a hash of what identifies the call, so that it comes out the same when
its parent runs again: the parent's name, the inputs hash, the task, the call's sequence number
within the parent, and the group it was called in.
"""

from __future__ import annotations

import secrets
import string

import xxhash

ROOT_ACTION = "a0"
"""The name of a run's root action, the call of the task the run was started with."""
_ALPHABET = string.ascii_lowercase + string.digits


def new_run_name() -> str:
    """A fresh, random run name: a letter followed by 19 letters or digits."""
    return "r" + "".join(secrets.choice(_ALPHABET) for _ in range(19))


def action_name(parent: str, inputs_hash: str, task_name: str, seq: int, group: str | None) -> str:
    """The deterministic name of a child action."""
    key = f"{parent}\x00{inputs_hash}\x00{task_name}\x00{seq}\x00{group or ''}"
    return "a" + xxhash.xxh3_64_hexdigest(key.encode())
