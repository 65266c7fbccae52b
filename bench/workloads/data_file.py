"""File workloads for ``data_compare.py``, run unchanged by our flyte and by the real SDK.

Usage::

    python data_file.py stream SIZE --expect SHA256 [--raw-data-path URI]
    python data_file.py local SIZE --expect SHA256

``stream``: one run of ``write_big`` streams a SIZE-byte ``File.new_remote(file_name=...)``
in 1 MiB writes through ``with f.open("wb")`` and returns it; a second run passes that File to
``read_big``, which streams it back through ``with f.open("rb")`` in 1 MiB reads and returns its
SHA-256. The real SDK's ``File.open`` is an async context manager only, so there the sync tasks
use ``File.open_sync``, its documented sync form (ours aliases ``open_sync`` to ``open``). The
raw-data path (``s3://bucket/prefix`` for the S3 row) defaults to a folder in ``TMPDIR``.

``local``: one async task writes a SIZE-byte local file with plain Python, makes it a File with
``await File.from_local(path)`` and awaits a child task that reads it fully (``async with
f.open("rb")``, 1 MiB reads) and returns its SHA-256.

Both print one JSON line; ``result_ok`` is false unless the digest equals ``--expect``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from typing import Any

from _blocks import CHUNK, chunks, parse_size
from _common import emit, init_flyte, sdk_version, stdout_to_stderr

import flyte
from flyte.io import File

env = flyte.TaskEnvironment(name="bench_data_file")

#: True for our package, whose ``File.open`` serves ``with`` as well as ``async with``.
OPEN_IS_SYNC = getattr(File, "open_sync", None) is File.open
FILE_NAME = "big.bin"


def open_sync(file: File, mode: str) -> Any:
    """``file.open(mode)`` for ``with`` (ours), or the real SDK's ``file.open_sync(mode)``."""
    return file.open(mode) if OPEN_IS_SYNC else file.open_sync(mode)


@env.task
def write_big(size: int) -> File:
    """Stream ``size`` bytes into a new File under the raw-data path and return it."""
    f = File.new_remote(file_name=FILE_NAME)
    with open_sync(f, "wb") as fh:
        for chunk in chunks(size):
            fh.write(chunk)
    return f


@env.task
def read_big(f: File) -> str:
    """Stream the File back in 1 MiB reads; return its SHA-256."""
    digest = hashlib.sha256()
    with open_sync(f, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@env.task
async def read_all(f: File) -> str:
    """Read the whole File (async, 1 MiB reads); return its SHA-256."""
    digest = hashlib.sha256()
    async with f.open("rb") as fh:
        while chunk := await fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@env.task
async def local_roundtrip(size: int, folder: str) -> str:
    """Write a local file, make it a File with ``from_local`` and have a child task read it."""
    path = os.path.join(folder, FILE_NAME)
    with open(path, "wb") as out:
        for chunk in chunks(size):
            out.write(chunk)
    f = await File.from_local(path)
    return await read_all(f)


def run_task(task: Any, raw_data_path: str, **kwargs: Any) -> tuple[Any, str]:
    """Run ``task`` locally with ``raw_data_path``; return its first output and the run's reference."""
    with stdout_to_stderr():
        run = flyte.with_runcontext(mode="local", raw_data_path=raw_data_path).run(task, **kwargs)
        value = run.outputs()[0]
    return value, str(getattr(run, "url", None) or getattr(run, "name", None) or "")


def main() -> None:
    """Run one file workload, timed, and print the JSON result line."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("shape", choices=["stream", "local"])
    parser.add_argument("size", type=parse_size, help="bytes, e.g. 1GiB or 100MiB")
    parser.add_argument("--expect", required=True, help="the SHA-256 the read must produce")
    parser.add_argument("--raw-data-path", help="raw-data prefix (default: a folder in TMPDIR)")
    args = parser.parse_args()
    raw = args.raw_data_path or os.path.join(tempfile.gettempdir(), "flyte-raw")
    init_flyte()
    extra: dict[str, Any] = {"impl": "flyte", "version": sdk_version(), "bytes": args.size}
    if args.shape == "stream":
        extra["api"] = "File.open" if OPEN_IS_SYNC else "File.open_sync"
        start = time.perf_counter()
        f, ref_w = run_task(write_big, raw, size=args.size)
        middle = time.perf_counter()
        digest, ref_r = run_task(read_big, raw, f=f)
        end = time.perf_counter()
        extra.update(write_s=middle - start, read_s=end - middle, path=str(f.path), runs=[ref_w, ref_r])
        seconds, tasks = end - start, 2
    else:
        folder = tempfile.mkdtemp(prefix="local-file-")
        start = time.perf_counter()
        digest, ref = run_task(local_roundtrip, raw, size=args.size, folder=folder)
        seconds, tasks = time.perf_counter() - start, 2
        extra["runs"] = [ref]
    emit(f"file_{args.shape}", tasks, seconds, digest == args.expect, **extra)


if __name__ == "__main__":
    main()
