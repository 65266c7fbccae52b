"""Frame libraries load only when used: ``import flyte`` loads none, a task naming a frame type
loads its library's transformer (and pyarrow), and the type engine's lazy-provider hook."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from typing import Any

import pytest

from flyte._internal.serde import TypeEngine, TypeTransformer


def run_python(code: str) -> str:
    """Runs ``code`` in a fresh interpreter and returns what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_flyte_loads_no_frame_library() -> None:
    out = run_python(
        """
        import sys
        import flyte
        import flyte.io
        from flyte.io import DataFrame
        print(sorted(m for m in ("pandas", "pyarrow", "polars", "numpy") if m in sys.modules))
        """
    )
    assert out == "[]"


def test_a_task_naming_a_pandas_frame_works_and_loads_only_what_it_needs() -> None:
    out = run_python(
        """
        import sys
        import pandas as pd
        import flyte

        env = flyte.TaskEnvironment("lazy")

        @env.task
        def double(df: pd.DataFrame) -> pd.DataFrame:
            return df * 2

        flyte.init()
        out = flyte.with_runcontext(mode="local").run(double, pd.DataFrame({"a": [1, 2]})).outputs()[0]
        print(type(out).__name__, out["a"].tolist(), "polars" in sys.modules)
        """
    )
    assert out == "DataFrame [2, 4] False"


@pytest.fixture
def fakelib(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """A library ``fakelib`` whose ``Table`` class is in ``fakelib.core``; the engine restored after."""
    module = types.ModuleType("fakelib.core")
    table = type("Table", (), {"__module__": "fakelib.core"})
    module.Table = table  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fakelib.core", module)
    registry, providers = dict(TypeEngine._registry), dict(TypeEngine._lazy_providers)
    yield module
    TypeEngine._registry.clear()
    TypeEngine._registry.update(registry)
    TypeEngine._lazy_providers.clear()
    TypeEngine._lazy_providers.update(providers)
    TypeEngine._cache.clear()


class _TableTransformer(TypeTransformer[Any]):
    def to_literal(self, value: Any) -> Any:
        return "table"

    def to_python_value(self, literal: Any) -> Any:
        return literal


def test_a_lazy_provider_runs_once_on_the_first_lookup_of_its_library(fakelib: types.ModuleType) -> None:
    table = fakelib.Table
    calls: list[str] = []

    def provide() -> None:
        calls.append("fakelib")
        TypeEngine.register(_TableTransformer("Table", table))

    TypeEngine.register_lazy_provider("fakelib", provide)
    assert calls == []
    assert isinstance(TypeEngine.get_transformer(table), _TableTransformer)
    subclass = type("Tagged", (table,), {"__module__": "users.module"})
    assert isinstance(TypeEngine.get_transformer(subclass), _TableTransformer)
    assert isinstance(TypeEngine.get_transformer(list[table]).to_literal([table()]), list)
    assert calls == ["fakelib"]


def test_a_failing_provider_is_tried_again(fakelib: types.ModuleType) -> None:
    attempts: list[int] = []

    def provide() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise ImportError("fakelib's engine is missing")
        TypeEngine.register(_TableTransformer("Table", fakelib.Table))

    TypeEngine.register_lazy_provider("fakelib", provide)
    with pytest.raises(ImportError, match="engine is missing"):
        TypeEngine.get_transformer(fakelib.Table)
    assert isinstance(TypeEngine.get_transformer(fakelib.Table), _TableTransformer)
    assert len(attempts) == 2


def test_a_users_subclass_of_a_pandas_frame_is_served_as_one(fakelib: types.ModuleType) -> None:
    import pandas as pd

    class Mine(pd.DataFrame):  # defined here, so its module is not pandas
        pass

    assert TypeEngine.get_transformer(Mine).name == "pandas.DataFrame"
