"""Reading a run runs no code the reader did not choose: a forged pickled output stays a pickle.

Whoever can write a run's stored values (a worker's token, the database) could put a pickle
there. Readers without the task's code see a placeholder naming its type; the handle that
started the run decodes with the task's declared ``int`` and refuses it; only an explicit
``unpickle=True`` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import flyte
from flyte._internal.serde import TypeTransformerFailedError, pack
from flyte._internal.serde._pickle import pickle_value
from flyte.remote import PickledValue
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, flyte_cli, load_workflow
from tests.integration.server.hardening._support import assert_server_still_runs_runs, execute

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="hardening_reader")


@env.task
async def answer(x: int) -> int:
    return x + 1
"""

TOUCH = f"{Path.touch.__module__}.{Path.touch.__qualname__}"


class Touch:
    """Unpickling it creates ``path``: the stand-in for code a forged pickle runs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


def test_a_forged_pickled_output_is_not_run_by_its_readers(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    started = flyte.run(wf.answer, 41)
    assert started.outputs()[0] == 42

    marker = tmp_path / "pickle-ran"
    forged = pickle_value(Touch(marker))
    execute(
        flyte_server,
        "UPDATE actions SET outputs = :outputs, inputs = :inputs WHERE run_name = :run AND name = 'a0'",
        outputs=pack(forged),
        inputs=pack({"x": forged}),
        run=started.name,
    )
    placeholder = PickledValue(forged.data)

    run = flyte.remote.Run.get(started.name)
    assert run.outputs()[0] == placeholder and run.inputs() == {"x": placeholder}
    assert run.outputs()[0].type_name == TOUCH
    assert not marker.exists()

    # The handle of flyte.run has the task, whose declared int refuses the pickle unrun.
    for read in (started.outputs, started.inputs):
        with pytest.raises(TypeTransformerFailedError, match="expected int, got a pickled value"):
            read()
    assert not marker.exists()

    shown = flyte_cli(flyte_server, "get", "io", started.name, "a0")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[1:] == ["Inputs:", f"  x = {placeholder!r}", "Outputs:", f"  o0 = {placeholder!r}"]
    assert f"<pickled {TOUCH}, {len(forged.data)} bytes>" in shown.stdout
    assert not marker.exists()

    run.outputs(unpickle=True)
    assert marker.exists()

    assert_server_still_runs_runs(flyte_server)
