"""What a person does from a run's page, in a real browser against a real server (SQLite and
PostgreSQL): give a paused condition its value (a value of the wrong type is refused, named, and
changes nothing), and start a rerun or a recovering rerun of an ended run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

import flyte
import flyte.remote
from tests.e2e.ui._support import no_dialogs, until
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, load_workflow
from tests.integration.server.test_rerun import _calls, _failed_first_run

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="ui_actions")


@env.task
async def gate() -> str:
    approve = await flyte.new_condition.aio("approve", prompt="Ship <b>it</b>?", data_type=bool, timeout=600)
    return f"approved={await approve.wait.aio()}"


@env.task
async def count_gate() -> int:
    count = await flyte.new_condition.aio("count", prompt="How many?", data_type=int)
    return await count.wait.aio() + 1
"""

TIMEOUT_MS = 60_000


def _conditions(server: ServerHandle, run: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = httpx.get(f"{server.endpoint}/api/v1/runs/{run}/conditions").json()
    return listed


def test_resume_a_paused_bool_condition_from_the_page(flyte_server: ServerHandle, page: Any, artifacts: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    dialogs = no_dialogs(page)
    run = flyte.with_runcontext(mode="remote").run(wf.gate)
    page.goto(run.url)
    # The condition shows up live once the task has created it.
    card = page.locator("#conditions article.condition")
    expect(card).to_have_count(1, timeout=TIMEOUT_MS)
    expect(card.locator(".prompt")).to_have_text("Ship <b>it</b>?")
    expect(card).to_contain_text("approve")
    expect(card).to_contain_text("bool")
    expect(card).to_contain_text("10m00s")
    expect(page.locator("#run-phase")).to_have_text("running")
    page.screenshot(path=str(artifacts / "condition-bool.png"), full_page=True)
    card.get_by_role("button", name="Yes").click()
    expect(page.locator("#run-phase")).to_have_text("succeeded", timeout=TIMEOUT_MS)
    expect(page.locator("#conditions article")).to_have_count(0)
    expect(page.locator("#detail dl.values")).to_contain_text("approved=True")
    page.screenshot(path=str(artifacts / "condition-resumed.png"), full_page=True)
    assert [(c["name"], c["phase"], c["value"]) for c in _conditions(flyte_server, run.name)] == [
        ("approve", "SUCCEEDED", True)
    ]
    assert dialogs == []


def test_a_wrong_value_is_refused_and_the_run_stays_paused(
    flyte_server: ServerHandle, page: Any, artifacts: Path
) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    dialogs = no_dialogs(page)
    run = flyte.with_runcontext(mode="remote").run(wf.count_gate)
    until("the condition is created", lambda: bool(_conditions(flyte_server, run.name)))
    condition = _conditions(flyte_server, run.name)[0]
    # The condition's own action, selected: its panel asks for the value too.
    page.goto(f"{run.url}?action={condition['action_name']}")
    detail = page.locator("#detail")
    expect(detail.locator("#action-phase")).to_have_text("paused")
    expect(detail.locator(".prompt")).to_have_text("How many?")
    expect(detail).to_contain_text("none")  # no timeout
    form = detail.locator("form.signal")
    form.get_by_label("Value (int)").fill("2.5")
    form.get_by_role("button", name="Send").click()
    error = form.locator("[data-signal-error]")
    expect(error).to_contain_text("expects a int value, got 2.5 (float)")
    expect(form.get_by_label("Value (int)")).to_have_value("2.5")  # what was typed is kept
    page.screenshot(path=str(artifacts / "condition-refused.png"), full_page=True)
    assert [(c["phase"], c["value"]) for c in _conditions(flyte_server, run.name)] == [("PAUSED", None)]
    expect(page.locator("#run-phase")).to_have_text("running")

    form.get_by_label("Value (int)").fill("41")
    form.get_by_role("button", name="Send").click()
    expect(page.locator("#run-phase")).to_have_text("succeeded", timeout=TIMEOUT_MS)
    expect(detail.locator("#action-phase")).to_have_text("succeeded")
    expect(detail.locator("dl.values").last).to_contain_text("o0 int")
    expect(detail.locator("dl.values").last).to_contain_text("41")
    assert flyte.remote.Run.get(run.name).outputs()[0] == 42
    assert dialogs == []


def test_rerun_from_the_page_opens_the_new_run(
    flyte_server: ServerHandle, page: Any, artifacts: Path, tmp_path: Path
) -> None:
    first = _failed_first_run(flyte_server, tmp_path)
    dialogs = no_dialogs(page)
    page.goto(first.url)
    expect(page.locator("#run-phase")).to_have_text("failed")
    expect(page.get_by_role("button", name="Abort run")).to_have_count(0)
    page.get_by_role("button", name="Rerun").click()
    expect(page).not_to_have_url(re.compile(re.escape(first.name) + "$"))
    expect(page).to_have_url(re.compile(r"/runs/[a-z0-9-]+$"))
    expect(page.locator("#run-phase")).to_have_text("succeeded", timeout=TIMEOUT_MS)
    expect(page.locator("#run-header")).to_contain_text("5 succeeded")
    page.screenshot(path=str(artifacts / "rerun.png"), full_page=True)
    second = page.url.rsplit("/", 1)[1]
    info = httpx.get(f"{flyte_server.endpoint}/api/v1/runs/{second}").json()
    assert (info["rerun_of"], info["recover"]) == (first.name, False)
    assert _calls(tmp_path) == [0, 1, 2, 3]
    assert dialogs == []


def test_recover_from_the_page_reuses_what_succeeded(
    flyte_server: ServerHandle, page: Any, artifacts: Path, tmp_path: Path
) -> None:
    first = _failed_first_run(flyte_server, tmp_path)
    dialogs = no_dialogs(page)
    page.goto(first.url)
    page.get_by_role("button", name="Recover").click()
    expect(page).not_to_have_url(re.compile(re.escape(first.name) + "$"))
    expect(page.locator("#run-phase")).to_have_text("succeeded", timeout=TIMEOUT_MS)
    header = page.locator("#run-header")
    expect(header).to_contain_text("2 recovered")
    expect(page.locator("#tree .dot.ph-recovered")).to_have_count(2)
    page.screenshot(path=str(artifacts / "recover.png"), full_page=True)
    assert _calls(tmp_path) == [1, 3]  # only the children that had failed ran again
    second = page.url.rsplit("/", 1)[1]
    info = httpx.get(f"{flyte_server.endpoint}/api/v1/runs/{second}").json()
    assert (info["rerun_of"], info["recover"]) == (first.name, True)
    assert dialogs == []
