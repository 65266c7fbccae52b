"""The key secrets are encrypted with: a Fernet key in the server home, never in the database.

The key is made on the server's first start, in ``<server home>/secrets.key`` with mode 0600, and
``flyte start server`` prints its path. Losing the file makes every stored secret unreadable; copying the
database without it gives no secret away.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["KEY_FILE", "SecretCipher", "SecretKeyError", "load_or_create_key"]

KEY_FILE = "secrets.key"
"""Name of the key file inside the server home."""


class SecretKeyError(RuntimeError):
    """The key file cannot be read or made, or a stored value was encrypted with another key."""


def load_or_create_key(home: Path) -> tuple[bytes, Path]:
    """The key in ``home`` (made, mode 0600, when there is none) and the file's path."""
    path = home / KEY_FILE
    home.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two servers starting at once on one home cannot make two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())
            f.flush()
            os.fsync(f.fileno())
        os.chmod(path, 0o600)  # whatever the umask
    try:
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, 0o600)  # a key others can read is no key: take it back
        key = path.read_bytes().strip()
        Fernet(key)
    except (OSError, ValueError) as e:
        raise SecretKeyError(f"{path}: cannot use the secrets key: {e}") from e
    return key, path


class SecretCipher:
    """Encrypts and decrypts secret values with the server's key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def for_home(cls, home: Path) -> SecretCipher:
        """The cipher of the server whose home is ``home``, making its key on first use."""
        key, _ = load_or_create_key(home)
        return cls(key)

    def encrypt(self, value: str) -> bytes:
        """The encrypted form of ``value``, as stored in the database."""
        return self._fernet.encrypt(value.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        """The value ``token`` holds.

        Raises:
            SecretKeyError: the token was not made with this key (the key file was replaced).
        """
        try:
            return self._fernet.decrypt(bytes(token)).decode("utf-8")
        except InvalidToken:
            raise SecretKeyError("a stored secret was encrypted with another key than this server's") from None
