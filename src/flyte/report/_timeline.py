"""A timeline in a task's report: headings and one row per event, appended as they happen."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from flyte._context import current_action

__all__ = ["Timeline", "abbreviate", "duration_ms"]

_FULL_TEXT_CAP = 20_000
"""Past this many characters, even an expanded value is cut (a report is a page, not a dump)."""


def abbreviate(value: Any, limit: int = 300) -> str:
    """``value`` as escaped HTML for a report row: inline when short, else its first ``limit``
    characters with the count of the rest, expanding on click to the whole (up to a cap)."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return html.escape(text)
    full = html.escape(text[:_FULL_TEXT_CAP])
    if len(text) > _FULL_TEXT_CAP:
        full += html.escape(f"\n[{len(text) - _FULL_TEXT_CAP} more characters not shown]")
    return (
        f"<details><summary>{html.escape(text[:limit])}… (+{len(text) - limit})</summary>"
        f'<pre style="white-space:pre-wrap">{full}</pre></details>'
    )


def duration_ms(start_iso: Any, end_iso: Any) -> str:
    """The time between two ISO-8601 timestamps as ``"<n> ms"``; ``""`` when either is missing
    or unreadable."""
    if not start_iso or not end_iso:
        return ""
    try:
        start = datetime.fromisoformat(str(start_iso).replace("Z", "+00:00"))
        end = datetime.fromisoformat(str(end_iso).replace("Z", "+00:00"))
        return f"{round((end - start).total_seconds() * 1000)} ms"
    except (TypeError, ValueError):
        return ""


class Timeline:
    """Appends a chronological timeline to the tab ``tab_name`` of the running task's report.

    Outside a task with ``report=True`` every call does nothing, so that a timeline never
    breaks the work it describes.
    """

    def __init__(self, tab_name: str = "main") -> None:
        self._tab_name = tab_name

    def heading(self, text: Any) -> None:
        """Starts a section of the timeline."""
        self._append(f"<h3>{html.escape(str(text))}</h3>")

    def row(self, *, icon: str = "•", label: Any = "", meta: str = "", detail: str = "", error: Any = None) -> None:
        """One event: an icon, a bold label, muted ``meta`` (a time, a duration), ``detail`` (HTML,
        e.g. from :func:`abbreviate`) and an ``error`` shown in red."""
        parts = [html.escape(icon), f"<b>{html.escape(str(label))}</b>"]
        if meta:
            parts.append(f'<span style="opacity:.6">{html.escape(meta)}</span>')
        if detail:
            parts.append(f"— {detail}")
        if error:
            parts.append(f'<span style="color:#c62828">⚠ {abbreviate(error, 200)}</span>')
        self._append(f'<div class="timeline-row">{" ".join(parts)}</div>')

    def _append(self, content: str) -> None:
        action = current_action.get()
        if action is None or action.report is None:
            return
        action.report.get_tab(self._tab_name).log(content)
