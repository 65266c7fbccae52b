"""What the engine does with artifacts when a task returns: plain values go on, metadata is kept."""

from __future__ import annotations

import json
from typing import Any, Mapping

from ._produces import declared_for
from ._wrapper import check_not_nested, declared_metadata, is_wrapper, unwrap

#: The ``run_tags`` kind the artifacts of a run are stored under (key: ``action/output``).
STORE_KIND = "artifacts"


def _merge(declared: dict[str, Any] | None, own: dict[str, Any] | None) -> dict[str, Any] | None:
    """The caller's declaration wins for identity; the task's own metadata fills what it leaves empty."""
    if declared is None or own is None:
        return declared or own
    merged = dict(own)
    for key, value in declared.items():
        if value or key in ("name", "version", "partitions", "parents"):
            merged[key] = value
    merged["attrs"] = {**(own.get("attrs") or {}), **(declared.get("attrs") or {})}
    return merged


def split_outputs(
    value: Any, produces_artifacts: bool, custom_context: Mapping[str, str]
) -> tuple[Any, list[dict[str, Any]]]:
    """The plain value a task returned and the artifact records it declares.

    A tuple result has one slot per item (``o0``, ``o1``, ...); anything else is ``o0``.
    Declarations made with :func:`flyte.artifacts.produces` count only for a task with
    ``produces_artifacts=True``.

    Raises:
        TypeError: an artifact nested inside a container or model.
    """
    items = list(value) if type(value) is tuple else [value]
    declared = declared_for(custom_context) if produces_artifacts else {}
    if not declared and not any(is_wrapper(item) for item in items):
        for item in items:
            check_not_nested(item)
        return value, []
    records: list[dict[str, Any]] = []
    plain = []
    for i, item in enumerate(items):
        check_not_nested(item)
        slot = f"o{i}"
        own = declared_metadata(item)
        record = _merge(declared.get(slot), own.to_record(slot) if own is not None else None)
        if record is not None:
            records.append(record)
        plain.append(unwrap(item))
    return (tuple(plain) if type(value) is tuple else plain[0]), records


def store_records(store: Any, run_name: str, action_name: str, records: list[dict[str, Any]]) -> None:
    """Keeps the artifact records of an action with its run (in the run store's tag table)."""
    if records:
        store.record_tags(
            run_name, {STORE_KIND: {f"{action_name}/{r['output']}": json.dumps(r, sort_keys=True) for r in records}}
        )


def run_artifacts(store: Any, run_name: str) -> list[dict[str, Any]]:
    """The artifact records of a run, each with the ``action`` that produced it."""
    found = []
    for key, raw in sorted(store.run_tags(run_name).get(STORE_KIND, {}).items()):
        record = json.loads(raw)
        record["action"] = key.rsplit("/", 1)[0]
        found.append(record)
    return found
