"""What the Ray executor asks of a cluster: resources per task, and a store every node reaches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flyte._internal import wire
from flyte._internal.module_loader import load_file
from flyte._internal.remote_run import task_spec
from flyte.errors import ConfigError
from flyte.server.executors.ray_cluster import check_store_reaches_nodes, hosts_of, ray_options


def _node(host: str, address: str = "10.0.0.1", alive: bool = True) -> dict[str, Any]:
    return {"NodeManagerHostname": host, "NodeManagerAddress": address, "Alive": alive}


def test_a_local_store_is_refused_when_the_cluster_spans_machines() -> None:
    nodes = [_node("head"), _node("worker-1", "10.0.0.2")]
    with pytest.raises(ConfigError) as refused:
        check_store_reaches_nodes("/srv/flyte/data", nodes)
    assert "'/srv/flyte/data' is a local folder" in refused.value.message
    assert "2 machines (head, worker-1)" in refused.value.message
    assert "--store s3://" in refused.value.message


def test_a_local_store_is_fine_on_one_machine_and_s3_anywhere() -> None:
    one_machine = [_node("box", "127.0.0.1"), _node("box", "127.0.0.1"), _node("gone", alive=False)]
    check_store_reaches_nodes("/srv/flyte/data", one_machine)
    check_store_reaches_nodes("file:///srv/flyte/data", one_machine)
    check_store_reaches_nodes("s3://bucket/prefix", [_node("head"), _node("worker-1", "10.0.0.2")])
    assert hosts_of(one_machine) == {"box"}


def test_resources_map_to_ray_options() -> None:
    bare = wire.TaskSpec(name="env.t", module="wf.py")
    assert ray_options(bare) == {"num_cpus": 0}
    asked = wire.TaskSpec(name="env.t", module="wf.py", cpu=2.5, memory_bytes=1 << 30, gpu=2, accelerator="A100_80G")
    assert ray_options(asked) == {
        "num_cpus": 2.5,
        "memory": 1 << 30,
        "num_gpus": 2,
        "accelerator_type": "A100_80G",
    }


def test_a_tasks_gpus_reach_its_spec(tmp_path: Path) -> None:
    source = tmp_path / "gpu_wf.py"
    source.write_text(
        "import flyte\n"
        "a100 = flyte.TaskEnvironment(name='a100', resources=flyte.Resources(gpu='A100:2'))\n"
        "plain = flyte.TaskEnvironment(name='plain', resources=flyte.Resources(gpu=1))\n"
        "tpu = flyte.TaskEnvironment(name='tpu', resources=flyte.Resources(gpu=flyte.TPU('V5P', '2x2x1')))\n"
        "@a100.task\nasync def big() -> None: ...\n"
        "@plain.task\nasync def small() -> None: ...\n"
        "@tpu.task\nasync def tensor() -> None: ...\n"
    )
    module = load_file(source)
    specs = [task_spec(getattr(module, name), tmp_path) for name in ("big", "small", "tensor")]
    assert [(s.gpu, s.accelerator) for s in specs] == [(2, "A100"), (1, None), (1, "V5P")]
