"""Serving apps locally for real: HTTP servers on 127.0.0.1, called from tasks and clients,
started and stopped through their handles."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

import flyte
import flyte.app
from flyte.app import AppEndpoint, AppEnvironment, Parameter, get_parameter
from flyte.errors import DeploymentError

task_env = flyte.TaskEnvironment(name="app-caller")


def _port_is_free(port: int) -> bool:
    """Nobody listens on the port any more (connections in TIME_WAIT may remain)."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class _Multiply(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        x, y = (int(v.split("=")[1]) for v in self.path.split("?")[1].split("&")) if "?" in self.path else (0, 0)
        body = str(x * y).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def _multiply_app(port: int) -> AppEnvironment:
    app = AppEnvironment(name="multiply", port=port, requires_auth=False)

    @app.server
    def serve() -> None:
        with HTTPServer(("127.0.0.1", port), _Multiply) as server:
            server.serve_forever(poll_interval=0.05)

    return app


_served: list[AppEnvironment] = []


@task_env.task
async def call_multiply(x: int, y: int) -> int:
    """Calls the app over HTTP at the endpoint the app environment reports."""
    async with httpx.AsyncClient() as client:
        response = await client.get(_served[0].endpoint, params={"x": x, "y": y})
        response.raise_for_status()
        return int(response.text)


def test_task_calls_a_sync_server_function(free_port: int) -> None:
    app = _multiply_app(free_port)
    _served[:] = [app]
    handle = flyte.with_servecontext(mode="local", health_check_path="/?x=1&y=1").serve(app)
    try:
        handle.activate(wait=True)
        assert handle.is_active() and not handle.is_deactivated()
        run = flyte.with_runcontext(mode="local").run(call_multiply, x=7, y=6)
        assert run.outputs()[0] == 42
    finally:
        handle.deactivate(wait=True)
        _served.clear()
    assert handle.is_deactivated() and not handle.is_active()
    assert _port_is_free(free_port)
    # A stopped app starts again.
    with handle.ephemeral_ctx_sync():
        assert httpx.get(f"{handle.endpoint}/?x=2&y=3").text == "6"
    assert handle.is_deactivated()


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    context = flyte.app.ctx()
    body = f"{get_parameter('greeting')}|{os.environ['GREETING_ENV']}|{context.mode}|{context.project}".encode()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    writer.close()
    await writer.wait_closed()


def test_async_server_with_hooks_parameters_and_env(free_port: int) -> None:
    events: list[str] = []
    app = AppEnvironment(
        name="greeter",
        port=free_port,
        parameters=[Parameter("greeting", "hello", env_var="GREETING_ENV"), Parameter("unused", "x")],
    )

    @app.on_startup
    async def start(greeting: str) -> None:
        events.append(f"start:{greeting}")

    @app.server
    async def serve(**kwargs: str) -> None:
        events.append(f"serve:{sorted(kwargs)}")
        server = await asyncio.start_server(_answer, "127.0.0.1", free_port)
        async with server:
            await server.serve_forever()

    @app.on_shutdown
    def stop() -> None:
        events.append("stop")

    assert "GREETING_ENV" not in os.environ
    serve_ctx = flyte.with_servecontext(
        mode="local", project="proj", parameter_values={"greeter": {"greeting": "bonjour"}}
    )
    handle = serve_ctx.serve(app)
    with handle.ephemeral_ctx_sync():
        assert httpx.get(f"{handle.endpoint}/").text == "bonjour|bonjour|local|proj"
        assert app.endpoint == handle.endpoint
    assert events == ["start:bonjour", "serve:['greeting', 'unused']", "stop"]
    assert "GREETING_ENV" not in os.environ
    assert _port_is_free(free_port)


def test_failing_server_is_reported_by_activate(free_port: int) -> None:
    app = AppEnvironment(name="broken", port=free_port)

    attempts: list[int] = []

    @app.server
    def serve() -> None:
        attempts.append(1)
        raise RuntimeError("no database")

    handle = flyte.serve(app)
    with pytest.raises(DeploymentError, match="'broken' stopped before it became active: RuntimeError: no database"):
        handle.activate(wait=True)
    assert handle.is_deactivated()
    # A failed app is not silently restarted; once deactivated, activate starts it afresh.
    with pytest.raises(DeploymentError, match="no database"):
        handle.activate()
    assert len(attempts) == 1
    handle.deactivate(wait=True)
    with pytest.raises(DeploymentError, match="no database"):
        handle.activate(wait=True)
    assert len(attempts) == 2


def test_silent_servers_time_out_and_still_stop(free_port: int) -> None:
    sync_app = AppEnvironment(name="silent-sync", port=free_port)
    stop = threading.Event()

    @sync_app.server
    def serve() -> None:
        while not stop.is_set():
            stop.wait(0.05)

    handle = flyte.with_servecontext(activate_timeout=0.3).serve(sync_app)
    with pytest.raises(TimeoutError, match="'silent-sync' did not answer"):
        handle.activate(wait=True)
    handle.deactivate(wait=True)
    assert handle.is_deactivated() and not stop.is_set()

    async_app = AppEnvironment(name="silent-async", port=free_port)

    @async_app.server
    async def serve_async() -> None:
        await asyncio.Event().wait()

    handle = flyte.with_servecontext(activate_timeout=0.3).serve(async_app)
    with pytest.raises(TimeoutError, match="'silent-async'"):
        handle.activate(wait=True)
    handle.deactivate(wait=True)
    assert handle.is_deactivated()


_PARAM_SERVER = """
import http.server, os, sys
import flyte.app

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (flyte.app.get_parameter("word") + "|" + os.environ["EXTRA"] + "|" + flyte.app.ctx().mode).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


async def test_command_app_in_a_subprocess(free_port: int, tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(_PARAM_SERVER)
    app = AppEnvironment(
        name="proc-app",
        port=free_port,
        args=[sys.executable, str(script), str(free_port)],
        parameters=[Parameter("word", "hi")],
    )
    handle = await flyte.with_servecontext(env_vars={"EXTRA": "e"}).serve.aio(app)
    async with handle.ephemeral_ctx(), httpx.AsyncClient() as client:
        assert (await client.get(handle.endpoint)).text == "hi|e|local"
    assert handle.is_deactivated()
    assert _port_is_free(free_port)


def test_exiting_process_is_reported(free_port: int) -> None:
    app = AppEnvironment(name="quits", port=free_port, command=[sys.executable, "-c", "raise SystemExit(3)"])
    handle = flyte.serve(app)
    with pytest.raises(DeploymentError, match=r"'quits' stopped before it became active.*exited with code 3"):
        handle.activate(wait=True)


def test_fastapi_app_and_app_endpoint_parameter(free_port: int) -> None:
    import fastapi

    from flyte.app.extras import FastAPIAppEnvironment

    api = fastapi.FastAPI()

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/double/{n}")
    def double(n: int) -> dict[str, int]:
        return {"result": 2 * n}

    backend = FastAPIAppEnvironment(name="backend", app=api, port=free_port)
    assert backend.links[0].path == "/docs" and backend.type == "FastAPI"
    backend_handle = flyte.serve(backend)
    with backend_handle.ephemeral_ctx_sync():
        assert httpx.get(f"{backend.endpoint}/double/21").json() == {"result": 42}
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            front_port = s.getsockname()[1]
        seen: list[str] = []
        front = AppEnvironment(
            name="front", port=front_port, parameters=[Parameter("upstream", AppEndpoint(app_name="backend"))]
        )

        @front.server
        def serve(upstream: str) -> None:
            seen.append(upstream)

        flyte.serve(front).deactivate(wait=True)
        assert seen == [backend_handle.endpoint]
    assert _port_is_free(free_port)


def test_a_fastapi_app_stopped_while_starting_ends_its_lifespan_in_order(
    free_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    import contextlib

    import fastapi

    from flyte.app.extras import FastAPIAppEnvironment

    ended: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: fastapi.FastAPI) -> Any:
        yield
        ended.append("shutdown")

    env = FastAPIAppEnvironment(name="quick", app=fastapi.FastAPI(lifespan=lifespan), port=free_port)
    with caplog.at_level("ERROR", logger="uvicorn.error"):
        for _ in range(3):
            flyte.serve(env).deactivate(wait=True)
    assert [r.getMessage() for r in caplog.records if r.name == "uvicorn.error"] == []
    assert ended == ["shutdown"] * len(ended) and _port_is_free(free_port)


def test_fastapi_app_must_be_fastapi() -> None:
    from flyte.app.extras import FastAPIAppEnvironment

    with pytest.raises(TypeError, match=r"'api': app must be a fastapi\.FastAPI"):
        FastAPIAppEnvironment(name="api", app="nope")  # type: ignore[arg-type]


def test_request_threads_see_parameters_and_context(free_port: int) -> None:
    from http.server import ThreadingHTTPServer

    class Echo(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"{get_parameter('word')}|{flyte.app.ctx().mode}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    app = AppEnvironment(name="threaded", port=free_port, parameters=[Parameter("word", "hey")])

    @app.server
    def serve() -> None:
        with ThreadingHTTPServer(("127.0.0.1", free_port), Echo) as server:
            server.daemon_threads = True
            server.serve_forever(poll_interval=0.05)

    with flyte.serve(app).ephemeral_ctx_sync():
        assert httpx.get(f"http://127.0.0.1:{free_port}/").text == "hey|local"
    assert flyte.app.ctx().mode == "remote"
