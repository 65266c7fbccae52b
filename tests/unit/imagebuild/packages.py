"""Real packages without a network: wheels written by hand, served as a local package index."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

# A PEP 517 backend that needs no other package, so installing a project builds it offline.
IN_TREE_BACKEND = """
import base64, hashlib, pathlib, zipfile

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version = "{name}", "{version}"
    info = f"{{name}}-{{version}}.dist-info"
    files = {{
        f"{{name}}/__init__.py": pathlib.Path(name, "__init__.py").read_bytes(),
        f"{{info}}/METADATA": f"Metadata-Version: 2.1\\nName: {{name}}\\nVersion: {{version}}\\n".encode(),
        f"{{info}}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }}
    wheel_name = f"{{name}}-{{version}}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(pathlib.Path(wheel_directory) / wheel_name, "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{{path}},sha256={{digest}},{{len(data)}}")
        wheel.writestr(f"{{info}}/RECORD", "\\n".join([*record, f"{{info}}/RECORD,,"]) + "\\n")
    return wheel_name
"""


def wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """Writes a pure-Python wheel of package ``name`` (a module of the same name, dashes as
    underscores, holding ``VERSION``) into ``folder``."""
    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    files = {
        f"{module}/__init__.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": metadata + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{module}-{version}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            record.append(f"{member},sha256={digest},{len(text)}")
        archive.writestr(f"{info}/RECORD", "\n".join([*record, f"{info}/RECORD,,"]) + "\n")
    return path


def simple_index(root: Path, packages: dict[str, list[tuple[str, tuple[str, ...]]]]) -> str:
    """A PEP 503 index under ``root`` of ``name -> [(version, requires)]``; returns its URL."""
    for name, versions in packages.items():
        folder = root / name
        wheels = [wheel(folder, name, version, requires) for version, requires in versions]
        links = "".join(f'<a href="{w.name}">{w.name}</a>' for w in wheels)
        (folder / "index.html").write_text(f"<html><body>{links}</body></html>")
    return root.resolve().as_uri()
