"""Submitting runs to a server: the task's spec, its inputs, its cache key and its code bundle."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import flyte
from flyte._internal import wire
from flyte._internal.bundle import extract_bundle
from flyte._internal.module_loader import load_file
from flyte._internal.serde import pack, unpack
from flyte.errors import InitializationError, RuntimeDataValidationError, RuntimeUserError
from tests.unit.cli.run_helpers import forget_modules, write
from tests.unit.remote.fake_server import ENDPOINT, FakeServer, Outcome, install

WORKFLOW = """
    from datetime import timedelta

    import flyte
    import helpers

    env = flyte.TaskEnvironment(
        name="wf",
        resources=flyte.Resources(cpu="500m", memory="1Gi"),
        env_vars={"MODE": "test"},
        secrets=[flyte.Secret(key="api-key", group="team")],
    )


    backoff = flyte.Backoff(timedelta(seconds=1), 2.0, timedelta(seconds=10))


    @env.task(cache="auto", retries=flyte.RetryStrategy(2, backoff), timeout=60)
    async def main(x: int, tags: list[str] = []) -> tuple[int, str]:
        return helpers.double(x), ",".join(tags)


    @env.task(report=True)
    def plain(x: int) -> int:
        return x
"""


@pytest.fixture
def wf(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The workflow file (and a helper module it imports) loaded from the working folder."""
    before_path, before_modules = list(sys.path), set(sys.modules)
    write(Path("helpers.py"), "def double(x):\n    return 2 * x\n")
    write(Path("wf.py"), WORKFLOW)
    yield load_file("wf.py")
    forget_modules(before_path, before_modules)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    server = FakeServer()
    install(monkeypatch, server)
    flyte.init(endpoint=ENDPOINT, project="proj", domain="dev")
    return server


def test_run_goes_to_the_server_with_spec_inputs_and_bundle(wf: ModuleType, fake: FakeServer, tmp_path: Path) -> None:
    run = flyte.with_runcontext(name="my-run", env_vars={"RUN": "1"}).run(wf.main, 21, tags=["a"])
    assert isinstance(run, flyte.remote.Run) and isinstance(run, flyte.Run)
    assert (run.name, run.phase) == ("my-run", "QUEUED")
    [request] = fake.created
    assert (request.name, request.project, request.domain, request.env_vars) == ("my-run", "proj", "dev", {"RUN": "1"})
    assert unpack(request.inputs) == {"x": 21, "tags": ["a"]}
    assert request.task == wire.TaskSpec(
        name="wf.main",
        module="wf.py",
        cpu=0.5,
        memory_bytes=2**30,
        retries=2,
        backoff_seconds=[1.0, 2.0],
        timeout_seconds=60.0,
        env_vars={"MODE": "test"},
        secrets=[wire.SecretSpec(key="api-key", group="team", as_env_var="TEAM_API_KEY")],
        cacheable=True,
        environment="wf",
    )
    assert request.cache_key is not None and len(request.cache_key) == 32
    assert request.bundle is not None
    files = extract_bundle(fake.bundles[request.bundle], tmp_path / "bundle")
    assert files == ["helpers.py", "wf.py"]


def test_outputs_are_decoded_with_the_task_when_it_is_known(wf: ModuleType, fake: FakeServer) -> None:
    fake.outcome = lambda request: Outcome(outputs=pack([42, "a"]))
    run = flyte.run(wf.main, 21)
    outputs = run.outputs()
    assert tuple(outputs) == (42, "a") and outputs.named_outputs == {"o0": 42, "o1": "a"}
    assert run.inputs() == {"x": 21, "tags": []}


def test_the_bundle_is_uploaded_once(wf: ModuleType, fake: FakeServer) -> None:
    flyte.run(wf.main, 1)
    flyte.run(wf.plain, 2)
    assert len(fake.bundles) == 1
    assert [m for m, p in fake.requests if p.startswith("/api/v1/bundles/")] == ["HEAD", "PUT", "HEAD"]
    assert fake.created[1].task.report and not fake.created[1].task.cacheable
    assert fake.created[1].cache_key is None


def test_disable_run_cache_sends_no_cache_key(wf: ModuleType, fake: FakeServer) -> None:
    flyte.with_runcontext(disable_run_cache=True, overwrite_cache=True).run(wf.main, 1)
    assert fake.created[0].cache_key is None
    assert fake.created[0].disable_run_cache and fake.created[0].overwrite_cache


def test_bad_inputs_and_names_fail_before_anything_is_sent(wf: ModuleType, fake: FakeServer) -> None:
    with pytest.raises(RuntimeDataValidationError):
        flyte.run(wf.main, "not a number")
    with pytest.raises(TypeError, match="missing required input 'x'"):
        flyte.run(wf.main)
    with pytest.raises(RuntimeUserError, match=r"cannot start a run of wf\.main: name: String should match"):
        flyte.with_runcontext(name="Bad Name").run(wf.main, 1)
    assert fake.requests == []


def test_a_taken_name_is_a_conflict(wf: ModuleType, fake: FakeServer) -> None:
    flyte.with_runcontext(name="same").run(wf.main, 1)
    with pytest.raises(RuntimeUserError, match="A run named 'same' exists already") as info:
        flyte.with_runcontext(name="same").run(wf.main, 1)
    assert info.value.code == "Conflict"


def test_remote_mode_needs_an_endpoint(wf: ModuleType) -> None:
    flyte.init()
    with pytest.raises(InitializationError, match="needs a flyte server"):
        flyte.with_runcontext(mode="remote").run(wf.main, 1)
    with pytest.raises(InitializationError, match="hybrid mode is not supported"):
        flyte.with_runcontext(mode="hybrid").run(wf.main, 1)


async def test_async_code_submits_without_blocking_its_loop(wf: ModuleType, fake: FakeServer) -> None:
    run = await flyte.run.aio(wf.main, 5)
    assert run.name == fake.created[0].name
