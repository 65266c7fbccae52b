"""Reading TOML (with a message naming the file) and writing the little of it a pixi manifest needs."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from typing import Any

from flyte.errors import ImageBuildError

__all__ = ["dumps", "load"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def load(source: str, what: str) -> dict[str, Any]:
    """``source`` parsed as TOML.

    Raises:
        ImageBuildError: it is not valid TOML; the message names ``what`` it is.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef,unused-ignore]
    try:
        document: dict[str, Any] = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        raise ImageBuildError(f"{what} is not valid TOML: {e}") from e
    return document


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML's too; TOML also wants DEL escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise ImageBuildError(f"cannot write {value!r} ({type(value).__name__}) as TOML")


def dumps(document: Mapping[str, Any]) -> str:
    """``document`` (what :func:`load` gives) as TOML: one section per top-level table, deeper
    tables inline; the same document always gives the same text."""
    plain = [f"{_key(k)} = {_value(v)}" for k, v in document.items() if not isinstance(v, Mapping)]
    sections = [
        "\n".join([f"[{_key(k)}]", *(f"{_key(key)} = {_value(item)}" for key, item in v.items())])
        for k, v in document.items()
        if isinstance(v, Mapping)
    ]
    return "\n\n".join(part for part in ["\n".join(plain), *sections] if part) + "\n"
