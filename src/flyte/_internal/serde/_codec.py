"""The wire format of literals: msgpack bytes, and the hash taken over them."""

from __future__ import annotations

from typing import Any

import msgpack
import xxhash

#: msgpack extension code of a cloudpickled value.
PICKLE_EXT_CODE = 1
#: The integers msgpack stores: signed or unsigned 64-bit.
INT_MIN = -(2**63)
INT_MAX = 2**64 - 1


def pack(obj: Any) -> bytes:
    """Encodes a literal as msgpack bytes; the same literal always gives the same bytes.

    ``msgpack.ExtType`` values (pickled values) are packed as they are.
    """
    return msgpack.packb(obj, use_bin_type=True)  # type: ignore[no-any-return]


def unpack(blob: bytes) -> Any:
    """Decodes msgpack bytes made by :func:`pack` back into a literal.

    Extension values come back as ``msgpack.ExtType``: unpacking never unpickles, so a server
    may read literals of code it does not trust; transformers unpickle when they rebuild values.
    """
    return msgpack.unpackb(blob, raw=False, strict_map_key=False)


def hash_bytes(blob: bytes) -> str:
    """The xxh3-128 hex digest of ``blob``: the hash of inputs, interfaces and cache keys."""
    return xxhash.xxh3_128_hexdigest(blob)
