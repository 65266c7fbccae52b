"""File.open takes the Flyte SDK's options: compression (gzip, bz2, xz, infer) is honoured,
block_size / cache_type / cache_options are accepted; "rt"/"wt" modes; and async handles give
readline() and readlines()."""

from __future__ import annotations

import gzip
import secrets
from pathlib import Path

import pytest

import flyte
from flyte.io import File
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="open_options")


def memory_uri(name: str) -> str:
    return f"memory://open{secrets.token_hex(4)}/{name}"


@pytest.mark.parametrize("codec", ["gzip", "bz2", "xz"])
def test_compressed_write_and_read_sync(codec: str) -> None:
    f = File(memory_uri("data.bin"))
    with f.open("wb", compression=codec) as fh:
        fh.write(b"line one\n" * 1000)
    raw = f.read_bytes()
    assert len(raw) < 1000 and raw != b"line one\n" * 1000
    with f.open("rb", compression=codec) as fh:
        assert fh.read() == b"line one\n" * 1000


def test_gzip_is_real_gzip_and_infer_reads_by_suffix(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt.gz"
    f = File(str(path))
    with f.open("wt", compression="gzip") as fh:
        fh.write("héllo\nworld\n")
    assert gzip.decompress(path.read_bytes()) == "héllo\nworld\n".encode()
    with f.open("rt", compression="infer") as fh:
        assert fh.readlines() == ["héllo\n", "world\n"]
    plain = File(str(tmp_path / "plain.txt"))
    with plain.open("w", compression="infer") as fh:  # no known suffix: uncompressed
        fh.write("as is")
    assert plain.read() == "as is"


def test_a_failed_compressed_write_leaves_nothing() -> None:
    f = File(memory_uri("broken.gz"))
    with pytest.raises(RuntimeError), f.open("wb", compression="gzip") as fh:
        fh.write(b"partial")
        raise RuntimeError("boom")
    assert not f.exists()


def test_tuning_hints_are_accepted_and_bad_options_refused() -> None:
    f = File(memory_uri("t.txt"))
    with f.open("wb", block_size=1024, cache_type="none", cache_options={"x": 1}) as fh:
        fh.write(b"ok")
    with f.open("rb", block_size=1 << 20, cache_type="readahead") as fh:
        assert fh.read() == b"ok"
    with pytest.raises(ValueError, match="unsupported compression 'zip'"):
        f.open("rb", compression="zip")
    with pytest.raises(ValueError, match="mode must be one of"):
        f.open("ab")


@env.task
async def async_lines(f: File) -> list[str]:
    async with f.open("rb", compression="gzip", block_size=4096) as fh:
        first = await fh.readline()
        rest = await fh.readlines()
    return [first.decode(), *(line.decode() for line in rest)]


@env.task
async def async_text_lines(f: File) -> list[str]:
    async with f.open("rt") as fh:
        head = await fh.readlines(1)
        tail = await fh.readlines()
    return [*head, "|", *tail]


def test_async_readline_and_readlines_in_a_run(tmp_path: Path) -> None:
    gz = tmp_path / "lines.gz"
    gz.write_bytes(gzip.compress(b"a\nb\nc\n"))
    assert run_local(async_lines, File(str(gz))) == ["a\n", "b\n", "c\n"]
    txt = tmp_path / "lines.txt"
    txt.write_text("x\ny\nz\n")
    assert run_local(async_text_lines, File(str(txt))) == ["x\n", "|", "y\n", "z\n"]
