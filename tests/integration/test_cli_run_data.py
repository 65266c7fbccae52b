"""``flyte run`` with File and Dir inputs given as local paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FLYTE = Path(sys.executable).parent / "flyte"

WORKFLOW = """
import flyte
import flyte.io

env = flyte.TaskEnvironment(name="cli_files")


@env.task
def count_lines(f: flyte.io.File) -> int:
    return len(f.read().splitlines())


@env.task
def count_files(d: flyte.io.Dir) -> int:
    return len(list(d.walk()))
"""


def _flyte(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FLYTE), "run", "--local", "wf.py", *args], cwd=work, capture_output=True, text=True)


def test_file_and_dir_inputs_from_local_paths(tmp_path: Path) -> None:
    (tmp_path / "wf.py").write_text(WORKFLOW)
    (tmp_path / "in.txt").write_text("a\nb\nc\n")
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "x.txt").write_text("x")
    (tmp_path / "tree" / "sub" / "empty").write_text("")
    lines = _flyte(tmp_path, "count_lines", "--f", "in.txt")
    assert lines.returncode == 0, lines.stderr
    assert "o0 = 3" in lines.stdout
    files = _flyte(tmp_path, "count_files", "--d", "tree")
    assert files.returncode == 0, files.stderr
    assert "o0 = 2" in files.stdout


def test_missing_file_input_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "wf.py").write_text(WORKFLOW)
    missing = _flyte(tmp_path, "count_lines", "--f", "nope.txt")
    assert missing.returncode == 1
    assert "nope.txt" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


TEMPORARY_OUTPUTS = """
import tempfile
from pathlib import Path

import flyte
import flyte.io

env = flyte.TaskEnvironment(name="cli_temporary_outputs")


@env.task
def make() -> flyte.io.File:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "made.txt"
        path.write_text("made in a temporary folder")
        return flyte.io.File.from_local(path)


@env.task
def main() -> str:
    return make().read()
"""


def test_a_file_made_in_a_temporary_folder_outlives_its_task(tmp_path: Path) -> None:
    (tmp_path / "wf.py").write_text(TEMPORARY_OUTPUTS)
    done = _flyte(tmp_path, "main")
    assert done.returncode == 0, done.stderr
    assert "made in a temporary folder" in done.stdout
