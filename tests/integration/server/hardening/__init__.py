"""The server under attack and careless clients: each module tries one class of bad input against a real server."""
