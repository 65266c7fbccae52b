"""Task reports: HTML written by a task with ``report=True``, shown next to its run.

``flyte.report.log(html)`` appends to the main tab, ``get_tab(name)`` gives another tab,
``replace`` swaps content and ``flush()`` saves the report while the task runs (it is also saved
when the task ends).
"""

from flyte.report._report import Report, Tab, current_report, flush, get_tab, log, replace

__all__ = ["Report", "Tab", "current_report", "flush", "get_tab", "log", "replace"]
