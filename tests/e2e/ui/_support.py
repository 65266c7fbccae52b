"""Helpers of the browser tests: waiting with a deadline, and refusing dialogs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Polls ``check`` until it holds; fails naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def no_dialogs(page: Any) -> list[str]:
    """Dismisses every dialog the page opens and lists their messages: a test asserts it stays
    empty (a dialog would be hostile content run as script, or a failure shown as an alert)."""
    seen: list[str] = []

    def refuse(dialog: Any) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    return seen
