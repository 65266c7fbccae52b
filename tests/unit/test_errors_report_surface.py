"""Attributes of flyte.errors and flyte.report that the flyte SDK has: recoverable, xid/sxid, CODE,
Report.template_path and Report.has_content."""

from __future__ import annotations

from pathlib import Path

import pytest

from flyte import errors
from flyte.report import Report


@pytest.mark.parametrize(
    ("cls", "recoverable"),
    [
        (errors.AppleSiliconError, True),
        (errors.AppleSiliconNotAvailableError, False),
        (errors.AppleSiliconHostExecFailedError, False),
        (errors.AppleSiliconDaemonStartFailedError, False),
        (errors.AppleSiliconDaemonOOMError, True),
        (errors.AppleSiliconModelNotFoundError, False),
        (errors.AppleSiliconBridgeUnreachableError, True),
    ],
)
def test_apple_silicon_errors_say_whether_a_retry_can_help(
    cls: type[errors.AppleSiliconError], recoverable: bool
) -> None:
    err = cls("boom")
    assert err.recoverable is recoverable
    assert err.code == cls.code_name
    assert err.kind == "user"


def test_gpu_faults_expose_xid_or_sxid() -> None:
    xid = errors.GPUFaultUserError("GpuXidError", "page fault", fault_kind="xid", fault_code=31)
    assert (xid.xid, xid.sxid, xid.kind) == (31, None, "user")
    sxid = errors.GPUFaultSystemError("GpuNvlinkError", "switch", fault_kind="sxid", fault_code=12)
    assert (sxid.xid, sxid.sxid, sxid.kind) == (None, 12, "system")
    unknown = errors.GPUFaultError("GpuXidError", "system", "?")
    assert (unknown.xid, unknown.sxid) == (None, None)


def test_remote_task_errors_carry_their_code() -> None:
    assert errors.RemoteTaskNotFoundError.CODE == "RemoteTaskNotFoundError"
    assert errors.RemoteTaskUsageError.CODE == "RemoteTaskUsageError"
    err = errors.RemoteTaskNotFoundError("no such task")
    assert (err.code, err.kind) == (err.CODE, "user")
    assert errors.RemoteTaskUsageError("x").code == errors.RemoteTaskUsageError.CODE


def test_report_has_content_only_once_something_is_logged() -> None:
    report = Report("r")
    assert not report.has_content()
    report.get_tab("extra")
    assert not report.has_content()
    report.get_tab("extra").log("<p>hi</p>")
    assert report.has_content()


def test_report_renders_into_its_template(tmp_path: Path) -> None:
    template = tmp_path / "t.html"
    template.write_text("<nav>$NAV_HTML</nav><main>$BODY_HTML</main><i>$UNUSED</i>")
    report = Report("r", template_path=template)
    report.get_tab("main").log("<p>one</p>")
    report.get_tab("Charts & more").log("<p>two</p>")
    page = report.get_final_report()
    assert page.startswith("<nav><li>main</li><li>Charts &amp; more</li></nav><main>")
    assert "<p>one</p>" in page and "<p>two</p>" in page
    assert page.endswith("<i>$UNUSED</i>")
    assert Report("plain").template_path is None
    assert Report("plain").get_final_report().startswith("<!doctype html>")
