"""A chat app for any agent: :class:`AgentChatAppEnvironment` serves a web page and an API
(``/api/chat``, ``/api/tools``, ``/api/nudges``) over an agent's ``run``."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from flyte.ai.agents.protocol import AgentProtocol, AgentResult
from flyte.ai.chat._css import CUSTOM_THEME_CSS_TEMPLATE
from flyte.ai.chat._html import build_chat_html
from flyte.app._app_environment import AppEnvironment

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")

#: Agent events shown as progress steps of the page.
_PROGRESS_PHASES = {"turn_start": "generating_code", "tool_start": "executing", "agent_end": "formatting"}


@dataclass(kw_only=True)
class CustomTheme:
    """Colours of the chat page, as CSS hex strings (``"#E6A71F"``).

    Args:
        accent_color: links, highlights and buttons.
        accent_hover_color: accent elements under the mouse.
        button_text_color: text on accent buttons.
    """

    accent_color: str = "#6F2AEF"
    accent_hover_color: str = "#8B52F2"
    button_text_color: str = "#f3f4f6"

    def __post_init__(self) -> None:
        for attr in ("accent_color", "accent_hover_color", "button_text_color"):
            value = getattr(self, attr)
            if not isinstance(value, str) or not _HEX.match(value):
                raise ValueError(f"CustomTheme.{attr} must be a CSS hex colour such as '#E6A71F', got {value!r}")

    def to_css(self) -> str:
        """The CSS setting these colours (placed after the default styles)."""
        digits = self.accent_color.lstrip("#")
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
        return CUSTOM_THEME_CSS_TEMPLATE.format(
            accent=self.accent_color,
            accent_hover=self.accent_hover_color,
            button_text=self.button_text_color,
            accent_soft=f"rgba({red}, {green}, {blue}, 0.1)",
        )


class _ChatRequest(BaseModel):
    """The body of ``POST /api/chat``."""

    message: str
    history: list[dict[str, Any]] = []
    stream: bool = False


def _as_result(value: Any) -> AgentResult:
    if isinstance(value, AgentResult):
        return value
    if isinstance(value, dict):
        return AgentResult(
            code=str(value.get("code", "")),
            charts=list(value.get("charts", [])),
            summary=str(value.get("summary", "")),
            error=str(value.get("error", "")),
            attempts=int(value.get("attempts", 1)),
        )
    return AgentResult(summary=value if isinstance(value, str) else str(value))


async def _finished_outputs(handle: Any) -> Any:
    """The outputs of a run handle once it has finished: a server run's methods have ``.aio``;
    a local run's block, so they go to a thread to keep the app's event loop serving."""
    if hasattr(handle.wait, "aio"):
        await handle.wait.aio()
        return await handle.outputs.aio()
    await asyncio.to_thread(handle.wait)
    return await asyncio.to_thread(handle.outputs)


@dataclass(kw_only=True, repr=True, eq=False)
class AgentChatAppEnvironment(AppEnvironment):
    """An app serving a chat page for ``agent`` (anything with ``run`` and ``tool_descriptions``,
    see :class:`~flyte.ai.agents.AgentProtocol`), with FastAPI and uvicorn.

    Args:
        agent: the agent answering the chat.
        title: the page title (default: the app's name); ``subtitle`` is shown below it.
        prompt_nudges: ``{"label", "prompt"}`` cards shown before the first message.
        theme: the page's colours; ``custom_css`` is added after them.
        logo_url: an image left of the title.
        additional_buttons: ``{"button_text", "button_url"}`` links next to *Send*.
        passthrough_auth: forwarding the caller's credentials to Flyte calls; not available in
            this implementation, so True is refused.
        passthrough_auth_excluded_paths: paths without passthrough; only with ``passthrough_auth``.
        task_entrypoint: a task answering each message instead of ``agent.run`` (it takes
            ``(message)`` or ``(message, history)`` and returns an ``AgentResult``, a dict or text);
            it runs with ``flyte.run`` as this app's own identity.
    """

    agent: Any = field(default=None)
    title: str | None = None
    subtitle: str | None = None
    prompt_nudges: list[dict[str, str]] = field(default_factory=list)
    theme: CustomTheme | None = None
    custom_css: str = ""
    logo_url: str | None = None
    additional_buttons: list[dict[str, str]] = field(default_factory=list)
    passthrough_auth: bool = False
    passthrough_auth_excluded_paths: frozenset[str] | None = None
    task_entrypoint: Any | None = None
    type: str = "AgentChat"

    def __post_init__(self) -> None:
        where = f"AgentChatAppEnvironment {self.name!r}"
        if self.agent is None:
            raise ValueError(f"{where} needs an agent")
        if not isinstance(self.agent, AgentProtocol):
            raise TypeError(f"{where}: agent must have run() and tool_descriptions(), got {type(self.agent).__name__}")
        if self.passthrough_auth or self.passthrough_auth_excluded_paths is not None:
            raise ValueError(
                f"{where}: passthrough_auth is not supported here (there is no credential passthrough "
                "middleware); leave it off"
            )
        if self.theme is not None and not isinstance(self.theme, CustomTheme):
            raise TypeError(f"{where}: theme must be a CustomTheme, got {self.theme!r}")
        for nudge in self.prompt_nudges:
            if not nudge.get("label") or not nudge.get("prompt"):
                raise ValueError(f"{where}: prompt nudges need 'label' and 'prompt', got {nudge!r}")
        super().__post_init__()
        self._server = self._serve

    async def _answer(self, message: str, history: list[dict[str, Any]]) -> AgentResult:
        if self.task_entrypoint is None:
            run = self.agent.run
            value = await run.aio(message, history) if hasattr(run, "aio") else run(message, history)
        else:
            import flyte

            fn = getattr(self.task_entrypoint, "func", self.task_entrypoint)
            takes_history = len(inspect.signature(fn).parameters) >= 2
            args = (message, history) if takes_history else (message,)
            handle = await flyte.run.aio(self.task_entrypoint, *args)
            outputs = await _finished_outputs(handle)
            value = outputs[0] if outputs else ""
        while inspect.isawaitable(value):
            value = await value
        return _as_result(value)

    def build_fastapi_app(self) -> Any:
        """The FastAPI application: the page at ``/``, ``/health``, ``/api/tools``,
        ``/api/nudges`` and ``POST /api/chat`` (``{"message", "history", "stream"}``; with
        ``stream`` the answer comes as NDJSON progress lines and a final ``done`` line)."""
        from fastapi import FastAPI
        from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse

        from flyte.ai.agents.agent import AgentEvent, agent_progress_cb

        app = FastAPI(title=self.title or self.name)
        css = "\n".join(part for part in ((self.theme.to_css() if self.theme else ""), self.custom_css) if part)
        page = build_chat_html(self.title or self.name, css, self.logo_url, self.additional_buttons, self.subtitle)

        @app.get("/health")
        async def health() -> dict[str, str]:
            return {"status": "healthy"}

        @app.get("/api/tools")
        async def tools() -> JSONResponse:
            return JSONResponse(self.agent.tool_descriptions())

        @app.get("/api/nudges")
        async def nudges() -> JSONResponse:
            return JSONResponse(self.prompt_nudges)

        @app.get("/", response_class=HTMLResponse)
        async def index() -> HTMLResponse:
            return HTMLResponse(page)

        def done(result: AgentResult, started: float) -> dict[str, Any]:
            return {
                "code": result.code,
                "charts": result.charts,
                "summary": result.summary,
                "error": result.error,
                "elapsed_ms": int((time.monotonic() - started) * 1000),
                "attempts": result.attempts,
            }

        @app.post("/api/chat", response_model=None)
        async def chat(request: _ChatRequest) -> Any:
            started = time.monotonic()
            if not request.stream:
                return done(await self._answer(request.message, request.history), started)
            lines: asyncio.Queue[str | None] = asyncio.Queue()
            top_run: list[str] = []

            async def on_event(event: AgentEvent) -> None:
                # Sub-agents used as tools emit events too; only the outer run drives the page.
                if event.run_id and top_run and event.run_id != top_run[0]:
                    return
                if event.run_id and not top_run:
                    top_run.append(event.run_id)
                phase = _PROGRESS_PHASES.get(event.type)
                if phase is not None:
                    line: dict[str, Any] = {"type": "progress", "phase": phase}
                    if event.type == "turn_start":
                        line.update(attempt=event.data.get("turn"), max_attempts=event.data.get("max_turns"))
                    await lines.put(json.dumps(line) + "\n")

            async def work() -> None:
                token = agent_progress_cb.set(on_event)
                try:
                    result = await self._answer(request.message, request.history)
                except Exception as exc:
                    result = AgentResult(error=str(exc))
                finally:
                    agent_progress_cb.reset(token)
                await lines.put(json.dumps({"type": "done", **done(result, started)}) + "\n")
                await lines.put(None)

            async def body() -> AsyncIterator[str]:
                worker = asyncio.create_task(work())
                while (line := await lines.get()) is not None:
                    yield line
                await worker

            return StreamingResponse(body(), media_type="application/x-ndjson", headers={"Cache-Control": "no-cache"})

        return app

    async def _serve(self) -> None:
        from flyte.app._uvicorn import serve_asgi

        await serve_asgi(self.build_fastapi_app(), self.get_port().port)
