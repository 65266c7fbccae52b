"""MCP servers as tool sources: :class:`MCPServerSpec` and the loader that lists their tools."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from flyte.ai.agents._tools import AgentTool

Transport = Literal["auto", "http", "streamable-http", "sse", "stdio"]


@dataclass(kw_only=True)
class MCPServerSpec:
    """An MCP server whose tools the agent may call: remote (``url``) or a local command (``command``).

    Args:
        name: a name for logs and errors.
        url: the HTTP(S) endpoint of a remote server.
        command: the command line starting a stdio server, e.g. ``["uvx", "mcp-server-git"]``.
        headers: HTTP headers for a remote server (``Authorization``...).
        env: environment variables of a stdio server.
        transport: ``auto`` picks ``stdio`` for a command and streamable HTTP for a URL.
        tool_prefix: put before every tool name, to keep names of several servers apart.
        tool_filter: only these tools (by their name on the server); None for all.
    """

    name: str
    url: str | None = None
    command: list[str] | None = None
    headers: dict[str, str] | None = None
    env: dict[str, str] | None = None
    transport: Transport = "auto"
    tool_prefix: str = ""
    tool_filter: list[str] | None = None

    def __post_init__(self) -> None:
        if not self.url and not self.command:
            raise ValueError(f"MCPServerSpec {self.name!r} needs a url or a command")
        if self.url and self.command:
            raise ValueError(f"MCPServerSpec {self.name!r} has both a url and a command; give one")
        if self.transport == "stdio" and not self.command:
            raise ValueError(f"MCPServerSpec {self.name!r}: the stdio transport needs a command")
        if self.transport in ("http", "streamable-http", "sse") and not self.url:
            raise ValueError(f"MCPServerSpec {self.name!r}: the {self.transport} transport needs a url")


SessionFactory = Callable[[], contextlib.AbstractAsyncContextManager[Any]]


def _session_factory(spec: MCPServerSpec) -> SessionFactory:
    from mcp import ClientSession

    @contextlib.asynccontextmanager
    async def stdio() -> AsyncIterator[Any]:
        from mcp import StdioServerParameters
        from mcp.client.stdio import stdio_client

        assert spec.command is not None
        params = StdioServerParameters(command=spec.command[0], args=spec.command[1:], env=spec.env)
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session

    @contextlib.asynccontextmanager
    async def sse() -> AsyncIterator[Any]:
        from mcp.client.sse import sse_client

        assert spec.url is not None
        async with sse_client(spec.url, headers=spec.headers) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session

    @contextlib.asynccontextmanager
    async def http() -> AsyncIterator[Any]:
        from mcp.client.streamable_http import streamablehttp_client

        assert spec.url is not None
        async with (
            streamablehttp_client(spec.url, headers=spec.headers) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session

    if spec.command:
        return stdio
    return sse if spec.transport == "sse" else http


def _content_of(result: Any) -> Any:
    content = getattr(result, "content", None)
    if not content or not isinstance(content, list):
        return content or None
    parts = [getattr(chunk, "text", None) if getattr(chunk, "text", None) is not None else chunk for chunk in content]
    return "\n".join(str(p) for p in parts) if all(isinstance(p, str) for p in parts) else parts


async def load_mcp_tools(specs: Sequence[MCPServerSpec]) -> list[AgentTool]:
    """Lists the tools of every server as :class:`AgentTool`; each call opens its own session.

    Raises:
        ImportError: the ``mcp`` package is not installed.
    """
    if not specs:
        return []
    try:
        import mcp  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "the agent has MCP servers but the `mcp` package is not installed: `pip install mcp`"
        ) from exc
    tools: list[AgentTool] = []
    for spec in specs:
        sessions = _session_factory(spec)
        async with sessions() as session:
            listing = await session.list_tools()
        for remote in listing.tools:
            short = getattr(remote, "name", "")
            if not short or (spec.tool_filter is not None and short not in spec.tool_filter):
                continue

            async def execute(arguments: dict[str, Any], _name: str = short, _open: SessionFactory = sessions) -> Any:
                async with _open() as call_session:
                    return _content_of(await call_session.call_tool(_name, arguments=arguments))

            tools.append(
                AgentTool(
                    name=f"{spec.tool_prefix}{short}",
                    description=getattr(remote, "description", "") or f"MCP tool of {spec.name}",
                    parameters=getattr(remote, "inputSchema", None) or {"type": "object", "properties": {}},
                    execute=execute,
                    source="mcp",
                )
            )
    return tools
