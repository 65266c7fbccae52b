"""Triggers: Cron and FixedRate definitions, shortcuts, and TriggerTime."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import datetime

import pytest

from flyte._trigger import Cron, FixedRate, Trigger, TriggerTime


@pytest.mark.parametrize("expression", ["* * * * *", "0 0 * * 0", "*/5 1-3 1,15 * MON-FRI", "@daily", "@hourly"])
def test_valid_cron_expressions(expression: str) -> None:
    assert Cron(expression).expression == expression


@pytest.mark.parametrize("expression", ["* * *", "* * * * * *", "", "@sometimes", "@daily *"])
def test_cron_needs_five_fields_or_a_macro(expression: str) -> None:
    with pytest.raises(ValueError) as info:
        Cron(expression)
    assert repr(expression) in str(info.value)


def test_cron_timezone_expression() -> None:
    assert Cron("0 0 * * *").timezone_expression == "CRON_TZ=UTC 0 0 * * *"
    assert Cron("0 9 * * *", timezone="Europe/Paris").timezone_expression == "CRON_TZ=Europe/Paris 0 9 * * *"
    with pytest.raises(TypeError, match="5"):
        Cron(5)


def test_fixed_rate() -> None:
    start = datetime(2024, 1, 1)
    assert FixedRate(5, start_time=start) == FixedRate(interval_minutes=5, start_time=start)
    for bad in (0, -1, "5", True):
        with pytest.raises(ValueError) as info:
            FixedRate(bad)
        assert repr(bad) in str(info.value)


def test_trigger_definition() -> None:
    trigger = Trigger("nightly", Cron("0 0 * * *"), inputs={"day": TriggerTime, "n": 1}, queue="q")
    assert trigger.automation == Cron("0 0 * * *")
    assert trigger.inputs == {"day": TriggerTime, "n": 1}
    assert trigger.auto_activate is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        trigger.name = "other"


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"name": ""}, ValueError, "''"),
        ({"name": "t", "automation": "* * * * *"}, TypeError, "'* * * * *'"),
        ({"name": "t", "max_action_concurrency": 0}, ValueError, "0"),
    ],
)
def test_trigger_validation(kwargs: dict[str, object], error: type[Exception], named: str) -> None:
    with pytest.raises(error) as info:
        Trigger(**kwargs)
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("make", "name", "cron"),
    [
        (Trigger.minutely, "minutely", "* * * * *"),
        (Trigger.hourly, "hourly", "0 * * * *"),
        (Trigger.daily, "daily", "0 0 * * *"),
        (Trigger.weekly, "weekly", "0 0 * * 0"),
        (Trigger.monthly, "monthly", "0 0 1 * *"),
    ],
)
def test_shortcuts(make: object, name: str, cron: str) -> None:
    plain = make()
    assert (plain.name, plain.automation, plain.inputs) == (name, Cron(cron), {})
    keyed = make("at", inputs={"x": 1}, queue="q")
    assert keyed.inputs == {"x": 1, "at": TriggerTime}
    assert keyed.queue == "q"


def test_trigger_time_survives_pickling() -> None:
    assert pickle.loads(pickle.dumps(TriggerTime)) is TriggerTime
    assert repr(TriggerTime) == "flyte.TriggerTime"
