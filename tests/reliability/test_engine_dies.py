"""The engine itself dies (SIGKILL, as a cancelled CI job) in the middle of an `up`, right after the
workflow's PUT reached the API: the real engine's checkpoint keeps a pending `creating` operation and the
stack's lock.

The user's path, walked here: `pulumi cancel` (the lock), the next `up` refuses the workflow it finds
already there (never a silent takeover) and says why and what to do, one `up` with `adopt=True` takes it
back, `pulumi refresh --clear-pending-creates` drops the stale pending record, and the stack converges with
nothing duplicated and nothing lost. (Measured with v3.274.1: `refresh --import-pending-creates URN ID` drops
the record without putting the workflow in the state, so it is not the way back for a dynamic resource.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from tests.reliability.support import (
    QS_API,
    QS_PROCESSOR,
    QS_WORKFLOW,
    CutProxy,
    assert_account,
    new_project,
    state_ids,
)


def session_members(session: int) -> list[int]:
    """Live processes of a session. The engine starts each plugin in a process group of its own (so killing
    the engine's group orphans them, as a real SIGKILL of `pulumi` does), but they stay in its session."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":  # a zombie is dead, waiting to be reaped
            members.append(int(stat.parent.name))
    return members


def kill_session(session: int) -> None:
    """SIGKILL the engine and everything it started (the test's own cleanup: nothing is left running)."""
    for pid in session_members(session):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_engine_killed_mid_create_leaves_a_pending_operation_that_the_next_up_resolves(
    tmp_path: Path, fresh_cloudflare_local: Any, account_id: str
) -> None:
    server = fresh_cloudflare_local
    project = new_project("quickstart", tmp_path, server, account_id)
    account = project.account

    with CutProxy(server) as proxy:
        stack = project.stack(api_base=proxy.api_base)
        argv = [*stack.argv("up", "--yes", "--skip-preview")]
        engine = subprocess.Popen(
            argv,
            env=stack.env,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        proxy.cut_at(
            "PUT", f"/workflows/{QS_WORKFLOW}", deliver_reply=False, cut=lambda: kill_session(engine.pid)
        )
        output = engine.communicate(timeout=300)[0]
    assert proxy.tripped.is_set(), output
    assert engine.returncode == -signal.SIGKILL
    assert session_members(engine.pid) == [], "a process of the killed engine is still running"

    stack = project.stack()
    pending = stack.export()["deployment"].get("pending_operations") or []
    assert [(p["type"], p["resource"]["urn"].rsplit("::", 1)[-1]) for p in pending] == [
        ("creating", "orders")
    ]
    assert state_ids(stack) == {"order-processor": QS_PROCESSOR}
    assert_account(account, {QS_PROCESSOR}, {QS_WORKFLOW}, "what the killed up left")

    locked = stack.up()
    assert not locked.ok and "locked" in locked.text, locked.text
    stack.run("cancel", "--yes")

    refused = stack.up()
    assert not refused.ok
    assert f"Workflow {QS_WORKFLOW!r} already exists" in refused.error, refused.error
    assert "interrupted" in refused.error and "adopt=True" in refused.error, refused.error
    assert_account(account, {QS_PROCESSOR}, {QS_WORKFLOW}, "after the refused up")

    project.edit('class_name="OrderWorkflow",', 'class_name="OrderWorkflow", adopt=True,')
    adopted = stack.up()
    assert adopted.ok, adopted.text
    project.edit('class_name="OrderWorkflow", adopt=True,', 'class_name="OrderWorkflow",')
    assert stack.preview(expect_no_changes=True).ok
    # The engine keeps the stale pending create until a refresh is told what to do with it; the workflow is
    # in the state now (adopted), so the record is dropped.
    assert stack.export()["deployment"].get("pending_operations")
    cleared = stack.refresh(extra=["--clear-pending-creates"])
    assert cleared.ok, cleared.text
    assert not stack.export()["deployment"].get("pending_operations")
    assert stack.refresh(expect_no_changes=True).ok
    assert_account(account, {QS_PROCESSOR, QS_API}, {QS_WORKFLOW}, "after the next up")
    assert stack.destroy().ok
    assert_account(account, set(), set(), "after destroy")
