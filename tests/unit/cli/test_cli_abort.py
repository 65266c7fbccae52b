"""``flyte abort`` and Ctrl-C during ``flyte run --follow``: what they say, against a fake API."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import click
import httpx
import pytest

from flyte._internal import client as client_module
from flyte._internal import wire
from flyte.cli import _follow_abort
from flyte.cli._abort import CLI_REASON, LOCAL_RUNS
from flyte.cli._follow_abort import FOLLOW_REASON, offer_abort
from tests.unit.cli.run_helpers import flyte

ENDPOINT = "http://abort.test:8080"


@dataclass
class AbortApi:
    """Runs and actions by name with their phases; records the reasons of the aborts it gets."""

    phases: dict[str, str] = field(default_factory=dict)
    aborts: list[tuple[str, str]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answers GET and abort of ``/runs/{run}`` and ``/runs/{run}/actions/{action}``."""
        path = request.url.path.removeprefix(wire.API_PREFIX + "/runs/")
        abort = path.endswith("/abort")
        name = path.removesuffix("/abort").replace("/actions/", "/")
        phase = self.phases.get(name)
        if phase is None:
            return httpx.Response(404, json={"detail": f"No run or action '{name}'"})
        if abort:
            if phase in wire.TERMINAL_PHASES and phase != "ABORTED":
                return httpx.Response(409, json={"detail": f"'{name}' has already ended ({phase}): nothing to abort"})
            self.aborts.append((name, json.loads(request.content)["reason"]))
            self.phases[name] = phase = "ABORTED"
        if "/" in name:
            action = name.split("/")[1]
            fields = {"name": action, "parent": "a0", "kind": "task", "attempts": 1, "queued_at": time.time()}
            info = wire.ActionInfo.model_validate({**fields, "task_name": "t", "phase": phase})
            return httpx.Response(200, content=info.model_dump_json())
        run_fields = {"name": name, "project": "p", "domain": "d", "created_at": time.time()}
        run_info = wire.RunInfo.model_validate({**run_fields, "task_name": "t", "phase": phase})
        return httpx.Response(200, content=run_info.model_dump_json())


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[AbortApi]:
    """The fake API as the configured endpoint."""
    fake = AbortApi()
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", ENDPOINT)
    client = client_module.ApiClient(ENDPOINT, transport=httpx.MockTransport(fake.handle), retry_for=0.0)
    monkeypatch.setattr(client_module, "_clients", {ENDPOINT: client})
    yield fake
    client.close()


def test_abort_run_says_so_and_sends_the_reason(api: AbortApi) -> None:
    api.phases["r1"] = "RUNNING"
    result = flyte("abort", "run", "r1", "--reason", "wrong inputs")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Run r1 aborted: wrong inputs\n"
    assert api.aborts == [("r1", "wrong inputs")]
    assert flyte("abort", "run", "r1").stdout == "Run r1 was already aborted.\n"
    assert api.aborts == [("r1", "wrong inputs")]


def test_abort_run_has_a_default_reason(api: AbortApi) -> None:
    api.phases["r1"] = "QUEUED"
    assert flyte("abort", "run", "r1").exit_code == 0
    assert api.aborts == [("r1", CLI_REASON)]


def test_abort_of_an_ended_or_unknown_run_is_one_line(api: AbortApi) -> None:
    api.phases["done"] = "SUCCEEDED"
    ended = flyte("abort", "run", "done")
    assert ended.exit_code == 1
    assert ended.stderr == "Error: 'done' has already ended (SUCCEEDED): nothing to abort\n"
    missing = flyte("abort", "run", "nope")
    assert missing.exit_code == 1
    assert missing.stderr == "Error: No run or action 'nope'\n"


def test_abort_action(api: AbortApi) -> None:
    api.phases["r1/c1"] = "RUNNING"
    result = flyte("abort", "action", "r1", "c1", "--reason", "enough")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Action c1 of run r1 aborted: enough\n"
    assert api.aborts == [("r1/c1", "enough")]
    assert flyte("abort", "action", "r1", "c1").stdout == "Action c1 of run r1 was already aborted.\n"


def test_abort_without_a_server_is_one_line() -> None:
    result = flyte("abort", "run", "r1")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {LOCAL_RUNS}\n"
    assert "\n" not in LOCAL_RUNS


def test_abort_help_lists_both_commands() -> None:
    result = flyte("abort", "--help")
    assert result.exit_code == 0
    assert "run     Abort a run" in result.stdout
    assert "action  Abort one action" in result.stdout
    assert re.search(r"\n  abort +Abort a server run", flyte("--help").stdout)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _client(api: AbortApi) -> client_module.ApiClient:
    return client_module.ApiClient(ENDPOINT, transport=httpx.MockTransport(api.handle), retry_for=0.0)


def test_interrupt_off_a_terminal_leaves_the_run_and_says_how_to_abort(capsys: pytest.CaptureFixture[str]) -> None:
    api = AbortApi(phases={"r1": "RUNNING"})
    assert offer_abort(_client(api), "r1", stdin=io.StringIO()) is False
    assert capsys.readouterr().err == "Run r1 keeps running on the server; to abort it: flyte abort run r1\n"
    assert api.aborts == []


@pytest.mark.parametrize(("answer", "aborted"), [("y\n", True), ("n\n", False), ("\n", False)])
def test_interrupt_on_a_terminal_asks(
    answer: str, aborted: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    api = AbortApi(phases={"r1": "RUNNING"})
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    assert offer_abort(_client(api), "r1", stdin=_Terminal()) is aborted
    err = capsys.readouterr().err
    assert "Abort run r1 on the server? [y/N]: " in err
    if aborted:
        assert api.aborts == [("r1", FOLLOW_REASON)]
        assert err.endswith("Run r1 aborted.\n")
    else:
        assert api.aborts == []
        assert err.endswith("to abort it: flyte abort run r1\n")


def test_interrupted_follow_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*args: object, **kwargs: object) -> wire.RunInfo:
        raise KeyboardInterrupt

    monkeypatch.setattr(_follow_abort, "follow_run", interrupted)
    monkeypatch.setattr("sys.stdin", io.StringIO())
    api = AbortApi(phases={"r1": "RUNNING"})
    with pytest.raises(click.exceptions.Exit) as exited:
        _follow_abort.follow_or_abort(_client(api), "r1")
    assert exited.value.exit_code == 130
    assert "flyte abort run r1" in capsys.readouterr().err
