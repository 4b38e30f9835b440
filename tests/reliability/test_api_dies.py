"""The API dies in the middle of an `up` of the quickstart (three resources, created one after another). The
`up` must fail with a clear error and keep the steps that completed in the state; once cloudflare-local is
back (same data dir), the next `up` must finish the job: converged, with no duplicate or orphaned script or
workflow, and `destroy` must empty the account. An object the interrupted `up` made but could not record is
refused by the next `create` like any existing object (never taken over silently), with the cause named; one
`up` with `adopt=True` on that resource takes it back.

Where the API dies is exact, not timed: `CutProxy` SIGKILLs cloudflare-local right after a given request was
committed, either after its reply reached the provider (the step completed) or before (the object exists
but the state cannot know it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import (
    QS_API,
    QS_PROCESSOR,
    QS_WORKFLOW,
    CutProxy,
    assert_account,
    new_project,
    owned,
    state_ids,
)


@dataclass(frozen=True)
class Cut:
    """Where the API dies, and what the interrupted `up` leaves: logical names in state, objects in the
    account."""

    method: str
    path: str
    deliver_reply: bool
    in_state: frozenset[str]
    scripts: frozenset[str]
    workflows: frozenset[str] = frozenset()
    adopt: tuple[str, str] | None = None  # (program text, with adopt=True) for the unrecorded object


CUTS = [
    pytest.param(
        Cut(
            "PUT",
            f"/workers/scripts/{QS_PROCESSOR}",
            True,
            frozenset({"order-processor"}),
            frozenset({QS_PROCESSOR}),
        ),
        id="after-first-upload",
    ),
    pytest.param(
        Cut(
            "PUT",
            f"/workers/scripts/{QS_PROCESSOR}",
            False,
            frozenset(),
            frozenset({QS_PROCESSOR}),
            adopt=(
                'entrypoint="workers/order-processor.mjs",',
                'entrypoint="workers/order-processor.mjs", adopt=True,',
            ),
        ),
        id="first-upload-reply-lost",
    ),
    pytest.param(
        Cut(
            "PUT",
            f"/workflows/{QS_WORKFLOW}",
            False,
            frozenset({"order-processor"}),
            frozenset({QS_PROCESSOR}),
            frozenset({QS_WORKFLOW}),
            adopt=('class_name="OrderWorkflow",', 'class_name="OrderWorkflow", adopt=True,'),
        ),
        id="workflow-reply-lost",
    ),
]


@pytest.mark.parametrize("cut", CUTS)
def test_api_dies_mid_up_and_the_next_up_finishes(
    cut: Cut, tmp_path: Path, fresh_cloudflare_local: Any, account_id: str
) -> None:
    server = fresh_cloudflare_local
    project = new_project("quickstart", tmp_path, server, account_id)
    account = project.account

    with CutProxy(server) as proxy:
        proxy.cut_at(cut.method, cut.path, deliver_reply=cut.deliver_reply)
        first = project.stack(api_base=proxy.api_base).up()
    assert proxy.tripped.is_set(), f"the up never sent {cut.method} {cut.path}:\n{first.stdout}"
    assert not server.running()
    assert first.exit_code != 0, first.stdout
    assert "could not reach the Cloudflare API" in first.error, first.error
    assert "gave up after" in first.error, first.error

    stack = project.stack()  # straight to the server from now on
    kept = state_ids(stack)
    assert set(kept) == cut.in_state, f"the state must keep exactly the steps that completed: {kept}"
    server.restart()
    assert_account(account, set(cut.scripts), set(cut.workflows), "what the interrupted up left")
    unrecorded = (cut.scripts | cut.workflows) - set(kept.values())  # made, but the state cannot know

    second = stack.up()
    if cut.adopt is None:
        assert not unrecorded, unrecorded
        assert second.ok, second.stdout
    else:
        # Made by the interrupted up, unknown to the state: refused, not taken over, and the cause is named.
        (name,) = unrecorded
        assert not second.ok, f"the next up took over {name} without adopt: {second.stdout}"
        assert f"{name!r} already exists" in second.error and "interrupted" in second.error, second.error
        assert "adopt=True" in second.error, second.error
        project.edit(*cut.adopt)
        adopted = stack.up()
        assert adopted.ok, adopted.stdout

    converged = stack.preview(expect_no_changes=True)
    assert converged.ok, converged.stdout
    assert owned(stack) == ({QS_PROCESSOR, QS_API}, {QS_WORKFLOW})
    assert_account(account, {QS_PROCESSOR, QS_API}, {QS_WORKFLOW}, "after the next up")
    assert account.workflows()[QS_WORKFLOW]["id"] == stack.outputs()["workflow_id"]

    destroyed = stack.destroy()
    assert destroyed.ok, destroyed.stdout
    assert_account(account, set(), set(), "after destroy")
