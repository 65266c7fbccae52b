"""The server's database: schema, migrations and connections (SQLite or PostgreSQL)."""
