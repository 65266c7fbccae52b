"""The connector surface: the registry, resource metadata, phases, and a connector task that is
not a function task (a TaskTemplate subclass, as query plugins are) called from a run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Dict, Optional

import pytest

import flyte
from flyte._internal.model.phases import ActionPhase
from flyte._task import TaskTemplate
from flyte.connectors import AsyncConnector, AsyncConnectorExecutorMixin, ConnectorRegistry, Resource, ResourceMeta
from flyte.connectors.utils import convert_to_flyte_phase, is_terminal_phase
from flyte.models import NativeInterface


@dataclass
class CountdownMeta(ResourceMeta):
    """A job that succeeds after ``polls`` calls of ``get``."""

    job_id: str
    polls: int


class CountdownConnector(AsyncConnector[CountdownMeta]):
    """Jobs finish after a few polls and echo their inputs."""

    name = "Countdown"
    task_type_name = "countdown"
    metadata_type = CountdownMeta

    def __init__(self) -> None:
        self.remaining: dict[str, int] = {}
        self.inputs: dict[str, dict[str, Any]] = {}

    async def create(
        self,
        task_template: Any,
        output_prefix: str,
        inputs: Optional[Dict[str, Any]] = None,
        task_execution_metadata: Optional[Any] = None,
        **kwargs: Any,
    ) -> CountdownMeta:
        job_id = f"job{len(self.remaining)}"
        self.remaining[job_id] = 3
        self.inputs[job_id] = dict(inputs or {})
        return CountdownMeta(job_id=job_id, polls=3)

    async def get(self, resource_meta: CountdownMeta, **kwargs: Any) -> Resource:
        self.remaining[resource_meta.job_id] -= 1
        if self.remaining[resource_meta.job_id] > 0:
            return Resource(phase=ActionPhase.RUNNING)
        query = self.inputs[resource_meta.job_id]["query"]
        return Resource(phase="DONE", outputs={"rows": len(query), "echo": query})

    async def delete(self, resource_meta: CountdownMeta, **kwargs: Any) -> None:
        self.remaining.pop(resource_meta.job_id, None)


class QueryTask(AsyncConnectorExecutorMixin, TaskTemplate):  # type: ignore[type-arg]
    """A query-style task with no Python body."""

    _poll_initial_s = 0.001

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(
            name=name,
            interface=NativeInterface.from_types({"query": (str, None)}, {"rows": int, "echo": str}),
            task_type="countdown",
            image=None,
            **kwargs,
        )


@pytest.fixture
def countdown(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountdownConnector]:
    monkeypatch.setattr(ConnectorRegistry, "_REGISTRY", {})
    monkeypatch.setattr(ConnectorRegistry, "_METADATA", {})
    connector = CountdownConnector()
    ConnectorRegistry.register(connector)
    yield connector


def test_registry_finds_connectors_by_type_and_refuses_duplicates(countdown: CountdownConnector) -> None:
    assert ConnectorRegistry.get_connector("countdown") is countdown
    with pytest.raises(ValueError, match="Duplicate connector for task type: countdown"):
        ConnectorRegistry.register(CountdownConnector())
    replacement = CountdownConnector()
    ConnectorRegistry.register(replacement, override=True)
    assert ConnectorRegistry.get_connector("countdown", 0) is replacement
    with pytest.raises(ValueError, match="task type: countdown and version: 2"):
        ConnectorRegistry.get_connector("countdown", 2)
    (meta,) = ConnectorRegistry._list_connectors()
    assert meta.name == "Countdown" and meta.supported_task_types == [("countdown", 0)]
    with pytest.raises(TypeError, match="expects an AsyncConnector"):
        ConnectorRegistry.register(object())  # type: ignore[arg-type]


def test_resource_meta_round_trips_through_json() -> None:
    meta = CountdownMeta(job_id="j1", polls=2)
    assert CountdownMeta.decode(meta.encode()) == meta
    with pytest.raises(ValueError, match=r"CountdownMeta\.decode"):
        CountdownMeta.decode(b'{"unknown": 1}')


def test_phases_from_state_names() -> None:
    assert convert_to_flyte_phase("DONE") is ActionPhase.SUCCEEDED
    assert convert_to_flyte_phase("Cancelled") is ActionPhase.FAILED
    assert convert_to_flyte_phase("pending") is ActionPhase.INITIALIZING
    assert convert_to_flyte_phase("terminating") is ActionPhase.RUNNING
    with pytest.raises(ValueError, match="unrecognized job state 'exploded'"):
        convert_to_flyte_phase("exploded")
    assert is_terminal_phase(ActionPhase.ABORTED) and not is_terminal_phase(ActionPhase.RUNNING)
    assert Resource(phase="succeeded").phase is ActionPhase.SUCCEEDED
    assert Resource(phase="RUNNING").phase is ActionPhase.RUNNING


def test_a_template_task_runs_through_its_connector_inside_a_run(countdown: CountdownConnector) -> None:
    query = QueryTask("count_rows")
    env = flyte.TaskEnvironment("queries")

    @env.task
    async def report(q: str) -> str:
        rows, echo = await query.aio(query=q)
        return f"{echo}: {rows}"

    started = time.monotonic()
    run = flyte.with_runcontext(mode="local").run(report, "select 1")
    assert run.outputs()[0] == "select 1: 8"
    assert countdown.remaining == {"job0": 0}
    assert time.monotonic() - started < 5
