"""Cloudflare's official Python SDK (`cloudflare` 5.x) against cloudflare-local, unchanged.

The SDK's own httpx client is a ContractClient, so every exchange is also checked against the OpenAPI
document.
"""

from __future__ import annotations

from collections.abc import Iterator

import cloudflare
import pytest
from cloudflare_local.contract import ContractClient
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import api_client, script_form, workflow_source


@pytest.fixture
def sdk(
    cloudflare_local: CloudflareLocalServer, account_id: str
) -> Iterator[tuple[cloudflare.Cloudflare, ContractClient]]:
    checked = ContractClient(timeout=30.0)
    client = cloudflare.Cloudflare(
        api_token=cloudflare_local.token,
        base_url=cloudflare_local.api_base,
        http_client=checked,
        max_retries=0,
    )
    with api_client(cloudflare_local, account_id) as setup:
        binding = {"type": "workflow", "name": "WF", "workflow_name": "wf-0", "class_name": "MyWorkflow"}
        assert setup.put(
            "/workers/scripts/host", files=script_form(workflow_source(), bindings=[binding])
        ).is_success
    yield client, checked
    client.close()


def test_workflows_through_the_sdk(
    sdk: tuple[cloudflare.Cloudflare, ContractClient], account_id: str
) -> None:
    client, checked = sdk
    for n in range(5):
        updated = client.workflows.update(
            f"wf-{n}", account_id=account_id, class_name="MyWorkflow", script_name="host"
        )
        assert updated.name == f"wf-{n}" and updated.version_id

    # The SDK pages by `page` until an empty page: 5 workflows at 2 per page is 4 requests.
    names = [w.name for w in client.workflows.list(account_id=account_id, per_page=2)]
    assert names == [f"wf-{n}" for n in range(5)]
    pages = [c for c in checked.checked if c[0] == "GET" and c[1].endswith("/workflows")]
    assert len(pages) == 4

    got = client.workflows.get("wf-0", account_id=account_id)
    assert (got.class_name, got.script_name) == ("MyWorkflow", "host")

    created = client.workflows.instances.create(
        "wf-0", account_id=account_id, instance_id="sdk-1", params='{"a": 1}'
    )
    assert (created.id, created.status) == ("sdk-1", "queued")
    for n in range(3):
        client.workflows.instances.create("wf-0", account_id=account_id, instance_id=f"more-{n}")
    listed = [i.id for i in client.workflows.instances.list("wf-0", account_id=account_id, per_page=2)]
    assert sorted(listed) == ["more-0", "more-1", "more-2", "sdk-1"]

    instance = client.workflows.instances.get("sdk-1", account_id=account_id, workflow_name="wf-0")
    assert instance.status == "queued" and instance.params == '{"a": 1}'

    paused = client.workflows.instances.status.edit(
        "sdk-1", account_id=account_id, workflow_name="wf-0", status="pause"
    )
    assert paused.status == "paused"
    client.workflows.instances.events.create(
        "approved", account_id=account_id, workflow_name="wf-0", instance_id="sdk-1", body={"by": "sdk"}
    )
    with pytest.raises(cloudflare.NotFoundError) as missing:
        client.workflows.get("nope", account_id=account_id)
    assert missing.value.status_code == 404
    assert all(how in ("strict", "envelope") for *_, how in checked.checked)


def test_script_settings_through_the_sdk(
    sdk: tuple[cloudflare.Cloudflare, ContractClient], account_id: str
) -> None:
    client, _ = sdk
    settings = client.workers.scripts.script_and_version_settings.get("host", account_id=account_id)
    bindings = settings.bindings or []
    assert [b.name for b in bindings] == ["WF"]
    script_settings = client.workers.scripts.settings.get("host", account_id=account_id)
    assert script_settings.logpush is False
