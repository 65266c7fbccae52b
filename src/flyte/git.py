"""What git says about the code being run: its repository, commit and remote, and the flyte
configuration kept at the repository's root."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flyte._config import Config, load_config

__all__ = ["GitStatus", "config_from_root"]


def _git(*args: str, cwd: Path | None = None) -> str | None:
    """The output of a git command, or None when git is missing or the command fails."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@dataclass(frozen=True)
class GitStatus:
    """The repository of the current folder: where it is, its commit, its remote, whether it is clean."""

    is_valid: bool = False
    is_tree_clean: bool = False
    remote_url: str = ""
    repo_dir: Path = Path(".")
    commit_sha: str = ""

    @classmethod
    def from_current_repo(cls) -> GitStatus:
        """The current folder's repository; ``is_valid`` is False outside one (or without git)."""
        root = _git("rev-parse", "--show-toplevel")
        if not root:
            return cls()
        repo = Path(root)
        status = _git("status", "--porcelain", cwd=repo)
        return cls(
            is_valid=True,
            is_tree_clean=status == "",
            remote_url=_https_url(_git("remote", "get-url", "origin", cwd=repo) or ""),
            repo_dir=repo,
            commit_sha=_git("rev-parse", "HEAD", cwd=repo) or "",
        )

    def build_url(self, path: Path | str, line_number: int) -> str:
        """A link to line ``line_number`` of ``path`` at this commit on the remote (GitHub, GitLab
        and the like); the path relative to the repository when there is no remote."""
        relative = Path(path).resolve().relative_to(self.repo_dir.resolve()).as_posix()
        if not self.remote_url or not self.commit_sha:
            return relative
        return f"{self.remote_url}/blob/{self.commit_sha}/{relative}#L{line_number}"


def _https_url(url: str) -> str:
    """``git@host:org/repo.git`` and ``https://host/org/repo.git`` as ``https://host/org/repo``."""
    url = url.strip()
    ssh = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$", url)
    if ssh:
        url = f"https://{ssh.group(1)}/{ssh.group(2)}"
    return url.removesuffix(".git").rstrip("/")


def config_from_root(path: Path | str = ".flyte/config.yaml") -> Config | None:
    """The flyte configuration at ``path`` under the git root of the current folder, or None
    when there is no repository or no such file."""
    root = _git("rev-parse", "--show-toplevel")
    if not root or not (Path(root) / path).is_file():
        return None
    return load_config(Path(root) / path)
