"""The web UI in a real browser against a real server (SQLite and PostgreSQL).

Each test drives a workflow on the server and watches the pages change without reloading:
phases and logs while a run executes, a group and a collapsed fan-out, a report's flushes, a
failed attempt's traceback, the abort button. Hostile names, values, logs and reports are part
of the workflows: nothing of theirs may run in the UI's origin (a dialog fails the test).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

import flyte
from tests.e2e.ui._support import no_dialogs, until
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, flyte_cli, load_workflow

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"

WORKFLOW = f"""
import asyncio
import os

import flyte
import flyte.report

env = flyte.TaskEnvironment(name="ui_e2e")
HOSTILE = {HOSTILE!r}


async def _wait_for(path: str) -> None:
    for _ in range(1200):
        if os.path.exists(path):
            return
        await asyncio.sleep(0.05)


@env.task
async def leaf(i: int) -> int:
    return i * 2


@env.task(report=True)
async def reporter(gate: str) -> str:
    flyte.report.log("<h2 id=first>first flush</h2>")
    await flyte.report.flush.aio()
    await _wait_for(gate + ".report")
    flyte.report.log(
        "<h2 id=second>second flush</h2>"
        "<script>try {{ parent.document.title = 'owned'; }} catch (e) {{ document.title = 'blocked'; }}</script>"
    )
    await flyte.report.flush.aio()
    return "reported"


@env.task(retries=1)
async def flaky(marker: str) -> int:
    if not os.path.exists(marker):
        open(marker, "w").close()
        raise ValueError("first attempt fails " + HOSTILE)
    return 7


@env.task
async def main(gate: str, note: str) -> int:
    print("step one " + HOSTILE, flush=True)
    await _wait_for(gate)
    print("step two", flush=True)
    with flyte.group("fan " + HOSTILE):
        values = await asyncio.gather(*(leaf(i) for i in range(60)))
    await reporter(gate)
    return sum(values) + await flaky(gate + ".marker")


@env.task
async def sleeper() -> int:
    await asyncio.sleep(600)
    return 1
"""


def test_runs_list_shows_runs_and_filters(flyte_server: ServerHandle, page: Any, artifacts: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    done = flyte.run(wf.leaf, 3)
    assert done.outputs()[0] == 6
    dialogs = no_dialogs(page)
    page.goto(flyte_server.endpoint + "/")
    expect(page.get_by_role("link", name=done.name)).to_be_visible()
    expect(page.locator("table.runs")).to_contain_text("ui_e2e.leaf")
    expect(page.locator("#live-status")).to_have_class("live-dot on")
    page.screenshot(path=str(artifacts / "runs.png"), full_page=True)
    # A run started after the page opened shows up without reloading.
    later = flyte.with_runcontext(mode="remote").run(wf.leaf, 4)
    expect(page.get_by_role("link", name=later.name)).to_be_visible()
    page.keyboard.press("/")
    page.keyboard.type("no-such-run")
    page.keyboard.press("Enter")
    expect(page.locator(".empty")).to_contain_text("No runs match")
    page.go_back()
    expect(page.get_by_role("link", name=done.name)).to_be_visible()
    page.goto(flyte_server.endpoint + "/tasks")
    expect(page.locator("article.task")).to_contain_text("ui_e2e.leaf")
    expect(page.locator("article.task")).to_contain_text("i: int")
    expect(page.locator("article.task")).to_contain_text("o0: int")
    page.screenshot(path=str(artifacts / "tasks.png"), full_page=True)
    assert dialogs == []


def test_follow_a_run_live(flyte_server: ServerHandle, page: Any, artifacts: Path, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    gate = str(tmp_path / "gate")
    run = flyte.run(wf.main, gate, HOSTILE)
    assert run.url.endswith(f"/runs/{run.name}")
    dialogs = no_dialogs(page)
    page.goto(run.url)
    expect(page.locator("#run-phase")).to_have_text("running")
    logs = page.locator("#log-lines")
    expect(logs).to_contain_text("step one " + HOSTILE)
    expect(page.locator("#detail")).to_contain_text(HOSTILE)  # the input, shown as text
    Path(gate).touch()
    expect(logs).to_contain_text("step two")
    group = page.locator("details.group").first
    expect(group.locator("summary")).to_contain_text("fan " + HOSTILE)
    expect(group).to_contain_text("60 actions")  # collapsed fan-out with counts

    def expanded() -> bool:
        if group.locator("a.node").count() == 60:
            return True
        # A live update can replace the link under a click: click the fresh one.
        show = group.get_by_role("link", name="Show")
        if show.count():
            show.first.click()
            page.wait_for_load_state()
        return False

    until("the fan-out expanded to its 60 actions", expanded)
    # Follow the report while it is flushed.
    reporter = page.locator("a.node", has_text="ui_e2e.reporter")
    expect(reporter).to_be_visible()
    reporter.click()
    frame = page.frame_locator("#report-frame")
    expect(frame.locator("#first")).to_have_text("first flush")
    Path(gate + ".report").touch()
    expect(frame.locator("#second")).to_have_text("second flush")
    page.go_back(wait_until="commit")
    expect(page.locator("#run-phase")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#timeline rect.bar").first).to_be_visible()
    page.goto(run.url + "?action=a0")
    expect(page.locator("#log-lines")).to_contain_text("step two")
    # Cropped above the inputs: they hold the test's temporary paths.
    page.screenshot(path=str(artifacts / "run.png"), clip={"x": 0, "y": 0, "width": 1440, "height": 740})
    page.get_by_role("button", name="Zoom in").click()
    assert page.locator("[data-zoom]").evaluate("e => e.getBoundingClientRect().width") > 1500
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(artifacts / "run-dark.png"), full_page=False)
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        # The README's screenshot, refreshed on request only: tests leave tracked files alone.
        shutil.copy(artifacts / "run.png", Path(__file__).parents[3] / "docs" / "ui-run.png")
    assert page.title() != "owned"
    assert dialogs == []
    listed = httpx.get(f"{flyte_server.endpoint}/api/v1/runs/{run.name}/actions").json()
    reporter_name = next(a["name"] for a in listed if a["task_name"] == "ui_e2e.reporter")
    written = tmp_path / "report.html"
    got = flyte_cli(flyte_server, "get", "report", run.name, reporter_name, "-o", str(written))
    assert got.returncode == 0, got.stderr
    assert "second flush" in written.read_text()


def test_failed_attempt_shows_its_traceback(
    flyte_server: ServerHandle, page: Any, artifacts: Path, tmp_path: Path
) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    marker = str(tmp_path / "marker")
    run = flyte.run(wf.flaky, marker)
    assert run.outputs()[0] == 7
    dialogs = no_dialogs(page)
    page.goto(f"{flyte_server.endpoint}/runs/{run.name}")
    attempts = page.locator("table.attempts tbody tr")
    expect(attempts).to_have_count(2)
    first = attempts.nth(0)
    expect(first).to_contain_text("ValueError")
    expect(first).to_contain_text("first attempt fails " + HOSTILE)
    first.locator("summary", has_text="Traceback").click()
    expect(first.locator("pre.traceback")).to_contain_text("raise ValueError")
    page.screenshot(path=str(artifacts / "failed-attempt.png"), full_page=True)
    expect(attempts.nth(1)).to_contain_text("succeeded")
    assert dialogs == []
    shown = flyte_cli(flyte_server, "get", "run", run.name)
    assert shown.returncode == 0, shown.stderr
    assert "Attempt:  a0 #1 FAILED: ValueError: first attempt fails" in shown.stdout


def test_abort_a_run_from_its_page(flyte_server: ServerHandle, page: Any) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.with_runcontext(mode="remote").run(wf.sleeper)
    page.goto(f"{flyte_server.endpoint}/runs/{run.name}")
    expect(page.locator("#run-phase")).to_have_text("running")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Abort run").click()
    expect(page.locator("#run-phase")).to_have_text("aborted")
    expect(page.get_by_role("button", name="Abort run")).to_have_count(0)
    status = httpx.get(f"{flyte_server.endpoint}/api/v1/runs/{run.name}").json()["phase"]
    assert status == "ABORTED"


def test_report_is_sandboxed_and_pages_are_strict(flyte_server: ServerHandle) -> None:
    page_headers = httpx.get(flyte_server.endpoint + "/").headers
    assert "script-src 'self'" in page_headers["content-security-policy"]
    assert "unsafe-inline" not in page_headers["content-security-policy"]
    report = httpx.get(f"{flyte_server.endpoint}/ui/runs/nope/actions/a0/report")
    assert report.headers["content-security-policy"].startswith("sandbox allow-scripts;")
    assert "allow-same-origin" not in report.headers["content-security-policy"]
    assert httpx.get(flyte_server.endpoint + "/runs/nope").status_code == 404
    assert httpx.get(flyte_server.endpoint + "/docs").status_code == 404
    paths = httpx.get(flyte_server.endpoint + "/openapi.json").json()["paths"]
    assert not [path for path in paths if not path.startswith("/api/")]


LOCAL_WORKFLOW = """
import pandas as pd

import flyte
from flyte.io import DataFrame, File

env = flyte.TaskEnvironment(name="ui_local")


@env.task
async def frames(note_file: str) -> tuple[File, DataFrame]:
    table = pd.DataFrame({"city": ["<b>Oslo</b>", "Lima"], "people": [709000, 10000000]})
    return await File.from_local(note_file), DataFrame.from_df(table)


@env.task
async def child(x: int) -> int:
    return x + 1


@env.task
async def main(x: int) -> int:
    with flyte.group("local group"):
        return await child(x)
"""


def test_local_run_through_start_ui(page: Any, artifacts: Path, tmp_path: Path) -> None:
    import os
    import subprocess

    from tests.fixtures.server import free_port
    from tests.integration.server._support import FLYTE

    port = free_port()
    log = (tmp_path / "ui.log").open("wb")
    ui = subprocess.Popen(
        [str(FLYTE), "start", "ui", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            try:
                return httpx.get(endpoint + "/", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        until("the local UI answers", answers)
        wf = load_workflow(LOCAL_WORKFLOW)
        run = flyte.with_runcontext(mode="local").run(wf.main, 1)
        assert run.outputs()[0] == 2
        assert run.url == f"{endpoint}/runs/{run.name}"
        page.goto(endpoint + "/")
        page.get_by_role("link", name=run.name).click()
        expect(page.locator("#run-phase")).to_have_text("succeeded")
        expect(page.locator("details.group summary")).to_contain_text("local group")
        expect(page.get_by_role("button", name="Abort run")).to_have_count(0)
        expect(page.locator(".where")).to_have_text("local runs · read-only")
        page.screenshot(path=str(artifacts / "local-run.png"), full_page=True)
        note = tmp_path / "note.txt"
        note.write_text("first line of the note\nsecond line\n")
        data_run = flyte.with_runcontext(mode="local").run(wf.frames, str(note))
        page.goto(data_run.url)
        outputs = page.locator("#detail dl.values")
        expect(outputs.locator("table.preview")).to_contain_text("<b>Oslo</b>")
        expect(outputs.locator("pre.preview")).to_contain_text("first line of the note")
        with page.expect_download() as download:
            outputs.get_by_role("link", name="note.txt").click()
        assert Path(download.value.path()).read_text() == note.read_text()
        page.screenshot(path=str(artifacts / "local-data.png"), full_page=True)
    finally:
        ui.terminate()
        ui.wait(timeout=10)
        log.close()


@pytest.mark.server_options(args=("--auth",))
def test_log_in_to_a_server_with_auth(flyte_server: ServerHandle, page: Any, artifacts: Path) -> None:
    key = (flyte_server.home / "admin-api-key").read_text().strip()
    refused = page.goto(flyte_server.endpoint + "/tasks")
    assert refused is not None and refused.status == 401
    page.goto(flyte_server.endpoint + "/login?next=/tasks")
    page.screenshot(path=str(artifacts / "login.png"))
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(flyte_server.endpoint + "/tasks")
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
    page.goto(flyte_server.endpoint + "/")
    expect(page.locator("#live-status")).to_have_class("live-dot on")  # the event stream got in too
    cookie = next(c for c in page.context.cookies() if c["name"] == "flyte_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
