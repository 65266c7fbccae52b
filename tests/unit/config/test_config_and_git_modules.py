"""flyte.config and flyte.git: the configuration read as the SDK names it, and from a git root."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import flyte.config
import flyte.git
from flyte.errors import ConfigError


def _repo(folder: Path, remote: str | None = "git@github.com:acme/pipelines.git") -> Path:
    folder.mkdir(parents=True)
    for args in (["init", "-q"], ["config", "user.email", "t@example.com"], ["config", "user.name", "T"]):
        subprocess.run(["git", *args], cwd=folder, check=True)
    if remote is not None:
        subprocess.run(["git", "remote", "add", "origin", remote], cwd=folder, check=True)
    (folder / "wf.py").write_text("print('hi')\n")
    subprocess.run(["git", "add", "wf.py"], cwd=folder, check=True)
    subprocess.run(["git", "commit", "-qm", "first"], cwd=folder, check=True)
    return folder


def test_auto_reads_a_named_file_and_refuses_a_missing_one(tmp_path: Path) -> None:
    config_file = tmp_path / "team.yaml"
    config_file.write_text("admin:\n  endpoint: http://127.0.0.1:9999\ntask:\n  project: p1\n")
    config = flyte.config.auto(config_file)
    assert (config.admin.endpoint, config.task.project, config.source) == ("http://127.0.0.1:9999", "p1", config_file)
    assert flyte.config.get_config_file(config_file) == config_file
    with pytest.raises(ConfigError, match="config file not found"):
        flyte.config.auto(tmp_path / "missing.yaml")


def test_set_if_exists() -> None:
    assert flyte.config.set_if_exists({}, "a", None) == {}
    assert flyte.config.set_if_exists({}, "a", "") == {}
    assert flyte.config.set_if_exists({}, "a", False) == {"a": False}
    assert flyte.config.set_if_exists({"b": 1}, "a", "x") == {"b": 1, "a": "x"}


def test_git_status_and_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    status = flyte.git.GitStatus.from_current_repo()
    assert status.is_valid and status.is_tree_clean
    assert status.remote_url == "https://github.com/acme/pipelines"
    assert status.repo_dir.resolve() == repo.resolve()
    assert len(status.commit_sha) == 40
    assert status.build_url(repo / "wf.py", 3) == f"https://github.com/acme/pipelines/blob/{status.commit_sha}/wf.py#L3"
    (repo / "wf.py").write_text("changed\n")
    assert not flyte.git.GitStatus.from_current_repo().is_tree_clean
    monkeypatch.chdir(tmp_path)
    assert not flyte.git.GitStatus.from_current_repo().is_valid


def test_config_from_the_git_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path / "repo", remote=None)
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    assert flyte.git.config_from_root() is None
    (repo / ".flyte").mkdir()
    (repo / ".flyte" / "config.yaml").write_text("task:\n  project: from-root\n")
    config = flyte.git.config_from_root()
    assert config is not None and config.task.project == "from-root"
