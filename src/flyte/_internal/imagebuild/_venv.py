"""Building an image recipe into a virtual environment with uv, once per recipe.

An image lives in ``<root>/<hash>/``: ``venv/`` (its Python and packages), ``root/`` (what the
image's files and working folder would be in a container: absolute image paths land under it),
``image.json`` (the interpreter, variables and working folder to start processes with) and
``build.log``. A pixi project's environment, once installed, replaces ``venv/`` as the image's
interpreter and receives the packages of the steps after it, as in a container image.
``image.json`` is written last, so an image is used only once whole (a failed build is removed);
one lock per image (a thread lock and a file lock) makes a hundred callers asking at once build
it once while the others wait for it.

The environment uses the interpreter of the process that builds it, and sees that interpreter's
packages after its own (a ``.pth`` file): flyte and its dependencies are always there, and what
the image installs comes first.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import shutil
import site
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TextIO

from flyte._internal import wire
from flyte._internal.imagebuild._poetry import poetry_plan
from flyte.errors import ImageBuildError

__all__ = ["BuiltImage", "ImageBuilder"]

_LOG_TAIL_LINES = 40


@dataclass(frozen=True)
class BuiltImage:
    """A built image: its interpreter, the variables processes start with, their working folder."""

    hash: str
    uri: str
    python: Path
    env: dict[str, str]
    workdir: Path
    log: Path


class ImageBuilder:
    """Builds images under ``root``; ``allow_apt`` lets an image's system packages be installed;
    :meth:`prune` keeps at most ``max_images`` of them."""

    def __init__(self, root: Path, *, allow_apt: bool = False, max_images: int = 32) -> None:
        self.root = Path(root)
        self.allow_apt = allow_apt
        self.max_images = max_images
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def build(self, spec: wire.ImageSpec, *, force: bool = False) -> BuiltImage:
        """The built image of ``spec``, building it first if no one has (or again, with ``force``).

        Raises:
            ImageBuildError: a step failed; the message has the end of the build's log.
        """
        folder = self.root / spec.hash
        built = None if force else _read_built(spec, folder)
        if built is not None:
            _touch(folder)
            return built
        with self._lock(spec.hash):
            built = None if force else _read_built(spec, folder)
            if built is None:
                built = self._build(spec, folder)
        return built

    def prune(self, in_use: set[str]) -> list[str]:
        """Removes the least recently used built images beyond ``max_images``, never one of
        ``in_use`` (hashes); returns the hashes removed."""
        if not self.root.is_dir():
            return []
        built = [(f / "image.json", f) for f in self.root.iterdir() if f.is_dir() and (f / "image.json").is_file()]
        if len(built) <= self.max_images:
            return []
        built.sort(key=lambda item: item[0].stat().st_mtime)
        removed = []
        for _, folder in built[: len(built) - self.max_images]:
            if folder.name in in_use:
                continue
            with self._lock(folder.name):
                # Gone from image.json first: a concurrent build() sees it unbuilt, not half-deleted.
                (folder / "image.json").unlink(missing_ok=True)
                shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
        return removed

    @contextlib.contextmanager
    def _lock(self, digest: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(digest, threading.Lock())
        self.root.mkdir(parents=True, exist_ok=True)
        with lock, open(self.root / f".{digest}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _build(self, spec: wire.ImageSpec, folder: Path) -> BuiltImage:
        # Built in place, not renamed into place: a virtual environment's scripts hold its path.
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        log_path = self.root / f"{spec.hash}.log"
        try:
            with open(log_path, "w") as log:
                try:
                    env, workdir, python = _Steps(spec, folder, log, self.allow_apt).run()
                except OSError as e:
                    # A step the recipe made impossible (a file over a folder, say), not a server fault.
                    raise ImageBuildError(f"building image {spec.uri} failed: {e}") from e
            shutil.copy(log_path, folder / "build.log")
            # Written last: its presence is what says the image is whole.
            record = {"env": env, "workdir": workdir, "uri": spec.uri, "python": python}
            (folder / "image.json").write_text(json.dumps(record))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        built = _read_built(spec, folder)
        assert built is not None
        return built


def _touch(folder: Path) -> None:
    # The marker's time is the image's last use: pruning removes the least recently used.
    with contextlib.suppress(OSError):
        os.utime(folder / "image.json")


def _read_built(spec: wire.ImageSpec, folder: Path) -> BuiltImage | None:
    try:
        recorded = json.loads((folder / "image.json").read_text())
    except (OSError, ValueError):
        return None
    return BuiltImage(
        hash=spec.hash,
        uri=spec.uri,
        # Images built before pixi environments could replace the venv recorded no interpreter.
        python=folder / recorded.get("python", "venv/bin/python"),
        env=dict(recorded["env"]),
        workdir=folder / "root" / recorded["workdir"],
        log=folder / "build.log",
    )


def _uv() -> str:
    try:
        from uv import find_uv_bin
    except ImportError as e:
        raise ImageBuildError("building images needs uv: pip install uv") from e
    return str(find_uv_bin())


class _Steps:
    """The build of one image into ``folder`` (see the module docstring), logging to ``log``."""

    def __init__(self, spec: wire.ImageSpec, folder: Path, log: TextIO, allow_apt: bool) -> None:
        self.spec = spec
        self.folder = folder
        self.venv = folder / "venv"
        self.image_root = folder / "root"
        self.log = log
        self.allow_apt = allow_apt
        self.env: dict[str, str] = {}
        self.workdir = "."
        # The environment that runs tasks and receives packages: the venv, or a pixi environment.
        self.active = self.venv

    @property
    def python(self) -> Path:
        """The interpreter of the active environment."""
        return self.active / "bin" / "python"

    def run(self) -> tuple[dict[str, str], str, str]:
        """Runs every step; returns the image's variables, working folder (under ``root/``) and
        interpreter (relative to the image's folder)."""
        self.image_root.mkdir()
        server_python = ".".join(map(str, sys.version_info[:2]))
        if self.spec.python != server_python:
            self._note(f"the image asks for Python {self.spec.python}; building with this server's {server_python}")
        self._run([_uv(), "venv", "--quiet", "--python", sys.executable, str(self.venv)])
        _see_host_packages(self.venv)
        for index, step in enumerate(self.spec.steps):
            self._note(f"step {index + 1}/{len(self.spec.steps)}: {step.kind}")
            getattr(self, f"_{step.kind}")(step)
        return self.env, self.workdir, self.python.relative_to(self.folder).as_posix()

    def _note(self, text: str) -> None:
        print(f"# {text}", file=self.log, flush=True)

    def _process_env(self) -> dict[str, str]:
        env = {**os.environ, **self.env, "VIRTUAL_ENV": str(self.active)}
        env["PATH"] = f"{self.active / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["UV_PYTHON_DOWNLOADS"] = "never"
        return env

    def _run(self, args: list[str], cwd: Path | None = None, shell: bool = False) -> None:
        shown = args[-1] if shell else shlex.join(args)
        self._note(f"$ {shown}")
        result = subprocess.run(
            args,
            cwd=str(cwd or self.folder),
            env=self._process_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if result.returncode != 0:
            self.log.flush()
            raise ImageBuildError(
                f"building image {self.spec.uri} failed: `{shown}` exited with {result.returncode}\n{self._tail()}"
            )

    def _tail(self) -> str:
        lines = Path(self.log.name).read_text(errors="replace").splitlines()
        return "\n".join(lines[-_LOG_TAIL_LINES:])

    def _install(self, step: wire.ImageStep, *what: str) -> None:
        self._uv_install(list(what), step.index_url, step.extra_index_urls, step.pre, step.extra_args)

    def _uv_install(
        self, what: list[str], index_url: str | None, extra_index_urls: list[str], pre: bool, extra_args: str | None
    ) -> None:
        args = [_uv(), "pip", "install", "--python", str(self.python)]
        if index_url:
            args += ["--index-url", index_url]
        for url in extra_index_urls:
            args += ["--extra-index-url", url]
        if pre:
            args.append("--prerelease=allow")
        if extra_args:
            args += shlex.split(extra_args)
        self._run([*args, *what])

    def _pip(self, step: wire.ImageStep) -> None:
        self._install(step, *step.packages)

    def _requirements(self, step: wire.ImageStep) -> None:
        path = self.folder / "requirements.txt"
        path.write_text(step.text or "")
        self._install(step, "-r", str(path))

    def _uv_script(self, step: wire.ImageStep) -> None:
        dependencies = script_dependencies(step.text or "")
        if dependencies:
            self._install(step, *dependencies)

    def _uv_project(self, step: wire.ImageStep) -> None:
        project = self.folder / "project"
        project.mkdir(exist_ok=True)
        (project / "pyproject.toml").write_text(step.text or "")
        if step.lock is not None:
            (project / "uv.lock").write_text(step.lock)
            exported = self.folder / "locked-requirements.txt"
            self._run(
                [_uv(), "export", "--quiet", "--frozen", "--no-hashes", "--no-emit-project", "-o", str(exported)],
                cwd=project,
            )
            self._install(step, "-r", str(exported))
        else:
            self._install(step, "-r", str(project / "pyproject.toml"))

    def _poetry_project(self, step: wire.ImageStep) -> None:
        # Copied in by the steps before this one when the project itself is installed.
        project = self._inside(step.path) if step.path else self.folder / "poetry-project"
        project.mkdir(parents=True, exist_ok=True)
        (project / "pyproject.toml").write_text(step.text or "")
        (project / "poetry.lock").write_text(step.lock or "")
        plan = poetry_plan(step.text or "", step.lock or "", step.extra_args, project, step.path is not None)
        indexes = (plan.index_url, plan.extra_index_urls, plan.pre, None)
        if plan.requirements:
            requirements = self.folder / "poetry-requirements.txt"
            requirements.write_text("\n".join(plan.requirements) + "\n")
            what = ["-r", str(requirements)]
            if plan.constraints:
                constraints = self.folder / "poetry-constraints.txt"
                constraints.write_text("\n".join(plan.constraints) + "\n")
                what += ["-c", str(constraints)]
            self._uv_install(what, *indexes)
        if plan.install_root:
            # Its dependencies are installed above, from the lock, as poetry install does.
            self._uv_install(["--no-deps", str(project)], *indexes)

    def _pixi_project(self, step: wire.ImageStep) -> None:
        pixi = shutil.which("pixi", path=self._process_env()["PATH"])
        if pixi is None:
            raise ImageBuildError(
                f"image {self.spec.uri} installs a pixi project, which needs the pixi command: it is not on this "
                "machine's PATH. Install pixi (https://pixi.sh) where images are built, or build the image as a "
                "container (flyte build FILE ENV --dockerfile)"
            )
        manifest = self._inside(step.path or "pixi.toml")
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(step.text or "")
        environment = step.environment or "default"
        args = [pixi, "install", "--manifest-path", str(manifest), "--environment", environment]
        extra = shlex.split(step.extra_args or "")
        if step.lock is not None:
            (manifest.parent / "pixi.lock").write_text(step.lock)
            # pixi refuses --locked with --frozen, which asks for the lock as it is, unchecked.
            if "--frozen" not in extra:
                args.append("--locked")
        self._run([*args, *extra])
        prefix = manifest.parent / ".pixi" / "envs" / environment
        if not (prefix / "bin" / "python").exists():
            raise ImageBuildError(
                f"image {self.spec.uri}: the pixi environment {environment!r} has no python: add python to the "
                f"dependencies of {PurePosixPath(step.path or 'pixi.toml').name}"
            )
        self.active = prefix
        if not _see_host_packages(prefix):
            self._note(
                f"the pixi environment's Python is not this server's ({'.'.join(map(str, sys.version_info[:2]))}): "
                "it must provide flyte itself"
            )

    def _env(self, step: wire.ImageStep) -> None:
        self.env.update(step.env)

    def _inside(self, path: str) -> Path:
        """Where an image path (absolute, or relative to the working folder) is in this build."""
        pure = PurePosixPath(path)
        relative = pure.relative_to("/") if pure.is_absolute() else PurePosixPath(self.workdir) / pure
        if ".." in relative.parts:
            raise ImageBuildError(f"image path {path!r} leaves the image")
        return self.image_root / relative

    def _workdir(self, step: wire.ImageStep) -> None:
        target = self._inside(step.path or ".")
        target.mkdir(parents=True, exist_ok=True)
        self.workdir = target.relative_to(self.image_root).as_posix()

    def _copy_file(self, step: wire.ImageStep) -> None:
        target = self._inside(step.path or ".")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(step.content or b"")

    def _commands(self, step: wire.ImageStep) -> None:
        cwd = self._inside(".")
        cwd.mkdir(parents=True, exist_ok=True)
        for command in step.commands:
            self._run(["bash", "-c", command], cwd=cwd, shell=True)

    def _apt(self, step: wire.ImageStep) -> None:
        missing = [package for package in step.packages if not _apt_installed(package)]
        if not missing:
            self._note(f"system packages present: {', '.join(step.packages)}")
            return
        if not self.allow_apt:
            raise ImageBuildError(
                f"image {self.spec.uri} needs the system packages {', '.join(missing)}, which this machine lacks: "
                "install them, or start the server with --allow-apt to let it install them"
            )
        self._run(["apt-get", "install", "-y", "--no-install-recommends", *missing])


def _apt_installed(package: str) -> bool:
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return shutil.which(package) is not None
    return result.returncode == 0 and "install ok installed" in result.stdout


def _see_host_packages(prefix: Path) -> bool:
    """Lets the environment at ``prefix`` import this interpreter's packages (flyte's among them)
    after its own; False (and nothing done) when its Python is another version, whose packages
    this interpreter's compiled ones would not fit."""
    import flyte

    site_packages = prefix / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    if not site_packages.is_dir():
        return False
    paths = [str(Path(flyte.__file__).resolve().parent.parent), *site.getsitepackages()]
    (site_packages / "zz_flyte_host.pth").write_text("\n".join(dict.fromkeys(paths)) + "\n")
    return True


def script_dependencies(script: str) -> list[str]:
    """The ``dependencies`` of a script's inline metadata block (PEP 723), or none."""
    lines = script.splitlines()
    try:
        start = lines.index("# /// script")
    except ValueError:
        return []
    body = []
    for line in lines[start + 1 :]:
        if line.rstrip() == "# ///":
            break
        body.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef,unused-ignore]
    try:
        metadata = tomllib.loads("\n".join(body))
    except tomllib.TOMLDecodeError as e:
        raise ImageBuildError(f"the script's inline metadata is not valid TOML: {e}") from e
    return [str(dep) for dep in metadata.get("dependencies", [])]
