"""Real clients see the runtime's instances as they see Cloudflare's: the pinned wrangler deploys, triggers
and describes them, Cloudflare's Python SDK starts and reads them (every exchange contract-checked)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import cloudflare
import pytest
from cloudflare_local.contract import ContractClient
from cloudflare_local.node import wrangler_env
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import api_client

from tests.lifecycle.support import Account
from tests.runtime.support import finished, instance, wait_for, worker
from tests.runtime.test_instances import BINDING, SOURCE, deploy

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.wrangler
def test_wrangler_deploys_triggers_and_describes_running_instances(
    wrangler: Path, runtime_server: CloudflareLocalServer, account_id: str, tmp_path: Path
) -> None:
    (tmp_path / "home").mkdir()
    env = wrangler_env(runtime_server.api_base, runtime_server.token, account_id, tmp_path / "home")

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(wrangler), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"wrangler {' '.join(args)} failed:\n{output}"
        return output

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.js").write_text(SOURCE)
    (tmp_path / "wrangler.toml").write_text(
        'name = "wf-host"\nmain = "src/index.js"\ncompatibility_date = "2025-04-01"\n'
        f'[[workflows]]\nname = "steps"\nbinding = "{BINDING["name"]}"\nclass_name = "Steps"\n'
    )
    run("deploy")
    by_script = worker(runtime_server, account_id, "wf-host", "/start", method="POST").json()["id"]
    triggered = run("workflows", "trigger", "steps", json.dumps({"who": "cli"}))
    match = UUID.search(triggered)
    assert match, triggered
    with api_client(runtime_server, account_id) as api:
        for instance_id, params in ((match.group(0), {"who": "cli"}), (by_script, {"via": "fetch"})):
            details = finished(api, "steps", instance_id)
            assert details["status"] == "complete" and details["params"] == params
            described = run("workflows", "instances", "describe", "steps", instance_id)
            assert "Complete" in described or "complete" in described, described
            assert "first" in described and "second" in described, described
        listed = run("workflows", "instances", "list", "steps")
        assert match.group(0) in listed and by_script in listed, listed


def test_the_cloudflare_sdk_starts_reads_and_pauses_running_instances(
    runtime_server: CloudflareLocalServer, account_id: str, account: Account
) -> None:
    with api_client(runtime_server, account_id) as setup:
        assert deploy(setup).status_code == 200
        put = setup.put("/workflows/steps", json={"class_name": "Steps", "script_name": "host"})
        assert put.status_code == 200
    checked = ContractClient(timeout=60.0)
    client = cloudflare.Cloudflare(
        api_token=runtime_server.token, base_url=runtime_server.api_base, http_client=checked, max_retries=0
    )
    try:
        created = client.workflows.instances.create("steps", account_id=account_id, instance_id="sdk-1")
        assert created.id == "sdk-1"
        with api_client(runtime_server, account_id) as api:
            finished(api, "steps", "sdk-1")
        got = client.workflows.instances.get("sdk-1", account_id=account_id, workflow_name="steps")
        assert got.status == "complete"
        ran = {getattr(s, "name", None): s for s in got.steps}
        assert list(ran) == ["first", "second"]
        assert getattr(ran["second"], "output", None) == {"by": "Steps"}

        client.workflows.instances.create(
            "steps", account_id=account_id, instance_id="sdk-2", params={"wait": True}
        )
        # Read without the contract check: an unfinished waitForEvent step has `end: null` here, where
        # Cloudflare's schema wants the time it will end (docs/cloudflare-local.md, "The runtime").
        wait_for(
            "sdk-2 waiting for its event",
            lambda: instance(account.http, "steps", "sdk-2")["status"],
            lambda status: status == "waiting",
        )
        paused = client.workflows.instances.status.edit(
            "sdk-2", account_id=account_id, workflow_name="steps", status="pause"
        )
        assert paused.status in ("paused", "waitingForPause")
        listed = [i.id for i in client.workflows.instances.list("steps", account_id=account_id)]
        assert sorted(listed) == ["sdk-1", "sdk-2"]
        client.workflows.instances.status.edit(
            "sdk-2", account_id=account_id, workflow_name="steps", status="terminate"
        )
    finally:
        client.close()
