"""Benchmark the executors side by side: the same fan-out of no-op tasks on the process executor,
a reusable environment, Ray, and a reusable environment on Ray; with plain Python and the real
flyte SDK's local mode as references.

Usage::

    python bench/executor_compare.py [--n 1000] [--ray-n 100] [--repeat 2] [--real-python PATH]

Each executor gets a server of its own (SQLite, a temporary home): ``--executor process``, then
``--executor ray`` (a Ray cluster of this machine, started by the server). A parent gathers
``--n`` children (``--ray-n`` for plain Ray tasks: each is a fresh Python process on a node, so
a thousand of them take minutes on two cores; compare the ms/child column), after one untimed
run of each kind. Each run is timed from ``flyte.run`` to its outputs; medians are printed with
the ratio to the process executor.

Ray listens on every interface of its machine, so the benchmark runs itself inside a private
network namespace (``unshare --net``, loopback only; root is needed) whenever the Ray columns
are wanted; without one, they are left out and the table says so. ``--real-python`` is the
Python of a virtual environment with ``flyte==2.12.1``: its local mode runs the same fan-out.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from reuse_compare import WORKFLOW
from server_compare import Server, sqlite_url

PRIVATE_NETWORK_ENV = "FLYTE_BENCH_PRIVATE_NETWORK"

REAL_SDK = textwrap.dedent(
    """
    import asyncio, sys, time
    import flyte

    env = flyte.TaskEnvironment(name="bench_exec_real")


    @env.task
    async def noop(x: int) -> int:
        return x


    @env.task
    async def fan_out(n: int) -> int:
        return sum(await asyncio.gather(*[noop(i) for i in range(n)]))


    flyte.init()
    n, repeat = int(sys.argv[1]), int(sys.argv[2])
    flyte.with_runcontext(mode="local").run(fan_out, 10)
    for _ in range(repeat):
        start = time.perf_counter()
        flyte.with_runcontext(mode="local").run(fan_out, n)
        print(time.perf_counter() - start)
    """
)


def _timed(runs: int, call: object, *args: object) -> list[float]:
    import flyte

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        flyte.run(call, *args).outputs()  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    return times


def _on_server(
    python: str, args: list[str], folder: Path, kinds: dict[str, int], repeat: int
) -> dict[str, list[float]]:
    """Times each fan-out kind (``fresh`` or ``pooled``, with its child count) on one server."""
    import flyte
    from flyte._internal.module_loader import load_file

    times: dict[str, list[float]] = {}
    with sqlite_url() as db_url:
        server = Server(python, db_url, args)
        try:
            server.wait_ready()
            flyte.init(endpoint=server.endpoint, root_dir=folder)
            wf = load_file(folder / "bench_reuse_wf.py")
            for kind, n in kinds.items():
                task = wf.fan_out_fresh if kind == "fresh" else wf.fan_out_pooled
                _timed(1, task, 10)  # warm-up: zygotes, replicas, Ray workers
                times[kind] = _timed(repeat, task, n)
        finally:
            server.stop()
    return times


def _plain_python(n: int, repeat: int) -> list[float]:
    async def noop(x: int) -> int:
        return x

    async def fan_out() -> int:
        return sum(await asyncio.gather(*[noop(i) for i in range(n)]))

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        asyncio.run(fan_out())
        times.append(time.perf_counter() - start)
    return times


def _real_sdk(python: str, n: int, repeat: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="flyte-bench-real-") as folder:
        script = Path(folder) / "bench_exec_real.py"
        script.write_text(REAL_SDK)
        done = subprocess.run(
            [python, str(script), str(n), str(repeat)], capture_output=True, text=True, cwd=folder, check=True
        )
    return [float(line) for line in done.stdout.split()]


def _reexec_in_private_network(argv: list[str]) -> int | None:
    """Runs this benchmark again inside a new network namespace; None when that is not possible."""
    if os.environ.get(PRIVATE_NETWORK_ENV) or shutil.which("unshare") is None:
        return None
    command = ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    command += [sys.executable, str(Path(__file__).resolve()), *argv]
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return None
    return subprocess.run(command, env={**os.environ, PRIVATE_NETWORK_ENV: "1"}, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints the table."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="python of the server (default: this one)")
    parser.add_argument("--n", type=int, default=1000, help="children per fan-out")
    parser.add_argument("--ray-n", type=int, default=100, help="children per fan-out of plain Ray tasks")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per column")
    parser.add_argument("--real-python", help="python of a venv with flyte==2.12.1 (its local mode)")
    parser.add_argument("--no-ray", action="store_true", help="leave the Ray columns out")
    opts = parser.parse_args(argv)
    if not opts.no_ray and not os.environ.get(PRIVATE_NETWORK_ENV):
        code = _reexec_in_private_network(argv)
        if code is not None:
            return code
        print("note: no private network namespace (unshare --net needs root): Ray columns left out")
        opts.no_ray = True

    folder = Path(tempfile.mkdtemp(prefix="flyte-bench-exec-"))
    (folder / "bench_reuse_wf.py").write_text(WORKFLOW)
    rows: list[tuple[str, int, list[float]]] = []
    rows.append(("plain Python (asyncio)", opts.n, _plain_python(opts.n, opts.repeat)))
    if opts.real_python:
        rows.append(("flyte 2.12.1 local mode", opts.n, _real_sdk(opts.real_python, opts.n, opts.repeat)))
    local = _on_server(opts.python, [], folder, {"fresh": opts.n, "pooled": opts.n}, opts.repeat)
    rows.append(("process executor", opts.n, local["fresh"]))
    rows.append(("reusable (process)", opts.n, local["pooled"]))
    if not opts.no_ray:
        ray = _on_server(
            opts.python, ["--executor", "ray"], folder, {"fresh": opts.ray_n, "pooled": opts.n}, opts.repeat
        )
        rows.append(("Ray tasks", opts.ray_n, ray["fresh"]))
        rows.append(("reusable (Ray actors)", opts.n, ray["pooled"]))
    shutil.rmtree(folder, ignore_errors=True)

    base = statistics.median(local["fresh"]) / opts.n
    print(f"{'column':<24} | children | median s | ms/child | per child vs process executor")
    print(f"{'-' * 24}-+----------+----------+----------+------------------------------")
    for name, n, times in rows:
        median = statistics.median(times)
        per_child = median / n
        print(f"{name:<24} | {n:>8} | {median:8.2f} | {per_child * 1000:8.2f} | {base / per_child:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
