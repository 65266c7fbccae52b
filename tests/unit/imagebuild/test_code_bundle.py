"""with_code_bundle: the task's code baked into a container image; an environment built for the
server gets the code from the run's bundle, so the layer builds nothing there."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import flyte
from flyte._internal.imagebuild import ImageBuilder, image_spec
from flyte._internal.imagebuild._dockerfile import render_dockerfile


@pytest.fixture
def loaded_module(tmp_path: Path) -> Iterator[Path]:
    """A module under ``tmp_path/app`` loaded as a workflow file would be; unloaded afterwards."""
    source = tmp_path / "app" / "workflows" / "flow.py"
    source.parent.mkdir(parents=True)
    source.write_text("X = 1\n")
    spec = importlib.util.spec_from_file_location("code_bundle_test_flow", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield tmp_path / "app"
    del sys.modules[spec.name]


def test_the_dockerfile_copies_the_code(loaded_module: Path) -> None:
    base = flyte.Image.from_debian_base().with_env_vars({"A": "1"})
    modules = base.with_code_bundle()
    assert render_dockerfile(modules, loaded_module).splitlines()[3:] == [
        "# the task's code: the modules loaded from the build context, as its code bundle holds them",
        "COPY workflows/flow.py ./workflows/flow.py",
    ]
    everything = base.with_code_bundle(copy_style="all", dst="/app")
    assert render_dockerfile(everything, loaded_module).splitlines()[3:] == [
        "# the task's code: the whole build context",
        "COPY . /app",
    ]
    assert len({modules.content_hash, everything.content_hash, base.content_hash}) == 3


def test_an_environment_is_built_without_it(tmp_path: Path) -> None:
    base = flyte.Image.from_debian_base().with_env_vars({"A": "1"})
    spec, bundled = image_spec(base), image_spec(base.with_code_bundle(copy_style="all"))
    assert spec is not None and bundled is not None
    assert (bundled.hash, bundled.steps) == (spec.hash, spec.steps)
    assert ImageBuilder(tmp_path / "images").build(bundled).env == {"A": "1"}
