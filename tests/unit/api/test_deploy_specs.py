"""What ``flyte.deploy`` registers, computed without a server (``dry_run``): the interface with
literal types and encoded defaults, triggers with their inputs encoded and the kick-off input
named, refused trigger options, and a version that depends only on the code."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

import flyte
from flyte._deploy import interface_spec, trigger_spec
from flyte._internal.module_loader import load_file
from flyte._internal.serde import unpack

WORKFLOW = """
from datetime import datetime

import flyte

env = flyte.TaskEnvironment(name="specs_env")
helper = flyte.TaskEnvironment(name="specs_helper")
tick = flyte.Trigger(
    "tick",
    flyte.FixedRate(0.5, start_time=datetime(2024, 1, 1)),
    inputs={"at": flyte.TriggerTime, "n": 3},
    missed="skip",
)


@helper.task
async def one() -> int:
    return 1


@env.task(triggers=(tick, flyte.Trigger.hourly("at", inputs={"n": 1})))
async def run_me(at: datetime, n: int = 2, tags: list[str] = ["a"]) -> str:
    return f"{n}"
"""


def _load(name: str = "specs_wf") -> object:
    path = Path.cwd() / f"{name}.py"
    path.write_text(textwrap.dedent(WORKFLOW))
    return load_file(path)


def test_interface_and_triggers() -> None:
    module = _load()
    task = module.run_me  # type: ignore[attr-defined]
    interface = interface_spec(task)
    assert [(i.name, i.type, i.has_default) for i in interface.inputs] == [
        ("at", "datetime", False),
        ("n", "int", True),
        ("tags", "list[str]", True),
    ]
    assert interface.inputs[1].default is not None and unpack(interface.inputs[1].default) == 2
    assert interface.output == "str" and not interface.returns_none

    fixed, hourly = (trigger_spec(t, task) for t in task.triggers)
    assert fixed.kind == "fixed_rate" and fixed.interval_s == 30.0
    assert fixed.start_time == datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()
    assert fixed.kickoff_input == "at" and unpack(fixed.inputs) == {"n": 3}
    assert fixed.missed == "skip"
    assert hourly.kind == "cron" and hourly.cron == "0 * * * *" and hourly.missed == "fire_latest"


def test_trigger_mistakes_and_refusals() -> None:
    task = _load("specs_wf2").run_me  # type: ignore[attr-defined]
    with pytest.raises(flyte.errors.ConfigError, match="no input 'nope'"):
        trigger_spec(flyte.Trigger("t", flyte.Cron("* * * * *"), inputs={"nope": 1}), task)
    with pytest.raises(flyte.errors.ConfigError, match="input 'n'"):
        trigger_spec(flyte.Trigger("t", flyte.Cron("* * * * *"), inputs={"n": "three"}), task)
    with pytest.raises(flyte.errors.ConfigError, match="labels cannot apply"):
        trigger_spec(flyte.Trigger("t", flyte.Cron("* * * * *"), labels={"a": "b"}), task)
    with pytest.raises(flyte.errors.ConfigError, match="has no schedule"):
        trigger_spec(flyte.Trigger("t"), task)
    with pytest.raises(ValueError, match="missed"):
        flyte.Trigger("t", flyte.Cron("* * * * *"), missed="later")  # type: ignore[arg-type]


def test_dry_run_versions_by_code() -> None:
    module = _load("specs_wf3")
    flyte.init(root_dir=Path.cwd())
    first = flyte.deploy(module.env, dry_run=True)  # type: ignore[attr-defined]
    assert [row[1] for row in first[0].table_repr()] == ["specs_env.run_me"]
    only_helper = flyte.deploy(module.helper, dry_run=True)  # type: ignore[attr-defined]
    # The same code gives the same version, whichever environments are deployed.
    assert first[0].table_repr()[0][2] == only_helper[0].table_repr()[0][2]
    assert flyte.deploy(module.env, dry_run=True, version="v7")[0].table_repr()[0][2] == "v7"  # type: ignore[attr-defined]
    with pytest.raises(flyte.errors.ConfigError, match="not valid"):
        flyte.deploy(module.env, dry_run=True, version="bad version")  # type: ignore[attr-defined]
    with pytest.raises(flyte.errors.ConfigError, match="needs a flyte server"):
        flyte.deploy(module.env)  # type: ignore[attr-defined]
