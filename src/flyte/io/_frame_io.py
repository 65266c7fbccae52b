"""Tables in the blob store: parquet (or csv) objects written and read with pyarrow.

An object is written with pyarrow's default parquet options (snappy compression, statistics,
dictionary encoding), which keep writing fast and the file readable by any parquet reader. A
table URI may also name a folder (or an object-store prefix) of part files, as Spark and the
Flyte SDK write them: its parts are read in name order.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import xxhash

from flyte._internal.store.blob import get_store, is_local, local_path
from flyte.io._dataframe import CSV


def write(table: pa.Table, uri: str, fmt: str) -> None:
    """Writes ``table`` to ``uri``; the object appears complete or not at all."""
    try:
        with get_store(uri).open_write(uri) as out:
            if fmt == CSV:
                pacsv.write_csv(table, out)
            else:
                pq.write_table(table, out)
    except (pa.ArrowException, NotImplementedError) as e:  # a column type the format cannot hold
        raise ValueError(f"cannot write the table as {fmt} to '{uri}': {e}") from e


def read(uri: str, fmt: str) -> pa.Table:
    """The whole table at ``uri`` (an object, or a folder of parts)."""
    parts = [_read_part(part, fmt) for part in _parts(uri)]
    if len(parts) == 1:
        return parts[0]
    try:
        return pa.concat_tables(parts)
    except pa.ArrowException as e:
        raise ValueError(f"the parts of '{uri}' do not share one schema: {e}") from e


def batches(uri: str, fmt: str, batch_size: int) -> Iterator[pa.RecordBatch]:
    """The rows at ``uri`` in batches of at most ``batch_size``, one batch in memory at a time."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    for part in _parts(uri):
        with _open(part) as source:
            try:
                if fmt == CSV:
                    for block in pacsv.open_csv(source):
                        yield from _split(block, batch_size)
                else:
                    yield from pq.ParquetFile(source).iter_batches(batch_size=batch_size)
            except pa.ArrowException as e:
                raise _unreadable(part, fmt, e) from e


def fingerprint(table: pa.Table, fmt: str) -> str | None:
    """A digest of the table's schema, layout and bytes, or None for a type not digested.

    Equal digests mean equal tables (the same bytes in the same layout); equal tables built in
    different ways may digest differently. So a digest tells that a table is unchanged, cheaply
    (it reads memory at several GB/s and converts nothing), but it is no content address.
    """
    digest = _Digest(fmt)
    digest.update(table.schema.serialize())
    for column in table.columns:
        digest.update(struct.pack("<q", column.num_chunks))
        for chunk in column.chunks:
            if not digest.array(chunk):
                return None
    return digest.hexdigest()


class _Digest:
    """xxh3-128 over arrays, reading each buffer once however many arrays share it.

    Arrays read from parquet are slices of one buffer per row group, so hashing each array's
    buffers in full would read that buffer once per slice.
    """

    def __init__(self, fmt: str) -> None:
        self._hash = xxhash.xxh3_128(fmt.encode())
        self._seen: dict[tuple[int, int], int] = {}
        self.update = self._hash.update
        self.hexdigest = self._hash.hexdigest

    def array(self, array: pa.Array) -> bool:
        """Adds ``array``; False when its type is not digested."""
        kind = array.type
        self.update(struct.pack("<qqq", array.offset, len(array), array.null_count))
        if pa.types.is_dictionary(kind):
            return self.array(array.indices) and self.array(array.dictionary)
        if kind.num_fields or isinstance(kind, pa.ExtensionType):
            # Nested arrays keep offsets in their children that buffers() does not show, and an
            # extension type may mean more than its storage: neither is digested, to be safe.
            return False
        for buffer in array.buffers():
            self._buffer(buffer)
        return True

    def _buffer(self, buffer: pa.Buffer | None) -> None:
        if buffer is None:
            self.update(b"n")
            return
        key = (buffer.address, buffer.size)
        index = self._seen.get(key)
        if index is not None:  # the same memory as before: the same bytes
            self.update(struct.pack("<cq", b"s", index))
            return
        self._seen[key] = len(self._seen)
        self.update(struct.pack("<cq", b"b", buffer.size))
        self.update(buffer)


def _parts(uri: str) -> list[str]:
    """The objects making up the table at ``uri``; FileNotFoundError naming it if none."""
    store = get_store(uri)
    if store.exists(uri):
        return [uri]
    found = [o.uri for o in store.list(uri.rstrip("/") + "/") if not _hidden(o.uri.rsplit("/", 1)[-1])]
    if not found:
        raise FileNotFoundError(f"no dataframe at '{uri}'")
    return found


def _hidden(name: str) -> bool:
    # Writers keep metadata and markers (_SUCCESS, _metadata, .crc files) beside the parts.
    return name.startswith(("_", "."))


def _open(uri: str) -> Any:
    if is_local(uri):
        return pa.memory_map(str(local_path(uri)))
    return get_store(uri).open_read(uri)


def _read_part(uri: str, fmt: str) -> pa.Table:
    try:
        if fmt == CSV:
            with _open(uri) as source:
                return pacsv.read_csv(source)
        if is_local(uri):
            # A path lets pyarrow read the column chunks on its own threads.
            return pq.read_table(str(local_path(uri)))
        return pq.read_table(pa.BufferReader(get_store(uri).get(uri)))
    except pa.ArrowException as e:
        raise _unreadable(uri, fmt, e) from e


def _unreadable(uri: str, fmt: str, err: Exception) -> ValueError:
    return ValueError(f"cannot read '{uri}' as {fmt}: {err}")


def _split(batch: pa.RecordBatch, size: int) -> Iterator[pa.RecordBatch]:
    for start in range(0, batch.num_rows, size):
        yield batch.slice(start, size)
