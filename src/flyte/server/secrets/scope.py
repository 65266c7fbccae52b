"""Which of the secrets of one name applies to a run: the narrowest scope that matches.

A secret's scope is an org, a project and a domain, each ``None`` for "any". A secret applies to a
run when every field it sets equals the run's; among those that apply, the one setting the most
fields wins, and on a tie the project counts more than the domain, and the domain more than the
org. So a secret of the run's project and domain beats one of the project only, which beats one
of the domain only, which beats an unscoped one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Scope", "Scoped", "applies", "narrowest"]

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    """Where a secret applies: ``None`` in a field means any value."""

    org: str | None = None
    project: str | None = None
    domain: str | None = None

    def describe(self) -> str:
        """A readable form: ``"global"`` or, e.g., ``"project=p domain=d"``."""
        parts = [f"{k}={v}" for k, v in (("org", self.org), ("project", self.project), ("domain", self.domain)) if v]
        return " ".join(parts) or "global"


@dataclass(frozen=True)
class Scoped(Generic[T]):
    """Something (a stored secret) with its scope."""

    scope: Scope
    item: T


def applies(scope: Scope, org: str | None, project: str | None, domain: str | None) -> bool:
    """Whether a secret of ``scope`` applies to a run of this org, project and domain."""
    return all(
        mine is None or mine == theirs
        for mine, theirs in ((scope.org, org), (scope.project, project), (scope.domain, domain))
    )


def _rank(scope: Scope) -> tuple[int, bool, bool, bool]:
    project, domain, org = scope.project is not None, scope.domain is not None, scope.org is not None
    return (project + domain + org, project, domain, org)


def narrowest(candidates: Iterable[Scoped[T]], org: str | None, project: str | None, domain: str | None) -> T | None:
    """The item of the narrowest scope that applies (see the module docstring), or None."""
    best: Scoped[T] | None = None
    for candidate in candidates:
        if not applies(candidate.scope, org, project, domain):
            continue
        if best is None or _rank(candidate.scope) > _rank(best.scope):
            best = candidate
    return best.item if best is not None else None
