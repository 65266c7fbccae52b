"""``flyte get report``: a local run's report, printed or written to a file, and clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from flyte._internal.store.local_db import connect
from flyte.cli.main import main

REPORT = "<html><body><h1>numbers</h1><script>draw()</script></body></html>"


@pytest.fixture
def local_run() -> str:
    conn = connect(Path(os.environ["FLYTE_HOME"]) / "local.db")
    conn.execute("INSERT INTO runs VALUES ('r1', 'p', 'd', 'env.t', 'local', 'SUCCEEDED', 1, 2, NULL)")
    for name, report in (("a0", None), ("a1", REPORT)):
        conn.execute(
            "INSERT INTO actions (run_name, name, parent, task_name, kind, grp, phase, attempts, started_at, "
            "report) VALUES ('r1', ?, NULL, 'env.t', 'task', NULL, 'SUCCEEDED', 1, 1, ?)",
            (name, report),
        )
    conn.close()
    return "r1"


def test_a_report_is_written_to_a_file(local_run: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["get", "report", local_run, "a1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == REPORT
    assert result.stdout == f"Wrote the report of r1/a1 to {out}\n"


def test_a_report_is_printed_without_a_file(local_run: str) -> None:
    result = CliRunner().invoke(main, ["get", "report", local_run, "a1"])
    assert result.exit_code == 0 and result.stdout == REPORT + "\n"


def test_an_action_without_a_report_is_a_one_line_error(local_run: str) -> None:
    result = CliRunner().invoke(main, ["get", "report", local_run])
    assert result.exit_code == 1
    assert result.stderr == "Error: action a0 of run r1 has no report\n"


def test_an_unknown_action_is_a_one_line_error(local_run: str) -> None:
    result = CliRunner().invoke(main, ["get", "report", local_run, "a9"])
    assert result.exit_code != 0 and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
