"""Reading stored values runs no code the reader did not choose: pickles stay placeholders.

Each forged pickle here would create a marker file when unpickled, standing for any code an
attacker able to write a run's outputs would have the reader run.
"""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any

import cloudpickle
import msgpack
import pytest

import flyte
from flyte._internal import wire
from flyte._internal.client import client_for
from flyte._internal.serde import TypeTransformerFailedError, pack
from flyte._internal.serde._pickle import pickle_value
from flyte.remote import PickledValue
from flyte.remote._values import decode_inputs, decode_literal, decode_outputs
from tests.unit.cli.run_helpers import flyte as flyte_cli
from tests.unit.remote.fake_server import ENDPOINT, FakeServer, Outcome, install

TOUCH = f"{Path.touch.__module__}.{Path.touch.__qualname__}"

env = flyte.TaskEnvironment(name="test_values")


@env.task
async def doubled(n: int) -> int:
    return n * 2


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Touch:
    """Unpickling it creates ``path``: the stand-in for code a forged pickle runs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """Where a forged pickle leaves its trace when it is run."""
    return tmp_path / "pickle-ran"


@pytest.fixture
def forged(marker: Path) -> msgpack.ExtType:
    """A stored pickled value that creates ``marker`` when unpickled."""
    return pickle_value(Touch(marker))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    server = FakeServer()
    install(monkeypatch, server)
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", ENDPOINT)
    flyte.init(endpoint=ENDPOINT)
    return server


def _add_run(fake: FakeServer, outputs: Any, inputs: Any) -> None:
    request = wire.CreateRunRequest(
        name="r1", task=wire.TaskSpec(name="test_values.doubled", module="wf.py"), inputs=pack(inputs)
    )
    fake.add_run(request, Outcome(outputs=pack(outputs)))


def _local_class_instance() -> Any:
    @dataclasses.dataclass
    class Local:
        x: int

    return Local(1)


def test_every_default_decoding_leaves_a_pickle_unrun(forged: msgpack.ExtType, marker: Path) -> None:
    decoded = [
        decode_literal(forged),
        decode_outputs(pack(forged))[0],
        decode_inputs(pack({"x": forged}))["x"],
    ]
    assert not marker.exists()
    for value in decoded:
        assert isinstance(value, PickledValue)
        assert (value.type_name, value.size, value.data) == (TOUCH, len(forged.data), forged.data)
        assert repr(value) == f"<pickled {TOUCH}, {len(forged.data)} bytes>"
    assert not marker.exists()


def test_pickles_nested_in_lists_and_dicts_stay_placeholders(forged: msgpack.ExtType, marker: Path) -> None:
    decoded = decode_outputs(pack({"items": [1, forged], "by_name": {"a": forged}}))[0]
    placeholder = PickledValue(forged.data)
    assert decoded == {"items": [1, placeholder], "by_name": {"a": placeholder}}
    assert not marker.exists()


def test_unpickling_is_an_explicit_choice_that_runs_the_code(forged: msgpack.ExtType, marker: Path) -> None:
    placeholder = decode_literal(forged)
    assert not marker.exists()
    placeholder.unpickle()
    assert marker.exists()
    marker.unlink()
    decode_literal([forged], unpickle=True)
    assert marker.exists()


def test_a_class_pickled_by_reference_is_named() -> None:
    assert PickledValue(cloudpickle.dumps(Point(1, 2))).type_name == f"{Point.__module__}.Point"
    assert PickledValue(cloudpickle.dumps([Point(1, 2)])).type_name == "list"
    assert PickledValue(pickle.dumps((1, "a"))).type_name == "tuple"


def test_a_class_pickled_by_value_has_a_sensible_name() -> None:
    instance = _local_class_instance()
    assert PickledValue(cloudpickle.dumps(instance)).type_name == "unknown type"
    # The class itself is rebuilt by cloudpickle, which is what the pickle names.
    assert PickledValue(cloudpickle.dumps(type(instance))).type_name.startswith("cloudpickle.")


def test_names_of_the_older_protocols_are_read_too() -> None:
    names = [PickledValue(pickle.dumps(Point(1, 2), protocol=p)).type_name for p in range(pickle.HIGHEST_PROTOCOL + 1)]
    # Protocols 0 and 1 build instances through copyreg, under its Python 2 name.
    assert names == ["copy_reg._reconstructor"] * 2 + [f"{Point.__module__}.Point"] * (len(names) - 2)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x80",
        b"not a pickle at all",
        bytes(range(256)),
        pickle.dumps(Point(1, 2))[:-5],  # truncated
        b"\x80\x05\x93.",  # STACK_GLOBAL with nothing to take
        b"\x80\x05t.",  # TUPLE without a mark
        b"\x80\x05h\x07\x81.",  # NEWOBJ of a memo entry that was never stored
    ],
)
def test_garbage_is_an_unknown_type_and_never_crashes(data: bytes) -> None:
    value = PickledValue(data)
    assert value.type_name == "unknown type"
    assert repr(value) == f"<pickled unknown type, {len(data)} bytes>"


def test_deeply_nested_marks_are_scanned_in_linear_time() -> None:
    # Each TUPLE takes the items above the latest mark: copying or scanning the whole stack to
    # find it would be quadratic, tens of seconds here instead of a fraction of one.
    depth = 100_000
    assert PickledValue(b"(" * depth + b"t" * depth + b".").type_name == "tuple"


def test_other_extension_values_are_returned_as_they_are() -> None:
    other = msgpack.ExtType(42, b"data")
    assert decode_literal([other], unpickle=True) == [other]


def test_placeholders_compare_by_their_bytes(forged: msgpack.ExtType) -> None:
    a, b = PickledValue(forged.data), PickledValue(forged.data)
    assert a == b and hash(a) == hash(b)
    assert a != PickledValue(forged.data + b"x")


def test_a_task_declaring_int_refuses_a_stored_pickle(forged: msgpack.ExtType, marker: Path) -> None:
    with pytest.raises(TypeTransformerFailedError, match="expected int, got a pickled value"):
        doubled.interface.decode_output(pack(forged))
    with pytest.raises(TypeTransformerFailedError, match="expected int, got a pickled value"):
        doubled.interface.decode_inputs(pack({"n": forged}))
    assert not marker.exists()


def test_a_run_read_by_name_leaves_pickles_unrun_unless_asked(
    fake: FakeServer, forged: msgpack.ExtType, marker: Path
) -> None:
    _add_run(fake, forged, {"n": forged})
    run = flyte.remote.Run.get("r1")
    assert run.outputs()[0] == PickledValue(forged.data)
    assert run.inputs() == {"n": PickledValue(forged.data)}
    assert not marker.exists()
    run.outputs(unpickle=True)
    assert marker.exists()


def test_a_run_with_its_task_decodes_with_the_declared_types(
    fake: FakeServer, forged: msgpack.ExtType, marker: Path
) -> None:
    _add_run(fake, forged, {"n": forged})
    client = client_for(ENDPOINT)
    run = flyte.remote.Run(client.get_run("r1"), client, doubled)
    for read in (run.outputs, run.inputs):
        with pytest.raises(TypeTransformerFailedError, match="expected int, got a pickled value"):
            read(unpickle=True)
    assert not marker.exists()


def test_cli_get_io_shows_the_type_name_and_runs_nothing(
    fake: FakeServer, forged: msgpack.ExtType, marker: Path
) -> None:
    _add_run(fake, [forged], {"n": forged})
    shown = flyte_cli("get", "io", "r1")
    assert shown.exit_code == 0, shown.output
    placeholder = f"<pickled {TOUCH}, {len(forged.data)} bytes>"
    assert shown.stdout.splitlines()[1:] == ["Inputs:", f"  n = {placeholder}", "Outputs:", f"  o0 = [{placeholder}]"]
    assert not marker.exists()
