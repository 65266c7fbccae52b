"""Deployed tasks and triggers in a real SQLite database: versions are immutable, the newest is
found by default, and a new deployment updates its triggers while keeping whether they are active."""

from __future__ import annotations

from pathlib import Path

import pytest

from flyte._internal import wire
from flyte.server.db.database import open_database
from flyte.server.repo import tasks as task_repo
from flyte.server.repo import triggers as trigger_repo


def _request(version: str, triggers: list[str], env_value: str = "1") -> wire.DeployTaskRequest:
    return wire.DeployTaskRequest(
        version=version,
        environment="repo_env",
        task=wire.TaskSpec(name="repo_env.work", module="wf.py", env_vars={"X": env_value}),
        interface=wire.InterfaceSpec(),
        bundle="0" * 32,
        triggers=[wire.TriggerSpec(name=name, kind="cron", cron="*/5 * * * *") for name in triggers],
    )


def test_versions_and_triggers(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    _, created = task_repo.register(engine, _request("v1", ["a", "b"]))
    assert created
    _, created = task_repo.register(engine, _request("v1", ["a", "b"]))
    assert not created
    with pytest.raises(task_repo.VersionConflictError):
        task_repo.register(engine, _request("v1", ["a", "b"], env_value="2"))

    a = trigger_repo.get_trigger(engine, "flytesnacks", "development", "repo_env.work", "a")
    assert a is not None and a.active and a.task_version == "v1"
    trigger_repo.set_active(engine, a.id, False)

    task_repo.register(engine, _request("v2", ["a"]))
    newest = task_repo.get_task(engine, "flytesnacks", "development", "repo_env.work", None)
    assert newest is not None and newest.version == "v2"
    pinned = task_repo.get_task(engine, "flytesnacks", "development", "repo_env.work", "v1")
    assert pinned is not None and pinned.version == "v1"
    assert [row.version for row in task_repo.list_tasks(engine, "flytesnacks", "development")] == ["v2", "v1"]
    assert task_repo.list_tasks(engine, "other", "development") == []

    # Still deactivated, now running v2; "b" is gone with the code that declared it.
    a = trigger_repo.get_trigger(engine, "flytesnacks", "development", "repo_env.work", "a")
    assert a is not None and not a.active and a.task_version == "v2"
    names = [row.name for row in trigger_repo.list_triggers(engine, "flytesnacks", "development")]
    assert names == ["a"]
    engine.dispose()
