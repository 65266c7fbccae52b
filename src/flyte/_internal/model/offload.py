"""Large inputs and outputs go to the blob store; the metadata store keeps a reference.

A payload (a call's encoded inputs, or its encoded output) over the offload threshold is written
once, content-addressed, under the run's raw-data prefix, and the record holds a small reference
in its place. What stays inline must fit the task's ``max_inline_io_bytes``.
"""

from __future__ import annotations

import os

import msgpack

from flyte._internal.serde import hash_bytes, pack, unpack
from flyte.errors import InlineIOMaxBytesBreached

DEFAULT_OFFLOAD_THRESHOLD = 4 * 1024 * 1024
"""Bytes over which a payload is offloaded when ``FLYTE_OFFLOAD_THRESHOLD_BYTES`` is unset."""
_REFERENCE_CODE = 2


def offload_threshold() -> int:
    """Payloads larger than this many bytes are offloaded (``FLYTE_OFFLOAD_THRESHOLD_BYTES``)."""
    configured = os.environ.get("FLYTE_OFFLOAD_THRESHOLD_BYTES")
    return int(configured) if configured else DEFAULT_OFFLOAD_THRESHOLD


def to_stored(payload: bytes, raw_data_prefix: str, task_name: str, what: str, max_inline: int) -> bytes:
    """The form of ``payload`` to keep in the metadata store: itself, or a reference to a blob."""
    size = len(payload)
    if size > offload_threshold():
        from flyte._internal.store.blob import get_store, join

        uri = join(raw_data_prefix, "offloaded", hash_bytes(payload))
        store = get_store(uri)
        if not store.exists(uri):
            store.put(uri, payload)
        return pack(msgpack.ExtType(_REFERENCE_CODE, uri.encode()))
    if size > max_inline:
        raise InlineIOMaxBytesBreached(
            f"The {what} of task '{task_name}' take {size} bytes inline, over its max_inline_io_bytes "
            f"of {max_inline}: pass large data as flyte.io.File/Dir/DataFrame or raise the limit "
            "with @env.task(max_inline_io_bytes=...)"
        )
    return payload


def from_stored(stored: bytes) -> bytes:
    """The payload behind a stored form made by :func:`to_stored`."""
    # A reference is a lone msgpack ext value (formats 0xc7-0xc9); anything else is the payload.
    if len(stored) > 4096 or not stored or stored[0] not in (0xC7, 0xC8, 0xC9):
        return stored
    value = unpack(stored)
    if isinstance(value, msgpack.ExtType) and value.code == _REFERENCE_CODE:
        from flyte._internal.store.blob import get_store

        uri = value.data.decode()
        return get_store(uri).get(uri)
    return stored
