"""Keeping secret values out of stored logs: every occurrence becomes ``***``."""

from __future__ import annotations

from collections.abc import Iterable

from flyte._internal import wire

__all__ = ["MASK", "redact_error", "redact_lines", "redact_text"]

MASK = "***"
"""What a secret's value is replaced with."""

# A one- or two-character value would mask ordinary text everywhere and hide nothing worth hiding.
_MIN_LENGTH = 3


def _worth_masking(values: Iterable[str]) -> list[str]:
    # Longest first, so that a value containing another is masked whole.
    return sorted({v for v in values if len(v) >= _MIN_LENGTH}, key=len, reverse=True)


def redact_text(text: str, values: Iterable[str]) -> str:
    """``text`` with every occurrence of each value (and of each of its lines) replaced by ``***``."""
    for value in _worth_masking(_with_lines(values)):
        if value in text:
            text = text.replace(value, MASK)
    return text


def _with_lines(values: Iterable[str]) -> list[str]:
    # A multi-line value (a key file) is printed, and shipped, one line at a time.
    result: list[str] = []
    for value in values:
        result.append(value)
        result.extend(line.strip() for line in value.splitlines() if line.strip() != value)
    return result


def redact_lines(lines: list[wire.LogLine], values: Iterable[str]) -> list[wire.LogLine]:
    """The lines with secret values masked (the same objects when nothing needed masking)."""
    masked = _worth_masking(_with_lines(values))
    if not masked:
        return lines
    result: list[wire.LogLine] = []
    for line in lines:
        text = line.text
        for value in masked:
            if value in text:
                text = text.replace(value, MASK)
        result.append(line if text == line.text else line.model_copy(update={"text": text}))
    return result


def redact_error(error: wire.ErrorInfo, values: Iterable[str]) -> wire.ErrorInfo:
    """The error with secret values masked in its message and traceback (a task that raises
    with a secret in its message must not put the value in the database)."""
    values = list(values)
    message = redact_text(error.message, values)
    traceback = redact_text(error.traceback, values)
    if message == error.message and traceback == error.traceback:
        return error
    return error.model_copy(update={"message": message, "traceback": traceback})
