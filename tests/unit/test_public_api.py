"""The public surface: the exported names are a decision, and `import flyte` stays light."""

from __future__ import annotations

import subprocess
import sys

import flyte

EXPECTED_EXPORTS = [
    "AMD_GPU",
    "APPLE_SILICON",
    "GPU",
    "HABANA_GAUDI",
    "TPU",
    "AppHandle",
    "AsyncFunctionTaskTemplate",
    "Backoff",
    "Cache",
    "CachePolicy",
    "CacheRequest",
    "Checkpoint",
    "ConditionWebhook",
    "Cron",
    "Device",
    "DeviceClass",
    "Documentation",
    "Environment",
    "FixedRate",
    "Image",
    "ImageBuild",
    "Link",
    "Neuron",
    "OnArtifact",
    "PodTemplate",
    "Resources",
    "RetryStrategy",
    "ReusePolicy",
    "Run",
    "Secret",
    "SecretRequest",
    "TaskContext",
    "TaskEnvironment",
    "TaskTemplate",
    "Timeout",
    "TimeoutType",
    "Trigger",
    "TriggerTime",
    "TriggeredArtifact",
    "TriggeredPartition",
    "__version__",
    "build",
    "build_images",
    "ctx",
    "current_domain",
    "current_project",
    "custom_context",
    "deploy",
    "durable",
    "errors",
    "get_custom_context",
    "group",
    "init",
    "init_from_api_key",
    "init_from_config",
    "init_in_cluster",
    "init_passthrough",
    "is_control_plane_available",
    "latest_checkpoint",
    "logger",
    "map",
    "new_condition",
    "remote",
    "report",
    "rerun",
    "run",
    "run_python_script",
    "serve",
    "system_logger",
    "trace",
    "version",
    "with_runcontext",
    "with_servecontext",
]


def _isort_style(name: str) -> tuple[int, str]:
    # The order ruff keeps __all__ in: CONSTANTS, then Classes, then everything else.
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def test_exports_are_pinned_and_sorted() -> None:
    assert flyte.__all__ == EXPECTED_EXPORTS
    assert flyte.__all__ == sorted(flyte.__all__, key=_isort_style)
    for name in flyte.__all__:
        assert getattr(flyte, name) is not None


HEAVY = [
    "flyte.server",
    "sqlalchemy",
    "fastapi",
    "ray",
    "pandas",
    "rich",
    "yaml",
    "pydantic",
    "sqlite3",
    "click",
    "cloudpickle",
]


def test_import_flyte_is_light() -> None:
    probe = f"import sys, flyte; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_import_flyte_does_not_load_apps() -> None:
    probe = "import sys, flyte; flyte.with_servecontext; print('flyte.app' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_defining_tasks_stays_light() -> None:
    probe = (
        "import sys, flyte\n"
        "env = flyte.TaskEnvironment(name='e')\n"
        "@env.task\n"
        "async def t(x: int) -> int:\n"
        "    return x\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_matches_the_installed_distribution() -> None:
    from importlib.metadata import version

    assert flyte.version() == flyte.__version__ == version("openflyte")
