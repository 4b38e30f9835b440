"""The real wrangler deploys a Durable Object Worker to cloudflare-local (with its own `[[migrations]]`
tags), twice; then the provider adopts that script and continues wrangler's tags."""

from __future__ import annotations

from pathlib import Path

import pytest
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.testing import api_client, stored_script
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider

from tests.fidelity.test_wrangler import Wrangler, write_project
from tests.provider.support import FAST_RETRY, configured

pytestmark = pytest.mark.wrangler

SOURCE = """\
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject { fetch() { return new Response("counter"); } }
export default { fetch(request, env) { return env.COUNTER.getByName("a").fetch(request); } };
"""

CONFIG = """\
[[durable_objects.bindings]]
name = "COUNTER"
class_name = "Counter"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Counter"]
"""


def test_wrangler_deploys_a_durable_object_and_the_provider_continues_its_tags(
    wrangler: Path, cloudflare_local: CloudflareLocalServer, account_id: str, tmp_path: Path
) -> None:
    run = Wrangler(wrangler, cloudflare_local, account_id, tmp_path / "home")
    project = write_project(tmp_path, "do-app", SOURCE, CONFIG)
    run("deploy", cwd=project)
    record = stored_script(cloudflare_local, account_id, "do-app")
    assert record is not None
    assert record["migration_tag"] == "v1" and set(record["durable_objects"]) == {"Counter"}
    # wrangler's shape: the multiple-step form, with no old_tag for a script that has none.
    assert record["uploads"][0]["migrations"] == {
        "new_tag": "v1",
        "steps": [{"new_sqlite_classes": ["Counter"]}],
    }
    with api_client(cloudflare_local, account_id) as api:
        (listed,) = api.get("/workers/scripts").json()["result"]
        assert listed["migration_tag"] == "v1"  # where wrangler reads the tag on its next deploy

    # A second deploy: the tag is current, so wrangler sends no migration, and nothing changes.
    (project / "src" / "index.js").write_text(SOURCE.replace('"counter"', '"counter again"'))
    run("deploy", cwd=project)
    again = stored_script(cloudflare_local, account_id, "do-app")
    assert again is not None and again["durable_objects"] == record["durable_objects"]

    # The provider adopts the script, declaring the class it has and a new one: tag v2 follows wrangler's v1.
    provider = configured(WorkerProvider(retry=FAST_RETRY), cloudflare_local)
    room = 'export class Room extends DurableObject { fetch() { return new Response("room"); } }\n'
    checked = provider.check(
        {},
        {
            "account_id": account_id,
            "name": "do-app",
            "script": SOURCE + room,
            "bindings": {
                "COUNTER": {"type": "durable_object_namespace", "class_name": "Counter"},
                "ROOM": {"type": "durable_object_namespace", "class_name": "Room"},
            },
            "durable_objects": {
                "counter": {"class_name": "Counter", "sqlite": True},
                "room": {"class_name": "Room", "sqlite": True},
            },
            "adopt": True,
        },
    )
    assert checked.failures == []
    created = provider.create(dict(checked.inputs))
    assert created.outs["migration_tag"] == "v2"
    adopted = stored_script(cloudflare_local, account_id, "do-app")
    assert adopted is not None
    assert adopted["uploads"][-1]["migrations"] == {
        "old_tag": "v1",
        "new_tag": "v2",
        "new_sqlite_classes": ["Room"],
    }
    assert adopted["durable_objects"]["Counter"] == record["durable_objects"]["Counter"]
