"""The login page keeps the API key in an HttpOnly, SameSite=Strict cookie and never redirects
to another site."""

from __future__ import annotations

from pathlib import Path

from flyte.server.ui.local_app import create_local_app
from flyte.server.ui.login import safe_next
from tests.unit.ui._client import AppClient


def test_only_paths_of_this_site_are_followed() -> None:
    assert safe_next("/runs/x?action=a1") == "/runs/x?action=a1"
    for target in (None, "", "https://evil.example", "//evil.example/x", "/\\evil.example", "runs"):
        assert safe_next(target) == "/"


def test_posting_the_key_sets_a_strict_http_only_cookie(tmp_path: Path) -> None:
    client = AppClient(create_local_app(tmp_path / "local.db"), follow_redirects=False)
    form = client.get("/login?next=/tasks")
    assert form.status_code == 200 and 'value="/tasks"' in form.text
    answer = client.post(
        "/login", content="key=secret-key&next=%2Ftasks", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/tasks"
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("flyte_token=secret-key") and "httponly" in cookie and "samesite=strict" in cookie


def test_an_empty_key_is_refused_with_a_message(tmp_path: Path) -> None:
    client = AppClient(create_local_app(tmp_path / "local.db"), follow_redirects=False)
    answer = client.post(
        "/login",
        content="key=&next=https://evil.example",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400 and "Enter the server" in answer.text
    assert "set-cookie" not in answer.headers
