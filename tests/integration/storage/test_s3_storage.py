"""flyte.storage against a real S3 server (SeaweedFS): transfers, streams, folders, and the
settings of flyte.init(storage=S3(...)) reaching the server."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import obstore
import pytest
from obstore.exceptions import BaseError

import flyte
import flyte.storage as storage
from flyte._internal.store.blob._obstore import PART_SIZE
from flyte.storage import S3
from tests.fixtures.seaweedfs import S3Server, direct_store
from tests.unit.blob.contract import MiB, chunks

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def prefix(s3_env: S3Server) -> str:
    return s3_env.uri(f"st-{secrets.token_hex(6)}")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("alpha")
    (root / "sub" / "b.bin").write_bytes(b"".join(chunks(1, 3, 100_000)))
    (root / "sub" / "deeper" / "c.txt").write_text("gamma")
    (root / "empty").write_bytes(b"")
    return root


def _key(server: S3Server, uri: str) -> str:
    return uri.removeprefix(f"s3://{server.bucket}/")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _parts(server: S3Server, uri: str) -> int:
    """How many parts the object was uploaded in (1 for a single PUT), from its ETag."""
    tag = str(obstore.head(direct_store(server), _key(server, uri))["e_tag"]).strip('"')
    return int(tag.rsplit("-", 1)[1]) if "-" in tag else 1


async def test_file_roundtrip(s3_env: S3Server, prefix: str, tree: Path, tmp_path: Path) -> None:
    uri = await storage.put(str(tree / "sub" / "b.bin"), f"{prefix}/b.bin")
    assert uri == f"{prefix}/b.bin"
    stored = obstore.get(direct_store(s3_env), _key(s3_env, uri)).bytes().to_bytes()
    assert stored == (tree / "sub" / "b.bin").read_bytes()
    local = await storage.get(uri, str(tmp_path / "down") + os.sep)
    assert local == str(tmp_path / "down" / "b.bin")
    assert Path(local).read_bytes() == stored
    assert await storage.exists(uri) and storage.exists_sync(uri)
    assert not await storage.exists(f"{prefix}/absent") and not storage.exists_sync(f"{prefix}/absent")
    with pytest.raises(FileNotFoundError, match=f"{prefix}/absent"):
        await storage.get(f"{prefix}/absent")


async def test_recursive_roundtrip(s3_env: S3Server, prefix: str, tree: Path, tmp_path: Path) -> None:
    uri = await storage.put(str(tree), f"{prefix}/folder", recursive=True)
    listed = sorted(meta["path"] for page in obstore.list(direct_store(s3_env), _key(s3_env, uri)) for meta in page)
    assert listed == [f"{_key(s3_env, uri)}/{name}" for name in sorted(_files(tree))]
    assert await storage.exists(uri) and await storage.exists(f"{uri}/sub")
    assert not await storage.exists(f"{prefix}/fold")
    back = await storage.get(uri, str(tmp_path / "back"), recursive=True)
    assert _files(Path(back)) == _files(tree)
    fresh = await storage.get(f"{uri}/sub", recursive=True)
    assert Path(fresh).name == "sub" and _files(Path(fresh)) == _files(tree / "sub")
    with pytest.raises(IsADirectoryError, match="recursive=True"):
        await storage.get(uri)


async def test_open_write_and_read(s3_env: S3Server, prefix: str) -> None:
    uri = f"{prefix}/opened.txt"
    async with await storage.open(uri, "wb") as f:
        for i in range(3):
            await f.write(f"line {i}\n".encode())  # type: ignore[union-attr]
    assert obstore.get(direct_store(s3_env), _key(s3_env, uri)).bytes().to_bytes() == b"line 0\nline 1\nline 2\n"
    async with await storage.open(uri, "rb") as r:
        assert r.size == 21  # type: ignore[union-attr]
        assert await r.readline() == b"line 0\n"  # type: ignore[union-attr]
        await r.seek(-7, os.SEEK_END)  # type: ignore[union-attr]
        assert await r.read() == b"line 2\n"  # type: ignore[union-attr]


async def test_streams_and_part_sizes(s3_env: S3Server, prefix: str) -> None:
    async def twelve_mib() -> AsyncIterator[bytes]:
        for piece in chunks(5, 12):
            yield piece

    streamed = await storage.put_stream(twelve_mib(), to_path=f"{prefix}/streamed.bin", chunk_size=5 * MiB)
    assert _parts(s3_env, streamed) == 3  # 12 MiB in 5 MiB parts
    received = [c async for c in storage.get_stream(streamed, chunk_size=5 * MiB)]
    assert [len(c) for c in received] == [5 * MiB, 5 * MiB, 2 * MiB]
    assert b"".join(received) == b"".join(chunks(5, 12))
    small = await storage.put_stream(b"tiny", to_path=f"{prefix}/tiny")
    assert [c async for c in storage.get_stream(small)] == [b"tiny"]


async def test_put_chunk_size_reaches_the_upload(s3_env: S3Server, prefix: str, tmp_path: Path) -> None:
    source = tmp_path / "twelve.bin"
    source.write_bytes(b"".join(chunks(6, 12)))
    default = await storage.put(str(source), f"{prefix}/default.bin")
    assert _parts(s3_env, default) == -(-12 * MiB // PART_SIZE)  # the blob layer's part size
    tuned = await storage.put(str(source), f"{prefix}/tuned.bin", chunk_size=5 * MiB, max_concurrency=2)
    assert _parts(s3_env, tuned) == 3
    assert Path(await storage.get(tuned)).read_bytes() == source.read_bytes()


async def test_put_without_destination_inside_an_s3_run(s3_env: S3Server, prefix: str, tree: Path) -> None:
    env = flyte.TaskEnvironment(name="s3_storage_tests")

    @env.task
    async def upload(path: str) -> str:
        return await storage.put(path, recursive=True)

    run = await flyte.with_runcontext(mode="local", raw_data_path=f"{prefix}/raw").run.aio(upload, str(tree))
    uploaded = run.outputs()[0]
    assert uploaded.startswith(f"{prefix}/raw/") and uploaded.endswith("/tree")
    assert _files(Path(await storage.get(uploaded, recursive=True))) == _files(tree)


# -- settings given in code -----------------------------------------------------------------------


@pytest.fixture
def no_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing but code says where the server is: no FLYTE_STORAGE_* (conftest clears them), no AWS_*."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)


def _s3(server: S3Server, **changes: str) -> S3:
    fields = {
        "endpoint": server.endpoint,
        "access_key_id": server.access_key,
        "secret_access_key": server.secret_key,
        "region": server.region,
        "addressing_style": "path",
        **changes,
    }
    return S3(**fields)


@pytest.mark.usefixtures("no_configuration")
async def test_init_storage_reaches_the_server(s3_server: S3Server, tree: Path) -> None:
    uri = s3_server.uri(f"init-{secrets.token_hex(6)}", "a.txt")
    flyte.init(storage=_s3(s3_server))
    await storage.put(str(tree / "a.txt"), uri)
    assert obstore.get(direct_store(s3_server), _key(s3_server, uri)).bytes().to_bytes() == b"alpha"
    assert Path(await storage.get(uri)).read_text() == "alpha"
    flyte.init(storage=_s3(s3_server, secret_access_key="not-the-secret"))
    with pytest.raises(BaseError, match="SignatureDoesNotMatch"):
        await storage.get(uri)


@pytest.mark.usefixtures("no_configuration")
async def test_init_from_config_storage_reaches_the_server(s3_server: S3Server, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  endpoint: {s3_server.endpoint}\n  addressing_style: path\n")
    uri = s3_server.uri(f"cfg-{secrets.token_hex(6)}", "x")
    # The endpoint comes from the file, the keys from code.
    keys = S3(access_key_id=s3_server.access_key, secret_access_key=s3_server.secret_key, region=s3_server.region)
    flyte.init_from_config(str(config), storage=keys)
    assert await storage.put_stream(b"configured", to_path=uri) == uri
    assert b"".join([c async for c in storage.get_stream(uri)]) == b"configured"


@pytest.mark.usefixtures("no_configuration")
async def test_fsspec_filesystem_reaches_the_same_server(s3_server: S3Server) -> None:
    uri = s3_server.uri(f"fs-{secrets.token_hex(6)}", "f.txt")
    flyte.init(storage=_s3(s3_server))
    await storage.put_stream(b"through fsspec", to_path=uri)
    fs = storage.get_underlying_filesystem(path=uri)
    assert await fs._cat_file(uri) == b"through fsspec"
    blocking = storage.get_underlying_filesystem("s3", asynchronous=False)
    assert blocking.cat_file(uri) == b"through fsspec"
