"""Benchmark a code-bundle bomb: a gzip near the server's upload limit that unpacks to gigabytes.

Usage::

    python bench/bundle_bomb.py [--python PATH] [--max-request-bytes 32MiB] [--during 10]
                                [--before 10] [--shapes one-member many-members] [--json OUT]

For each shape of bomb it starts a fresh server (``python -m flyte.server``, SQLite, a temporary
home) with ``--max-request-bytes``, and from this process:

- runs ``--before`` hello-world runs one after the other (``flyte.run`` then ``.wait()`` and the
  outputs), after an untimed one that uploads the hello bundle and starts the worker zygote;
- uploads the bomb (``PUT /api/v1/bundles/{sha256}``, a few KiB under the limit) again and
  again for ``--during`` seconds, each copy made distinct so that the server checks every one,
  while hello runs go on one after the other; a run counts as "during" when it overlaps the
  upload window;
- samples the resident memory of the server process and of its whole process tree (zygotes and
  workers included) every 20 ms on a thread, before and during the uploads.

Shapes (the tar is gzipped at level 9; the expanded data is never held in memory, nor even
compressed for real: the compressed form of a run of zeros is computed once and repeated):

- ``one-member``: one tar member of zeros declaring its full size (tens of GiB);
- ``many-members``: 1 MiB members of zeros, one after the other, each small on its own.

The table shows the status codes of the uploads and their time, the peak memory against the
idle one, and the hello-run latency p50/max before and during. Nothing is asserted: today the
server may accept the bomb or spend memory on it, and that is what this measures.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from server_compare import Server, free_port, sqlite_url

MIB = 1024 * 1024
SHAPES = ("one-member", "many-members")
ZERO_CHUNK = MIB
"""The run of zeros compressed once and repeated; also the size of a ``many-members`` member."""
SAMPLE_S = 0.02
HELLO_TIMEOUT_S = 120.0
UPLOAD_MARGIN = 16 * 1024
"""The bomb stays this far under the limit: gzip and tar framing must not push it over."""

HELLO = textwrap.dedent(
    """
    import flyte

    env = flyte.TaskEnvironment(name="bench_bomb_hello")


    @env.task
    async def hello(name: str) -> str:
        return f"hello {name}"
    """
)


# --- The bomb ------------------------------------------------------------------------------------


def _zero_byte_matrix() -> list[int]:
    """The linear map (over GF(2)) that one zero byte applies to zlib's CRC-32 register.

    ``zlib.crc32`` inverts the register on the way in and out; in between, a zero byte shifts it
    linearly. Column ``i`` is where bit ``i`` of the register goes.
    """
    return [zlib.crc32(b"\0", (1 << i) ^ 0xFFFFFFFF) ^ 0xFFFFFFFF for i in range(32)]


def _apply(matrix: list[int], vector: int) -> int:
    result = 0
    for i in range(32):
        if vector >> i & 1:
            result ^= matrix[i]
    return result


def _compose(outer: list[int], inner: list[int]) -> list[int]:
    return [_apply(outer, column) for column in inner]


def _power(matrix: list[int], n: int) -> list[int]:
    result = [1 << i for i in range(32)]
    while n:
        if n & 1:
            result = _compose(matrix, result)
        matrix = _compose(matrix, matrix)
        n >>= 1
    return result


class ZeroCrc:
    """CRC-32 of long runs of zeros without reading them: ``crc32(bytes(n), crc)`` in O(log n)."""

    def __init__(self) -> None:
        self._one = _zero_byte_matrix()
        self._cache: dict[int, list[int]] = {}

    def extend(self, crc: int, n: int) -> int:
        """``zlib.crc32(bytes(n), crc)``."""
        matrix = self._cache.get(n)
        if matrix is None:
            matrix = self._cache[n] = _power(self._one, n)
        return _apply(matrix, crc ^ 0xFFFFFFFF) ^ 0xFFFFFFFF


class GzipOfZeros:
    """A gzip stream built from pieces: real bytes, compressed, and runs of zeros.

    Every piece ends with a full flush, which empties the compressor's window: the compressed
    form of a chunk of zeros is then the same wherever it comes, so it is computed once and
    repeated. The trailer's CRC-32 and size are kept as the pieces go.
    """

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        # Gzip header: magic, deflate, no flags, no time, max compression, unknown OS.
        self.parts: list[bytes] = [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"]
        self.compressed_size = len(self.parts[0])
        """Bytes so far, trailer excluded."""
        self.size = 0
        self.crc = 0
        self._zero_crc = ZeroCrc()
        self._zero_piece: bytes | None = None

    def add(self, data: bytes) -> None:
        """Appends ``data`` compressed."""
        self.parts.append(self._deflate.compress(data) + self._deflate.flush(zlib.Z_FULL_FLUSH))
        self.compressed_size += len(self.parts[-1])
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)

    def zero_piece(self) -> bytes:
        """The compressed form of ``ZERO_CHUNK`` zeros after a full flush."""
        if self._zero_piece is None:
            probe = zlib.compressobj(9, zlib.DEFLATED, -15)
            probe.compress(b"x")
            probe.flush(zlib.Z_FULL_FLUSH)
            first = probe.compress(bytes(ZERO_CHUNK)) + probe.flush(zlib.Z_FULL_FLUSH)
            second = probe.compress(bytes(ZERO_CHUNK)) + probe.flush(zlib.Z_FULL_FLUSH)
            # A full flush must make the piece independent of what came before it.
            assert first == second, "zlib does not repeat the compressed zeros after a full flush"
            self._zero_piece = first
        return self._zero_piece

    def add_zero_chunks(self, count: int) -> None:
        """Appends ``count`` chunks of ``ZERO_CHUNK`` zeros."""
        self.parts.extend([self.zero_piece()] * count)
        self.compressed_size += count * len(self.zero_piece())
        self.size += count * ZERO_CHUNK
        self.crc = self._zero_crc.extend(self.crc, count * ZERO_CHUNK)

    def finish(self) -> bytes:
        """The whole gzip: the pieces, the final block and the trailer."""
        tail = self._deflate.flush(zlib.Z_FINISH)
        trailer = self.crc.to_bytes(4, "little") + (self.size & 0xFFFFFFFF).to_bytes(4, "little")
        return b"".join([*self.parts, tail, trailer])


@dataclass(frozen=True)
class Bomb:
    """A bundle bomb: the gzip bytes, their sha256, and what they expand to."""

    shape: str
    data: bytes
    digest: str
    expanded: int
    members: int

    def copy(self, n: int) -> Bomb:
        """The same bomb with ``n`` as the gzip header's time: the same content under another hash."""
        data = self.data[:4] + n.to_bytes(4, "little") + self.data[8:]
        return Bomb(self.shape, data, hashlib.sha256(data).hexdigest(), self.expanded, self.members)


def _member_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = 0
    # GNU format writes sizes past 8 GiB in base-256 within the one header block.
    return info.tobuf(format=tarfile.GNU_FORMAT)


def make_bomb(shape: str, limit: int) -> Bomb:
    """A bomb of ``shape`` whose gzip is at most ``limit - UPLOAD_MARGIN`` bytes."""
    budget = limit - UPLOAD_MARGIN
    gz = GzipOfZeros()
    piece = len(gz.zero_piece())
    if shape == "one-member":
        header = _member_header("zeros.py", 0)
        chunks = max((budget - gz.compressed_size - 2 * len(header)) // piece, 2)
        # The member is the zeros but the two end-of-archive blocks, which are zeros too.
        gz.add(_member_header("zeros.py", chunks * ZERO_CHUNK - 1024))
        gz.add_zero_chunks(chunks)
        members = 1
    elif shape == "many-members":
        members = 0
        header_cost = len(zlib.compress(_member_header("m000000.py", ZERO_CHUNK), 9)) + 16
        while gz.compressed_size + header_cost + piece + 1024 < budget:
            gz.add(_member_header(f"m{members:06d}.py", ZERO_CHUNK))
            gz.add_zero_chunks(1)
            members += 1
        gz.add(bytes(1024))  # end of archive
    else:
        raise ValueError(f"unknown shape {shape!r}")
    data = gz.finish()
    return Bomb(shape, data, hashlib.sha256(data).hexdigest(), gz.size, members)


def self_check() -> None:
    """Builds small bombs and reads them back whole: the gzip and the tar must be valid."""
    for shape in SHAPES:
        bomb = make_bomb(shape, 64 * 1024)
        raw = gzip.decompress(bomb.data)  # checks the CRC-32 and the size
        assert len(raw) == bomb.expanded, shape
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            sizes = [member.size for member in tar.getmembers()]
        assert len(sizes) == bomb.members and sum(sizes) > 0, (shape, sizes)
    assert ZeroCrc().extend(12345, 100_003) == zlib.crc32(bytes(100_003), 12345)


# --- The server and its memory --------------------------------------------------------------------


class LimitedServer(Server):
    """``server_compare``'s server, started with a request-size limit."""

    def __init__(self, python: str, db_url: str, max_request_bytes: int) -> None:
        """Starts the server (see ``Server``; only the limit is added)."""
        self.home = Path(tempfile.mkdtemp(prefix="flyte-bench-bomb-"))
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = self.home / "server.log"
        argv = [python, "-m", "flyte.server", "--port", str(self.port), "--db", db_url, "--home", str(self.home)]
        argv += ["--max-request-bytes", str(max_request_bytes)]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )


@dataclass
class MemorySampler:
    """Samples the resident memory of a process and of its process tree on a thread."""

    pid: int
    samples: list[tuple[float, int, int]] = field(default_factory=list)
    """(monotonic time, process RSS, tree RSS), bytes."""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sample(self) -> tuple[int, int] | None:
        import psutil

        try:
            root = psutil.Process(self.pid)
            own = root.memory_info().rss
            tree = own
            for child in root.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    tree += child.memory_info().rss
        except psutil.Error:
            return None
        return own, tree

    def _loop(self, deadline: float) -> None:
        while not self._stop.is_set() and time.monotonic() < deadline:
            sample = self._sample()
            if sample is not None:
                self.samples.append((time.monotonic(), *sample))
            self._stop.wait(SAMPLE_S)

    def start(self, deadline_s: float) -> None:
        """Samples until :meth:`stop`, or for at most ``deadline_s`` seconds."""
        self._thread = threading.Thread(target=self._loop, args=(time.monotonic() + deadline_s,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops sampling and waits for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def peak(self, start: float, end: float) -> tuple[int, int] | None:
        """The largest process and tree RSS sampled between ``start`` and ``end``."""
        window = [(own, tree) for t, own, tree in self.samples if start <= t <= end]
        if not window:
            return None
        return max(own for own, _ in window), max(tree for _, tree in window)


# --- Measuring --------------------------------------------------------------------------------------


@dataclass
class Upload:
    """One upload of the bomb: when, how long, and the answer."""

    start: float
    seconds: float
    status: int | None
    detail: str


@dataclass
class Result:
    """What one shape measured."""

    shape: str
    compressed: int
    expanded: int
    members: int
    uploads: list[Upload] = field(default_factory=list)
    before_s: list[float] = field(default_factory=list)
    during_s: list[float] = field(default_factory=list)
    idle_rss: tuple[int, int] | None = None
    peak_rss: tuple[int, int] | None = None
    error: str = ""


def _upload_loop(
    endpoint: str, copies: Callable[[int], Bomb], window_s: float, timeout: float, out: list[Upload]
) -> None:
    """Uploads distinct copies of the bomb back to back until ``window_s`` has passed (at least one).

    Each copy has a hash of its own: the server checks it, where it would skip a bundle it has.
    """
    import httpx

    end = time.monotonic() + window_s
    with httpx.Client(base_url=endpoint, timeout=timeout) as client:
        i = 0
        while i == 0 or time.monotonic() < end:
            bomb = copies(i)
            start = time.monotonic()
            try:
                response = client.put(
                    f"/api/v1/bundles/{bomb.digest}", content=bomb.data, headers={"content-type": "application/gzip"}
                )
                status, detail = response.status_code, response.text[:200]
            except httpx.HTTPError as e:
                status, detail = None, f"{type(e).__name__}: {e}"
            out.append(Upload(start, time.monotonic() - start, status, detail))
            i += 1


def _hello_run(task: Any, i: int) -> tuple[float, float]:
    """Runs the hello task once; returns its (start, seconds) from ``flyte.run`` to its outputs."""
    import flyte
    from flyte.remote import Run as RemoteRun

    start = time.monotonic()
    run = flyte.run(task, f"n{i}")
    # With an endpoint set, the handle is the server's run, whose wait takes a deadline.
    assert isinstance(run, RemoteRun), type(run)
    run.wait(timeout=HELLO_TIMEOUT_S)
    value = run.outputs()[0]
    if value != f"hello n{i}":
        raise RuntimeError(f"hello run {run.name} returned {value!r}")
    return start, time.monotonic() - start


def measure(shape: str, db_url: str, folder: Path, opts: argparse.Namespace) -> Result:
    """Starts a server, times hello runs before and during the bomb uploads, samples memory."""
    import flyte
    from flyte._internal.module_loader import load_file

    bomb = make_bomb(shape, opts.max_request_bytes)
    result = Result(shape, len(bomb.data), bomb.expanded, bomb.members)
    server = LimitedServer(opts.python, db_url, opts.max_request_bytes)
    sampler: MemorySampler | None = None
    try:
        server.wait_ready()
        flyte.init(endpoint=server.endpoint, root_dir=folder)
        wf = load_file(folder / "bench_bomb_hello.py")
        _hello_run(wf.hello, -1)  # uploads the hello bundle and starts the zygote: untimed
        sampler = MemorySampler(server.process.pid)
        sampler.start(deadline_s=opts.before * HELLO_TIMEOUT_S + opts.during + opts.upload_timeout + 60)
        idle_start = time.monotonic()
        for i in range(opts.before):
            result.before_s.append(_hello_run(wf.hello, i)[1])
        result.idle_rss = sampler.peak(idle_start, time.monotonic())

        uploader = threading.Thread(
            target=_upload_loop,
            args=(
                server.endpoint,
                bomb.copy,
                opts.during,
                opts.upload_timeout,
                result.uploads,
            ),
            daemon=True,
        )
        window_start = time.monotonic()
        uploader.start()
        i = opts.before
        runs: list[tuple[float, float]] = []
        while uploader.is_alive():
            runs.append(_hello_run(wf.hello, i))
            i += 1
        uploader.join()
        window_end = time.monotonic()
        # A run overlapping the window saw the server busy with the bomb for some of its time.
        result.during_s = [seconds for start, seconds in runs if start < window_end and start + seconds > window_start]
        result.peak_rss = sampler.peak(window_start, window_end)
    except Exception as e:  # the table says what failed rather than losing the other shapes
        result.error = f"{type(e).__name__}: {e}".splitlines()[0]
        if server.process.poll() is not None:
            result.error += f" (the server exited with {server.process.returncode})"
        print(f"[{shape}] {result.error}\n{_tail(server.log)}", file=sys.stderr)
    finally:
        if sampler is not None:
            sampler.stop()
        _forget_server()
        server.stop()
    return result


def _forget_server() -> None:
    """Drops the SDK's clients and init state: the next shape has a server of its own."""
    from flyte._initialize import reset
    from flyte._internal.client import close_clients

    close_clients()
    reset()


def _tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


# --- Report ---------------------------------------------------------------------------------------


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / MIB:,.0f}"


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values) * 1000:,.0f}/{max(values) * 1000:,.0f} ({len(values)})"


def table(results: list[Result], limit: int) -> str:
    """The results as one aligned text table, with notes."""
    header = [
        "shape",
        "gzip MiB",
        "expands to",
        "uploads",
        "status",
        "upload s p50/max",
        "server RSS MiB idle/peak",
        "tree RSS MiB idle/peak",
        "hello ms p50/max (n) before",
        "during",
    ]
    rows = [header]
    for r in results:
        statuses = sorted({str(u.status) for u in r.uploads}) or ["-"]
        times = [u.seconds for u in r.uploads]
        idle, peak = r.idle_rss or (None, None), r.peak_rss or (None, None)
        rows.append(
            [
                r.shape,
                f"{r.compressed / MIB:.1f}",
                f"{r.expanded / 2**30:,.1f} GiB in {r.members:,}",
                str(len(r.uploads)),
                ",".join(statuses),
                f"{statistics.median(times):.3f}/{max(times):.3f}" if times else "-",
                f"{_mib(idle[0])}/{_mib(peak[0])}",
                f"{_mib(idle[1])}/{_mib(peak[1])}",
                _ms(r.before_s),
                _ms(r.during_s),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    lines.append(
        f"server started with --max-request-bytes {limit:,}; upload s: one PUT of the bomb; RSS: sampled every "
        f"{SAMPLE_S * 1000:.0f} ms, idle = during the 'before' runs, peak = during the uploads; tree = the server and "
        "every process under it (zygotes, workers); hello ms: flyte.run to outputs, (n) runs."
    )
    for r in results:
        if r.uploads:
            lines.append(f"{r.shape}: first answer {r.uploads[0].status}: {r.uploads[0].detail.strip()}")
        if r.error:
            lines.append(f"{r.shape} FAILED: {r.error}")
    return "\n".join(lines)


def _size(text: str) -> int:
    units = {"kib": 1024, "mib": MIB, "gib": 1024 * MIB}
    lowered = text.strip().lower()
    for suffix, factor in units.items():
        if lowered.endswith(suffix):
            return int(float(lowered[: -len(suffix)]) * factor)
    return int(lowered)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", default=sys.executable, help="python of the server (default: this one)")
    p.add_argument(
        "--max-request-bytes", type=_size, default=32 * MIB, help="the server's upload limit (default 32MiB)"
    )
    p.add_argument("--during", type=float, default=10.0, help="seconds of back-to-back uploads (default 10)")
    p.add_argument("--before", type=int, default=10, help="timed hello runs before the uploads (default 10)")
    p.add_argument("--upload-timeout", type=float, default=120.0, help="client timeout of one upload (default 120)")
    p.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES, help="bombs to try (default: both)")
    p.add_argument("--json", type=Path, help="also write every measurement to this file")
    return p.parse_args(argv)


@contextlib.contextmanager
def _workflow_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="flyte-bench-bomb-wf-"))
    (folder / "bench_bomb_hello.py").write_text(HELLO)
    try:
        yield folder
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints the table."""
    opts = parse_args(argv)
    self_check()
    results: list[Result] = []
    with _workflow_folder() as folder:
        for shape in opts.shapes:
            print(f"[{shape}] building the bomb and starting a server", file=sys.stderr)
            with sqlite_url() as db_url:
                results.append(measure(shape, db_url, folder, opts))
    print(table(results, opts.max_request_bytes))
    if opts.json is not None:
        opts.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
