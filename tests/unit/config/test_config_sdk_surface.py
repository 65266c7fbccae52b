"""Config as the flyte SDK spells it: platform, Config.auto and with_params."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from flyte._config import AdminConfig, ImageConfig, TaskConfig
from flyte.config import Config


def test_platform_is_the_admin_section() -> None:
    server = AdminConfig(endpoint="http://flyte:8080")
    cfg = Config(platform=server)
    assert cfg.platform is server
    assert cfg.admin is server
    assert cfg.is_remote
    assert Config(admin=server).platform is server
    assert Config().platform == AdminConfig()
    with pytest.raises(ValueError, match="not both"):
        Config(admin=server, platform=AdminConfig(endpoint="http://other"))


def test_auto_reads_the_named_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("admin:\n  endpoint: http://x:1\ntask:\n  project: p\n")
    cfg = Config.auto(path)
    assert cfg.platform.endpoint == "http://x:1"
    assert cfg.task.project == "p"
    assert cfg.source == path.absolute()
    assert Config.auto().platform.endpoint is None  # no file anywhere: defaults


def test_with_params_replaces_only_the_sections_given(tmp_path: Path) -> None:
    base = Config(task=TaskConfig(project="a"), image=ImageConfig(builder="remote"), source=tmp_path)
    changed = base.with_params(platform=AdminConfig(endpoint="http://y"))
    assert changed.platform.endpoint == "http://y"
    assert changed.task.project == "a"
    assert changed.image.builder == "remote"
    assert changed.source == tmp_path
    assert base.with_params(task=TaskConfig(project="b")).task.project == "b"
    assert base.with_params().platform == base.platform
    assert dataclasses.replace(base, task=TaskConfig(project="c")).task.project == "c"
