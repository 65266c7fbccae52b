"""How ``flyte get`` and ``flyte run`` print runs, actions and values: aligned tables, the action
tree (groups as folders), pretty-printed values, and JSON.

Cheap to import (``flyte run --local`` uses it): the API models are only needed by callers.
"""

from __future__ import annotations

import base64
import json
import pprint
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from flyte._internal.timefmt import duration, timestamp

if TYPE_CHECKING:
    from flyte._internal import wire

__all__ = [
    "action_tree",
    "dump_json",
    "dump_yaml",
    "duration",
    "error_line",
    "jsonable",
    "phase_counts",
    "readable",
    "runs_table",
    "table",
    "timestamp",
]

# Phases in the order a run moves through them, for counts that read left to right.
_PHASE_ORDER = [
    "QUEUED",
    "WAITING_FOR_RESOURCES",
    "INITIALIZING",
    "RUNNING",
    "PAUSED",
    "SUCCEEDED",
    "RECOVERED",
    "FAILED",
    "TIMED_OUT",
    "ABORTED",
]


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Lines of a table whose columns are aligned, separated by two spaces."""
    all_rows = [list(header), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in all_rows]


def runs_table(runs: Sequence[wire.RunInfo]) -> list[str]:
    """The table of ``flyte get runs``."""
    rows = [
        (r.name, r.task_name, r.phase, timestamp(r.started_at or r.created_at), duration(r.started_at, r.ended_at))
        for r in runs
    ]
    return table(("NAME", "TASK", "PHASE", "STARTED", "DURATION"), rows)


def error_line(error: wire.ErrorInfo) -> str:
    """``code: message`` on one line."""
    return " ".join(f"{error.code}: {error.message}".split())


def _branch(last: bool) -> tuple[str, str]:
    """The connector of an entry and the indent of what sits under it."""
    return ("└── ", "    ") if last else ("├── ", "│   ")


def action_tree(actions: Sequence[wire.ActionInfo]) -> list[str]:
    """The table of a run's actions as a tree: children under their parent, and the calls made
    in a ``flyte.group`` under a ``group/`` folder."""
    children: dict[str | None, list[wire.ActionInfo]] = {}
    for action in sorted(actions, key=lambda a: (a.queued_at, a.name)):
        children.setdefault(action.parent, []).append(action)
    known = {a.name for a in actions}
    rows: list[tuple[str, ...]] = []

    def add(action: wire.ActionInfo, label: str, prefix: str) -> None:
        ended = action.ended_at
        cells = (action.task_name, action.phase, duration(action.started_at, ended), str(action.attempts))
        rows.append((label + action.name, *cells, action.cache_status or "-"))
        # Ungrouped calls are entries of their own; a group's calls share one folder entry,
        # placed where the group's first call was made.
        entries: list[tuple[str | None, list[wire.ActionInfo]]] = []
        folders: dict[str, list[wire.ActionInfo]] = {}
        for child in children.get(action.name, []):
            if child.group is None:
                entries.append((None, [child]))
            elif child.group in folders:
                folders[child.group].append(child)
            else:
                folders[child.group] = [child]
                entries.append((child.group, folders[child.group]))
        for i, (group, members) in enumerate(entries):
            branch, indent = _branch(i == len(entries) - 1)
            if group is None:
                add(members[0], prefix + branch, prefix + indent)
                continue
            rows.append((f"{prefix}{branch}{group}/", f"({len(members)} actions)", "", "", "", ""))
            for j, member in enumerate(members):
                inner, inner_indent = _branch(j == len(members) - 1)
                add(member, prefix + indent + inner, prefix + indent + inner_indent)

    # An action whose parent is missing (a listing taken mid-update) is shown at the top.
    for root in [a for a in children.get(None, [])] + [
        a for parent, kids in children.items() if parent is not None and parent not in known for a in kids
    ]:
        add(root, "", "")
    return table(("ACTION", "TASK", "PHASE", "DURATION", "ATTEMPTS", "CACHE"), rows)


def phase_counts(actions: Iterable[wire.ActionInfo]) -> str:
    """``2 running, 5 succeeded``: how many actions are in each phase."""
    counts: Counter[str] = Counter(a.phase for a in actions)
    parts = [f"{counts[p]} {p.lower().replace('_', ' ')}" for p in _PHASE_ORDER if counts[p]]
    return ", ".join(parts) or "no actions yet"


def readable(prefix: str, value: Any) -> str:
    """``prefix`` and the value pretty-printed, its continuation lines aligned under it."""
    text = pprint.pformat(value, width=100, sort_dicts=False)
    return prefix + text.replace("\n", "\n" + " " * len(prefix))


def jsonable(value: Any) -> Any:
    """``value`` with what JSON cannot hold made into text: bytes as base64, others as repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k if isinstance(k, str) else repr(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return repr(value)


def dump_json(value: Any) -> str:
    """Indented JSON of an API model, a list of them, or plain data."""
    return json.dumps(_plain(value), indent=2, ensure_ascii=False)


def dump_yaml(value: Any) -> str:
    """YAML of an API model, a list of them, or plain data (keys in their order)."""
    import yaml

    return str(yaml.safe_dump(_plain(value), sort_keys=False, allow_unicode=True, default_flow_style=False))


def _plain(value: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude={"inputs", "outputs"})
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
