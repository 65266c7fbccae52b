"""TypeEngine: registration, the pickle fallback, the codec and the public facade."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
import threading
from pathlib import Path
from types import GenericAlias
from typing import Any, Optional

import msgpack
import pytest

import flyte.errors
import flyte.types
from flyte._internal.serde import TypeEngine, TypeTransformer, hash_bytes, pack, unpack
from flyte._internal.serde._base import TypeTransformerFailedError
from flyte.errors import RuntimeUserError


def roundtrip(value: Any, tp: Any) -> Any:
    """Encodes through msgpack bytes, as values travel between tasks."""
    t = TypeEngine.get_transformer(tp)
    return t.to_python_value(unpack(pack(t.to_literal(value))))


@pytest.fixture
def clean_registry() -> Any:
    """Restores the engine's registry and cache after a test registers transformers."""
    registry = dict(TypeEngine._registry)
    yield
    TypeEngine._registry.clear()
    TypeEngine._registry.update(registry)
    TypeEngine._cache.clear()


def test_public_facade_exports() -> None:
    assert flyte.types.__all__ == [
        "FlytePickle",
        "Renderable",
        "TypeEngine",
        "TypeTransformer",
        "TypeTransformerFailedError",
        "guess_interface",
        "literal_string_repr",
    ]
    assert flyte.types.TypeEngine is TypeEngine
    assert issubclass(flyte.types.TypeTransformerFailedError, TypeError)
    assert issubclass(flyte.types.TypeTransformerFailedError, RuntimeUserError)


def test_facade_docstring_example_works(clean_registry: None) -> None:
    doc = flyte.types.__doc__ or ""
    last_line = "TypeEngine.register(PointTransformer())"
    start = doc.index("    from flyte.types import")
    end = doc.index(last_line) + len(last_line)
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(line[4:] for line in doc[start:end].splitlines()), "<doc>", "exec"), namespace)
    point_cls = namespace["Point"]
    assert TypeEngine.to_literal([point_cls(1.0, 2.0)], GenericAlias(list, (point_cls,))) == [[1.0, 2.0]]
    out = roundtrip({"p": point_cls(3.0, 4.0)}, GenericAlias(dict, (str, point_cls)))
    assert (out["p"].x, out["p"].y) == (3.0, 4.0)
    with pytest.raises(TypeError, match="expected Point, got int"):
        TypeEngine.to_literal(1, point_cls)


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and other.cents == self.cents

    __hash__ = None  # type: ignore[assignment]


class Euro(Money):
    pass


class MoneyTransformer(TypeTransformer[Money]):
    def __init__(self) -> None:
        super().__init__("Money", Money)

    def to_literal(self, value: Money) -> Any:
        if not isinstance(value, Money):
            raise TypeTransformerFailedError(f"expected Money, got {type(value).__name__}")
        return f"{value.cents}c"

    def to_python_value(self, literal: Any) -> Money:
        return Money(int(literal[:-1]))


def test_registered_transformer_wins_over_pickle(clean_registry: None) -> None:
    before = TypeEngine.get_transformer(list[Money])
    TypeEngine.register(MoneyTransformer())
    assert TypeEngine.get_transformer(list[Money]) is not before
    assert TypeEngine.to_literal([Money(5)], list[Money]) == ["5c"]
    assert roundtrip(Money(7), Optional[Money]) == Money(7)
    assert TypeEngine.get_transformer(Money).schema() == "MoneyTransformer(Money)"


def test_registered_transformer_serves_subclasses_and_additional_types(clean_registry: None) -> None:
    class Cents(int):
        pass

    transformer = MoneyTransformer()
    TypeEngine.register(transformer, additional_types=[Cents])
    assert TypeEngine.get_transformer(Euro) is transformer
    assert TypeEngine.get_transformer(Cents) is transformer


def test_registered_transformer_wins_over_builtins(clean_registry: None) -> None:
    class LoudStr(TypeTransformer[str]):
        def __init__(self) -> None:
            super().__init__("loud", str)

        def to_literal(self, value: str) -> Any:
            return value.upper()

        def to_python_value(self, literal: Any) -> str:
            return str(literal).lower()

    TypeEngine.register(LoudStr())
    assert TypeEngine.to_literal({"a": "x"}, dict[str, str]) == {"A": "X"}


def test_register_refuses_non_transformers() -> None:
    with pytest.raises(TypeError, match="expected a TypeTransformer"):
        TypeEngine.register(object())  # type: ignore[arg-type]


def test_unknown_type_is_pickled_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    class Opaque:
        def __init__(self, v: int) -> None:
            self.v = v

    with caplog.at_level(logging.WARNING, logger="flyte"):
        t = TypeEngine.get_transformer(Opaque)
        lits = [t.to_literal(Opaque(i)) for i in range(3)]
        TypeEngine._cache.clear()
        TypeEngine.get_transformer(Opaque)
    warnings = [r for r in caplog.records if r.name == "flyte" and "Opaque" in r.getMessage()]
    assert len(warnings) == 1
    assert "pickled with cloudpickle" in warnings[0].getMessage()
    assert all(isinstance(lit, msgpack.ExtType) and lit.code == 1 for lit in lits)
    assert roundtrip(Opaque(9), Opaque).v == 9
    assert TypeEngine.get_transformer(Opaque).schema().endswith(".<locals>.Opaque")
    assert TypeEngine.get_transformer(Opaque).schema().startswith("pickle:test_unknown_type")


def test_pickled_type_is_still_checked() -> None:
    class Opaque2:
        pass

    with pytest.raises(TypeError, match=r"expected .*Opaque2, got int 1"):
        TypeEngine.to_literal(1, Opaque2)


def test_unpicklable_value_is_a_type_error() -> None:
    with pytest.raises(TypeTransformerFailedError, match="cannot pickle lock: "):
        TypeEngine.to_literal(threading.Lock(), Any)


def test_any_warns_once_per_pickled_type(caplog: pytest.LogCaptureFixture) -> None:
    @dataclasses.dataclass
    class Blob:
        x: int

    with caplog.at_level(logging.WARNING, logger="flyte"):
        TypeEngine.to_literal(Blob(1), Any)
        TypeEngine.to_literal(Blob(2), Any)
    assert sum("Blob" in r.getMessage() for r in caplog.records) == 1


def test_codec_is_deterministic_and_keeps_types() -> None:
    literal = {"b": [1, 2.0, "3", b"4", None, True], "a": {1: msgpack.ExtType(1, b"p")}}
    blob = pack(literal)
    assert pack(literal) == blob
    assert unpack(blob) == literal
    assert hash_bytes(blob) == hash_bytes(pack(literal))
    assert len(hash_bytes(blob)) == 32
    assert hash_bytes(b"abc") == "06b05ab6733a618578af5f94892f3950"  # xxh3_128 of b"abc"


def test_import_is_cheap() -> None:
    # Import the serde package alone, with flyte as a bare namespace: what the rest of flyte
    # imports is pinned elsewhere.
    package_dir = str(Path(flyte.errors.__file__).parent)
    code = (
        "import sys, types\n"
        f"root = types.ModuleType('flyte'); root.__path__ = [{package_dir!r}]\n"
        "sys.modules['flyte'] = root\n"
        "import flyte._internal.serde\n"
        "print(sorted(m for m in ('pydantic', 'cloudpickle', 'pandas') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
