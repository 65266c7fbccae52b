"""Alembic migrations of the server database, applied when the server starts."""
