"""The quickstart through the real engine, with its Workflow really running: what a class rename, a
cross-script binding or a redeploy does is shown by what the instances do, not by what the API stores.

The host Worker (`order-processor`) runs OrderWorkflow: validate -> charge -> sleep "wait for the
warehouse" (`params.wait`, 1 second by default) -> ship; its output names the class that ran it. The client
Worker (`order-api`) binds it cross-script and starts orders on `POST /orders`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cloudflare_local.process import CloudflareLocalServer

from tests.lifecycle.support import WORKFLOW, Account, Project, copy_project
from tests.reliability.support import QS_API, QS_PROCESSOR, QS_WORKFLOW
from tests.runtime.support import finished, instance, steps, wait_for, worker

PROCESSOR_SOURCE = "workers/order-processor.mjs"
SLEEP = "wait for the warehouse"


@pytest.fixture
def quickstart(tmp_path: Path, account: Account, pulumi_engine: Path) -> Project:
    return copy_project("quickstart", tmp_path, account)


def order(server: CloudflareLocalServer, account: Account, **params: Any) -> str:
    """Start an order through the client Worker's fetch handler (its binding is cross-script)."""
    started = worker(server, account.id, QS_API, "/orders", method="POST", json=params)
    assert started.status_code == 202, started.text
    return str(started.json()["id"])


def check_order(details: dict[str, Any], order_id: str, items: int, workflow: str) -> None:
    """The instance completed, and each step's output is what OrderWorkflow computes."""
    assert details["status"] == "complete", details
    ran = steps(details)
    assert list(ran) == ["validate", "charge", SLEEP, "ship"]
    assert ran["validate"]["output"]["id"] == order_id and len(ran["validate"]["output"]["items"]) == items
    assert ran["charge"]["output"] == {"amount": items * 1000, "currency": "usd"}
    assert ran[SLEEP]["finished"] is True
    assert ran["ship"]["output"] == {"carrier": "local", "tracking": f"trk-{order_id}"}
    assert details["output"] == {
        "order": order_id,
        "charged": items * 1000,
        "tracking": f"trk-{order_id}",
        "workflow": workflow,
    }


def test_orders_run_cross_script_started_by_the_client_worker_and_by_the_api(
    quickstart: Project, account: Account, runtime_server: CloudflareLocalServer
) -> None:
    stack = quickstart.stack()
    up = stack.up()
    assert up.ok, up.stdout

    by_client = order(runtime_server, account, id="order-1", items=["book", "pen"])
    created = account.http.post(
        f"/workflows/{QS_WORKFLOW}/instances", json={"params": {"id": "order-2", "items": ["lamp"]}}
    )
    assert created.status_code == 200, created.text
    by_api = created.json()["result"]["id"]

    check_order(finished(account.http, QS_WORKFLOW, by_client), "order-1", 2, "OrderWorkflow")
    check_order(finished(account.http, QS_WORKFLOW, by_api), "order-2", 1, "OrderWorkflow")
    # The client reads both through its binding, as the API does.
    for instance_id in (by_client, by_api):
        seen = worker(runtime_server, account.id, QS_API, f"/orders/{instance_id}").json()
        assert seen["status"] == "complete" and seen["output"]["workflow"] == "OrderWorkflow"
    listed = account.http.get(f"/workflows/{QS_WORKFLOW}/instances").json()["result"]
    assert {(i["id"], i["trigger_source"]) for i in listed} == {(by_client, "binding"), (by_api, "api")}

    assert stack.destroy().ok


def test_a_class_rename_runs_new_instances_on_the_new_class_and_keeps_the_workflow_and_its_history(
    quickstart: Project, account: Account, runtime_server: CloudflareLocalServer
) -> None:
    stack = quickstart.stack()
    assert stack.up().ok
    before = account.workflows()[QS_WORKFLOW]
    old = order(runtime_server, account, id="before", items=["book"])
    check_order(finished(account.http, QS_WORKFLOW, old), "before", 1, "OrderWorkflow")

    quickstart.edit('class_name="OrderWorkflow"', 'class_name="OrderWorkflowV2"')
    quickstart.edit("export class OrderWorkflow ", "export class OrderWorkflowV2 ", path=PROCESSOR_SOURCE)
    renamed = stack.up()
    assert renamed.ok, renamed.stdout
    assert renamed.step("orders", WORKFLOW).op == "update"

    after = account.workflows()[QS_WORKFLOW]
    assert after["id"] == before["id"] and after["class_name"] == "OrderWorkflowV2"
    new = order(runtime_server, account, id="after", items=["book"])
    check_order(finished(account.http, QS_WORKFLOW, new), "after", 1, "OrderWorkflowV2")
    # The instance that ran before the rename keeps its history.
    check_order(instance(account.http, QS_WORKFLOW, old), "before", 1, "OrderWorkflow")
    listed = account.http.get(f"/workflows/{QS_WORKFLOW}/instances").json()["result"]
    assert {i["id"] for i in listed} == {old, new}

    assert stack.destroy().ok


def test_an_instance_sleeping_across_a_redeploy_completes_without_rerunning_its_finished_steps(
    quickstart: Project, account: Account, runtime_server: CloudflareLocalServer
) -> None:
    stack = quickstart.stack()
    assert stack.up().ok
    sleeping = order(runtime_server, account, items=["book"], wait="30 seconds")
    before = wait_for(
        "the order sleeping",
        lambda: instance(account.http, QS_WORKFLOW, sleeping),
        lambda d: d["status"] == "waiting" and SLEEP in steps(d),
    )

    # A redeploy of the host (the ship step changes), which restarts workerd under the sleeping instance.
    quickstart.edit('carrier: "local"', 'carrier: "express"', path=PROCESSOR_SOURCE)
    redeployed = stack.up()
    assert redeployed.ok, redeployed.stdout
    assert instance(account.http, QS_WORKFLOW, sleeping)["status"] == "waiting", (
        "the sleep ended before the up"
    )

    after = finished(account.http, QS_WORKFLOW, sleeping)
    assert after["status"] == "complete", after
    ran, ran_before = steps(after), steps(before)
    for name in ("validate", "charge"):
        assert ran[name]["output"] == ran_before[name]["output"], f"{name} ran again"
        assert len(ran[name]["attempts"]) == 1, f"{name} ran again"
    assert ran["ship"]["output"]["carrier"] == "express", "the rest ran with the code deployed now"

    assert stack.destroy().ok


def test_a_deploy_whose_class_is_not_exported_is_refused_and_the_running_scripts_keep_answering(
    quickstart: Project, account: Account, runtime_server: CloudflareLocalServer
) -> None:
    stack = quickstart.stack()
    assert stack.up().ok
    served = account.http.get(f"/workers/scripts/{QS_PROCESSOR}/content/v2").text

    # `export *` leaves the export list open, so neither the provider's check nor the upload's export check
    # can tell; workerd cannot start it, and the upload is refused with Cloudflare's code.
    source = quickstart.dir / PROCESSOR_SOURCE
    good = source.read_text()
    source.write_text(good.replace("export class OrderWorkflow", "class OrderWorkflow") + EXPORT_STAR)
    refused = stack.up()
    assert not refused.ok
    assert "10021" in refused.text and "OrderWorkflow" in refused.text, refused.text

    assert account.http.get(f"/workers/scripts/{QS_PROCESSOR}/content/v2").text == served
    running = order(runtime_server, account, id="still-running", items=["book"])
    check_order(finished(account.http, QS_WORKFLOW, running), "still-running", 1, "OrderWorkflow")

    source.write_text(good)
    assert stack.preview(expect_no_changes=True).ok, "the refused update left the state as it was"
    assert stack.destroy().ok


EXPORT_STAR = 'export * from "cloudflare:workers";\n'


def test_destroy_leaves_no_instance_no_worker_and_no_process(
    tmp_path: Path, fresh_runtime_server: CloudflareLocalServer, account_id: str, pulumi_engine: Path
) -> None:
    server = fresh_runtime_server
    account = Account(server, account_id)
    stack = copy_project("quickstart", tmp_path, account).stack()
    assert stack.up().ok
    finished(account.http, QS_WORKFLOW, order(server, account, items=["book"]))
    processes = server.runtime_info()["processes"]
    assert {p["name"] for p in processes} == {"node", "workerd"}

    destroyed = stack.destroy()
    assert destroyed.ok, destroyed.stdout
    assert account.is_empty()
    assert account.http.get(f"/workflows/{QS_WORKFLOW}/instances").status_code == 404
    for script in (QS_PROCESSOR, QS_API):
        assert worker(server, account.id, script).status_code == 404
    assert server.runtime_info()["workers"] == 0
    assert list((server.data_dir / "runtime" / "workflows").iterdir()) == [], "instances kept on disk"

    server.stop()
    assert [p["pid"] for p in processes if Path(f"/proc/{p['pid']}").exists()] == []
