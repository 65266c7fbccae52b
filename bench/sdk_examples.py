"""Run the flyte-sdk repository's examples under the real SDK's local mode and under ours.

Usage::

    .venv/bin/python bench/sdk_examples.py PATH/TO/flyte-sdk --real-python ../flyte-real/bin/python

Every example script under ``examples/`` that has a ``__main__`` block calling ``run`` is executed
as a user would run it (``python example.py``), with no Flyte config, so both SDKs run it locally.
Each run gets a fresh ``HOME`` and ``TMPDIR`` and a private copy of the examples tree as its working
area, so nothing carries over between runs or sides.

The report groups the scripts into: passing in both, failing here only (regressions: the exit code
is 1 when there are any), passing here only, and failing in both (usually a missing third-party
package or a remote-only feature; those are not ours to pass). A script failing here only because
it imports a package the real SDK installs as its own dependency (``aiofiles``, say) is listed
apart (install that package next to this project to run it), and so is one that fails here by
design (``DELIBERATE_DIFFERENCES`` gives each reason). ``--json OUT`` keeps every result, and
``--real-results FILE`` reuses an earlier run's real-SDK column instead of running it again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

_RUNS_SOMETHING = re.compile(r"\.run\(|run_python_script\(")
_MAIN_BLOCK = re.compile(r"""^if\s+__name__\s*==\s*["']__main__["']\s*:""", re.MULTILINE)
_TAIL_LINES = 6


@dataclass
class Outcome:
    """How one example script ended under one SDK."""

    ok: bool
    seconds: float
    detail: str


def find_examples(checkout: Path) -> list[Path]:
    """Return the example scripts (relative to ``examples/``) that run a workflow when executed."""
    root = checkout / "examples"
    if not root.is_dir():
        raise SystemExit(f"error: {checkout} has no examples/ folder; pass a flyte-sdk checkout")
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if _MAIN_BLOCK.search(text) and _RUNS_SOMETHING.search(text):
            found.append(path.relative_to(root))
    return found


def _last_lines(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-_TAIL_LINES:])


def run_example(python: str, tree: Path, example: Path, timeout: float) -> Outcome:
    """Run one example with ``python`` in a fresh home, from the example's own folder in ``tree``."""
    with tempfile.TemporaryDirectory(prefix="sdk-example-") as scratch:
        home, tmp = Path(scratch, "home"), Path(scratch, "tmp")
        home.mkdir()
        tmp.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE_", "UNION_", "VIRTUAL_ENV"))}
        env.update(HOME=str(home), FLYTE_HOME=str(home), TMPDIR=str(tmp), PYTHONDONTWRITEBYTECODE="1")
        script = tree / example
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [python, script.name], cwd=script.parent, env=env, stdin=subprocess.DEVNULL,
                capture_output=True, text=True, timeout=timeout, start_new_session=True,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
            return Outcome(False, timeout, f"timed out after {timeout:g} s\n{_last_lines(stderr)}")
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            return Outcome(False, seconds, f"exit code {done.returncode}\n{_last_lines(done.stderr)}")
        return Outcome(True, seconds, "")


def run_side(python: str, checkout: Path, examples: list[Path], timeout: float, jobs: int) -> dict[str, Outcome]:
    """Run every example under one interpreter, on a private copy of the examples tree."""
    with tempfile.TemporaryDirectory(prefix="sdk-examples-tree-") as copy:
        tree = Path(copy, "examples")
        shutil.copytree(checkout / "examples", tree)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            outcomes = pool.map(lambda ex: (str(ex), run_example(python, tree, ex, timeout)), examples)
            results = {}
            for name, outcome in outcomes:
                results[name] = outcome
                mark = "ok" if outcome.ok else "FAIL"
                print(f"  {mark:4} {outcome.seconds:6.1f}s {name}", file=sys.stderr, flush=True)
            return results


def _load_results(path: Path) -> dict[str, Outcome]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: Outcome(**fields) for name, fields in data["real"].items()}


#: Examples that pass in the real SDK's local mode and fail here by design, with the reason.
DELIBERATE_DIFFERENCES: dict[str, str] = {
    "advanced/large_inline_io.py": (
        "it shows InlineIOMaxBytesBreached, which a server raises; the real local mode skips the check, "
        "we enforce the limit locally too"
    ),
    "basics/pydantic_models.py": "it imports flyte._image.DIST_FOLDER, a private name for building the SDK itself",
    "basics/types/dict_to_model_inputs.py": (
        "it imports flyte.types._type_engine and edits protobuf literal types, private internals of the real SDK"
    ),
}

_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")


def missing_dependency(outcome: Outcome) -> str | None:
    """The third-party module an example failed to import (one the real SDK installs with
    itself, such as ``aiofiles``), or None; a missing ``flyte`` module is a gap of ours."""
    found = _MISSING_MODULE.findall(outcome.detail)
    if found and found[-1].split(".")[0] != "flyte":
        return found[-1]
    return None


def report(real: dict[str, Outcome], ours: dict[str, Outcome]) -> int:
    """Print the comparison and return the number of regressions (real passes, ours fails,
    not for want of a third-party package)."""
    names = sorted(set(real) & set(ours))
    both = [n for n in names if real[n].ok and ours[n].ok]
    failing = [n for n in names if real[n].ok and not ours[n].ok]
    packages = {n: dep for n in failing if (dep := missing_dependency(ours[n])) is not None}
    deliberate = [n for n in failing if n in DELIBERATE_DIFFERENCES and n not in packages]
    regressions = [n for n in failing if n not in packages and n not in deliberate]
    ours_only = [n for n in names if ours[n].ok and not real[n].ok]
    neither = [n for n in names if not real[n].ok and not ours[n].ok]
    print(f"examples run: {len(names)}")
    print(f"  pass in both:             {len(both)}")
    print(f"  pass in the real SDK only: {len(regressions)}")
    print(f"    + for want of a package the real SDK installs: {len(packages)}")
    print(f"    + by design: {len(deliberate)}")
    print(f"  pass here only:           {len(ours_only)}")
    print(f"  fail in both:             {len(neither)}")
    if both:
        real_s = sum(real[n].seconds for n in both)
        ours_s = sum(ours[n].seconds for n in both)
        ratios = sorted(real[n].seconds / max(ours[n].seconds, 1e-3) for n in both)
        print(f"  wall time of the common passes: real {real_s:.1f} s, ours {ours_s:.1f} s ({real_s / ours_s:.1f}x)")
        print(f"  median per-example speed-up: {ratios[len(ratios) // 2]:.1f}x")
    for name, package in sorted(packages.items()):
        print(f"NEEDS PACKAGE: {name} ({package})")
    for name in deliberate:
        print(f"BY DESIGN: {name}: {DELIBERATE_DIFFERENCES[name]}")
    for name in regressions:
        print(f"\nFAILS HERE: {name}\n{ours[name].detail}")
    return len(regressions)


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse options, run both sides and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a checkout of the flyte-sdk repository")
    parser.add_argument("--real-python", help="python of a venv holding flyte==2.12.1")
    parser.add_argument("--real-results", type=Path, help="reuse the real side of an earlier --json file")
    parser.add_argument("--ours-python", default=sys.executable, help="python with this project's flyte")
    parser.add_argument("--only", nargs="*", default=[], help="run only examples whose path contains one of these")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before an example is killed")
    parser.add_argument("--jobs", type=int, default=2, help="examples run at once per side")
    parser.add_argument("--json", type=Path, help="write every result to this file")
    args = parser.parse_args(argv)
    if not args.real_python and not args.real_results:
        parser.error("pass --real-python or --real-results")
    examples = find_examples(args.checkout)
    if args.only:
        examples = [ex for ex in examples if any(part in str(ex) for part in args.only)]
    if args.real_results:
        real = _load_results(args.real_results)
        examples = [ex for ex in examples if str(ex) in real]
    else:
        print(f"real SDK: {len(examples)} examples", file=sys.stderr)
        real = run_side(args.real_python, args.checkout, examples, args.timeout, args.jobs)
    print(f"ours: {len(examples)} examples", file=sys.stderr)
    ours = run_side(args.ours_python, args.checkout, examples, args.timeout, args.jobs)
    if args.json:
        payload = {side: {n: asdict(o) for n, o in res.items()} for side, res in (("real", real), ("ours", ours))}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 1 if report(real, ours) else 0


if __name__ == "__main__":
    sys.exit(main())
