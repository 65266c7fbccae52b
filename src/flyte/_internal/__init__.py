"""Internal layers of flyte: engine, serde and store. Nothing here is public API."""
