"""Declaring, from the caller, that a task's outputs are artifacts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Mapping

from ._metadata import Metadata

#: The custom-context key carrying the declarations to the called task.
PRODUCES_CONTEXT_KEY = "_flyte_produces_artifacts"


@contextmanager
def produces(**outputs: Metadata) -> Iterator[None]:
    """Declares the outputs of the task called inside the block as artifacts.

    Keywords name output slots (``o0`` for the first output, ``o1`` for the second, ...)::

        with flyte.artifacts.produces(o0=Metadata(name="events", partitions={"date": day})):
            await clean.override(produces_artifacts=True)(raw=raw)

    The called task must run with ``produces_artifacts=True``. Its own ``new(...)`` metadata for
    the same output fills in what the declaration leaves empty. Call one task per block.

    Raises:
        TypeError: a value that is not a :class:`Metadata`.
        ValueError: a keyword that is not an output slot.
    """
    from flyte._custom_context import custom_context

    for slot, metadata in outputs.items():
        if not isinstance(metadata, Metadata):
            raise TypeError(f"flyte.artifacts.produces: {slot} must be a Metadata, got {type(metadata).__name__}")
        if not (slot.startswith("o") and slot[1:].isdigit()):
            raise ValueError(f"flyte.artifacts.produces: '{slot}' is not an output slot (o0, o1, ...)")
    encoded = json.dumps({slot: md.to_record(slot) for slot, md in outputs.items()}, sort_keys=True)
    with custom_context(**{PRODUCES_CONTEXT_KEY: encoded}):
        yield


def declared_for(custom: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The declarations a caller made with :func:`produces`, by output slot."""
    raw = custom.get(PRODUCES_CONTEXT_KEY)
    if not raw:
        return {}
    decoded: dict[str, dict[str, Any]] = json.loads(raw)
    return decoded
