"""The base environment of workers: an allow-list of the server's variables, nothing else."""

from __future__ import annotations

from flyte.server.worker_env import base_environment


def test_only_the_allow_list_and_the_store_settings_pass() -> None:
    server = {
        "PATH": "/bin",
        "HOME": "/root",
        "LC_ALL": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": "store-key",
        "FLYTE_STORAGE_ENDPOINT": "http://127.0.0.1:9000",
        "SERVER_DB_PASSWORD": "secret",
        "FLYTE_SERVER_DB": "postgresql://u:p@h/db",
        "DATABASE_URL": "postgresql://u:p@h/db",
    }
    assert base_environment(environ=server) == {
        "PATH": "/bin",
        "HOME": "/root",
        "LC_ALL": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": "store-key",
        "FLYTE_STORAGE_ENDPOINT": "http://127.0.0.1:9000",
    }


def test_the_operator_passes_more_by_name() -> None:
    server = {"PATH": "/bin", "HTTP_TIMEOUT": "5", "OTHER": "x"}
    assert base_environment(["HTTP_TIMEOUT"], environ=server) == {"PATH": "/bin", "HTTP_TIMEOUT": "5"}
