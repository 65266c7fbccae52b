"""Installed plugins are found through entry points: a type transformer from the
``flyte.plugins.types`` group and an image builder from ``flyte.plugins.image_builders``. The
'installed' distribution is a real dist-info folder on the interpreter's path, and the workflow
runs in a fresh interpreter, as a user's would."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

_PLUGIN = """
from fractions import Fraction

from flyte.types import TypeEngine, TypeTransformer, TypeTransformerFailedError


class FractionTransformer(TypeTransformer[Fraction]):
    def __init__(self) -> None:
        super().__init__("Fraction", Fraction)

    def to_literal(self, value: Fraction) -> str:
        if not isinstance(value, Fraction):
            raise TypeTransformerFailedError(f"expected Fraction, got {type(value).__name__}")
        return f"{value.numerator}/{value.denominator}"

    def to_python_value(self, literal: str) -> Fraction:
        return Fraction(literal)


def register() -> None:
    TypeEngine.register(FractionTransformer())


class EchoBuilder:
    async def build_image(self, image, dry_run: bool = False) -> str:
        return "echo.example/" + image.uri

    def get_checkers(self):
        return None
"""

_WORKFLOW = """
from fractions import Fraction

import flyte
from flyte.types import TypeEngine

env = flyte.TaskEnvironment("fractions")


@env.task
async def halve(x: Fraction) -> Fraction:
    return x / 2


if __name__ == "__main__":
    run = flyte.with_runcontext(mode="local").run(halve, Fraction(3, 4))
    print("result", run.outputs()[0])
    print("transformer", type(TypeEngine.get_transformer(Fraction)).__name__)
    flyte.init(image_builder="echo")
    print("built", flyte.build(flyte.Image.from_debian_base().with_pip_packages("six")).uri)
"""


def _install(site: Path) -> None:
    (site / "fraction_plugin.py").write_text(_PLUGIN)
    info = site / "fraction_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fraction-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[flyte.plugins.types]\nfraction = fraction_plugin:register\n\n"
        "[flyte.plugins.image_builders]\necho = fraction_plugin:EchoBuilder\n"
    )


def test_installed_plugins_are_found_through_entry_points(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install(site)
    script = tmp_path / "wf.py"
    script.write_text(textwrap.dedent(_WORKFLOW))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert lines["result"] == "3/8"
    assert lines["transformer"] == "FractionTransformer"
    assert lines["built"].startswith("echo.example/")
    assert "pickled" not in done.stderr


def test_without_the_distribution_the_type_is_pickled(tmp_path: Path) -> None:
    script = tmp_path / "wf.py"
    script.write_text(textwrap.dedent(_WORKFLOW).split("    flyte.init(")[0])
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "result 3/8" in done.stdout
    assert "transformer PickleTransformer" in done.stdout
