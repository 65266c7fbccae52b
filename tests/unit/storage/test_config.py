"""flyte.storage's settings objects: Storage, S3, GCS, ABFS, their .auto() and fsspec kwargs."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from flyte.storage import ABFS, GCS, S3, Storage


def test_defaults_and_frozen() -> None:
    s = S3()
    assert (s.retries, s.backoff, s.enable_debug, s.attach_execution_metadata) == (3, timedelta(seconds=5), False, True)
    assert (s.endpoint, s.access_key_id, s.secret_access_key, s.region, s.addressing_style) == (None,) * 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.endpoint = "x"  # type: ignore[misc]
    assert isinstance(s, Storage) and isinstance(GCS(), Storage) and isinstance(ABFS(), Storage)


def test_secrets_stay_out_of_repr() -> None:
    text = repr(S3(access_key_id="key-id", secret_access_key="s3cr3t")) + repr(
        ABFS(account_key="acc0untkey", client_secret="cl1ent")
    )
    assert "key-id" in text
    assert "s3cr3t" not in text and "acc0untkey" not in text and "cl1ent" not in text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: S3(addressing_style="sideways"), "addressing_style must be 'path' or 'virtual'"),
        (lambda: Storage(retries=-1), "retries must be an int >= 0"),
        (lambda: GCS(backoff=5), "backoff must be a timedelta"),  # type: ignore[arg-type]
    ],
)
def test_bad_values_are_refused_by_name(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


def test_auto_reads_the_sdk_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_AWS_ENDPOINT", "http://minio:9000")
    monkeypatch.setenv("FLYTE_AWS_ACCESS_KEY_ID", "id")
    monkeypatch.setenv("FLYTE_AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("FLYTE_AWS_S3_ADDRESSING_STYLE", "path")
    monkeypatch.setenv("FLYTE_STORAGE_RETRIES", "7")
    monkeypatch.setenv("FLYTE_STORAGE_BACKOFF_SECONDS", "1.5")
    monkeypatch.setenv("FLYTE_STORAGE_DEBUG", "true")
    assert S3.auto(region="eu-west-1") == S3(
        retries=7,
        backoff=timedelta(seconds=1.5),
        enable_debug=True,
        endpoint="http://minio:9000",
        access_key_id="id",
        secret_access_key="secret",
        region="eu-west-1",
        addressing_style="path",
    )
    assert GCS.auto() == GCS(retries=7, backoff=timedelta(seconds=1.5), enable_debug=True)
    assert Storage.auto() == Storage(retries=7, backoff=timedelta(seconds=1.5), enable_debug=True)


def test_auto_without_variables_is_the_default() -> None:
    assert S3.auto() == S3()
    assert ABFS.auto() == ABFS()


def test_abfs_auto_reads_the_azure_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "AZURE_STORAGE_ACCOUNT_NAME": "acct",
        "AZURE_STORAGE_ACCOUNT_KEY": "a2V5",
        "AZURE_TENANT_ID": "tenant",
        "AZURE_CLIENT_ID": "client",
        "AZURE_CLIENT_SECRET": "secret",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    assert ABFS.auto() == ABFS(
        account_name="acct", account_key="a2V5", tenant_id="tenant", client_id="client", client_secret="secret"
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FLYTE_STORAGE_RETRIES", "many"), ("FLYTE_STORAGE_BACKOFF_SECONDS", "soon"), ("FLYTE_STORAGE_DEBUG", "maybe")],
)
def test_a_malformed_variable_is_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        S3.auto()


def test_for_sandbox() -> None:
    sandbox = S3.for_sandbox()
    assert (sandbox.endpoint, sandbox.access_key_id, sandbox.secret_access_key) == (
        "http://localhost:4566",
        "minio",
        "miniostorage",
    )


def _retry(max_retries: int, seconds: float) -> dict[str, object]:
    return {
        "max_retries": max_retries,
        "backoff": {"init_backoff": timedelta(seconds=seconds), "max_backoff": timedelta(seconds=16), "base": 2},
        "retry_timeout": timedelta(minutes=3),
    }


def test_storage_fsspec_kwargs() -> None:
    assert Storage().get_fsspec_kwargs() == {"retry_config": _retry(3, 5)}
    assert Storage(retries=1).get_fsspec_kwargs(anonymous=True, backoff=timedelta(seconds=2), extra=1) == {
        "retry_config": _retry(1, 2),
        "config": {"skip_signature": True},
        "extra": 1,
    }


def test_s3_fsspec_kwargs() -> None:
    s3 = S3(endpoint="http://x:1", access_key_id="a", secret_access_key="b", region="r", addressing_style="path")
    assert s3.get_fsspec_kwargs() == {
        "retry_config": _retry(3, 5),
        "client_options": {"allow_http": True},
        "config": {
            "access_key_id": "a",
            "secret_access_key": "b",
            "endpoint": "http://x:1",
            "virtual_hosted_style_request": False,
        },
        "region": "r",
    }
    overridden = s3.get_fsspec_kwargs(endpoint_url="https://y", access_key_id="c")
    assert overridden["config"]["endpoint"] == "https://y" and overridden["config"]["access_key_id"] == "c"
    assert "client_options" not in overridden
    assert S3().get_fsspec_kwargs(anonymous=True) == {"retry_config": _retry(3, 5), "config": {"skip_signature": True}}


def test_abfs_fsspec_kwargs() -> None:
    kwargs = ABFS(account_name="acct", client_id="c").get_fsspec_kwargs(account_key="k")
    assert kwargs == {
        "retry_config": _retry(3, 5),
        "config": {"account_name": "acct", "account_key": "k", "client_id": "c"},
    }
    assert GCS(retries=0).get_fsspec_kwargs() == {"retry_config": _retry(0, 5)}
