"""flyte.models and the task context: identities, checkpoints between attempts, the variables
of distributed launchers, and the small records plugins are handed."""

from __future__ import annotations

import inspect
import typing

import pytest

import flyte
from flyte.models import (
    ActionID,
    CheckpointPaths,
    Docstring,
    NativeInterface,
    PathRewrite,
    RawDataPath,
    extract_return_annotation,
    is_clustered_worker_env,
    literal_to_enum,
)

env = flyte.TaskEnvironment("models")


@env.task(retries=1)
async def resumes() -> str:
    context = flyte.ctx()
    assert context is not None and context.checkpoint is not None
    previous = await context.checkpoint.load()
    if previous is None:
        await context.checkpoint.save(b"half done")
        raise RuntimeError("first attempt stops half way")
    return (previous / "payload").read_text() if previous.is_dir() else previous.read_text()


@env.task
async def ranks() -> tuple[int | None, int | None, str | None]:
    context = flyte.ctx()
    assert context is not None
    return context.rank, context.world_size, context.master_addr


def test_a_retried_attempt_gets_the_previous_attempts_checkpoint() -> None:
    assert flyte.with_runcontext(mode="local").run(resumes).outputs()[0] == "half done"


def test_distributed_launcher_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "8")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    assert tuple(flyte.with_runcontext(mode="local").run(ranks).outputs()) == (3, 8, "127.0.0.1")


def test_action_ids() -> None:
    action = ActionID(name="a0", run_name="r1", project="p", domain="d")
    assert action.unique_id_str() == "p-d-r1-a0"
    assert action.unique_id_str("x") == "p-d-r1-a0-x"
    assert action.new_sub_action("child") == ActionID(name="child", run_name="r1", project="p", domain="d")
    first = action.new_sub_action_from(0, "env.t", "hash", None)
    assert (
        first
        == action.new_sub_action_from(0, "env.t", "hash", None)
        != action.new_sub_action_from(1, "env.t", "hash", None)
    )
    assert ActionID.create_random().name != ActionID.create_random().name


def test_records_and_helpers(tmp_path: typing.Any) -> None:
    assert PathRewrite.from_str("s3://a -> /mnt/a") == PathRewrite("s3://a", "/mnt/a")
    with pytest.raises(ValueError, match="old->new"):
        PathRewrite.from_str("nothing")
    raw = RawDataPath.from_local_folder(tmp_path)
    assert raw.get_random_remote_path("f.txt").startswith(str(tmp_path)) and raw.get_random_remote_path().count("/")
    assert extract_return_annotation(tuple[int, str]) == {"o0": int, "o1": str}
    assert extract_return_annotation(None) == {}
    color = literal_to_enum(typing.Literal["red", "blue"])
    assert [m.value for m in color] == ["red", "blue"]
    assert is_clustered_worker_env({"FLYTE_CLUSTERED_WORKER": "true"}) and not is_clustered_worker_env({})
    assert CheckpointPaths().checkpoint_path is None


def test_docstring_sections() -> None:
    def add(x: int, y: int) -> int:
        """Adds two numbers.

        Longer words.

        Args:
            x: the first
                number
            y (int): the second
        Returns:
            the sum
        """
        return x + y

    doc = Docstring(callable_=add)
    assert doc.short_description == "Adds two numbers."
    assert doc.long_description == "Longer words."
    assert doc.input_descriptions == {"x": "the first number", "y": "the second"}
    assert doc.output_descriptions == {"o0": "the sum"}


def test_environment_dependencies() -> None:
    a, b = flyte.TaskEnvironment("dep-a"), flyte.TaskEnvironment("dep-b")
    a.add_dependency(b, b)
    assert a.depends_on == [b]
    with pytest.raises(ValueError, match="cannot depend on itself"):
        a.add_dependency(a)
    assert a.clone_with("dep-c").depends_on == [b]


def test_an_environment_from_tasks_made_without_one() -> None:
    from flyte._internal.serde import NativeInterface
    from flyte._task import AsyncFunctionTaskTemplate

    async def body(x: int) -> int:
        return x + 1

    loose = AsyncFunctionTaskTemplate(name="loose.body", func=body, interface=NativeInterface.from_function(body))
    holder = flyte.TaskEnvironment.from_task("loose", loose)
    assert holder.tasks == {"loose.body": loose}
    assert flyte.with_runcontext(mode="local").run(loose, 1).outputs()[0] == 2
    with pytest.raises(ValueError, match="belong to an environment already"):
        flyte.TaskEnvironment.from_task("again", loose)


def test_native_interface_takes_named_outputs_as_the_sdk_writes_it() -> None:
    inputs = {"x": (int, inspect.Parameter.empty)}
    single = NativeInterface(inputs, {"o0": str})
    assert single.outputs == {"o0": str} and single.output_type is str
    pair = NativeInterface(inputs, outputs={"a": int, "b": str}, docstring=None)
    assert pair.outputs == {"o0": int, "o1": str}
    nothing = NativeInterface(inputs, {})
    assert nothing.outputs == {} and not nothing.has_return_annotation
    assert NativeInterface.from_types(inputs, {"o0": float}).output_type is float
