"""The data examples (files, folders, data frames) run locally both ways and against S3.

Locally, each example runs as ``python examples/X.py`` and as ``flyte run --local examples/X.py
main``, in a fresh process with its own HOME and FLYTE_HOME and an empty working folder (the
files example writes ``./local_file.txt`` there). The test checks the exit code, the outputs
printed, that the run was recorded as succeeded, and that the data the tasks wrote is in the
run's local raw-data folder.

Against S3, each example's ``main`` runs in a fresh process with
``flyte.with_runcontext(mode="local", raw_data_path="s3://bucket/<prefix>")`` and the
``FLYTE_STORAGE_*`` settings of a real SeaweedFS server: the outputs must be the same, the
data (uploads included) must be stored under the prefix, and none of it on the local disk.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flyte._internal.store.blob import get_store
from tests.examples.outputs import assert_succeeded as _assert_succeeded
from tests.examples.outputs import cli_outputs as _cli_outputs
from tests.examples.outputs import script_outputs as _script_outputs
from tests.fixtures.seaweedfs import S3Server

REPO = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO / "examples"
FLYTE = Path(sys.executable).with_name("flyte")
PROCESS_TIMEOUT_S = 60

Completed = subprocess.CompletedProcess[str]

#: Runs an example's ``main`` with the run's raw data under a given URI:
#: ``python -c DRIVER examples/X.py s3://bucket/prefix``.
DRIVER = """
import importlib.util
import sys
from pathlib import Path

import flyte

path, raw_data_path = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location(Path(path).stem, path)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
flyte.init_from_config()
print(flyte.with_runcontext(mode="local", raw_data_path=raw_data_path).run(module.main).outputs())
"""


@dataclass(frozen=True)
class DataExample:
    """A data example, the outputs its ``main`` returns, and the objects its tasks store.

    ``written`` are objects the tasks create under the raw-data prefix in every run;
    ``uploaded`` are local files and folders a task made into File and Dir references, which are
    copied to the store, local or remote, so that they outlive the task. Both are paths relative
    to the object's unique folder under the prefix.
    """

    file: str
    outputs: tuple[Any, ...]
    written: tuple[str, ...]
    uploaded: tuple[str, ...] = ()


DATA_EXAMPLES = [
    DataExample(
        "files.py",
        (
            {
                "input": "hello flyte\nfiles travel by reference\n",
                "output": "1: HELLO FLYTE\n2: FILES TRAVEL BY REFERENCE\n",
                "output_name": "output.txt",
                "head": "1:",
                "download_matches": True,
                "summary_exists": True,
                "summary": "2 lines\n",
            },
        ),
        written=("output.txt", "summary.txt"),
        uploaded=("local_file.txt",),
    ),
    DataExample(
        "file_pipeline.py",
        (
            {
                "file": "processed_data.parquet",
                "rows": 5,
                "regions": ["north", "south", "west"],
                "quantity": 15,
                "revenue": 50.5,
            },
        ),
        written=("processed_data.parquet",),
        uploaded=("sales/north.csv", "sales/south.csv", "sales/archive/west.csv", "sales/notes.txt"),
    ),
    DataExample(
        "dataframes.py",
        (
            {
                "title": "large orders",
                "rows": 4,
                "csv_columns": ["order_id", "region", "amount"],
                "order_ids": [1, 3, 4, 5],
                "totals": {"north": 200.0, "south": 99.5, "west": 210.0},
            },
        ),
        written=("data.parquet", "large_orders.csv"),
    ),
]
IDS = [example.file for example in DATA_EXAMPLES]


@dataclass(frozen=True)
class Sandbox:
    """A fresh HOME, FLYTE_HOME and working folder for one example process."""

    home: Path
    flyte_home: Path
    work: Path

    @property
    def db(self) -> Path:
        return self.flyte_home / "local.db"

    def environ(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLYTE_") and k != "FLYTECTL_CONFIG"}
        env.update(
            HOME=str(self.home),
            FLYTE_HOME=str(self.flyte_home),
            PYTHONDONTWRITEBYTECODE="1",
            # Keep a config.yaml in the repository (it is git-ignored) from changing the runs.
            FLYTECTL_CONFIG=str(self.home / "config.yaml"),
        )
        env.update(extra)
        return env

    def run(self, *command: str | Path, env: dict[str, str] | None = None) -> Completed:
        return subprocess.run(
            [str(part) for part in command],
            cwd=self.work,
            env=self.environ(env or {}),
            capture_output=True,
            text=True,
            timeout=PROCESS_TIMEOUT_S,
            check=False,
        )

    def stored_files(self) -> list[Path]:
        """Every file under FLYTE_HOME except the local database and its journal."""
        return [p for p in self.flyte_home.rglob("*") if p.is_file() and not p.name.startswith("local.db")]


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    """A home folder with a minimal configuration, and an empty working folder."""
    home = tmp_path / "sandbox-home"
    work = tmp_path / "sandbox-work"
    home.mkdir()
    work.mkdir()
    (home / "config.yaml").write_text("task:\n  project: flytesnacks\n  domain: development\n")
    return Sandbox(home, home / ".flyte", work)


def _example(file: str) -> Path:
    return EXAMPLES_DIR / file


def _rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(query).fetchall()


def _assert_recorded(sandbox: Sandbox) -> str:
    """Checks that one run of ``main`` was recorded as succeeded; returns its name."""
    runs = _rows(sandbox.db, "SELECT name, task_name, phase FROM runs")
    assert len(runs) == 1, runs
    name, task_name, phase = runs[0]
    assert task_name.endswith(".main")
    assert phase == "SUCCEEDED"
    return str(name)


def _relative_names(paths: list[str], root: str) -> list[str]:
    """Each path relative to ``root`` minus the unique folder flyte makes for each object."""
    names = []
    for path in paths:
        assert path.startswith(root.rstrip("/") + "/"), f"{path} is not under {root}"
        _unique, _, rest = path[len(root.rstrip("/")) + 1 :].partition("/")
        names.append(rest)
    return names


def _assert_local_data(sandbox: Sandbox, run_name: str, example: DataExample) -> None:
    """The tasks' data is in the run's local raw-data folder; nothing was left in the working folder."""
    data = sandbox.flyte_home / "runs" / run_name / "data"
    stored = _relative_names([p.as_posix() for p in data.rglob("*") if p.is_file()], data.as_posix())
    assert set(example.written) | set(example.uploaded) <= set(stored), stored
    assert list(sandbox.work.iterdir()) == [], "the example left files in the working folder"


@pytest.mark.parametrize("example", DATA_EXAMPLES, ids=IDS)
def test_data_example_as_script(example: DataExample, sandbox: Sandbox) -> None:
    result = sandbox.run(sys.executable, _example(example.file))

    _assert_succeeded(result)
    assert _script_outputs(result.stdout) == example.outputs
    _assert_local_data(sandbox, _assert_recorded(sandbox), example)


@pytest.mark.parametrize("example", DATA_EXAMPLES, ids=IDS)
def test_data_example_with_flyte_run(example: DataExample, sandbox: Sandbox) -> None:
    result = sandbox.run(FLYTE, "run", "--local", _example(example.file), "main")

    _assert_succeeded(result)
    assert _cli_outputs(result.stdout) == example.outputs
    _assert_local_data(sandbox, _assert_recorded(sandbox), example)


@pytest.mark.parametrize("example", DATA_EXAMPLES, ids=IDS)
def test_data_example_on_s3(example: DataExample, sandbox: Sandbox, s3_env: S3Server) -> None:
    prefix = s3_env.uri(f"runs-{secrets.token_hex(4)}")
    storage = {k: v for k, v in os.environ.items() if k.startswith("FLYTE_STORAGE_")}
    assert storage, "the s3_env fixture should have set FLYTE_STORAGE_*"

    result = sandbox.run(sys.executable, "-c", DRIVER, _example(example.file), prefix, env=storage)

    _assert_succeeded(result)
    assert _script_outputs(result.stdout) == example.outputs
    _assert_recorded(sandbox)
    in_s3 = [info.uri for info in get_store(prefix).list(prefix)]
    stored = _relative_names(in_s3, prefix)
    assert set(example.written) | set(example.uploaded) <= set(stored), stored
    names = {Path(name).name for name in [*example.written, *example.uploaded]}
    on_disk = [p for p in sandbox.stored_files() if p.name in names]
    assert on_disk == [], f"data was stored locally instead of in S3: {on_disk}"
    assert list(sandbox.work.iterdir()) == [], "the example left files in the working folder"
