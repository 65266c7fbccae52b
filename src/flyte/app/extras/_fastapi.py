"""``FastAPIAppEnvironment``: an app serving a FastAPI application with uvicorn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flyte.app._app_environment import AppEnvironment
from flyte.app._types import Link

if TYPE_CHECKING:
    import fastapi
    import uvicorn


@dataclass(kw_only=True, repr=True, eq=False)
class FastAPIAppEnvironment(AppEnvironment):
    """An app whose server is the FastAPI application ``app``, run by uvicorn on the app's port
    (bound to 127.0.0.1 when served locally). ``uvicorn_config`` replaces the default uvicorn
    settings; a link to the OpenAPI docs (``/docs``) is added to ``links``."""

    app: fastapi.FastAPI
    type: str = "FastAPI"
    uvicorn_config: uvicorn.Config | None = None

    def __post_init__(self) -> None:
        try:
            import fastapi
        except ModuleNotFoundError as e:
            raise ModuleNotFoundError("FastAPIAppEnvironment needs fastapi: pip install fastapi") from e
        if not isinstance(self.app, fastapi.FastAPI):
            raise TypeError(
                f"FastAPIAppEnvironment '{self.name}': app must be a fastapi.FastAPI, got {type(self.app).__name__}"
            )
        super().__post_init__()
        self.links = [Link(path="/docs", title="FastAPI OpenAPI Docs", is_relative=True), *self.links]
        self._server = self._serve_fastapi

    async def _serve_fastapi(self) -> None:
        from flyte.app._uvicorn import serve_asgi

        await serve_asgi(self.app, self.get_port().port, self.uvicorn_config)
