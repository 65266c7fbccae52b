"""Data access of the server: every read and write of the database goes through here."""
