"""The server's secret helpers: the key file and cipher, scope matching, and log masking."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from flyte._internal import wire
from flyte.server.secrets.cipher import KEY_FILE, SecretCipher, SecretKeyError, load_or_create_key
from flyte.server.secrets.redact import MASK, redact_lines, redact_text
from flyte.server.secrets.scope import Scope, Scoped, applies, narrowest


def test_the_key_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    key, path = load_or_create_key(tmp_path / "home")
    assert path == tmp_path / "home" / KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again, _ = load_or_create_key(tmp_path / "home")
    assert again == key


def test_values_round_trip_and_are_not_stored_in_clear(tmp_path: Path) -> None:
    cipher = SecretCipher.for_home(tmp_path)
    token = cipher.encrypt("hunter2-ünï")
    assert b"hunter2" not in token
    assert cipher.decrypt(token) == "hunter2-ünï"


def test_another_key_cannot_read_a_value(tmp_path: Path) -> None:
    token = SecretCipher.for_home(tmp_path / "a").encrypt("v")
    with pytest.raises(SecretKeyError, match="another key"):
        SecretCipher.for_home(tmp_path / "b").decrypt(token)


def test_a_corrupt_key_file_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("not a key")
    with pytest.raises(SecretKeyError, match=KEY_FILE):
        load_or_create_key(tmp_path)


def test_a_scope_applies_when_every_field_it_sets_matches() -> None:
    assert applies(Scope(), None, "p", "d")
    assert applies(Scope(project="p"), None, "p", "d")
    assert not applies(Scope(project="q"), None, "p", "d")
    assert applies(Scope(project="p", domain="d"), None, "p", "d")
    assert not applies(Scope(project="p", domain="e"), None, "p", "d")
    assert not applies(Scope(org="o"), None, "p", "d")


def test_the_narrowest_applicable_scope_wins() -> None:
    candidates = [
        Scoped(Scope(), "global"),
        Scoped(Scope(domain="d"), "domain"),
        Scoped(Scope(project="p"), "project"),
        Scoped(Scope(project="p", domain="d"), "both"),
        Scoped(Scope(project="q", domain="d"), "other-project"),
    ]
    assert narrowest(candidates, None, "p", "d") == "both"
    assert narrowest(candidates[:3], None, "p", "d") == "project"
    assert narrowest(candidates[:2], None, "p", "d") == "domain"
    assert narrowest(candidates[:1], None, "p", "d") == "global"
    assert narrowest(candidates[1:], None, "x", "y") is None
    assert narrowest(candidates, None, "q", "e") == "global"


def test_scopes_describe_themselves() -> None:
    assert Scope().describe() == "global"
    assert Scope(project="p", domain="d").describe() == "project=p domain=d"


def test_secret_values_are_masked_in_log_lines() -> None:
    lines = [
        wire.LogLine(ts=1.0, text="token=abc123 and again abc123"),
        wire.LogLine(ts=2.0, text="nothing here"),
        wire.LogLine(ts=3.0, text="second line of the key"),
    ]
    masked = redact_lines(lines, ["abc123", "first line\nsecond line of the key", "ab"])
    assert [line.text for line in masked] == [f"token={MASK} and again {MASK}", "nothing here", MASK]
    assert masked[1] is lines[1]
    assert redact_lines(lines, []) is lines


def test_a_value_containing_another_is_masked_whole() -> None:
    assert redact_text("x=secret-long", ["secret", "secret-long"]) == f"x={MASK}"


def test_a_key_file_others_can_read_is_made_private(tmp_path: Path) -> None:
    _, path = load_or_create_key(tmp_path)
    os.chmod(path, 0o644)
    load_or_create_key(tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
