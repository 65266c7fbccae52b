"""Cache: behaviors and aliases, the "auto" version from the syntax tree, and resolve_cache."""

from __future__ import annotations

import importlib.util
import itertools
import textwrap
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from flyte._cache import Cache, CachePolicy, FunctionBodyPolicy, VersionParameters, resolve_cache

_counter = itertools.count()


def _load(tmp_path: Path, source: str) -> Callable[..., Any]:
    """Define ``f`` from ``source`` in a real module file, as inspect.getsource needs."""
    name = f"cached_fn_{next(_counter)}"
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    func: Callable[..., Any] = module.f
    return func


BASE = """
def f(x: int) -> int:
    return x + 1
"""


def _auto_version(tmp_path: Path, source: str, **cache: Any) -> str:
    return Cache("auto", **cache).get_version(_load(tmp_path, source))


@pytest.mark.parametrize(
    "same",
    [
        '''
        def f(x: int) -> int:
            """A docstring does not change the version."""
            # nor does a comment
            return x + 1
        ''',
        """
        def f(x: int) -> int:
            return (x+1)
        """,
        """
        def f(
            x: int,
        ) -> int:

            return x + 1  # trailing comment
        """,
        """
        @staticmethod
        def f(x: int) -> int:
            return x + 1
        """,
    ],
)
def test_auto_version_ignores_formatting_comments_docstrings(tmp_path: Path, same: str) -> None:
    assert _auto_version(tmp_path, same) == _auto_version(tmp_path, BASE)


@pytest.mark.parametrize(
    "different",
    [
        "def f(x: int) -> int:\n    return x + 2\n",
        "def f(x: int) -> int:\n    return x - 1\n",
        "def f(y: int) -> int:\n    return y + 1\n",
        "def f(x: int) -> float:\n    return x + 1\n",
        "async def f(x: int) -> int:\n    return x + 1\n",
    ],
)
def test_auto_version_changes_with_code(tmp_path: Path, different: str) -> None:
    assert _auto_version(tmp_path, different) != _auto_version(tmp_path, BASE)


def test_auto_version_folds_in_the_salt(tmp_path: Path) -> None:
    plain = _auto_version(tmp_path, BASE)
    assert _auto_version(tmp_path, BASE, salt="v2") != plain
    assert _auto_version(tmp_path, BASE, salt="v2") == _auto_version(tmp_path, BASE, salt="v2")


def test_auto_version_folds_in_every_policy(tmp_path: Path) -> None:
    class ImagePolicy:
        def get_version(self, salt: str, params: VersionParameters) -> str:
            return f"{salt}:{params.image}"

    func = _load(tmp_path, BASE)
    body_only = Cache("auto").get_version(VersionParameters(func=func, image="img:1"))
    policies: list[CachePolicy] = [FunctionBodyPolicy(), ImagePolicy()]
    with_image = Cache("auto", policies=policies).get_version(VersionParameters(func=func, image="img:1"))
    other_image = Cache("auto", policies=policies).get_version(VersionParameters(func=func, image="img:2"))
    assert len({body_only, with_image, other_image}) == 3


def test_auto_version_of_a_lambda_is_stable() -> None:
    def make() -> Callable[[int], int]:
        return lambda x: x * 2

    assert Cache("auto").get_version(make()) == Cache("auto").get_version(make())


def test_auto_version_without_source_uses_bytecode() -> None:
    namespace: dict[str, Any] = {}
    exec("def f(x):\n    return x + 1\n", namespace)
    exec("def g(x):\n    return x + 2\n", namespace)
    first = Cache("auto").get_version(namespace["f"])
    assert first == Cache("auto").get_version(namespace["f"])
    assert first != Cache("auto").get_version(namespace["g"])


def test_auto_version_of_a_builtin_is_an_error() -> None:
    with pytest.raises(ValueError, match="len"):
        Cache("auto").get_version(len)


def test_override_and_disable_versions(tmp_path: Path) -> None:
    func = _load(tmp_path, BASE)
    assert Cache("override", version_override="v1.2").get_version(func) == "v1.2"
    assert Cache("auto", version_override="x").get_version(func) == "x"
    assert Cache("disable").get_version(func) == ""
    with pytest.raises(ValueError, match="override"):
        Cache("override").get_version(func)
    with pytest.raises(ValueError, match="function"):
        Cache("auto").get_version()
    with pytest.raises(ValueError, match="policies"):
        Cache("auto", policies=[]).get_version(func)


@pytest.mark.parametrize(
    ("given", "behavior"),
    [
        ("auto", "auto"),
        ("on", "auto"),
        ("TRUE", "auto"),
        ("Enabled", "auto"),
        ("off", "disable"),
        ("No", "disable"),
    ],
)
def test_behavior_aliases(given: str, behavior: str) -> None:
    assert Cache(given).behavior == behavior


def test_normalisation() -> None:
    cache = Cache("auto", ignored_inputs="a", max_age=60, policies=FunctionBodyPolicy())
    assert cache.ignored_inputs == ("a",)
    assert cache.get_ignored_inputs() == ("a",)
    assert Cache("auto", ignored_inputs=["a", "b"]).ignored_inputs == ("a", "b")
    assert cache.max_age == timedelta(minutes=1)
    assert isinstance(cache.policies, list) and len(cache.policies) == 1
    assert Cache("disable").is_enabled() is False
    assert Cache("override", version_override="v").is_enabled() is True


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"behavior": "foo"}, ValueError, "'foo'"),
        ({"behavior": 5}, ValueError, "5"),
        ({"behavior": "auto", "max_age": -1}, ValueError, "-1"),
        ({"behavior": "auto", "max_age": "5"}, TypeError, "'5'"),
        ({"behavior": "auto", "ignored_inputs": 5}, TypeError, "5"),
        ({"behavior": "auto", "salt": 5}, TypeError, "5"),
        ({"behavior": "auto", "version_override": 1}, TypeError, "1"),
    ],
)
def test_cache_validation(kwargs: dict[str, Any], error: type[Exception], named: str) -> None:
    with pytest.raises(error) as info:
        Cache(**kwargs)
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("cache", "version", "behavior", "override"),
    [
        ("auto", None, "auto", None),
        ("override", "v1.2", "override", "v1.2"),
        ("auto", "x", "auto", "x"),
        ("disable", None, "disable", None),
        ("disable", "v1", "disable", None),
        (None, None, "disable", None),
        (None, "v3", "override", "v3"),
        (True, None, "auto", None),
        (False, None, "disable", None),
        ("on", None, "auto", None),
        (Cache("auto", version_override="a"), "b", "auto", "b"),
        (Cache("override", version_override="a"), None, "override", "a"),
    ],
)
def test_resolve_cache(cache: Any, version: str | None, behavior: str, override: str | None) -> None:
    resolved = resolve_cache(cache, version)
    assert (resolved.behavior, resolved.version_override) == (behavior, override)


def test_resolve_cache_keeps_a_cache_without_version() -> None:
    cache = Cache("auto", salt="s")
    assert resolve_cache(cache) is cache


@pytest.mark.parametrize(("cache", "version"), [("foo", None), (5, None), ("auto", 1)])
def test_resolve_cache_rejects_bad_values(cache: Any, version: Any) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        resolve_cache(cache, version)
    assert repr(cache if version is None else version) in str(info.value)
