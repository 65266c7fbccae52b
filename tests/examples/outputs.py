"""What the example tests read from a finished example: its exit status and its printed outputs."""

from __future__ import annotations

import ast
import re
import subprocess
from typing import Any

Completed = subprocess.CompletedProcess[str]


def assert_succeeded(result: Completed) -> None:
    """Fails with the command's output unless it exited 0."""
    assert result.returncode == 0, (
        f"{' '.join(map(str, result.args))} exited with {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )


def script_outputs(stdout: str) -> tuple[Any, ...]:
    """The values of the ``ActionOutputs(o0=..., o1=...)`` line an example prints last."""
    line = stdout.strip().splitlines()[-1]
    call = ast.parse(line, mode="eval").body
    assert isinstance(call, ast.Call) and ast.unparse(call.func) == "ActionOutputs", line
    assert [k.arg for k in call.keywords] == [f"o{i}" for i in range(len(call.keywords))], line
    return tuple(ast.literal_eval(keyword.value) for keyword in call.keywords)


def cli_outputs(stdout: str) -> tuple[Any, ...]:
    """The values of the ``Outputs:`` block of ``flyte run`` (``  o0 = value``, maybe wrapped)."""
    assert "\nOutputs:" in stdout and "\nRecords:" in stdout, stdout
    block = stdout.split("\nOutputs:", 1)[1].split("\nRecords:", 1)[0]
    entries = re.split(r"^  o\d+ = ", block, flags=re.MULTILINE)
    assert not entries[0].strip(), stdout
    return tuple(ast.literal_eval(entry.strip()) for entry in entries[1:])
