"""The default ``max_inline_io_bytes`` is the flyte SDK's 10 MiB: an output up to it stays inline,
one over it is refused with the limit named."""

from __future__ import annotations

import pytest

import flyte
import flyte.errors

MIB = 1024 * 1024

env = flyte.TaskEnvironment(name="inline_limit")


@env.task
async def output_of(n: int) -> bytes:
    return b"x" * n


def test_the_default_is_ten_mebibytes() -> None:
    assert output_of.max_inline_io_bytes == 10 * MIB


def test_an_output_over_ten_mebibytes_is_refused_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing is offloaded, so the inline limit alone decides.
    monkeypatch.setenv("FLYTE_OFFLOAD_THRESHOLD_BYTES", str(64 * MIB))
    assert len(flyte.run(output_of, 10 * MIB - 64).outputs()[0]) == 10 * MIB - 64
    with pytest.raises(flyte.errors.InlineIOMaxBytesBreached, match=f"max_inline_io_bytes of {10 * MIB}"):
        flyte.run(output_of, 10 * MIB + 1)
