"""Large inputs and outputs go to the blob store, not the metadata store; inline limits hold."""

from __future__ import annotations

from pathlib import Path

import pytest

import flyte
import flyte.errors
from flyte._internal.store.local_db import default_store

env = flyte.TaskEnvironment(name="offload")


@env.task
async def size_of(data: bytes) -> int:
    return len(data)


@env.task
async def passes_big_bytes(n: int) -> int:
    return await size_of(b"x" * n)


@env.task
async def make_rows(n: int) -> list[int]:
    return list(range(n))


@env.task
async def count_rows(n: int) -> int:
    return len(await make_rows(n))


def _stored_sizes(run_name: str) -> dict[str, tuple[int, int]]:
    store = default_store()
    store.flush()
    rows = store.query("SELECT task_name, length(inputs), length(outputs) FROM actions WHERE run_name = ?", (run_name,))
    return {task: (inputs or 0, outputs or 0) for task, inputs, outputs in rows}


def test_large_input_is_offloaded_not_stored_inline(isolated: Path) -> None:
    n = 20 * 1024 * 1024
    run = flyte.with_runcontext(mode="local").run(passes_big_bytes, n)
    assert run.outputs()[0] == n
    inputs_size, _ = _stored_sizes(run.name)["offload.size_of"]
    assert inputs_size < 1024
    offloaded = list((isolated / "flyte-home" / "runs" / run.name).rglob("offloaded/*"))
    assert len(offloaded) == 1 and offloaded[0].stat().st_size > n


def test_large_output_list_is_offloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_OFFLOAD_THRESHOLD_BYTES", str(64 * 1024))
    run = flyte.with_runcontext(mode="local").run(count_rows, 1_000_000)
    assert run.outputs()[0] == 1_000_000
    _, outputs_size = _stored_sizes(run.name)["offload.make_rows"]
    assert outputs_size < 1024


cached_calls: list[int] = []


@env.task(cache="auto")
async def big_cached(n: int) -> bytes:
    cached_calls.append(n)
    return b"y" * n


def test_offloaded_cached_output_is_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_OFFLOAD_THRESHOLD_BYTES", "1024")
    cached_calls.clear()
    assert flyte.run(big_cached, 5000).outputs()[0] == b"y" * 5000
    assert flyte.run(big_cached, 5000).outputs()[0] == b"y" * 5000
    assert cached_calls == [5000]


@env.task(max_inline_io_bytes=1000)
async def small_limit(n: int) -> str:
    return "z" * n


def test_max_inline_io_bytes_breach_names_the_task() -> None:
    assert flyte.run(small_limit, 10).outputs()[0] == "z" * 10
    with pytest.raises(flyte.errors.InlineIOMaxBytesBreached, match=r"offload\.small_limit.*1000"):
        flyte.run(small_limit, 5000)


def test_raw_data_path_chooses_where_offloaded_data_goes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_OFFLOAD_THRESHOLD_BYTES", "1024")
    target = tmp_path / "raw"
    flyte.with_runcontext(mode="local", raw_data_path=str(target)).run(passes_big_bytes, 10_000)
    assert len(list(target.rglob("offloaded/*"))) == 1
