"""Result caching: when a task's earlier output may be reused, and under which version."""

from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, Union

if TYPE_CHECKING:
    from flyte._image import Image

__all__ = [
    "Cache",
    "CacheBehavior",
    "CachePolicy",
    "CacheRequest",
    "FunctionBodyPolicy",
    "VersionParameters",
    "resolve_cache",
]

CacheBehavior = Literal["auto", "override", "disable"]
"""``"auto"`` versions by the code, ``"override"`` by a version you give, ``"disable"`` never caches."""

_BEHAVIORS: tuple[CacheBehavior, ...] = ("auto", "override", "disable")
_ALIASES: dict[str, CacheBehavior] = {
    **dict.fromkeys(("enable", "enabled", "on", "true", "yes"), "auto"),
    **dict.fromkeys(("off", "false", "no", "none"), "disable"),
}


@dataclass(frozen=True)
class VersionParameters:
    """What a :class:`CachePolicy` may look at to compute a version: the task's function and image."""

    func: Callable[..., Any] | None
    image: str | Image | None = None
    code_bundle: Any = None


class CachePolicy(Protocol):
    """Computes one part of an ``"auto"`` cache version; the parts of all policies are combined."""

    def get_version(self, salt: str, params: VersionParameters) -> str:
        """A version string for ``params``; it must change exactly when cached results go stale."""
        ...


def _strip_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(getattr(first.value, "value", None), str):
                node.body = node.body[1:]
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            # Decorators carry task settings (retries, resources...) that do not change results.
            node.decorator_list = []


def _code_fingerprint(code: types.CodeType) -> str:
    consts = [_code_fingerprint(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
    return repr((code.co_code, consts, code.co_names, code.co_varnames))


class FunctionBodyPolicy:
    """Versions a function by its syntax tree, so formatting, comments and docstrings don't count.

    Functions whose source cannot be read or parsed on its own (a lambda spread over lines, code
    made with ``exec``) are versioned by their compiled bytecode instead.
    """

    def get_version(self, salt: str, params: VersionParameters) -> str:
        """The hex digest of ``salt`` and the normalised syntax tree of ``params.func``."""
        func = params.func
        if func is None:
            raise ValueError("FunctionBodyPolicy needs a function to version, got None")
        func = inspect.unwrap(func)
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
        except (OSError, TypeError, SyntaxError):
            code = getattr(func, "__code__", None)
            if not isinstance(code, types.CodeType):
                raise ValueError(f"Cannot compute a cache version for {func!r}: its source is unavailable") from None
            body = _code_fingerprint(code)
        else:
            _strip_docstrings(tree)
            body = ast.dump(tree)
        return hashlib.sha256(f"{salt}\x00{body}".encode()).hexdigest()

    def __repr__(self) -> str:
        return "FunctionBodyPolicy()"


def _behavior(value: object) -> CacheBehavior:
    if isinstance(value, str):
        lowered = value.lower()
        for behavior in _BEHAVIORS:
            if lowered == behavior:
                return behavior
        if lowered in _ALIASES:
            return _ALIASES[lowered]
    raise ValueError(
        f"Invalid cache behavior: {value!r}. Must be one of {list(_BEHAVIORS)} (aliases accepted: {sorted(_ALIASES)})."
    )


@dataclass
class Cache:
    """How a task's results are cached.

    ``behavior`` is ``"auto"`` (the version is computed from the function's code), ``"override"``
    (the version is ``version_override``) or ``"disable"``; ``"on"``/``"off"``-style aliases are
    accepted. ``serialize`` lets only one of several identical concurrent calls run while the
    others wait for its result. ``ignored_inputs`` (normalised to a tuple) are left out of the
    cache key, ``salt`` is mixed into computed versions, ``policies`` compute the ``"auto"``
    version (by default the function's syntax tree) and ``max_age`` (seconds or a timedelta)
    bounds how old a reused result may be.
    """

    behavior: CacheBehavior
    version_override: str | None = None
    serialize: bool = False
    ignored_inputs: Union[tuple[str, ...], str] = field(default_factory=tuple)
    salt: str = ""
    policies: Union[list[CachePolicy], CachePolicy, None] = None
    max_age: timedelta | int | None = None

    def __post_init__(self) -> None:
        self.behavior = _behavior(self.behavior)
        if self.version_override is not None and not isinstance(self.version_override, str):
            raise TypeError(f"version_override must be a str, got {self.version_override!r}")
        if not isinstance(self.salt, str):
            raise TypeError(f"salt must be a str, got {type(self.salt).__name__}: {self.salt!r}")
        inputs = (self.ignored_inputs,) if isinstance(self.ignored_inputs, str) else self.ignored_inputs
        if not isinstance(inputs, (tuple, list)) or not all(isinstance(name, str) for name in inputs):
            raise TypeError(f"ignored_inputs must be an input name or a tuple of them, got {self.ignored_inputs!r}")
        self.ignored_inputs = tuple(inputs)
        if self.policies is None:
            self.policies = [] if self.behavior == "disable" else [FunctionBodyPolicy()]
        elif not isinstance(self.policies, list):
            self.policies = [self.policies]
        self.max_age = self._check_max_age(self.max_age)

    @staticmethod
    def _check_max_age(max_age: object) -> timedelta | None:
        if max_age is None:
            return None
        if isinstance(max_age, bool) or not isinstance(max_age, (int, timedelta)):
            raise TypeError(f"max_age must be an int (seconds), timedelta, or None, got {max_age!r}")
        age = max_age if isinstance(max_age, timedelta) else timedelta(seconds=max_age)
        if age < timedelta(0):
            raise ValueError(f"max_age must be nonnegative, got {max_age!r}")
        return age

    def is_enabled(self) -> bool:
        """Whether results are cached at all."""
        return self.behavior != "disable"

    def get_ignored_inputs(self) -> tuple[str, ...]:
        """The input names left out of the cache key."""
        return (self.ignored_inputs,) if isinstance(self.ignored_inputs, str) else tuple(self.ignored_inputs)

    def get_version(self, params: VersionParameters | Callable[..., Any] | None = None) -> str:
        """The cache version: ``""`` when disabled, else ``version_override`` when set, else a
        digest of every policy's version for ``params`` (a function, or its
        :class:`VersionParameters`) with ``salt`` folded in.

        Raises ``ValueError`` when no version is set and there is no function or no policy.
        """
        if not self.is_enabled():
            return ""
        if self.version_override is not None:
            return self.version_override
        if self.behavior == "override":
            raise ValueError('Cache(behavior="override") needs a version: pass version_override / cache_version')
        if params is None:
            raise ValueError("A function (VersionParameters) is needed to compute an 'auto' cache version")
        if not isinstance(params, VersionParameters):
            params = VersionParameters(func=params)
        policies = self.policies if isinstance(self.policies, list) else [self.policies] if self.policies else []
        if not policies:
            raise ValueError("Cache has no version_override and no policies to compute one")
        digest = hashlib.sha256(self.salt.encode())
        for policy in policies:
            digest.update(b"\x00" + policy.get_version(self.salt, params).encode())
        return digest.hexdigest()


CacheRequest = Union[CacheBehavior, bool, Cache]
"""What ``cache=`` accepts: a behavior name, ``True``/``False``, or a :class:`Cache`."""


def resolve_cache(cache: CacheRequest | None, cache_version: str | None = None) -> Cache:
    """Turn a task's ``cache=`` and ``cache_version=`` into one :class:`Cache`.

    ``True`` means ``"auto"`` and ``False``/``None`` ``"disable"``. A ``cache_version`` becomes the
    version of an ``"auto"`` or ``"override"`` cache (replacing one a :class:`Cache` already has,
    so ``task.override(cache_version=...)`` works); given alone it means ``"override"`` with that
    version; a disabled cache ignores it. Anything else raises ``ValueError`` naming it.
    """
    if cache_version is not None and not isinstance(cache_version, str):
        raise TypeError(f"cache_version must be a str, got {type(cache_version).__name__}: {cache_version!r}")
    if cache is None:
        cache = "override" if cache_version is not None else "disable"
    if isinstance(cache, bool):
        cache = "auto" if cache else "disable"
    resolved = cache if isinstance(cache, Cache) else Cache(behavior=_behavior(cache))
    if cache_version is None or not resolved.is_enabled():
        return resolved
    return replace(resolved, version_override=cache_version)
