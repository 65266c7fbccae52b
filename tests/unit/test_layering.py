"""The layers import downwards only: the shared model (naming, phases, offload, errors, progress)
depends on no layer above it, and the CLI, ``flyte.remote`` and the server's executors never
reach into the engine's internals. Read from the source with ``ast``, so that a lazy import
inside a function counts too."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "flyte"
MODEL_FORBIDDEN = ("flyte._internal.engine", "flyte.server", "flyte.cli", "flyte.remote")


def _imports(module_file: Path) -> set[str]:
    """Every module the file imports, at any depth (relative imports resolved)."""
    package = ".".join(module_file.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(module_file.read_text(), str(module_file))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _module_name(module_file: Path) -> str:
    parts = module_file.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _offenders(folder: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    offenders = {}
    for path in sorted((SRC / folder).rglob("*.py")):
        bad = sorted(m for m in _imports(path) if _within(m, forbidden))
        if bad:
            offenders[str(path.relative_to(SRC))] = bad
    return offenders


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("_internal/model", MODEL_FORBIDDEN),
        ("cli", ("flyte._internal.engine",)),
        ("remote", ("flyte._internal.engine", "flyte.server")),
        ("server/executors", ("flyte._internal.engine",)),
    ],
)
def test_layers_import_downwards_only(folder: str, forbidden: tuple[str, ...]) -> None:
    assert (SRC / folder).is_dir()
    assert _offenders(folder, forbidden) == {}


def test_the_check_sees_lazy_imports() -> None:
    sample = SRC / "_internal" / "model" / "naming.py"
    assert "xxhash" in _imports(sample)
    lazy = _imports(SRC / "cli" / "_progress.py")
    assert "flyte._internal.model.progress" in lazy  # imported inside a function


def test_the_model_pulls_in_no_layer_above_it_indirectly() -> None:
    # The check above reads the model's own files only; what they import (serde, the store,
    # errors) must not lead back up either, or the layers above would import in a circle.
    model = SRC / "_internal" / "model"
    files = sorted(model.rglob("*.py"))
    names = {_module_name(path) for path in files} | {m for path in files for m in _imports(path)}
    imported = sorted(m for m in names if _within(m, ("flyte",)))
    assert {"flyte._internal.model.progress", "flyte._internal.store.blob"} <= set(imported)
    # ``from m import name`` gives ``m.name``, which need not be a module: skip just those.
    probe = (
        "import importlib, sys\n"
        f"for name in {imported!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if exc.name != name:\n"
        "            raise\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = out.stdout.split()
    assert "flyte._internal.model.offload" in loaded
    assert [m for m in loaded if _within(m, MODEL_FORBIDDEN)] == []
