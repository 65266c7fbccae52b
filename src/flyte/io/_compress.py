"""Compressed streams for ``File.open(..., compression=...)``: gzip, bz2 and xz over a store handle.

The compressor wraps the store's own handle, so data still streams: nothing is held whole. A
write commits (the compressor's trailer, then the object) when the block ends, and is discarded
when it raises, exactly as an uncompressed write.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from types import TracebackType
from typing import IO, Any

#: Compression names and the suffix each is inferred from with ``compression="infer"``.
CODECS = {"gzip": ".gz", "bz2": ".bz2", "xz": ".xz"}
_ALIASES = {"gz": "gzip", "lzma": "xz"}


def codec_for(compression: str | None, path: str) -> str | None:
    """The codec ``compression`` names for the file at ``path`` (None for none); ValueError if unknown."""
    if compression is None:
        return None
    name = _ALIASES.get(compression, compression)
    if name == "infer":
        return next((c for c, suffix in CODECS.items() if path.endswith(suffix)), None)
    if name not in CODECS:
        choices = ", ".join([*CODECS, "infer"])
        raise ValueError(f"File.open: unsupported compression {compression!r} for '{path}'; use one of {choices}")
    return name


class Compressed(io.BufferedIOBase):
    """A binary stream compressing into (or decompressing from) a store handle it owns."""

    def __init__(self, inner: IO[bytes], codec: str, mode: str) -> None:
        super().__init__()
        self._inner = inner
        self._reading = mode.startswith("r")
        flag = "rb" if self._reading else "wb"
        self._codec: io.BufferedIOBase
        if codec == "gzip":
            self._codec = gzip.GzipFile(fileobj=inner, mode=flag)
        elif codec == "bz2":
            self._codec = bz2.BZ2File(inner, mode=flag)  # type: ignore[call-overload]
        else:
            self._codec = lzma.LZMAFile(inner, mode=flag)  # noqa: SIM115  (closed by close())

    def readable(self) -> bool:
        """Whether this stream reads."""
        return self._reading

    def writable(self) -> bool:
        """Whether this stream writes."""
        return not self._reading

    def seekable(self) -> bool:
        """Reads seek (backwards by decompressing again from the start); writes do not."""
        return self._reading

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` decompressed bytes; everything left when ``size`` is negative."""
        return self._codec.read(-1 if size is None else size)

    def read1(self, size: int = -1) -> bytes:
        """Up to ``size`` decompressed bytes with at most one read of the store."""
        return self._codec.read1(size)

    def readline(self, size: int | None = -1) -> bytes:
        """The next decompressed line."""
        return self._codec.readline(-1 if size is None else size)

    def write(self, data: Any) -> int:
        """Compresses ``data`` into the object."""
        return self._codec.write(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Moves within the decompressed data."""
        return self._codec.seek(offset, whence)

    def tell(self) -> int:
        """The position within the decompressed data."""
        return self._codec.tell()

    def close(self) -> None:
        """Finishes the compressed data, then closes (commits) the store handle."""
        if self.closed:
            return
        try:
            self._codec.close()
        finally:
            self._inner.close()
            super().close()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.close()
            return
        # The store's writer discards the object on an error; the compressor's state is dropped.
        self._inner.__exit__(exc_type, exc, tb)
        super().close()
