"""flyte.extras.serialize / serialize_env: a task's server spec made offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import flyte
from flyte.extras import serialize, serialize_env
from flyte.models import NativeInterface, SerializationContext

REPO = Path(__file__).resolve().parents[3]

env = flyte.TaskEnvironment("specs", resources=flyte.Resources(cpu=2, memory="1Gi"))


@env.task(retries=2, timeout=30)
async def first(x: int) -> int:
    return x


@env.task
def second(name: str) -> str:
    return name


def test_serialize_describes_a_task_relative_to_the_root() -> None:
    spec = serialize(first, SerializationContext(version="v1", root_dir=REPO))
    assert spec.name == "specs.first"
    assert spec.module == "tests/unit/extras/test_serialize_specs.py"
    assert spec.cpu == 2 and spec.memory_bytes == 1024**3
    assert spec.retries == 2 and spec.timeout_seconds == 30
    assert spec.environment == "specs"


def test_outside_the_root_the_module_is_named_by_its_import_path() -> None:
    assert serialize(first).module == "tests.unit.extras.test_serialize_specs"


def test_serialize_env_covers_every_task() -> None:
    specs = serialize_env(env, SerializationContext(version="v1", root_dir=REPO))
    assert sorted(s.name for s in specs) == ["specs.first", "specs.second"]


def test_only_function_tasks_serialize() -> None:
    from flyte._task import TaskTemplate

    template: TaskTemplate[..., None, Any] = TaskTemplate(name="bare", interface=NativeInterface({}, None))
    with pytest.raises(TypeError, match="serialize: task 'bare' is not a function task"):
        serialize(template)
