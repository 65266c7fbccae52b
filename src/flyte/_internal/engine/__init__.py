"""The engine: turns task calls into actions and runs them (locally, for now)."""
