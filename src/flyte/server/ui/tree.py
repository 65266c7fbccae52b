"""The action tree of a run page: groups as folders, large fan-outs collapsed to counts.

A parent with thousands of children would make a page of thousands of rows; past
:data:`FANOUT_LIMIT` siblings they are shown as one line of counts by phase, expanded on demand
(a key in the page's URL) a page of :data:`EXPAND_PAGE` at a time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flyte.server.ui.source import ActionRow

FANOUT_LIMIT = 50
EXPAND_PAGE = 500

PHASE_ORDER = (
    "PAUSED",
    "RUNNING",
    "INITIALIZING",
    "WAITING_FOR_RESOURCES",
    "QUEUED",
    "FAILED",
    "TIMED_OUT",
    "ABORTED",
    "SUCCEEDED",
    "RECOVERED",
)


def phase_counts(rows: list[ActionRow]) -> list[tuple[str, int]]:
    """How many of ``rows`` are in each phase, the phases that need attention first."""
    counts = Counter(row.phase for row in rows)
    return [(phase, counts[phase]) for phase in PHASE_ORDER if counts[phase]]


@dataclass
class Node:
    """One line of the tree: an action, a group folder, or a collapsed fan-out."""

    kind: str
    """``action``, ``group``, ``fanout`` (collapsed siblings) or ``more`` (the rest of a page)."""
    action: ActionRow | None = None
    label: str = ""
    key: str = ""
    """The fan-out's expand key (``parent`` or ``parent/group``)."""
    total: int = 0
    shown: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    open: bool = False
    """A group folder shows its children (folders start open; large ones show counts inside)."""


@dataclass
class Tree:
    """The run's action tree and what the page needs to know about it."""

    roots: list[Node]
    total: int
    counts: list[tuple[str, int]]


def build_tree(rows: list[ActionRow], selected: str | None, expanded: dict[str, int]) -> Tree:
    """The tree of ``rows``; ``expanded`` maps a fan-out's key to how many of it to show."""
    by_name = {row.name: row for row in rows}
    children: dict[str | None, list[ActionRow]] = {}
    for row in rows:
        parent = row.parent if row.parent in by_name else None
        children.setdefault(parent, []).append(row)
    path: set[str] = set()
    cursor = by_name.get(selected or "")
    while cursor is not None and cursor.name not in path:
        path.add(cursor.name)
        cursor = by_name.get(cursor.parent or "")

    def nodes_of(parent: str | None) -> list[Node]:
        kids = children.get(parent, [])
        result: list[Node] = []
        groups: dict[str, list[ActionRow]] = {}
        order: list[tuple[str, str | None]] = []
        direct: list[ActionRow] = []
        for kid in kids:
            if kid.group:
                if kid.group not in groups:
                    groups[kid.group] = []
                    order.append(("group", kid.group))
                groups[kid.group].append(kid)
            else:
                if not direct:
                    order.append(("direct", None))
                direct.append(kid)
        for kind, name in order:
            if kind == "direct":
                result.extend(siblings(parent or "", direct))
            else:
                assert name is not None
                members = groups[name]
                key = f"{parent or ''}/{name}"
                result.append(
                    Node(
                        kind="group",
                        label=name,
                        key=key,
                        total=len(members),
                        counts=phase_counts(members),
                        children=siblings(key, members),
                        open=True,
                    )
                )
        return result

    def siblings(key: str, members: list[ActionRow]) -> list[Node]:
        if len(members) <= FANOUT_LIMIT:
            return [action_node(m) for m in members]
        limit = expanded.get(key)
        if limit is None:
            fanout = Node(kind="fanout", key=key, total=len(members), counts=phase_counts(members))
            return [fanout] + [action_node(m) for m in members if m.name in path]
        shown = members[:limit]
        result = [action_node(m) for m in shown]
        result += [action_node(m) for m in members[limit:] if m.name in path]
        if limit < len(members):
            result.append(
                Node(kind="more", key=key, total=len(members), shown=len(shown), counts=phase_counts(members[limit:]))
            )
        return result

    def action_node(row: ActionRow) -> Node:
        return Node(kind="action", action=row, label=row.task_name, children=nodes_of(row.name))

    return Tree(roots=nodes_of(None), total=len(rows), counts=phase_counts(rows))


def parse_expanded(values: list[str]) -> dict[str, int]:
    """The ``expand`` query values (``key`` or ``key:count``) as a map of key to count shown."""
    found: dict[str, int] = {}
    for value in values[:50]:
        key, _, count = value.rpartition(":") if ":" in value else (value, "", "")
        try:
            found[key] = max(EXPAND_PAGE, min(int(count), 1_000_000)) if count else EXPAND_PAGE
        except ValueError:
            found[value] = EXPAND_PAGE
    return found
