"""The local metadata store: one SQLite file under the flyte home folder.

It keeps what local runs did (runs, actions) and the task cache, shared by every process on the
machine. Several processes may write at once: the file is in WAL mode, every write transaction
starts with ``BEGIN IMMEDIATE`` (so two writers never deadlock upgrading a read lock) and waits
for the lock rather than failing, which is what removes "database is locked" errors.

The standard library's ``sqlite3`` is used rather than SQLAlchemy on purpose: this module is on
the hot path of every local task call and on the start-up path of ``flyte run --local``.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, TypeVar

from flyte._home import flyte_home

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    name TEXT PRIMARY KEY,
    project TEXT NOT NULL,
    domain TEXT NOT NULL,
    task_name TEXT NOT NULL,
    mode TEXT NOT NULL,
    phase TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS actions (
    run_name TEXT NOT NULL,
    name TEXT NOT NULL,
    parent TEXT,
    task_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    grp TEXT,
    phase TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    cache_status TEXT,
    started_at REAL NOT NULL,
    ended_at REAL,
    inputs BLOB,
    outputs BLOB,
    error TEXT,
    report TEXT,
    PRIMARY KEY (run_name, name)
);
CREATE INDEX IF NOT EXISTS actions_by_parent ON actions (run_name, parent);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    task_name TEXT NOT NULL,
    outputs BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    run_name TEXT NOT NULL,
    action_name TEXT NOT NULL,
    html TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (run_name, action_name)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_tags (
    run_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_name, kind, key)
);
"""

_ACTION_UPSERT = """
INSERT INTO actions (run_name, name, parent, task_name, kind, grp, phase, attempts, cache_status,
                     started_at, ended_at, inputs, outputs, error, report)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run_name, name) DO UPDATE SET
    phase = excluded.phase, attempts = excluded.attempts, cache_status = excluded.cache_status,
    ended_at = excluded.ended_at, outputs = excluded.outputs, error = excluded.error,
    report = COALESCE(excluded.report, actions.report)
"""

_RUN_UPSERT = """
INSERT INTO runs (name, project, domain, task_name, mode, phase, started_at, ended_at, error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET
    phase = excluded.phase, ended_at = excluded.ended_at, error = excluded.error
"""

_REPORT_UPSERT = """
INSERT INTO reports (run_name, action_name, html, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (run_name, action_name) DO UPDATE SET html = excluded.html, updated_at = excluded.updated_at
"""

_CACHE_UPSERT = """
INSERT INTO cache (key, task_name, outputs, created_at) VALUES (?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET outputs = excluded.outputs, created_at = excluded.created_at
"""

# How long a writer waits for another process's transaction before giving up: far longer than any
# batch takes, so contention shows up as latency, never as an error.
_BUSY_TIMEOUT_S = 60.0
_FLUSH_INTERVAL_S = 0.05

T = TypeVar("T")


def default_db_path() -> Path:
    """The local database of this user: ``<flyte home>/local.db``."""
    return flyte_home() / "local.db"


def connect(path: Path) -> sqlite3.Connection:
    """Opens (creating if needed) the database at ``path`` with the schema in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
    _with_retry(lambda: conn.execute("PRAGMA journal_mode = WAL"))
    conn.execute("PRAGMA synchronous = NORMAL")
    _with_retry(lambda: _create_schema(conn))
    return conn


def _create_schema(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _with_retry(fn: Callable[[], T]) -> T:
    # busy_timeout covers ordinary lock waits; a few statements (switching to WAL while another
    # process opens the file) report SQLITE_BUSY at once, so those are retried here.
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if ("locked" not in str(e) and "busy" not in str(e)) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


class LocalStore:
    """Writes run records in batches from a background thread; reads the cache directly.

    Action rows are coalesced by key before they are written, so an action that starts and ends
    between two flushes costs one row write.
    """

    def __init__(self, path: Path | None = None):
        self.path = path or default_db_path()
        self._lock = threading.Lock()
        self._actions: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._runs: dict[str, tuple[Any, ...]] = {}
        self._cache_writes: dict[str, tuple[Any, ...]] = {}
        self._reports: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._recent_cache: dict[str, bytes] = {}
        self._wake = threading.Event()
        self._flushed = threading.Condition(self._lock)
        self._generation = 0
        self._written_generation = 0
        self._writer: threading.Thread | None = None
        self._stopping = False
        self._error: BaseException | None = None
        self._read_conn: sqlite3.Connection | None = None
        self._read_local = threading.local()

    def record_action(self, row: tuple[Any, ...]) -> None:
        """Queues an action row (see ``_ACTION_UPSERT`` for the column order)."""
        with self._lock:
            self._actions[(row[0], row[1])] = row
            self._generation += 1
        self._ensure_writer()

    def record_run(self, row: tuple[Any, ...]) -> None:
        """Queues a run row (see ``_RUN_UPSERT`` for the column order)."""
        with self._lock:
            self._runs[row[0]] = row
            self._generation += 1
        self._ensure_writer()
        self._wake.set()

    def has_run(self, name: str) -> bool:
        """Whether a run of that name is recorded (or queued to be)."""
        with self._lock:
            if name in self._runs:
                return True
        return bool(self.query("SELECT 1 FROM runs WHERE name = ?", (name,)))

    def record_tags(self, run_name: str, tags: Mapping[str, Mapping[str, str]]) -> None:
        """Stores a run's labels and annotations (``kind -> key -> value``) at once: few runs
        have any, so they skip the batching of the hot path."""
        rows = [(run_name, kind, key, value) for kind, pairs in tags.items() for key, value in pairs.items()]
        if rows:
            conn = self._reader()
            _with_retry(lambda: conn.executemany("INSERT OR REPLACE INTO run_tags VALUES (?, ?, ?, ?)", rows))

    def run_tags(self, run_name: str) -> dict[str, dict[str, str]]:
        """The labels and annotations of a run, ``kind -> key -> value``."""
        found: dict[str, dict[str, str]] = {}
        for kind, key, value in self.query("SELECT kind, key, value FROM run_tags WHERE run_name = ?", (run_name,)):
            found.setdefault(kind, {})[key] = value
        return found

    def record_report(self, run_name: str, action_name: str, report_html: str) -> None:
        """Queues the latest HTML of an action's report."""
        with self._lock:
            self._reports[(run_name, action_name)] = (run_name, action_name, report_html, time.time())
            self._generation += 1
        self._ensure_writer()
        self._wake.set()

    def cache_put(self, key: str, task_name: str, outputs: bytes) -> None:
        """Stores a task's outputs under its cache key, visible to this process at once."""
        with self._lock:
            self._recent_cache[key] = outputs
            self._cache_writes[key] = (key, task_name, outputs, time.time())
            self._generation += 1
        self._ensure_writer()
        self._wake.set()

    def cache_get(self, key: str) -> bytes | None:
        """The outputs stored under ``key`` by any process, or None."""
        hit = self._recent_cache.get(key)
        if hit is not None:
            return hit
        if not self.path.exists():
            return None
        row = self._reader().execute("SELECT outputs FROM cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def flush(self) -> None:
        """Blocks until everything queued so far is written to the database."""
        with self._lock:
            target = self._generation
            if self._written_generation >= target:
                return
        self._ensure_writer()
        self._wake.set()
        with self._flushed:
            while self._written_generation < target and self._error is None:
                self._flushed.wait(0.5)
        if self._error is not None:
            raise self._error

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Runs a read-only query against the database (for listings)."""
        if not self.path.exists():
            return []
        return list(self._reader().execute(sql, params).fetchall())

    def close(self) -> None:
        """Writes what is queued and stops the writer thread."""
        self.flush()
        self._stopping = True
        self._wake.set()
        if self._writer is not None:
            self._writer.join()
            self._writer = None
        self._stopping = False

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._read_local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._read_local.conn = conn
        return conn

    def _ensure_writer(self) -> None:
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_loop, name="flyte-store", daemon=True)
                    self._writer.start()

    def _write_loop(self) -> None:
        conn = connect(self.path)
        try:
            while True:
                self._wake.wait(_FLUSH_INTERVAL_S)
                self._wake.clear()
                with self._lock:
                    actions, self._actions = self._actions, {}
                    runs, self._runs = self._runs, {}
                    cache, self._cache_writes = self._cache_writes, {}
                    reports, self._reports = self._reports, {}
                    generation = self._generation
                if actions or runs or cache or reports:
                    _with_retry(functools.partial(self._write, conn, actions, runs, cache, reports))
                with self._flushed:
                    self._written_generation = generation
                    self._flushed.notify_all()
                if self._stopping:
                    return
        except BaseException as e:
            with self._flushed:
                self._error = e
                self._flushed.notify_all()
        finally:
            conn.close()

    @staticmethod
    def _write(
        conn: sqlite3.Connection,
        actions: dict[tuple[str, str], tuple[Any, ...]],
        runs: dict[str, tuple[Any, ...]],
        cache: dict[str, tuple[Any, ...]],
        reports: dict[tuple[str, str], tuple[Any, ...]],
    ) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if runs:
                conn.executemany(_RUN_UPSERT, list(runs.values()))
            if actions:
                conn.executemany(_ACTION_UPSERT, list(actions.values()))
            if cache:
                conn.executemany(_CACHE_UPSERT, list(cache.values()))
            if reports:
                conn.executemany(_REPORT_UPSERT, list(reports.values()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


_default_store: LocalStore | None = None
_default_lock = threading.Lock()


def default_store(path: Path | None = None) -> LocalStore:
    """The process-wide store at ``path`` (default: under the flyte home); re-created if it moves."""
    global _default_store
    path = path or default_db_path()
    with _default_lock:
        if _default_store is None or _default_store.path != path:
            if _default_store is not None:
                _default_store.close()
            _default_store = LocalStore(path)
        return _default_store
