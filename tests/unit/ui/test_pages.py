"""The UI's pages over a local runs database, through the app ``flyte start ui`` serves:
escaping of hostile content, security headers, the report sandbox, filters and paging."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from flyte._internal.store.local_db import connect
from flyte.server.ui.local_app import create_local_app
from flyte.server.ui.pages import PAGE_SIZE
from tests.unit.ui._client import AppClient

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "local.db"
    conn = connect(path)
    error = json.dumps({"code": "ValueError", "kind": "user", "message": HOSTILE, "traceback": "Traceback " + HOSTILE})
    rows = [
        (f"run-{i:03d}", "p", "d", f"env.task{i % 3}", "local", "SUCCEEDED", float(i), float(i) + 1, None)
        for i in range(120)
    ]
    rows.append(("evil", "p", "d", HOSTILE, "local", "FAILED", 1000.0, 1001.0, error))
    conn.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute(
        "INSERT INTO actions (run_name, name, parent, task_name, kind, grp, phase, attempts, cache_status, "
        "started_at, ended_at, inputs, outputs, error, report) VALUES "
        "('evil', 'a0', NULL, ?, 'task', ?, 'FAILED', 2, NULL, 1000, 1001, NULL, NULL, ?, ?)",
        (HOSTILE, HOSTILE, error, "<html><script>document.title='r'</script>report body</html>"),
    )
    conn.close()
    return path


@pytest.fixture
def client(db: Path) -> AppClient:
    return AppClient(create_local_app(db))


def test_runs_page_lists_pages_and_filters(client: AppClient) -> None:
    first = client.get("/")
    assert first.status_code == 200
    assert "121 runs" in first.text and "page 1 of 3" in first.text
    assert first.text.count('href="/runs/') == PAGE_SIZE
    last = client.get("/?page=3")
    assert last.text.count('href="/runs/') == 121 - 2 * PAGE_SIZE
    failed = client.get("/?phase=FAILED")
    assert "1 run" in failed.text and 'href="/runs/evil"' in failed.text
    by_task = client.get("/?task=env.task1")
    assert "40 runs" in by_task.text
    by_text = client.get("/?q=run-11")
    assert "10 runs" in by_text.text  # run-110 .. run-119


def test_hostile_names_errors_and_groups_are_text(client: AppClient) -> None:
    for url in ("/", "/runs/evil", "/runs/evil?fragment=1", "/tasks", "/?phase=FAILED"):
        body = client.get(url).text
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body, url
    page = client.get("/runs/evil").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "Traceback &lt;script&gt;" in page


def test_pages_forbid_inline_script_and_framing(client: AppClient) -> None:
    headers = client.get("/runs/evil").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"


def test_the_report_is_served_in_a_sandbox_without_same_origin(client: AppClient) -> None:
    page = client.get("/runs/evil").text
    assert 'sandbox="allow-scripts"' in page
    report = client.get("/ui/runs/evil/actions/a0/report")
    assert report.status_code == 200 and "report body" in report.text
    policy = report.headers["content-security-policy"]
    assert policy.startswith("sandbox allow-scripts;") and "allow-same-origin" not in policy


def test_local_runs_are_read_only(client: AppClient, db: Path) -> None:
    page = client.get("/runs/evil").text
    assert "Abort run" not in page
    assert "data-rerun" not in page  # an ended run, but no Rerun or Recover here
    assert "data-signal" not in page
    assert "local runs · read-only" in page
    assert client.post("/api/v1/runs/evil/abort").status_code in (404, 405)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT phase FROM runs WHERE name = 'evil'").fetchone() == ("FAILED",)


def test_unknown_run_is_a_404_page(client: AppClient) -> None:
    missing = client.get("/runs/nope")
    assert missing.status_code == 404 and "No run named" in missing.text


def test_logs_of_local_runs_say_where_they_went(client: AppClient) -> None:
    assert "Local runs keep no logs" in client.get("/runs/evil").text
    assert client.get("/ui/runs/evil/actions/a0/logs").json()["lines"] == []
    assert client.get("/ui/runs/evil/actions/nope/logs").status_code == 404


def test_static_files_are_served_from_the_package(client: AppClient) -> None:
    assert client.get("/static/ui.js").status_code == 200
    assert "prefers-color-scheme: dark" in client.get("/static/ui.css").text
