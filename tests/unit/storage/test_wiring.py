"""flyte.init(storage=...) reaching the blob layer's stores, and the fsspec helpers.

Settings are checked on the stores themselves (no request is sent); tests/integration/storage
checks that they reach a real S3 server.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import flyte
import flyte.storage as storage
from flyte._initialize import get_init_state
from flyte._initialize import reset as reset_init
from flyte._internal.store.blob import RetryPolicy, get_store, reset_stores, s3_settings
from flyte.errors import InitializationError
from flyte.storage import ABFS, GCS, S3, Storage


@pytest.fixture(autouse=True)
def no_aws_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith(("AWS_", "AZURE_", "GOOGLE_"))]:
        monkeypatch.delenv(name)
    reset_stores()


def _obstore(uri: str) -> Any:
    return get_store(uri)._store  # type: ignore[attr-defined]


def test_init_storage_reaches_s3_stores() -> None:
    flyte.init(
        storage=S3(
            endpoint="http://minio:9000",
            access_key_id="id",
            secret_access_key="secret",
            region="eu-west-1",
            retries=2,
            backoff=timedelta(seconds=1),
        )
    )
    settings = s3_settings()
    assert (settings.endpoint, settings.region, settings.access_key_id, settings.secret_access_key) == (
        "http://minio:9000",
        "eu-west-1",
        "id",
        "secret",
    )
    assert not settings.virtual_hosted and settings.allow_http
    assert settings.retry == RetryPolicy(2, timedelta(seconds=1))
    store = _obstore("s3://bucket/key")
    assert store.config["endpoint"] == "http://minio:9000"
    assert store.retry_config["max_retries"] == 2
    assert store.credential_provider()["secret_access_key"] == "secret"
    assert get_init_state().storage == S3(
        endpoint="http://minio:9000",
        access_key_id="id",
        secret_access_key="secret",
        region="eu-west-1",
        retries=2,
        backoff=timedelta(seconds=1),
    )


def test_unset_fields_fall_back_to_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_STORAGE_ENDPOINT", "http://from-config:8333")
    monkeypatch.setenv("FLYTE_STORAGE_REGION", "config-region")
    flyte.init(storage=S3(region="code-region", addressing_style="virtual"))
    settings = s3_settings()
    assert (settings.endpoint, settings.region, settings.virtual_hosted) == (
        "http://from-config:8333",
        "code-region",
        True,
    )


def test_init_without_storage_and_reset_go_back_to_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_STORAGE_ENDPOINT", "http://from-config:8333")
    flyte.init(storage=S3(endpoint="http://from-code:1"))
    assert s3_settings().endpoint == "http://from-code:1"
    flyte.init()
    assert s3_settings().endpoint == "http://from-config:8333"
    assert s3_settings().retry is None  # obstore's own retry policy again
    flyte.init(storage=S3(endpoint="http://from-code:1"))
    reset_init()
    assert s3_settings().endpoint == "http://from-config:8333"


def test_init_from_config_follows_the_named_file_under_storage(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere" / "config.yaml"
    config.parent.mkdir()
    config.write_text("storage:\n  endpoint: http://file-endpoint:9000\n  region: file-region\n")
    flyte.init_from_config(str(config))
    assert (s3_settings().endpoint, s3_settings().region) == ("http://file-endpoint:9000", "file-region")
    flyte.init_from_config(str(config), storage=S3(region="code-region", retries=5))
    settings = s3_settings()
    assert (settings.endpoint, settings.region) == ("http://file-endpoint:9000", "code-region")
    assert settings.retry == RetryPolicy(5, timedelta(seconds=5))
    assert get_init_state().storage == S3(region="code-region", retries=5)


def test_memory_stores_keep_their_contents_across_init() -> None:
    uri = "memory://wiring/x"
    get_store(uri).put(uri, b"kept")
    flyte.init(storage=S3(endpoint="http://other:1"))
    flyte.init()
    assert get_store(uri).get(uri) == b"kept"


def test_each_provider_sets_its_own_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    flyte.init(storage=GCS(retries=1))
    assert _obstore("gs://bucket/x").retry_config["max_retries"] == 1
    assert s3_settings().retry is None
    flyte.init(storage=ABFS(account_name="acct", account_key="a2V5", retries=4))
    azure = _obstore("abfs://container/x")
    assert (azure.config["account_name"], azure.config["account_key"]) == ("acct", "a2V5")
    assert azure.retry_config["max_retries"] == 4
    assert _obstore("gs://bucket/x").retry_config is None  # the GCS settings are gone
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_NAME", "env-acct")  # Azure stores need an account
    flyte.init(storage=Storage(retries=6))
    assert s3_settings().retry == RetryPolicy(6, timedelta(seconds=5))
    assert _obstore("gs://bucket/x").retry_config["max_retries"] == 6
    assert _obstore("az://container/x").retry_config["max_retries"] == 6


@pytest.mark.parametrize("init", [flyte.init, flyte.init_from_config])
def test_something_else_than_storage_is_refused(init: Any) -> None:
    with pytest.raises(TypeError, match=r"storage must be a flyte\.storage\.Storage .* got str"):
        init(storage="s3://bucket")


# -- fsspec ---------------------------------------------------------------------------------------


def test_configured_fsspec_kwargs_for_s3_follow_the_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_STORAGE_ENDPOINT", "http://from-config:8333")
    kwargs = storage.get_configured_fsspec_kwargs("s3")
    assert kwargs["config"]["endpoint"] == "http://from-config:8333"
    assert "retry_config" not in kwargs
    flyte.init(storage=S3(access_key_id="id", secret_access_key="secret", retries=1))
    kwargs = storage.get_configured_fsspec_kwargs("s3")
    assert kwargs["config"]["endpoint"] == "http://from-config:8333"
    assert kwargs["credential_provider"]()["access_key_id"] == "id"
    assert kwargs["retry_config"]["max_retries"] == 1
    anonymous = storage.get_configured_fsspec_kwargs("s3", anonymous=True)
    assert anonymous["config"]["skip_signature"] is True and "credential_provider" not in anonymous


def test_configured_fsspec_kwargs_for_other_protocols(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_NAME", "env-acct")
    assert storage.get_configured_fsspec_kwargs("abfs")["config"] == {"account_name": "env-acct"}
    assert storage.get_configured_fsspec_kwargs("file") == {}
    with pytest.raises(InitializationError, match=r"needs flyte\.init"):
        storage.get_configured_fsspec_kwargs()
    flyte.init()
    assert storage.get_configured_fsspec_kwargs() == {}
    flyte.init(storage=GCS(retries=9))
    assert storage.get_configured_fsspec_kwargs("gs")["retry_config"]["max_retries"] == 9
    assert storage.get_configured_fsspec_kwargs()["retry_config"]["max_retries"] == 9
    flyte.init(storage=Storage(retries=8))
    assert storage.get_configured_fsspec_kwargs("abfss")["retry_config"]["max_retries"] == 8


def test_underlying_filesystem_for_local_files(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("via fsspec")
    fs = storage.get_underlying_filesystem(path=str(tmp_path / "f.txt"))
    assert type(fs).__name__ == "LocalFileSystem"
    assert fs.cat_file(str(tmp_path / "f.txt")) == b"via fsspec"


def test_underlying_filesystem_for_s3_is_obstore_fsspec() -> None:
    flyte.init(storage=S3(endpoint="http://minio:9000", region="r"))
    fs = storage.get_underlying_filesystem("s3")
    assert fs.protocol == "s3" and fs.asynchronous
    store = fs._construct_store("bucket")
    assert (store.config["endpoint"], store.config["region"]) == ("http://minio:9000", "r")
    assert not storage.get_underlying_filesystem("s3", asynchronous=False).asynchronous


def test_underlying_filesystem_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="needs a protocol or a path"):
        storage.get_underlying_filesystem()
    with pytest.raises(ValueError, match="memory:// is flyte's in-process store"):
        storage.get_underlying_filesystem(path="memory://bucket/x")
    monkeypatch.setitem(sys.modules, "fsspec", None)
    with pytest.raises(ImportError, match="needs the fsspec package: pip install fsspec"):
        storage.get_underlying_filesystem("file")
