"""Sandboxes: running code with no access to the machine it runs on.

- **Orchestration sandbox** (``@env.sandbox.orchestrator``, :func:`orchestrator_from_str`,
  :func:`orchestrate_local`): pure Python control flow executed by Monty, Pydantic's Python
  interpreter written in Rust. The code has no filesystem, network, environment, clock or
  randomness, and only a few pure modules of the standard library; it calls other tasks by name,
  and those run as ordinary actions. Needs ``pip install 'openflyte[sandbox]'``.
- **Code sandbox** (:func:`create`): a script or command in a throwaway container image built
  from declared packages.
"""

from __future__ import annotations

from ._api import orchestrate_local, orchestrator_from_str
from ._code_sandbox import ImageConfig, create, sandbox_environment
from ._code_task import CodeTaskTemplate
from ._config import SandboxedConfig
from ._task import SandboxedTaskTemplate

#: Instructions for a language model writing orchestrator code (for ``orchestrator_from_str``).
ORCHESTRATOR_SYNTAX_PROMPT = """\
The code you write runs in a restricted Python interpreter (Monty). Follow these rules:
- Every function you may use is already defined; call it like a normal function, without `await`.
- The value of the last expression is the result. Do not use `return` at the top level.
- Imports: only a few pure standard-library modules exist (math, json, re, datetime, collections, \
itertools, functools). No third-party packages and no os, sys, time, random, subprocess or statistics.
- There is no clock: `datetime.now()` and `date.today()` fail. Take dates as inputs; date arithmetic \
and parsing are fine.
- No generator functions (`yield`, `yield from`); generator expressions inside sum(), any(), all() or \
list() are fine, but never call next() on one (use a for loop with break).
- No `del` statements, no classes, no file, network or OS access.

Values:
- Allowed: int, float, str, bool, bytes, None, and list, dict, tuple, set, frozenset of these.
- File, Dir and DataFrame values are opaque handles: pass them to functions, never look inside.
- Custom classes, dataclasses and Pydantic models are not available.

Parallel calls:
- `flyte_map(task_name, *iterables, concurrency=0, group_name=None, return_exceptions=True)` calls \
the function named `task_name` (a string, e.g. "double") once per item of the iterables, in parallel, \
and returns the list of results in order, like flyte.map. Example: `flyte_map("add", xs, ys, concurrency=4)`."""

__all__ = [
    "ORCHESTRATOR_SYNTAX_PROMPT",
    "CodeTaskTemplate",
    "ImageConfig",
    "SandboxedConfig",
    "SandboxedTaskTemplate",
    "create",
    "orchestrate_local",
    "orchestrator_from_str",
    "sandbox_environment",
]
