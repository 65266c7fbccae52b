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


class HashFunction:
    """A hash method made of a function of the whole content: ``HashFunction.from_fn(fn)``.

    ``fn`` receives everything given to :meth:`update` at once and returns the hash text: the
    bytes of a file (``File.from_local(p, hash_method=HashFunction.from_fn(my_hash))``), or the
    frame itself for ``DataFrame.from_local(df, hash_method=...)``. Data streamed in several
    chunks is joined before ``fn`` sees it, so ``fn`` never hashes a part by mistake.
    """

    __slots__ = ("_fn", "_parts", "_value")

    def __init__(self, fn: Callable[[Any], str]) -> None:
        if not callable(fn):
            raise TypeError(f"HashFunction needs a callable, got {type(fn).__name__}")
        self._fn = fn
        self._parts: list[Any] = []
        self._value: str | None = None

    @classmethod
    def from_fn(cls, fn: Callable[[Any], str]) -> HashFunction:
        """The hash method computing ``fn(content)``."""
        return cls(fn)

    def update(self, data: Any, /) -> None:
        """Adds ``data`` (bytes, or any single object such as a frame) to the content."""
        self._parts.append(data)
        self._value = None

    def result(self) -> str:
        """``fn`` of the content added so far (computed once per content)."""
        if self._value is None:
            parts = self._parts
            if len(parts) == 1:
                content = parts[0]
            elif all(isinstance(p, (bytes, bytearray, memoryview)) for p in parts):
                content = b"".join(parts)
            else:
                raise TypeError("HashFunction: several non-bytes values were added; give the whole content at once")
            self._value = str(self._fn(bytes(content) if isinstance(content, memoryview) else content))
        return self._value

    def reset(self) -> None:
        """Forgets the content, to hash new data."""
        self._parts = []
        self._value = None


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
