"""``flyte serve``: serving an app from a file until it is stopped, and its one-line errors."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from flyte.app._local import local_app_named
from flyte.cli import main as cli_main
from flyte.cli._serve import serve

_APP_FILE = """
from http.server import BaseHTTPRequestHandler, HTTPServer

from flyte.app import AppEnvironment

app_env = AppEnvironment(name="cli-app", port={port})


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass


@app_env.server
def run():
    with HTTPServer(("127.0.0.1", {port}), Hello) as server:
        server.serve_forever(poll_interval=0.05)
"""


@pytest.fixture
def app_file(tmp_path: Path, free_port: int) -> Iterator[Path]:
    """The app file, forgotten by the import system afterwards so the next test loads its own."""
    path = tmp_path / "cli_app.py"
    path.write_text(_APP_FILE.format(port=free_port))
    yield path
    sys.modules.pop("cli_app", None)


def test_serve_local_until_stopped(app_file: Path, free_port: int) -> None:
    results: list[Result] = []
    worker = threading.Thread(
        target=lambda: results.append(CliRunner().invoke(serve, ["--local", str(app_file), "app_env"]))
    )
    worker.start()
    deadline = time.monotonic() + 20
    handle = None
    while handle is None or not handle.is_active():
        assert time.monotonic() < deadline, "the app did not come up"
        assert worker.is_alive(), results[0].output if results else "the command ended"
        handle = local_app_named("cli-app")
    assert httpx.get(f"http://127.0.0.1:{free_port}/").text == "hello"
    handle.deactivate(wait=True)
    worker.join(10)
    assert not worker.is_alive()
    assert results[0].exit_code == 0, results[0].output
    assert f"Serving app 'cli-app' at http://localhost:{free_port}" in results[0].output
    assert "App 'cli-app' stopped" in results[0].output


def test_unknown_app_lists_the_apps(app_file: Path) -> None:
    result = CliRunner().invoke(serve, ["--local", str(app_file), "nope"])
    assert result.exit_code == 1
    assert f"{app_file} has no app environment 'nope' (it has: app_env)" in result.output


def test_serving_to_a_server_is_one_line_error(app_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        cli_main.main.lazy_commands, "serve", cli_main.LazyCommand("flyte.cli._serve", "serve", "Serve an app.")
    )
    result = CliRunner().invoke(cli_main.main, ["--endpoint", "http://127.0.0.1:1", "serve", str(app_file), "app_env"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        "Error: Cannot serve app 'cli-app' remotely: this server does not host apps yet; "
        "serve it locally with flyte.with_servecontext(mode='local')"
    ]
