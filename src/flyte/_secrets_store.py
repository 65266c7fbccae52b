"""The local secrets store, used when no server endpoint is configured.

Secrets live in ``<flyte home>/secrets.json``, readable by its owner only (mode 0600). Every
change rewrites the file through a temporary file and ``os.replace``, so a crash leaves either
the old or the new file, never half of one; on POSIX a lock file serialises concurrent writers.

A secret has a name and an optional scope: a project, a domain, or both. :func:`get_secret`
picks the most specific secret that applies to the caller's project and domain:

1. scoped to both the project and the domain,
2. scoped to the project only,
3. scoped to the domain only,
4. unscoped (global).

A secret scoped to another project or domain never applies. A secret with a ``group`` is stored
under the name ``"<group>/<key>"`` (create it as ``flyte create secret group/key VALUE``).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flyte._home import flyte_home
from flyte.errors import ConfigError, RuntimeUserError

__all__ = [
    "SECRETS_FILE",
    "InvalidSecretKeyError",
    "SecretInfo",
    "delete_secret",
    "get_secret",
    "list_secrets",
    "secrets_path",
    "set_secret",
    "validate_secret",
]

SECRETS_FILE = "secrets.json"
"""Name of the secrets file inside the flyte home folder."""

_FORMAT_VERSION = 1


class InvalidSecretKeyError(RuntimeUserError, ValueError):
    """A secret name, group, project or domain is empty or contains whitespace."""

    def __init__(self, message: str):
        super().__init__("InvalidSecretKeyError", message)


@dataclass(frozen=True)
class SecretInfo:
    """A stored secret's name and scope; deliberately without its value."""

    name: str
    project: str | None = None
    domain: str | None = None

    @property
    def scope(self) -> str:
        """A readable scope: ``"global"``, ``"project=p"``, ``"domain=d"`` or ``"project=p domain=d"``."""
        parts = [f"{label}={value}" for label, value in (("project", self.project), ("domain", self.domain)) if value]
        return " ".join(parts) or "global"


def secrets_path(home: Path | None = None) -> Path:
    """The secrets file inside ``home`` (default: :func:`flyte._home.flyte_home`)."""
    return (home if home is not None else flyte_home()) / SECRETS_FILE


def set_secret(
    key: str, value: str, project: str | None = None, domain: str | None = None, *, home: Path | None = None
) -> None:
    """Stores ``value`` under ``key`` in the given scope, replacing a secret of the same name and scope."""
    validate_secret(key, project, domain)
    if not isinstance(value, str):
        raise InvalidSecretKeyError(f"secret value must be a string, got {type(value).__name__}")
    path = secrets_path(home)
    with _locked(path):
        entries = [e for e in _read(path) if _identity(e) != (key, project, domain)]
        entries.append({"name": key, "project": project, "domain": domain, "value": value})
        _write(path, entries)


def get_secret(
    key: str,
    group: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    *,
    home: Path | None = None,
) -> str | None:
    """The value of the most specific secret named ``key`` (``group/key`` with a group) that
    applies to ``project`` and ``domain`` (see the module docstring), or ``None`` if none does."""
    validate_secret(key, project, domain)
    if group is not None:
        _check_name("secret group", group)
        key = f"{group}/{key}"
    by_scope = {(e["project"], e["domain"]): e["value"] for e in _read(secrets_path(home)) if e["name"] == key}
    # Without a project or domain some steps coincide, e.g. (project, None) twice; that is harmless.
    for scope in ((project, domain), (project, None), (None, domain), (None, None)):
        if scope in by_scope:
            value: str = by_scope[scope]
            return value
    return None


def list_secrets(*, home: Path | None = None) -> list[SecretInfo]:
    """Every stored secret's name and scope, sorted by name then scope; never the values."""
    infos = [SecretInfo(e["name"], e["project"], e["domain"]) for e in _read(secrets_path(home))]
    return sorted(infos, key=lambda i: (i.name, i.project or "", i.domain or ""))


def delete_secret(key: str, project: str | None = None, domain: str | None = None, *, home: Path | None = None) -> bool:
    """Removes the secret with exactly this name and scope; returns whether one existed."""
    validate_secret(key, project, domain)
    path = secrets_path(home)
    with _locked(path):
        entries = _read(path)
        kept = [e for e in entries if _identity(e) != (key, project, domain)]
        if len(kept) == len(entries):
            return False
        _write(path, kept)
        return True


def validate_secret(key: str, project: str | None = None, domain: str | None = None) -> None:
    """Raises :class:`InvalidSecretKeyError` unless the name and the scope (if given) are
    non-empty strings without whitespace; every function of this module checks this first."""
    _check_name("secret name", key)
    if project is not None:
        _check_name("project", project)
    if domain is not None:
        _check_name("domain", domain)


def _check_name(what: str, name: object) -> None:
    if not isinstance(name, str) or not name:
        raise InvalidSecretKeyError(f"{what} must be a non-empty string, got {name!r}")
    if any(c.isspace() for c in name):
        raise InvalidSecretKeyError(f"{what} must not contain whitespace, got {name!r}")


def _identity(entry: dict[str, Any]) -> tuple[str, str | None, str | None]:
    return entry["name"], entry["project"], entry["domain"]


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the secrets file: {e}") from e
    try:
        document = json.loads(text)
        entries = document["secrets"]
        for entry in entries:
            # Validate the shape once here so that every reader can index entries freely.
            entry["project"], entry["domain"] = entry.get("project"), entry.get("domain")
            scope_ok = all(isinstance(entry[k], (str, type(None))) for k in ("project", "domain"))
            if not (isinstance(entry["name"], str) and isinstance(entry["value"], str) and scope_ok):
                raise TypeError(f"bad entry for {entry['name']!r}")
    except (ValueError, KeyError, TypeError) as e:
        raise ConfigError(f"{path}: the secrets file is corrupt ({type(e).__name__}: {e})") from e
    result: list[dict[str, Any]] = entries
    return result


def _write(path: Path, entries: list[dict[str, Any]]) -> None:
    entries.sort(key=lambda e: (e["name"], e["project"] or "", e["domain"] or ""))
    payload = json.dumps({"version": _FORMAT_VERSION, "secrets": entries}, indent=2) + "\n"
    # mkstemp creates the file with mode 0600, so the value is never readable by others.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Without syncing the folder, the rename itself may be lost in a power cut on POSIX.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock beside ``path`` so that two writers cannot lose each other's change."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; the atomic replace still prevents torn files.
        yield
        return
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
