"""What connectors hand back: the metadata identifying a job, and a job's state."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, TypeVar, Union

from flyte._internal.model.phases import ActionPhase

_M = TypeVar("_M", bound="ResourceMeta")


@dataclass
class ResourceMeta:
    """What a connector needs to find its job again (a job id, say). Subclass it as a dataclass;
    it travels as JSON, so its fields must be JSON values (or dataclasses of them)."""

    def encode(self) -> bytes:
        """The metadata as UTF-8 JSON bytes."""
        return json.dumps(dataclasses.asdict(self)).encode("utf-8")

    @classmethod
    def decode(cls: type[_M], data: bytes) -> _M:
        """The metadata from :meth:`encode`'s bytes.

        Raises:
            ValueError: the bytes are not a JSON object with this class's fields.
        """
        try:
            fields = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"{cls.__name__}.decode: not JSON: {e}") from None
        if not isinstance(fields, dict):
            raise ValueError(f"{cls.__name__}.decode: expected a JSON object, got {type(fields).__name__}")
        try:
            return cls(**fields)
        except TypeError as e:
            raise ValueError(f"{cls.__name__}.decode: {e}") from None


@dataclass
class Resource:
    """A job's state as a connector reports it.

    Attributes:
        phase: where the job is; a state name such as ``"done"`` is converted with
            :func:`flyte.connectors.utils.convert_to_flyte_phase`.
        message: a human-readable note (the error, for a failed job).
        log_links: links to the job's logs or console, objects with ``name`` and ``uri``.
        outputs: the job's outputs by name, as Python values.
        custom_info: anything else the connector wants to report.
    """

    phase: Union[ActionPhase, str]
    message: Optional[str] = None
    log_links: Optional[List[Any]] = None
    outputs: Optional[Dict[str, Any]] = None
    custom_info: Optional[Dict[str, Any]] = None

    def __post_init__(self) -> None:
        if not isinstance(self.phase, ActionPhase):
            from flyte.connectors.utils import convert_to_flyte_phase

            try:
                self.phase = ActionPhase(str(self.phase).upper())
            except ValueError:
                self.phase = convert_to_flyte_phase(str(self.phase))
