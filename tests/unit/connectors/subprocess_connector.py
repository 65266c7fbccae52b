"""A connector whose jobs are real subprocesses: ``create`` starts ``python -c SCRIPT`` with the
call's inputs as JSON on the command line, ``get`` polls the process, ``delete`` kills it."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

from flyte._task import AsyncFunctionTaskTemplate
from flyte.connectors import AsyncConnector, AsyncConnectorExecutorMixin, Resource, ResourceMeta
from flyte.models import SerializationContext

TASK_TYPE = "test_subprocess_job"


@dataclass
class ScriptJob:
    """Plugin configuration: the Python script each call runs; it prints its outputs as JSON."""

    script: str


@dataclass
class ProcessMeta(ResourceMeta):
    """The job: its id and the files holding its output and error streams."""

    job_id: str
    stdout: str
    stderr: str


class SubprocessConnector(AsyncConnector[ProcessMeta]):
    """Runs each job as a child Python process."""

    name = "Subprocess Connector"
    task_type_name = TASK_TYPE
    metadata_type = ProcessMeta

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.deleted: list[str] = []
        self.seen_prefixes: list[str] = []
        self.seen_secrets: list[dict[str, Any]] = []

    async def create(
        self,
        task_template: Any,
        output_prefix: str,
        inputs: Optional[Dict[str, Any]] = None,
        task_execution_metadata: Optional[Any] = None,
        **kwargs: Any,
    ) -> ProcessMeta:
        self.seen_prefixes.append(output_prefix)
        self.seen_secrets.append(dict(kwargs))
        script = task_template.custom_config(SerializationContext(version="test"))["script"]
        job_id = uuid.uuid4().hex[:8]
        out, err = self.workdir / f"{job_id}.out", self.workdir / f"{job_id}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            self.processes[job_id] = subprocess.Popen(
                [sys.executable, "-c", script, json.dumps(inputs or {})], stdout=stdout, stderr=stderr
            )
        return ProcessMeta(job_id=job_id, stdout=str(out), stderr=str(err))

    async def get(self, resource_meta: ProcessMeta, **kwargs: Any) -> Resource:
        code = self.processes[resource_meta.job_id].poll()
        if code is None:
            return Resource(phase="running", log_links=[_Link("stderr", resource_meta.stderr)])
        if code != 0:
            return Resource(phase="failed", message=Path(resource_meta.stderr).read_text().strip())
        return Resource(phase="succeeded", outputs=json.loads(Path(resource_meta.stdout).read_text()))

    async def delete(self, resource_meta: ProcessMeta, **kwargs: Any) -> None:
        process = self.processes[resource_meta.job_id]
        self.deleted.append(resource_meta.job_id)
        if process.poll() is None:
            process.kill()
        process.wait()

    def close(self) -> None:
        """Kills and reaps every process still running (test cleanup)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
            process.wait()


@dataclass
class _Link:
    name: str
    uri: str


@dataclass(kw_only=True)
class ScriptJobTask(AsyncConnectorExecutorMixin, AsyncFunctionTaskTemplate):  # type: ignore[type-arg]
    """A task whose calls run as subprocess jobs through :class:`SubprocessConnector`."""

    plugin_config: ScriptJob
    task_type: str = TASK_TYPE
    _poll_initial_s = 0.01
    _poll_max_s = 0.05

    def custom_config(self, sctx: SerializationContext) -> Dict[str, Any]:
        return {"script": self.plugin_config.script, "secrets": {"token": "JOB_TOKEN"}}
