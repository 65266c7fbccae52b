"""The web UI: server-rendered pages of runs, actions, logs, reports and tasks.

The same pages serve two sources of runs (see :mod:`flyte.server.ui.source`): the server's
database, mounted by :func:`flyte.server.app.create_app`, and the local runs database, served
read-only by ``flyte start ui`` (:mod:`flyte.server.ui.local_app`).
"""
