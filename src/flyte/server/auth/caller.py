"""Who is calling: the API key (and the project it is scoped to) or the worker of a run. The
guard (:mod:`flyte.server.auth.guard`) settles it once per request; handlers ask it what the
caller may see and change.

The boundary between projects is the key: a key scoped to project P sees only P's runs and the
secrets scoped to P or to every project, and changes only P's. A project a client merely says it
acts in (``flyte.init(project=...)``) is no boundary: the SDK already lists that project's runs
by default, and a run started in another project (``with_runcontext(project=...)``) must stay
readable by the client that started it, so an unscoped key (or a server without ``--auth``)
sees every project, as an administrator does.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request, status

__all__ = ["ANYONE", "STATE_KEY", "Caller", "caller_of", "require_may_write"]

STATE_KEY = "flyte_caller"
"""Where the guard leaves the caller in the request's state."""


@dataclass(frozen=True)
class Caller:
    """The caller of one request (see the module docstring)."""

    key_name: str | None = None
    """The API key's name; None without authentication or for a worker."""
    project: str | None = None
    """The one project the key may act in; None: every project."""
    worker_run: str | None = None
    """The run of the worker that authenticated with its attempt token."""

    def can_see(self, project: str | None) -> bool:
        """Whether something of ``project`` (None: of every project, as an unscoped secret is)
        is visible to this caller."""
        return project is None or self.project is None or project == self.project

    def may_write(self, project: str | None) -> bool:
        """Whether this caller may create or change something of ``project``: a scoped key only
        inside its project, never what applies to every project."""
        return self.project is None or project == self.project


ANYONE = Caller()
"""The caller of a server without authentication, and of the public paths."""


def caller_of(request: Request) -> Caller:
    """The caller the guard settled for ``request`` (:data:`ANYONE` for a path it lets through)."""
    found = getattr(request.state, STATE_KEY, None)
    return found if isinstance(found, Caller) else ANYONE


def require_may_write(request: Request, project: str | None) -> None:
    """Refuses (403) a change outside the project of the caller's key."""
    caller = caller_of(request)
    if not caller.may_write(project):
        where = f"project '{project}'" if project is not None else "every project"
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"The API key '{caller.key_name}' acts in project '{caller.project}' only, not in {where}",
        )
