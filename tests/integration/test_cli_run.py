"""``flyte run`` end to end: the installed console script, on workflow files written here.

Each test starts the real command in a fresh process with its own HOME and FLYTE_HOME, and
checks what a user sees: outputs on success, one-line errors (never a traceback) on failure,
and the live progress line only on a terminal (a pseudo-terminal here).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

FLYTE = Path(sys.executable).parent / "flyte"

WORKFLOW = '''
import asyncio
import os
from pathlib import Path

import flyte

env = flyte.TaskEnvironment(name="cli_run")


@env.task
async def greet(name: str) -> str:
    return f"Hello, {name}!"


@env.task
async def main(names: list[str], times: int = 1) -> tuple[list[str], int]:
    """Greets everyone."""
    greetings = await asyncio.gather(*(greet(n) for n in names))
    return list(greetings), times


@env.task
async def fails(x: int) -> int:
    raise ValueError(f"x was {x}, which is wrong")


@env.task
async def held(i: int) -> int:
    # Waits for the test to create the release file, so the run lasts as long as the test needs.
    release = Path(os.environ["RELEASE_FILE"])
    for _ in range(3000):  # a minute at most, should the test never release it
        if release.exists():
            return i
        await asyncio.sleep(0.02)
    raise TimeoutError("never released")


@env.task
async def waits(n: int = 3) -> int:
    """Runs n children held until the test releases them."""
    return sum(await asyncio.gather(*(held(i) for i in range(n))))


@env.task
async def lasts(seconds: float = 1.0) -> str:
    await asyncio.sleep(seconds)
    return "finished"
'''


def cli_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> Path:
    """A working folder holding ``files``; HOME and FLYTE_HOME point at fresh folders, and no
    FLYTE_* setting is left in the environment."""
    for name in list(os.environ):
        if name.startswith("FLYTE_") or name == "FLYTECTL_CONFIG":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "cli-home"))
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "cli-flyte-home"))
    (tmp_path / "cli-home").mkdir()
    work = tmp_path / "cli-work"
    work.mkdir()
    for file_name, text in files.items():
        (work / file_name).write_text(text)
    return work


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with ``wf.py``, in a fresh environment (see :func:`cli_workdir`)."""
    monkeypatch.setenv("RELEASE_FILE", str(tmp_path / "release"))
    return cli_workdir(tmp_path, monkeypatch, {"wf.py": WORKFLOW})


def _flyte(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FLYTE), *args], cwd=workdir, capture_output=True, text=True, timeout=60, check=False)


def _one_line_failure(workdir: Path, *args: str) -> str:
    result = _flyte(workdir, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    return result.stderr


def test_success_prints_the_run_outputs_and_records(workdir: Path) -> None:
    result = _flyte(workdir, "run", "--local", "wf.py", "main", "--names", '["Ada", "Bob"]', "--times", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"Run: +(\S+) \(SUCCEEDED\)", lines[0]), lines
    run_name = lines[0].split()[1]
    assert lines[1:4] == ["Outputs:", "  o0 = ['Hello, Ada!', 'Hello, Bob!']", "  o1 = 2"]
    assert lines[4].startswith("Records: ") and run_name in lines[4]
    assert "\x1b[" not in result.stdout  # no terminal, no escape codes


def test_named_run_with_environment(workdir: Path) -> None:
    result = _flyte(workdir, "run", "--name", "my-named-run", "-e", "K=V", "wf.py", "main", "--names", "[]")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Run:     my-named-run (SUCCEEDED)\n")


def test_a_run_name_in_use_is_refused_on_one_line(workdir: Path) -> None:
    first = _flyte(workdir, "run", "--local", "--name", "taken", "wf.py", "greet", "--name", "Ada")
    assert first.returncode == 0, first.stderr
    assert _one_line_failure(workdir, "run", "--local", "--name", "taken", "wf.py", "greet", "--name", "Bob") == (
        "Error: A run named 'taken' exists already: choose another name\n"
    )


def test_unknown_task(workdir: Path) -> None:
    assert _one_line_failure(workdir, "run", "wf.py", "nope") == (
        "Error: no task named 'nope' in wf.py; available tasks: greet, main, fails, held, waits, lasts\n"
    )


def test_missing_file(workdir: Path) -> None:
    assert _one_line_failure(workdir, "run", "missing.py", "main") == "Error: cannot load missing.py: no such file\n"


def test_file_that_fails_to_import(workdir: Path) -> None:
    (workdir / "broken.py").write_text("import flyte\nraise KeyError('setting')\n")
    assert _one_line_failure(workdir, "run", "broken.py", "main") == (
        "Error: cannot load broken.py: KeyError: 'setting'\n"
    )


def test_bad_value(workdir: Path) -> None:
    assert _one_line_failure(workdir, "run", "wf.py", "main", "--names", "[1]") == (
        "Error: Invalid value for '--names': at [0]: expected a string, got 1\n"
    )


def test_failing_task(workdir: Path) -> None:
    stderr = _one_line_failure(workdir, "run", "--name", "doomed", "wf.py", "fails", "--x", "3")
    error, hint = stderr.splitlines()
    assert error == "Error: run doomed failed: ValueError: x was 3, which is wrong"
    assert hint.startswith("Hint: ") and "doomed" in hint


def _screen(raw: str) -> list[str]:
    """The lines left on a terminal after ``raw`` was written to it: enough of a terminal for
    carriage returns, line feeds, cursor-up and erase-line, which is what a live line uses."""
    lines, row, col = [""], 0, 0
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]+", raw):
        if token == "\r":
            col = 0
        elif token == "\n":
            row += 1
            col = 0
            if row == len(lines):
                lines.append("")
        elif token.startswith("\x1b["):
            if token.endswith("A"):
                row = max(0, row - int(token[2:-1] or 1))
            elif token.endswith("K"):
                lines[row] = lines[row][:col] if token[2:-1] in ("", "0") else ""
        else:
            lines[row] = lines[row][:col] + token + lines[row][col + len(token) :]
            col += len(token)
    return [line for line in lines if line.strip()]


class Terminal:
    """A process running on a pseudo-terminal (wide, of a known kind), with what it wrote so far.

    Use it as a context manager: leaving the block kills the process if it is still running.
    """

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.fd, child_end = pty.openpty()
        fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color"}
        self.process = subprocess.Popen(args, cwd=cwd, env=env, stdin=child_end, stdout=child_end, stderr=child_end)
        os.close(child_end)
        self.output = ""

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        os.close(self.fd)

    def read_until(self, pattern: str, deadline: float) -> re.Match[str] | None:
        """Reads until ``pattern`` appears in the output; ``None`` if the process ends first."""
        while (found := re.search(pattern, self.output)) is None:
            assert time.monotonic() < deadline, f"timed out waiting for {pattern!r}: {self.output!r}"
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # Linux: the process ended and its end of the terminal is closed
                    return None
                if not chunk:
                    return None
                self.output += chunk.decode(errors="replace")
        return found

    def wait(self) -> int:
        """Reads the rest of the output and returns the exit code."""
        self.read_until(r"(?!)", time.monotonic() + 60)
        return self.process.wait(timeout=30)


def test_progress_line_on_a_terminal_turns_into_a_summary(workdir: Path) -> None:
    with Terminal([str(FLYTE), "run", "wf.py", "waits", "--n", "3"], workdir) as terminal:
        deadline = time.monotonic() + 30
        live = r"Running \S+ \(\d+\.\ds\): 0 done, 4 running, 0 failed, 0 cached"
        assert terminal.read_until(live, deadline), terminal.output
        Path(os.environ["RELEASE_FILE"]).touch()
        assert terminal.wait() == 0, terminal.output
    screen = _screen(terminal.output)
    assert not any("Running" in line for line in screen), screen
    assert re.fullmatch(r"Run (\S+) succeeded in \d+\.\ds: 4 done, 0 failed, 0 cached", screen[0]), screen
    assert screen[1:3] == [f"Run:     {screen[0].split()[1]} (SUCCEEDED)", "Outputs:"]
    assert screen[3] == "  o0 = 3"


def test_no_progress_without_a_terminal(workdir: Path) -> None:
    result = _flyte(workdir, "run", "wf.py", "lasts", "--seconds", "1.0")
    assert result.returncode == 0, result.stderr
    assert "Running" not in result.stdout + result.stderr
    assert "succeeded in" not in result.stdout
    assert "\x1b[" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[1:3] == ["Outputs:", "  o0 = 'finished'"]


def test_rich_is_not_imported_without_a_terminal(workdir: Path) -> None:
    code = (
        "import sys\n"
        "from flyte.cli.main import main\n"
        "main(['run', 'wf.py', 'main', '--names', '[]'], standalone_mode=False)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
