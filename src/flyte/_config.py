"""Configuration: where the server is, which project and domain runs belong to, how images build.

A configuration file is YAML with five sections, every key optional::

    admin:
      endpoint: http://127.0.0.1:8080   # no endpoint: everything runs locally
      insecure: false
      api_key: null                     # for a server started with --auth (or FLYTE_API_KEY)
    image:
      builder: local                    # or "remote"
    task:
      org: null
      project: flytesnacks
      domain: development
    local:
      home: null                        # overrides the flyte home folder (default ~/.flyte)
    storage:                            # the S3-compatible store that s3:// URIs reach
      endpoint: null                    # e.g. http://127.0.0.1:8333; default: AWS
      access_key_id: null
      secret_access_key: null
      region: null
      addressing_style: null            # "path" or "virtual"; default: path with an endpoint
      allow_http: false                 # an http:// endpoint allows plain HTTP by itself
      anonymous: false                  # unsigned requests, for public buckets

:func:`load_config` finds the file, then applies ``FLYTE_<SECTION>_<KEY>`` environment
variables (``FLYTE_ADMIN_ENDPOINT``, ``FLYTE_TASK_PROJECT``, ...) on top. A key set to ``null``
in the file means "not set": the default applies. PyYAML is imported only when a file is read,
so that ``import flyte`` stays fast.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flyte._home import flyte_home
from flyte.errors import ConfigError

__all__ = [
    "CONFIG_ENV_VAR",
    "AdminConfig",
    "Config",
    "ImageConfig",
    "LocalConfig",
    "StorageConfig",
    "TaskConfig",
    "config_search_path",
    "load_config",
]

CONFIG_ENV_VAR = "FLYTECTL_CONFIG"
"""Environment variable naming the configuration file to read."""

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("image", "builder"): ("local", "remote"),
    ("storage", "addressing_style"): ("path", "virtual"),
}


@dataclass(frozen=True)
class AdminConfig:
    """The flyte server to talk to; without an endpoint, runs and secrets stay local."""

    endpoint: str | None = None
    insecure: bool = False
    api_key: str | None = field(default=None, repr=False)
    """The key sent to a server that requires one (``FLYTE_API_KEY`` wins over it)."""


@dataclass(frozen=True)
class ImageConfig:
    """How container images are built: ``"local"`` (on this machine) or ``"remote"`` (by the server)."""

    builder: str = "local"


@dataclass(frozen=True)
class TaskConfig:
    """The organisation, project and domain that runs belong to unless a run says otherwise."""

    org: str | None = None
    project: str = "flytesnacks"
    domain: str = "development"


@dataclass(frozen=True)
class LocalConfig:
    """Settings of local mode; ``home`` replaces the flyte home folder when set."""

    home: str | None = None


@dataclass(frozen=True)
class StorageConfig:
    """The S3-compatible object store that ``s3://`` URIs reach.

    A key left unset falls back to the standard AWS variable: ``AWS_ENDPOINT_URL``,
    ``AWS_REGION``, and the ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` pair (see
    :mod:`flyte._internal.store.blob`).
    """

    endpoint: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    region: str | None = None
    addressing_style: str | None = None
    """``"path"`` (``endpoint/bucket/key``) or ``"virtual"`` (``bucket.endpoint/key``); unset means
    path with an endpoint (self-hosted stores rarely resolve bucket host names), else virtual."""
    allow_http: bool = False
    anonymous: bool = False
    """Send unsigned requests, for public buckets."""


@dataclass(frozen=True, init=False)
class Config:
    """The effective configuration: file values, then environment overrides, then defaults.

    ``platform`` is another name of the ``admin`` section (the server to talk to), as the
    flyte SDK calls it; either may be passed, not both.
    """

    admin: AdminConfig = field(default_factory=AdminConfig)
    image: ImageConfig = field(default_factory=ImageConfig)
    task: TaskConfig = field(default_factory=TaskConfig)
    local: LocalConfig = field(default_factory=LocalConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    source: Path | None = None
    """The file that was read, or ``None`` when only defaults and environment variables apply."""
    env_overrides: tuple[str, ...] = ()
    """Names of the ``FLYTE_*`` environment variables that changed a value."""

    def __init__(
        self,
        admin: AdminConfig | None = None,
        image: ImageConfig | None = None,
        task: TaskConfig | None = None,
        local: LocalConfig | None = None,
        storage: StorageConfig | None = None,
        source: Path | None = None,
        env_overrides: tuple[str, ...] = (),
        *,
        platform: AdminConfig | None = None,
    ) -> None:
        if admin is not None and platform is not None and admin != platform:
            raise ValueError("Config: pass the server section as admin or as platform, not both")
        set_ = object.__setattr__  # the dataclass is frozen
        set_(self, "admin", admin or platform or AdminConfig())
        set_(self, "image", image or ImageConfig())
        set_(self, "task", task or TaskConfig())
        set_(self, "local", local or LocalConfig())
        set_(self, "storage", storage or StorageConfig())
        set_(self, "source", source)
        set_(self, "env_overrides", tuple(env_overrides))

    @property
    def platform(self) -> AdminConfig:
        """The server to talk to: the ``admin`` section, under the flyte SDK's name."""
        return self.admin

    @classmethod
    def auto(cls, config_file: str | Path | None = None) -> Config:
        """The configuration read from ``config_file`` or the first file found; see :func:`load_config`."""
        return load_config(config_file)

    def with_params(
        self,
        platform: AdminConfig | None = None,
        task: TaskConfig | None = None,
        image: ImageConfig | None = None,
    ) -> Config:
        """A copy with the sections given replaced; the others (and ``source``) are kept."""
        return dataclasses.replace(
            self, admin=platform or self.admin, task=task or self.task, image=image or self.image
        )

    @property
    def is_remote(self) -> bool:
        """True when a server endpoint is configured."""
        return self.admin.endpoint is not None

    def home(self) -> Path:
        """The flyte home folder: ``local.home`` if set, else :func:`flyte._home.flyte_home`."""
        return Path(self.local.home).expanduser() if self.local.home else flyte_home()

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """The sections as plain dictionaries, in file order; ``source`` is not included."""
        return {name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS}

    def to_yaml(self) -> str:
        """The sections as a YAML document that :func:`load_config` reads back unchanged."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=False)


_SECTIONS: dict[str, type[Any]] = {
    "admin": AdminConfig,
    "image": ImageConfig,
    "task": TaskConfig,
    "local": LocalConfig,
    "storage": StorageConfig,
}


def config_search_path() -> tuple[Path, ...]:
    """The files :func:`load_config` tries, in order, when neither a path nor the env var is given."""
    home = Path.home()
    return (
        Path("config.yaml"),
        Path(".flyte", "config.yaml"),
        home / ".union" / "config.yaml",
        home / ".flyte" / "config.yaml",
    )


def load_config(path: str | Path | None = None) -> Config:
    """Reads the configuration.

    The file is ``path`` if given, else the one named by ``$FLYTECTL_CONFIG``, else the first
    existing file of :func:`config_search_path`; with none, defaults apply. Environment
    variables ``FLYTE_<SECTION>_<KEY>`` override the file either way.

    Raises:
        ConfigError: the file is missing (when named explicitly), unreadable or malformed, or an
            environment variable holds a bad value. The one-line message names the file (and
            line) or the variable, and the key.
    """
    source = _find_file(path)
    values: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
    if source is not None:
        values = _read_file(source)
    overrides = _apply_env(values)
    sections = {name: cls(**values[name]) for name, cls in _SECTIONS.items()}
    return Config(**sections, source=source, env_overrides=overrides)


def _find_file(path: str | Path | None) -> Path | None:
    if path is not None:
        explicit = Path(path).expanduser()
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return explicit.absolute()
    from_env = os.environ.get(CONFIG_ENV_VAR)
    if from_env:
        named = Path(from_env).expanduser()
        if not named.is_file():
            raise ConfigError(f"config file not found: {named} (named by ${CONFIG_ENV_VAR})")
        return named.absolute()
    for candidate in config_search_path():
        if candidate.is_file():
            return candidate.absolute()
    return None


def _read_file(path: Path) -> dict[str, dict[str, Any]]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config file: {_one_line(e)}") from e
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(e, "problem", None) or e
        raise ConfigError(f"{where}: invalid YAML: {_one_line(problem)}") from e
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level")

    values: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
    for section, body in document.items():
        if section not in _SECTIONS:
            problem = f"unknown section '{section}' (known: {', '.join(_SECTIONS)})"
            raise ConfigError(f"{_locate(path, text, section)}: {problem}")
        if body is None:
            continue
        if not isinstance(body, dict):
            raise ConfigError(f"{_locate(path, text, section)}: section '{section}' must be a mapping")
        known = _field_kinds(section)
        for key, raw in body.items():
            if key not in known:
                problem = f"unknown key '{section}.{key}' (known: {', '.join(known)})"
            elif raw is None:
                continue
            else:
                problem = _file_value_problem(raw, known[key], section, key)
            if problem:
                raise ConfigError(f"{_locate(path, text, section, key)}: {problem}")
            values[section][key] = raw
    return values


def _file_value_problem(raw: object, kind: str, section: str, key: str) -> str | None:
    expected = bool if kind == "bool" else str
    # bool is an int subclass but never a str, so a plain isinstance check is exact here.
    if not isinstance(raw, expected):
        return f"'{section}.{key}' must be a {_KIND_NAMES[kind]}, got {type(raw).__name__} {raw!r}"
    return _choice_problem(raw, section, key)


def _apply_env(values: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    applied: list[str] = []
    for section in _SECTIONS:
        for key, kind in _field_kinds(section).items():
            var = f"FLYTE_{section.upper()}_{key.upper()}"
            raw = os.environ.get(var)
            if raw is None:
                continue
            where = f"environment variable {var}"
            if kind == "bool":
                values[section][key] = _parse_bool(raw, where)
            elif raw == "" and kind == "optional_str":
                # An empty value unsets the key, e.g. FLYTE_ADMIN_ENDPOINT= forces local mode.
                values[section][key] = None
            elif raw == "":
                raise ConfigError(f"{where}: '{section}.{key}' must not be empty")
            else:
                problem = _choice_problem(raw, section, key)
                if problem:
                    raise ConfigError(f"{where}: {problem}")
                values[section][key] = raw
            applied.append(var)
    return tuple(applied)


def _parse_bool(raw: str, where: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{where}: expected a boolean (true/false, 1/0, yes/no, on/off), got {raw!r}")


def _choice_problem(value: object, section: str, key: str) -> str | None:
    choices = _CHOICES.get((section, key))
    if choices is not None and value not in choices:
        return f"'{section}.{key}' must be one of {', '.join(choices)}, got {value!r}"
    return None


_KIND_NAMES = {"str": "string", "optional_str": "string", "bool": "boolean"}
# Annotations are strings here (postponed evaluation); map each one this module uses to a kind.
_ANNOTATION_KINDS = {"str": "str", "str | None": "optional_str", "bool": "bool"}


def _field_kinds(section: str) -> dict[str, str]:
    return {f.name: _ANNOTATION_KINDS[str(f.type)] for f in dataclasses.fields(_SECTIONS[section])}


def _locate(path: Path, text: str, *keys: object) -> str:
    """``path:line`` of the mapping key reached by ``keys``, or just ``path`` if it cannot be found."""
    import yaml

    node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    line: int | None = None
    for wanted in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == str(wanted):
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return f"{path}:{line}" if line is not None else str(path)


def _one_line(problem: object) -> str:
    return " ".join(str(problem).split())
