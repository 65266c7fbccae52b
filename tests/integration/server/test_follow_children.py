"""``flyte run --follow`` against a real server streams the logs of every task action of the run:
the root's lines as they are, each child's prefixed with the child's name."""

from __future__ import annotations

import re
from pathlib import Path

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, flyte_cli

WORKFLOW = """
import asyncio

import flyte

env = flyte.TaskEnvironment(name="follow_kids")


@env.task
async def leaf(x: int) -> int:
    print(f"leaf says {x}")
    return x


@env.task
async def middle(x: int) -> int:
    print(f"middle says {x}")
    return await leaf(x * 10)


@env.task
async def main(n: int) -> int:
    print("root says hello")
    values = await asyncio.gather(*[middle(i) for i in range(n)])
    print("root says bye")
    return sum(values)
"""


def test_follow_streams_the_logs_of_child_actions(flyte_server: ServerHandle) -> None:
    Path("kids.py").write_text(WORKFLOW)
    done = flyte_cli(flyte_server, "run", "--follow", "--name", "kids-run", "kids.py", "main", "--n", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "root says hello" in lines and "root says bye" in lines
    assert lines[-2:] == ["Outputs:", "  o0 = 10"]

    connect(flyte_server)
    actions = flyte.remote.Run.get("kids-run").actions()
    children = {a.name: a for a in actions if a.name != "a0"}
    assert len(children) == 4  # two middles, each with a leaf
    said = {}
    for line in lines:
        match = re.fullmatch(r"\[(\S+)\] (middle|leaf) says (\d+)", line)
        if match:
            said[match.group(1)] = f"{match.group(2)} says {match.group(3)}"
    assert set(said) == set(children)
    assert sorted(said.values()) == ["leaf says 0", "leaf says 10", "middle says 0", "middle says 1"]
    # A child's lines come with its name, never bare like the root's.
    assert not any(re.fullmatch(r"(middle|leaf) says \d+", line) for line in lines)
