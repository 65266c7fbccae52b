"""A file processing pipeline: a folder of CSV files in, one parquet file out.

``main`` writes a small sales dataset to a temporary ``sales`` folder: three CSV files (one in a
subfolder) and a ``notes.txt`` that is not data. ``Dir.from_local`` turns the folder into a
``flyte.io.Dir``, copying it into the run's data, which outlives the temporary folder;
``process_dataset`` walks it, cleans every CSV file, skips everything else and returns the
combined table as ``processed_data.parquet``; ``summarize`` reads that file back. Tasks pass
the folder and the file by reference, so no task holds more than it reads.

Run it with ``flyte run --local examples/file_pipeline.py main`` or
``python examples/file_pipeline.py``.
"""

import tempfile
from pathlib import Path

import pandas as pd

import flyte
import flyte.io

env = flyte.TaskEnvironment(name="file_pipeline")

#: The dataset ``main`` writes: relative path -> content. ``notes.txt`` looks like CSV but is
#: not a ``.csv`` file, so the pipeline must skip it (its region would show in the summary).
DATASET = {
    "north.csv": "region,quantity,price\nnorth,3,2.50\nnorth,,9.99\nnorth,1,4.00\n",
    "south.csv": "region,quantity,price\nsouth,2,10.00\nsouth,5,1.20\n",
    "archive/west.csv": "region,quantity,price\nwest,4,3.25\n",
    "notes.txt": "region,quantity,price\nnot-data,1000,1000\n",
}


def process_dataframe(data: pd.DataFrame) -> pd.DataFrame:
    """Drop rows without a quantity and add each row's revenue."""
    cleaned = data.dropna(subset=["quantity"]).astype({"quantity": "int64"})
    return cleaned.assign(revenue=cleaned["quantity"] * cleaned["price"])


@env.task
def process_dataset(input_dir: flyte.io.Dir) -> flyte.io.File:
    """Clean every CSV file of ``input_dir`` and return them combined, as parquet."""
    results = []

    # Process files in directory
    for file_path in input_dir.walk():
        if file_path.endswith(".csv"):
            data = pd.read_csv(file_path)
            processed = process_dataframe(data)
            results.append(processed)

    # Combine results
    combined = pd.concat(results)

    # Return as Flyte file
    return flyte.io.File.from_dataframe(combined, "processed_data.parquet")


@env.task
def summarize(processed: flyte.io.File) -> dict:
    """Read the parquet file back: its rows, regions and total revenue."""
    table = pd.read_parquet(processed)
    return {
        "file": processed.name,
        "rows": len(table),
        "regions": sorted(table["region"].unique().tolist()),
        "quantity": int(table["quantity"].sum()),
        "revenue": round(float(table["revenue"].sum()), 2),
    }


@env.task
async def main() -> dict:
    """Write the dataset to a folder, run the pipeline over it and summarize the result."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch, "sales")
        for name, content in DATASET.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        input_dir = await flyte.io.Dir.from_local(folder)
        processed = await process_dataset.aio(input_dir)
        return await summarize.aio(processed)


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
