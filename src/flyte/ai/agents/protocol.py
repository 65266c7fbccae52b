"""What an agent returns (:class:`AgentResult`) and what any agent provides (:class:`AgentProtocol`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from flyte.ai.agents.memory import MemoryStore


@dataclass
class AgentResult:
    """The outcome of one agent run.

    ``summary`` is the final answer; ``error`` is empty on success and says why the run stopped
    otherwise (the LLM call failed, ``max_turns`` was reached). ``attempts`` counts the LLM turns
    taken, ``code`` is the last program written in code mode, and ``memory`` is the
    :class:`~flyte.ai.agents.MemoryStore` the run was given, with this run's messages appended.
    """

    code: str = ""
    charts: list[str] = field(default_factory=list)
    summary: str = ""
    error: str = ""
    attempts: int = 1
    memory: MemoryStore | None = None


@runtime_checkable
class AgentProtocol(Protocol):
    """The two methods an agent offers: a chat UI or a caller needs nothing more."""

    def run(self, message: str, memory: list[dict[str, Any]] | MemoryStore | None = None) -> AgentResult:
        """Answers ``message``, given prior messages or a memory store, and returns the outcome."""
        ...

    def tool_descriptions(self) -> list[dict[str, str]]:
        """One ``{"name", "signature", "description"}`` dict per tool the agent can call."""
        ...
