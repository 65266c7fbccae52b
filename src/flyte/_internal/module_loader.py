"""Importing a workflow file as a module, the way ``python -m`` would.

- a file in a plain folder becomes the module named after the file (``hello.py`` -> ``hello``),
  with its folder first on ``sys.path``: ``import sibling`` finds the modules next to it;
- a file inside a package (folders with ``__init__.py``) becomes ``pkg.sub.mod``, with the folder
  above the outermost package on ``sys.path``: ``from . import sibling`` works too.

A file whose module name is already imported (``json.py``, ``click.py``) is refused rather than
allowed to replace that module for the whole process. The CLI and the server's workers load
files through here, so a task's module has the same name in both.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from flyte.errors import ModuleLoadError


def module_name_for(path: Path) -> tuple[str, Path]:
    """The dotted module name of the Python file ``path`` and the folder to put on ``sys.path``."""
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), folder


def load_file(file: str | Path) -> ModuleType:
    """Imports the Python file ``file`` (once: a second call returns the same module).

    Raises:
        ModuleLoadError: the file does not exist, is not a Python file, or fails to import; the
            one-line message names the file and the cause.
    """
    path = Path(file).expanduser().resolve()
    if not path.is_file():
        raise ModuleLoadError(f"cannot load {file}: no such file")
    if path.suffix != ".py":
        raise ModuleLoadError(f"cannot load {file}: not a Python file (expected a .py file)")
    name, root = module_name_for(path)
    taken = sys.modules.get(name)
    if taken is not None:
        if getattr(taken, "__file__", None) == str(path):
            return taken
        # Replacing a module that is already imported (json.py, a library's name) would break
        # every user of that module in this process, flyte included.
        where = getattr(taken, "__file__", None) or "built in"
        raise ModuleLoadError(
            f"cannot load {file}: its module name {name!r} is already taken ({where}); rename the file"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        parent = name.rpartition(".")[0]
        if parent:
            importlib.import_module(parent)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None  # a .py path always has a source loader
        module = importlib.util.module_from_spec(spec)
        # Registered before running so that the module's dataclasses and pickled values can be
        # found again by name, as for any imported module.
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    except (Exception, SystemExit) as e:
        cause = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        if isinstance(e, SyntaxError) and e.lineno is not None:
            cause = f"{type(e).__name__} at line {e.lineno}: {e.msg}"
        raise ModuleLoadError(f"cannot load {file}: {cause}") from e
    return module


def load_ref(ref: str, root: Path | None = None, *, confine: bool = False) -> ModuleType:
    """Imports a module reference: a ``.py`` path (relative to ``root``) or a dotted module name.

    With ``confine``, a ``.py`` path must lie inside ``root`` (a server's worker loads only files
    of the run's code bundle, whatever the reference says).

    Raises:
        ModuleLoadError: the module cannot be imported, or a confined path lies outside ``root``.
    """
    if ref.endswith(".py"):
        path = Path(ref)
        if root is not None and not path.is_absolute():
            path = root / path
        if confine and (root is None or not path.resolve().is_relative_to(root.resolve())):
            raise ModuleLoadError(f"cannot load {ref}: it is not a file of the run's code bundle")
        return load_file(path)
    try:
        return importlib.import_module(ref)
    except Exception as e:
        raise ModuleLoadError(f"cannot import module {ref!r}: {type(e).__name__}: {e}") from e
