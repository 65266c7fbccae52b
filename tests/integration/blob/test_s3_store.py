"""The obstore S3 store against a real S3 server (SeaweedFS), configured by FLYTE_STORAGE_*."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import obstore
import pytest
from obstore.exceptions import BaseError

from flyte._internal.store.blob import get_store, reset_stores
from tests.fixtures.seaweedfs import S3Server, direct_store
from tests.unit.blob.contract import MiB, StoreContract, chunks, digest_of


@pytest.fixture
def prefix(s3_env: S3Server) -> str:
    return s3_env.uri(f"t-{secrets.token_hex(6)}")


class TestS3Store(StoreContract):
    """The whole store contract, on ``s3://``."""


def _drop_flyte_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("FLYTE_STORAGE_")]:
        monkeypatch.delenv(name)


def test_streaming_40_mib_is_a_multipart_upload(s3_env: S3Server, prefix: str) -> None:
    uri = f"{prefix}/big.bin"
    store = get_store(uri)
    with store.open_write(uri) as f:
        for piece in chunks(40, 40):
            f.write(piece)
    key = uri.removeprefix(f"s3://{s3_env.bucket}/")
    meta = obstore.head(direct_store(s3_env), key)
    assert meta["size"] == 40 * MiB
    # A multipart object's ETag is "<md5 of part md5s>-<number of parts>": 40 MiB in 8 MiB parts.
    assert str(meta["e_tag"]).strip('"').endswith("-5")

    def pieces() -> Iterator[bytes]:
        with store.open_read(uri) as f:
            while piece := f.read(3 * MiB):
                yield piece

    assert digest_of(pieces()) == digest_of(chunks(40, 40))


def test_large_file_upload_and_download(s3_env: S3Server, prefix: str, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    with source.open("wb") as f:
        for piece in chunks(7, 24):
            f.write(piece)
    uri = f"{prefix}/file.bin"
    store = get_store(uri)
    store.upload_file(source, uri)
    assert [(i.uri, i.size) for i in store.list(prefix)] == [(uri, 24 * MiB)]
    target = tmp_path / "out" / "file.bin"
    store.download_file(uri, target)
    with target.open("rb") as f:
        assert digest_of(iter(lambda: f.read(MiB), b"")) == digest_of(chunks(7, 24))


def test_requests_are_signed_with_the_configured_keys(
    s3_env: S3Server, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"{prefix}/x"
    get_store(uri).put(uri, b"x")
    monkeypatch.setenv("FLYTE_STORAGE_SECRET_ACCESS_KEY", "not-the-secret")
    reset_stores()
    with pytest.raises(BaseError, match="SignatureDoesNotMatch"):
        get_store(uri).get(uri)
    monkeypatch.setenv("FLYTE_STORAGE_ANONYMOUS", "true")
    reset_stores()
    with pytest.raises(BaseError, match="AccessDenied"):
        get_store(uri).put(uri, b"y")


def test_aws_variables_are_the_fallback(s3_env: S3Server, prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _drop_flyte_settings(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_env.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_env.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_env.secret_key)
    monkeypatch.setenv("AWS_REGION", s3_env.region)
    reset_stores()
    uri = f"{prefix}/via-aws"
    get_store(uri).put(uri, b"aws")
    key = uri.removeprefix(f"s3://{s3_env.bucket}/")
    assert obstore.get(direct_store(s3_env), key).bytes().to_bytes() == b"aws"


def test_config_file_storage_section(s3_env: S3Server, prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _drop_flyte_settings(monkeypatch)
    Path("config.yaml").write_text(
        f"storage:\n  endpoint: {s3_env.endpoint}\n  access_key_id: {s3_env.access_key}\n"
        f"  secret_access_key: {s3_env.secret_key}\n  addressing_style: path\n"
    )
    reset_stores()
    uri = f"{prefix}/via-file"
    get_store(uri).put(uri, b"file")
    assert get_store(uri).get(uri) == b"file"
