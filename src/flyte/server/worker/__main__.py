"""Runs one attempt in this process: ``python -m flyte.server.worker BUNDLE_FOLDER WORKDIR``.

What executors without a zygote start (a Ray node, say). The attempt is named by the
environment, as in a forked worker; either folder may be given as an empty string.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flyte.server.worker import runtime


def main(argv: list[str]) -> int:
    """Runs the attempt with the code of the bundle folder ``argv[0]``, in the folder ``argv[1]``."""
    bundle = Path(argv[0]) if argv and argv[0] else None
    workdir = Path(argv[1]) if len(argv) > 1 and argv[1] else None
    if bundle is not None:
        sys.path.insert(0, str(bundle))
    start_in = workdir or bundle
    if start_in is not None:
        os.chdir(start_in)
    return runtime.main(bundle)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
