"""Task reports: HTML written by a task with ``report=True``, shown next to its run.

``flyte.report.log(html)`` appends to the main tab, ``get_tab(name)`` gives another tab,
``replace`` swaps content and ``flush()`` saves the report while the task runs (it is also saved
when the task ends). ``Timeline`` appends a timeline of events to a tab.
"""

from flyte.report._report import Report, Tab, current_report, flush, get_tab, log, replace
from flyte.report._timeline import Timeline, abbreviate, duration_ms

__all__ = [
    "Report",
    "Tab",
    "Timeline",
    "abbreviate",
    "current_report",
    "duration_ms",
    "flush",
    "get_tab",
    "log",
    "replace",
]
