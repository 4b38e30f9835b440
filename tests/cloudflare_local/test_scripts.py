"""Workers scripts: upload, read back, settings, versions/deployments, validation and delete rules."""

from __future__ import annotations

import json

from cloudflare_local.contract import ContractClient
from cloudflare_local.testing import Deploy, errors_of, script_form, workflow_source

OWN = {"type": "workflow", "name": "WF", "workflow_name": "my-workflow", "class_name": "MyWorkflow"}


def test_upload_then_read_back_everything(cf_api: ContractClient, deploy: Deploy) -> None:
    bindings = [
        {"type": "plain_text", "name": "GREETING", "text": "hi"},
        OWN,
        {"type": "secret_text", "name": "API_KEY", "text": "s3cret"},
        # wrangler's shape: `id`, which Cloudflare's published schema lists as deprecated for `database_id`.
        {"type": "d1", "name": "DB", "id": "d1-id"},
    ]
    response = deploy("my-script", bindings=bindings)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["id"] == "my-script"
    assert {"etag", "deployment_id", "startup_time_ms"} <= set(result)

    settings = cf_api.get("/workers/scripts/my-script/settings").json()["result"]
    # Bindings come back as sent, except that secret values are write-only.
    assert settings["bindings"][:2] == bindings[:2]
    assert settings["bindings"][2] == {"type": "secret_text", "name": "API_KEY"}
    assert settings["bindings"][3] == bindings[3]
    assert settings["compatibility_date"] == "2025-04-01"

    listed = cf_api.get("/workers/scripts").json()["result"]
    assert [s["id"] for s in listed] == ["my-script"]
    assert listed[0]["etag"] == result["etag"]

    download = cf_api.get("/workers/scripts/my-script")
    assert download.headers["content-type"].startswith("multipart/form-data")
    assert b"export class MyWorkflow" in download.content
    content = cf_api.get("/workers/scripts/my-script/content/v2")
    assert content.text == workflow_source()
    secrets = cf_api.get("/workers/scripts/my-script/secrets").json()["result"]
    assert secrets == [{"name": "API_KEY", "type": "secret_text"}]
    assert "s3cret" not in download.text + json.dumps(settings)


def test_missing_script_is_10007(cf_api: ContractClient) -> None:
    for path in ("", "/settings", "/script-settings", "/content/v2", "/deployments", "/subdomain"):
        response = cf_api.get(f"/workers/scripts/nope{path}")
        assert (response.status_code, errors_of(response)) == (404, [10007]), path
    response = cf_api.get("/workers/services/nope")
    assert (response.status_code, errors_of(response)) == (404, [10007])
    response = cf_api.delete("/workers/scripts/nope")
    assert (response.status_code, errors_of(response)) == (404, [10007])


def test_script_settings_patch_merges(cf_api: ContractClient, deploy: Deploy) -> None:
    deploy("s1")
    patched = cf_api.patch(
        "/workers/scripts/s1/script-settings",
        json={"logpush": True, "tags": ["a"], "observability": {"enabled": True}},
    )
    assert patched.status_code == 200
    again = cf_api.patch("/workers/scripts/s1/script-settings", json={"tags": ["b"]}).json()["result"]
    assert again == {
        "logpush": True,
        "tags": ["b"],
        "tail_consumers": None,
        "observability": {"enabled": True},
    }
    assert cf_api.get("/workers/scripts/s1/script-settings").json()["result"] == again


def test_settings_patch_with_bindings_deploys_a_new_version(cf_api: ContractClient, deploy: Deploy) -> None:
    deploy("s1", bindings=[{"type": "plain_text", "name": "A", "text": "1"}])
    before = cf_api.get("/workers/scripts/s1/deployments").json()["result"]["deployments"]
    new_bindings = [{"type": "plain_text", "name": "B", "text": "2"}]
    form = [
        (
            "settings",
            (None, json.dumps({"bindings": new_bindings, "logpush": True}).encode(), "application/json"),
        )
    ]
    response = cf_api.patch("/workers/scripts/s1/settings", files=form)
    assert response.status_code == 200, response.text
    assert response.json()["result"]["bindings"] == new_bindings
    assert response.json()["result"]["logpush"] is True
    after = cf_api.get("/workers/scripts/s1/deployments").json()["result"]["deployments"]
    assert len(after) == len(before) + 1
    assert cf_api.get("/workers/scripts/s1/content/v2").text == workflow_source()


def test_versions_then_deployment_switches_what_is_live(cf_api: ContractClient, deploy: Deploy) -> None:
    """The second `wrangler deploy`: POST versions (not live), POST deployments (live)."""
    deploy("s1", bindings=[{"type": "plain_text", "name": "V", "text": "1"}])
    form = script_form(workflow_source(), bindings=[{"type": "plain_text", "name": "V", "text": "2"}])
    version = cf_api.post("/workers/scripts/s1/versions", params={"bindings_inherit": "strict"}, files=form)
    assert version.status_code == 200, version.text
    version_id = version.json()["result"]["id"]
    assert version.json()["result"]["number"] == 2
    live = cf_api.get("/workers/scripts/s1/settings").json()["result"]["bindings"]
    assert live[0]["text"] == "1"  # uploaded, not deployed

    body = {
        "strategy": "percentage",
        "versions": [{"version_id": version_id, "percentage": 100}],
        "annotations": {},
    }
    deployment = cf_api.post("/workers/scripts/s1/deployments", json=body)
    assert deployment.status_code == 200, deployment.text
    assert deployment.json()["result"]["versions"] == [{"version_id": version_id, "percentage": 100.0}]
    assert cf_api.get("/workers/scripts/s1/settings").json()["result"]["bindings"][0]["text"] == "2"
    listed = cf_api.get("/workers/scripts/s1/deployments").json()["result"]["deployments"]
    assert listed[0]["id"] == deployment.json()["result"]["id"]  # newest first

    bad = cf_api.post(
        "/workers/scripts/s1/deployments", json={"versions": [{"version_id": version_id, "percentage": 50}]}
    )
    assert bad.status_code == 400
    unknown = {"versions": [{"version_id": "00000000-0000-4000-8000-000000000000", "percentage": 100}]}
    assert errors_of(cf_api.post("/workers/scripts/s1/deployments", json=unknown)) == [10071]


def test_inherit_and_keep_bindings(cf_api: ContractClient, deploy: Deploy) -> None:
    deploy(
        "s1",
        bindings=[
            {"type": "secret_text", "name": "TOKEN", "text": "x"},
            {"type": "plain_text", "name": "P", "text": "p"},
        ],
    )
    deploy(
        "s1",
        bindings=[{"type": "inherit", "name": "P2", "old_name": "P"}],
        metadata={"keep_bindings": ["secret_text"]},
    )
    names = {b["name"]: b for b in cf_api.get("/workers/scripts/s1/settings").json()["result"]["bindings"]}
    assert names == {
        "P2": {"type": "plain_text", "name": "P2", "text": "p"},
        "TOKEN": {"type": "secret_text", "name": "TOKEN"},
    }
    missing = deploy("s1", bindings=[{"type": "inherit", "name": "GONE"}])
    assert (missing.status_code, errors_of(missing)) == (400, [10057])


def test_wrangler_side_endpoints(cf_api: ContractClient, deploy: Deploy) -> None:
    deploy("s1")
    service = cf_api.get("/workers/services/s1").json()["result"]
    assert service["default_environment"]["script"]["id"] == "s1"
    assert cf_api.get("/workers/subdomain").json()["result"]["subdomain"]
    assert cf_api.get("/workers/scripts/s1/subdomain").json()["result"] == {
        "enabled": False,
        "previews_enabled": False,
    }
    enabled = cf_api.post("/workers/scripts/s1/subdomain", json={"enabled": True}).json()["result"]
    assert enabled == {"enabled": True, "previews_enabled": True}
    assert cf_api.get("/workers/scripts/s1/subdomain").json()["result"]["enabled"] is True
    put = cf_api.put("/workers/scripts/s1/schedules", json=[{"cron": "*/5 * * * *"}])
    assert [s["cron"] for s in put.json()["result"]["schedules"]] == ["*/5 * * * *"]
    assert cf_api.put("/workers/scripts/s1/schedules", json=[]).json()["result"]["schedules"] == []


def test_raw_service_worker_upload(cf_api: ContractClient) -> None:
    source = "addEventListener('fetch', e => e.respondWith(new Response('hi')));"
    response = cf_api.put(
        "/workers/scripts/sw", content=source.encode(), headers={"Content-Type": "application/javascript"}
    )
    assert response.status_code == 200, response.text
    download = cf_api.get("/workers/scripts/sw")
    assert download.headers["content-type"].startswith("application/javascript")
    assert download.text == source


def test_upload_rejections(cf_api: ContractClient, deploy: Deploy) -> None:
    wrong_type = cf_api.put(
        "/workers/scripts/s1", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert (wrong_type.status_code, errors_of(wrong_type)) == (400, [10001])

    not_json = [
        ("metadata", (None, b"{nope", None)),
        ("w.mjs", ("w.mjs", b"export default {}", "application/javascript+module")),
    ]
    assert errors_of(cf_api.put("/workers/scripts/s1", files=not_json)) == [10006]
    no_metadata = [("w.mjs", ("w.mjs", b"export default {}", "application/javascript+module"))]
    assert errors_of(cf_api.put("/workers/scripts/s1", files=no_metadata)) == [10006]

    missing_main = deploy("s1", main_module="worker.mjs", metadata={"main_module": "other.mjs"})
    assert (missing_main.status_code, errors_of(missing_main)) == (400, [10021])
    assert "other.mjs" in missing_main.json()["errors"][0]["message"]

    bad_part_type = deploy("s1", extra_modules={"x.bin": ("image/png", b"\x89PNG")})
    assert errors_of(bad_part_type) == [10001]

    bad_name = deploy("Not_Lower")
    assert (bad_name.status_code, errors_of(bad_name)) == (400, [10004])
    assert deploy("x" * 64).status_code == 400
    assert deploy("x" * 63).status_code == 200
    assert cf_api.get("/workers/scripts").json()["result"][0]["id"] == "x" * 63  # nothing else got stored


def test_own_workflow_binding_must_name_an_exported_class(cf_api: ContractClient, deploy: Deploy) -> None:
    response = deploy("s1", class_name="Other", bindings=[OWN])
    assert (response.status_code, errors_of(response)) == (400, [10021])
    message = response.json()["errors"][0]["message"]
    assert "MyWorkflow" in message and "s1" in message
    # Naming itself as script_name is the same as no script_name.
    assert errors_of(deploy("s1", class_name="Other", bindings=[{**OWN, "script_name": "s1"}])) == [10021]
    missing_class = {k: v for k, v in OWN.items() if k != "class_name"}
    assert errors_of(deploy("s1", bindings=[missing_class])) == [10021]
    assert deploy("s1", bindings=[OWN]).status_code == 200
    # `export *` cannot be resolved: the conservative answer is to accept.
    star = 'export * from "./wf.mjs";\nexport default { fetch() { return new Response("") } };'
    assert deploy("s2", source=star, bindings=[OWN]).status_code == 200
    assert cf_api.get("/workers/scripts/nope-never").status_code == 404


def test_cross_script_binding_checked_against_its_host_when_it_exists(
    cf_api: ContractClient, deploy: Deploy
) -> None:
    cross = {**OWN, "script_name": "host"}
    # The host does not exist yet: accepted (deploy order is the client's business).
    assert deploy("client", source="export default {}", bindings=[cross]).status_code == 200
    assert deploy("host", class_name="MyWorkflow").status_code == 200
    assert deploy("client", source="export default {}", bindings=[cross]).status_code == 200
    wrong = deploy("client", source="export default {}", bindings=[{**cross, "class_name": "Nope"}])
    assert (wrong.status_code, errors_of(wrong)) == (400, [10021])
    assert "Nope" in wrong.json()["errors"][0]["message"]


def test_delete_refused_while_hosting_workflows_or_bound(cf_api: ContractClient, deploy: Deploy) -> None:
    deploy("host", bindings=[OWN])
    cf_api.put("/workflows/my-workflow", json={"class_name": "MyWorkflow", "script_name": "host"})
    deploy("client", source="export default {}", bindings=[{**OWN, "script_name": "host"}])

    hosts = cf_api.delete("/workers/scripts/host")
    assert (hosts.status_code, errors_of(hosts)) == (409, [10252])
    assert "my-workflow" in hosts.json()["errors"][0]["message"]
    assert cf_api.delete("/workflows/my-workflow").status_code == 200

    bound = cf_api.delete("/workers/scripts/host", params={"force": "false"})
    assert (bound.status_code, errors_of(bound)) == (409, [10142])
    assert "client/WF" in bound.json()["errors"][0]["message"]
    assert cf_api.get("/workers/scripts/host").status_code == 200

    assert cf_api.delete("/workers/scripts/host", params={"force": "true"}).status_code == 200
    assert cf_api.get("/workers/scripts/host").status_code == 404
    assert cf_api.delete("/workers/scripts/client").json()["result"] is None


def test_force_deletes_a_script_that_hosts_workflows(cf_api: ContractClient, workflow: str) -> None:
    assert cf_api.delete("/workers/scripts/wf-host", params={"force": "true"}).status_code == 200
    assert cf_api.get("/workers/scripts/wf-host").status_code == 404
    # The workflow record outlives its script (Cloudflare's DELETE never cascades the other way either).
    assert cf_api.get(f"/workflows/{workflow}").json()["result"]["script_name"] == "wf-host"
