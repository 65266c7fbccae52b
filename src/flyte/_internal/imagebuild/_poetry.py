"""Poetry projects installed with uv: what ``poetry install`` would put in an environment, read from
the project's ``pyproject.toml`` and ``poetry.lock`` without Poetry.

The dependency groups ``poetry install`` selects (with its ``--with``, ``--without``, ``--only``
and ``--extras`` options) give the requirements, written as PEP 508; every registry package of
the lock pins its version as a constraint, so uv resolves the same versions Poetry locked (and
fails, with its own message, when the lock no longer fits the project). The project's package
sources become package indexes.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flyte._internal.imagebuild._toml import load
from flyte.errors import ImageBuildError

__all__ = ["POETRY_PROJECT_DIR", "PoetryPlan", "poetry_plan"]

POETRY_PROJECT_DIR = "/opt/poetry-project"
"""Where a poetry project's folder is in an image when the project itself is installed."""

_OPTION_WITH_VALUE = {"--with": "with", "--without": "without", "--only": "only", "--extras": "extras", "-E": "extras"}
_FLAGS = {"--no-root", "--only-root", "--all-extras", "--all-groups"}
# Options that change how Poetry talks or caches, not what a fresh environment ends up holding.
_NO_EFFECT = {
    "--sync", "--no-interaction", "-n", "--no-ansi", "--ansi", "-q", "--quiet", "-v", "-vv", "-vvv",
    "--verbose", "--compile", "--no-cache", "--no-plugins",
}  # fmt: skip
_RELEASE = re.compile(r"\d+(?:\.\d+)*")
_PRERELEASE = re.compile(r"\d[._-]?(?:a|b|c|rc|alpha|beta|pre|preview|dev)", re.IGNORECASE)


@dataclass(frozen=True)
class PoetryPlan:
    """How to install a Poetry project with uv: ``requirements`` (PEP 508 lines) held to
    ``constraints`` (the lock's pins), from these indexes, then the project itself if
    ``install_root``."""

    requirements: list[str]
    constraints: list[str]
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    pre: bool = False
    install_root: bool = False


@dataclass
class _Selection:
    """What the ``poetry install`` options of ``extra_args`` select."""

    with_groups: set[str] = field(default_factory=set)
    without: set[str] = field(default_factory=set)
    only: set[str] | None = None
    extras: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)


def _selection(extra_args: str | None) -> _Selection:
    selection = _Selection()
    words = shlex.split(extra_args or "")
    while words:
        word = words.pop(0)
        option, equals, value = word.partition("=")
        if option in _OPTION_WITH_VALUE:
            if not equals:
                if not words:
                    raise ImageBuildError(f"extra_args of with_poetry_project: {option} needs a value")
                value = words.pop(0)
            names = {name for name in re.split(r"[,\s]+", value) if name}
            target = _OPTION_WITH_VALUE[option]
            if target == "only":
                selection.only = (selection.only or set()) | names
            else:
                getattr(selection, "with_groups" if target == "with" else target).update(names)
        elif word in _FLAGS:
            selection.flags.add(word)
        elif word not in _NO_EFFECT:
            known = ", ".join(sorted({*_OPTION_WITH_VALUE, *_FLAGS, *_NO_EFFECT}))
            raise ImageBuildError(
                f"extra_args of with_poetry_project: {word!r} is not a `poetry install` option this builder "
                f"applies (it installs with uv): use one of {known}"
            )
    return selection


def _bump(release: list[int], index: int) -> str:
    return ".".join(map(str, [*release[:index], release[index] + 1]))


def _clause(clause: str) -> tuple[str, str]:
    """A version clause's operator and version: ``(">=", "1.2")``."""
    version = clause.lstrip("<>=!~^")
    return clause[: len(clause) - len(version)], version


def _specifiers(constraint: str) -> list[str]:
    """A Poetry version constraint as PEP 440 clauses (``^1.2`` is ``>=1.2`` and ``<2``)."""
    if "||" in constraint:
        # PEP 440 has no "or": the lock's pin still holds the version to the locked one.
        return []
    clauses = []
    for part in re.sub(r"([<>=!~^]+)\s+", r"\1", constraint).replace(",", " ").split():
        operator, version = _clause(part)
        if version in ("", "*"):
            continue
        found = _RELEASE.match(version)
        release = [int(n) for n in found[0].split(".")] if found else []
        if operator == "^" and release:
            first = next((i for i, n in enumerate(release) if n), len(release) - 1)
            clauses += [f">={version}", f"<{_bump(release, first)}"]
        elif operator == "~" and release:
            clauses += [f">={version}", f"<{_bump(release, 1 if len(release) > 1 else 0)}"]
        elif operator in ("", "="):
            clauses.append(f"=={version}")
        else:
            clauses.append(part)
    return clauses


def _markers(spec: dict[str, Any]) -> list[str]:
    markers = []
    if spec.get("python"):
        clauses = _specifiers(str(spec["python"]))
        markers += ['python_full_version {} "{}"'.format(*_clause(clause)) for clause in clauses]
    if spec.get("platform"):
        markers.append(f'sys_platform == "{spec["platform"]}"')
    if spec.get("markers"):
        markers.append(f"({spec['markers']})")
    return markers


def _git_url(url: str) -> str:
    # scp-like addresses (git@host:owner/repo.git) are not URLs; pip and uv want ssh:// ones.
    scp = re.fullmatch(r"([\w.-]+@[\w.-]+):(?!//)(.+)", url)
    return f"ssh://{scp[1]}/{scp[2]}" if scp else url


def _requirement(name: str, spec: Any, project: Path) -> str:
    """One Poetry dependency entry (a constraint string or a table) as a PEP 508 line."""
    spec = spec if isinstance(spec, dict) else {"version": str(spec)}
    extras = f"[{','.join(spec['extras'])}]" if spec.get("extras") else ""
    if spec.get("git"):
        reference = spec.get("rev") or spec.get("tag") or spec.get("branch")
        target = f"git+{_git_url(spec['git'])}" + (f"@{reference}" if reference else "")
        target += f"#subdirectory={spec['subdirectory']}" if spec.get("subdirectory") else ""
        line = f"{name}{extras} @ {target}"
    elif spec.get("path"):
        path = (project / spec["path"]).resolve()
        if not path.exists():
            raise ImageBuildError(
                f"pyproject.toml: dependency {name!r} is the path {spec['path']!r}, which is not in the image "
                "build: keep it inside the project folder and use project_install_mode='install_project'"
            )
        line = f"{name}{extras} @ {path.as_uri()}"
    elif spec.get("url"):
        line = f"{name}{extras} @ {spec['url']}"
    else:
        line = f"{name}{extras}{','.join(_specifiers(str(spec.get('version', '*'))))}"
    markers = _markers(spec)
    return f"{line} ; {' and '.join(markers)}" if markers else line


def _entries(table: dict[str, Any]) -> list[tuple[str, dict[str, Any] | str]]:
    """``(name, spec)`` for each dependency of a Poetry table, one per constraint of a
    multiple-constraint dependency (a list of tables); ``python`` is the interpreter, left out."""
    return [
        (name, item)
        for name, spec in table.items()
        if name.lower() != "python"
        for item in (spec if isinstance(spec, list) else [spec])
    ]


def _groups(document: dict[str, Any], project: Path) -> tuple[dict[str, list[str]], set[str]]:
    """The non-main dependency groups' requirements by name, and which of them are optional."""
    poetry = document.get("tool", {}).get("poetry", {})
    groups: dict[str, list[str]] = {}
    optional: set[str] = set()
    if poetry.get("dev-dependencies"):
        groups["dev"] = [_requirement(n, s, project) for n, s in _entries(poetry["dev-dependencies"])]
    for group, table in poetry.get("group", {}).items():
        lines = [_requirement(n, s, project) for n, s in _entries(table.get("dependencies", {}))]
        groups[group] = groups.get(group, []) + lines
        if table.get("optional"):
            optional.add(group)
    declared = document.get("dependency-groups", {})

    def expand(group: str, seen: tuple[str, ...]) -> list[str]:
        if group in seen or group not in declared:
            raise ImageBuildError(f"pyproject.toml: [dependency-groups] includes {group!r}, which it does not define")
        return [
            line
            for item in declared[group]
            for line in (expand(item["include-group"], (*seen, group)) if isinstance(item, dict) else [str(item)])
        ]

    for group in declared:
        groups[group] = groups.get(group, []) + expand(group, ())
    return groups, optional


def _main(document: dict[str, Any], extras: set[str], project: Path) -> list[str]:
    """The main group's requirements, with those of the selected ``extras``."""
    pep621 = document.get("project", {})
    poetry = document.get("tool", {}).get("poetry", {})
    known = set(pep621.get("optional-dependencies", {})) | set(poetry.get("extras", {}))
    if extras - known:
        raise ImageBuildError(
            f"extra_args of with_poetry_project: pyproject.toml defines no extras {sorted(extras - known)} "
            f"(it defines {sorted(known) or 'none'})"
        )
    if "dependencies" in pep621:
        # Poetry 2 reads a [project] table's dependencies; [tool.poetry.dependencies] only adds detail.
        lines = [str(d) for d in pep621["dependencies"]]
    else:
        chosen = {name.lower() for extra in extras for name in poetry.get("extras", {}).get(extra, [])}
        lines = [
            _requirement(name, spec, project)
            for name, spec in _entries(poetry.get("dependencies", {}))
            if not (isinstance(spec, dict) and spec.get("optional")) or name.lower() in chosen
        ]
    return lines + [str(d) for extra in sorted(extras) for d in pep621.get("optional-dependencies", {}).get(extra, [])]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lock: dict[str, Any]) -> tuple[list[str], list[str], bool]:
    """The lock's registry packages as ``name==version`` constraints, the indexes it names, and
    whether it pins a pre-release (which uv installs only when allowed to)."""
    found: dict[str, list[dict[str, Any]]] = {}
    indexes = []
    for package in lock.get("package", []):
        source = package.get("source") or {}
        if source.get("type") not in (None, "legacy"):
            continue  # a git, path or URL package: its requirement names where it comes from
        if source.get("url"):
            indexes.append(str(source["url"]))
        found.setdefault(_normal(str(package["name"])), []).append(package)
    pins = []
    for name, packages in sorted(found.items()):
        if len(packages) == 1:
            pins.append(f"{name}=={packages[0]['version']}")
        elif all(isinstance(p.get("markers"), str) for p in packages):
            pins += [f"{name}=={p['version']} ; {p['markers']}" for p in packages]
        # Several versions for different environments without markers to tell them apart: uv
        # picks among them from the requirements that name them.
    versions = [str(p["version"]).split("+")[0] for packages in found.values() for p in packages]
    return pins, indexes, any(_PRERELEASE.search(version) for version in versions)


def _indexes(document: dict[str, Any], locked: list[str]) -> tuple[str | None, list[str]]:
    sources = document.get("tool", {}).get("poetry", {}).get("source", [])
    urls = [str(s["url"]) for s in sources if s.get("url")]
    primary = [
        str(s["url"]) for s in sources if s.get("url") and s.get("priority", "primary") in ("primary", "default")
    ]
    # Poetry stops using PyPI once a project names a primary source, unless it names PyPI too.
    names_pypi = any(str(s.get("name", "")).lower() == "pypi" and not s.get("url") for s in sources)
    index_url = primary[0] if primary and not names_pypi else None
    return index_url, [url for url in dict.fromkeys([*urls, *locked]) if url != index_url]


def poetry_plan(pyproject: str, lock: str, extra_args: str | None, project: Path, install_project: bool) -> PoetryPlan:
    """What installing the Poetry project ``pyproject`` (locked by ``lock``; both file contents),
    whose files are in ``project``, takes; ``extra_args`` are ``poetry install`` options, and
    ``install_project`` says whether the project itself is installed too (without ``--no-root``).

    Raises:
        ImageBuildError: a file is not valid TOML, an option is unknown, or it names a group or an
            extra the project does not define, or a path dependency is not in ``project``.
    """
    document = load(pyproject, "pyproject.toml")
    pins, locked_indexes, pre = _pins(load(lock, "poetry.lock"))
    selection = _selection(extra_args)
    if "--all-extras" in selection.flags:
        selection.extras |= set(document.get("project", {}).get("optional-dependencies", {}))
        selection.extras |= set(document.get("tool", {}).get("poetry", {}).get("extras", {}))
    groups, optional = _groups(document, project)
    defined = {"main", *groups}
    named = selection.with_groups | selection.without | (selection.only or set())
    if named - defined:
        raise ImageBuildError(
            f"extra_args of with_poetry_project: pyproject.toml defines no dependency groups "
            f"{sorted(named - defined)} (it defines {sorted(defined)})"
        )
    if selection.only is not None:
        chosen = set(selection.only)
    elif "--all-groups" in selection.flags:
        chosen = defined
    else:
        chosen = (defined - optional) | selection.with_groups
    chosen -= selection.without
    requirements = _main(document, selection.extras, project) if "main" in chosen else []
    requirements += [line for group in sorted(groups) if group in chosen for line in groups[group]]
    index_url, extra_index_urls = _indexes(document, locked_indexes)
    package_mode = document.get("tool", {}).get("poetry", {}).get("package-mode", True)
    return PoetryPlan(
        requirements=[] if "--only-root" in selection.flags else requirements,
        constraints=pins,
        index_url=index_url,
        extra_index_urls=extra_index_urls,
        pre=pre,
        install_root=install_project and package_mode is not False and "--no-root" not in selection.flags,
    )
