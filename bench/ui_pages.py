"""How fast the UI's pages answer on big databases: 50,000 runs, and one run of 10,000 actions.

Seeds a SQLite server database (in a temporary folder) straight through the server's schema,
starts a real server on it (``python -m flyte.server``), and times the pages as a browser asks
for them: the runs list (first page, a deep page, a filter), the big run's page and its live
fragment. Prints one table of medians; the goal is under a second for each page.

    .venv/bin/python bench/ui_pages.py [--runs 50000] [--actions 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from flyte._internal import wire
from flyte.server.db.database import open_database
from flyte.server.db.schema import actions, attempts, runs

BIG_RUN = "big-fanout-run"
PHASES = ("SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "RUNNING", "QUEUED")


def _spec(name: str) -> str:
    return wire.TaskSpec(name=name, module="bench_wf.py", environment="bench").model_dump_json()


def seed(url: str, run_count: int, action_count: int) -> None:
    """Fills the database: ``run_count`` small runs and one run with ``action_count`` children."""
    engine = open_database(url)
    now = time.time()
    options = json.dumps({"env_vars": {}, "images": {}})
    spec = _spec("bench.main")
    with engine.begin() as conn:
        batch = []
        for i in range(run_count):
            batch.append(
                {
                    "name": f"run-{i:06d}",
                    "project": "flytesnacks",
                    "domain": "development",
                    "task_name": f"bench.task_{i % 20}",
                    "phase": PHASES[i % len(PHASES)],
                    "created_at": now - i,
                    "started_at": now - i,
                    "ended_at": now - i + 3,
                    "raw_data_path": "/tmp/data",
                    "options": options,
                }
            )
            if len(batch) == 5000:
                conn.execute(runs.insert(), batch)
                batch = []
        if batch:
            conn.execute(runs.insert(), batch)
        conn.execute(
            runs.insert(),
            [
                {
                    "name": BIG_RUN,
                    "project": "flytesnacks",
                    "domain": "development",
                    "task_name": "bench.main",
                    "phase": "RUNNING",
                    "created_at": now - 10,
                    "started_at": now - 10,
                    "raw_data_path": "/tmp/data",
                    "options": options,
                }
            ],
        )
        child_spec = _spec("bench.child")
        rows = [_action("a0", None, "bench.main", None, "RUNNING", now - 10, spec)]
        for i in range(action_count):
            group = f"batch {i // 1000}" if i < action_count // 2 else None
            rows.append(
                _action(
                    f"c{i:05d}", "a0", "bench.child", group, PHASES[i % len(PHASES)], now - 9 + i * 0.001, child_spec
                )
            )
        for start in range(0, len(rows), 2000):
            conn.execute(actions.insert(), rows[start : start + 2000])
        conn.execute(
            attempts.insert(),
            [{"run_name": BIG_RUN, "action_name": "a0", "attempt": 1, "phase": "RUNNING", "started_at": now - 10}],
        )
    engine.dispose()


def _action(
    name: str, parent: str | None, task: str, group: str | None, phase: str, at: float, spec: str
) -> dict[str, object]:
    ended = phase in ("SUCCEEDED", "FAILED")
    return {
        "run_name": BIG_RUN,
        "name": name,
        "parent": parent,
        "task_name": task,
        "kind": "task",
        "grp": group,
        "phase": phase,
        "attempt": 1,
        "user_failures": 0,
        "system_failures": 0,
        "task_spec": spec,
        "queued_at": at,
        "ready_at": at,
        "started_at": at,
        "ended_at": at + 0.5 if ended else None,
        "waiting": False,
    }


def _serve(url: str, home: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "flyte.server", "--port", str(port), "--db", url, "--home", str(home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/info", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    """Seeds, serves, times, prints."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50_000)
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--port", type=int, default=18087)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        url = f"sqlite:///{home / 'server.db'}"
        began = time.monotonic()
        seed(url, args.runs, args.actions)
        print(f"seeded {args.runs:,} runs and a run of {args.actions:,} actions in {time.monotonic() - began:.1f}s")
        process = _serve(url, home / "home", args.port)
        base = f"http://127.0.0.1:{args.port}"
        pages = {
            "runs, first page": "/",
            "runs, page 500": "/?page=500",
            "runs, phase + text filter": "/?phase=FAILED&q=task_7",
            f"run of {args.actions:,} actions": f"/runs/{BIG_RUN}",
            "same, live fragment": f"/runs/{BIG_RUN}?fragment=1",
            "same, a fan-out expanded": f"/runs/{BIG_RUN}?expand=a0:500",
            "tasks": "/tasks",
        }
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                print(f"{'page':<32} {'median':>9} {'max':>9} {'size':>9}")
                for label, path in pages.items():
                    times, size = [], 0
                    for _ in range(args.repeat):
                        start = time.perf_counter()
                        response = client.get(path)
                        times.append(time.perf_counter() - start)
                        response.raise_for_status()
                        size = len(response.content)
                    median, worst = statistics.median(times) * 1000, max(times) * 1000
                    print(f"{label:<32} {median:>7.0f}ms {worst:>7.0f}ms {size / 1024:>7.0f}KB")
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
