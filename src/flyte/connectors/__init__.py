"""Connectors: run tasks as jobs of an external service (a query engine, a batch system...).

A connector (:class:`AsyncConnector`) starts a job, reports its state and cancels it; it is
registered with :class:`ConnectorRegistry` under a task type. A task class mixing in
:class:`AsyncConnectorExecutorMixin` with that ``task_type`` runs each call as such a job::

    @dataclass
    class JobMeta(ResourceMeta):
        job_id: str

    class MyConnector(AsyncConnector[JobMeta]):
        name = "My Connector"
        task_type_name = "my_job"
        metadata_type = JobMeta

        async def create(self, task_template, output_prefix, inputs=None, **kwargs) -> JobMeta: ...
        async def get(self, resource_meta: JobMeta, **kwargs) -> Resource: ...
        async def delete(self, resource_meta: JobMeta, **kwargs) -> None: ...

    ConnectorRegistry.register(MyConnector())

The gRPC connector service of the SDK (``ConnectorService``) is not provided here.
"""

from flyte.connectors._connector import AsyncConnector, ConnectorRegistry
from flyte.connectors._executor import AsyncConnectorExecutorMixin
from flyte.connectors._resource import Resource, ResourceMeta

__all__ = [
    "AsyncConnector",
    "AsyncConnectorExecutorMixin",
    "ConnectorRegistry",
    "Resource",
    "ResourceMeta",
]
