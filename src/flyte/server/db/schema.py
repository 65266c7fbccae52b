"""The server's tables (SQLAlchemy Core). Migrations in ``migrations/`` create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("project", String(128), nullable=False),
    Column("domain", String(128), nullable=False),
    Column("task_name", String(512), nullable=False),
    Column("phase", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("ended_at", Float),
    Column("error", Text),
    Column("bundle", String(64)),
    Column("raw_data_path", Text, nullable=False),
    Column("options", Text, nullable=False, doc="JSON: env_vars, cache switches, concurrency, context"),
    Index("runs_by_created", "created_at"),
)

actions = Table(
    "actions",
    metadata,
    Column("run_name", String(64), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("parent", String(128)),
    Column("task_name", String(512), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("grp", String(256)),
    Column("phase", String(32), nullable=False),
    Column("attempt", Integer, nullable=False, doc="The current (or last) attempt; 0 before the first"),
    Column("user_failures", Integer, nullable=False),
    Column("system_failures", Integer, nullable=False),
    Column("task_spec", Text, nullable=False, doc="JSON wire.TaskSpec"),
    Column("inputs", LargeBinary),
    Column("outputs", LargeBinary),
    Column("error", Text),
    Column("cache_key", String(64)),
    Column("cache_status", String(32)),
    Column("report", Text),
    Column("queued_at", Float, nullable=False),
    Column("ready_at", Float, nullable=False, doc="Not dispatched before this time (retry backoff)"),
    Column("started_at", Float),
    Column("ended_at", Float),
    Column("heartbeat_at", Float),
    Column("waiting", Boolean, nullable=False),
    Column("worker", String(128)),
    Column("waiting_reason", Text, doc="Why a queued action is not started (more than the cluster has, say)"),
    Index("actions_queued", "phase", "ready_at"),
    Index("actions_by_parent", "run_name", "parent"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("run_name", String(64), primary_key=True),
    Column("action_name", String(128), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("phase", String(32), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float),
    Column("error", Text),
    Column("worker", String(128)),
    Column("token_hash", String(64), doc="sha256 of the token the attempt's worker reports with"),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_name", String(64), nullable=False),
    Column("action_name", String(128), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("phase", String(32), nullable=False),
    Column("at", Float, nullable=False),
    Index("transitions_by_action", "run_name", "action_name"),
)

cache = Table(
    "cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("task_name", String(512), nullable=False),
    Column("outputs", LargeBinary, nullable=False),
    Column("created_at", Float, nullable=False),
)

bundles = Table(
    "bundles",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("uri", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

logs = Table(
    "logs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_name", String(64), nullable=False),
    Column("action_name", String(128), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("stream", String(16), nullable=False),
    Column("ts", Float, nullable=False),
    Column("text", Text, nullable=False),
    Index("logs_by_action", "run_name", "action_name", "id"),
)

secrets = Table(
    "secrets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(260), nullable=False),
    Column("org", String(128), nullable=False, doc="'' for any org"),
    Column("project", String(128), nullable=False, doc="'' for any project"),
    Column("domain", String(128), nullable=False, doc="'' for any domain"),
    Column("value", LargeBinary, nullable=False, doc="The value, Fernet-encrypted with the key in the server home"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("name", "org", "project", "domain", name="secrets_by_scope"),
)
