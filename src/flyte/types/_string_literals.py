"""literal_string_repr: literals as plain, readable Python values (for display, not for decoding)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgpack

from flyte._internal.serde._engine_views import as_literal_map, readable


def literal_string_repr(lm: Mapping[str, Any] | bytes | Any | None) -> Any:
    """A readable form of literals, as shown by ``flyte get io``.

    ``lm`` is a literal map (a dict of name to literal, or its msgpack bytes: a task's encoded
    inputs) or one literal. Values stay as they are, except that pickles and bytes become short
    summaries (``"<pickled value, 42 bytes>"``) and a File or Dir becomes its path. None gives
    ``{}``.
    """
    if lm is None:
        return {}
    if isinstance(lm, (bytes, bytearray, memoryview)):
        try:
            return readable(as_literal_map(bytes(lm)))
        except (TypeError, ValueError, msgpack.UnpackException):
            return readable(bytes(lm))  # plain bytes, not a literal map
    return readable(lm)
