"""Fixtures for cloudflare-local's own tests: deploy helpers on top of the contract-checking client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from cloudflare_local.contract import ContractClient
from cloudflare_local.testing import Deploy, script_form, workflow_source


@pytest.fixture
def deploy(cf_api: ContractClient) -> Deploy:
    """Upload a script (hosting `class_name` by default); asserts nothing, returns the response."""

    def _deploy(
        name: str,
        *,
        source: str | None = None,
        class_name: str = "MyWorkflow",
        bindings: list[dict[str, Any]] | None = None,
        **form: Any,
    ) -> httpx.Response:
        body = source if source is not None else workflow_source(class_name)
        return cf_api.put(f"/workers/scripts/{name}", files=script_form(body, bindings=bindings, **form))

    return _deploy


@pytest.fixture
def workflow(cf_api: ContractClient, deploy: Deploy) -> str:
    """A deployed host script `wf-host` exporting MyWorkflow, and workflow `my-workflow` on it."""
    binding = {"type": "workflow", "name": "WF", "workflow_name": "my-workflow", "class_name": "MyWorkflow"}
    assert deploy("wf-host", bindings=[binding]).status_code == 200
    response = cf_api.put(
        "/workflows/my-workflow", json={"class_name": "MyWorkflow", "script_name": "wf-host"}
    )
    assert response.status_code == 200, response.text
    return "my-workflow"
