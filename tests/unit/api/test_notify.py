"""flyte.notify: a local run sends its notifications when it ends, to a real HTTP server here;
a notification that cannot be delivered is a warning and leaves the run's outcome alone."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import flyte
from flyte import notify
from flyte.errors import ConfigError
from flyte.models import ActionPhase

env = flyte.TaskEnvironment("notify-env")


@env.task
async def add(x: int, y: int) -> int:
    if x < 0:
        raise ValueError("negative")
    return x + y


class _Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], object]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                receiver.requests.append((self.command, self.path, dict(self.headers), body))
                self.send_response(200)
                self.end_headers()

            do_POST = do_PUT = _record

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver()
    yield server
    server.close()


def test_a_local_run_sends_the_notifications_of_its_final_phase(receiver: _Receiver) -> None:
    notifications = (
        notify.Webhook(
            on_phase=(ActionPhase.SUCCEEDED, ActionPhase.FAILED),
            url=receiver.url + "/hook/{{.Run.Name}}",
            method="PUT",
            headers={"X-Run": "{{.Run.Name}}"},
            body={"phase": "{{.Phase}}", "task": "{task.name}", "error": "{{.Error}}"},
        ),
        notify.Slack(on_phase=ActionPhase.FAILED, webhook_url=receiver.url + "/slack", message="{{.Run.Name}} failed"),
    )
    flyte.with_runcontext(mode="local", name="note-ok", notifications=notifications).run(add, 1, 2)
    [(method, path, headers, body)] = receiver.requests
    assert (method, path) == ("PUT", "/hook/note-ok")
    assert body == {"phase": "SUCCEEDED", "task": "notify-env.add", "error": ""}
    assert headers["X-Run"] == "note-ok"

    receiver.requests.clear()
    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(mode="local", name="note-bad", notifications=notifications).run(add, -1, 2)
    paths = sorted(request[1] for request in receiver.requests)
    assert paths == ["/hook/note-bad", "/slack"]
    slack = next(request for request in receiver.requests if request[1] == "/slack")
    assert slack[3] == {"text": "note-bad failed"}
    hook = next(request for request in receiver.requests if request[1] == "/hook/note-bad")
    assert isinstance(hook[3], dict) and "ValueError" in hook[3]["error"]


def test_an_undeliverable_notification_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    gone = notify.Webhook(on_phase=ActionPhase.SUCCEEDED, url="http://127.0.0.1:9/nothing-listens")
    with caplog.at_level(logging.WARNING, logger="flyte"):
        run = flyte.with_runcontext(mode="local", notifications=gone).run(add, 1, 2)
    assert run.outputs()[0] == 3
    assert "the Webhook notification was not delivered" in caplog.text


def test_notifications_check_their_phases_and_kind() -> None:
    with pytest.raises(ValueError, match="a run cannot end in RUNNING"):
        notify.Email(on_phase=ActionPhase.RUNNING, recipients=("a@example.com",))
    assert notify.Email(on_phase="succeeded", recipients="a@example.com").recipients == ("a@example.com",)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="NamedRule 'oncall' is configured on a server"):
        flyte.with_runcontext(notifications=notify.NamedRule("oncall"))
