"""``python -m flyte.server``: start a server (the same as ``flyte start server``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from flyte.errors import ConfigError
from flyte.server.app import serve
from flyte.server.auth.binding import check_binding
from flyte.server.executors.ray_cluster import check_executor
from flyte.server.options import DB_ENV_VAR, database_url, settings_from_options


def main() -> None:
    """Parses the options and serves until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m flyte.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--db",
        dest="db_url",
        default=os.environ.get(DB_ENV_VAR),
        help=f"sqlite:///path or postgresql://... ({DB_ENV_VAR})",
    )
    parser.add_argument("--db-password-file", type=Path, default=None, help="the database password, in a file")
    parser.add_argument("--store", default=None, help="where run data goes: a folder or s3://bucket/prefix")
    parser.add_argument("--home", type=Path, default=None, help="the server's own folder")
    parser.add_argument(
        "--max-workers", type=int, default=None, help="at most this many attempts running at once (not waiting)"
    )
    parser.add_argument("--max-request-bytes", type=int, default=None, help="refuse bigger request bodies (413)")
    parser.add_argument(
        "--max-bundle-unpacked-bytes", type=int, default=None, help="refuse code bundles unpacking to more (400)"
    )
    parser.add_argument("--zygote-idle-seconds", dest="zygote_idle_s", type=float, default=None)
    parser.add_argument("--max-zygotes", type=int, default=None, help="most warm worker processes kept")
    parser.add_argument("--max-images", type=int, default=None, help="most built image environments kept")
    parser.add_argument("--allow-installed-modules", action="store_true", help="let tasks name installed modules")
    parser.add_argument("--allow-apt", action="store_true", help="let image builds install system packages")
    parser.add_argument("--worker-env", action="append", default=[], help="pass this variable to workers")
    parser.add_argument("--auth", action="store_true", help="require an API key on every request")
    parser.add_argument("--executor", default=None, help="process (default), ray, or ray://HOST:PORT")
    args = parser.parse_args()
    try:
        db_url = database_url(args.db_url, args.db_password_file)
        executor = check_executor(args.executor) if args.executor is not None else None
        check_binding(args.host, args.auth)
    except ConfigError as e:
        sys.exit(f"error: {e.message}")
    serve(
        settings_from_options(
            host=args.host,
            port=args.port,
            db_url=db_url,
            store=args.store,
            home=args.home,
            max_workers=args.max_workers,
            max_request_bytes=args.max_request_bytes,
            max_bundle_unpacked_bytes=args.max_bundle_unpacked_bytes,
            zygote_idle_s=args.zygote_idle_s,
            max_zygotes=args.max_zygotes,
            max_images=args.max_images,
            allow_installed_modules=args.allow_installed_modules,
            allow_apt=args.allow_apt,
            worker_env=tuple(args.worker_env),
            auth=args.auth,
            executor=executor,
        )
    )


if __name__ == "__main__":
    main()
