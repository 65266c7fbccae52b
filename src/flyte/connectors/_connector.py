"""Connectors: objects that start, watch and cancel jobs on an external service (a query
engine, a batch system...), and the registry that finds the connector of a task type."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, Generic, List, Optional

from typing_extensions import TypeVar

from flyte.connectors._resource import Resource, ResourceMeta

M = TypeVar("M", bound=ResourceMeta, default=ResourceMeta)


class FlyteConnectorNotFound(ValueError):
    """No connector is registered for a task type (and version)."""


class AsyncConnector(ABC, Generic[M]):
    """The base of connectors. A connector serves one task type (``task_type_name``, at
    ``task_type_version``): :meth:`create` starts a job and returns its metadata (a
    :class:`ResourceMeta` subclass, ``metadata_type``), :meth:`get` reports the job's state
    as a :class:`Resource`, and :meth:`delete` cancels it.

    Register an instance with :meth:`ConnectorRegistry.register`; a task whose class mixes in
    :class:`~flyte.connectors.AsyncConnectorExecutorMixin` then runs through it.
    """

    name: ClassVar[str] = "Async Connector"
    task_type_name: ClassVar[str]
    task_type_version: ClassVar[int] = 0
    metadata_type: type[M]

    @abstractmethod
    async def create(
        self,
        task_template: Any,
        output_prefix: str,
        inputs: Optional[Dict[str, Any]] = None,
        task_execution_metadata: Optional[Any] = None,
        **kwargs: Any,
    ) -> M:
        """Starts the job of one call of ``task_template`` (the task being run: its settings are in
        ``custom_config(sctx)``, ``sql(sctx)``...) with ``inputs`` by name; returns what
        :meth:`get` and :meth:`delete` need to find it. ``output_prefix`` is where the job may
        write data; ``kwargs`` holds the task's secrets by key."""

    @abstractmethod
    async def get(self, resource_meta: M, **kwargs: Any) -> Resource:
        """The job's current state; once it has succeeded, its outputs by name."""

    @abstractmethod
    async def delete(self, resource_meta: M, **kwargs: Any) -> None:
        """Cancels the job. Calling it for a finished or already cancelled job must do no harm;
        it raises when the job cannot be cancelled."""

    async def get_metrics(self, resource_meta: M, **kwargs: Any) -> Any:
        """The job's metrics; connectors that have some override this."""
        raise NotImplementedError(f"Connector '{self.name}' does not report metrics")

    def get_logs(self, resource_meta: M, **kwargs: Any) -> Any:
        """The job's logs (a coroutine or an async iterator of pages); connectors that have some
        override this."""
        raise NotImplementedError(f"Connector '{self.name}' does not report logs")


@dataclass(frozen=True)
class _Key:
    task_type_name: str
    task_type_version: int


@dataclass
class ConnectorMetadata:
    """A registered connector's name and the task types (name, version) it serves."""

    name: str
    supported_task_types: List[tuple[str, int]] = field(default_factory=list)


class ConnectorRegistry:
    """The process's connectors by task type and version."""

    _REGISTRY: ClassVar[Dict[_Key, AsyncConnector[Any]]] = {}
    _METADATA: ClassVar[Dict[str, ConnectorMetadata]] = {}
    _LOCK: ClassVar[threading.Lock] = threading.Lock()

    @staticmethod
    def register(connector: AsyncConnector[Any], override: bool = False) -> None:
        """Makes ``connector`` serve its task type and version.

        Raises:
            TypeError: ``connector`` is not an :class:`AsyncConnector` or has no ``task_type_name``.
            ValueError: another connector serves that task type and version, and ``override``
                is False.
        """
        if not isinstance(connector, AsyncConnector):
            raise TypeError(f"ConnectorRegistry.register expects an AsyncConnector, got {connector!r}")
        task_type = getattr(connector, "task_type_name", None)
        if not isinstance(task_type, str) or not task_type:
            raise TypeError(f"Connector '{connector.name}' ({type(connector).__name__}) must set task_type_name")
        key = _Key(task_type, connector.task_type_version)
        with ConnectorRegistry._LOCK:
            if key in ConnectorRegistry._REGISTRY and not override:
                raise ValueError(
                    f"Duplicate connector for task type: {task_type} and version: {key.task_type_version} "
                    f"(pass override=True to replace it)"
                )
            ConnectorRegistry._REGISTRY[key] = connector
            meta = ConnectorRegistry._METADATA.setdefault(connector.name, ConnectorMetadata(connector.name))
            if (task_type, key.task_type_version) not in meta.supported_task_types:
                meta.supported_task_types.append((task_type, key.task_type_version))

    @staticmethod
    def get_connector(task_type_name: str, task_type_version: int = 0) -> AsyncConnector[Any]:
        """The connector serving ``task_type_name`` at ``task_type_version``.

        Raises:
            FlyteConnectorNotFound: none is registered.
        """
        connector = ConnectorRegistry._REGISTRY.get(_Key(task_type_name, task_type_version))
        if connector is None:
            raise FlyteConnectorNotFound(
                f"Cannot find connector for task type: {task_type_name} and version: {task_type_version}"
            )
        return connector

    @staticmethod
    def _list_connectors() -> List[ConnectorMetadata]:
        return list(ConnectorRegistry._METADATA.values())

    @staticmethod
    def _get_connector_metadata(name: str) -> ConnectorMetadata:
        meta = ConnectorRegistry._METADATA.get(name)
        if meta is None:
            raise FlyteConnectorNotFound(f"Cannot find connector for name: {name}.")
        return meta
