"""Clustered tasks run as real local gangs: topology per rank, rendezvous, result of rank 0."""

from __future__ import annotations

import flyte
from tests.unit.clustered import _tasks


def test_each_rank_of_a_torchrun_gang_gets_its_own_topology_and_rank0_result_is_returned() -> None:
    run = flyte.run(_tasks.topology, "hello")
    gathered = run.outputs()[0]
    assert sorted(gathered) == ["0", "1", "2", "3"]
    ports = {env["MASTER_PORT"] for env in gathered.values()}
    assert len(ports) == 1 and ports != {None}
    for rank, env in gathered.items():
        node, local = divmod(int(rank), 2)
        assert env["RANK"] == rank and env["ctx_rank"] == rank
        assert (env["LOCAL_RANK"], env["NODE_RANK"], env["GROUP_RANK"]) == (str(local), str(node), str(node))
        assert (env["WORLD_SIZE"], env["LOCAL_WORLD_SIZE"]) == ("4", "2")
        assert env["MASTER_ADDR"] == "127.0.0.1"
        assert env["FLYTE_CLUSTERED_WORKER"] == "1"
        assert env["JAX_COORDINATOR_ADDRESS"] is None
        # The task's inputs, its environment's variables and its run reach every process.
        assert (env["tag"], env["FROM_ENV"], env["run"]) == ("hello", "yes", run.name)


def test_a_jax_gang_runs_one_process_per_node_with_the_coordinator_address() -> None:
    gathered = flyte.run(_tasks.jax_topology).outputs()[0]
    assert sorted(gathered) == ["0", "1"]
    for rank, env in gathered.items():
        assert (env["RANK"], env["NODE_RANK"], env["LOCAL_RANK"]) == (rank, rank, "0")
        assert (env["WORLD_SIZE"], env["LOCAL_WORLD_SIZE"]) == ("2", "1")
        assert env["JAX_COORDINATOR_ADDRESS"] == f"127.0.0.1:{env['MASTER_PORT']}"
        assert env["GROUP_RANK"] is None


def test_a_gang_task_called_from_a_parent_task_returns_rank0_result() -> None:
    assert flyte.run(_tasks.calls_gang, 1).outputs()[0] == 0 + 3
