"""Content hashes of files: computed while data streams past, or given by the user.

A File or Dir with a hash is identified by it in cache keys instead of by its path, so the same
content written twice to two places still hits the cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Callable, Protocol, Union, runtime_checkable

#: Read size when hashing a local file: large enough to keep the per-call cost negligible.
CHUNK = 1 << 20


@runtime_checkable
class HashMethod(Protocol):
    """Accumulates a hash over the bytes given to :meth:`update`; :meth:`result` is its text.

    Any ``hashlib`` object works too (its ``hexdigest`` is used).
    """

    def update(self, data: bytes, /) -> None:
        """Adds ``data`` to the hash."""

    def result(self) -> str:
        """The hash of everything added so far."""


#: What ``hash_method=`` accepts: a method computing the hash as data streams, a ``hashlib``
#: object, or a string that *is* the hash (a precomputed cache key).
HashSpec = Union[HashMethod, str, Any, None]


class _Hashlib:
    """Adapts a ``hashlib`` object to :class:`HashMethod`."""

    def __init__(self, h: Any) -> None:
        self._h = h

    def update(self, data: bytes, /) -> None:
        self._h.update(data)

    def result(self) -> str:
        return str(self._h.hexdigest())


def resolve(spec: HashSpec) -> tuple[str | None, HashMethod | None]:
    """Splits ``hash_method=`` into (precomputed hash, method to run); at most one is set."""
    if spec is None:
        return None, None
    if isinstance(spec, str):
        if not spec:
            raise ValueError("hash_method: an empty string is not a hash")
        return spec, None
    if isinstance(spec, HashMethod):
        return None, spec
    if callable(getattr(spec, "update", None)) and callable(getattr(spec, "hexdigest", None)):
        return None, _Hashlib(spec)
    raise TypeError(
        "hash_method must be a precomputed hash (str), an object with update(bytes) and result(), "
        f"or a hashlib object; got {type(spec).__name__}"
    )


def hash_local_file(path: Path, method: HashMethod) -> str:
    """Feeds the file at ``path`` to ``method`` in chunks and returns the result."""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            method.update(chunk)
    return method.result()


class HashingWriter:
    """A binary writer that hashes what passes through it and reports the hash when closed."""

    def __init__(self, inner: BinaryIO, method: HashMethod, on_close: Callable[[str], None]) -> None:
        self._inner = inner
        self._method = method
        self._on_close = on_close

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Writes ``data`` and adds it to the hash."""
        self._method.update(bytes(data) if not isinstance(data, bytes) else data)
        return self._inner.write(data)

    def close(self) -> None:
        """Completes the object, then records its hash."""
        if not self._inner.closed:
            self._inner.close()
            self._on_close(self._method.result())

    def __getattr__(self, name: str) -> Any:
        # flush, closed, writable, tell ...: whatever the store's writer offers.
        return getattr(self._inner, name)

    def __enter__(self) -> HashingWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            self.close()
        else:  # the store's writer discards the object; there is no hash to record
            self._inner.__exit__(exc_type, exc, tb)
