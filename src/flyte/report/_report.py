"""HTML reports of tasks run with ``report=True``: tabs of HTML, flushed to the run's records."""

from __future__ import annotations

import html
import pathlib
import string
from dataclasses import dataclass, field
from typing import Dict

from flyte._context import current_action
from flyte._syncify import with_aio


@dataclass
class Tab:
    """One tab of a report: HTML content that can be appended to or replaced."""

    name: str
    content: list[str] = field(default_factory=list)

    def log(self, content: str) -> None:
        """Appends HTML to the tab."""
        self.content.append(content)

    def replace(self, content: str) -> None:
        """Replaces the tab's HTML."""
        self.content = [content]

    def get_html(self) -> str:
        """The tab's HTML."""
        return "\n".join(self.content)


@dataclass
class Report:
    """A task's report: named tabs, the first being ``main``.

    ``template_path`` names an HTML file laid out with :class:`string.Template` placeholders:
    ``$NAV_HTML`` receives one ``<li>`` per tab and ``$BODY_HTML`` one ``<section>`` per tab.
    Without it, the report is a plain page of the sections.
    """

    name: str
    tabs: Dict[str, Tab] = field(default_factory=dict)
    template_path: pathlib.Path | None = None

    def __post_init__(self) -> None:
        self.tabs.setdefault("main", Tab("main"))

    def has_content(self) -> bool:
        """Whether anything was logged to any tab (the ``main`` tab always exists, maybe empty)."""
        return any(tab.content for tab in self.tabs.values())

    def get_tab(self, name: str, create_if_missing: bool = True) -> Tab:
        """The tab called ``name``, created on first use unless told otherwise."""
        if name not in self.tabs:
            if not create_if_missing:
                raise KeyError(f"Report '{self.name}' has no tab '{name}'")
            self.tabs[name] = Tab(name)
        return self.tabs[name]

    def get_final_report(self) -> str:
        """The whole report as one HTML page, one section per tab."""
        sections = []
        nav = []
        for tab in self.tabs.values():
            body = tab.get_html()
            if body or tab.name != "main":
                sections.append(f'<section data-tab="{html.escape(tab.name)}">\n{body}\n</section>')
                nav.append(f"<li>{html.escape(tab.name)}</li>")
        if self.template_path is not None:
            template = string.Template(pathlib.Path(self.template_path).read_text(encoding="utf-8"))
            return template.safe_substitute(NAV_HTML="".join(nav), BODY_HTML="\n".join(sections))
        return "<!doctype html>\n<html><body>\n" + "\n".join(sections) + "\n</body></html>"


_detached = Report("detached")


def current_report() -> Report:
    """The report of the task running here (a throw-away one outside a task with ``report=True``)."""
    current = current_action.get()
    if current is None or current.report is None:
        return _detached
    report: Report = current.report
    return report


def get_tab(name: str, /, create_if_missing: bool = True) -> Tab:
    """A tab of the current report."""
    return current_report().get_tab(name, create_if_missing)


@with_aio
def flush() -> None:
    """Saves the current report so that it can be seen while the task still runs."""
    current = current_action.get()
    if current is None or current.report is None:
        return
    current.run.store.record_report(current.run.name, current.action_name, current.report.get_final_report())


@with_aio
def log(content: str, do_flush: bool = False) -> None:
    """Appends HTML to the main tab of the current report."""
    current_report().get_tab("main").log(content)
    if do_flush:
        flush()


@with_aio
def replace(content: str, do_flush: bool = False) -> None:
    """Replaces the main tab of the current report."""
    current_report().get_tab("main").replace(content)
    if do_flush:
        flush()
