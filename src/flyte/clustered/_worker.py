"""One process of a local clustered gang: ``python -m flyte.clustered._worker SPEC OUT_DIR``.

``SPEC`` (JSON, written by :mod:`flyte.clustered._launcher`) names the task's module and task, the
file holding its encoded inputs and the action that started the gang; the rank and the rest of
the topology come from the environment. The process imports the module, runs the task's body and,
on rank 0, writes the encoded result to ``OUT_DIR/result.bin``. A failing body writes
``OUT_DIR/error-<rank>.json`` (type, message, traceback) and exits with code 1.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import os
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

RESULT_FILE = "result.bin"
_ORPHAN_CHECK_S = 0.5


def error_file(out_dir: Path, rank: int) -> Path:
    """Where rank ``rank`` reports its failure."""
    return out_dir / f"error-{rank}.json"


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _exit_with_launcher(launcher_pid: int) -> None:
    """Ends this process once the launching process is gone: a gang must not outlive its task,
    and a process in a session of its own gets no signal when its parent dies."""
    stop = threading.Event()
    while not stop.wait(_ORPHAN_CHECK_S):
        if os.getppid() != launcher_pid:
            os._exit(1)


def _find_task(module_ref: str, task_name: str) -> Any:
    from flyte._internal.module_loader import load_ref
    from flyte._task import AsyncFunctionTaskTemplate
    from flyte.errors import ModuleLoadError

    module = load_ref(module_ref)
    for value in vars(module).values():
        if isinstance(value, AsyncFunctionTaskTemplate) and value.name == task_name:
            return value
    raise ModuleLoadError(f"Clustered task '{task_name}' is not defined at the top level of {module_ref}")


async def _run(spec: dict[str, Any], out_dir: Path, rank: int) -> None:
    from flyte._context import current_action
    from flyte.clustered._rank_context import ActionInfo, rank_action

    task = _find_task(spec["module"], spec["task"])
    info = ActionInfo(**spec["action"])
    pool = ThreadPoolExecutor(thread_name_prefix="flyte-rank")
    action = rank_action(info, asyncio.get_running_loop(), pool)
    token = current_action.set(action)
    try:
        values = task.interface.decode_inputs(Path(spec["inputs"]).read_bytes())
        if getattr(task, "body_is_async", task.is_async):
            value = await task.func(**values)
        else:
            context = contextvars.copy_context()
            value = await asyncio.get_running_loop().run_in_executor(pool, lambda: context.run(task.func, **values))
        if rank == 0:
            _write_atomically(out_dir / RESULT_FILE, task.interface.encode_output(value))
    finally:
        current_action.reset(token)
        pool.shutdown(wait=False)


def main(argv: list[str]) -> int:
    """Runs this rank's share of the gang; the exit code is 0 when the body succeeded."""
    spec_path, out_dir = Path(argv[0]), Path(argv[1])
    rank = int(os.environ["RANK"])
    spec = json.loads(spec_path.read_text())
    threading.Thread(
        target=_exit_with_launcher, args=(int(spec["launcher_pid"]),), name="flyte-orphan-check", daemon=True
    ).start()
    for entry in reversed(spec["sys_path"]):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    try:
        asyncio.run(_run(spec, out_dir, rank))
    except BaseException as e:
        report = {
            "type": type(e).__name__,
            "code": getattr(e, "code", None) if isinstance(getattr(e, "code", None), str) else None,
            "message": str(e),
            "traceback": traceback.format_exc(),
        }
        _write_atomically(error_file(out_dir, rank), json.dumps(report).encode())
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
