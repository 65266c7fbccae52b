"""API keys' form and hash, the loopback rule and what a project-scoped caller sees."""

from __future__ import annotations

import pytest

from flyte.errors import ConfigError
from flyte.server.auth.binding import check_binding, is_loopback
from flyte.server.auth.caller import Caller
from flyte.server.auth.keys import hash_key, key_matches, new_key, parse_key


def test_a_new_key_names_itself_and_matches_only_its_hash() -> None:
    key, stored = new_key("ci-bot.1")
    assert key.startswith("flyte:ci-bot.1:")
    assert stored == hash_key(key) and len(stored) == 64 and key not in stored
    parsed = parse_key(f"  {key}\n")
    assert parsed is not None and parsed.name == "ci-bot.1" and parsed.text == key
    assert key_matches(parsed, stored)
    other, other_hash = new_key("ci-bot.1")
    assert other != key and not key_matches(parsed, other_hash)
    assert not key_matches(parsed, None)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "flyte",
        "flyte:name",
        "flyte::" + "a" * 43,
        "other:name:" + "a" * 43,
        "flyte:na me:" + "a" * 43,
        "flyte:name:short",
        "flyte:name:" + "a" * 43 + "!",
        "flyte:" + "n" * 65 + ":" + "a" * 43,
    ],
)
def test_malformed_keys_are_not_keys(text: str) -> None:
    assert parse_key(text) is None


@pytest.mark.parametrize("name", ["", "a:b", "-lead", "x" * 65, "sp ace"])
def test_bad_key_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a valid API key name"):
        new_key(name)


def test_only_loopback_is_served_without_auth() -> None:
    for host in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"):
        assert is_loopback(host)
        check_binding(host, auth=False)
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.test"):
        assert not is_loopback(host)
        check_binding(host, auth=True)
        with pytest.raises(ConfigError, match="add --auth"):
            check_binding(host, auth=False)


def test_a_scoped_caller_sees_and_changes_its_project_only() -> None:
    scoped = Caller(key_name="a-key", project="a")
    assert scoped.can_see("a") and scoped.can_see(None) and not scoped.can_see("b")
    assert scoped.may_write("a") and not scoped.may_write("b") and not scoped.may_write(None)
    admin = Caller(key_name="admin")
    assert admin.can_see("b") and admin.may_write(None) and admin.may_write("b")


def test_the_key_given_to_init_wins_over_the_variable_which_wins_over_the_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flyte._init_options import API_KEY_ENV, resolve_api_key

    monkeypatch.delenv(API_KEY_ENV, raising=False)
    assert resolve_api_key(None, None) is None
    assert resolve_api_key(None, "from-config") == "from-config"
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    assert resolve_api_key(None, "from-config") == "from-env"
    assert resolve_api_key("given", "from-config") == "given"
    monkeypatch.setenv(API_KEY_ENV, "")
    assert resolve_api_key(None, "") is None


def test_a_scoped_keys_requests_name_its_project_unless_they_name_one() -> None:
    from flyte.server.auth.guard import scoped_query

    assert scoped_query("/api/v1/tasks", b"", "team a") == b"project=team+a"
    assert scoped_query("/api/v1/triggers", b"limit=5", "a") == b"limit=5&project=a"
    assert scoped_query("/api/v1/triggers", b"project=a&limit=5", "a") == b"project=a&limit=5"
    assert scoped_query("/api/v1/triggers", b"project=", "a") == b"project="
    # A secret without a project is the one of every project, not the key's project's.
    assert scoped_query("/api/v1/secrets/shared", b"", "a") == b""
