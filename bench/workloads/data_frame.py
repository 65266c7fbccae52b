"""Dataframe workload for ``data_compare.py``: a task returns a big pandas frame, another reads it.

Usage: ``python data_frame.py ROWS --variant frame|file``.

The frame (ROWS x 5, see ``_table_data.py``) is built before the timer starts and held in a
module global; the timed run is one parent task that awaits a producer returning that frame and a
consumer that reads it and returns a row summary, which must equal the original's.

- ``frame``: ``produce() -> pd.DataFrame`` and ``consume(df: pd.DataFrame)``, the plain typed
  hand-over. Every frame handed over is written as parquet, but our engine skips reading it back
  when it can prove the frame it wrote is unchanged (an in-process shortcut), so this variant
  does not measure a read from the file.
- ``file``: ``produce() -> flyte.io.DataFrame`` returning ``DataFrame.from_df(frame, uri=...)``
  with an explicit location, and ``consume(df: DataFrame)`` reading ``df.open(pd.DataFrame).all()``.
  A frame stored where the user asked is always read back from the file, so this is a real
  parquet write and read through public API only: the honest comparison with pyarrow.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from typing import Any

import pandas as pd
from _common import emit, init_flyte, sdk_version, stdout_to_stderr
from _table_data import make_frame, summary

import flyte
from flyte.io import DataFrame

env = flyte.TaskEnvironment(name="bench_data_frame")

#: The table every task hands over; built once, untimed.
FRAME: dict[str, Any] = {}


@env.task
async def produce_frame() -> pd.DataFrame:
    """Return the prepared frame as a plain pandas DataFrame."""
    return FRAME["df"]


@env.task
async def consume_frame(df: pd.DataFrame) -> str:
    """Summarise the frame received."""
    return summary(df)


@env.task
async def pipeline_frame() -> str:
    """Hand the frame from producer to consumer as ``pd.DataFrame``."""
    df = await produce_frame()
    return await consume_frame(df)


@env.task
async def produce_file(location: str) -> DataFrame:
    """Store the prepared frame at ``location`` and return the reference."""
    return DataFrame.from_df(FRAME["df"], uri=location)


@env.task
async def consume_file(df: DataFrame) -> str:
    """Read the stored table into pandas and summarise it."""
    frame = await df.open(pd.DataFrame).all()
    return summary(frame)


@env.task
async def pipeline_file(location: str) -> str:
    """Hand the frame over as a stored ``flyte.io.DataFrame``."""
    df = await produce_file(location)
    return await consume_file(df)


def main() -> None:
    """Build the frame, run one variant, timed, and print the JSON result line."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("rows", type=int)
    parser.add_argument("--variant", choices=["frame", "file"], default="file")
    args = parser.parse_args()
    FRAME["df"] = make_frame(args.rows)
    expected = summary(FRAME["df"])
    raw = os.path.join(tempfile.gettempdir(), "flyte-raw")
    location = os.path.join(tempfile.mkdtemp(prefix="frame-"), "data.parquet")
    init_flyte()
    task: Any = pipeline_file if args.variant == "file" else pipeline_frame
    inputs = {"location": location} if args.variant == "file" else {}
    start = time.perf_counter()
    with stdout_to_stderr():
        run = flyte.with_runcontext(mode="local", raw_data_path=raw).run(task, **inputs)
        text = run.outputs()[0]
    seconds = time.perf_counter() - start
    ref = str(getattr(run, "url", None) or getattr(run, "name", None) or "")
    extra: dict[str, Any] = {"rows": args.rows, "summary": text, "variant": args.variant}
    if args.variant == "file":
        extra["file_bytes"] = os.path.getsize(location) if os.path.exists(location) else None
    extra.update(impl="flyte", version=sdk_version(), runs=[ref])
    emit(f"frame_{args.variant}", 2, seconds, text == expected, **extra)


if __name__ == "__main__":
    main()
