"""Every example in ``examples/`` runs, both as a script and through ``flyte run --local``.

Each run is a fresh process with its own HOME and FLYTE_HOME, started from the repository root
with the command the example's docstring shows. The test checks the exit code, the value the
example prints and, through the local database the run was recorded in, what the example is
about (reports written, groups recorded, errors caught, ...).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.examples.outputs import assert_succeeded as _assert_succeeded
from tests.examples.outputs import cli_outputs as _cli_outputs
from tests.examples.outputs import script_outputs as _script_outputs

REPO = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO / "examples"
FLYTE = Path(sys.executable).with_name("flyte")
SECRET_VALUE = "s3cr3t-Value-0f-MY_SECRET_KEY"
PROCESS_TIMEOUT_S = 60

Completed = subprocess.CompletedProcess[str]


def _rows(db: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(query, params).fetchall()


def _check_reports(db: Path) -> None:
    html = "\n".join(row[0] for row in _rows(db, "SELECT html FROM reports"))
    assert "<h1>Processing Started</h1>" in html
    assert "<p>Processing completed successfully</p>" in html
    assert "<div>Progress: 100%</div>" in html
    assert "Progress: 75%" not in html, "replace() should have left only the last progress line"


def _check_error_handling(db: Path) -> None:
    rows = _rows(db, "SELECT task_name, phase, error FROM actions WHERE kind = 'task'")
    attempts = [(phase, err or "") for name, phase, err in rows if name.endswith(".potentially_failing_task")]
    assert sorted(phase for phase, _ in attempts) == ["FAILED", "FAILED", "SUCCEEDED"]
    assert all("OOMError" in error for phase, error in attempts if phase == "FAILED")
    cleanups = [phase for name, phase, _ in rows if name.endswith(".cleanup_task")]
    assert cleanups == ["SUCCEEDED"]


def _check_traces(db: Path) -> None:
    rows = _rows(db, "SELECT task_name, phase, parent FROM actions WHERE kind = 'trace'")
    assert [(name, phase) for name, phase, _ in rows] == [("expensive_api_call", "SUCCEEDED")]
    (parent,) = {parent for _, _, parent in rows}
    (parent_task,) = _rows(db, "SELECT task_name FROM actions WHERE name = ?", parent)[0]
    assert parent_task.endswith(".main_task")


def _check_groups(expected: dict[str, set[str]]) -> Callable[[Path], None]:
    def check(db: Path) -> None:
        grouped: dict[str, set[str]] = {}
        for grp, task_name in _rows(db, "SELECT grp, task_name FROM actions WHERE grp IS NOT NULL"):
            grouped.setdefault(grp, set()).add(task_name.rsplit(".", 1)[-1])
        assert grouped == expected

    return check


def _check_cache(db: Path) -> None:
    statuses: dict[str, list[str]] = {}
    for task_name, status in _rows(db, "SELECT task_name, cache_status FROM actions"):
        statuses.setdefault(task_name.rsplit(".", 1)[-1], []).append(str(status))
    for cached in ("auto_cached", "override_cached", "sdk_override_cached"):
        assert sorted(statuses[cached]) == ["CACHE_HIT", "CACHE_POPULATED"], cached
    assert statuses["never_cached"] == ["None", "None"]


@dataclass(frozen=True)
class Example:
    """An example file, the outputs its ``main`` returns, and what its run records."""

    file: str
    outputs: tuple[Any, ...]
    cli_args: tuple[str, ...] = ()
    cli_outputs: tuple[Any, ...] | None = None
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[[Path], None] | None = None


EXAMPLES = [
    Example("hello.py", ("Hello, world!",), cli_args=("--name", "Ada"), cli_outputs=("Hello, Ada!",)),
    Example(
        "caching.py",
        ({"auto": True, "override": True, "disable": False, "sdk_override": True},),
        check=_check_cache,
    ),
    Example(
        "secrets_example.py",
        (f"MY_SECRET_ENV_VAR is set ({len(SECRET_VALUE)} characters)",),
        env={"MY_SECRET_KEY": SECRET_VALUE},
    ),
    Example("reusable.py", (sum(i * i for i in range(10)),)),
    Example(
        "dataclasses_example.py",
        (
            [
                {"model": "sentiment", "predictions": ["short", "long"]},
                {"model": "topic", "predictions": ["long"]},
            ],
        ),
    ),
    Example("reports.py", ("reports written",), check=_check_reports),
    Example("error_handling.py", ("processed with 4Gi",), check=_check_error_handling),
    Example("traces.py", ("2 documents for 'research orchestration'",), check=_check_traces),
    Example(
        "grouping.py",
        ({"kind": "mean", "value": 2.5}, {"mae": 1.0}),
        check=_check_groups(
            {
                "data-validation": {"validate_schema", "check_data_quality"},
                "model-training": {"train_model", "evaluate_model"},
            }
        ),
    ),
    Example(
        "fanout.py",
        ({"words": ["EXTRACT", "TRANSFORM", "LOAD"], "records": 250, "sum_of_squares": 5177125},),
    ),
    Example(
        "pipeline.py",
        (
            {
                "simple_task": 42,
                "async_task": {"words": 3, "characters": 17},
                "data_pipeline": {"model": {"mean": 4.0}, "metrics": {"score": 0.2}},
            },
        ),
        check=_check_groups({"model-training": {"extract_features", "train_model", "evaluate_model"}}),
    ),
    Example("images.py", ({"mean": 4.0, "range": 8.0},)),
]
BY_FILE = {example.file: example for example in EXAMPLES}


@dataclass(frozen=True)
class Sandbox:
    """A fresh HOME and FLYTE_HOME for one example process."""

    home: Path
    flyte_home: Path

    @property
    def db(self) -> Path:
        return self.flyte_home / "local.db"

    def environ(self, extra: dict[str, str]) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("FLYTE_") and k not in ("FLYTECTL_CONFIG", "MY_SECRET_KEY")
        }
        env.update(
            HOME=str(self.home),
            FLYTE_HOME=str(self.flyte_home),
            PYTHONDONTWRITEBYTECODE="1",
            # Keep a config.yaml in the repository (it is git-ignored) from changing the runs.
            FLYTECTL_CONFIG=str(self.home / "config.yaml"),
        )
        env.update(extra)
        return env

    def run(self, *command: str | Path, env: dict[str, str] | None = None) -> Completed:
        return subprocess.run(
            [str(part) for part in command],
            cwd=REPO,
            env=self.environ(env or {}),
            capture_output=True,
            text=True,
            timeout=PROCESS_TIMEOUT_S,
            check=False,
        )


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    """A home folder with a minimal configuration: local runs, default project and domain."""
    home = tmp_path / "sandbox-home"
    home.mkdir()
    (home / "config.yaml").write_text("task:\n  project: flytesnacks\n  domain: development\n")
    return Sandbox(home, home / ".flyte")


def _assert_recorded(sandbox: Sandbox, example: Example) -> None:
    runs = _rows(sandbox.db, "SELECT task_name, phase FROM runs")
    assert len(runs) == 1
    task_name, phase = runs[0]
    assert task_name.endswith(".main")
    assert phase == "SUCCEEDED"
    if example.check is not None:
        example.check(sandbox.db)


def _assert_secret_kept(sandbox: Sandbox, result: Completed) -> None:
    assert SECRET_VALUE not in result.stdout
    assert SECRET_VALUE not in result.stderr
    for path in sandbox.flyte_home.rglob("*"):
        if path.is_file():
            assert SECRET_VALUE.encode() not in path.read_bytes(), f"the secret leaked into {path}"


def test_every_example_is_tested() -> None:
    from tests.examples.test_data_examples import DATA_EXAMPLES

    tested = [*BY_FILE, *(example.file for example in DATA_EXAMPLES)]
    assert sorted(p.name for p in EXAMPLES_DIR.glob("*.py")) == sorted(tested)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.file for e in EXAMPLES])
def test_example_as_script(example: Example, sandbox: Sandbox) -> None:
    result = sandbox.run(sys.executable, f"examples/{example.file}", env=example.env)

    _assert_succeeded(result)
    assert "warning" not in result.stderr.lower(), result.stderr
    assert _script_outputs(result.stdout) == example.outputs
    _assert_recorded(sandbox, example)
    if example.env.get("MY_SECRET_KEY"):
        _assert_secret_kept(sandbox, result)


@pytest.mark.parametrize("path", sorted(EXAMPLES_DIR.glob("*.py")), ids=lambda p: p.name)
def test_example_docstring_names_its_own_file(path: Path) -> None:
    import ast
    import re

    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    named = set(re.findall(r"examples/([\w.]+\.py)", doc))
    assert named == {path.name}, f"{path.name}'s docstring names {sorted(named)}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.file for e in EXAMPLES])
def test_example_with_flyte_run(example: Example, sandbox: Sandbox) -> None:
    result = sandbox.run(
        FLYTE, "run", "--local", f"examples/{example.file}", "main", *example.cli_args, env=example.env
    )

    _assert_succeeded(result)
    assert _cli_outputs(result.stdout) == (example.cli_outputs or example.outputs)
    _assert_recorded(sandbox, example)
    if example.env.get("MY_SECRET_KEY"):
        _assert_secret_kept(sandbox, result)


def test_secret_from_the_local_store(sandbox: Sandbox) -> None:
    stored = sandbox.run(FLYTE, "create", "secret", "MY_SECRET_KEY", SECRET_VALUE)
    _assert_succeeded(stored)

    result = sandbox.run(FLYTE, "run", "--local", "examples/secrets_example.py", "main")

    _assert_succeeded(result)
    assert _cli_outputs(result.stdout) == BY_FILE["secrets_example.py"].outputs
    assert SECRET_VALUE not in result.stdout + result.stderr


def test_a_missing_secret_is_warned_about_and_the_task_runs_without_it(sandbox: Sandbox) -> None:
    result = sandbox.run(sys.executable, "examples/secrets_example.py")

    assert result.returncode == 0, result.stderr
    assert "Secret 'MY_SECRET_KEY' needed by task" in result.stderr
    assert "MY_SECRET_ENV_VAR is not set" in result.stdout


def test_cached_results_are_reused_by_the_next_run(sandbox: Sandbox) -> None:
    first = sandbox.run(sys.executable, "examples/caching.py")
    second = sandbox.run(sys.executable, "examples/caching.py")

    _assert_succeeded(first)
    _assert_succeeded(second)
    assert _script_outputs(second.stdout) == BY_FILE["caching.py"].outputs
    second_run = _rows(sandbox.db, "SELECT name FROM runs ORDER BY started_at DESC LIMIT 1")[0][0]
    query = "SELECT task_name, cache_status FROM actions WHERE run_name = ?"
    statuses = {(name.rsplit(".", 1)[-1], status) for name, status in _rows(sandbox.db, query, second_run)}
    assert ("auto_cached", "CACHE_POPULATED") not in statuses
    assert ("auto_cached", "CACHE_HIT") in statuses
    assert ("never_cached", None) in statuses
