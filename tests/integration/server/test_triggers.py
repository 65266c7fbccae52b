"""Triggers firing on a real server (SQLite and PostgreSQL).

A deployed task with two fixed-rate triggers of 2 and 3 seconds: each fires its slots as runs
whose kick-off input is the slot's time; ``flyte get trigger`` shows them; a deactivated one
stops while the other goes on; a server restarted (even killed) inside a slot does not fire
that slot again; ``flyte delete trigger`` removes one.
"""

from __future__ import annotations

import functools
import itertools
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

import flyte
import flyte.errors
import flyte.remote
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, count_rows, flyte_cli, load_workflow, wait_until

WORKFLOW = """
from datetime import datetime

import flyte

env = flyte.TaskEnvironment(name="triggered")

fast = flyte.Trigger(
    "fast", flyte.FixedRate(interval_minutes=2 / 60), inputs={"at": flyte.TriggerTime, "label": "fast"}
)
slow = flyte.Trigger("slow", flyte.FixedRate(interval_minutes=3 / 60), inputs={"at": flyte.TriggerTime})


@env.task(triggers=(fast, slow))
async def stamp(at: datetime, label: str = "default") -> str:
    return f"{label} {at.isoformat()}"
"""

TASK = "triggered.stamp"


def _runs_of(trigger: str) -> dict[float, str]:
    """The runs a trigger started, by slot time (the kick-off input)."""
    found: dict[float, str] = {}
    for run in flyte.remote.Run.listall(task=TASK, limit=1000):
        if run.name.startswith(f"{trigger}-"):
            kickoff = datetime.fromisoformat(str(run.inputs()["at"])).timestamp()
            assert kickoff not in found, f"slot {kickoff} fired twice: {found[kickoff]} and {run.name}"
            found[kickoff] = run.name
    return found


def _trigger_run_names() -> set[str]:
    return set(_runs_of("fast").values()) | set(_runs_of("slow").values())


def _claimed_runs(server: ServerHandle) -> set[str]:
    """The run names of the slots the server claimed, read from its database."""
    from sqlalchemy import create_engine, text

    from flyte.server.db.database import normalise_url

    engine = create_engine(normalise_url(server.db_url))
    try:
        with engine.connect() as conn:
            return {str(name) for name in conn.execute(text("SELECT run_name FROM trigger_slots")).scalars()}
    finally:
        engine.dispose()


def _fired_more_than(trigger: str, count: int) -> bool:
    return len(_runs_of(trigger)) > count


def test_fixed_rate_triggers_fire_and_survive_restarts(flyte_server: ServerHandle) -> None:
    module = load_workflow(WORKFLOW)
    connect(flyte_server)
    flyte.deploy(module.env)

    listed = flyte_cli(flyte_server, "get", "trigger", TASK)
    assert listed.returncode == 0, listed.stderr
    assert "fast" in listed.stdout and "slow" in listed.stdout and "every 2s" in listed.stdout

    wait_until("three fast and two slow runs", lambda: len(_runs_of("fast")) >= 3 and len(_runs_of("slow")) >= 2)
    fast = _runs_of("fast")
    slots = sorted(fast)
    assert all(round(later - earlier, 3) % 2 == 0 for earlier, later in itertools.pairwise(slots))
    first = flyte.remote.Run.get(fast[slots[0]])
    first.wait(timeout=60)
    assert first.phase == "SUCCEEDED", first.error
    assert first.outputs()[0] == f"fast {datetime.fromtimestamp(slots[0], tz=timezone.utc).isoformat()}"
    assert first.info.task_name == TASK

    # Restarts inside a slot: the slot that fired before does not fire again.
    for stop in (flyte_server.stop, flyte_server.kill):
        fired_before = len(_runs_of("fast"))
        stop()
        flyte_server.start()
        wait_until("a fast run after the restart", functools.partial(_fired_more_than, "fast", fired_before))
    # Every claimed slot has its one run, and every run its slot (a slot claimed a moment ago
    # may still be getting its run).
    claimed = _claimed_runs(flyte_server)
    wait_until("the runs of the claimed slots", lambda: claimed <= _trigger_run_names())
    assert _trigger_run_names() <= _claimed_runs(flyte_server)
    fast_slots = sorted(_runs_of("fast"))
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(fast_slots)]
    assert all(gap > 0 and gap % 2 == 0 for gap in gaps), gaps

    # Deactivated, "fast" stops while "slow" goes on.
    off = flyte_cli(flyte_server, "update", "trigger", "fast", TASK, "--deactivate")
    assert off.returncode == 0, off.stderr
    deactivated_at = time.time()
    trigger = flyte.remote.Trigger.get("fast", TASK)
    assert not trigger.is_active
    slow_before = len(_runs_of("slow"))
    wait_until("two more slow runs", lambda: len(_runs_of("slow")) >= slow_before + 2)
    # A tick under way at the moment of deactivation may still have fired the slot it held.
    assert all(slot <= deactivated_at for slot in _runs_of("fast")), "a deactivated trigger fired"

    on = flyte.remote.Trigger.update("fast", TASK, active=True)
    assert on.is_active
    fast_before = len(_runs_of("fast"))
    wait_until("a fast run once reactivated", lambda: len(_runs_of("fast")) > fast_before)

    deleted = flyte_cli(flyte_server, "delete", "trigger", "slow", TASK)
    assert deleted.returncode == 0, deleted.stderr
    assert [t.name for t in flyte.remote.Trigger.listall(TASK)] == ["fast"]
    missing = flyte_cli(flyte_server, "delete", "trigger", "slow", TASK)
    assert missing.returncode == 1 and "No trigger 'slow'" in missing.stderr

    # A trigger added to the deployed task stays when the task is deployed again.
    yearly = flyte.Trigger("yearly", flyte.Cron("0 0 1 1 *"), inputs={"at": flyte.TriggerTime, "label": "new year"})
    created = flyte.remote.Trigger.create(yearly, TASK)
    assert created.task_version == "latest" and created.automation_spec == "cron 0 0 1 1 * (UTC)"
    with pytest.raises(flyte.errors.RuntimeUserError, match="already"):
        flyte.remote.Trigger.create(yearly, TASK)
    with pytest.raises(flyte.errors.ConfigError, match="no input 'when'"):
        flyte.remote.Trigger.create(flyte.Trigger("x", flyte.Cron("* * * * *"), inputs={"when": 1}), TASK)
    flyte.deploy(module.env, version="v2")
    assert sorted(t.name for t in flyte.remote.Trigger.listall(TASK)) == ["fast", "slow", "yearly"]


def test_trigger_mistakes_are_refused(flyte_server: ServerHandle, tmp_path: Path) -> None:
    bad = load_workflow(
        """
        import flyte

        env = flyte.TaskEnvironment(name="mistaken")


        @env.task(triggers=flyte.Trigger("t", flyte.Cron("* * * * *"), inputs={"nope": 1}))
        async def f(x: int) -> int:
            return x
        """
    )
    connect(flyte_server)
    try:
        flyte.deploy(bad.env)
    except flyte.errors.ConfigError as e:
        assert "no input 'nope'" in str(e)
    else:
        raise AssertionError("a trigger naming an unknown input was deployed")
    assert count_rows(flyte_server, "deployed_tasks") == 0

    no_update = flyte_cli(flyte_server, "update", "trigger", "t", "mistaken.f")
    assert no_update.returncode == 2 and "--activate" in no_update.stderr

    fixed = load_workflow(
        """
        from datetime import datetime

        import flyte

        env = flyte.TaskEnvironment(name="scheduled")


        @env.task
        async def f(trigger_time: datetime) -> str:
            return trigger_time.isoformat()
        """,
        tmp_path,
    )
    connect(flyte_server, tmp_path)
    flyte.deploy(fixed.env, version="v1")
    made = flyte_cli(flyte_server, "create", "trigger", "scheduled.f", "nightly", "--schedule", "0 0 * * *")
    assert made.returncode == 0, made.stderr
    assert "Created trigger nightly of scheduled.f (cron 0 0 * * * (UTC), active)" in made.stdout
    nightly = flyte.remote.Trigger.get("nightly", "scheduled.f")
    assert nightly.is_active and nightly.automation_spec == "cron 0 0 * * * (UTC)"
    bad_cron = flyte_cli(flyte_server, "create", "trigger", "scheduled.f", "broken", "--schedule", "61 * * * *")
    assert bad_cron.returncode == 1 and "Traceback" not in bad_cron.stderr, bad_cron.stderr
    unknown = flyte_cli(flyte_server, "create", "trigger", "scheduled.nope", "t", "--schedule", "0 0 * * *")
    assert unknown.returncode == 1 and "scheduled.nope" in unknown.stderr, unknown.stderr
