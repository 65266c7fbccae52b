"""The table of the dataframe benchmark, built the same way by every side; no flyte imported.

Five columns: two int64, two float64 and a string column drawn from 100,000 distinct labels.
Building it (a few seconds for 10 million rows) is never timed. :func:`summary` is what each
side computes from the table it read back and what the harness checks: the row count, two
integer sums and two sampled labels, so a truncated or reordered read cannot pass.
"""

from __future__ import annotations

from typing import Any

SEED = 7
LABELS = 100_000


def make_frame(rows: int, seed: int = SEED) -> Any:
    """A pandas DataFrame of ``rows`` rows x 5 columns (ints, floats, strings)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    words = np.array([f"label-{i:06d}" for i in range(LABELS)], dtype=object)
    return pd.DataFrame(
        {
            "id": np.arange(rows, dtype=np.int64),
            "count": rng.integers(0, 1_000_000, rows, dtype=np.int64),
            "price": rng.random(rows),
            "score": rng.standard_normal(rows),
            "label": words[rng.integers(0, LABELS, rows)],
        }
    )


def summary(frame: Any) -> str:
    """``rows:sum(id):sum(count):label[rows//2]:label[-1]`` of a pandas DataFrame."""
    rows = len(frame)
    labels = frame["label"]
    middle = labels.iloc[rows // 2] if rows else ""
    last = labels.iloc[-1] if rows else ""
    return f"{rows}:{int(frame['id'].sum())}:{int(frame['count'].sum())}:{middle}:{last}"
