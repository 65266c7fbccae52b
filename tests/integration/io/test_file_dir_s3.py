"""File and Dir against a real S3 server (SeaweedFS): uploads, streams, round trips, the spec's
pipeline on a remote folder, and memory held while streaming a large file."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import flyte
import flyte.io
from flyte.io import Dir, File
from tests.fixtures.seaweedfs import S3Server

env = flyte.TaskEnvironment(name="s3_io")

TREE = {"top.csv": "value\n1\n", "empty.txt": "", "a/mid.csv": "value\n2\n", "a/b/deep.csv": "value\n3\n"}


def _prefix(server: S3Server) -> str:
    return server.uri(f"runs-{secrets.token_hex(4)}")


def _run(server: S3Server, task: object, *args: object) -> Any:
    """The outputs of a local run of ``task`` whose raw data goes to the S3 server."""
    runner = flyte.with_runcontext(mode="local", raw_data_path=_prefix(server))
    outputs = runner.run(task, *args).outputs()  # type: ignore[arg-type]
    return outputs[0] if len(outputs) == 1 else outputs


def _tree(root: Path) -> Path:
    for rel, text in TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@env.task
def upload(path: str) -> File:
    return File.from_local(path)


@env.task
async def inspect_file(f: File) -> dict[str, str]:
    async with f.open("rb") as fh:
        await fh.seek(2)
        middle = await fh.read(3)
    with f.open_sync("rb") as sync_fh:
        lines = [line.decode() for line in sync_fh]
    return {
        "path": f.path,
        "text": await f.read(),
        "middle": middle.decode(),
        "lines": "|".join(lines),
        "downloaded": Path(await f.download()).read_text(),
        "exists": str(await f.exists()),
    }


@env.task
async def file_round_trip(path: str) -> dict[str, str]:
    return await inspect_file(await upload(path))


def test_file_upload_read_stream_download(s3_env: S3Server, tmp_path: Path) -> None:
    src = tmp_path / "data.txt"
    src.write_text("line one\nline two\n")
    out = _run(s3_env, file_round_trip, str(src))
    assert isinstance(out, dict)
    assert out["path"].startswith(f"s3://{s3_env.bucket}/runs-") and out["path"].endswith("/data.txt")
    assert out["text"] == out["downloaded"] == "line one\nline two\n"
    assert out["middle"] == "ne " and out["lines"] == "line one\n|line two\n" and out["exists"] == "True"


def test_missing_object_is_named(s3_env: S3Server) -> None:
    f = File.from_existing_remote(s3_env.uri("no", "such.txt"))
    assert not f.exists()
    with pytest.raises(FileNotFoundError, match=r"such\.txt"):
        f.read()
    with pytest.raises(FileNotFoundError, match=r"such\.txt"):
        f.download()


@env.task
def frames() -> list[File]:
    df = pd.DataFrame({"a": [1, 2, 3]})
    return [
        File.from_dataframe(df, "t.parquet"),
        File.from_dataframe(df, "t.csv"),
        File.from_string("s", "s.txt"),
    ]


def test_written_files_land_under_the_prefix_and_read_through_pandas(s3_env: S3Server) -> None:
    pq, csv, text = _run(s3_env, frames)
    for f in (pq, csv, text):
        assert f.path.startswith(f"s3://{s3_env.bucket}/runs-")
    assert pd.read_parquet(pq)["a"].tolist() == [1, 2, 3]  # os.fspath downloads on demand
    assert pd.read_csv(csv)["a"].tolist() == [1, 2, 3]
    assert text.read() == "s"


@env.task
def upload_dir(path: str) -> Dir:
    return Dir.from_local(path)


@env.task
async def dir_listing(d: Dir) -> list[list[str]]:
    rels = sorted([f.path.removeprefix(d.path + "/") async for f in d.walk()])
    top = sorted(f.name for f in d.walk(recursive=False))
    got = await d.get_file("a/mid.csv")
    return [rels, top, [await got.read() if got else "", str(await d.exists())]]


@env.task
async def dir_round_trip(path: str) -> tuple[Dir, list[list[str]]]:
    d = await upload_dir(path)
    return d, await dir_listing(d)


def test_dir_round_trip_keeps_empty_files_and_nesting(s3_env: S3Server, tmp_path: Path) -> None:
    d, (rels, top, (mid, exists)) = _run(s3_env, dir_round_trip, str(_tree(tmp_path / "tree")))
    assert d.path.startswith(f"s3://{s3_env.bucket}/runs-")
    assert rels == sorted(TREE) and top == ["empty.txt", "top.csv"] and mid == "value\n2\n" and exists == "True"
    local = Path(d.download(tmp_path / "back"))
    assert {p.relative_to(local).as_posix(): p.read_text() for p in local.rglob("*") if p.is_file()} == TREE


# fmt: off
@env.task
def process_dataset(input_dir: flyte.io.Dir) -> flyte.io.File:
    results = []

    # Process files in directory
    for file_path in input_dir.walk():
        if file_path.endswith('.csv'):
            data = pd.read_csv(file_path)
            processed = data
            results.append(processed)

    # Combine results
    combined = pd.concat(results)

    # Return as Flyte file
    return flyte.io.File.from_dataframe(combined, "processed_data.parquet")
# fmt: on


@env.task
async def pipeline(path: str) -> File:
    return await process_dataset(await upload_dir(path))


def test_spec_pipeline_on_a_remote_folder(s3_env: S3Server, tmp_path: Path) -> None:
    out = _run(s3_env, pipeline, str(_tree(tmp_path / "tree")))
    assert isinstance(out, File) and out.path.startswith(f"s3://{s3_env.bucket}/")
    assert sorted(pd.read_parquet(out)["value"].tolist()) == [1, 2, 3]


_STREAM = textwrap.dedent(
    """
    import resource, sys
    import flyte
    from flyte.io import File

    size, chunk = int(sys.argv[1]), 1 << 20
    block = bytes(range(256)) * (chunk // 256)
    env = flyte.TaskEnvironment(name="stream")

    @env.task
    def stream() -> int:
        f = File.new_remote("big.bin")
        with f.open("wb") as fh:
            for _ in range(size // chunk):
                fh.write(block)
        total = 0
        with f.open("rb") as fh:
            while data := fh.read(chunk):
                total += len(data)
        return total

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = flyte.with_runcontext(mode="local", raw_data_path=sys.argv[2]).run(stream)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(run.outputs()[0], (after - before) // 1024)
    """
)


@pytest.mark.slow
def test_streaming_a_large_file_holds_little_memory(s3_env: S3Server) -> None:
    size = int(os.environ.get("FLYTE_TEST_STREAM_BYTES", str(1 << 30)))
    out = subprocess.run(
        [sys.executable, "-c", _STREAM, str(size), _prefix(s3_env)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    total, grown_mib = (int(x) for x in out.stdout.split()[-2:])
    assert total == size
    assert grown_mib < 100, f"peak memory grew by {grown_mib} MiB while streaming {size} bytes"
