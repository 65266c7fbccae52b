"""``flyte run`` and ``flyte get`` with an endpoint: everything goes through the server's API
(an in-memory fake here)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flyte._internal import client as client_module
from flyte._internal import wire
from flyte._internal.client import client_for
from flyte._internal.serde import pack
from flyte.cli._follow import follow_run
from tests.unit.cli.run_helpers import flyte, forget_modules, write
from tests.unit.remote.fake_server import ENDPOINT, FakeServer, Outcome, install

HELLO = """
    import flyte

    env = flyte.TaskEnvironment(name="hello")


    @env.task
    async def main(name: str = "world") -> str:
        print(f"greeting {name}")
        return f"Hello, {name}!"
"""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """A fake server as the configured endpoint, and ``hello.py`` in the working folder."""
    before_path, before_modules = list(sys.path), set(sys.modules)
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", ENDPOINT)
    write(Path("hello.py"), HELLO)
    server = FakeServer()
    install(monkeypatch, server)
    yield server
    forget_modules(before_path, before_modules)


def test_run_creates_the_run_and_returns(fake: FakeServer) -> None:
    result = flyte("run", "--name", "ada-run", "-e", "K=V", "hello.py", "main", "--name", "Ada")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["Run:     ada-run (QUEUED)", f"URL:     {ENDPOINT}/runs/ada-run"]
    [request] = fake.created
    assert (request.task.name, request.task.module, request.env_vars) == ("hello.main", "hello.py", {"K": "V"})
    assert request.bundle in fake.bundles


def test_run_follow_streams_logs_and_prints_outputs(fake: FakeServer) -> None:
    fake.outcome = lambda request: Outcome(outputs=pack("Hello, Ada!"), logs=["greeting Ada"])
    result = flyte("run", "--follow", "hello.py", "main", "--name", "Ada")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Run:     r") and lines[1].startswith(f"URL:     {ENDPOINT}/runs/r")
    assert lines[2:] == [
        "greeting Ada",
        "Actions: 1 succeeded",
        lines[0].replace("QUEUED", "SUCCEEDED"),
        "Outputs:",
        "  o0 = 'Hello, Ada!'",
    ]


def test_run_follow_of_a_failing_task_exits_1_with_a_hint(fake: FakeServer) -> None:
    error = wire.ErrorInfo(code="ValueError", message="bad\nname", traceback="Traceback ...")
    fake.outcome = lambda request: Outcome(phase="FAILED", error=error)
    result = flyte("run", "--follow", "--name", "bad-run", "hello.py", "main")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: run bad-run failed: ValueError: bad name",
        "Hint: the error comes from the task's code; see its traceback with: flyte get io bad-run",
    ]


def test_an_unreachable_server_is_a_one_line_error(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    api = client_module.ApiClient(ENDPOINT, transport=httpx.MockTransport(refuse), retry_for=0.0)
    monkeypatch.setattr(client_module, "_clients", {ENDPOINT: api})
    result = flyte("run", "hello.py", "main")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: cannot reach the flyte server at {ENDPOINT}: ConnectError: connection refused\n")


def test_get_reads_the_server(fake: FakeServer) -> None:
    fake.outcome = lambda request: Outcome(outputs=pack("Hello, Ada!"), logs=["one", "two"])
    assert flyte("run", "--name", "r-1", "hello.py", "main", "--name", "Ada").exit_code == 0
    listing = flyte("get", "runs").stdout.splitlines()
    assert listing[1].split()[:3] == ["r-1", "hello.main", "SUCCEEDED"]
    assert flyte("get", "run", "r-1").stdout.splitlines()[-1].split()[:3] == ["a0", "hello.main", "SUCCEEDED"]
    assert flyte("get", "io", "r-1").stdout.splitlines()[1:] == [
        "Inputs:",
        "  name = 'Ada'",
        "Outputs:",
        "  o0 = 'Hello, Ada!'",
    ]
    assert flyte("get", "logs", "r-1").stdout == "one\ntwo\n"
    assert flyte("get", "logs", "r-1", "--follow").stdout == "one\ntwo\n"
    logged = [json.loads(line) for line in flyte("get", "logs", "r-1", "--output-format", "json").stdout.splitlines()]
    assert [(line["seq"], line["text"]) for line in logged] == [(1, "one"), (2, "two")]


def test_get_of_an_unknown_run_is_the_servers_message(fake: FakeServer) -> None:
    result = flyte("get", "run", "nope")
    assert (result.exit_code, result.stderr) == (1, "Error: No run named 'nope'\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_follow_on_a_terminal_draws_logs_above_a_transient_status_line(fake: FakeServer) -> None:
    spec = wire.TaskSpec(name="hello.main", module="hello.py")
    fake.add_run(wire.CreateRunRequest(name="r-1", task=spec, inputs=pack({})), Outcome(logs=["printed"]))
    out = _Terminal()
    info = follow_run(client_for(ENDPOINT), "r-1", out)
    assert info.phase == "SUCCEEDED"
    assert "printed" in out.getvalue()
    assert "Actions:" not in out.getvalue()  # the counts live in the redrawn line instead
