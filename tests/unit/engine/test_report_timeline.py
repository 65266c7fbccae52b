"""flyte.report.Timeline: rows and headings appended to a tab of the running task's report, and
nothing at all outside a task with ``report=True``."""

from __future__ import annotations

import flyte
import flyte.report
from flyte._internal.store.local_db import default_store

env = flyte.TaskEnvironment(name="timeline_tests")


@env.task(report=True)
def traced_steps() -> int:
    timeline = flyte.report.Timeline("Steps")
    timeline.heading("Loading <data>")
    timeline.row(
        icon="✓", label="read", meta=flyte.report.duration_ms("2026-01-01T00:00:00Z", "2026-01-01T00:00:01.5Z")
    )
    timeline.row(label="parse", detail=flyte.report.abbreviate("x" * 500, limit=10), error="bad <row>")
    return 1


@env.task
def no_report() -> int:
    flyte.report.Timeline().row(label="ignored")
    return 2


def test_a_timeline_lands_in_its_tab() -> None:
    run = flyte.with_runcontext(mode="local").run(traced_steps)
    store = default_store()
    store.flush()
    [(html,)] = store.query("SELECT html FROM reports WHERE run_name = ?", (run.name,))
    assert '<section data-tab="Steps">' in html
    assert "<h3>Loading &lt;data&gt;</h3>" in html
    assert "✓ <b>read</b>" in html and "1500 ms" in html
    assert "xxxxxxxxxx… (+490)" in html and "⚠ bad &lt;row&gt;" in html


def test_without_a_report_a_timeline_writes_nothing() -> None:
    before = flyte.report.current_report().get_tab("main").get_html()
    assert flyte.with_runcontext(mode="local").run(no_report).outputs()[0] == 2
    assert flyte.report.current_report().get_tab("main").get_html() == before


def test_abbreviate_and_duration() -> None:
    assert flyte.report.abbreviate("<b>") == "&lt;b&gt;"
    long = flyte.report.abbreviate("y" * 30_000, limit=5)
    assert long.startswith("<details><summary>yyyyy… (+29995)</summary>")
    assert "[10000 more characters not shown]" in long
    assert flyte.report.duration_ms("", "2026-01-01T00:00:00Z") == ""
    assert flyte.report.duration_ms("not a time", "2026-01-01T00:00:00Z") == ""
