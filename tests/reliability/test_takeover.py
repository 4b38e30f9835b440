"""Creating never silently takes over something that exists, even when it carries a matching ownership tag
(`owner_tag`, derived from project, stack and the resource's stable id):

- a replacement that keeps the Worker's name (`replace_on_changes`, as `pulumi up --replace`) must not end
  with the live script deleted;
- a second, independent state of the same project and stack (another backend: another developer, another
  organisation) on the same account must refuse the first one's scripts, not adopt and overwrite them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.lifecycle.support import mutations
from tests.reliability.support import (
    QS_API,
    QS_PROCESSOR,
    LostObject,
    SilentTakeover,
    new_project,
    state_ids,
)


def test_same_name_replacement_never_deletes_the_live_worker(
    tmp_path: Path, cloudflare_local: Any, account_id: str
) -> None:
    project = new_project("quickstart", tmp_path, cloudflare_local, account_id)
    account = project.account
    entrypoint = '    entrypoint="workers/order-api.mjs",\n'
    replace_on_bindings = '    opts=pulumi.ResourceOptions(replace_on_changes=["bindings"]),\n'
    project.edit(entrypoint, entrypoint + replace_on_bindings)
    stack = project.stack()
    assert stack.up().ok

    stack.config_set("storeName", "night store")  # a binding change: now a replacement under the same name
    assert stack.preview().step("order-api").op == "replace"
    mark = account.mark()
    replaced = stack.up(skip_preview=True)
    # Refusing (the name is taken) and finishing are both safe; losing the live Worker is not.
    if QS_API not in account.scripts():
        raise LostObject(
            f"up ok={replaced.ok} left no {QS_API}, which the state still records ({state_ids(stack)}); "
            f"requests: {account.requests_since(mark)}"
        )
    refresh = stack.refresh(expect_no_changes=True)
    assert refresh.ok, refresh.stdout


def test_an_independent_state_of_the_same_stack_never_takes_over_its_scripts(
    tmp_path: Path, cloudflare_local: Any, account_id: str
) -> None:
    (tmp_path / "theirs").mkdir()
    (tmp_path / "ours").mkdir()
    theirs = new_project("quickstart", tmp_path / "theirs", cloudflare_local, account_id)
    ours = new_project("quickstart", tmp_path / "ours", cloudflare_local, account_id)
    account = theirs.account
    their_stack, our_stack = theirs.stack(), ours.stack()
    assert their_stack.up().ok

    mark = account.mark()
    our_up = our_stack.up()
    writes = mutations(account.requests_since(mark))
    if writes:
        raise SilentTakeover(f"our up wrote {writes}; our state now claims {state_ids(our_stack)}")
    assert not our_up.ok, "every name is taken: the up must fail"
    assert f"Worker script {QS_PROCESSOR!r} already exists" in our_up.error, our_up.error
    assert state_ids(our_stack) == {}
    refresh = their_stack.refresh(expect_no_changes=True)
    assert refresh.ok, refresh.stdout
