"""The 422 answer to a request that does not validate, safe whatever the request held.

FastAPI echoes each problem's input back; a NaN or an infinity in that input cannot be written
as JSON (the answer would be a 500), a lone surrogate cannot be written as UTF-8, and a large
input would be sent back whole. Here the echo keeps its shape but states such numbers as text,
escapes such characters and cuts long values short.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

__all__ = ["validation_error_response"]

_ECHO_CHARS = 200
_ECHO_ITEMS = 20


def _echo(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (str, bytes)) and len(value) > _ECHO_CHARS:
        value = f"{value[:_ECHO_CHARS]!r}... ({len(value)} long)"
    if isinstance(value, str) and not value.isascii():
        # Lone surrogates cannot be written as UTF-8: they are shown escaped.
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_echo(str(key)): _echo(item) for key, item in list(value.items())[:_ECHO_ITEMS]}
    if isinstance(value, (list, tuple)):
        return [_echo(item) for item in value[:_ECHO_ITEMS]]
    return value


async def validation_error_response(request: Request, exc: Exception) -> JSONResponse:
    """A 422 listing the problems (``loc``, ``msg``, ``type``) with a JSON-safe echo of the input."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for problem in exc.errors():
        safe = {**problem, "input": _echo(problem.get("input"))}
        if isinstance(problem.get("ctx"), dict):
            # The ctx of a value error holds the exception itself, which JSON cannot carry.
            safe["ctx"] = {key: _echo(str(v) if isinstance(v, Exception) else v) for key, v in problem["ctx"].items()}
        problems.append(safe)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_ENTITY, content={"detail": jsonable_encoder(problems)}
    )
