"""Data frames: tables passed between tasks as pandas frames and as ``flyte.io.DataFrame``.

``load_orders`` returns a plain ``pd.DataFrame``; flyte stores it as parquet and the next task
receives a frame again. ``large_orders`` returns a ``flyte.io.DataFrame`` made with
``from_df``: a reference that the tasks taking it read only when they ask, with
``df.open(pd.DataFrame).all()`` (awaited in async tasks). ``write_report`` returns a dataclass
whose fields include offloaded types, a ``flyte.io.File`` and a ``flyte.io.DataFrame``: only
their references are in the dataclass, the data stays in storage. Large tables stay out of the
tasks' inputs and outputs this way, which keeps memory low.

Run it with ``flyte run --local examples/dataframes.py main`` or ``python examples/dataframes.py``.
"""

from dataclasses import dataclass

import pandas as pd

import flyte
import flyte.io

env = flyte.TaskEnvironment(name="dataframes")


@dataclass
class RegionReport:
    """A report whose data is offloaded: a CSV file and a table, both passed by reference."""

    title: str
    rows: int
    table_csv: flyte.io.File
    totals: flyte.io.DataFrame


@env.task
def load_orders() -> pd.DataFrame:
    """A small orders table, as a plain pandas frame."""
    return pd.DataFrame(
        {
            "order_id": [1, 2, 3, 4, 5, 6],
            "region": ["north", "south", "north", "west", "south", "north"],
            "amount": [120.0, 35.5, 80.0, 210.0, 99.5, 15.0],
        }
    )


@env.task
def large_orders(orders: pd.DataFrame, minimum: float) -> flyte.io.DataFrame:
    """The orders of at least ``minimum``, as a flyte.io.DataFrame."""
    selected = orders[orders["amount"] >= minimum].reset_index(drop=True)
    return flyte.io.DataFrame.from_df(selected)


@env.task
async def region_totals(orders: flyte.io.DataFrame) -> pd.DataFrame:
    """The total amount per region; in an async task the read is awaited."""
    frame = await orders.open(pd.DataFrame).all()
    return frame.groupby("region", as_index=False)["amount"].sum().sort_values("region")


@env.task
def write_report(orders: flyte.io.DataFrame, totals: pd.DataFrame) -> RegionReport:
    """A report of the selected orders: their CSV in a File, the totals as a DataFrame."""
    frame = orders.open(pd.DataFrame).all()
    return RegionReport(
        title="large orders",
        rows=len(frame),
        table_csv=flyte.io.File.from_dataframe(frame, "large_orders.csv"),
        totals=flyte.io.DataFrame.from_df(totals),
    )


@env.task
def read_report(report: RegionReport) -> dict:
    """Read the report's offloaded fields back."""
    csv = pd.read_csv(report.table_csv)
    totals = report.totals.open(pd.DataFrame).all()
    return {
        "title": report.title,
        "rows": report.rows,
        "csv_columns": list(csv.columns),
        "order_ids": csv["order_id"].tolist(),
        "totals": {row.region: float(row.amount) for row in totals.itertuples()},
    }


@env.task
async def main() -> dict:
    """Load orders, keep the large ones, total them per region and report."""
    orders = await load_orders.aio()
    selected = await large_orders.aio(orders, minimum=50.0)
    totals = await region_totals(selected)
    report = await write_report.aio(selected, totals)
    return await read_report.aio(report)


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
