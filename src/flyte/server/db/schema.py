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

api_keys = Table(
    "api_keys",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("key_hash", String(64), nullable=False, doc="sha256 of the whole key; the key itself is never stored"),
    Column("project", String(128), nullable=True, doc="The one project the key may act in; NULL for every project"),
    Column("created_at", Float, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("description", Text, nullable=False),
    Column("labels", Text, nullable=False, doc="JSON object of label name to value"),
    Column("created_at", Float, nullable=False),
)

deployed_tasks = Table(
    "deployed_tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project", String(128), nullable=False),
    Column("domain", String(128), nullable=False),
    Column("name", String(256), nullable=False),
    Column("version", String(128), nullable=False),
    Column("environment", String(256), nullable=False),
    Column("spec", Text, nullable=False, doc="JSON wire.DeployTaskRequest: task spec, interface, bundle, images"),
    Column("bundle", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("project", "domain", "name", "version", name="deployed_tasks_by_version"),
    Index("deployed_tasks_by_created", "project", "domain", "name", "created_at"),
)

triggers = Table(
    "triggers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project", String(128), nullable=False),
    Column("domain", String(128), nullable=False),
    Column("task_name", String(256), nullable=False),
    Column("name", String(128), nullable=False),
    Column("task_version", String(128), nullable=False, doc="The version it runs, or 'latest'"),
    Column("kind", String(16), nullable=False, doc="cron or fixed_rate"),
    Column("cron", String(256)),
    Column("timezone", String(64), nullable=False),
    Column("interval_s", Float),
    Column("start_time", Float, nullable=False, doc="Slots of a fixed rate count from here"),
    Column("inputs", LargeBinary, nullable=False, doc="msgpack map of input name to literal"),
    Column("kickoff_input", String(256)),
    Column("active", Boolean, nullable=False),
    Column("active_since", Float, nullable=False, doc="Only slots after this time fire (its last activation)"),
    Column("missed", String(16), nullable=False, doc="fire_latest or skip: a slot missed while down"),
    Column("spec", Text, nullable=False, doc="JSON wire.TriggerSpec as deployed"),
    Column("origin", String(16), nullable=False, doc="deploy (kept in step with the code) or api (Trigger.create)"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("project", "domain", "task_name", "name", name="triggers_by_name"),
)

trigger_slots = Table(
    "trigger_slots",
    metadata,
    Column("trigger_id", Integer, primary_key=True, doc="triggers.id"),
    Column("slot", Float, primary_key=True, doc="The slot's time: at most one row, hence one run, per slot"),
    Column("run_name", String(64), nullable=False),
    Column("fired_at", Float, nullable=False),
)

conditions = Table(
    "conditions",
    metadata,
    Column("run_name", String(64), primary_key=True),
    Column("action_name", String(128), primary_key=True, doc="The condition's own action (kind 'condition')"),
    Column("parent", String(128), nullable=False, doc="The action waiting for it"),
    Column("name", String(512), nullable=False, doc="The name its task gave it"),
    Column("prompt", Text, nullable=False),
    Column("prompt_type", String(16), nullable=False),
    Column("data_type", String(8), nullable=False, doc="bool, int, float or str"),
    Column("description", Text, nullable=False),
    Column("deadline", Float, doc="When it times out, if it has a timeout"),
    Column("value", Text, doc="JSON: the value it was signalled"),
    Column("created_at", Float, nullable=False),
    Column("signaled_at", Float),
    Index("conditions_by_name", "run_name", "name"),
)
