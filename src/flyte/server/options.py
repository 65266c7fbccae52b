"""Turning ``flyte start server`` options into settings, shared by the CLI and ``python -m``.

The database URL may carry a password; a command line is visible to every user of the machine
(``ps``), so the URL is better given in ``FLYTE_SERVER_DB`` and the password in a file
(``--db-password-file``), which is read here and never written anywhere.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from flyte.errors import ConfigError
from flyte.server.settings import ServerSettings

__all__ = ["DB_ENV_VAR", "database_url", "has_password", "settings_from_options"]

DB_ENV_VAR = "FLYTE_SERVER_DB"
"""The environment variable a server reads its database URL from when ``--db`` is not given."""


def has_password(url: str) -> bool:
    """Whether the database URL carries a password."""
    try:
        return make_url(url).password is not None
    except Exception:
        return False


def database_url(url: str | None, password_file: Path | None) -> str | None:
    """``url`` with the password of ``password_file`` (first line) put in, if one is given.

    Raises:
        ConfigError: the file cannot be read, or there is no URL to put the password in.
    """
    if password_file is None:
        return url
    if url is None:
        raise ConfigError(f"--db-password-file needs a database URL (--db or {DB_ENV_VAR})")
    try:
        password = password_file.read_text().splitlines()[0] if password_file.stat().st_size else ""
    except OSError as e:
        raise ConfigError(f"cannot read the database password from {password_file}: {e.strerror}") from e
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def settings_from_options(**options: object) -> ServerSettings:
    """The settings named by ``options`` (``ServerSettings`` field names); those given as None
    keep their defaults."""
    given = {name: value for name, value in options.items() if value is not None}
    return ServerSettings(**given)  # type: ignore[arg-type]
