"""ApiClient: one method per endpoint, errors mapped to flyte errors, restarts ridden out."""

from __future__ import annotations

import hashlib
import json
import logging

import httpx
import pytest

from flyte._internal import client as client_module
from flyte._internal import wire
from flyte._internal.client import ApiClient, client_for, normalize_endpoint
from flyte.errors import ActionNotFoundError, RunNotFoundError, RuntimeSystemError, RuntimeUserError
from tests.unit.remote.fake_server import ENDPOINT, FakeServer, Outcome

SPEC = wire.TaskSpec(name="env.t", module="wf.py")


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff that starts at a millisecond, so retries cost the tests no time."""
    monkeypatch.setattr(client_module, "_FIRST_DELAY", 0.001)


def _client(handler: httpx.MockTransport | FakeServer, retry_for: float = 0.0) -> ApiClient:
    transport = handler if isinstance(handler, httpx.MockTransport) else httpx.MockTransport(handler.handle)
    return ApiClient(ENDPOINT, transport=transport, retry_for=retry_for)


def _run_json(name: str = "r1", phase: str = "RUNNING") -> dict[str, object]:
    return {"name": name, "project": "p", "domain": "d", "task_name": "env.t", "phase": phase, "created_at": 1.0}


class Flaky:
    """Fails the first ``failures`` requests (connection refused, or a 503), then answers."""

    def __init__(self, failures: int, status: int | None = None) -> None:
        self.failures = failures
        self.status = status
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls <= self.failures:
            if self.status is None:
                raise httpx.ConnectError("connection refused", request=request)
            return httpx.Response(self.status, json={"detail": "restarting"})
        return httpx.Response(200, json=_run_json(phase="SUCCEEDED"))


@pytest.mark.usefixtures("quick_backoff")
@pytest.mark.parametrize("status", [None, 503, 500])
def test_connection_errors_and_5xx_are_retried_until_the_server_answers(status: int | None) -> None:
    flaky = Flaky(3, status)
    info = _client(httpx.MockTransport(flaky), retry_for=30.0).wait_run("r1", timeout=0)
    assert info.phase == "SUCCEEDED"
    assert flaky.calls == 4


@pytest.mark.usefixtures("quick_backoff")
def test_retrying_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flyte"):
        _client(httpx.MockTransport(Flaky(2)), retry_for=30.0).get_run("r1")
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"flyte server at {ENDPOINT}: ConnectError: connection refused; retrying")


def test_retries_stop_after_the_retry_window() -> None:
    flaky = Flaky(1000)
    with pytest.raises(RuntimeSystemError) as info:
        _client(httpx.MockTransport(flaky), retry_for=0.25).get_run("r1")
    assert info.value.code == "ServerUnavailable"
    assert f"cannot reach the flyte server at {ENDPOINT}: ConnectError: connection refused" in str(info.value)
    assert 2 <= flaky.calls <= 4  # 0.1s then 0.2s of backoff fit in the window, 0.4s does not


def test_a_lasting_server_error_is_a_system_error_with_the_detail() -> None:
    with pytest.raises(RuntimeSystemError) as info:
        _client(httpx.MockTransport(Flaky(1000, 500))).get_run("r1")
    assert info.value.code == "ServerError"
    assert "500 restarting" in str(info.value)


def test_not_found_names_the_run_or_the_action() -> None:
    fake = FakeServer()
    fake.add_run(wire.CreateRunRequest(name="r1", task=SPEC, inputs=b"\x80"))
    client = _client(fake)
    with pytest.raises(RunNotFoundError, match="No run named 'nope'"):
        client.get_run("nope")
    with pytest.raises(RunNotFoundError):
        client.list_actions("nope")
    with pytest.raises(ActionNotFoundError, match="No action 'a9' in run 'r1'"):
        client.get_action("r1", "a9")
    with pytest.raises(ActionNotFoundError):
        client.action_logs("r1", "a9")


def test_other_4xx_are_user_errors_named_by_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/abort"):
            return httpx.Response(409, json={"detail": "Run 'r1' has ended"})
        body = {"detail": [{"loc": ["body", "name"], "msg": "String should match pattern"}]}
        return httpx.Response(422, json=body)

    client = _client(httpx.MockTransport(handler))
    with pytest.raises(RuntimeUserError) as conflict:
        client.abort_run("r1")
    assert (conflict.value.code, conflict.value.message) == ("Conflict", "Run 'r1' has ended")
    with pytest.raises(RuntimeUserError) as invalid:
        client.list_runs()
    assert (invalid.value.code, invalid.value.message) == (
        "UnprocessableEntity",
        "body.name: String should match pattern",
    )


def test_create_run_conflicts_unless_a_lost_response_created_it(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeServer()
    request = wire.CreateRunRequest(name="r1", task=SPEC, inputs=b"\x80")
    client = _client(fake)
    assert client.create_run(request).name == "r1"
    with pytest.raises(RuntimeUserError) as info:
        client.create_run(request)
    assert info.value.code == "Conflict"

    # The server creates the run but the response is lost: the retry's conflict is that run.
    lost = {"done": False}

    def losing(req: httpx.Request) -> httpx.Response:
        response = fake.handle(req)
        if req.method == "POST" and not lost["done"]:
            lost["done"] = True
            raise httpx.ReadError("connection reset", request=req)
        return response

    monkeypatch.setattr(client_module, "_FIRST_DELAY", 0.001)
    retried = _client(httpx.MockTransport(losing), retry_for=30.0)
    info2 = retried.create_run(request.model_copy(update={"name": "r2"}))
    assert info2.name == "r2"
    assert [r.name for r in fake.created] == ["r1", "r2"]


def test_bundles_head_and_put() -> None:
    fake = FakeServer()
    client = _client(fake)
    data = b"bundle bytes"
    digest = hashlib.sha256(data).hexdigest()
    assert not client.has_bundle(digest)
    client.put_bundle(digest, data)
    assert client.has_bundle(digest)
    with pytest.raises(RuntimeUserError, match="does not match its hash"):
        client.put_bundle("0" * 64, data)


def test_list_runs_sends_only_the_filters_given() -> None:
    seen: list[httpx.QueryParams] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params)
        return httpx.Response(200, json=[_run_json()])

    runs = _client(httpx.MockTransport(handler)).list_runs(phase="RUNNING", limit=5)
    assert [r.name for r in runs] == ["r1"]
    assert dict(seen[0]) == {"phase": "RUNNING", "limit": "5"}


def test_logs_and_actions_round_trip_the_wire_models() -> None:
    fake = FakeServer()
    fake.add_run(
        wire.CreateRunRequest(name="r1", task=SPEC, inputs=b"\x80"),
        Outcome(outputs=b"\xa2ok", logs=["one", "two"]),
    )
    client = _client(fake)
    first = client.action_logs("r1", "a0")
    assert [line.text for line in first.lines] == ["one", "two"] and not first.done
    assert client.action_logs("r1", "a0", after=first.next_seq).done
    assert client.get_action("r1", "a0").outputs == b"\xa2ok"
    assert [a.name for a in client.list_actions("r1")] == ["a0"]
    assert ("GET", "/api/v1/runs/r1/actions/a0/logs") in fake.requests


def test_long_polls_get_a_read_timeout_beyond_their_wait() -> None:
    timeouts: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return httpx.Response(200, json=_run_json())

    _client(httpx.MockTransport(handler)).wait_run("r1", timeout=30)
    assert timeouts[0]["read"] == 60.0


def test_info_and_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "_clients", {})

    def handler(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "http://127.0.0.1:8080/api/v1/info"
        return httpx.Response(200, content=json.dumps({"version": "1", "store": "s3://b", "database": "sqlite"}))

    client = ApiClient("127.0.0.1:8080/", transport=httpx.MockTransport(handler))
    assert client.info().store == "s3://b"
    assert normalize_endpoint("https://x.example/") == "https://x.example"
    assert client_for("http://a:1") is client_for("http://a:1/")
