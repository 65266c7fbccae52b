"""Baselines of the data benchmarks, without flyte: plain Python, obstore and pyarrow used directly.

Usage::

    python data_plain.py stream SIZE --expect SHA256
    python data_plain.py obstore SIZE --expect SHA256 --bucket B [--part-size 8MiB] [--concurrency 4]
    python data_plain.py frame ROWS

``stream``: write a SIZE-byte local file in 1 MiB writes, then read it back in 1 MiB reads
computing its SHA-256 (the floor of the ``file_*`` rows).

``obstore``: the same upload and download against an S3 server, with obstore's own API:
``obstore.open_writer`` (multipart, ``--part-size`` parts, ``--concurrency`` in flight, 1 MiB
writes) and one streamed ``obstore.get(...).stream()`` read in 1 MiB chunks. The server and keys
come from the ``FLYTE_STORAGE_*`` variables the harness sets for our side too.

``frame``: a pandas DataFrame of ROWS rows (built untimed) to parquet and back with pyarrow:
``pa.Table.from_pandas``, ``pq.write_table`` to a local file, ``pq.read_table(...).to_pandas()``.

Each prints one JSON line like the flyte workloads; ``result_ok`` checks digest or row summary.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import tempfile
import time
from typing import Any

from _blocks import CHUNK, chunks, parse_size
from _common import emit
from _table_data import make_frame, summary


def stream(size: int) -> tuple[str, float, float]:
    """Write then read a local file; return its digest and the write and read seconds."""
    path = os.path.join(tempfile.mkdtemp(prefix="plain-"), "big.bin")
    start = time.perf_counter()
    with open(path, "wb") as out:
        for chunk in chunks(size):
            out.write(chunk)
    middle = time.perf_counter()
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest(), middle - start, time.perf_counter() - middle


def s3_store(bucket: str) -> Any:
    """An obstore S3Store for ``bucket`` on the server named by the ``FLYTE_STORAGE_*`` variables."""
    from obstore.store import S3Store

    return S3Store(
        bucket,
        endpoint=os.environ["FLYTE_STORAGE_ENDPOINT"],
        access_key_id=os.environ["FLYTE_STORAGE_ACCESS_KEY_ID"],
        secret_access_key=os.environ["FLYTE_STORAGE_SECRET_ACCESS_KEY"],
        region=os.environ.get("FLYTE_STORAGE_REGION", "us-east-1"),
        virtual_hosted_style_request=False,
        client_options={"allow_http": True},
    )


def s3_roundtrip(size: int, bucket: str, part_size: int, concurrency: int) -> tuple[str, float, float]:
    """Upload then download one object with obstore; return its digest and the two durations."""
    import obstore

    store = s3_store(bucket)
    key = f"bench-obstore/{secrets.token_hex(8)}/big.bin"
    start = time.perf_counter()
    writer = obstore.open_writer(store, key, buffer_size=part_size, max_concurrency=concurrency)
    for chunk in chunks(size):
        # obstore keeps the buffer it is given until the part is sent: hand it an immutable copy.
        writer.write(bytes(chunk))
    writer.close()
    middle = time.perf_counter()
    digest = hashlib.sha256()
    for part in obstore.get(store, key).stream(min_chunk_size=CHUNK):
        digest.update(part)
    return digest.hexdigest(), middle - start, time.perf_counter() - middle


def frame_roundtrip(frame: Any) -> tuple[str, float, float]:
    """pandas -> parquet file -> pandas with pyarrow; return the summary and the two durations."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = os.path.join(tempfile.mkdtemp(prefix="plain-frame-"), "data.parquet")
    start = time.perf_counter()
    pq.write_table(pa.Table.from_pandas(frame), path)
    middle = time.perf_counter()
    text = summary(pq.read_table(path).to_pandas())
    return text, middle - start, time.perf_counter() - middle


def main() -> None:
    """Run one baseline, timed, and print the JSON result line."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("shape", choices=["stream", "obstore", "frame"])
    parser.add_argument("size", help="bytes (stream, obstore: e.g. 1GiB) or rows (frame)")
    parser.add_argument("--expect", help="the SHA-256 the read must produce (stream, obstore)")
    parser.add_argument("--bucket", help="S3 bucket (obstore)")
    parser.add_argument("--part-size", type=parse_size, default=8 << 20, help="multipart part size (8MiB)")
    parser.add_argument("--concurrency", type=int, default=4, help="parts in flight (4)")
    args = parser.parse_args()
    if args.shape == "frame":
        rows = int(args.size)
        frame = make_frame(rows)
        expected = summary(frame)
        text, write_s, read_s = frame_roundtrip(frame)
        ok, extra = text == expected, {"rows": rows, "summary": text}
    else:
        size = parse_size(args.size)
        if args.shape == "stream":
            digest, write_s, read_s = stream(size)
        else:
            digest, write_s, read_s = s3_roundtrip(size, args.bucket, args.part_size, args.concurrency)
        ok, extra = digest == args.expect, {"bytes": size}
    emit(args.shape, 2, write_s + read_s, ok, impl="plain", write_s=write_s, read_s=read_s, **extra)


if __name__ == "__main__":
    main()
