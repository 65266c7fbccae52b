"""The first API key of a server started with ``--auth``: without it nobody could create one.

When the server has no key at all, it makes one named ``admin`` (unscoped) and writes it to
``admin-api-key`` in the server home, readable by the server's user only (0600), the way the
secrets key is kept there. The user copies it into ``FLYTE_API_KEY`` or the config's
``admin.api_key``, and creates further keys with ``flyte create api-key``. Deleting every key
and restarting the server makes a new admin key (the file is rewritten).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine

from flyte.server.auth.keys import new_key
from flyte.server.repo import api_keys as key_repo

__all__ = ["ADMIN_KEY_FILE", "ADMIN_KEY_NAME", "ensure_admin_key"]

ADMIN_KEY_FILE = "admin-api-key"
"""The file of the server home the first key is written to."""
ADMIN_KEY_NAME = "admin"


def ensure_admin_key(engine: Engine, home: Path) -> Path:
    """Makes the admin key when the server has no key; returns the file it is (or was) written to."""
    path = home / ADMIN_KEY_FILE
    if key_repo.count_keys(engine) > 0:
        return path
    key, key_hash = new_key(ADMIN_KEY_NAME)
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, f"{key}\n".encode())
    finally:
        os.close(fd)
    key_repo.create_key(engine, ADMIN_KEY_NAME, key_hash, None)
    return path
