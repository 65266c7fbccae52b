"""Benchmark the flyte server end to end: fan-out and per-action latency, on SQLite and PostgreSQL.

Usage::

    python bench/server_compare.py [--python PATH] [--repeat 3] [--n 1000] [--steps 50]
                                   [--postgres-url URL | --skip-postgres] [--json OUT]

For each database it starts a server (``python -m flyte.server``) on a free port of 127.0.0.1 with
a temporary home: SQLite in that home, or a temporary PostgreSQL database created on the server
at ``--postgres-url`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``, trust auth) and
dropped at the end. On that server it runs, each as a fresh client process (``_runner.run_once``):

- ``fanout``: ``server_fanout.py``, one parent gathering ``--n`` no-op children; the time from
  ``flyte.run`` to the outputs (target: under 20 s for 1,000 children);
- ``chain``: ``server_chain.py``, a parent awaiting ``--steps`` children one after the other; the
  time per child as the parent measures it (reported, no target).

One untimed warm-up run per server first uploads the code bundle and starts the worker zygote,
so the timed runs see a warm server. The table shows medians of ``--repeat`` runs. Nothing is
asserted: the exit code is 0 unless the harness itself fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from _runner import RunResult, run_once

HERE = Path(__file__).resolve().parent
WORKLOADS_DIR = HERE / "workloads"
COPY_IN = (WORKLOADS_DIR / "_common.py",)
FANOUT_MAX_SECONDS = 20.0
FANOUT_TARGET_CHILDREN = 1000
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
_START_TIMEOUT_S = 120.0  # a server with --executor ray starts a Ray cluster first


@dataclass(frozen=True)
class Row:
    """One line of the table: a workload on a database."""

    workload: str
    database: str
    script: str
    count: int


@dataclass
class Summary:
    """The runs of one row and their aggregates."""

    row: Row
    runs: list[RunResult] = field(default_factory=list)
    skipped: str = ""

    @property
    def ok(self) -> bool:
        """True when there was at least one run and every run succeeded."""
        return bool(self.runs) and all(r.ok for r in self.runs)

    @property
    def seconds(self) -> list[float]:
        """End-to-end seconds of each run (``flyte.run`` to outputs)."""
        return [r.seconds for r in self.runs if r.seconds is not None]

    @property
    def per_child_ms(self) -> float | None:
        """Median milliseconds per child: the chain's own timing, or the fan-out's wall / n."""
        if not self.ok:
            return None
        if self.row.workload == "chain":
            values = [float(r.payload["chain_seconds"]) for r in self.runs]
        else:
            values = self.seconds
        return statistics.median(values) * 1000 / self.row.count

    @property
    def error(self) -> str:
        """The first failure's message."""
        return next((r.error for r in self.runs if not r.ok), "")


def free_port() -> int:
    """A TCP port nobody listens on now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process with a temporary home, on the given database."""

    def __init__(self, python: str, db_url: str, args: Sequence[str] = ()) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="flyte-bench-server-"))
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = self.home / "server.log"
        argv = [python, "-m", "flyte.server", "--port", str(self.port), "--db", db_url, "--home", str(self.home)]
        argv += args
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )

    def wait_ready(self) -> None:
        """Polls the server's info endpoint until it answers."""
        import httpx

        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.endpoint}/api/v1/info", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"the server did not answer within {_START_TIMEOUT_S:g}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Stops the server, then any zygote or worker still running from its home; removes the home."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        _kill_started_from(self.home)
        shutil.rmtree(self.home, ignore_errors=True)


def _kill_started_from(home: Path) -> None:
    """Kills the processes (zygotes, workers) whose command line or folder is in ``home``."""
    import psutil

    for process in psutil.process_iter(["cmdline", "cwd"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            cwd = process.info["cwd"] or ""
            if str(home) in cmdline or cwd.startswith(str(home)):
                process.kill()
        except psutil.Error:
            continue


@contextlib.contextmanager
def sqlite_url() -> Iterator[str]:
    """A SQLite database in a temporary folder (removed at the end)."""
    folder = Path(tempfile.mkdtemp(prefix="flyte-bench-sqlite-"))
    try:
        yield f"sqlite:///{folder / 'server.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_url(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the server of ``admin_url``, dropped at the end."""
    import psycopg

    name = f"flyte_bench_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _workload(python: str, server: Server, script: str, count: int, timeout: float) -> RunResult:
    argv = [python, script, server.endpoint, str(count)]
    return run_once(argv, timeout=timeout, shared_dirs=(), copy_in=(*COPY_IN, WORKLOADS_DIR / script))


def measure(database: str, db_url: str, rows: list[Row], opts: argparse.Namespace) -> list[Summary]:
    """Starts a server on ``db_url``, warms it up, and runs every row ``--repeat`` times."""
    summaries = [Summary(row) for row in rows]
    server = Server(opts.python, db_url)
    try:
        server.wait_ready()
        warm = _workload(opts.python, server, "server_fanout.py", 10, opts.timeout)
        if not warm.ok:
            for summary in summaries:
                summary.runs.append(warm)
            return summaries
        for round_ in range(opts.repeat):
            for summary in summaries:
                if summary.runs and not summary.ok:
                    continue  # a row stops at its first failure
                result = _workload(opts.python, server, summary.row.script, summary.row.count, opts.timeout)
                summary.runs.append(result)
                shown = f"{result.seconds:.2f}s" if result.ok and result.seconds is not None else "FAILED"
                print(f"[{database}] {summary.row.workload} run {round_ + 1}/{opts.repeat}: {shown}", file=sys.stderr)
    finally:
        server.stop()
    return summaries


def _target(summary: Summary) -> tuple[str, str]:
    """The row's target and whether the median meets it."""
    if summary.row.workload != "fanout":
        return "- (reported)", "n/a"
    if summary.row.count != FANOUT_TARGET_CHILDREN:
        return f"- (set for {FANOUT_TARGET_CHILDREN:,})", "n/a"
    target = f"< {FANOUT_MAX_SECONDS:g} s"
    if summary.skipped or not summary.ok:
        return target, "-"
    return target, "yes" if statistics.median(summary.seconds) < FANOUT_MAX_SECONDS else "NO"


def table(summaries: list[Summary], repeat: int) -> str:
    """The results as one aligned text table."""
    header = ["workload", "db", "children", "median s", "min-max s", "ms/child", "target", "met"]
    rows = [header]
    for s in summaries:
        target, met = _target(s)
        per_child = s.per_child_ms
        if s.skipped or not s.ok:
            measured = ["skipped" if s.skipped else "FAILED", "-", "-"]
        else:
            secs = s.seconds
            measured = [
                f"{statistics.median(secs):.2f}",
                f"{min(secs):.2f}-{max(secs):.2f}",
                f"{per_child:.1f}" if per_child is not None else "-",
            ]
        rows.append([s.row.workload, s.row.database, str(s.row.count), *measured, target, met])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    lines.append(
        f"median s: time from flyte.run to outputs, median of {repeat} runs on a warm server; "
        "ms/child: fanout = median s / children, chain = the parent's own time for its sequential calls / children."
    )
    for s in summaries:
        if s.skipped:
            lines.append(f"note: {s.row.workload} on {s.row.database} skipped: {s.skipped}")
        elif not s.ok:
            lines.append(f"--- {s.row.workload} on {s.row.database} failed:\n{s.error}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", default=sys.executable, help="python with our flyte (default: this one)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per row (default 3); the table shows medians")
    p.add_argument("--n", type=int, default=1000, help="children of the fan-out (default 1000)")
    p.add_argument("--steps", type=int, default=50, help="children of the chain (default 50)")
    p.add_argument("--postgres-url", default=os.environ.get("FLYTE_BENCH_POSTGRES", DEFAULT_POSTGRES))
    p.add_argument("--skip-postgres", action="store_true", help="run on SQLite only")
    p.add_argument("--timeout", type=float, default=300.0, help="kill a run after this many seconds (default 300)")
    p.add_argument("--json", type=Path, help="also write every measurement to this file")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints the table."""
    opts = parse_args(argv)
    load_before = os.getloadavg()[0]
    summaries: list[Summary] = []
    for database in ("sqlite", "postgres"):
        rows = [
            Row("fanout", database, "server_fanout.py", opts.n),
            Row("chain", database, "server_chain.py", opts.steps),
        ]
        if database == "postgres" and opts.skip_postgres:
            summaries += [Summary(row, skipped="--skip-postgres") for row in rows]
            continue
        try:
            with sqlite_url() if database == "sqlite" else postgres_url(opts.postgres_url) as url:
                summaries += measure(database, url, rows, opts)
        except Exception as e:  # the database or the server could not be set up: say so in the table
            summaries += [Summary(row, skipped=f"{type(e).__name__}: {e}".splitlines()[0]) for row in rows]
    print(table(summaries, opts.repeat))
    # The machine may be shared: a load above its CPU count means the numbers are inflated.
    print(f"load average (1 min) before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if opts.json is not None:
        records = [
            {
                "workload": s.row.workload,
                "database": s.row.database,
                "skipped": s.skipped,
                "runs": [asdict(r) for r in s.runs],
            }
            for s in summaries
        ]
        opts.json.write_text(json.dumps(records, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
