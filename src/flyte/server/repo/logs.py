"""Task logs in the database: appended in batches by workers, read in order by clients."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, and_, select

from flyte._internal import wire
from flyte.server.db.schema import logs


def append(engine: Engine, run_name: str, action_name: str, attempt: int, lines: list[wire.LogLine]) -> None:
    """Stores a batch of lines of one attempt."""
    if not lines:
        return
    with engine.begin() as conn:
        insert_lines(conn, run_name, action_name, attempt, lines)


def read(engine: Engine, run_name: str, action_name: str, after: int, limit: int = 5000) -> list[wire.StoredLogLine]:
    """The lines after position ``after`` (their ``seq`` orders them), at most ``limit``."""
    query = (
        select(logs)
        .where(and_(logs.c.run_name == run_name, logs.c.action_name == action_name, logs.c.id > after))
        .order_by(logs.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [
            wire.StoredLogLine(seq=row.id, attempt=row.attempt, stream=row.stream, ts=row.ts, text=row.text)
            for row in conn.execute(query)
        ]


def insert_lines(conn: Connection, run_name: str, action_name: str, attempt: int, lines: list[wire.LogLine]) -> None:
    """Stores a batch of lines of one attempt within the caller's transaction."""
    if lines:
        conn.execute(
            logs.insert(),
            [
                {
                    "run_name": run_name,
                    "action_name": action_name,
                    "attempt": attempt,
                    "stream": line.stream,
                    "ts": line.ts,
                    "text": line.text,
                }
                for line in lines
            ],
        )
