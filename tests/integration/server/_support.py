"""Helpers of the server integration tests: workflow files, a connected SDK, the CLI, the database.

A workflow is written to a file of its own in the test's working folder (a unique module name,
since test processes are reused) and imported; ``connect`` points ``flyte.init`` at the server
with that folder as the bundle root, so the server's workers import the same file.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import flyte
from flyte._internal.module_loader import load_file
from tests.fixtures.server import ServerHandle

FLYTE = Path(sys.executable).parent / "flyte"
DEADLINE_S = 60.0


def wait_until(what: str, check: Callable[[], bool], timeout: float = DEADLINE_S) -> None:
    """Polls ``check`` until it holds; fails the test, naming ``what``, after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.1)


def load_workflow(source: str, folder: Path | None = None) -> ModuleType:
    """Writes ``source`` (dedented) to a new module in ``folder`` (the cwd by default) and imports it."""
    folder = folder or Path.cwd()
    path = folder / f"wf_{secrets.token_hex(4)}.py"
    path.write_text(textwrap.dedent(source))
    return load_file(path)


def connect(server: ServerHandle, root: Path | None = None) -> None:
    """Points this process's SDK at ``server``, bundling the code under ``root`` (the cwd)."""
    flyte.init(endpoint=server.endpoint, root_dir=root or Path.cwd())


def finished(run: flyte.Run, timeout: float = 60.0) -> flyte.remote.Run:
    """The run as the server has it once it has ended (``TimeoutError`` after ``timeout`` s)."""
    remote = flyte.remote.Run.get(run.name)
    remote.wait(timeout=timeout)
    return remote


def cli_env(server: ServerHandle) -> dict[str, str]:
    """The environment of a ``flyte`` command configured (only) by ``FLYTE_ADMIN_ENDPOINT``."""
    return {**os.environ, "FLYTE_ADMIN_ENDPOINT": server.endpoint, "NO_COLOR": "1", "COLUMNS": "200"}


def flyte_cli(server: ServerHandle, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Runs the ``flyte`` console script against ``server`` in the cwd; never raises on failure."""
    return subprocess.run(
        [str(FLYTE), *args],
        env=cli_env(server),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def count_rows(server: ServerHandle, table: str, **where: str) -> int:
    """How many rows of the server's ``table`` match ``where`` (column = value), read directly."""
    from sqlalchemy import create_engine, text

    from flyte.server.db.database import normalise_url

    engine = create_engine(normalise_url(server.db_url))
    try:
        clause = " AND ".join(f"{column} = :{column}" for column in where) or "1 = 1"
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE {clause}"), where).scalar_one())
    finally:
        engine.dispose()


def process_alive(pid: int) -> bool:
    """Whether the process ``pid`` still runs; a zombie (killed, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False
