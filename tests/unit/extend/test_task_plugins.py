"""Task plugins (flyte.extend): an environment's plugin_config picks the task class, whose
pre/post hooks wrap every call of the task in a real local run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import flyte
from flyte.extend import AsyncFunctionTaskTemplate, TaskPluginRegistry
from flyte.models import SerializationContext

from .scratch_plugin import Scratch, ScratchTask

env = flyte.TaskEnvironment("scratchy", plugin_config=Scratch(prefix="unit-scratch-"))


@env.task
async def write_and_list(text: str) -> list[str]:
    context = flyte.ctx()
    assert context is not None
    folder = Path(context.data["scratch"])
    (folder / "note.txt").write_text(text)
    return [folder.name, *sorted(p.name for p in folder.iterdir())]


@env.task
def sync_scratch() -> str:
    context = flyte.ctx()
    assert context is not None
    return str(context.data["scratch"])


plain = flyte.TaskEnvironment("plain-env")


@plain.task
async def parent(text: str) -> tuple[list[str], str]:
    return await write_and_list(text), await sync_scratch.aio()


def test_plugin_config_picks_the_task_class() -> None:
    assert isinstance(write_and_list, ScratchTask)
    assert write_and_list.task_type == "scratch"
    assert write_and_list.custom_config(SerializationContext(version="v1")) == {"prefix": "unit-scratch-"}
    assert TaskPluginRegistry.find(Scratch) is ScratchTask


def test_pre_and_post_wrap_every_call_of_a_plugin_task() -> None:
    run = flyte.with_runcontext(mode="local").run(parent, "hello")
    listing, sync_folder = run.outputs()
    folder_name, *files = listing
    assert folder_name.startswith("unit-scratch-")
    assert files == ["note.txt"]
    assert Path(sync_folder).name.startswith("unit-scratch-")
    # post removed both folders once the calls returned
    assert not Path(sync_folder).exists()


def test_a_plain_task_sees_empty_data() -> None:
    @plain.task
    async def look() -> dict[str, str]:
        context = flyte.ctx()
        assert context is not None
        return dict(context.data)

    assert flyte.with_runcontext(mode="local").run(look).outputs()[0] == {}


def test_unregistered_plugin_config_is_refused_naming_the_type() -> None:
    @dataclass
    class Unknown:
        pass

    odd = flyte.TaskEnvironment("odd", plugin_config=Unknown())
    with pytest.raises(ValueError, match=r"no task plugin is registered for plugin_config type .*Unknown"):

        @odd.task
        async def t() -> None:
            pass


def test_plugin_config_and_reusable_do_not_mix() -> None:
    with pytest.raises(ValueError, match="cannot also be reusable"):
        flyte.TaskEnvironment("both", plugin_config=Scratch(), reusable=flyte.ReusePolicy(replicas=1))


def test_register_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="config_type must be a class"):
        TaskPluginRegistry.register(Scratch(), ScratchTask)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="TaskTemplate subclass"):
        TaskPluginRegistry.register(Scratch, dict)


def test_a_subclass_of_a_config_type_finds_its_plugin() -> None:
    @dataclass
    class MoreScratch(Scratch):
        pass

    assert TaskPluginRegistry.find(MoreScratch) is ScratchTask
    assert TaskPluginRegistry.find(int) is None
    assert issubclass(ScratchTask, AsyncFunctionTaskTemplate)
