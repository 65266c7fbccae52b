"""Benchmark images on the server: building a five-package image, cold and warm, and how fast a
task starts in a built image compared with the server's default environment.

Usage::

    python bench/image_compare.py [--python PATH] [--repeat 10]

It starts a server (``python -m flyte.server``, SQLite, a temporary home) and, from this process:

- ``cold build``: ``flyte.build`` of an image with five packages the server does not have (a
  fresh virtual environment, packages installed by uv from its cache or the package index);
- ``warm build``: the same call again (the built image is found);
- ``task start``: ``--repeat`` runs of a no-op task in the default environment and in the built
  image, each run timed from ``flyte.run`` to its outputs, after one untimed run of each that
  starts their worker zygotes. The ratio image/default is the cost of running in an image (the
  goal: within 1.2x).

The real flyte SDK's local mode ignores images, so there is no "real" column here; "plain" is
the same no-op function called directly. Nothing is asserted; the table goes to stdout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from server_compare import Server, sqlite_url

WORKFLOW = textwrap.dedent(
    """
    import flyte

    image = flyte.Image.from_debian_base().with_pip_packages("tabulate", "six", "toolz", "idna", "attrs")
    in_image = flyte.TaskEnvironment(name="bench_image", image=image)
    default = flyte.TaskEnvironment(name="bench_default")


    @in_image.task
    async def noop_in_image(x: int) -> int:
        return x


    @default.task
    async def noop_default(x: int) -> int:
        return x
    """
)


def _timed(call: object) -> float:
    start = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="python of the server (default: this one)")
    parser.add_argument("--repeat", type=int, default=10, help="timed task runs per environment")
    opts = parser.parse_args(argv)

    import flyte
    from flyte._internal.module_loader import load_file

    folder = Path(tempfile.mkdtemp(prefix="flyte-bench-image-"))
    (folder / "bench_image_wf.py").write_text(WORKFLOW)
    with sqlite_url() as db_url:
        server = Server(opts.python, db_url)
        try:
            server.wait_ready()
            flyte.init(endpoint=server.endpoint, root_dir=folder)
            wf = load_file(folder / "bench_image_wf.py")
            cold = _timed(lambda: flyte.build(wf.image))
            warm = _timed(lambda: flyte.build(wf.image))
            times: dict[str, list[float]] = {"default": [], "image": []}
            tasks = {"default": wf.noop_default, "image": wf.noop_in_image}
            for task in tasks.values():
                flyte.run(task, 0).outputs()  # starts the zygote: untimed
            for i in range(opts.repeat):
                for name, task in tasks.items():
                    times[name].append(_timed(lambda task=task, i=i: flyte.run(task, i).outputs()))
        finally:
            server.stop()
    plain = _timed(lambda: (lambda x: x)(1))
    default, image = statistics.median(times["default"]), statistics.median(times["image"])
    print("measure             | seconds  | note")
    print("--------------------+----------+---------------------------------------------")
    print(f"cold build          | {cold:8.3f} | five packages into a new environment")
    print(f"warm build          | {warm:8.3f} | the built image found again")
    print(f"task start, default | {default:8.3f} | median of {opts.repeat}, flyte.run to outputs")
    print(f"task start, image   | {image:8.3f} | median of {opts.repeat}; image/default = {image / default:.2f}x")
    print(f"plain call          | {plain:8.6f} | the function called directly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
