"""Files: tasks pass ``flyte.io.File`` references, read them, and write new files.

``upload_local`` turns ``./local_file.txt`` (in the working folder) into a File; ``process_file``
reads it, upper-cases and numbers its lines and returns a new ``output.txt``. Both are sync
tasks, where File's methods block (``content = input_file.read()``); ``describe`` is an async
task, where the same methods are awaited (``await f.read()``, ``async with f.open()``). Only the
reference travels between tasks; the content stays in storage: beside the run locally, in the
object store when the run's raw-data path is one (``s3://...``).

``main`` writes ``local_file.txt`` in the working folder if there is none (and removes it when
done). Run it with ``flyte run --local examples/files.py main`` or ``python examples/files.py``.
"""

import tempfile
from pathlib import Path

import flyte
import flyte.io

env = flyte.TaskEnvironment(name="files")

#: The file ``upload_local`` uploads, relative to the working folder.
LOCAL_FILE = Path("local_file.txt")
#: What ``main`` writes to it when it does not exist.
SAMPLE_TEXT = "hello flyte\nfiles travel by reference\n"


def process_data(content: str) -> str:
    """Upper-case each line of ``content`` and number it from 1."""
    lines = content.splitlines()
    return "".join(f"{number}: {line.upper()}\n" for number, line in enumerate(lines, start=1))


@env.task
def process_file(input_file: flyte.io.File) -> flyte.io.File:
    """Read a file, process its text and return the result as a new file."""
    # Read file content
    content = input_file.read()

    # Process content
    result = process_data(content)

    # Create output file
    return flyte.io.File.from_string(result, "output.txt")


@env.task
def upload_local() -> flyte.io.File:
    """Make a File of ``./local_file.txt``, copied into the run's data so that it outlives the task."""
    # Upload local file
    return flyte.io.File.from_local("./local_file.txt")


@env.task
async def describe(original: flyte.io.File, processed: flyte.io.File) -> dict:
    """Read both files with the async forms of File's methods and describe them."""
    source_text = await original.read()
    processed_text = await processed.read()

    # Stream the first bytes instead of reading the whole file.
    async with processed.open("rb") as fh:
        head = await fh.read(2)

    # A local copy of the processed file, in a folder removed afterwards.
    with tempfile.TemporaryDirectory() as folder:
        copy = await processed.download(folder)
        same_copy = Path(copy).read_text() == processed_text

    # Files are made the same way in async code: await the call.
    summary = await flyte.io.File.from_string(f"{len(processed_text.splitlines())} lines\n", "summary.txt")

    return {
        "input": source_text,
        "output": processed_text,
        "output_name": processed.name,
        "head": head.decode(),
        "download_matches": same_copy,
        "summary_exists": await summary.exists(),
        "summary": await summary.read(),
    }


@env.task
async def main() -> dict:
    """Write ``local_file.txt`` if needed, upload it, process it and describe the result."""
    created = not LOCAL_FILE.exists()
    if created:
        LOCAL_FILE.write_text(SAMPLE_TEXT)
    try:
        uploaded = await upload_local.aio()
        processed = await process_file.aio(uploaded)
        return await describe(uploaded, processed)
    finally:
        if created:
            LOCAL_FILE.unlink()


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
