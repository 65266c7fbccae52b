"""Slot arithmetic of triggers and the trigger clock on a real SQLite database, driven by given
times: each slot fires once (also after a restart, or from two clocks on one database), a missed
slot fires once or is skipped per policy, never as a backlog, and inactive triggers never fire."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgpack
import pytest
from sqlalchemy import Engine, func, select

from flyte._internal import wire
from flyte._internal.serde import TypeEngine, pack
from flyte.server.db.database import open_database
from flyte.server.db.schema import actions, runs
from flyte.server.repo import tasks as task_repo
from flyte.server.repo import triggers as trigger_repo
from flyte.server.triggers.clock import TriggerClock, due_slot
from flyte.server.triggers.slots import Schedule, ScheduleError

MINUTE_MARK = 1_700_000_040.0  # a whole minute (UTC)


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def test_cron_slots() -> None:
    every_minute = Schedule(cron="*/1 * * * *")
    assert every_minute.latest(MINUTE_MARK + 30.5) == MINUTE_MARK
    assert every_minute.latest(MINUTE_MARK) == MINUTE_MARK
    assert every_minute.next_after(MINUTE_MARK) == MINUTE_MARK + 60
    assert every_minute.next_after(MINUTE_MARK - 0.5) == MINUTE_MARK

    weekdays = Schedule(cron="30 9 * * MON-FRI")
    saturday = _utc("2024-06-08 12:00:00")
    assert weekdays.latest(saturday) == _utc("2024-06-07 09:30:00")
    assert weekdays.next_after(saturday) == _utc("2024-06-10 09:30:00")

    # 09:00 in Paris is 07:00 UTC in summer, 08:00 in winter.
    paris = Schedule(cron="0 9 * * *", timezone="Europe/Paris")
    assert paris.next_after(_utc("2024-07-01 00:00:00")) == _utc("2024-07-01 07:00:00")
    assert paris.next_after(_utc("2024-01-15 00:00:00")) == _utc("2024-01-15 08:00:00")
    assert Schedule(cron="@daily").next_after(_utc("2024-01-15 10:00:00")) == _utc("2024-01-16 00:00:00")


def test_fixed_rate_slots() -> None:
    rate = Schedule(interval_s=3, start=100.0)
    assert rate.latest(99.9) is None
    assert rate.latest(100.0) == 100.0
    assert rate.latest(104.9) == 103.0
    assert rate.next_after(104.9) == 106.0
    assert rate.next_after(50.0) == 100.0


@pytest.mark.parametrize(
    "schedule",
    [{"cron": "61 * * * *"}, {"cron": "* * * * *", "timezone": "Mars/Olympus"}, {"interval_s": 0.0}, {}],
)
def test_bad_schedules_are_refused(schedule: dict[str, Any]) -> None:
    with pytest.raises(ScheduleError):
        Schedule(**schedule)


def _row(**changes: Any) -> SimpleNamespace:
    fields = {
        "kind": "fixed_rate",
        "cron": None,
        "timezone": "UTC",
        "interval_s": 10.0,
        "start_time": 1000.0,
        "active_since": 1000.0,
        "missed": "fire_latest",
    }
    return SimpleNamespace(**{**fields, **changes})


def test_due_slot_fires_the_latest_slot_once_never_a_backlog() -> None:
    row = _row()
    assert due_slot(row, 1005.0, None) is None  # the start itself is not after activation
    assert due_slot(row, 1012.0, None) == 1010.0
    assert due_slot(row, 1013.0, 1010.0) is None  # fired already
    # Down for ten slots: only the latest fires, once.
    assert due_slot(row, 1105.0, 1010.0) == 1100.0
    assert due_slot(row, 1106.0, 1100.0) is None
    # With the skip policy a slot missed by more than the grace period is not fired at all.
    skipping = _row(missed="skip")
    assert due_slot(skipping, 1104.0, 1010.0) == 1100.0
    assert due_slot(skipping, 1108.0, 1010.0) is None
    # Reactivated: slots before the activation never fire.
    assert due_slot(_row(active_since=1101.0), 1105.0, 1010.0) is None


@dataclasses.dataclass
class _Wakes:
    count: int = 0

    def wake_scheduler(self) -> None:
        self.count += 1


def _deploy(engine: Engine, trigger: wire.TriggerSpec) -> None:
    spec = wire.TaskSpec(name="clock_env.stamp", module="wf.py")
    interface = wire.InterfaceSpec(
        inputs=[
            wire.InputSpec(name="at", type="datetime"),
            wire.InputSpec(name="label", type="str"),
            wire.InputSpec(name="repeat", type="int", has_default=True, default=pack(2)),
        ],
        output="str",
    )
    request = wire.DeployTaskRequest(
        version="v1", environment="clock_env", task=spec, interface=interface, bundle="0" * 32, triggers=[trigger]
    )
    task_repo.register(engine, request)


def _clock(engine: Engine, tmp_path: Path) -> TriggerClock:
    server = SimpleNamespace(engine=engine, settings=SimpleNamespace(store_prefix=str(tmp_path)), notifier=_Wakes())
    return TriggerClock(server)  # type: ignore[arg-type]


def _run_inputs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        blobs = conn.execute(select(actions.c.inputs).order_by(actions.c.queued_at)).scalars().all()
    return [msgpack.unpackb(blob) for blob in blobs]


def test_the_clock_fires_each_slot_once(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    trigger = wire.TriggerSpec(
        name="Every 10s",
        kind="fixed_rate",
        interval_s=10.0,
        start_time=0.0,
        inputs=pack({"label": TypeEngine.to_literal("tick", str)}),
        kickoff_input="at",
    )
    _deploy(engine, trigger)
    row = trigger_repo.get_trigger(engine, "flytesnacks", "development", "clock_env.stamp", "Every 10s")
    assert row is not None
    now = row.active_since
    first = _clock(engine, tmp_path)
    assert first.tick(now) == []  # no slot since activation yet
    slot = (now // 10 + 1) * 10
    fired = first.tick(slot + 0.2)
    assert len(fired) == 1 and fired[0].startswith("every-10s-")
    # The same slot again: from the same clock, from a restarted one, from a second server.
    assert first.tick(slot + 0.7) == []
    assert _clock(engine, tmp_path).tick(slot + 1.0) == []
    # Down for a long time: the latest missed slot fires once.
    later = _clock(engine, tmp_path)
    assert len(later.tick(slot + 95.0)) == 1
    assert later.tick(slot + 96.0) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(runs)).scalar_one() == 2
    kickoffs = [inputs["at"] for inputs in _run_inputs(engine)]
    assert [TypeEngine.to_python_value(k, datetime).timestamp() for k in kickoffs] == [slot, slot + 90]
    assert all(inputs["label"] == "tick" and inputs["repeat"] == 2 for inputs in _run_inputs(engine))

    # Inactive: nothing fires; reactivated, the due slot fires, once.
    trigger_repo.set_active(engine, row.id, False)
    assert later.tick(slot + 200.5) == []
    trigger_repo.set_active(engine, row.id, True)
    reactivated = trigger_repo.get_trigger(engine, "flytesnacks", "development", "clock_env.stamp", "Every 10s")
    assert reactivated is not None and reactivated.active_since > row.active_since
    assert len(later.tick(slot + 200.5)) == 1
    assert later.tick(slot + 201.0) == []
    engine.dispose()


def test_a_trigger_whose_task_cannot_run_is_skipped(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    # Its inputs lack the required 'label': logged and skipped, never stopping the clock.
    broken = wire.TriggerSpec(name="broken", kind="fixed_rate", interval_s=10.0, start_time=0.0, kickoff_input="at")
    _deploy(engine, broken)
    row = trigger_repo.get_trigger(engine, "flytesnacks", "development", "clock_env.stamp", "broken")
    assert row is not None
    assert _clock(engine, tmp_path).tick((row.active_since // 10 + 1) * 10 + 0.1) == []
    engine.dispose()
