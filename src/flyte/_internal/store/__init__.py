"""Metadata stores: the local SQLite store used by local runs."""
