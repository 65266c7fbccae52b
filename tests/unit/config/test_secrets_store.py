"""Tests of the local secrets store: scopes, precedence, file permissions and atomic writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from flyte._secrets_store import (
    InvalidSecretKeyError,
    SecretInfo,
    delete_secret,
    get_secret,
    list_secrets,
    secrets_path,
    set_secret,
    validate_secret,
)
from flyte.errors import ConfigError

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def test_round_trip_and_missing(isolated: Path) -> None:
    assert get_secret("API_KEY") is None
    set_secret("API_KEY", "s3cret")
    assert get_secret("API_KEY") == "s3cret"
    assert secrets_path() == isolated / "flyte-home" / "secrets.json"
    set_secret("API_KEY", "rotated")
    assert get_secret("API_KEY") == "rotated"
    assert len(list_secrets()) == 1


def test_scoped_secret_wins_over_unscoped() -> None:
    set_secret("K", "global")
    set_secret("K", "domain", domain="dev")
    set_secret("K", "project", project="p")
    set_secret("K", "both", project="p", domain="dev")
    assert get_secret("K", project="p", domain="dev") == "both"
    assert get_secret("K", project="p", domain="prod") == "project"
    assert get_secret("K", project="other", domain="dev") == "domain"
    assert get_secret("K", project="other", domain="prod") == "global"
    assert get_secret("K", project="p") == "project"
    assert get_secret("K", domain="dev") == "domain"
    assert get_secret("K") == "global"


def test_secret_scoped_elsewhere_never_applies() -> None:
    set_secret("K", "for-p", project="p")
    set_secret("D", "for-dev", domain="dev")
    assert get_secret("K") is None
    assert get_secret("K", project="q") is None
    assert get_secret("D", project="p", domain="prod") is None
    assert get_secret("D", project="p", domain="dev") == "for-dev"


def test_group_prefixes_the_name() -> None:
    set_secret("openai/API_KEY", "v")
    assert get_secret("API_KEY", group="openai") == "v"
    assert get_secret("API_KEY") is None


@posix_only
def test_file_is_private(isolated: Path) -> None:
    set_secret("K", "v")
    set_secret("K2", "v2")
    assert stat.S_IMODE(secrets_path().stat().st_mode) == 0o600
    assert stat.S_IMODE((isolated / "flyte-home").stat().st_mode) == 0o700


@posix_only
def test_rewrite_tightens_a_loose_file() -> None:
    set_secret("K", "v")
    secrets_path().chmod(0o644)
    set_secret("K", "w")
    assert stat.S_IMODE(secrets_path().stat().st_mode) == 0o600


def test_list_shows_names_and_scopes_never_values() -> None:
    set_secret("B", "value-b", project="p", domain="d")
    set_secret("A", "value-a")
    set_secret("B", "value-b2")
    infos = list_secrets()
    assert infos == [SecretInfo("A"), SecretInfo("B"), SecretInfo("B", "p", "d")]
    assert [i.scope for i in infos] == ["global", "global", "project=p domain=d"]
    assert "value" not in repr(infos)
    assert SecretInfo("X", domain="d").scope == "domain=d"


def test_delete_removes_only_the_exact_scope() -> None:
    set_secret("K", "global")
    set_secret("K", "scoped", project="p")
    assert delete_secret("K", project="p") is True
    assert get_secret("K", project="p") == "global"
    assert delete_secret("K", project="p") is False
    assert delete_secret("K") is True
    assert list_secrets() == []


@pytest.mark.parametrize(
    ("key", "project", "domain", "message"),
    [
        ("", None, None, "secret name must be a non-empty string"),
        ("MY KEY", None, None, "secret name must not contain whitespace"),
        ("KEY\n", None, None, "secret name must not contain whitespace"),
        ("K", "my project", None, "project must not contain whitespace"),
        ("K", None, "", "domain must be a non-empty string"),
    ],
)
def test_invalid_names_are_rejected(key: str, project: str | None, domain: str | None, message: str) -> None:
    with pytest.raises(InvalidSecretKeyError, match=message):
        set_secret(key, "v", project, domain)
    with pytest.raises(ValueError, match=message):
        get_secret(key, project=project, domain=domain)
    assert not secrets_path().exists()


def test_invalid_group_is_rejected() -> None:
    with pytest.raises(InvalidSecretKeyError, match="secret group must not contain whitespace"):
        get_secret("K", group="my group")


def test_value_must_be_a_string() -> None:
    with pytest.raises(InvalidSecretKeyError, match="secret value must be a string, got bytes"):
        set_secret("K", b"bytes")  # type: ignore[arg-type]


def test_failed_write_keeps_the_old_file(monkeypatch: pytest.MonkeyPatch) -> None:
    set_secret("K", "old")
    before = secrets_path().read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError("disk went away")

    with monkeypatch.context() as patch, pytest.raises(OSError, match="disk went away"):
        patch.setattr(os, "replace", crash)
        set_secret("K", "new")
    assert secrets_path().read_bytes() == before
    assert sorted(p.name for p in secrets_path().parent.iterdir()) == ["secrets.json", "secrets.json.lock"]
    assert get_secret("K") == "old"


@pytest.mark.parametrize(
    "content",
    ["not json", '{"secrets": [{"name": 1, "value": "v"}]}', '{"secrets": [{"name": "K"}]}', "[]"],
)
def test_corrupt_file_is_a_config_error_naming_it(content: str) -> None:
    secrets_path().parent.mkdir(parents=True)
    secrets_path().write_text(content)
    with pytest.raises(ConfigError, match=r"secrets\.json: the secrets file is corrupt"):
        list_secrets()


def test_explicit_home_is_used(isolated: Path) -> None:
    other = isolated / "other-home"
    set_secret("K", "v", home=other)
    assert json.loads((other / "secrets.json").read_text())["secrets"][0]["value"] == "v"
    assert get_secret("K") is None
    assert get_secret("K", home=other) == "v"
    assert list_secrets(home=other) == [SecretInfo("K")]
    assert delete_secret("K", home=other) is True


def test_validate_secret_accepts_good_names() -> None:
    validate_secret("group/KEY-1", "proj", "development")
    with pytest.raises(InvalidSecretKeyError, match="domain must not contain whitespace"):
        validate_secret("K", domain="dev elopment")
