"""get_store: which store serves a URI, its cache, the storage settings, and a light import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from obstore.store import S3Store

from flyte._config import StorageConfig
from flyte._internal.store.blob import SCHEMES, get_store, reset_stores
from flyte._internal.store.blob._settings import S3Settings, load_s3_settings, make_s3_store

_AWS = {
    "AWS_ENDPOINT_URL": "http://aws-endpoint:9000",
    "AWS_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "aws-key",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "AWS_SESSION_TOKEN": "aws-token",
}


@pytest.fixture(autouse=True)
def fresh_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [*_AWS, "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION"]:
        monkeypatch.delenv(name, raising=False)
    reset_stores()


def test_unsupported_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match=r"'ftp://host/x': unsupported scheme 'ftp' \(supported: file, "):
        get_store("ftp://host/x")
    assert SCHEMES == ("file", "memory", "s3", "gs", "az", "abfs", "abfss")


def test_object_uris_need_a_bucket() -> None:
    with pytest.raises(ValueError, match="names no bucket"):
        get_store("s3:///key")


def test_flyte_settings_win_over_aws_variables() -> None:
    config = StorageConfig(
        endpoint="http://flyte:8333",
        access_key_id="flyte-key",
        secret_access_key="flyte-secret",
        region="ap-south-1",
    )
    settings = S3Settings.resolve(config, _AWS)
    assert (settings.endpoint, settings.region) == ("http://flyte:8333", "ap-south-1")
    assert (settings.access_key_id, settings.secret_access_key) == ("flyte-key", "flyte-secret")
    assert settings.session_token is None  # an AWS token belongs to the AWS key, not flyte's


def test_aws_variables_fill_unset_settings() -> None:
    settings = S3Settings.resolve(StorageConfig(), _AWS)
    assert settings == S3Settings(
        endpoint="http://aws-endpoint:9000",
        region="eu-west-1",
        access_key_id="aws-key",
        secret_access_key="aws-secret",
        session_token="aws-token",
        virtual_hosted=False,
        allow_http=True,
    )
    more_specific = {"AWS_ENDPOINT_URL_S3": "https://s3-only", "AWS_DEFAULT_REGION": "us-west-2"}
    settings = S3Settings.resolve(StorageConfig(), {**more_specific, "AWS_ENDPOINT_URL": "http://any"})
    assert (settings.endpoint, settings.region) == ("https://s3-only", "us-west-2")
    assert not settings.allow_http


def test_addressing_style_and_http() -> None:
    assert S3Settings.resolve(StorageConfig(), {}).virtual_hosted
    assert not S3Settings.resolve(StorageConfig(endpoint="https://minio"), {}).virtual_hosted
    virtual = StorageConfig(endpoint="https://minio", addressing_style="virtual")
    assert S3Settings.resolve(virtual, {}).virtual_hosted
    assert not S3Settings.resolve(StorageConfig(addressing_style="path"), {}).virtual_hosted
    assert not S3Settings.resolve(StorageConfig(endpoint="https://minio"), {}).allow_http
    assert S3Settings.resolve(StorageConfig(endpoint="HTTP://minio"), {}).allow_http
    assert S3Settings.resolve(StorageConfig(allow_http=True), {}).allow_http


def test_secrets_stay_out_of_reprs() -> None:
    config = StorageConfig(access_key_id="key", secret_access_key="hush")
    assert "hush" not in repr(config)
    settings = S3Settings.resolve(StorageConfig(), _AWS)
    assert "aws-secret" not in repr(settings)
    assert "aws-token" not in repr(settings)


def test_made_store_carries_the_settings() -> None:
    settings = S3Settings(endpoint="http://minio:9000", region="r1", virtual_hosted=False, allow_http=True)
    store = make_s3_store("bkt", settings)
    assert isinstance(store, S3Store)
    assert store.config == {
        "bucket": "bkt",
        "endpoint": "http://minio:9000",
        "region": "r1",
        "virtual_hosted_style_request": "false",
    }
    assert store.client_options == {"allow_http": "true"}
    anonymous = make_s3_store("bkt", S3Settings(anonymous=True, access_key_id="k", secret_access_key="s"))
    assert isinstance(anonymous, S3Store)
    assert str(anonymous.config["skip_signature"]).lower() == "true"
    assert anonymous.config["region"] == "us-east-1"


def test_half_a_key_pair_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_STORAGE_ACCESS_KEY_ID", "only-the-key")
    with pytest.raises(ValueError, match=r"storage\.access_key_id and storage\.secret_access_key"):
        get_store("s3://bucket/x")


def test_settings_come_from_the_config_file_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("config.yaml").write_text("storage:\n  endpoint: http://from-file:1\n  region: file-region\n")
    monkeypatch.setenv("FLYTE_STORAGE_REGION", "env-region")
    settings = load_s3_settings()
    assert (settings.endpoint, settings.region) == ("http://from-file:1", "env-region")


def test_stores_are_cached_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_STORAGE_ENDPOINT", "http://one:1")
    first = get_store("s3://bucket/a")
    assert get_store("s3://bucket/b") is first
    assert get_store("s3://other/b") is not first
    monkeypatch.setenv("FLYTE_STORAGE_ENDPOINT", "http://two:2")
    assert get_store("s3://bucket/a") is first  # settings are read once, until reset_stores
    reset_stores()
    assert get_store("s3://bucket/a") is not first


def test_local_use_does_not_import_obstore(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from flyte._internal.store.blob import get_store, join\n"
        f"uri = join({str(tmp_path)!r}, 'x')\n"
        "get_store(uri).put(uri, b'x')\n"
        "assert get_store(uri).get(uri) == b'x'\n"
        "assert 'obstore' not in sys.modules, 'obstore imported for a local store'\n"
        "get_store('memory://b/x')\n"
        "assert 'obstore' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_import_flyte_does_not_load_the_blob_store() -> None:
    script = "import sys, flyte\nassert 'flyte._internal.store.blob' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
