"""The whole lifecycle survives injected faults (429 with Retry-After, 5xx, dropped connections, slow
answers)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_cloudflare_workflows_provider.cloudflare.errors import NotFoundError
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider
from sample_scripts import HOST_V1, HOST_V2

from tests.provider.support import FAST_RETRY, configured


@pytest.mark.parametrize("seed", [3, 11])
def test_lifecycle_under_fault_rate(fresh_cloudflare_local: Any, account_id: str, seed: int) -> None:
    server = fresh_cloudflare_local
    worker_p = configured(WorkerProvider(retry=FAST_RETRY, timeout=10), server)
    workflow_p = configured(WorkflowProvider(retry=FAST_RETRY, timeout=10), server)
    server.set_faults(0.3, seed)

    def hosted(cls: str) -> dict[str, Any]:
        return {"WF": {"type": "workflow", "workflow_name": "orders", "class_name": cls}}

    worker_in = worker_p.check(
        {}, {"account_id": account_id, "name": "host", "script": HOST_V1, "bindings": hosted("OrderWorkflow")}
    ).inputs
    worker = worker_p.create(dict(worker_in)).outs
    wf_in = workflow_p.check(
        {},
        {
            "account_id": account_id,
            "workflow_name": "orders",
            "class_name": "OrderWorkflow",
            "script_name": "host",
        },
    ).inputs
    workflow = workflow_p.create(dict(wf_in)).outs

    new_worker = dict(
        worker_p.check(
            worker_in, {**worker_in, "script": HOST_V2, "bindings": hosted("OrderWorkflowV2")}
        ).inputs
    )
    worker = worker_p.update("host", worker, new_worker).outs
    updated = workflow_p.update("orders", workflow, {**wf_in, "class_name": "OrderWorkflowV2"}).outs
    assert updated["workflow_id"] == workflow["workflow_id"]
    assert workflow_p.read("orders", updated).outs["class_name"] == "OrderWorkflowV2"
    assert worker_p.read("host", worker).inputs["script"] == HOST_V2

    workflow_p.delete("orders", updated)
    worker_p.delete("host", worker)
    server.set_faults(0, None)
    with pytest.raises(NotFoundError):
        workflow_p.client().get_workflow(account_id, "orders")

    faulted = [r for r in server.requests() if r.get("fault")]
    assert faulted, "the seed injected no fault: the test proves nothing"
