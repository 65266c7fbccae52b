"""The writer that :meth:`BlobStore.open_write` returns: all of the object on close, or none of it."""

from __future__ import annotations

import io
from types import TracebackType


class PublishingWriter(io.BufferedWriter):
    """A buffered writer whose object appears only when :meth:`close` is called.

    A ``with`` block that raises, and a writer dropped without being closed, publish nothing:
    a half-written object must never look like a finished one. Subclasses say how to publish and
    how to throw away what the raw stream received.
    """

    _discarded = False

    def close(self) -> None:
        """Flushes, then publishes the object (or drops it after :meth:`discard`)."""
        if self.closed:
            return
        try:
            super().close()
        except BaseException:
            self._abandon()
            raise
        if self._discarded:
            self._abandon()
        else:
            self._publish()

    def discard(self) -> None:
        """Closes the writer without publishing anything; the previous object, if any, stays."""
        self._discarded = True
        self.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()

    def __del__(self) -> None:
        # io's own finalizer would close, that is publish, a writer its owner gave up on.
        if not self.closed:
            self.discard()

    def _publish(self) -> None:
        raise NotImplementedError

    def _abandon(self) -> None:
        raise NotImplementedError
