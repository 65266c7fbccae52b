"""An in-memory stand-in for the flyte server's client API, served through httpx.MockTransport.

It speaks the contract of :mod:`flyte._internal.wire` for the endpoints clients use, keeps
what it is sent, and lets a test decide how each created run ends (``outcome``). Installed
with :func:`install`, every ``ApiClient`` the code under test gets for ``ENDPOINT`` talks to it.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter

from flyte._internal import client as client_module
from flyte._internal import wire

ENDPOINT = "http://flyte.test:8080"
_RUN = re.compile(r"^/api/v1/runs/([^/]+)(/.*)?$")


@dataclass
class Outcome:
    """How a created run ends: its phase, the root's outputs or error, and the root's log lines."""

    phase: str = "SUCCEEDED"
    outputs: bytes | None = None
    error: wire.ErrorInfo | None = None
    logs: list[str] = field(default_factory=list)
    children: list[wire.ActionDetail] = field(default_factory=list)


@dataclass
class FakeServer:
    """The server's state and its request handler."""

    outcome: Callable[[wire.CreateRunRequest], Outcome | None] = lambda request: None
    runs: dict[str, wire.RunInfo] = field(default_factory=dict)
    actions: dict[str, dict[str, wire.ActionDetail]] = field(default_factory=dict)
    logs: dict[tuple[str, str], list[wire.StoredLogLine]] = field(default_factory=dict)
    bundles: dict[str, bytes] = field(default_factory=dict)
    created: list[wire.CreateRunRequest] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def add_run(self, request: wire.CreateRunRequest, outcome: Outcome | None = None) -> wire.RunInfo:
        """Stores a run (and its root action), ended as ``outcome`` says, or queued."""
        name = request.name or f"r{len(self.runs)}"
        now = time.time()
        ended = outcome is not None
        phase = outcome.phase if outcome is not None else "QUEUED"
        error = outcome.error if outcome is not None else None
        info = wire.RunInfo(
            name=name,
            project=request.project,
            domain=request.domain,
            task_name=request.task.name,
            phase=phase,  # type: ignore[arg-type]
            created_at=now,
            started_at=now,
            ended_at=now if ended else None,
            error=error,
            url=f"{ENDPOINT}/runs/{name}",
        )
        self.runs[name] = info
        root = wire.ActionDetail(
            name="a0",
            parent=None,
            task_name=request.task.name,
            kind="task",
            phase=phase,  # type: ignore[arg-type]
            attempts=1,
            queued_at=now,
            started_at=now,
            ended_at=info.ended_at,
            error=error,
            inputs=request.inputs,
            outputs=outcome.outputs if outcome is not None else None,
        )
        self.actions[name] = {"a0": root}
        for child in outcome.children if outcome is not None else []:
            self.actions[name][child.name] = child
        lines = outcome.logs if outcome is not None else []
        self.logs[(name, "a0")] = [
            wire.StoredLogLine(seq=i + 1, attempt=1, ts=now, text=text) for i, text in enumerate(lines)
        ]
        return info

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answers one request as the server would."""
        path, method = request.url.path, request.method
        self.requests.append((method, path))
        if path == "/api/v1/info":
            return _json(wire.ServerInfo(version="test", store="memory://store", database="fake"))
        if path.startswith("/api/v1/bundles/"):
            return self._bundle(method, path.rsplit("/", 1)[1], request.content)
        if path == "/api/v1/runs" and method == "POST":
            body = wire.CreateRunRequest.model_validate_json(request.content)
            if body.name in self.runs:
                return _detail(409, f"A run named '{body.name}' exists already")
            self.created.append(body)
            return _json(self.add_run(body, self.outcome(body)), 201)
        if path == "/api/v1/runs":
            runs = sorted(self.runs.values(), key=lambda r: r.created_at, reverse=True)
            phase = request.url.params.get("phase")
            runs = [r for r in runs if phase is None or r.phase == phase]
            limit = int(request.url.params.get("limit", "50"))
            return _json_list(wire.RunInfo, runs[:limit])
        match = _RUN.match(path)
        assert match is not None, path
        return self._run(method, match.group(1), match.group(2) or "", request)

    def _bundle(self, method: str, digest: str, content: bytes) -> httpx.Response:
        if method == "PUT":
            if hashlib.sha256(content).hexdigest() != digest:
                return _detail(400, "The bundle's content does not match its hash")
            self.bundles[digest] = content
            return httpx.Response(204)
        return httpx.Response(200 if digest in self.bundles else 404)

    def _run(self, method: str, name: str, rest: str, request: httpx.Request) -> httpx.Response:
        info = self.runs.get(name)
        if info is None:
            return _detail(404, f"No run named '{name}'")
        if rest in ("", "/wait"):
            return _json(info)
        if rest == "/abort" and method == "POST":
            self.runs[name] = info.model_copy(update={"phase": "ABORTED", "ended_at": time.time()})
            return _json(self.runs[name])
        if rest == "/actions":
            actions = [
                wire.ActionInfo(**a.model_dump(exclude={"inputs", "outputs", "report"}))
                for a in self.actions[name].values()
            ]
            return _json_list(wire.ActionInfo, actions)
        action_name = rest.split("/")[2]
        action = self.actions[name].get(action_name)
        if action is None:
            return _detail(404, f"No action '{action_name}' in run '{name}'")
        if rest.endswith("/logs"):
            after = int(request.url.params.get("after", "0"))
            lines = [line for line in self.logs.get((name, action_name), []) if line.seq > after]
            done = action.phase in wire.TERMINAL_PHASES and not lines
            chunk = wire.LogChunk(lines=lines, next_seq=lines[-1].seq if lines else after, done=done)
            return _json(chunk)
        return _json(action)


def _json(model: wire.BaseModel, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=model.model_dump_json(), headers={"content-type": "application/json"})


def _json_list(model: type[Any], items: list[Any]) -> httpx.Response:
    content = TypeAdapter(list[model]).dump_json(items)  # type: ignore[valid-type]
    return httpx.Response(200, content=content, headers={"content-type": "application/json"})


def _detail(status: int, detail: str) -> httpx.Response:
    return httpx.Response(status, content=json.dumps({"detail": detail}), headers={"content-type": "application/json"})


def install(monkeypatch: pytest.MonkeyPatch, fake: FakeServer, endpoint: str = ENDPOINT) -> client_module.ApiClient:
    """Makes ``client_for(endpoint)`` return a client of ``fake``; returns that client."""
    api = client_module.ApiClient(endpoint, transport=httpx.MockTransport(fake.handle), retry_for=0.0)
    monkeypatch.setattr(client_module, "_clients", {client_module.normalize_endpoint(endpoint): api})
    return api
