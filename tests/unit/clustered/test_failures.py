"""Clustered gangs: a failing rank fails the task naming it, restarts, timeouts, cleanup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import flyte
import flyte.errors
from tests.unit.clustered import _tasks


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shared = tmp_path / "shared"
    shared.mkdir()
    return shared


def _recorded_pids(folder: Path) -> list[int]:
    return [int(p.read_text()) for p in folder.glob("pid-*")]


def test_a_rank_raising_fails_the_task_naming_the_rank_and_stops_the_others(folder: Path) -> None:
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(_tasks.fails_on_rank, 2, str(folder))
    assert info.value.code == "ValueError"
    assert "rank 2 (node 1, local rank 0) failed: ValueError: boom on rank 2" in str(info.value)
    assert "raise ValueError" in str(info.value)  # the rank's traceback comes along
    pids = _recorded_pids(folder)
    assert pids and not any(_alive(pid) for pid in pids)


def test_a_rank_dying_without_a_word_is_named_with_its_exit_code() -> None:
    with pytest.raises(
        flyte.errors.RuntimeUserError, match=r"rank 3 \(node 1, local rank 1\) failed: the process exited with code 3"
    ):
        flyte.run(_tasks.exits_on_rank, 3)


def test_the_gang_restarts_within_launcher_and_failure_policy_budgets(folder: Path) -> None:
    # Starts go (set 0, launcher 0) -> (0, 1) -> (1, 0): two launcher/set restarts, healthy at the third.
    result = flyte.run(_tasks.recovers, str(folder), 2).outputs()[0]
    assert result == "1.0"
    assert sorted(p.name for p in folder.iterdir()) == ["start-0.0", "start-0.1", "start-1.0"]


def test_the_task_fails_once_every_restart_is_used(folder: Path) -> None:
    with pytest.raises(flyte.errors.RuntimeUserError) as info:
        flyte.run(_tasks.recovers, str(folder), 99)
    message = str(info.value)
    assert "rank 1 (node 1, local rank 0) failed (after 3 restarts of the gang)" in message
    assert "not yet healthy at start 1.1" in message
    assert len(list(folder.iterdir())) == 4


def test_a_timeout_stops_every_process_of_the_gang(folder: Path) -> None:
    with pytest.raises(flyte.errors.TaskTimeoutError, match="timeout of 2s"):
        flyte.run(_tasks.hangs, str(folder))
    pids = _recorded_pids(folder)
    assert not any(_alive(pid) for pid in pids)


def test_a_rank_cannot_call_another_task() -> None:
    with pytest.raises(flyte.errors.RuntimeUserError, match="cannot start other tasks"):
        flyte.run(_tasks.calls_a_task)
