"""``python -m flyte.server``: start a server (the same as ``flyte start server``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from flyte.server.app import serve


def main() -> None:
    """Parses the options and serves until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m flyte.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--db", dest="db_url", default=None, help="sqlite:///path or postgresql://...")
    parser.add_argument("--store", default=None, help="where run data goes: a folder or s3://bucket/prefix")
    parser.add_argument("--home", type=Path, default=None, help="the server's own folder")
    parser.add_argument(
        "--max-workers", type=int, default=None, help="at most this many attempts running at once (not waiting)"
    )
    parser.add_argument("--max-request-bytes", type=int, default=None, help="refuse bigger request bodies (413)")
    args = parser.parse_args()
    serve(
        host=args.host,
        port=args.port,
        db_url=args.db_url,
        store=args.store,
        home=args.home,
        max_workers=args.max_workers,
        max_request_bytes=args.max_request_bytes,
    )


if __name__ == "__main__":
    main()
