"""Cards: a rendered page (a model card, a data summary) attached to an artifact."""

from __future__ import annotations

import hashlib
import pathlib
import types
from dataclasses import dataclass
from typing import Any, Callable, Coroutine, Generic, Literal, TypeVar

from flyte._syncify import Syncified

T = TypeVar("T")

CardType = Literal["model", "data", "generic"]
CardFormat = Literal["html", "md", "json", "yaml", "csv", "tsv", "png", "jpg", "jpeg"]


class _syncified_classmethod(Generic[T]):
    """A class method offered both ways: ``Card.create_from(...)`` and ``Card.create_from.aio(...)``."""

    def __init__(self, afunc: Callable[..., Coroutine[Any, Any, T]]) -> None:
        self._afunc = afunc
        self.__doc__ = afunc.__doc__

    def __get__(self, obj: Any, objtype: Any = None) -> Syncified[..., T]:
        return Syncified(types.MethodType(self._afunc, objtype if objtype is not None else type(obj)))


@dataclass(frozen=True, kw_only=True)
class Card:
    """A stored card: where it is, its format and what it describes."""

    uri: str
    format: CardFormat = "html"
    card_type: CardType = "generic"

    @_syncified_classmethod
    async def create_from(
        cls: type[Card],
        *,
        content: str | None = None,
        local_path: pathlib.Path | None = None,
        format: CardFormat = "html",
        card_type: CardType = "generic",
    ) -> Card:
        """Stores a card from ``content`` or from the file at ``local_path`` and returns it.

        Inside a task the card goes under the run's data; outside, under the local data folder.
        The object is named by its content, so storing the same card twice is harmless.

        Raises:
            ValueError: neither ``content`` nor ``local_path`` is given.
        """
        from flyte.storage import put_stream

        if content:
            data = content.encode()
        elif local_path:
            data = pathlib.Path(local_path).read_bytes()
        else:
            raise ValueError("Card.create_from needs content or local_path")
        digest = hashlib.sha256(data).hexdigest()[:16]
        uri = await put_stream(data, name=f"{card_type}-card-{digest}.{format}")
        return cls(uri=uri, format=format, card_type=card_type)
