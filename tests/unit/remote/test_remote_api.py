"""flyte.remote: callable as the notebook examples use it, and runs read through the API."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

import flyte
from flyte._internal import wire
from flyte._internal.serde import pack
from flyte._internal.serde._pickle import pickle_value
from flyte.errors import ActionAbortedError, InitializationError, RunNotFoundError, RuntimeUserError
from tests.unit.remote.fake_server import ENDPOINT, FakeServer, Outcome, install

SPEC = wire.TaskSpec(name="env.main", module="wf.py")


@dataclass
class Point:
    x: int
    y: int


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    server = FakeServer()
    install(monkeypatch, server)
    flyte.init(endpoint=ENDPOINT)
    return server


def _create(fake: FakeServer, name: str, outcome: Outcome | None, inputs: object = None) -> None:
    payload = pack({"x": 3} if inputs is None else inputs)
    fake.add_run(wire.CreateRunRequest(name=name, task=SPEC, inputs=payload), outcome)


def test_import_flyte_does_not_load_the_client() -> None:
    probe = "import sys, flyte; print([m for m in ('httpx', 'pydantic', 'flyte.remote') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_flyte_remote_is_a_callable_package() -> None:
    import flyte.remote as package

    assert flyte.remote is package
    assert flyte.remote() is package
    assert flyte.remote.Run is package.Run and callable(flyte.remote.Run.get)


def test_notebook_example_works_as_written(fake: FakeServer) -> None:
    _create(fake, "r1", Outcome(outputs=pack("hi"), logs=["hello", "world"]))
    remote = flyte.remote()
    runs = remote.list_runs()
    assert [r.name for r in runs] == ["r1"]
    run = remote.get_run(runs[0].name)
    assert run.download_logs() == "hello\nworld"
    assert (run.phase, run.url, run.done()) == ("SUCCEEDED", f"{ENDPOINT}/runs/r1", True)


def test_outputs_without_the_task_read_plain_values(fake: FakeServer) -> None:
    literal = {"name": "ada", "scores": [1, 2.5], "blob": b"\x00", "none": None}
    _create(fake, "r1", Outcome(outputs=pack(literal)), inputs={"x": 3, "tags": ["a"]})
    run = flyte.remote.Run.get("r1")
    outputs = run.outputs()
    assert isinstance(outputs, flyte._run.ActionOutputs)
    assert outputs[0] == literal and outputs.named_outputs == {"o0": literal}
    assert run.inputs() == {"x": 3, "tags": ["a"]}


def test_pickled_values_are_placeholders_unless_unpickling_is_asked_for(fake: FakeServer) -> None:
    from flyte.remote import PickledValue

    _create(fake, "r1", Outcome(outputs=pack([pickle_value(Point(1, 2))])))
    run = flyte.remote.get_run("r1")
    [placeholder] = run.outputs()[0]
    assert isinstance(placeholder, PickledValue)
    assert repr(placeholder).startswith(f"<pickled {Point.__module__}.Point, ")
    assert placeholder.unpickle() == Point(1, 2)
    assert run.outputs(unpickle=True)[0] == [Point(1, 2)]


def test_a_failed_run_raises_its_error_with_the_traceback(fake: FakeServer) -> None:
    error = wire.ErrorInfo(code="ValueError", message="bad x", traceback="Traceback ...")
    _create(fake, "r1", Outcome(phase="FAILED", error=error))
    run = flyte.remote.Run.get("r1")
    with pytest.raises(RuntimeUserError) as info:
        run.outputs()
    assert (info.value.code, info.value.message, info.value.traceback) == ("ValueError", "bad x", "Traceback ...")
    assert run.error is not None and run.error.code == "ValueError"


def test_abort_and_an_aborted_run(fake: FakeServer) -> None:
    _create(fake, "r1", None)
    run = flyte.remote.Run.get("r1")
    assert not run.done()
    run.abort()
    assert run.phase == "ABORTED"
    with pytest.raises(ActionAbortedError, match="run r1 was aborted"):
        run.outputs()


def test_wait_times_out_on_a_run_that_does_not_end(fake: FakeServer) -> None:
    _create(fake, "r1", None)
    with pytest.raises(TimeoutError, match=r"run r1 is still QUEUED after 0\.05s"):
        flyte.remote.Run.get("r1").wait(timeout=0.05)


def test_actions_of_a_run(fake: FakeServer) -> None:
    child = wire.ActionDetail(
        name="a1", parent="a0", task_name="env.child", kind="task", phase="SUCCEEDED", attempts=2,
        cache_status="CACHE_HIT", queued_at=1.0, outputs=pack(7), inputs=pack({"n": 1}), group="g",
    )  # fmt: skip
    _create(fake, "r1", Outcome(outputs=pack(1), children=[child]))
    actions = {a.name: a for a in flyte.remote.Run.get("r1").actions()}
    assert set(actions) == {"a0", "a1"}
    a1 = actions["a1"]
    assert (a1.parent, a1.task_name, a1.group, a1.attempts, a1.cache_status) == ("a0", "env.child", "g", 2, "CACHE_HIT")
    assert a1.outputs()[0] == 7 and a1.inputs() == {"n": 1}
    assert flyte.remote.Action.get("r1", "a1").phase == "SUCCEEDED"


def test_unknown_run_and_missing_endpoint(fake: FakeServer) -> None:
    with pytest.raises(RunNotFoundError):
        flyte.remote.Run.get("nope")
    flyte.init()
    with pytest.raises(InitializationError, match=r"flyte\.remote needs a server"):
        flyte.remote.list_runs()
