"""Compare our flyte engine with the real flyte SDK and plain Python on the bench workloads.

Usage::

    python bench/compare.py --real-python VENV/bin/python [--ours-python PATH] [--repeat 5]
                            [--only NAME ...] [--json OUT] [--skip-real-100k]

Every workload runs ``--repeat`` times per side, each time in a fresh subprocess with its own
temporary HOME/FLYTE_HOME/TMPDIR (see ``_runner.py``). The table shows medians of the in-process
seconds and of the whole-process wall time, the largest peak memory and the largest litter count.
Nothing is installed: the interpreters are used as they are.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from _runner import DEFAULT_SHARED_DIRS, RunSummary, run_once

HERE = Path(__file__).resolve().parent
WORKLOADS_DIR = HERE / "workloads"
SIDES = ("ours", "real", "plain")
HELLO_EXPECTED = "Hello, world!"
FANOUT_100K_MAX_SECONDS = 10.0
FANOUT_100K_MAX_MB = 300.0
FANOUT_100K_MAX_LITTER = 100  # "no per-action litter": far fewer entries than the 100k actions


@dataclass(frozen=True)
class Workload:
    """One benchmark: the script and arguments for the flyte sides and for the plain baseline."""

    name: str
    flyte_args: tuple[str, ...]
    plain_args: tuple[str, ...] | None
    cli: bool = False


WORKLOADS: tuple[Workload, ...] = (
    Workload("fanout_10k", ("fanout.py", "10000"), ("plain.py", "fanout", "10000")),
    Workload("chain", ("chain.py", "--steps", "200"), ("plain.py", "chain", "200")),
    Workload("chain_cached", ("chain.py", "--steps", "200", "--cached"), ("plain.py", "chain_cached", "200")),
    Workload("hello_cli", ("hello.py",), None, cli=True),
    Workload("fanout_100k", ("fanout.py", "100000"), ("plain.py", "fanout", "100000")),
)
NAMES = tuple(w.name for w in WORKLOADS)


@dataclass
class Summary(RunSummary):
    """All runs of one workload on one side, and their aggregates."""

    @property
    def seconds(self) -> float | None:
        """Median in-process seconds (None for the CLI workload or on failure)."""
        values = [r.seconds for r in self.runs if r.seconds is not None]
        return statistics.median(values) if self.ok and values else None

    @property
    def wall(self) -> float | None:
        """Median whole-process wall seconds."""
        return statistics.median(r.wall for r in self.runs) if self.ok else None

    @property
    def per_task_us(self) -> float | None:
        """Median in-process microseconds per task."""
        tasks = self.runs[0].tasks if self.ok else None
        return self.seconds * 1e6 / tasks if self.seconds is not None and tasks else None

    @property
    def litter(self) -> tuple[int, int] | None:
        """Largest (local, shared) litter counts over the runs."""
        if not self.ok:
            return None
        return max(r.litter_local for r in self.runs), max(r.litter_shared for r in self.runs)

    def notes(self) -> list[str]:
        """Warnings about successful runs whose numbers need care."""
        found = []
        if any(r.payload.get("cache_hits_ok") is False for r in self.runs):
            found.append("steps re-executed in the timed run (no cache hits)")
        if any(not r.shared_attributed for r in self.runs):
            found.append("shared litter could not be attributed to the run (other users may inflate it)")
        return found


def command(workload: Workload, side: str, python: str) -> list[str] | None:
    """Return the argv that runs ``workload`` on ``side``, or None if the side has no such run."""
    if workload.cli:
        if side == "plain":
            return None
        # The console script beside the interpreter; the script is copied into the fresh working
        # directory because the real CLI refuses files outside the current directory.
        flyte_cli = Path(python).parent / "flyte"
        return [str(flyte_cli), "run", "--local", workload.flyte_args[0], "main"]
    args = workload.plain_args if side == "plain" else workload.flyte_args
    if args is None:
        return None
    return [python, str(WORKLOADS_DIR / args[0]), *args[1:]]


def _runs_and_timeout(workload: Workload, side: str, opts: argparse.Namespace) -> tuple[int, float]:
    """Return how many times and with which timeout ``workload`` runs on ``side``."""
    if workload.name == "fanout_100k" and side == "real":
        return (0 if opts.skip_real_100k else opts.real_100k_runs), opts.real_100k_timeout
    return opts.repeat, opts.timeout


def measure(workload: Workload, pythons: dict[str, str], opts: argparse.Namespace) -> dict[str, Summary]:
    """Run one workload on every side, interleaving the sides so that drift hits them alike.

    Round ``i`` runs each side that still has runs to do, in alternating order; a side stops at
    its first failure (it is shown as FAILED, so the remaining repeats would be wasted).
    """
    argvs = {side: command(workload, side, pythons[side]) for side in SIDES}
    plans = {side: _runs_and_timeout(workload, side, opts) for side in SIDES}
    summaries = {
        side: Summary(skipped="-" if argvs[side] is None else "" if plans[side][0] else "skipped") for side in SIDES
    }
    for i in range(max(runs for runs, _ in plans.values())):
        for side in SIDES if i % 2 == 0 else tuple(reversed(SIDES)):
            argv, (runs, timeout), summary = argvs[side], plans[side], summaries[side]
            if argv is None or i >= runs or (summary.runs and not summary.runs[-1].ok):
                continue
            result = run_once(
                argv,
                timeout=timeout,
                shared_dirs=tuple(opts.shared_dir),
                expect_marker=HELLO_EXPECTED if workload.cli else None,
                remove_shared=not opts.keep_litter,
                copy_in=(WORKLOADS_DIR / workload.flyte_args[0],) if workload.cli else (),
            )
            summary.runs.append(result)
            shown = f"{result.seconds:.4f} s in-process, " if result.seconds is not None else ""
            print(
                f"[{workload.name}] {side} {i + 1}/{runs}: {'ok' if result.ok else 'FAILED'} {shown}"
                f"{result.wall:.3f} s wall, {result.maxrss_kib / 1024:.0f} MB, "
                f"litter {result.litter_local}+{result.litter_shared}",
                file=sys.stderr,
                flush=True,
            )
    return summaries


def _cell(summary: Summary, value: Callable[[Summary], str]) -> str:
    """Format one table cell: FAILED, a skip marker, or the value."""
    if summary.skipped:
        return summary.skipped
    return value(summary) if summary.ok else "FAILED"


def _verdict(checks: list[bool | None]) -> str:
    """Combine target checks: '?' when some input is missing, else yes/NO."""
    if any(c is None for c in checks):
        return "?"
    return "yes" if all(checks) else "NO"


def _ratio(num: float | None, den: float | None) -> float | None:
    """Return num/den, or None when either is missing."""
    return num / den if num is not None and den else None


def _le(a: float | None, b: float | None) -> bool | None:
    """Return a <= b, or None when either is missing."""
    return a <= b if a is not None and b is not None else None


def evaluate(name: str, s: dict[str, Summary]) -> tuple[str, str, str]:
    """Return (ratio text, target text, verdict) for one workload."""
    ours, real = s["ours"], s["real"]
    if name == "hello_cli":
        r = _ratio(ours.wall, real.wall)
        return _fmt_ratio("ours/real wall", r), "ours/real wall <= 0.5x", _verdict([_le(r, 0.5)])
    r = _ratio(real.per_task_us, ours.per_task_us)
    ratio = _fmt_ratio("real/ours", r)
    if name == "fanout_10k":
        return ratio, ">=10x and ours MB <= real", _verdict([_le(10, r), _le(ours.peak_mib, real.peak_mib)])
    if name == "chain_cached":
        return ratio, ">=10x", _verdict([_le(10, r)])
    if name == "fanout_100k":
        litter = sum(ours.litter) if ours.litter is not None else None
        checks = [
            _le(ours.seconds, FANOUT_100K_MAX_SECONDS),
            _le(ours.peak_mib, FANOUT_100K_MAX_MB),
            _le(litter, FANOUT_100K_MAX_LITTER),
        ]
        target = f"ours <{FANOUT_100K_MAX_SECONDS:g} s, <{FANOUT_100K_MAX_MB:g} MB, litter <{FANOUT_100K_MAX_LITTER}"
        return ratio, target, _verdict(checks)
    return ratio, "-", "n/a"


def _fmt_ratio(label: str, value: float | None) -> str:
    """Format a ratio with its label."""
    return f"{label} {value:.2f}x" if value is not None else f"{label} ?"


def table(results: dict[str, dict[str, Summary]], shared_dirs: list[str]) -> str:
    """Render the results as one plain-text table followed by notes and failures."""
    header = [
        "workload", "µs/task ours", "real", "plain", "ratio", "target", "met",
        "peak MB ours", "real", "litter ours", "real", "wall s ours", "real",
    ]  # fmt: skip
    rows = [header]
    for name, s in results.items():
        ratio, target, met = evaluate(name, s)
        if s["ours"].runs and not s["ours"].ok:
            met = "NO" if target != "-" else met  # a failed run meets no target
        rows.append(
            [
                name,
                *(_cell(s[side], lambda x: f"{x.per_task_us:,.1f}" if x.per_task_us else "-") for side in SIDES),
                ratio,
                target,
                met,
                *(_cell(s[side], lambda x: f"{x.peak_mib:,.0f}") for side in ("ours", "real")),
                *(_cell(s[side], lambda x: "{}+{}".format(*x.litter)) for side in ("ours", "real")),
                *(_cell(s[side], lambda x: f"{x.wall:.3f}") for side in ("ours", "real")),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    lines.append("µs/task: median in-process time / tasks; wall s: median whole-process time; peak MB: max ru_maxrss;")
    lines.append(
        "litter: entries left in the process's own HOME/TMPDIR/cwd + new entries under "
        + ", ".join(shared_dirs)
        + " (the real SDK writes there, ignoring TMPDIR)."
    )
    for name, s in results.items():
        for side in SIDES:
            lines.extend(f"note: {name} {side}: {note}" for note in s[side].notes())
            if s[side].runs and not s[side].ok:
                tail = s[side].error.replace("\n", "\n    ")
                lines.append(f"FAILED {name} {side}:\n    {tail}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--real-python", required=True, help="python of a venv with flyte==2.12.1")
    p.add_argument("--ours-python", default=sys.executable, help="python with our flyte (default: this one)")
    p.add_argument("--repeat", type=int, default=5, help="runs per workload and side (default 5)")
    p.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME", help=f"subset of {', '.join(NAMES)}")
    p.add_argument("--json", metavar="OUT", help="also write every measurement to this JSON file")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is killed (600)")
    p.add_argument("--skip-real-100k", action="store_true", help="do not run the real SDK at 100k")
    p.add_argument("--real-100k-runs", type=int, default=1, help="runs of the real SDK at 100k (1)")
    p.add_argument("--real-100k-timeout", type=float, default=600.0, help="timeout of those runs (600)")
    p.add_argument(
        "--shared-dir",
        action="append",
        default=list(DEFAULT_SHARED_DIRS),
        help="extra folder outside TMPDIR whose growth counts as litter (default: /tmp/flyte)",
    )
    p.add_argument("--keep-litter", action="store_true", help="keep the run folders found in shared dirs")
    opts = p.parse_args(argv)
    if opts.repeat < 1 or opts.real_100k_runs < 1:
        p.error("--repeat and --real-100k-runs must be at least 1")
    return opts


def main(argv: list[str] | None = None) -> int:
    """Run the selected workloads on every side and print the comparison table."""
    opts = parse_args(argv)
    pythons = {"ours": opts.ours_python, "real": opts.real_python, "plain": opts.ours_python}
    selected = [w for w in WORKLOADS if not opts.only or w.name in opts.only]
    results: dict[str, dict[str, Summary]] = {}
    for workload in selected:
        results[workload.name] = measure(workload, pythons, opts)
    print(f"ours: {opts.ours_python}\nreal: {opts.real_python}\nplain: {opts.ours_python} (no flyte)")
    print(f"repeat: {opts.repeat} (real at 100k: {opts.real_100k_runs})\n")
    print(table(results, opts.shared_dir))
    if opts.json:
        data = {
            "ours_python": opts.ours_python,
            "real_python": opts.real_python,
            "repeat": opts.repeat,
            "results": {
                name: {side: {"skipped": s.skipped, "runs": [asdict(r) for r in s.runs]} for side, s in sides.items()}
                for name, sides in results.items()
            },
        }
        Path(opts.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
