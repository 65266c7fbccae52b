"""Container images as immutable recipes (a base plus layers) with a content hash; nothing is built here."""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Union, get_args

from flyte._secret import Secret, SecretRequest, secrets_from_request
from flyte._version import __version__

__all__ = ["Architecture", "Image", "Layer"]

Architecture = Literal["linux/amd64", "linux/arm64"]
"""A platform an image can be built for."""

_ARCHITECTURES: tuple[str, ...] = get_args(Architecture)


class _FactoryToken:
    """Marks construction through a from_* factory: a bare Image() would lack the defaults they set."""

    def __reduce__(self) -> str:
        # An unpickled or deep-copied Image must still carry the one token, or replace() would fail.
        return "_FACTORY"


_FACTORY = _FactoryToken()
# Caches and VCS metadata change without changing what a copied folder puts in the image.
_SKIPPED_NAMES = ("__pycache__",)

IndexUrls = Union[str, list[str], tuple[str, ...], None]
Mounts = Union[SecretRequest, None]
ProjectInstallMode = Literal["dependencies_only", "install_project"]
CodeBundleCopyStyle = Literal["loaded_modules", "all"]

_PIXI_MANIFESTS = ("pixi.toml", "pyproject.toml")
_PIXI_ENVIRONMENT = re.compile(r"^[a-z0-9-]{1,64}$")
_DEFAULT_PLATFORMS: tuple[Architecture, ...] = ("linux/amd64", "linux/arm64")


def _script_block(text: str) -> str | None:
    """The TOML source of a script's inline metadata (its PEP 723 ``# /// script`` block), or None."""
    lines = text.splitlines()
    if "# /// script" not in lines:
        return None
    body: list[str] = []
    for line in lines[lines.index("# /// script") + 1 :]:
        if line.rstrip() == "# ///":
            return "\n".join(body)
        if line != "#" and not line.startswith("# "):
            return None
        body.append(line[2:])
    return None


def _script_digest(path: Path) -> str:
    """A digest of a script's inline metadata only: editing its code changes nothing it installs."""
    if path.suffix != ".py" or not path.is_file():
        return _digest(path)
    block = _script_block(path.read_text(errors="replace"))
    return hashlib.sha256((block or "").encode()).hexdigest()


def _digest(path: Path) -> str:
    """A content digest of a file or folder (``missing`` if absent), so edits change the image hash."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if not path.is_dir():
        return "missing"
    digest = hashlib.sha256()
    for child in sorted(path.rglob("*")):
        relative = child.relative_to(path)
        if child.is_file() and not any(p.startswith(".") or p in _SKIPPED_NAMES for p in relative.parts):
            digest.update(f"{relative.as_posix()}\x00{_digest(child)}\x00".encode())
    return digest.hexdigest()


def _canonical(value: object) -> str:
    if isinstance(value, Secret):
        return f"Secret:{value.stable_hash()}"
    if isinstance(value, tuple):
        return "(" + ",".join(_canonical(v) for v in value) + ")"
    return repr(value)


@dataclass(frozen=True)
class Layer:
    """One step on top of a base image: its ``kind``, its ``options`` as (name, value) pairs, and
    the local ``files`` it reads, whose contents are part of the image's hash."""

    kind: str
    options: tuple[tuple[str, Any], ...] = ()
    files: tuple[Path, ...] = ()

    def fingerprint(self) -> str:
        """A string that is equal for equal layers in every process and changes with any option or file."""
        digest = _script_digest if self.kind == "pixi_script" else _digest
        files = ",".join(f"{f}={digest(f)}" for f in self.files)
        return f"{self.kind}{_canonical(self.options)}[{files}]"


def _names(what: str, items: Iterable[object]) -> tuple[str, ...]:
    """Flatten ``"a", "b"`` or ``["a", "b"]`` (or a mix) into a tuple of non-empty strings."""
    flat = [name for item in items for name in (item if isinstance(item, (list, tuple)) else [item])]
    for item in flat:
        if not isinstance(item, str) or not item.strip():
            raise TypeError(f"{what} must be non-empty strings, got {type(item).__name__}: {item!r}")
    if not flat:
        raise ValueError(f"{what}: at least one is required")
    return tuple(str(item) for item in flat)


def _mounts(secret_mounts: Mounts) -> tuple[Secret, ...]:
    return tuple(secrets_from_request(secret_mounts))


def _pip(index: str | None, extra: IndexUrls, pre: bool, args: str | None, mounts: Mounts) -> dict[str, Any]:
    """The options shared by every layer that runs a Python package installer."""
    urls = (extra,) if isinstance(extra, str) else tuple(extra or ())
    return dict(index_url=index, extra_index_urls=urls, pre=pre, extra_args=args, secret_mounts=_mounts(mounts))


def _check_install_mode(mode: str) -> None:
    if mode not in get_args(ProjectInstallMode):
        raise ValueError(f"project_install_mode must be one of {get_args(ProjectInstallMode)}, got {mode!r}")


def _pixi_environment(environment: object) -> str:
    if not isinstance(environment, str) or not _PIXI_ENVIRONMENT.match(environment):
        raise ValueError(
            f"environment must be a pixi environment name (lowercase letters, digits and dashes), got {environment!r}"
        )
    return environment


def _current_python() -> tuple[int, int]:
    return sys.version_info[0], sys.version_info[1]


def _platforms(platform: Architecture | tuple[Architecture, ...] | None) -> tuple[Architecture, ...] | None:
    return (platform,) if isinstance(platform, str) else platform


@dataclass(frozen=True)
class Image:
    """An immutable container image recipe: a base (an image URI or a Dockerfile) plus layers.

    Create one with :meth:`from_debian_base`, :meth:`from_base`, :meth:`from_dockerfile`,
    :meth:`from_uv_script` or :meth:`from_pixi_script` (calling ``Image(...)`` directly raises
    ``TypeError``) and extend it with the ``with_*`` methods, each returning a new image.
    :attr:`content_hash` is the same for the same recipe in every process and changes with any
    layer or the content of any file a layer reads; :attr:`uri` is where the built image lives.
    """

    base_image: str | None = None
    dockerfile: Path | None = None
    registry: str | None = None
    name: str | None = None
    platform: tuple[Architecture, ...] = ("linux/amd64",)
    python_version: tuple[int, int] = field(default_factory=_current_python)
    extendable: bool = False
    _is_cloned: bool = False
    _layers: tuple[Layer, ...] = ()
    _image_registry_secret: Secret | None = None
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _FACTORY:
            raise TypeError("Image cannot be instantiated directly; use Image.from_debian_base(), ...")
        py = self.python_version
        if not (isinstance(py, tuple) and len(py) == 2 and py[0] == 3 and type(py[1]) is int):
            raise ValueError(f"python_version must be a (3, minor) tuple of ints, got {py!r}")
        for arch in self.platform:
            if arch not in _ARCHITECTURES:
                raise ValueError(f"Unsupported platform {arch!r}: must be one of {_ARCHITECTURES}")

    @classmethod
    def _new(cls, registry_secret: str | Secret | None = None, **fields: Any) -> Image:
        secret = Secret(key=registry_secret) if isinstance(registry_secret, str) else registry_secret
        return cls(**fields, _image_registry_secret=secret, _token=_FACTORY)

    @classmethod
    def from_debian_base(
        cls,
        python_version: tuple[int, int] | None = None,
        flyte_version: str | None = None,
        install_flyte: bool = True,
        registry: str | None = None,
        registry_secret: str | Secret | None = None,
        name: str | None = None,
        platform: tuple[Architecture, ...] | None = None,
    ) -> Image:
        """The default image: Debian with Python (this interpreter's version unless given) and,
        unless ``install_flyte=False``, flyte itself. Built for amd64 and arm64 by default."""
        version = python_version or _current_python()
        py = ".".join(map(str, version))
        flyte = f"ghcr.io/flyteorg/flyte:py{py}-v{flyte_version or __version__}"
        return cls._new(
            base_image=flyte if install_flyte else f"python:{py}-slim-bookworm",
            registry=registry,
            registry_secret=registry_secret,
            name=name or "flyte",
            platform=platform or ("linux/amd64", "linux/arm64"),
            python_version=version,
            extendable=True,
            _is_cloned=bool(registry or name),
        )

    @classmethod
    def from_base(cls, image_uri: str) -> Image:
        """An existing image used as is. It cannot take layers unless :meth:`clone`-d as extendable."""
        if not isinstance(image_uri, str) or not image_uri.strip():
            raise ValueError(f"image_uri must be a non-empty image reference, got {image_uri!r}")
        return cls._new(base_image=image_uri)

    @classmethod
    def from_ref_name(cls, name: str = "default") -> Image:
        """An image known by a reference name, which the configuration's ``images`` section maps to
        a URI where it runs; it takes layers, built on top of the environment it names."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name must be a non-empty image reference name, got {name!r}")
        return cls._new(name=name, extendable=True)

    @classmethod
    def from_dockerfile(
        cls,
        file: Path | str,
        registry: str,
        name: str,
        platform: Architecture | tuple[Architecture, ...] | None = None,
    ) -> Image:
        """An image built from a Dockerfile, pushed as ``registry/name``; its hash follows the file."""
        path = Path(file)
        if not path.is_file():
            raise FileNotFoundError(f"Dockerfile {str(path)!r} does not exist")
        platforms = _platforms(platform) or ("linux/amd64",)
        return cls._new(dockerfile=path, registry=registry, name=name, platform=platforms, _is_cloned=True)

    @classmethod
    def from_uv_script(
        cls,
        script: Path | str,
        *,
        name: str,
        registry: str | None = None,
        registry_secret: str | Secret | None = None,
        python_version: tuple[int, int] | None = None,
        index_url: str | None = None,
        extra_index_urls: IndexUrls = None,
        pre: bool = False,
        extra_args: str | None = None,
        platform: tuple[Architecture, ...] | None = None,
        secret_mounts: SecretRequest | None = None,
    ) -> Image:
        """An image with the dependencies declared in a script's inline (PEP 723) metadata."""
        version = python_version or _current_python()
        path = Path(script)
        image = cls._new(
            base_image=f"python:{'.'.join(map(str, version))}-slim-bookworm",
            registry=registry,
            registry_secret=registry_secret,
            name=name,
            platform=platform or ("linux/amd64", "linux/arm64"),
            python_version=version,
            extendable=True,
            _is_cloned=True,
        )
        pip = _pip(index_url, extra_index_urls, pre, extra_args, secret_mounts)
        return image._add("uv_script", (path,), script=str(path), **pip)

    @classmethod
    def from_pixi_script(
        cls,
        script: Path | str,
        *,
        name: str,
        registry: str | None = None,
        registry_secret: str | Secret | None = None,
        environment: str = "default",
        extra_args: str | None = None,
        platform: tuple[Architecture, ...] | None = None,
        secret_mounts: SecretRequest | None = None,
    ) -> Image:
        """An image with the pixi environment a script's inline (PEP 723) metadata declares.

        ``requires-python`` becomes the environment's conda ``python`` (unless
        ``[tool.pixi.dependencies]`` names one), ``dependencies`` its PyPI packages and
        ``[tool.pixi.dependencies]`` its conda packages; channels default to ``conda-forge`` and
        platforms to the image's. A ``<script>.pixi.lock`` beside the script makes the install
        ``--locked``. flyte is not added: list it in ``dependencies``. The hash follows the
        metadata block and the lock, not the script's code.
        """
        path = Path(script)
        if path.suffix != ".py":
            raise ValueError(f"script must be a .py file, got {str(path)!r}")
        platforms = _platforms(platform) or _DEFAULT_PLATFORMS
        version = _current_python()
        image = cls._new(
            base_image=f"python:{'.'.join(map(str, version))}-slim-bookworm",
            registry=registry,
            registry_secret=registry_secret,
            name=name,
            platform=platforms,
            python_version=version,
            extendable=True,
            _is_cloned=True,
        )
        sidecar = path.with_name(f"{path.name}.pixi.lock")
        lock = (sidecar,) if sidecar.is_file() else ()
        return image._add(
            "pixi_script",
            (path, *lock),
            script=str(path),
            pixi_lock=str(sidecar) if lock else None,
            platforms=tuple(platforms),
            environment=_pixi_environment(environment),
            extra_args=extra_args,
            secret_mounts=_mounts(secret_mounts),
        )

    def _add(self, kind: str, files: tuple[Path, ...] = (), **options: Any) -> Image:
        return self._append(Layer(kind, tuple(options.items()), files))

    def _append(self, layer: Layer) -> Image:
        if not self.extendable:
            raise ValueError(
                f"Cannot add layers to image {self.base_image or self.dockerfile!s}: it is not extendable. "
                "Use Image.from_debian_base(), or clone(extendable=True, name=...) first."
            )
        return replace(self, _layers=(*self._layers, layer), _is_cloned=True)

    def clone(
        self,
        registry: str | None = None,
        registry_secret: str | Secret | None = None,
        name: str | None = None,
        base_image: str | None = None,
        python_version: tuple[int, int] | None = None,
        addl_layer: Layer | None = None,
        extendable: bool | None = None,
        platform: Architecture | tuple[Architecture, ...] | None = None,
    ) -> Image:
        """A copy with the given fields changed (and ``addl_layer`` appended, if any)."""
        secret = Secret(key=registry_secret) if isinstance(registry_secret, str) else registry_secret
        image = replace(
            self,
            registry=registry or self.registry,
            _image_registry_secret=secret or self._image_registry_secret,
            name=name or self.name,
            base_image=base_image or self.base_image,
            python_version=python_version or self.python_version,
            extendable=self.extendable if extendable is None else extendable,
            platform=_platforms(platform) or self.platform,
            _is_cloned=True,
        )
        return image._append(addl_layer) if addl_layer is not None else image

    def with_apt_packages(self, *packages: str | list[str], secret_mounts: SecretRequest | None = None) -> Image:
        """Install Debian packages: ``with_apt_packages("git", "curl")`` or ``(["git", "curl"])``."""
        return self._add("apt", packages=_names("apt packages", packages), secret_mounts=_mounts(secret_mounts))

    def with_pip_packages(
        self,
        *packages: str | list[str],
        index_url: str | None = None,
        extra_index_urls: IndexUrls = None,
        pre: bool = False,
        extra_args: str | None = None,
        secret_mounts: SecretRequest | None = None,
    ) -> Image:
        """Install Python packages: ``with_pip_packages("pandas", "numpy")`` or ``(["pandas", "numpy"])``."""
        pip = _pip(index_url, extra_index_urls, pre, extra_args, secret_mounts)
        return self._add("pip", packages=_names("pip packages", packages), **pip)

    def with_requirements(
        self,
        file: str | Path,
        index_url: str | None = None,
        extra_index_urls: IndexUrls = None,
        pre: bool = False,
        extra_args: str | None = None,
        secret_mounts: SecretRequest | None = None,
    ) -> Image:
        """Install the packages listed in a ``requirements.txt``-style file (``.txt`` required)."""
        path = Path(file)
        if path.suffix != ".txt":
            raise ValueError(f"Requirements file {str(path)!r} must have a .txt extension")
        pip = _pip(index_url, extra_index_urls, pre, extra_args, secret_mounts)
        return self._add("requirements", (path,), file=str(path), **pip)

    def with_uv_project(
        self,
        pyproject_file: str | Path,
        uvlock: Path | None = None,
        index_url: str | None = None,
        extra_index_urls: IndexUrls = None,
        pre: bool = False,
        extra_args: str | None = None,
        secret_mounts: SecretRequest | None = None,
        project_install_mode: ProjectInstallMode = "dependencies_only",
    ) -> Image:
        """Install a uv project's locked dependencies (and, with ``"install_project"``, the project)."""
        pyproject = Path(pyproject_file)
        if pyproject.name != "pyproject.toml":
            raise ValueError(f"pyproject_file must point to a pyproject.toml, got {str(pyproject)!r}")
        if project_install_mode not in get_args(ProjectInstallMode):
            raise ValueError(f"project_install_mode must be one of {get_args(ProjectInstallMode)}")
        lock = uvlock or pyproject.with_name("uv.lock")
        pip = _pip(index_url, extra_index_urls, pre, extra_args, secret_mounts)
        return self._add(
            "uv_project",
            (pyproject, lock),
            pyproject=str(pyproject),
            uvlock=str(lock),
            mode=project_install_mode,
            **pip,
        )

    def with_poetry_project(
        self,
        pyproject_file: str | Path,
        poetry_lock: Path | None = None,
        extra_args: str | None = None,
        secret_mounts: SecretRequest | None = None,
        project_install_mode: ProjectInstallMode = "dependencies_only",
    ) -> Image:
        """Install a Poetry project's locked dependencies, as ``poetry install --no-root`` would.

        ``poetry_lock`` defaults to the ``poetry.lock`` beside ``pyproject_file``. With
        ``"install_project"`` the project's whole folder is copied in and the project is installed
        too (unless ``extra_args`` holds ``--no-root``). ``extra_args`` are ``poetry install``
        options (``--with``, ``--without``, ``--only``, ``--extras``, ``--no-root``, ...). The
        hash follows the pyproject.toml and poetry.lock (the whole folder with ``"install_project"``).
        """
        pyproject = Path(pyproject_file)
        if pyproject.name != "pyproject.toml":
            raise ValueError(f"pyproject_file must point to a pyproject.toml, got {str(pyproject)!r}")
        _check_install_mode(project_install_mode)
        lock = Path(poetry_lock) if poetry_lock is not None else pyproject.with_name("poetry.lock")
        project = (pyproject.parent,) if project_install_mode == "install_project" else ()
        return self._add(
            "poetry_project",
            (pyproject, lock, *project),
            pyproject=str(pyproject),
            poetry_lock=str(lock),
            extra_args=extra_args,
            secret_mounts=_mounts(secret_mounts),
            mode=project_install_mode,
        )

    def with_pixi_project(
        self,
        manifest_file: str | Path,
        pixi_lock: Path | None = None,
        environment: str = "default",
        extra_args: str | None = None,
        secret_mounts: SecretRequest | None = None,
        project_install_mode: ProjectInstallMode = "dependencies_only",
    ) -> Image:
        """Install a pixi project (conda and PyPI packages) with ``pixi install``; its environment
        then runs the tasks and receives later Python packages, so it must provide ``python``.

        ``manifest_file`` is a ``pixi.toml``, a ``pyproject.toml`` with ``[tool.pixi]`` sections,
        or the folder holding one (``pixi.toml`` first). ``pixi_lock`` defaults to the
        ``pixi.lock`` beside the manifest, if there is one; with a lock the install is
        ``--locked`` (unless ``extra_args`` holds ``--frozen``). With ``"install_project"`` the
        manifest's whole folder is copied in. The hash follows the manifest and lock (the whole
        folder with ``"install_project"``).
        """
        manifest = Path(manifest_file)
        if manifest.is_dir():
            manifest = manifest / next((m for m in _PIXI_MANIFESTS if (manifest / m).is_file()), _PIXI_MANIFESTS[1])
        if manifest.name not in _PIXI_MANIFESTS:
            raise ValueError(f"manifest_file must be a pixi.toml or a pyproject.toml, got {str(manifest)!r}")
        _check_install_mode(project_install_mode)
        if pixi_lock is None and manifest.with_name("pixi.lock").is_file():
            pixi_lock = manifest.with_name("pixi.lock")
        lock = (Path(pixi_lock),) if pixi_lock is not None else ()
        project = (manifest.parent,) if project_install_mode == "install_project" else ()
        return self._add(
            "pixi_project",
            (manifest, *lock, *project),
            manifest=str(manifest),
            pixi_lock=str(pixi_lock) if pixi_lock is not None else None,
            environment=_pixi_environment(environment),
            extra_args=extra_args,
            secret_mounts=_mounts(secret_mounts),
            mode=project_install_mode,
        )

    def with_code_bundle(self, copy_style: CodeBundleCopyStyle = "loaded_modules", dst: str = ".") -> Image:
        """Put the task's code in the image, at ``dst``: the modules it loaded (``"loaded_modules"``)
        or the whole project folder (``"all"``). Where tasks run from a code bundle, as on the
        server, the bundle already brings that code, so only a built container image changes."""
        if copy_style not in get_args(CodeBundleCopyStyle):
            raise ValueError(f"copy_style must be one of {get_args(CodeBundleCopyStyle)}, got {copy_style!r}")
        if not isinstance(dst, str) or not dst.strip():
            raise ValueError(f"dst must be a non-empty path, got {dst!r}")
        return self._add("code_bundle", copy_style=copy_style, dst=dst)

    def with_env_vars(self, env_vars: Mapping[str, str]) -> Image:
        """Set environment variables in the image (in the given order)."""
        if not isinstance(env_vars, Mapping):
            raise TypeError(f"env_vars must be a dict of str to str, got {type(env_vars).__name__}: {env_vars!r}")
        for key, value in env_vars.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"env_vars must map str to str, got {key!r}: {value!r}")
        return self._add("env", env_vars=tuple(env_vars.items()))

    def with_workdir(self, workdir: str) -> Image:
        """Set the working directory processes start in."""
        if not isinstance(workdir, str) or not workdir.strip():
            raise ValueError(f"workdir must be a non-empty path, got {workdir!r}")
        return self._add("workdir", workdir=workdir)

    def with_commands(self, commands: list[str] | str, secret_mounts: SecretRequest | None = None) -> Image:
        """Run shell commands while building, in order (one string or a list of them)."""
        return self._add("commands", commands=_names("commands", [commands]), secret_mounts=_mounts(secret_mounts))

    def with_source_file(self, src: Path | list[Path], dst: str = ".") -> Image:
        """Copy local files into ``dst`` in the image; the files' contents are part of the hash."""
        image = self
        for path in map(Path, src if isinstance(src, list) else [src]):
            image = image._add("copy_file", (path,), src=str(path), dst=dst)
        return image

    def with_source_folder(self, src: Path, dst: str = ".", copy_contents_only: bool = False) -> Image:
        """Copy a local folder into the image: as ``dst/<name>``, or its contents into ``dst`` with
        ``copy_contents_only``. The folder's contents (minus dot-files and caches) are hashed."""
        path = Path(src)
        target = dst if copy_contents_only or dst != "." else f"./{path.name}"
        return self._add("copy_folder", (path,), src=str(path), dst=target)

    def with_dockerignore(self, path: Path) -> Image:
        """Leave out of the folders this image copies the files a ``.dockerignore`` file names
        (its patterns, relative to the copied folder); the file's contents are part of the hash."""
        return self._add("dockerignore", (Path(path),), path=str(path))

    def with_local_v2(self) -> Image:
        """Install the flyte package from this machine's copy instead of a released version."""
        source = Path(__file__).resolve().parent
        # The source tree is not hashed: walking it on every hash would be slow, and its path pins it.
        return self._add("local_flyte", source=str(source))

    def with_local_v2_plugins(self, plugins: str | list[str] | None = None) -> Image:
        """:meth:`with_local_v2`, plus the flyte plugin packages named (e.g. ``"flyteplugins-hitl"``)."""
        image = self.with_local_v2()
        if plugins:
            image = image.with_pip_packages(*([plugins] if isinstance(plugins, str) else plugins))
        return image

    def with_local_rs_controller(self) -> Image:
        """Refused: the flyte SDK bakes its Rust controller wheel in with this; workers here need none.

        Raises:
            ImageBuildError: always, saying so.
        """
        from flyte.errors import ImageBuildError

        raise ImageBuildError(
            f"image {self.uri}: with_local_rs_controller() bakes in the flyte SDK's Rust controller, which this "
            "implementation neither has nor needs: remove the call"
        )

    def validate(self) -> None:
        """Check that every local file the recipe reads exists; raise ``FileNotFoundError`` if not."""
        for path in [self.dockerfile, *(f for layer in self._layers for f in layer.files)]:
            # A uv.lock next to pyproject.toml is optional; every other file is required.
            if path is not None and not path.exists() and path.name != "uv.lock":
                raise FileNotFoundError(f"Image file {str(path)!r} does not exist")

    @cached_property
    def content_hash(self) -> str:
        """A 32-hex-digit digest of the recipe and the files it reads (read once per Image object)."""
        dockerfile = _digest(self.dockerfile) if self.dockerfile else None
        parts = [f"{self.base_image}|{dockerfile}|{self.python_version}|{self.platform}"]
        parts += [layer.fingerprint() for layer in self._layers]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    @property
    def uri(self) -> str:
        """Where the image lives: the base image itself when nothing was added to it, else
        ``[registry/]name:<content_hash>``."""
        if not self._is_cloned and self.base_image:
            return self.base_image
        if not self._is_cloned and self.base_image is None and self.dockerfile is None and self.name:
            return _resolve_ref_name(self.name)  # a reference name, as from_ref_name() made it
        repository = f"{self.registry}/{self.name or 'flyte'}" if self.registry else self.name or "flyte"
        return f"{repository}:{self.content_hash}"


def _resolve_ref_name(name: str) -> str:
    """The URI ``flyte.init(images=...)`` gives the reference ``name``, else the name itself."""
    from flyte._initialize import _state

    return _state.images.get(name, name) if _state is not None else name
