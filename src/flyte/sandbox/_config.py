"""Resource limits of a sandboxed orchestrator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxedConfig:
    """Limits a sandboxed orchestrator runs under in the Monty interpreter.

    ``max_memory`` is the sandbox heap in bytes, ``max_stack_depth`` the deepest call stack,
    ``timeout_ms`` the time the orchestrator's own code may execute (time spent waiting on the
    tasks it calls is not counted) and ``type_check`` whether the interface types are checked
    when the task is defined.
    """

    max_memory: int = 50 * 1024 * 1024
    max_stack_depth: int = 256
    timeout_ms: int = 30_000
    type_check: bool = True

    def __post_init__(self) -> None:
        for name in ("max_memory", "max_stack_depth", "timeout_ms"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"SandboxedConfig.{name} must be a positive int, got {value!r}")
