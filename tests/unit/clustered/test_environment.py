"""ClusteredTaskEnvironment settings, task routing, serialized spec, rank topology and JAX setup."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

import flyte
import flyte.errors
from flyte.clustered import (
    ClusteredTaskEnvironment,
    ClusteredTaskTemplate,
    ClusterFailurePolicy,
    JaxRun,
    TorchRun,
    jax_initialize,
)
from flyte.clustered._environment import ClusteredSettings
from flyte.clustered._launcher import Restarts, module_ref, rank_environments
from flyte.models import SerializationContext


def test_tasks_of_a_clustered_environment_are_clustered_tasks_with_its_spec() -> None:
    env = ClusteredTaskEnvironment(
        name="spec_env",
        replicas=2,
        nproc_per_node=4,
        runtime=TorchRun(rdzv_backend="c10d", max_restarts=1),
        failure_policy=ClusterFailurePolicy(max_restarts=3),
        ttl_seconds_after_finished=60,
    )

    @env.task
    def train(x: int) -> int:
        return x

    assert isinstance(train, ClusteredTaskTemplate)
    assert (train.task_type, train.task_type_version) == ("clustered-task", 1)
    assert train.custom_config(SerializationContext(version="v1")) == {
        "replicas": 2,
        "nprocPerNode": 4,
        "interconnect": "TCP",
        "failurePolicy": {"maxRestarts": 3},
        "runtime": {"torchrun": {"rdzvBackend": "C10D", "maxRestarts": 1}},
        "ttlSecondsAfterFinished": 60,
    }
    assert env.to_custom_dict() == train.custom_config(SerializationContext(version="v1"))
    jax_env = ClusteredTaskEnvironment(name="jax_spec", replicas=3, nproc_per_node=1, runtime=JaxRun())
    assert "runtime" not in jax_env.to_custom_dict()
    # A clone keeps the clustered settings, with the ones given replaced.
    clone = env.clone_with("spec_clone", replicas=5)
    assert isinstance(clone, ClusteredTaskEnvironment) and clone.to_custom_dict()["replicas"] == 5


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"replicas": 0, "nproc_per_node": 1}, "replicas must be an integer >= 1"),
        ({"replicas": 1, "nproc_per_node": 0}, "nproc_per_node must be an integer >= 1"),
        ({"replicas": 2, "nproc_per_node": 2, "runtime": JaxRun()}, "nproc_per_node must be 1"),
        ({"replicas": 1, "nproc_per_node": 4, "resources": flyte.Resources(gpu=2)}, r"resources.gpu \(2\)"),
        ({"replicas": 1, "nproc_per_node": 1, "interconnect": "infiniband"}, "interconnect must be one of"),
        ({"replicas": 1, "nproc_per_node": 1, "reusable": flyte.ReusePolicy(replicas=1)}, "cannot be reusable"),
        ({"replicas": 1, "nproc_per_node": 1, "ttl_seconds_after_finished": -1}, "ttl_seconds_after_finished"),
    ],
)
def test_bad_settings_are_refused_naming_the_environment(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        ClusteredTaskEnvironment(name="bad_env", **settings)
    assert "bad_env" in str(info.value)


def test_bad_runtime_and_policies_are_refused() -> None:
    with pytest.raises(TypeError, match="runtime must be TorchRun"):
        ClusteredTaskEnvironment(name="bad_rt", replicas=1, nproc_per_node=1, runtime="torchrun")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rdzv_backend"):
        TorchRun(rdzv_backend="etcd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_restarts must be >= 0"):
        ClusterFailurePolicy(max_restarts=-1)


def test_rank_environments_follow_torchrun_and_jax_conventions() -> None:
    torch = ClusteredSettings(
        replicas=2,
        nproc_per_node=3,
        runtime=TorchRun(max_restarts=2),
        interconnect="tcp",
        failure_policy=ClusterFailurePolicy(max_restarts=1),
        ttl_seconds_after_finished=None,
    )
    envs = rank_environments(torch, 4321, Restarts(set_attempt=1, launcher_attempt=2), "run-1")
    assert len(envs) == 6
    fifth = envs[4]
    assert (fifth["RANK"], fifth["LOCAL_RANK"], fifth["GROUP_RANK"], fifth["NODE_RANK"]) == ("4", "1", "1", "1")
    assert (fifth["WORLD_SIZE"], fifth["LOCAL_WORLD_SIZE"], fifth["NNODES"]) == ("6", "3", "2")
    assert (fifth["MASTER_ADDR"], fifth["MASTER_PORT"]) == ("127.0.0.1", "4321")
    assert (fifth["TORCHELASTIC_RESTART_COUNT"], fifth["TORCHELASTIC_MAX_RESTARTS"]) == ("2", "2")
    assert (fifth["JOBSET_RESTART_ATTEMPT"], fifth["JOBSET_MAX_RESTARTS"]) == ("1", "1")
    assert fifth["TORCHELASTIC_RUN_ID"] == "run-1" and fifth["FLYTE_CLUSTERED_WORKER"] == "1"
    jax = ClusteredSettings(
        replicas=3,
        nproc_per_node=1,
        runtime=JaxRun(),
        interconnect="tcp",
        failure_policy=ClusterFailurePolicy(),
        ttl_seconds_after_finished=None,
    )
    third = rank_environments(jax, 99, Restarts(0, 0), "run-2")[2]
    assert (third["RANK"], third["WORLD_SIZE"], third["JAX_COORDINATOR_ADDRESS"]) == ("2", "3", "127.0.0.1:99")
    assert "TORCHELASTIC_RUN_ID" not in third


def test_a_task_not_at_module_top_level_is_refused_before_any_process_starts() -> None:
    env = ClusteredTaskEnvironment(name="local_def", replicas=1, nproc_per_node=1)

    @env.task
    def nested() -> int:
        return 1

    with pytest.raises(flyte.errors.ModuleLoadError, match="top level of an importable module"):
        module_ref(nested)
    with pytest.raises(flyte.errors.ModuleLoadError, match=r"local_def\.nested"):
        flyte.run(nested)


def test_jax_initialize_passes_the_gang_topology(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    distributed = types.SimpleNamespace(initialize=lambda **kw: calls.append(kw), is_initialized=lambda: bool(calls))
    monkeypatch.setitem(sys.modules, "jax", types.SimpleNamespace(distributed=distributed))
    for name in ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="MASTER_ADDR is not set"):
        jax_initialize()
    for name, value in {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1234", "WORLD_SIZE": "2", "RANK": "1"}.items():
        monkeypatch.setenv(name, value)
    jax_initialize(local_device_ids=[0])
    jax_initialize()  # already initialized: nothing more
    assert calls == [
        {
            "coordinator_address": "127.0.0.1:1234",
            "num_processes": 2,
            "process_id": 1,
            "cluster_detection_method": "deactivate",
            "local_device_ids": [0],
        }
    ]
