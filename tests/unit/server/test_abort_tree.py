"""Which actions an abort reaches: the one aborted and everything below it, nothing else."""

from __future__ import annotations

from flyte.server.repo.aborts import Aborted, descendants

PARENTS: dict[str, str | None] = {
    "a0": None,
    "c1": "a0",
    "c2": "a0",
    "g1": "c1",
    "g2": "c1",
    "gg": "g2",
    "other": "c2",
}


def test_descendants_are_the_whole_subtree() -> None:
    assert descendants(PARENTS, "c1") == {"g1", "g2", "gg"}
    assert descendants(PARENTS, "a0") == set(PARENTS) - {"a0"}
    assert descendants(PARENTS, "gg") == set()
    assert descendants(PARENTS, "unknown") == set()


def test_what_an_abort_found() -> None:
    assert not Aborted(None).found
    assert Aborted("RUNNING").found and not Aborted("RUNNING").ended_otherwise
    assert not Aborted("ABORTED").ended_otherwise  # aborting twice is harmless
    assert Aborted("SUCCEEDED").ended_otherwise
