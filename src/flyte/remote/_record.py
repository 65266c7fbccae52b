"""``to_dict`` and ``to_json`` for the ``flyte.remote`` objects: the server's record behind each."""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

__all__ = ["ServerRecord"]

M = TypeVar("M", bound=BaseModel)


class ServerRecord(Generic[M]):
    """Mixin of the objects that stand for one record of the server.

    A class keeps that record in ``_info`` (a wire model) or overrides :meth:`_record`. The dict
    holds what the server sent and nothing decoded: inputs and outputs stay encoded, and no
    secret value is ever part of a record.
    """

    _info: M

    def _record(self) -> dict[str, Any]:
        return self._info.model_dump(mode="json")

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON data (str, numbers, lists and dicts)."""
        return self._record()

    def to_json(self) -> str:
        """The record as a JSON document."""
        return json.dumps(self.to_dict(), sort_keys=True)
