"""Data benchmarks: Files and DataFrames through our flyte, the real SDK and direct baselines.

Usage::

    python bench/data_compare.py --real-python VENV/bin/python [--ours-python PATH] [--repeat 5]
                                 [--only NAME ...] [--skip-s3] [--weed PATH] [--json OUT]

Rows (see bench/README.md, "Data benchmarks"): ``file_1gib_local``, ``file_1gib_s3`` (a SeaweedFS
S3 server started here on 127.0.0.1 and stopped at the end), ``file_100mb`` and
``dataframe_10m`` (two table lines: the file round trip that the target uses, and the plain
``pd.DataFrame`` hand-over with our in-process shortcut). Every measurement is a fresh subprocess
with its own temporary HOME/FLYTE_HOME/TMPDIR (``_runner.run_once``); the sides of a row are
interleaved round by round. The table shows medians of the in-process seconds and the largest
peak memory (``ru_maxrss`` from ``os.wait4``). A run whose digest or row summary is wrong fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from _runner import RunResult, RunSummary, run_once

from flyte.testing.seaweedfs import S3Server, start_s3
from flyte.testing.seaweedfs import version as seaweed_version

HERE = Path(__file__).resolve().parent
WORKLOADS = HERE / "workloads"
sys.path.insert(0, str(WORKLOADS))
from _blocks import MIB, expected_sha256  # noqa: E402

GIB, FILE_100 = 1 << 30, 100 << 20
FRAME_ROWS = 10_000_000
GROUPS = ("file_1gib_local", "file_1gib_s3", "file_100mb", "dataframe_10m")
# Run order: the S3 row last, so that the gigabytes SeaweedFS writes to disk disturb no other row.
RUN_ORDER = ("file_1gib_local", "file_100mb", "dataframe_10m", "file_1gib_s3")
# Rows whose timed part is a fraction of a second run this many times --repeat: noise dominates them.
REPEAT_FACTOR = {"file_100mb": 3}
BASELINE = {
    "file_1gib_local": "plain",
    "file_1gib_s3": "obstore",
    "file_100mb": "plain",
    "dataframe_10m": "pyarrow",
}
SIDES = ("ours", "base", "real", "ours_frame")


@dataclass
class Summary(RunSummary):
    """All runs of one side of a row, and their medians."""

    def median(self, key: str) -> float | None:
        """Median of a payload number (``seconds``, ``write_s``, ``read_s``) or of ``wall``."""
        if not self.ok:
            return None
        values = [r.wall if key == "wall" else r.payload.get(key) for r in self.runs]
        numbers = [float(v) for v in values if isinstance(v, (int, float))]
        return statistics.median(numbers) if numbers else None

    @property
    def seconds(self) -> float | None:
        """Median in-process seconds of the timed part."""
        return self.median("seconds")


def build_commands(
    group: str, py: dict[str, str], digests: dict[int, str], s3: S3Server | None
) -> dict[str, list[str]]:
    """The argv of each side of ``group`` (sides absent from the result do not run)."""
    f, p = str(WORKLOADS / "data_file.py"), str(WORKLOADS / "data_plain.py")
    fr = str(WORKLOADS / "data_frame.py")
    if group == "file_1gib_local":
        args = ["1GiB", "--expect", digests[GIB]]
        return {
            "ours": [py["ours"], f, "stream", *args],
            "base": [py["ours"], p, "stream", *args],
            "real": [py["real"], f, "stream", *args],
        }
    if group == "file_1gib_s3":
        assert s3 is not None
        args = ["1GiB", "--expect", digests[GIB]]
        return {
            "ours": [py["ours"], f, "stream", *args, "--raw-data-path", s3.uri("ours")],
            "base": [py["ours"], p, "obstore", *args, "--bucket", s3.bucket],
        }
    if group == "file_100mb":
        args = ["100MiB", "--expect", digests[FILE_100]]
        return {
            "ours": [py["ours"], f, "local", *args],
            "base": [py["ours"], p, "stream", *args],
            "real": [py["real"], f, "local", *args],
        }
    rows = str(FRAME_ROWS)
    cmds = {
        "ours": [py["ours"], fr, rows, "--variant", "file"],
        "base": [py["ours"], p, "frame", rows],
        "ours_frame": [py["ours"], fr, rows, "--variant", "frame"],
    }
    # The real SDK runs the same script when its venv has the frame libraries (it needs no extra).
    if has_modules(py["real"], "pandas", "pyarrow"):
        cmds["real"] = [py["real"], fr, rows, "--variant", "file"]
    return cmds


def skip_reasons(group: str, py: dict[str, str], argvs: dict[str, list[str]]) -> dict[str, str]:
    """Why a side that could run for ``group`` does not (shown below the table)."""
    if group == "dataframe_10m" and "real" not in argvs:
        return {"real": "not run: the real SDK's venv has no pandas/pyarrow"}
    return {}


def has_modules(python: str, *names: str) -> bool:
    """Whether ``python`` can import every module in ``names``."""
    probe = "import importlib.util as u, sys; sys.exit(any(u.find_spec(n) is None for n in sys.argv[1:]))"
    return subprocess.run([python, "-c", probe, *names], capture_output=True).returncode == 0


def measure(
    group: str, argvs: dict[str, list[str]], opts: argparse.Namespace, skipped: dict[str, str] | None = None
) -> dict[str, Summary]:
    """Run every side of ``group`` ``--repeat`` times, interleaved; a side stops at its first failure.

    First ``--warmup`` discarded runs of the baseline side settle the machine (page cache, disk
    writeback), which otherwise slows whichever run comes first.
    """
    skipped = skipped or {}
    summaries = {s: Summary() if s in argvs else Summary(skipped=skipped.get(s, "-")) for s in SIDES}
    order = [side for side in SIDES if side in argvs]
    for i in range(opts.warmup):
        result = settled_run(argvs["base"], opts)
        print(
            f"[{group}] warm-up {i + 1}/{opts.warmup} (base, discarded): {'ok' if result.ok else 'FAILED'} "
            f"{result.wall:.2f} s wall",
            file=sys.stderr,
            flush=True,
        )
    repeat = opts.repeat * REPEAT_FACTOR.get(group, 1)
    for i in range(repeat):
        for side in order if i % 2 == 0 else reversed(order):
            summary = summaries[side]
            if summary.runs and not summary.runs[-1].ok:
                continue
            result = settled_run(argvs[side], opts)
            summary.runs.append(result)
            shown = f"{result.seconds:.3f} s timed, " if result.seconds is not None else ""
            print(
                f"[{group}] {side} {i + 1}/{repeat}: {'ok' if result.ok else 'FAILED'} {shown}"
                f"{result.wall:.2f} s wall, {result.maxrss_kib / 1024:.0f} MiB",
                file=sys.stderr,
                flush=True,
            )
    return summaries


def settled_run(argv: list[str], opts: argparse.Namespace) -> RunResult:
    """``run_once`` after ``os.sync()``: dirty pages left by earlier runs (or by SeaweedFS) are
    written back first, instead of competing with this run for the disk."""
    os.sync()
    return run_once(argv, timeout=opts.timeout)


@contextlib.contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables (inherited by the runs) for the duration of the block."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def find_weed(opts: argparse.Namespace) -> str | None:
    """``--weed``, else ``weed`` beside the ours interpreter, else on PATH."""
    if opts.weed:
        return str(opts.weed)
    beside = Path(opts.ours_python).parent / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


def _ratio(num: float | None, den: float | None) -> float | None:
    return num / den if num is not None and den else None


def _verdict(checks: list[bool | None]) -> str:
    if any(c is None for c in checks):
        return "NO" if any(c is False for c in checks) else "?"
    return "yes" if all(checks) else "NO"


def _cmp(value: float | None, test: Callable[[float], bool]) -> bool | None:
    return test(value) if value is not None else None


def evaluate(line: str, s: dict[str, Summary]) -> tuple[str, str, str]:
    """Return (ratio text, target text, verdict) of one table line."""
    ours = s["ours_frame"] if line == "dataframe_10m_frame" else s["ours"]
    base, real = s["base"], s["real"]
    if line == "file_1gib_s3":
        r = _ratio(base.seconds, ours.seconds)
        checks = [_cmp(r, lambda x: x >= 0.7)]
        return _fmt("ours/obstore thr", r), "ours thr >= 0.7x obstore", _verdict(checks)
    if line == "file_100mb":
        r = _ratio(ours.seconds, real.seconds)
        return _fmt("ours/real time", r), "ours time <= real", _verdict([_cmp(r, lambda x: x <= 1.0)])
    r = _ratio(ours.seconds, base.seconds)
    if line == "file_1gib_local":
        checks = [_cmp(r, lambda x: x <= 1.2), _cmp(ours.peak_mib, lambda x: x < 100)]
        return _fmt("ours/plain time", r), "<= 1.2x plain, peak < 100 MiB", _verdict(checks)
    if line == "dataframe_10m":
        return _fmt("ours/pyarrow time", r), "<= 1.5x pyarrow", _verdict([_cmp(r, lambda x: x <= 1.5)])
    return _fmt("ours/pyarrow time", r), "- (reported)", "n/a"


def _fmt(label: str, value: float | None) -> str:
    return f"{label} {value:.2f}x" if value is not None else f"{label} ?"


def _cell(summary: Summary, value: Callable[[Summary], str]) -> str:
    if summary.skipped:
        return "-" if summary.skipped == "-" else "skipped"
    return value(summary) if summary.ok else "FAILED"


def _secs(x: Summary) -> str:
    w, r = x.median("write_s"), x.median("read_s")
    split = f" ({w:.2f}+{r:.2f})" if w is not None and r is not None else ""
    return f"{x.seconds:.3f}{split}"


def _rate(nbytes: int | None) -> Callable[[Summary], str]:
    def show(x: Summary) -> str:
        w, r = x.median("write_s"), x.median("read_s")
        if not nbytes or w is None or r is None:
            return "-"
        return f"{nbytes / MIB / w:,.0f}/{nbytes / MIB / r:,.0f}"

    return show


def table(results: dict[str, dict[str, Summary]]) -> str:
    """Render the results as one plain-text table followed by notes and failures."""
    header = [
        "row",
        "baseline",
        "ours s (w+r)",
        "base s (w+r)",
        "real s (w+r)",
        "ratio",
        "target",
        "met",
        "ours MiB/s w/r",
        "base MiB/s w/r",
        "peak MiB ours",
        "base",
        "real",
        "wall s ours",
        "real",
    ]
    rows = [header]
    sizes = {"file_1gib_local": GIB, "file_1gib_s3": GIB, "file_100mb": FILE_100}
    for group, s in results.items():
        for line in (group, "dataframe_10m_frame") if group == "dataframe_10m" else (group,):
            ours = s["ours_frame"] if line == "dataframe_10m_frame" else s["ours"]
            ratio, target, met = evaluate(line, s)
            if ours.runs and not ours.ok and met != "n/a":
                met = "NO"
            rate = _rate(sizes.get(group))
            rows.append(
                [
                    line,
                    BASELINE[group],
                    _cell(ours, _secs),
                    _cell(s["base"], _secs),
                    _cell(s["real"], _secs),
                    ratio,
                    target,
                    met,
                    _cell(ours, rate),
                    _cell(s["base"], rate),
                    *(_cell(x, lambda x: f"{x.peak_mib:,.0f}") for x in (ours, s["base"], s["real"])),
                    *(_cell(x, lambda x: f"{x.median('wall'):.2f}") for x in (ours, s["real"])),
                ]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    lines.append(
        "s: median timed seconds (write+read); MiB/s: size / median write or read seconds; "
        "peak MiB: max ru_maxrss of the whole process; wall s: median whole-process time; "
        f"runs per side: --repeat ({', '.join(f'{g}: {n}x' for g, n in REPEAT_FACTOR.items())})."
    )
    for group, s in results.items():
        for side in SIDES:
            if s[side].runs and not s[side].ok:
                tail = s[side].error.replace("\n", "\n    ")
                lines.append(f"FAILED {group} {side}:\n    {tail}")
            elif s[side].skipped not in ("", "-"):
                lines.append(f"note: {group} {side}: {s[side].skipped}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--real-python", required=True, help="python of a venv with flyte==2.12.1")
    p.add_argument("--ours-python", default=sys.executable, help="python with our flyte (default: this one)")
    p.add_argument("--repeat", type=int, default=5, help="runs per row and side (default 5)")
    p.add_argument("--only", nargs="+", choices=GROUPS, metavar="NAME", help=f"subset of {', '.join(GROUPS)}")
    p.add_argument("--warmup", type=int, default=1, help="discarded baseline runs before each row (1)")
    p.add_argument("--skip-s3", action="store_true", help="do not start SeaweedFS; skip file_1gib_s3")
    p.add_argument("--weed", help="SeaweedFS binary (default: beside --ours-python, else on PATH)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is killed (600)")
    p.add_argument("--json", metavar="OUT", help="also write every measurement to this JSON file")
    opts = p.parse_args(argv)
    if opts.repeat < 1:
        p.error("--repeat must be at least 1")
    return opts


def main(argv: list[str] | None = None) -> int:
    """Run the selected rows and print the comparison table."""
    opts = parse_args(argv)
    py = {"ours": opts.ours_python, "real": opts.real_python}
    selected = [g for g in RUN_ORDER if not opts.only or g in opts.only]
    digests = {size: expected_sha256(size) for size in (GIB, FILE_100)}
    results: dict[str, dict[str, Summary]] = {}
    for group in selected:
        if group != "file_1gib_s3":
            argvs = build_commands(group, py, digests, None)
            results[group] = measure(group, argvs, opts, skip_reasons(group, py, argvs))
            continue
        weed = None if opts.skip_s3 else find_weed(opts)
        if weed is None:
            why = "skipped (--skip-s3)" if opts.skip_s3 else "skipped (no weed binary)"
            results[group] = {s: Summary(skipped=why if s in ("ours", "base") else "-") for s in SIDES}
            continue
        print(f"[{group}] starting SeaweedFS: {seaweed_version(weed)}", file=sys.stderr, flush=True)
        try:
            server = start_s3(weed)
        except (OSError, RuntimeError) as e:
            why = f"skipped (SeaweedFS did not start: {e})"
            results[group] = {s: Summary(skipped=why if s in ("ours", "base") else "-") for s in SIDES}
            continue
        try:
            with environ(server.environ()):
                results[group] = measure(group, build_commands(group, py, digests, server), opts)
        finally:
            server.stop()
    print(f"ours: {opts.ours_python}\nreal: {opts.real_python}\nrepeat: {opts.repeat}\n")
    results = {group: results[group] for group in GROUPS if group in results}  # the table's order
    print(table(results))
    if opts.json:
        data = {
            group: {side: {"skipped": x.skipped, "runs": [asdict(r) for r in x.runs]} for side, x in s.items()}
            for group, s in results.items()
        }
        Path(opts.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
