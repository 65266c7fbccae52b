"""Run one benchmark process in isolation and measure it.

Each process gets a fresh temporary root holding its own ``HOME`` (also ``FLYTE_HOME``), ``TMPDIR``
and working directory. The harness records the whole-process wall time, the child's peak memory
(``ru_maxrss`` from ``os.wait4``), the JSON line the workload printed, and the "litter": what the
process left in its own root, plus what appeared under shared folders such as ``/tmp/flyte`` that
some SDKs write to whatever ``TMPDIR`` says.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The real SDK writes /tmp/flyte/{metadata,raw_data}/<run>/<action> in local mode, ignoring TMPDIR.
DEFAULT_SHARED_DIRS: tuple[str, ...] = ("/tmp/flyte",)
_TAIL_LINES = 15


@dataclass
class RunResult:
    """Measurements of one benchmark process."""

    ok: bool
    wall: float
    maxrss_kib: int
    returncode: int | None
    seconds: float | None = None
    tasks: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    litter_local: int = 0
    litter_shared: int = 0
    shared_attributed: bool = True
    error: str = ""

    @property
    def litter(self) -> int:
        """All entries left behind, in the process's own root and in shared folders."""
        return self.litter_local + self.litter_shared


def count_tree(path: Path) -> int:
    """Count the files and folders below ``path`` (not ``path`` itself)."""
    total = 0
    for _root, dirs, files in os.walk(path):
        total += len(dirs) + len(files)
    return total


def _snapshot(shared_dirs: tuple[str, ...]) -> set[Path]:
    """List the entries one and two levels below each shared folder."""
    found: set[Path] = set()
    for base in map(Path, shared_dirs):
        if not base.is_dir():
            continue
        for first in base.iterdir():
            found.add(first)
            if first.is_dir():
                found.update(first.iterdir())
    return found


def _shared_litter(before: set[Path], shared_dirs: tuple[str, ...], stdout: str, remove: bool) -> tuple[int, bool]:
    """Count what appeared in the shared folders since ``before``; optionally remove what is ours.

    A new second-level entry (``/tmp/flyte/metadata/<run>``) is attributed to this process when its
    name appears as a token in the process's stdout (the workloads print their run references).
    When nothing can be attributed, every new entry counts (other users of the machine may then
    inflate the count) and nothing is removed. Returns the count and whether attribution worked.
    """
    new = _snapshot(shared_dirs) - before
    tokens = set(re.findall(r"[\w.-]+", stdout))
    depth2 = {p for p in new if str(p.parent) not in shared_dirs}
    owned = {p for p in depth2 if p.name in tokens}
    chosen = owned or depth2
    count = len(new - depth2)  # new first-level folders such as /tmp/flyte/metadata itself
    for path in chosen:
        count += 1 + (count_tree(path) if path.is_dir() else 0)
    if remove:
        for path in owned:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return count, bool(owned) or not depth2


def _tail(path: Path) -> str:
    """Return the last lines of a text file."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-_TAIL_LINES:])


def _last_json(stdout: str) -> dict[str, Any] | None:
    """Return the last line of ``stdout`` that parses as a JSON object, if any."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


@dataclass
class RunSummary:
    """All runs of one measurement, with what every comparison reads from them."""

    runs: list[RunResult] = field(default_factory=list)
    skipped: str = ""

    @property
    def ok(self) -> bool:
        """True when there was at least one run and every run succeeded."""
        return bool(self.runs) and all(r.ok for r in self.runs)

    @property
    def peak_mib(self) -> float | None:
        """Largest peak resident memory over the runs, in MiB."""
        return max(r.maxrss_kib for r in self.runs) / 1024 if self.ok else None

    @property
    def error(self) -> str:
        """The error of the first failed run."""
        return next((r.error for r in self.runs if not r.ok), "")


def run_once(
    argv: list[str],
    *,
    timeout: float,
    shared_dirs: tuple[str, ...] = DEFAULT_SHARED_DIRS,
    expect_marker: str | None = None,
    remove_shared: bool = True,
    copy_in: tuple[Path, ...] = (),
) -> RunResult:
    """Run ``argv`` in a fresh environment and measure it.

    The files in ``copy_in`` are copied into the process's working directory first (they do not
    count as litter). With ``expect_marker`` the process is expected to write that text to the file
    named by the ``BENCH_HELLO_MARKER`` variable instead of printing a JSON line.
    """
    root = Path(tempfile.mkdtemp(prefix="flyte-bench-"))
    logs = Path(tempfile.mkdtemp(prefix="flyte-bench-logs-"))
    home, tmp, work = root / "home", root / "tmp", root / "work"
    for folder in (home, tmp, work):
        folder.mkdir()
    for src in copy_in:
        shutil.copyfile(src, work / src.name)
    env = dict(os.environ, HOME=str(home), FLYTE_HOME=str(home), TMPDIR=str(tmp))
    marker = logs / "marker.txt"
    if expect_marker is not None:
        env["BENCH_HELLO_MARKER"] = str(marker)
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    before = _snapshot(shared_dirs)
    timed_out = threading.Event()
    try:
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.perf_counter()
            try:
                proc = subprocess.Popen(
                    argv, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    start_new_session=True,
                )  # fmt: skip
            except OSError as exc:
                return RunResult(False, 0.0, 0, None, error=f"cannot start {argv[0]}: {exc}")

            def kill() -> None:
                timed_out.set()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
        stdout = out_path.read_text(encoding="utf-8", errors="replace")
        result = RunResult(False, wall, usage.ru_maxrss, proc.returncode)
        result.litter_local = count_tree(root) - 3 - len(copy_in)
        result.litter_shared, result.shared_attributed = _shared_litter(before, shared_dirs, stdout, remove_shared)
        if timed_out.is_set():
            result.error = f"timed out after {timeout:g} s\n{_tail(err_path)}"
        elif proc.returncode != 0:
            result.error = f"exit code {proc.returncode}\n{_tail(err_path)}"
        elif expect_marker is not None:
            text = marker.read_text(encoding="utf-8") if marker.exists() else None
            result.ok = text == expect_marker
            if not result.ok:
                result.error = f"workflow result {text!r}, expected {expect_marker!r}\n{_tail(err_path)}"
        else:
            payload = _last_json(stdout)
            if payload is None:
                result.error = f"no JSON line on stdout\n{_tail(err_path)}"
            elif payload.get("result_ok") is not True:
                result.payload = payload
                result.error = f"wrong result: {payload}\n{_tail(err_path)}"
            else:
                result.ok = True
                result.payload = payload
                result.seconds = float(payload["seconds"])
                result.tasks = int(payload["tasks"])
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(logs, ignore_errors=True)
