"""Local engine: the task cache across runs and processes, and its run-level switches."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import flyte
from tests.unit.engine.helpers import actions_of

env = flyte.TaskEnvironment(name="caching")
calls: list[str] = []


@env.task(cache="auto")
async def auto_cached(x: int) -> int:
    calls.append(f"auto:{x}")
    return x * 10


@env.task(cache="override", cache_version="v1.2")
async def spec_override(x: int) -> int:
    calls.append(f"spec:{x}")
    return x + 100


@env.task(cache=flyte.Cache(behavior="override", version_override="v1.2"))
async def sdk_override(x: int) -> int:
    calls.append(f"sdk:{x}")
    return x + 200


@env.task(cache="disable")
async def uncached(x: int) -> int:
    calls.append(f"none:{x}")
    return x


@env.task(cache=flyte.Cache(behavior="auto", ignored_inputs=("note",)))
async def ignores_note(x: int, note: str) -> int:
    calls.append(f"ignore:{x}:{note}")
    return x


def _run(task: object, *args: object, **options: object) -> flyte.Run:
    return flyte.with_runcontext(mode="local", **options).run(task, *args)  # type: ignore[arg-type]


def test_auto_cache_hits_on_second_run_and_records_cache_status() -> None:
    calls.clear()
    first = _run(auto_cached, 4)
    second = _run(auto_cached, 4)
    assert first.outputs()[0] == second.outputs()[0] == 40
    assert calls == ["auto:4"]
    assert actions_of(first.name)[0]["cache_status"] == "CACHE_POPULATED"
    assert actions_of(second.name)[0]["cache_status"] == "CACHE_HIT"
    _run(auto_cached, 5)
    assert calls == ["auto:4", "auto:5"]


def test_override_versions_in_spec_and_sdk_forms_are_read_back() -> None:
    calls.clear()
    for _ in range(2):
        assert _run(spec_override, 1).outputs()[0] == 101
        assert _run(sdk_override, 1).outputs()[0] == 201
    assert calls == ["spec:1", "sdk:1"]


def test_a_new_override_version_misses_the_cache() -> None:
    calls.clear()
    _run(spec_override, 2)
    bumped = spec_override.override(cache_version="v1.3")
    _run(bumped, 2)
    assert calls == ["spec:2", "spec:2"]


def test_disabled_cache_always_runs() -> None:
    calls.clear()
    _run(uncached, 1)
    _run(uncached, 1)
    assert calls == ["none:1", "none:1"]


def test_ignored_inputs_are_left_out_of_the_key() -> None:
    calls.clear()
    _run(ignores_note, 1, "first")
    assert _run(ignores_note, 1, "second").outputs()[0] == 1
    assert calls == ["ignore:1:first"]


def test_overwrite_cache_runs_again_and_stores_the_new_result() -> None:
    calls.clear()
    _run(auto_cached, 7)
    _run(auto_cached, 7, overwrite_cache=True)
    _run(auto_cached, 7)
    assert calls == ["auto:7", "auto:7"]


def test_disable_run_cache_neither_reads_nor_writes() -> None:
    calls.clear()
    _run(auto_cached, 8, disable_run_cache=True)
    _run(auto_cached, 8)
    assert calls == ["auto:8", "auto:8"]


@env.task
async def chain_with_cached_step(n: int) -> int:
    total = 0
    for _ in range(n):
        total += await auto_cached(3)
    return total


def test_cached_child_inside_a_run_hits_within_the_same_run() -> None:
    calls.clear()
    assert _run(chain_with_cached_step, 5).outputs()[0] == 150
    assert calls == ["auto:3"]


_WORKFLOW = textwrap.dedent(
    """
    import asyncio, sys
    import flyte

    env = flyte.TaskEnvironment(name="shared")

    @env.task(cache="auto")
    async def square(x: int) -> int:
        print("ran", x, flush=True)
        return x * x

    @env.task
    async def main(n: int) -> int:
        return sum(await asyncio.gather(*[square(i) for i in range(n)]))

    if __name__ == "__main__":
        print("result", flyte.with_runcontext(mode="local").run(main, int(sys.argv[1])).outputs()[0])
    """
)


def _run_script(script: Path, n: int) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, str(script), str(n)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def test_cache_is_shared_across_processes(tmp_path: Path) -> None:
    script = tmp_path / "wf.py"
    script.write_text(_WORKFLOW)
    first = _run_script(script, 20)
    second = _run_script(script, 20)
    assert "result 2470" in first.stdout and "result 2470" in second.stdout
    assert first.stdout.count("ran ") == 20
    assert second.stdout.count("ran ") == 0


def test_four_processes_of_cached_fan_outs_never_hit_database_is_locked(tmp_path: Path) -> None:
    script = tmp_path / "wf.py"
    script.write_text(_WORKFLOW)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), "400"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
        assert f"result {sum(i * i for i in range(400))}" in out
    runs = sum(out.count("ran ") for out, _ in results)
    # Every square ran at least once; processes that started late were served from the cache.
    assert 400 <= runs <= 1600
    fifth = _run_script(script, 400)
    assert fifth.stdout.count("ran ") == 0
