"""Dump the public surface of a ``flyte`` package: its modules' names and signatures, as JSON.

Run it with the interpreter of the SDK to describe::

    ../flyte-real/bin/python bench/sdk_surface.py > tests/unit/data/sdk_surface.json

The pinned copy of the real SDK's surface (``flyte==2.12.1``) lives in
``tests/unit/data/sdk_surface.json``; ``tests/unit/test_sdk_surface.py`` checks this project
against it. Rerun this script with the real SDK's interpreter to refresh the pin, and with ours to
see what is missing (``--diff PINNED`` prints only the differences). The real SDK imports
``flyte.connectors`` only with ``grpcio`` and ``prometheus_client`` installed next to it.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
from typing import Any

# The modules a Flyte user imports from.
MODULES = (
    "flyte",
    "flyte.ai.agents",
    "flyte.ai.chat",
    "flyte.app",
    "flyte.app.extras",
    "flyte.artifacts",
    "flyte.clustered",
    "flyte.config",
    "flyte.connectors",
    "flyte.durable",
    "flyte.errors",
    "flyte.extend",
    "flyte.extras",
    "flyte.git",
    "flyte.io",
    "flyte.io.extend",
    "flyte.models",
    "flyte.notify",
    "flyte.prefetch",
    "flyte.remote",
    "flyte.report",
    "flyte.sandbox",
    "flyte.storage",
    "flyte.syncify",
    "flyte.types",
)


def _parameters(obj: Any) -> list[str] | None:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    shown = []
    for param in signature.parameters.values():
        prefix = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}.get(param.kind, "")
        shown.append(prefix + param.name)
    return shown


def _public_names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, obj in vars(module).items() if not n.startswith("_") and _defined_here(n, obj)]
    return sorted(set(names))


def _defined_here(name: str, obj: Any) -> bool:
    """For a module without ``__all__``: whether ``name`` is its own, not an import from the
    standard library (``typing.Any``, ``dataclasses.field``) or a logger."""
    if inspect.ismodule(obj) or name == "TYPE_CHECKING":
        return False
    origin = getattr(obj, "__module__", None)
    if isinstance(origin, str) and (inspect.isclass(obj) or inspect.isroutine(obj)):
        return origin == "flyte" or origin.startswith("flyte.")
    return name.isupper()


def describe(obj: Any) -> dict[str, Any]:
    """Describe one public object: its kind, parameters and (for classes) public members."""
    if inspect.isclass(obj):
        # Dataclass fields without defaults are instance attributes only: count them as members.
        annotated = {n for klass in obj.__mro__ for n in getattr(klass, "__annotations__", {})}
        members = sorted(n for n in {*dir(obj), *annotated} if not n.startswith("_"))
        entry: dict[str, Any] = {"kind": "class", "members": members}
        params = _parameters(obj)
        if params is not None:
            entry["params"] = params
        return entry
    if callable(obj):
        return {"kind": "callable", "params": _parameters(obj)}
    return {"kind": "value"}


def surface() -> dict[str, dict[str, Any]]:
    """Describe every public name of every module in ``MODULES``."""
    result: dict[str, dict[str, Any]] = {}
    for module_name in MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            result[module_name] = {"__missing__": {"kind": "module", "error": str(exc)}}
            continue
        result[module_name] = {n: describe(getattr(module, n)) for n in _public_names(module) if hasattr(module, n)}
    return result


def differences(pinned: dict[str, dict[str, Any]], ours: dict[str, dict[str, Any]]) -> list[str]:
    """List what ``pinned`` has that ``ours`` lacks: modules, names, parameters and class members."""
    missing: list[str] = []
    for module_name, names in pinned.items():
        have = ours.get(module_name, {})
        if "__missing__" in have:
            missing.append(f"{module_name}: module missing")
            continue
        for name, entry in names.items():
            if name not in have:
                missing.append(f"{module_name}.{name}: missing")
                continue
            mine = have[name]
            for param in entry.get("params") or []:
                if param.startswith("_"):
                    continue  # private to the real SDK's own calls
                accepts_any = any(p.startswith("**") for p in mine.get("params") or [])
                if param not in (mine.get("params") or []) and not (accepts_any and not param.startswith("*")):
                    missing.append(f"{module_name}.{name}: parameter {param} missing")
            for member in entry.get("members", []):
                if member not in mine.get("members", []):
                    missing.append(f"{module_name}.{name}.{member}: missing")
    return missing


def main() -> int:
    """Print the surface of the ``flyte`` importable here, or its differences from a pinned one."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--diff", help="a pinned surface JSON; print what this flyte lacks of it")
    args = parser.parse_args()
    current = surface()
    if args.diff:
        with open(args.diff, encoding="utf-8") as pinned:
            gaps = differences(json.load(pinned), current)
        print("\n".join(gaps))
        return 1 if gaps else 0
    json.dump(current, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
