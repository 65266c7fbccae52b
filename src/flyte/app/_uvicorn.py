"""Serving an ASGI application with uvicorn inside a locally served app, stoppable cleanly."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

LOCAL_HOST = "127.0.0.1"
"""Where local apps listen: never beyond this machine."""


async def serve_asgi(app: Any, port: int, config: Any = None) -> None:
    """Serves ``app`` on 127.0.0.1:``port`` (or as ``config``, a ``uvicorn.Config``, says) until
    the local app is stopped, then lets it shut down.

    Raises:
        ModuleNotFoundError: uvicorn is not installed.
    """
    try:
        import uvicorn
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError("serving an ASGI app needs uvicorn: pip install uvicorn") from e
    from flyte.app._runner import on_local_stop

    # log_config=None: uvicorn would otherwise reconfigure logging for the whole process.
    server = uvicorn.Server(config or uvicorn.Config(app, host=LOCAL_HOST, port=port, log_config=None))

    def stop() -> None:
        server.should_exit = True

    on_local_stop(stop)
    # Shielded: a stop that cancels this coroutine (one that came before the callback above was
    # registered) still ends the server in order rather than mid-start.
    serving = asyncio.ensure_future(server.serve())
    try:
        await asyncio.shield(serving)
    except asyncio.CancelledError:
        stop()
        while not serving.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(serving)
        raise
    finally:
        # Told to exit while starting up, uvicorn returns without ending the app's lifespan,
        # which would then be cancelled and logged as a failure: end it here instead.
        lifespan = getattr(server, "lifespan", None)
        shutdown_event = getattr(lifespan, "shutdown_event", None)
        if lifespan is not None and shutdown_event is not None and not shutdown_event.is_set():
            await lifespan.shutdown()
