"""Following a server run streams the logs of its child actions too, each line prefixed with the
child's name (against the in-memory fake server)."""

from __future__ import annotations

import io
import time

import pytest

from flyte._internal import wire
from flyte._internal.client import client_for
from flyte._internal.serde import pack
from flyte.cli._follow import follow_run
from tests.unit.remote.fake_server import ENDPOINT, FakeServer, Outcome, install


def _child(name: str, kind: str = "task") -> wire.ActionDetail:
    now = time.time()
    return wire.ActionDetail(
        name=name,
        parent="a0",
        task_name="hello.child",
        kind=kind,  # type: ignore[arg-type]
        phase="SUCCEEDED",
        attempts=1,
        queued_at=now,
        started_at=now,
        ended_at=now,
    )


def _lines(*texts: str) -> list[wire.StoredLogLine]:
    return [wire.StoredLogLine(seq=i + 1, attempt=1, ts=time.time(), text=t) for i, t in enumerate(texts)]


def test_child_lines_are_prefixed_with_their_action(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeServer()
    install(monkeypatch, fake)
    spec = wire.TaskSpec(name="hello.main", module="hello.py")
    outcome = Outcome(logs=["root line"], children=[_child("c1"), _child("c2"), _child("t1", kind="trace")])
    fake.add_run(wire.CreateRunRequest(name="r-1", task=spec, inputs=pack({})), outcome)
    fake.logs[("r-1", "c1")] = _lines("one from c1", "two from c1")
    fake.logs[("r-1", "c2")] = _lines("one from c2")
    out = io.StringIO()
    info = follow_run(client_for(ENDPOINT), "r-1", out)
    assert info.phase == "SUCCEEDED"
    lines = out.getvalue().splitlines()
    assert lines[0] == "root line"
    assert [line for line in lines if line.startswith("[")] == [
        "[c1] one from c1",
        "[c1] two from c1",
        "[c2] one from c2",
    ]
    # Traces log in their parent: their logs are never asked for.
    assert not any("/actions/t1/logs" in path for _, path in fake.requests)
    # A child whose stream is done is not asked again.
    c1_polls = [path for _, path in fake.requests if path.endswith("/actions/c1/logs")]
    assert len(c1_polls) <= 3
