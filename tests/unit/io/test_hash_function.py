"""flyte.io.HashFunction: a content hash computed by a function of your own, used by
File.from_local, File.new_remote(...).open("wb") and DataFrame.from_local."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import flyte
from flyte.io import DataFrame, File, HashFunction
from flyte.io._hashing import CHUNK
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="hash_function")


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_from_fn_hashes_what_was_given() -> None:
    h = HashFunction.from_fn(md5)
    h.update(b"hello")
    assert h.result() == "5d41402abc4b2a76b9719d911017c592"
    h.reset()
    h.update(b"he")
    h.update(b"llo")  # chunks are joined: fn sees the whole content
    assert h.result() == "5d41402abc4b2a76b9719d911017c592"


def test_a_non_callable_is_refused() -> None:
    with pytest.raises(TypeError, match="callable"):
        HashFunction.from_fn("md5")  # type: ignore[arg-type]


def test_from_local_hashes_a_large_file_whole(tmp_path: Path) -> None:
    data = b"x" * (CHUNK * 2 + 17)  # read in several chunks
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    f = File.from_local(str(src), hash_method=HashFunction.from_fn(md5))
    assert f.hash == md5(data)


@env.task
def upload_hashed(path: str) -> File:
    return File.from_local(path, hash_method=HashFunction.from_fn(md5))


@env.task
async def write_hashed() -> File:
    f = File.new_remote("out.txt", hash_method=HashFunction.from_fn(md5))
    async with f.open("wb") as fh:
        await fh.write(b"abc")
        await fh.write(b"def")
    return f


def test_hash_function_in_tasks(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes(b"content")
    uploaded = run_local(upload_hashed, str(src))
    assert uploaded.hash == md5(b"content") and uploaded.path != str(src)
    written = run_local(write_hashed)
    assert written.hash == md5(b"abcdef") and written.read() == "abcdef"


def test_dataframe_from_local_hashes_the_frame() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3]})
    fn = HashFunction.from_fn(lambda df: str(pd.util.hash_pandas_object(df).sum()))
    df = DataFrame.from_local(frame, hash_method=fn)
    assert df.hash == str(pd.util.hash_pandas_object(frame).sum())
    assert DataFrame.from_local(frame, hash_method="given").hash == "given"
