"""cloudflare-local restarting between operations (gracefully, or SIGKILLed as a crash) loses nothing: after
an `up`, the restarted account still holds every script and workflow with the same ids, a preview and a
refresh find no change, and `destroy` still empties it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import QS_API, QS_PROCESSOR, QS_WORKFLOW, assert_account, new_project


@pytest.mark.parametrize("crash", [False, True], ids=["graceful", "sigkill"])
def test_restart_between_operations_loses_nothing(
    crash: bool, tmp_path: Path, fresh_cloudflare_local: Any, account_id: str
) -> None:
    server = fresh_cloudflare_local
    project = new_project("quickstart", tmp_path, server, account_id)
    account = project.account
    stack = project.stack()
    up = stack.up()
    assert up.ok, up.stdout
    before = account.workflows()[QS_WORKFLOW]

    pid = server.pid
    if crash:
        server.kill()
    server.restart()
    assert server.pid != pid, "the server did not restart"

    assert_account(account, {QS_PROCESSOR, QS_API}, {QS_WORKFLOW}, "after the restart")
    assert account.workflows()[QS_WORKFLOW] == before
    preview = stack.preview(expect_no_changes=True)
    assert preview.ok, preview.stdout
    refresh = stack.refresh(expect_no_changes=True)  # reads every resource back from the restarted server
    assert refresh.ok, refresh.stdout

    destroyed = stack.destroy()
    assert destroyed.ok, destroyed.stdout
    assert_account(account, set(), set(), "after destroy")
