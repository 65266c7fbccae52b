"""Tests of flyte._config: where the file is found, environment overrides, malformed files."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from flyte._config import (
    AdminConfig,
    Config,
    ImageConfig,
    LocalConfig,
    StorageConfig,
    TaskConfig,
    config_search_path,
    load_config,
)
from flyte.errors import BaseRuntimeError, ConfigError


def _write(path: Path, project: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"task:\n  project: {project}\n")
    return path


def test_no_file_gives_defaults() -> None:
    config = load_config()
    assert config == Config()
    assert config.source is None
    assert config.admin == AdminConfig(endpoint=None, insecure=False)
    assert config.image.builder == "local"
    assert config.task == TaskConfig(org=None, project="flytesnacks", domain="development")
    assert not config.is_remote


def test_search_order(isolated: Path) -> None:
    home = isolated / "home"
    files = [
        _write(Path("config.yaml"), "cwd"),
        _write(Path(".flyte", "config.yaml"), "cwd-dot-flyte"),
        _write(home / ".union" / "config.yaml", "union"),
        _write(home / ".flyte" / "config.yaml", "home-flyte"),
    ]
    assert [p.absolute() for p in config_search_path()] == [p.absolute() for p in files]
    for path, project in zip(files, ["cwd", "cwd-dot-flyte", "union", "home-flyte"], strict=True):
        config = load_config()
        assert (config.task.project, config.source) == (project, path.absolute())
        path.unlink()
    assert load_config().source is None


def test_env_var_file_wins_over_search_and_explicit_path_wins_over_env(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    _write(Path("config.yaml"), "cwd")
    from_env = _write(isolated / "env.yaml", "env")
    explicit = _write(isolated / "explicit.yaml", "explicit")
    monkeypatch.setenv("FLYTECTL_CONFIG", str(from_env))
    assert load_config().task.project == "env"
    assert load_config(explicit).task.project == "explicit"
    assert load_config(str(explicit)).source == explicit


def test_missing_named_file_is_an_error(monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file not found: .*nope\.yaml"):
        load_config(isolated / "nope.yaml")
    monkeypatch.setenv("FLYTECTL_CONFIG", str(isolated / "gone.yaml"))
    with pytest.raises(ConfigError, match=r"gone.yaml \(named by \$FLYTECTL_CONFIG\)"):
        load_config()


@pytest.mark.parametrize(
    ("var", "value", "section", "key", "expected"),
    [
        ("FLYTE_ADMIN_ENDPOINT", "http://127.0.0.1:8080", "admin", "endpoint", "http://127.0.0.1:8080"),
        ("FLYTE_ADMIN_INSECURE", "true", "admin", "insecure", True),
        ("FLYTE_ADMIN_INSECURE", "1", "admin", "insecure", True),
        ("FLYTE_ADMIN_INSECURE", "YES", "admin", "insecure", True),
        ("FLYTE_ADMIN_INSECURE", "no", "admin", "insecure", False),
        ("FLYTE_IMAGE_BUILDER", "remote", "image", "builder", "remote"),
        ("FLYTE_TASK_ORG", "acme", "task", "org", "acme"),
        ("FLYTE_TASK_PROJECT", "envproj", "task", "project", "envproj"),
        ("FLYTE_TASK_DOMAIN", "production", "task", "domain", "production"),
        ("FLYTE_LOCAL_HOME", "/srv/flyte", "local", "home", "/srv/flyte"),
        ("FLYTE_STORAGE_ENDPOINT", "http://127.0.0.1:8333", "storage", "endpoint", "http://127.0.0.1:8333"),
        ("FLYTE_STORAGE_ACCESS_KEY_ID", "envkey", "storage", "access_key_id", "envkey"),
        ("FLYTE_STORAGE_SECRET_ACCESS_KEY", "envsecret", "storage", "secret_access_key", "envsecret"),
        ("FLYTE_STORAGE_REGION", "eu-west-1", "storage", "region", "eu-west-1"),
        ("FLYTE_STORAGE_ADDRESSING_STYLE", "virtual", "storage", "addressing_style", "virtual"),
        ("FLYTE_STORAGE_ALLOW_HTTP", "yes", "storage", "allow_http", True),
        ("FLYTE_STORAGE_ANONYMOUS", "on", "storage", "anonymous", True),
    ],
)
def test_env_overrides_every_section(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, section: str, key: str, expected: object
) -> None:
    Path("config.yaml").write_text(
        "admin:\n  endpoint: http://file\n  insecure: true\n"
        "image:\n  builder: local\n"
        "task:\n  org: fileorg\n  project: fileproj\n  domain: staging\n"
        "local:\n  home: /file/home\n"
        "storage:\n  endpoint: http://file:1\n  access_key_id: filekey\n  secret_access_key: filesecret\n"
        "  region: file-region\n  addressing_style: path\n  allow_http: false\n  anonymous: false\n"
    )
    monkeypatch.setenv(var, value)
    config = load_config()
    assert getattr(getattr(config, section), key) == expected
    assert config.env_overrides == (var,)


def test_env_overrides_apply_without_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_TASK_PROJECT", "p")
    config = load_config()
    assert (config.source, config.task.project) == (None, "p")


def test_empty_env_value_unsets_an_optional_key(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("config.yaml").write_text("admin:\n  endpoint: http://server\n")
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", "")
    assert load_config().admin.endpoint is None


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("FLYTE_ADMIN_INSECURE", "maybe", "environment variable FLYTE_ADMIN_INSECURE: expected a boolean"),
        (
            "FLYTE_TASK_PROJECT",
            "",
            "environment variable FLYTE_TASK_PROJECT: 'task.project' must not be empty",
        ),
        (
            "FLYTE_IMAGE_BUILDER",
            "podman",
            "FLYTE_IMAGE_BUILDER: 'image.builder' must be one of local, remote",
        ),
        (
            "FLYTE_STORAGE_ADDRESSING_STYLE",
            "dns",
            "FLYTE_STORAGE_ADDRESSING_STYLE: 'storage.addressing_style' must be one of path, virtual",
        ),
    ],
)
def test_bad_env_values(monkeypatch: pytest.MonkeyPatch, var: str, value: str, message: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("admin:\n  endpoint: [oops\n", ":3:", "invalid YAML"),
        (
            "task:\n  project: p\n  projet: q\n",
            ":3:",
            "unknown key 'task.projet' (known: org, project, domain)",
        ),
        ("task:\n  project: 42\n", ":2:", "'task.project' must be a string, got int 42"),
        ("admin:\n  insecure: sometimes\n", ":2:", "'admin.insecure' must be a boolean, got str 'sometimes'"),
        ("image:\n  builder: podman\n", ":2:", "'image.builder' must be one of local, remote"),
        (
            "storage:\n  region: r\n  addressing_style: dns\n",
            ":3:",
            "'storage.addressing_style' must be one of path, virtual, got 'dns'",
        ),
        ("storage:\n  allow_http: maybe\n", ":2:", "'storage.allow_http' must be a boolean"),
        ("task: {}\nlogger:\n  level: 1\n", ":2:", "unknown section 'logger'"),
        ("admin: http://server\n", ":1:", "section 'admin' must be a mapping"),
        ("- admin\n", "", "expected a mapping of sections at the top level"),
    ],
)
def test_malformed_file_names_file_line_and_key(text: str, where: str, message: str) -> None:
    Path("config.yaml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config()
    error = str(info.value)
    assert error.startswith(f"{Path('config.yaml').absolute()}{where}")
    assert message in error
    assert "\n" not in error


def test_config_error_is_a_value_error_and_a_flyte_error() -> None:
    Path("config.yaml").write_text("task:\n  nope: 1\n")
    with pytest.raises(ValueError) as info:
        load_config()
    assert isinstance(info.value, BaseRuntimeError)
    assert info.value.kind == "user"


def test_unreadable_file_is_a_config_error(isolated: Path) -> None:
    folder = isolated / "folder.yaml"
    Path("config.yaml").write_bytes(b"task:\n  project: \xff\n")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config()
    folder.mkdir()
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(folder)


def test_nulls_and_empty_sections_mean_defaults() -> None:
    Path("config.yaml").write_text("admin:\ntask:\n  project: null\n  org: null\n")
    config = load_config()
    assert config.task == TaskConfig()
    assert config.source == Path("config.yaml").absolute()
    Path("config.yaml").write_text("")
    assert load_config().task == TaskConfig()


def test_to_yaml_round_trips() -> None:
    config = Config(
        admin=AdminConfig("http://server:8080", insecure=True),
        image=ImageConfig("remote"),
        task=TaskConfig(org="acme", project="p", domain="d"),
        local=LocalConfig(home="~/elsewhere"),
        storage=StorageConfig(
            endpoint="http://127.0.0.1:8333",
            access_key_id="key",
            secret_access_key="secret",
            region="us-east-1",
            addressing_style="path",
            allow_http=True,
            anonymous=False,
        ),
    )
    Path("config.yaml").write_text(config.to_yaml())
    loaded = load_config()
    assert dataclasses.replace(loaded, source=None) == config
    assert loaded.is_remote


def test_storage_defaults_and_secret_kept_out_of_repr() -> None:
    assert load_config().storage == StorageConfig(
        endpoint=None,
        access_key_id=None,
        secret_access_key=None,
        region=None,
        addressing_style=None,
        allow_http=False,
        anonymous=False,
    )
    Path("config.yaml").write_text("storage:\n  secret_access_key: hush\n")
    config = load_config()
    assert config.storage.secret_access_key == "hush"
    assert "hush" not in repr(config)


def test_home_prefers_local_home_over_flyte_home(isolated: Path) -> None:
    assert load_config().home() == isolated / "flyte-home"
    Path("config.yaml").write_text("local:\n  home: ~/custom\n")
    assert load_config().home() == isolated / "home" / "custom"


def test_yaml_is_imported_only_when_a_file_is_read(isolated: Path) -> None:
    script = (
        "import sys, flyte._config as c\n"
        "c.load_config()\n"
        "assert 'yaml' not in sys.modules, 'yaml imported without a file'\n"
        "open('config.yaml', 'w').write('task: {}\\n')\n"
        "c.load_config()\n"
        "assert 'yaml' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path.cwd(), timeout=60)
