"""What the engine, the server, the CLI and ``flyte.remote`` share about runs, and nothing else:
how actions and runs are named (:mod:`.naming`), their phases (:mod:`.phases`), how values too big
to travel inline are offloaded to the store (:mod:`.offload`), how errors are recorded and
raised again (:mod:`.errors`), and the live counts of a run's actions (:mod:`.progress`).

It imports none of them: the executors, the CLI and the remote client depend on it, never on the
engine's internals.
"""
