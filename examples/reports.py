"""Reports: tasks with ``report=True`` write HTML that is saved with their run.

``generate_report`` logs to the main tab; ``streaming_report`` replaces a "Progress" tab as it
goes and flushes after each step, so the report can be watched while the task runs. Locally the
HTML is stored in the run's records (the ``reports`` table of the local database). Run it with
``flyte run --local examples/reports.py main`` or ``python examples/reports.py``.
"""

import time

import flyte

env = flyte.TaskEnvironment(name="reports")


def process_data() -> int:
    """Some work worth reporting on."""
    return sum(i * i for i in range(1_000))


@env.task(report=True)
def generate_report():
    """Log a start and an end message to the main tab."""
    flyte.report.log("<h1>Processing Started</h1>")

    # Do work
    process_data()

    flyte.report.log("<p>Processing completed successfully</p>")
    flyte.report.flush()  # Send to UI


@env.task(report=True)
def streaming_report():
    """Show progress in its own tab, flushing after every step."""
    tab = flyte.report.get_tab("Progress")

    for i in range(0, 101, 25):
        tab.replace(f"<div>Progress: {i}%</div>")
        flyte.report.flush()
        time.sleep(0.01)


@env.task
async def main() -> str:
    """Run both reporting tasks."""
    await generate_report.aio()
    await streaming_report.aio()
    return "reports written"


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
