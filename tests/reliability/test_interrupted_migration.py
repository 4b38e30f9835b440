"""A Durable Object class rename whose `up` dies right after its upload was committed, before the provider
heard back: the script now has the renamed class (tag v2), the state still says the old one (tag v1). The
next `up` must finish the job, not send the rename again (Cloudflare: 10074, the old class is gone), and the
class must keep its storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudflare_local.testing import stored_script

from tests.lifecycle.support import Account, write_durable_objects_project
from tests.reliability.support import CutProxy


def test_a_rename_interrupted_after_its_upload_is_finished_by_the_next_up(
    tmp_path: Path, fresh_cloudflare_local: Any, account_id: str, pulumi_engine: Path
) -> None:
    server = fresh_cloudflare_local
    account = Account(server, account_id)
    project = write_durable_objects_project(tmp_path, account)
    stack = project.stack()
    assert stack.up().ok
    host = stack.outputs()["host"]
    storage = stored_script(server, account_id, host)["durable_objects"]["Counter"]["storage_id"]

    project.edit('class_name="Counter"', 'class_name="CounterV2"')
    with CutProxy(server) as proxy:
        proxy.cut_at("PUT", f"/workers/scripts/{host}", deliver_reply=False)
        first = project.stack(api_base=proxy.api_base).up()
    assert proxy.tripped.is_set() and not first.ok, first.stdout
    server.restart()
    record = stored_script(server, account_id, host)
    assert record["migration_tag"] == "v2" and set(record["durable_objects"]) == {"CounterV2"}

    second = stack.up()
    assert second.ok, second.text
    assert "an earlier `up` was interrupted after its upload" in second.text
    record = stored_script(server, account_id, host)
    assert record["uploads"][-1].get("migrations") is None, "the rename was sent again"
    assert record["migration_tag"] == "v2"
    assert record["durable_objects"] == {"CounterV2": {"sqlite": True, "storage_id": storage}}
    assert stack.outputs()["migration_tag"] == "v2"
    assert stack.preview(expect_no_changes=True).ok
    assert stack.destroy().ok
