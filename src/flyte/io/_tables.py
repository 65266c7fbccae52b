"""Writing a data frame into a File: parquet, or csv when asked, from pandas, polars or pyarrow."""

from __future__ import annotations

from typing import IO, Any

FORMATS = ("parquet", "csv")


def table_format(name: str, required: str) -> str:
    """The format to write ``name`` in: the File type's format if it has one, else csv for a
    ``.csv`` name and parquet otherwise; ValueError naming the file when they disagree."""
    by_name = "csv" if name.lower().endswith(".csv") else "parquet"
    if not required:
        return by_name
    if required not in FORMATS:
        raise ValueError(f"File.from_dataframe: cannot write format '{required}' ('{name}'); use {FORMATS}")
    if name.lower().endswith((".csv", ".parquet")) and by_name != required:
        raise ValueError(f"File.from_dataframe: '{name}' does not match the File's format '{required}'")
    return required


def write_table(df: Any, fh: IO[bytes], fmt: str) -> None:
    """Writes ``df`` to the binary handle ``fh`` in ``fmt``, streaming where the library does."""
    family = type(df).__module__.partition(".")[0]
    if family == "pandas":
        if fmt == "csv":
            df.to_csv(fh, index=False, mode="wb")
        else:
            df.to_parquet(fh)
    elif family == "polars":
        if fmt == "csv":
            df.write_csv(fh)
        else:
            df.write_parquet(fh)
    elif family == "pyarrow":
        if fmt == "csv":
            import pyarrow.csv as pacsv

            pacsv.write_csv(df, fh)
        else:
            import pyarrow.parquet as pq

            pq.write_table(df, fh)
    else:
        raise TypeError(f"File.from_dataframe expects a pandas, polars or pyarrow table, got {type(df).__qualname__}")
