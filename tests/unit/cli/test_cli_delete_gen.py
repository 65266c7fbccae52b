"""``flyte delete local-cache``, ``flyte gen docs``, ``flyte run FILE`` without a task, and the
help and errors of every command."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flyte._internal.store import local_db
from flyte.cli._docs import collect
from flyte.cli.main import main
from tests.unit.cli.run_helpers import flyte, forget_modules, write

CACHED = '''
    from pathlib import Path

    import flyte

    env = flyte.TaskEnvironment(name="cached")


    @env.task(cache="auto")
    async def count(x: int) -> int:
        """Counts its real executions in calls.txt."""
        calls = Path("calls.txt")
        calls.write_text(calls.read_text() + "x" if calls.exists() else "x")
        return x + 1


    @env.task
    async def other() -> None:
        pass
'''


@pytest.fixture
def wf() -> Iterator[Path]:
    """``cached.py`` in the working folder; the modules it loads are forgotten afterwards."""
    before_path, before_modules = list(sys.path), set(sys.modules)
    yield write(Path("cached.py"), CACHED)
    forget_modules(before_path, before_modules)


def _new_process_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes what this process's store queued and forgets it, as when a new process starts."""
    if local_db._default_store is not None:
        local_db._default_store.close()
    monkeypatch.setattr(local_db, "_default_store", None)


def _executions() -> int:
    return len(Path("calls.txt").read_text())


@pytest.mark.usefixtures("wf")
def test_delete_local_cache_makes_cached_tasks_run_again(monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    empty = flyte("delete", "local-cache")
    assert empty.exit_code == 0 and empty.stdout.startswith("The local cache is empty: there is no local database")
    for _ in range(2):
        assert flyte("run", "--local", "cached.py", "count", "--x", "1").exit_code == 0
        _new_process_store(monkeypatch)
    assert _executions() == 1  # the second run was served from the cache
    db = isolated / "flyte-home" / "local.db"
    result = flyte("delete", "local-cache")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Deleted 1 cached result from the local cache ({db}).\n"
    assert flyte("run", "--local", "cached.py", "count", "--x", "1").exit_code == 0
    assert _executions() == 2
    _new_process_store(monkeypatch)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone() == (3,)  # run records are kept
    conn.close()


@pytest.mark.usefixtures("wf")
def test_run_without_a_task_lists_the_files_tasks() -> None:
    result = flyte("run", "cached.py")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Error: no task given: name one of the tasks of cached.py (`flyte run cached.py TASK --help` shows its inputs)",
        "Tasks:",
        "  count  Counts its real executions in calls.txt.",
        "  other",
    ]
    write(Path("none.py"), "x = 1\n")
    empty = flyte("run", "none.py")
    assert empty.stderr == (
        "Error: no task given, and none.py defines none: decorate functions with @env.task to run them\n"
    )
    assert flyte("run", "cached.py", "--help").exit_code == 0


def test_gen_docs_markdown_documents_every_command() -> None:
    result = flyte("gen", "docs")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# flyte CLI\n")
    for path in ("flyte", "flyte get run", "flyte get logs", "flyte delete local-cache", "flyte gen docs"):
        assert f"\n## {path}\n" in text
    assert "| `-of`, `--output-format` | `table\\|json\\|yaml` | `table` |" in text
    assert "| `-l`, `--lines` | `integer range` |" in text


def test_gen_docs_json_to_a_file() -> None:
    result = flyte("gen", "docs", "--type", "json", "-o", "cli.json")
    assert result.exit_code == 0, result.output
    body = json.loads(Path("cli.json").read_text())
    assert result.stdout == f"Wrote the reference of {len(body['commands'])} commands to cli.json.\n"
    by_path = {c["path"]: c for c in body["commands"]}
    io_options = {n for p in by_path["flyte get io"]["params"] for n in p["names"]}
    assert {"-i", "--inputs-only", "-o", "--outputs-only"} <= io_options
    subcommands = [
        "action",
        "api-key",
        "condition",
        "config",
        "io",
        "logs",
        "project",
        "report",
        "run",
        "runs",
        "secret",
        "task",
        "trigger",
    ]
    assert by_path["flyte get"]["subcommands"] == subcommands
    bad = flyte("gen", "docs", "--type", "html")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1


def test_every_option_of_every_command_is_documented() -> None:
    undocumented = [
        f"{doc.path} {param.names[0]}"
        for doc in collect(main)
        for param in doc.params
        if param.kind == "option" and not param.help
    ]
    assert undocumented == []
    for doc in collect(main):
        assert doc.help, f"{doc.path} has no help"
        prefix = doc.path.split()[1:]
        result = flyte(*prefix, "--help")
        assert result.exit_code == 0, (doc.path, result.output)
        for param in doc.params:
            if param.kind == "option":
                assert param.names[-1] in result.stdout, (doc.path, param.names)


@pytest.mark.parametrize(
    "args",
    [
        ["get", "logs"],
        ["get", "action"],
        ["get", "run", "--limit", "x"],
        ["get", "io", "r", "--bogus"],
        ["delete", "nothing"],
        ["delete", "local-cache", "extra"],
        ["gen", "docs", "--output"],
        ["run", "missing.py"],
        ["-v", "--org"],
    ],
)
def test_bad_input_is_one_line(args: list[str]) -> None:
    result = flyte(*args)
    assert result.exit_code in (1, 2), result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
